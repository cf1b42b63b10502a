import { createHash } from 'node:crypto';
import { type AwsServiceError, awsErrors, type FieldError } from './aws-errors.ts';
import {
  actionRequiredViolations,
  INVITATION_LIFETIME_MS,
  invitationStatusAt,
  nextModified,
  opportunityRuleIssues,
  SUBMITTABLE_STATUSES,
  submissionIssues,
  UPDATE_LOCKED_STATUSES,
  utcDay,
} from './selling-rules.ts';
import {
  type Catalog,
  type ContactShape,
  type InvitationStatusValue,
  type OperationInput,
  type OperationName,
  type OpportunityBody,
  parseRequest,
  type ReviewStatusValue,
  type SpendShape,
  type StageValue,
  type TaskStatusValue,
} from './selling-schemas.ts';

/**
 * The state of one partner account in Partner Central Selling — opportunities, engagement invitations, tasks and the
 * idempotency records of client tokens, per catalog (`AWS` and `Sandbox` never see each other's records) — and the
 * operations on it. Every operation takes the parsed JSON body and the time, and answers the JSON body to send or
 * throws an `AwsServiceError`; the HTTP layer (`aws-partner-central.ts`) only routes, authenticates and limits.
 *
 * Time-driven changes (an IN_PROGRESS task completing, the optional review progression Submitted → In review →
 * Approved) happen in `advance(now)`, called before every request and every control read, and are stamped with the
 * time they were due, so polling by `LastModifiedDate` sees them in order.
 */

export type Json = Record<string, unknown>;

export interface SellingStoreOptions {
  accountId: string;
  region: string;
  /** Optional review progression: Submitted → In review after the first delay, → Approved after the second. */
  reviewAfterMs?: { submittedToInReview: number; inReviewToDecision: number } | undefined;
  /** 0 (default): tasks answer COMPLETE at once; more: IN_PROGRESS, completing that many ms later. */
  taskCompletionMs?: number | undefined;
}

export interface StoredOpportunity {
  catalog: Catalog;
  id: string;
  arn: string;
  origin: 'AWS Referral' | 'Partner Referral';
  createdDate: number;
  lastModifiedDate: number;
  body: OpportunityBody;
  opportunityTeam: ContactShape[] | undefined;
  review: {
    status: ReviewStatusValue | undefined;
    comments: string | undefined;
    reason: string | undefined;
    /** When the status was entered: the review progression counts from here. */
    since: number;
  };
  engagement:
    | { engagementId: string; invitationId: string; involvementType: string; visibility: string; jobId: string }
    | undefined;
}

export interface StoredInvitation {
  catalog: Catalog;
  id: string;
  arn: string;
  engagementId: string;
  engagementTitle: string;
  engagementDescription: string;
  participantType: 'RECEIVER' | 'SENDER';
  status: Exclude<InvitationStatusValue, 'EXPIRED'>;
  invitationDate: number;
  expirationDate: number;
  senderAwsAccountId: string;
  senderCompanyName: string;
  receiverAccountId: string;
  invitationMessage: string;
  payload: Json;
  rejectionReason: string | undefined;
  opportunityId: string | undefined;
}

type TaskKind = 'from-opportunity' | 'accept-invitation';

interface StoredTask {
  kind: TaskKind;
  catalog: Catalog;
  id: string;
  arn: string;
  startTime: number;
  dueAt: number;
  status: TaskStatusValue;
  opportunityId: string | undefined;
  invitationId: string | undefined;
  engagementId: string | undefined;
  jobId: string | undefined;
  message: string | undefined;
  reasonCode: string | undefined;
  submission: { involvementType: string; visibility: string } | undefined;
}

interface IdempotencyRecord {
  fingerprint: string;
  answer: () => Json;
}

export interface InvitationSpec {
  catalog?: Catalog;
  companyName: string;
  websiteUrl: string;
  countryCode: string;
  industry?: string;
  title: string;
  businessProblem: string;
  /** Monthly AWS spend, e.g. `"12000"` or `12000`. */
  amount: string | number;
  currencyCode?: 'USD' | 'EUR';
  targetCloseDate: string;
  /** Epoch ms; default now. The invitation expires 15 days later. */
  createdAt?: number;
  engagementTitle?: string;
  message?: string;
  senderContactEmail?: string;
}

export class SellingStore {
  private readonly opportunitiesById = new Map<string, StoredOpportunity>();
  private readonly invitationsById = new Map<string, StoredInvitation>();
  private readonly tasksById = new Map<string, StoredTask>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private counter = 0;
  private opportunityNumber = 4_200_000;

  constructor(private readonly options: SellingStoreOptions) {}

  // --- dispatch ------------------------------------------------------------------------------------------------

  handle(operation: OperationName, input: unknown, now: number): Json {
    this.advance(now);
    switch (operation) {
      case 'CreateOpportunity':
        return this.createOpportunity(input, now);
      case 'GetOpportunity':
        return this.getOpportunity(parseRequest('GetOpportunity', input));
      case 'ListOpportunities':
        return this.listOpportunities(parseRequest('ListOpportunities', input), input);
      case 'UpdateOpportunity':
        return this.updateOpportunity(input, now);
      case 'StartEngagementFromOpportunityTask':
        return this.startEngagementFromOpportunity(input, now);
      case 'ListEngagementFromOpportunityTasks':
        return this.listTasks('from-opportunity', parseRequest('ListEngagementFromOpportunityTasks', input), input);
      case 'ListEngagementInvitations':
        return this.listInvitations(parseRequest('ListEngagementInvitations', input), input, now);
      case 'GetEngagementInvitation':
        return this.getInvitation(parseRequest('GetEngagementInvitation', input), now);
      case 'StartEngagementByAcceptingInvitationTask':
        return this.acceptInvitation(input, now);
      case 'ListEngagementByAcceptingInvitationTasks':
        return this.listTasks(
          'accept-invitation',
          parseRequest('ListEngagementByAcceptingInvitationTasks', input),
          input,
        );
      case 'RejectEngagementInvitation':
        return this.rejectInvitation(parseRequest('RejectEngagementInvitation', input), now);
      case 'GetAwsOpportunitySummary':
        return this.awsOpportunitySummary(parseRequest('GetAwsOpportunitySummary', input));
    }
  }

  /** Applies what became due by `now`: task completions and the review progression. */
  advance(now: number): void {
    for (const task of this.tasksById.values()) {
      if (task.status === 'IN_PROGRESS' && task.dueAt <= now) this.completeTask(task, task.dueAt);
    }
    const review = this.options.reviewAfterMs;
    if (!review) return;
    for (const opportunity of this.opportunitiesById.values()) {
      for (;;) {
        const { status, since } = opportunity.review;
        if (status === 'Submitted' && since + review.submittedToInReview <= now) {
          this.setReview(opportunity, 'In review', since + review.submittedToInReview, {});
        } else if (status === 'In review' && since + review.inReviewToDecision <= now) {
          this.setReview(opportunity, 'Approved', since + review.inReviewToDecision, {});
        } else break;
      }
    }
  }

  // --- opportunities -------------------------------------------------------------------------------------------

  private createOpportunity(raw: unknown, now: number): Json {
    const catalog = (raw as { Catalog?: unknown } | null)?.Catalog;
    const input = parseRequest(
      'CreateOpportunity',
      raw,
      opportunityRuleIssues(raw, { catalog, today: utcDay(now), creating: true }),
    );
    return this.idempotent('CreateOpportunity', input.Catalog, input.ClientToken, raw, () => {
      const opportunity = this.insertOpportunity({
        catalog: input.Catalog,
        origin: input.Origin ?? 'Partner Referral',
        body: editableBody(input),
        opportunityTeam: input.OpportunityTeam,
        now,
      });
      const answer = {
        Id: opportunity.id,
        PartnerOpportunityIdentifier: opportunity.body.PartnerOpportunityIdentifier,
        LastModifiedDate: iso(opportunity.lastModifiedDate),
      };
      return () => answer;
    });
  }

  private insertOpportunity(spec: {
    catalog: Catalog;
    origin: StoredOpportunity['origin'];
    body: OpportunityBody;
    opportunityTeam: ContactShape[] | undefined;
    now: number;
  }): StoredOpportunity {
    this.opportunityNumber += 1;
    const id = `O${this.opportunityNumber}`;
    const opportunity: StoredOpportunity = {
      catalog: spec.catalog,
      id,
      arn: `arn:aws:partnercentral:${this.options.region}:${this.options.accountId}:catalog/${spec.catalog}/opportunity/${id}`,
      origin: spec.origin,
      createdDate: spec.now,
      lastModifiedDate: spec.now,
      body: { ...spec.body, LifeCycle: { ...spec.body.LifeCycle, Stage: spec.body.LifeCycle.Stage ?? 'Prospect' } },
      opportunityTeam: spec.opportunityTeam,
      // ReviewStatus applies to partner referrals only (LifeCycle.ReviewStatus reference).
      review: {
        status: spec.origin === 'Partner Referral' ? 'Pending Submission' : undefined,
        comments: undefined,
        reason: undefined,
        since: spec.now,
      },
      engagement: undefined,
    };
    this.opportunitiesById.set(id, opportunity);
    return opportunity;
  }

  private getOpportunity(input: OperationInput<'GetOpportunity'>): Json {
    return renderOpportunity(this.findOpportunity(input.Catalog, input.Identifier));
  }

  private listOpportunities(input: OperationInput<'ListOpportunities'>, raw: unknown): Json {
    const after = input.LastModifiedDate?.AfterLastModifiedDate;
    const before = input.LastModifiedDate?.BeforeLastModifiedDate;
    const createdAfter = input.CreatedDate?.AfterCreatedDate;
    const createdBefore = input.CreatedDate?.BeforeCreatedDate;
    const closeAfter = input.TargetCloseDate?.AfterTargetCloseDate;
    const closeBefore = input.TargetCloseDate?.BeforeTargetCloseDate;
    const companies = input.CustomerCompanyName?.map((name) => name.toLowerCase());
    const matching = [...this.opportunitiesById.values()].filter((opportunity) => {
      if (opportunity.catalog !== input.Catalog) return false;
      // "Created or updated on or after that date and time" (ListOpportunities reference): the bound is inclusive.
      if (after !== undefined && opportunity.lastModifiedDate < after) return false;
      if (before !== undefined && opportunity.lastModifiedDate >= before) return false;
      if (createdAfter !== undefined && opportunity.createdDate < createdAfter) return false;
      if (createdBefore !== undefined && opportunity.createdDate >= createdBefore) return false;
      const closeDate = opportunity.body.LifeCycle.TargetCloseDate;
      if (closeAfter !== undefined && !(closeDate && closeDate >= closeAfter)) return false;
      if (closeBefore !== undefined && !(closeDate && closeDate < closeBefore)) return false;
      if (input.Identifier && !input.Identifier.includes(opportunity.id)) return false;
      const stage = opportunity.body.LifeCycle.Stage;
      if (input.LifeCycleStage && !(stage && input.LifeCycleStage.includes(stage))) return false;
      const status = opportunity.review.status;
      if (input.LifeCycleReviewStatus && !(status && input.LifeCycleReviewStatus.includes(status))) return false;
      if (companies && !companies.includes(opportunity.body.Customer.Account.CompanyName.toLowerCase())) return false;
      return true;
    });
    const sortBy = input.Sort?.SortBy ?? 'LastModifiedDate';
    const direction = (input.Sort?.SortOrder ?? 'DESCENDING') === 'ASCENDING' ? 1 : -1;
    const key = (opportunity: StoredOpportunity): string | number => {
      switch (sortBy) {
        case 'CreatedDate':
          return opportunity.createdDate;
        case 'CustomerCompanyName':
          return opportunity.body.Customer.Account.CompanyName.toLowerCase();
        case 'Identifier':
          return Number(opportunity.id.slice(1));
        case 'TargetCloseDate':
          return opportunity.body.LifeCycle.TargetCloseDate ?? '';
        default:
          return opportunity.lastModifiedDate;
      }
    };
    matching.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) return (ka < kb ? -1 : 1) * direction;
      return (Number(a.id.slice(1)) - Number(b.id.slice(1))) * direction;
    });
    const page = paginate(matching, input.MaxResults ?? 20, input.NextToken, raw);
    return {
      OpportunitySummaries: page.items.map(renderSummary),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  private updateOpportunity(raw: unknown, now: number): Json {
    const catalog = (raw as { Catalog?: unknown } | null)?.Catalog;
    const input = parseRequest(
      'UpdateOpportunity',
      raw,
      opportunityRuleIssues(raw, { catalog, today: utcDay(now), creating: false }),
    );
    const opportunity = this.findOpportunity(input.Catalog, input.Identifier);
    if (input.LastModifiedDate !== opportunity.lastModifiedDate) {
      throw awsErrors.conflict(
        `The opportunity ${opportunity.id} was modified at ${iso(opportunity.lastModifiedDate)}, not at ` +
          `${iso(input.LastModifiedDate)}: get it again and resend the update.`,
      );
    }
    const status = opportunity.review.status;
    if (status && UPDATE_LOCKED_STATUSES.includes(status)) {
      throw awsErrors.validation('BUSINESS_VALIDATION_FAILED', [
        {
          FieldName: 'LifeCycle.ReviewStatus',
          Code: 'ACTION_NOT_PERMITTED',
          Message: `The opportunity cannot be updated while its review status is ${status}.`,
        },
      ]);
    }
    const next = editableBody(input);
    if (status === 'Action Required') {
      const violations = actionRequiredViolations(opportunity.body, next);
      if (violations.length > 0) throw awsErrors.validation('BUSINESS_VALIDATION_FAILED', violations);
    }
    // Full replace: what the request omits is gone (UpdateOpportunity reference).
    opportunity.body = { ...next, LifeCycle: { ...next.LifeCycle, Stage: next.LifeCycle.Stage ?? 'Prospect' } };
    opportunity.lastModifiedDate = nextModified(opportunity.lastModifiedDate, now);
    return { Id: opportunity.id, LastModifiedDate: iso(opportunity.lastModifiedDate) };
  }

  private findOpportunity(catalog: Catalog, id: string): StoredOpportunity {
    const opportunity = this.opportunitiesById.get(id);
    if (!opportunity || opportunity.catalog !== catalog) {
      throw awsErrors.notFound(`Opportunity ${id} was not found in the ${catalog} catalog.`);
    }
    return opportunity;
  }

  // --- engagement from opportunity (submission) ----------------------------------------------------------------

  private startEngagementFromOpportunity(raw: unknown, now: number): Json {
    const input = parseRequest('StartEngagementFromOpportunityTask', raw);
    return this.idempotent('StartEngagementFromOpportunityTask', input.Catalog, input.ClientToken, raw, () => {
      const opportunity = this.findOpportunity(input.Catalog, input.Identifier);
      const refusal = this.submissionRefusal(opportunity, now);
      if (refusal) throw refusal;
      const task = this.newTask('from-opportunity', input.Catalog, now, {
        opportunityId: opportunity.id,
        submission: {
          involvementType: input.AwsSubmission.InvolvementType,
          visibility: input.AwsSubmission.Visibility ?? 'Full',
        },
      });
      return () => renderTask(this.tasksById.get(task.id) ?? task);
    });
  }

  private submissionRefusal(opportunity: StoredOpportunity, now: number): AwsServiceError | undefined {
    const status = opportunity.review.status;
    if (opportunity.origin !== 'Partner Referral' || !status || !SUBMITTABLE_STATUSES.includes(status)) {
      return awsErrors.validation('BUSINESS_VALIDATION_FAILED', [
        {
          FieldName: 'LifeCycle.ReviewStatus',
          Code: 'INVALID_RESOURCE_STATE',
          Message:
            opportunity.origin !== 'Partner Referral'
              ? 'Only partner-referred opportunities can be submitted to AWS.'
              : `An opportunity in review status ${status} cannot be submitted; it must be Pending Submission or Action Required.`,
        },
      ]);
    }
    const missing = submissionIssues(opportunity.body, opportunity.body.NationalSecurity, utcDay(now));
    return missing.length > 0 ? awsErrors.validation('BUSINESS_VALIDATION_FAILED', missing) : undefined;
  }

  private newTask(
    kind: TaskKind,
    catalog: Catalog,
    now: number,
    fields: Partial<Pick<StoredTask, 'opportunityId' | 'invitationId' | 'submission'>>,
  ): StoredTask {
    // The from-opportunity task id follows `oit-[0-9a-z]{13}` (SDK docs); the model's pattern is `task-…`.
    const id = kind === 'from-opportunity' ? this.nextId('oit-', 13) : this.nextId('task-', 13);
    const task: StoredTask = {
      kind,
      catalog,
      id,
      arn: `arn:aws:partnercentral:${this.options.region}:${this.options.accountId}:catalog/${catalog}/${kind === 'from-opportunity' ? 'engagement-from-opportunity-task' : 'engagement-by-accepting-invitation-task'}/${id}`,
      startTime: now,
      dueAt: now + (this.options.taskCompletionMs ?? 0),
      status: 'IN_PROGRESS',
      opportunityId: fields.opportunityId,
      invitationId: fields.invitationId,
      engagementId: undefined,
      jobId: undefined,
      message: undefined,
      reasonCode: undefined,
      submission: fields.submission,
    };
    this.tasksById.set(id, task);
    if (task.dueAt <= now) this.completeTask(task, now);
    return task;
  }

  /** Runs the task's work at its due time; a state that changed meanwhile fails it, as AWS's async steps would. */
  private completeTask(task: StoredTask, at: number): void {
    if (task.kind === 'from-opportunity') {
      const opportunity = task.opportunityId ? this.opportunitiesById.get(task.opportunityId) : undefined;
      const refusal = opportunity ? this.submissionRefusal(opportunity, at) : awsErrors.notFound('gone');
      if (!opportunity || refusal || !task.submission) {
        task.status = 'FAILED';
        task.reasonCode = 'OpportunitySubmissionFailed';
        task.message = refusal?.message ?? 'The opportunity could not be submitted.';
        return;
      }
      const engagement = opportunity.engagement ?? {
        engagementId: this.nextId('eng-', 14),
        invitationId: this.nextId('engi-', 13),
        jobId: this.nextId('job-', 13),
        involvementType: task.submission.involvementType,
        visibility: task.submission.visibility,
      };
      opportunity.engagement = {
        ...engagement,
        involvementType: task.submission.involvementType,
        visibility: task.submission.visibility,
      };
      if (!this.invitationsById.has(engagement.invitationId)) this.recordSentInvitation(opportunity, at);
      this.setReview(opportunity, 'Submitted', at, {});
      task.engagementId = engagement.engagementId;
      task.invitationId = engagement.invitationId;
      task.jobId = engagement.jobId;
      task.status = 'COMPLETE';
      return;
    }
    const invitation = task.invitationId ? this.invitationsById.get(task.invitationId) : undefined;
    const status = invitation ? invitationStatusAt(invitation.status, invitation.expirationDate, at) : undefined;
    if (!invitation || status !== 'PENDING') {
      task.status = 'FAILED';
      task.reasonCode = 'InvitationValidationFailed';
      task.message = `The engagement invitation is ${status ?? 'gone'} and cannot be accepted.`;
      return;
    }
    const opportunity = this.insertOpportunity({
      catalog: invitation.catalog,
      origin: 'AWS Referral',
      body: bodyFromInvitation(invitation.payload),
      opportunityTeam: undefined,
      now: at,
    });
    opportunity.engagement = {
      engagementId: invitation.engagementId,
      invitationId: invitation.id,
      jobId: this.nextId('job-', 13),
      involvementType: 'Co-Sell',
      visibility: 'Full',
    };
    invitation.status = 'ACCEPTED';
    invitation.opportunityId = opportunity.id;
    task.opportunityId = opportunity.id;
    task.engagementId = invitation.engagementId;
    task.jobId = opportunity.engagement.jobId;
    task.status = 'COMPLETE';
  }

  /** The invitation our submission sends AWS (ListEngagementInvitations with ParticipantType SENDER). */
  private recordSentInvitation(opportunity: StoredOpportunity, at: number): void {
    const engagement = opportunity.engagement;
    if (!engagement) return;
    const account = opportunity.body.Customer.Account;
    this.invitationsById.set(engagement.invitationId, {
      catalog: opportunity.catalog,
      id: engagement.invitationId,
      arn: this.invitationArn(opportunity.catalog, engagement.invitationId),
      engagementId: engagement.engagementId,
      engagementTitle: (opportunity.body.Project.Title ?? opportunity.id).slice(0, 40),
      engagementDescription: opportunity.body.Project.CustomerBusinessProblem.slice(0, 255),
      participantType: 'SENDER',
      status: 'PENDING',
      invitationDate: at,
      expirationDate: at + INVITATION_LIFETIME_MS,
      senderAwsAccountId: this.options.accountId,
      senderCompanyName: 'Demo Vendor Inc.',
      receiverAccountId: 'aws',
      invitationMessage: `Co-sell request for ${account.CompanyName}`,
      payload: invitationPayloadFrom(opportunity.body),
      rejectionReason: undefined,
      opportunityId: opportunity.id,
    });
  }

  private listTasks(
    kind: TaskKind,
    input:
      | OperationInput<'ListEngagementFromOpportunityTasks'>
      | OperationInput<'ListEngagementByAcceptingInvitationTasks'>,
    raw: unknown,
  ): Json {
    const invitationIds = 'EngagementInvitationIdentifier' in input ? input.EngagementInvitationIdentifier : undefined;
    const engagementIds = 'EngagementIdentifier' in input ? input.EngagementIdentifier : undefined;
    const tasks = [...this.tasksById.values()].filter(
      (task) =>
        task.kind === kind &&
        task.catalog === input.Catalog &&
        (!input.TaskStatus || input.TaskStatus.includes(task.status)) &&
        (!input.TaskIdentifier || input.TaskIdentifier.some((id) => id === task.id || id === task.arn)) &&
        (!input.OpportunityIdentifier ||
          (task.opportunityId && input.OpportunityIdentifier.includes(task.opportunityId))) &&
        (!invitationIds || (task.invitationId && invitationIds.includes(task.invitationId))) &&
        (!engagementIds || (task.engagementId && engagementIds.includes(task.engagementId))),
    );
    const direction = (input.Sort?.SortOrder ?? 'DESCENDING') === 'ASCENDING' ? 1 : -1;
    tasks.sort((a, b) => (a.startTime - b.startTime || (a.id < b.id ? -1 : 1)) * direction);
    const page = paginate(tasks, input.MaxResults ?? 20, input.NextToken, raw);
    return {
      TaskSummaries: page.items.map((task) => renderTask(task)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  // --- engagement invitations ----------------------------------------------------------------------------------

  addInvitation(spec: InvitationSpec, now: number): StoredInvitation {
    if (spec.businessProblem.length < 20 || spec.businessProblem.length > 255) {
      throw new Error('an invitation business problem is 20–255 characters (EngagementCustomerBusinessProblem)');
    }
    const catalog = spec.catalog ?? 'AWS';
    const id = this.nextId('engi-', 13);
    const createdAt = spec.createdAt ?? now;
    const invitation: StoredInvitation = {
      catalog,
      id,
      arn: this.invitationArn(catalog, id),
      engagementId: this.nextId('eng-', 14),
      engagementTitle: (spec.engagementTitle ?? spec.title).slice(0, 40),
      engagementDescription: spec.businessProblem,
      participantType: 'RECEIVER',
      status: 'PENDING',
      invitationDate: createdAt,
      expirationDate: createdAt + INVITATION_LIFETIME_MS,
      senderAwsAccountId: 'aws',
      senderCompanyName: 'Amazon Web Services',
      receiverAccountId: this.options.accountId,
      invitationMessage: spec.message ?? `AWS would like to co-sell ${spec.title} with you.`,
      payload: {
        OpportunityInvitation: {
          SenderContacts: [
            {
              Email: spec.senderContactEmail ?? 'pdm@amazon.example',
              FirstName: 'Sam',
              LastName: 'Seller',
              BusinessTitle: 'AWS Account Manager',
            },
          ],
          ReceiverResponsibilities: ['Co-Sell Facilitator'],
          Customer: {
            Industry: spec.industry ?? 'Software and Internet',
            CompanyName: spec.companyName,
            WebsiteUrl: spec.websiteUrl,
            CountryCode: spec.countryCode,
          },
          Project: {
            Title: spec.title,
            BusinessProblem: spec.businessProblem,
            TargetCompletionDate: spec.targetCloseDate,
            ExpectedCustomerSpend: [
              {
                Amount: String(spec.amount),
                CurrencyCode: spec.currencyCode ?? 'USD',
                Frequency: 'Monthly',
                TargetCompany: 'AWS',
              },
            ],
          },
        },
      },
      rejectionReason: undefined,
      opportunityId: undefined,
    };
    this.invitationsById.set(id, invitation);
    return invitation;
  }

  private listInvitations(input: OperationInput<'ListEngagementInvitations'>, raw: unknown, now: number): Json {
    const invitations = [...this.invitationsById.values()].filter((invitation) => {
      if (invitation.catalog !== input.Catalog || invitation.participantType !== input.ParticipantType) return false;
      const status = invitationStatusAt(invitation.status, invitation.expirationDate, now);
      if (input.Status && !input.Status.includes(status)) return false;
      if (input.PayloadType && !input.PayloadType.includes('OpportunityInvitation')) return false;
      if (input.EngagementIdentifier && !input.EngagementIdentifier.includes(invitation.engagementId)) return false;
      if (input.SenderAwsAccountId && !input.SenderAwsAccountId.includes(invitation.senderAwsAccountId)) return false;
      return true;
    });
    const direction = (input.Sort?.SortOrder ?? 'DESCENDING') === 'ASCENDING' ? 1 : -1;
    invitations.sort((a, b) => (a.invitationDate - b.invitationDate || (a.id < b.id ? -1 : 1)) * direction);
    const page = paginate(invitations, input.MaxResults ?? 20, input.NextToken, raw);
    return {
      EngagementInvitationSummaries: page.items.map((invitation) => ({
        Arn: invitation.arn,
        PayloadType: 'OpportunityInvitation',
        Id: invitation.id,
        EngagementId: invitation.engagementId,
        EngagementTitle: invitation.engagementTitle,
        Status: invitationStatusAt(invitation.status, invitation.expirationDate, now),
        InvitationDate: iso(invitation.invitationDate),
        ExpirationDate: iso(invitation.expirationDate),
        SenderAwsAccountId: invitation.senderAwsAccountId,
        SenderCompanyName: invitation.senderCompanyName,
        Receiver: { Account: { AwsAccountId: invitation.receiverAccountId } },
        Catalog: invitation.catalog,
        ParticipantType: invitation.participantType,
      })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  private getInvitation(input: OperationInput<'GetEngagementInvitation'>, now: number): Json {
    const invitation = this.findInvitation(input.Catalog, input.Identifier);
    return renderInvitation(invitation, now);
  }

  private acceptInvitation(raw: unknown, now: number): Json {
    const input = parseRequest('StartEngagementByAcceptingInvitationTask', raw);
    return this.idempotent('StartEngagementByAcceptingInvitationTask', input.Catalog, input.ClientToken, raw, () => {
      const invitation = this.findInvitation(input.Catalog, input.Identifier);
      const status = invitationStatusAt(invitation.status, invitation.expirationDate, now);
      if (invitation.participantType !== 'RECEIVER' || status !== 'PENDING') {
        throw awsErrors.validation('BUSINESS_VALIDATION_FAILED', [
          {
            FieldName: 'Identifier',
            Code: 'INVALID_RESOURCE_STATE',
            Message:
              invitation.participantType !== 'RECEIVER'
                ? `Engagement invitation ${invitation.id} was sent by this account and cannot be accepted by it.`
                : `Engagement invitation ${invitation.id} is ${status} and can no longer be accepted.`,
          },
        ]);
      }
      const task = this.newTask('accept-invitation', input.Catalog, now, { invitationId: invitation.id });
      return () => renderTask(this.tasksById.get(task.id) ?? task);
    });
  }

  private rejectInvitation(input: OperationInput<'RejectEngagementInvitation'>, now: number): Json {
    const invitation = this.findInvitation(input.Catalog, input.Identifier);
    const status = invitationStatusAt(invitation.status, invitation.expirationDate, now);
    if (invitation.participantType !== 'RECEIVER' || status !== 'PENDING') {
      throw awsErrors.validation('BUSINESS_VALIDATION_FAILED', [
        {
          FieldName: 'Identifier',
          Code: 'INVALID_RESOURCE_STATE',
          Message: `Engagement invitation ${invitation.id} is ${status} and can no longer be rejected.`,
        },
      ]);
    }
    invitation.status = 'REJECTED';
    invitation.rejectionReason = input.RejectionReason;
    return {};
  }

  private findInvitation(catalog: Catalog, identifier: string): StoredInvitation {
    const invitation =
      this.invitationsById.get(identifier) ??
      [...this.invitationsById.values()].find((candidate) => candidate.arn === identifier);
    if (!invitation || invitation.catalog !== catalog) {
      throw awsErrors.notFound(`Engagement invitation ${identifier} was not found in the ${catalog} catalog.`);
    }
    return invitation;
  }

  private invitationArn(catalog: Catalog, id: string): string {
    return `arn:aws:partnercentral:${this.options.region}:aws:catalog/${catalog}/engagement-invitation/${id}`;
  }

  // --- AWS's side of an opportunity ----------------------------------------------------------------------------

  private awsOpportunitySummary(input: OperationInput<'GetAwsOpportunitySummary'>): Json {
    const opportunity = this.findOpportunity(input.Catalog, input.RelatedOpportunityIdentifier);
    if (!opportunity.engagement) {
      throw awsErrors.notFound(`Opportunity ${opportunity.id} has no AWS opportunity: it was never submitted.`);
    }
    return {
      Catalog: opportunity.catalog,
      RelatedOpportunityId: opportunity.id,
      Origin: opportunity.origin,
      InvolvementType: opportunity.engagement.involvementType,
      Visibility: opportunity.engagement.visibility,
      LifeCycle: {
        Stage: opportunity.body.LifeCycle.Stage,
        TargetCloseDate: opportunity.body.LifeCycle.TargetCloseDate,
        ...(opportunity.body.LifeCycle.ClosedLostReason
          ? { ClosedLostReason: opportunity.body.LifeCycle.ClosedLostReason }
          : {}),
      },
      Project: { ExpectedCustomerSpend: opportunity.body.Project.ExpectedCustomerSpend ?? [] },
      Customer: { Contacts: [] },
      OpportunityTeam: [],
    };
  }

  // --- control (tests and demos) -------------------------------------------------------------------------------

  opportunities(): StoredOpportunity[] {
    return [...this.opportunitiesById.values()];
  }

  opportunity(id: string): StoredOpportunity | undefined {
    return this.opportunitiesById.get(id);
  }

  invitations(): StoredInvitation[] {
    return [...this.invitationsById.values()];
  }

  invitation(id: string): StoredInvitation | undefined {
    return this.invitationsById.get(id);
  }

  /** AWS's reviewer at work: any status, with the comments and reason the partner reads. */
  setReview(
    opportunity: StoredOpportunity,
    status: ReviewStatusValue,
    at: number,
    note: { comments?: string | undefined; reason?: string | undefined },
  ): void {
    opportunity.review = { status, comments: note.comments, reason: note.reason, since: at };
    opportunity.lastModifiedDate = nextModified(opportunity.lastModifiedDate, at);
    const sent = opportunity.engagement ? this.invitationsById.get(opportunity.engagement.invitationId) : undefined;
    if (sent?.participantType === 'SENDER') {
      if (status === 'Approved') sent.status = 'ACCEPTED';
      if (status === 'Rejected') sent.status = 'REJECTED';
    }
  }

  touch(opportunity: StoredOpportunity, at: number): void {
    opportunity.lastModifiedDate = nextModified(opportunity.lastModifiedDate, at);
  }

  /** Inserts an opportunity directly (demo data): the body as CreateOpportunity would have stored it. */
  seedOpportunity(spec: { catalog: Catalog; body: OpportunityBody; now: number }): StoredOpportunity {
    return this.insertOpportunity({
      catalog: spec.catalog,
      origin: 'Partner Referral',
      body: spec.body,
      opportunityTeam: undefined,
      now: spec.now,
    });
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  /**
   * Client-token semantics: the first successful request with a token is remembered with its body; the same token
   * and body answer the remembered result (no second record), the same token with another body is a conflict.
   * A refused request (validation, not found) is not remembered, so a corrected retry with its token goes through.
   */
  private idempotent(
    operation: OperationName,
    catalog: Catalog,
    token: string,
    raw: unknown,
    run: () => () => Json,
  ): Json {
    const key = `${operation}|${catalog}|${token}`;
    const fingerprint = canonicalJson(raw);
    const record = this.idempotency.get(key);
    if (record) {
      if (record.fingerprint !== fingerprint) {
        throw awsErrors.conflict('Conflicting client token submitted for a new request body.');
      }
      return record.answer();
    }
    const answer = run();
    this.idempotency.set(key, { fingerprint, answer });
    return answer();
  }

  private nextId(prefix: string, length: number): string {
    this.counter += 1;
    // Deterministic and unique: a counter in base 36, mixed so neighbouring ids do not share a long prefix.
    const mixed = (BigInt(this.counter) * 0x9e3779b97f4a7c15n) % 36n ** BigInt(length);
    return `${prefix}${mixed.toString(36).padStart(length, '0')}`;
  }
}

// --- rendering (wire shapes) -----------------------------------------------------------------------------------

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The partner-editable part of a request, read-only LifeCycle members dropped. */
function editableBody(input: OpportunityBody): OpportunityBody {
  const { ReviewStatus: _s, ReviewComments: _c, ReviewStatusReason: _r, ...lifeCycle } = input.LifeCycle;
  return {
    PrimaryNeedsFromAws: input.PrimaryNeedsFromAws,
    NationalSecurity: input.NationalSecurity,
    PartnerOpportunityIdentifier: input.PartnerOpportunityIdentifier,
    Customer: input.Customer,
    Project: input.Project,
    OpportunityType: input.OpportunityType,
    Marketing: input.Marketing,
    SoftwareRevenue: input.SoftwareRevenue,
    LifeCycle: lifeCycle,
  };
}

/** GetOpportunity's answer. */
export function renderOpportunity(opportunity: StoredOpportunity): Json {
  return stripUndefined({
    Catalog: opportunity.catalog,
    Id: opportunity.id,
    Arn: opportunity.arn,
    CreatedDate: iso(opportunity.createdDate),
    LastModifiedDate: iso(opportunity.lastModifiedDate),
    ...opportunity.body,
    LifeCycle: {
      ...opportunity.body.LifeCycle,
      ReviewStatus: opportunity.review.status,
      ReviewComments: opportunity.review.comments,
      ReviewStatusReason: opportunity.review.reason,
    },
    OpportunityTeam: opportunity.opportunityTeam,
    RelatedEntityIdentifiers: { AwsProducts: [], Solutions: [], AwsMarketplaceOffers: [] },
  });
}

function renderSummary(opportunity: StoredOpportunity): Json {
  const { Account } = opportunity.body.Customer;
  const lifeCycle = opportunity.body.LifeCycle;
  return stripUndefined({
    Catalog: opportunity.catalog,
    Id: opportunity.id,
    Arn: opportunity.arn,
    PartnerOpportunityIdentifier: opportunity.body.PartnerOpportunityIdentifier,
    OpportunityType: opportunity.body.OpportunityType,
    LastModifiedDate: iso(opportunity.lastModifiedDate),
    CreatedDate: iso(opportunity.createdDate),
    LifeCycle: {
      Stage: lifeCycle.Stage,
      ClosedLostReason: lifeCycle.ClosedLostReason,
      NextSteps: lifeCycle.NextSteps,
      TargetCloseDate: lifeCycle.TargetCloseDate,
      ReviewStatus: opportunity.review.status,
      ReviewComments: opportunity.review.comments,
      ReviewStatusReason: opportunity.review.reason,
    },
    Customer: {
      Account: {
        Industry: Account.Industry,
        OtherIndustry: Account.OtherIndustry,
        CompanyName: Account.CompanyName,
        WebsiteUrl: Account.WebsiteUrl,
        Address: {
          City: Account.Address.City,
          PostalCode: Account.Address.PostalCode,
          StateOrRegion: Account.Address.StateOrRegion,
          CountryCode: Account.Address.CountryCode,
        },
      },
    },
    Project: {
      DeliveryModels: opportunity.body.Project.DeliveryModels,
      ExpectedCustomerSpend: opportunity.body.Project.ExpectedCustomerSpend,
      ExpectedContractDuration: opportunity.body.Project.ExpectedContractDuration,
    },
  });
}

function renderTask(task: StoredTask): Json {
  return stripUndefined({
    TaskId: task.id,
    TaskArn: task.arn,
    StartTime: iso(task.startTime),
    TaskStatus: task.status,
    Message: task.message,
    ReasonCode: task.reasonCode,
    OpportunityId: task.opportunityId,
    ResourceSnapshotJobId: task.jobId,
    EngagementId: task.kind === 'from-opportunity' ? task.engagementId : undefined,
    EngagementInvitationId: task.invitationId,
  });
}

export function renderInvitation(invitation: StoredInvitation, now: number): Json {
  return stripUndefined({
    Arn: invitation.arn,
    PayloadType: 'OpportunityInvitation',
    Id: invitation.id,
    EngagementId: invitation.engagementId,
    EngagementTitle: invitation.engagementTitle,
    Status: invitationStatusAt(invitation.status, invitation.expirationDate, now),
    InvitationDate: iso(invitation.invitationDate),
    ExpirationDate: iso(invitation.expirationDate),
    SenderAwsAccountId: invitation.senderAwsAccountId,
    SenderCompanyName: invitation.senderCompanyName,
    Receiver: { Account: { AwsAccountId: invitation.receiverAccountId } },
    Catalog: invitation.catalog,
    RejectionReason: invitation.rejectionReason,
    Payload: invitation.payload,
    InvitationMessage: invitation.invitationMessage,
    EngagementDescription: invitation.engagementDescription,
    ExistingMembers: [{ CompanyName: invitation.senderCompanyName }],
  });
}

/** The partner's opportunity created by accepting AWS's invitation, from the invitation's payload. */
function bodyFromInvitation(payload: Json): OpportunityBody {
  const invitation = payload.OpportunityInvitation as {
    Customer: { Industry: string; CompanyName: string; WebsiteUrl: string; CountryCode: string };
    Project: {
      Title: string;
      BusinessProblem: string;
      TargetCompletionDate: string;
      ExpectedCustomerSpend: SpendShape[];
    };
  };
  return {
    Customer: {
      Account: {
        Industry: invitation.Customer.Industry as OpportunityBody['Customer']['Account']['Industry'],
        CompanyName: invitation.Customer.CompanyName,
        WebsiteUrl: invitation.Customer.WebsiteUrl,
        Address: {
          CountryCode: invitation.Customer
            .CountryCode as OpportunityBody['Customer']['Account']['Address']['CountryCode'],
        },
      },
    },
    Project: {
      Title: invitation.Project.Title,
      CustomerBusinessProblem: invitation.Project.BusinessProblem,
      ExpectedCustomerSpend: invitation.Project.ExpectedCustomerSpend.map((spend) => ({ ...spend })),
    },
    LifeCycle: { Stage: 'Prospect' satisfies StageValue, TargetCloseDate: invitation.Project.TargetCompletionDate },
  };
}

function invitationPayloadFrom(body: OpportunityBody): Json {
  const account = body.Customer.Account;
  return {
    OpportunityInvitation: {
      ReceiverResponsibilities: ['Co-Sell Facilitator'],
      Customer: {
        Industry: account.Industry,
        CompanyName: account.CompanyName,
        WebsiteUrl: account.WebsiteUrl,
        CountryCode: account.Address.CountryCode,
      },
      Project: {
        Title: body.Project.Title,
        BusinessProblem: body.Project.CustomerBusinessProblem.slice(0, 255),
        TargetCompletionDate: body.LifeCycle.TargetCloseDate,
        ExpectedCustomerSpend: body.Project.ExpectedCustomerSpend ?? [],
      },
    },
  };
}

// --- pagination --------------------------------------------------------------------------------------------------

/**
 * Offset pagination behind an opaque token bound to the query: a token replayed with other filters is refused
 * (`NextToken` INVALID_VALUE). Records changing between pages can shift the window, as with any offset cursor.
 */
function paginate<T>(
  items: readonly T[],
  pageSize: number,
  token: string | undefined,
  raw: unknown,
): { items: T[]; nextToken: string | undefined } {
  const { NextToken: _token, MaxResults: _max, ...query } = (raw ?? {}) as Json;
  const queryHash = createHash('sha256').update(canonicalJson(query)).digest('base64url').slice(0, 16);
  let offset = 0;
  if (token !== undefined) {
    const decoded = decodeToken(token);
    if (!decoded || decoded.q !== queryHash) {
      const error: FieldError = {
        FieldName: 'NextToken',
        Code: 'INVALID_VALUE',
        Message: 'NextToken is not valid for this request.',
      };
      throw awsErrors.validation('REQUEST_VALIDATION_FAILED', [error]);
    }
    offset = decoded.o;
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return {
    items: page,
    nextToken:
      next < items.length ? Buffer.from(JSON.stringify({ o: next, q: queryHash })).toString('base64url') : undefined,
  };
}

function decodeToken(token: string): { o: number; q: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    return typeof value.o === 'number' && Number.isInteger(value.o) && value.o >= 0 && typeof value.q === 'string'
      ? { o: value.o, q: value.q }
      : undefined;
  } catch {
    return undefined;
  }
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
