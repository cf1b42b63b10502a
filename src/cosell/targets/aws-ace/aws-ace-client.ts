import {
  ConflictException,
  CreateOpportunityCommand,
  type CreateOpportunityCommandInput,
  GetEngagementInvitationCommand,
  GetOpportunityCommand,
  type GetOpportunityCommandOutput,
  ListEngagementByAcceptingInvitationTasksCommand,
  ListEngagementInvitationsCommand,
  ListOpportunitiesCommand,
  PartnerCentralSellingClient,
  StartEngagementByAcceptingInvitationTaskCommand,
  StartEngagementFromOpportunityTaskCommand,
  UpdateOpportunityCommand,
  ValidationException,
} from '@aws-sdk/client-partnercentral-selling';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { RetryDecision } from '../../../shared/retry-after.ts';
import type { CloudOpportunity } from '../../cloud-reconciliation.ts';
import {
  type AwsCatalog,
  type AwsFieldIssue,
  type AwsOpportunityBody,
  cloudOpportunityFromAws,
} from './aws-opportunity.ts';

/**
 * The only place that speaks to AWS Partner Central Selling (through `@aws-sdk/client-partnercentral-selling`, pinned
 * exactly: see the README). One client per tenant connection; the SDK signs (SigV4) and retries throttling and 5xx
 * itself (3 attempts, the same serialised body and `ClientToken` each time).
 */

// The SDK warns at load that its 2027 releases need Node 22; the pin (README) is exactly why that does not apply here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A customer's IAM role PartnerLoop assumes (the production way to connect), with the tenant's external id. */
export interface AwsAssumedRole {
  kind: 'role';
  roleArn: string;
  externalId: string;
}

export interface AwsAccessKeys {
  kind?: 'keys';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** A tenant's AWS connection, credentials already unsealed. */
export interface AwsAceConnection {
  catalog: AwsCatalog;
  region: string;
  /** Only for the sandbox and tests: the stand-in's loopback URL (Selling API and STS). Production: AWS's own. */
  endpoint?: string | undefined;
  credentials: AwsAccessKeys | AwsAssumedRole;
  /** Who assumes a role: PartnerLoop's own AWS keys, or (undefined) the SDK's default chain. */
  roleSource?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/** What the SDK accepts as a credentials provider (it refreshes once `expiration` is near). */
type CredentialsProvider = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}>;

/** A role session lasts an hour; the SDK asks for a new one shortly before it ends. */
const ROLE_SESSION_SECONDS = 3600;

/**
 * Credentials that assume the customer's role through STS `AssumeRole` with the external id its trust policy requires
 * (the confused-deputy guard). The SDK keeps them until shortly before `Expiration`, then calls again.
 */
function assumedRoleCredentials(
  role: AwsAssumedRole,
  connection: AwsAceConnection,
  sts: STSClient,
): CredentialsProvider {
  return async () => {
    const answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: role.roleArn,
        ExternalId: role.externalId,
        // Shows in the customer's CloudTrail: which product acted, for which of its catalogs.
        RoleSessionName: `partnerloop-${connection.catalog.toLowerCase()}`,
        DurationSeconds: ROLE_SESSION_SECONDS,
      }),
    );
    const issued = answer.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
      throw new Error(`AWS STS answered AssumeRole for ${role.roleArn} without credentials`);
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...(issued.SessionToken ? { sessionToken: issued.SessionToken } : {}),
      ...(issued.Expiration ? { expiration: issued.Expiration } : {}),
    };
  };
}

export interface AwsOpportunityState {
  id: string;
  reviewStatus: string | null;
  reviewComments: string | null;
  stage: string | null;
  lastModifiedDate: Date | null;
  /** The opportunity in the reconciliation's neutral form (mirrored for the weekly loop). */
  record: CloudOpportunity;
}

/** An opportunity invitation from AWS (an inbound referral), as the list shows it. */
export interface AwsInvitation {
  id: string;
  status: 'pending' | 'accepted' | 'rejected' | 'expired';
  title: string;
  sender: string;
  invitedAt: Date;
  expiresAt: Date | null;
}

export interface AwsInvitationDetail {
  customerName: string;
  websiteUrl: string | null;
  title: string;
  businessProblem: string | null;
  targetCloseDate: string | null;
  /** AWS's expected spend is monthly. */
  monthlySpend: number | null;
  currency: string | null;
  payload: unknown;
}

export interface AwsAcceptTask {
  taskId: string | null;
  /** `IN_PROGRESS`, `COMPLETE`, `FAILED`, `CANCELED`. */
  status: string | null;
  opportunityId: string | null;
  message: string | null;
}

const INVITATION_STATUSES: Readonly<Record<string, AwsInvitation['status']>> = {
  PENDING: 'pending',
  ACCEPTED: 'accepted',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
};

/** An ACE opportunity as `GetOpportunity` answers it, for read-merge-write. */
export type AwsOpportunityDocument = GetOpportunityCommandOutput;

export class AwsAceClient {
  readonly #client: PartnerCentralSellingClient;
  readonly #sts: STSClient | undefined;
  readonly #catalog: AwsCatalog;

  constructor(connection: AwsAceConnection) {
    this.#catalog = connection.catalog;
    const { credentials } = connection;
    this.#sts =
      credentials.kind === 'role'
        ? new STSClient({
            region: connection.region,
            ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
            ...(connection.roleSource ? { credentials: connection.roleSource } : {}),
            maxAttempts: 4,
          })
        : undefined;
    this.#client = new PartnerCentralSellingClient({
      region: connection.region,
      credentials:
        credentials.kind === 'role'
          ? assumedRoleCredentials(credentials, connection, this.#sts as STSClient)
          : {
              accessKeyId: credentials.accessKeyId,
              secretAccessKey: credentials.secretAccessKey,
              ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
            },
      ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
      maxAttempts: 4,
    });
  }

  async create(body: AwsOpportunityBody, clientToken: string): Promise<{ id: string; lastModifiedDate: Date | null }> {
    const answer = await this.#client.send(
      // Our body's enum fields are plain strings (checked by aws-opportunity.ts and, finally, by AWS).
      new CreateOpportunityCommand({
        Catalog: this.#catalog,
        ClientToken: clientToken,
        ...body,
      } as CreateOpportunityCommandInput),
    );
    if (!answer.Id) throw new Error('AWS CreateOpportunity answered without an Id');
    return { id: answer.Id, lastModifiedDate: answer.LastModifiedDate ?? null };
  }

  /** Submits the opportunity to AWS for co-sell (`StartEngagementFromOpportunityTask`). */
  async submit(id: string, clientToken: string): Promise<{ taskStatus: string | null; message: string | null }> {
    const answer = await this.#client.send(
      new StartEngagementFromOpportunityTaskCommand({
        Catalog: this.#catalog,
        Identifier: id,
        ClientToken: clientToken,
        AwsSubmission: { InvolvementType: 'Co-Sell', Visibility: 'Full' },
      }),
    );
    return { taskStatus: answer.TaskStatus ?? null, message: answer.Message ?? null };
  }

  async get(id: string): Promise<AwsOpportunityDocument> {
    return this.#client.send(new GetOpportunityCommand({ Catalog: this.#catalog, Identifier: id }));
  }

  /**
   * Full replace guarded by `LastModifiedDate`: what is not sent becomes empty, so the caller merges into what `get`
   * returned; a concurrent change on AWS's side answers `ConflictException`.
   */
  async update(document: AwsOpportunityDocument, body: AwsOpportunityBody): Promise<Date | null> {
    const merged = {
      Catalog: this.#catalog,
      Identifier: document.Id,
      LastModifiedDate: document.LastModifiedDate,
      PrimaryNeedsFromAws: document.PrimaryNeedsFromAws ?? body.PrimaryNeedsFromAws,
      NationalSecurity: document.NationalSecurity,
      PartnerOpportunityIdentifier: document.PartnerOpportunityIdentifier ?? body.PartnerOpportunityIdentifier,
      OpportunityType: document.OpportunityType ?? body.OpportunityType,
      Marketing: document.Marketing,
      SoftwareRevenue: document.SoftwareRevenue,
      Customer: {
        ...document.Customer,
        Account: {
          ...document.Customer?.Account,
          CompanyName: body.Customer.Account.CompanyName,
          WebsiteUrl: body.Customer.Account.WebsiteUrl,
        },
      },
      Project: {
        ...document.Project,
        Title: body.Project.Title,
        CustomerBusinessProblem: document.Project?.CustomerBusinessProblem ?? body.Project.CustomerBusinessProblem,
        ExpectedCustomerSpend: body.Project.ExpectedCustomerSpend,
      },
      LifeCycle: {
        ...withoutReadOnlyLifeCycle(document.LifeCycle),
        Stage: body.LifeCycle.Stage,
        TargetCloseDate: body.LifeCycle.TargetCloseDate,
        ...(body.LifeCycle.ClosedLostReason ? { ClosedLostReason: body.LifeCycle.ClosedLostReason } : {}),
      },
    };
    const answer = await this.#client.send(new UpdateOpportunityCommand(merged as never));
    return answer.LastModifiedDate ?? null;
  }

  /** Every opportunity changed after `after` (all pages), oldest change first. */
  async changedSince(after: Date | null): Promise<AwsOpportunityState[]> {
    const found: AwsOpportunityState[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListOpportunitiesCommand({
          Catalog: this.#catalog,
          MaxResults: 100,
          Sort: { SortBy: 'LastModifiedDate', SortOrder: 'ASCENDING' },
          ...(after ? { LastModifiedDate: { AfterLastModifiedDate: after } } : {}),
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const summary of page.OpportunitySummaries ?? []) {
        if (!summary.Id) continue;
        found.push({
          id: summary.Id,
          reviewStatus: summary.LifeCycle?.ReviewStatus ?? null,
          reviewComments: summary.LifeCycle?.ReviewComments ?? null,
          stage: summary.LifeCycle?.Stage ?? null,
          lastModifiedDate: summary.LastModifiedDate ?? null,
          record: cloudOpportunityFromAws({ ...summary, Id: summary.Id }),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  /** One cheap read that proves the connection works (credentials, role, catalog). */
  async check(): Promise<void> {
    await this.#client.send(new ListOpportunitiesCommand({ Catalog: this.#catalog, MaxResults: 1 }));
  }

  /** Every opportunity invitation AWS sent this partner (all pages), in the neutral form the store keeps. */
  async invitations(): Promise<AwsInvitation[]> {
    const found: AwsInvitation[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListEngagementInvitationsCommand({
          Catalog: this.#catalog,
          ParticipantType: 'RECEIVER',
          PayloadType: ['OpportunityInvitation'],
          MaxResults: 50,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const summary of page.EngagementInvitationSummaries ?? []) {
        if (!summary.Id) continue;
        found.push({
          id: summary.Id,
          status: INVITATION_STATUSES[summary.Status ?? ''] ?? 'pending',
          title: summary.EngagementTitle ?? summary.Id,
          sender: summary.SenderCompanyName ?? summary.SenderAwsAccountId ?? 'AWS',
          invitedAt: summary.InvitationDate ?? new Date(0),
          expiresAt: summary.ExpirationDate ?? null,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  /** The invitation's payload: the customer and project AWS is offering. */
  async invitation(id: string): Promise<AwsInvitationDetail> {
    const answer = await this.#client.send(
      new GetEngagementInvitationCommand({ Catalog: this.#catalog, Identifier: id }),
    );
    const offer = answer.Payload?.OpportunityInvitation;
    const spend = offer?.Project?.ExpectedCustomerSpend ?? [];
    return {
      customerName: offer?.Customer?.CompanyName ?? '',
      websiteUrl: offer?.Customer?.WebsiteUrl ?? null,
      title: offer?.Project?.Title ?? answer.EngagementTitle ?? id,
      businessProblem: offer?.Project?.BusinessProblem ?? null,
      targetCloseDate: offer?.Project?.TargetCompletionDate ?? null,
      monthlySpend: spend.length > 0 ? spend.reduce((sum, s) => sum + Number(s.Amount ?? 0), 0) : null,
      currency: spend[0]?.CurrencyCode ?? null,
      payload: answer.Payload ?? null,
    };
  }

  /**
   * Accepts an invitation (`StartEngagementByAcceptingInvitationTask`). With the same token a retry is answered with
   * the same task, so a crash mid-accept never accepts twice. The opportunity id comes once the task completes.
   */
  async accept(id: string, clientToken: string): Promise<AwsAcceptTask> {
    const answer = await this.#client.send(
      new StartEngagementByAcceptingInvitationTaskCommand({
        Catalog: this.#catalog,
        Identifier: id,
        ClientToken: clientToken,
      }),
    );
    return {
      taskId: answer.TaskId ?? null,
      status: answer.TaskStatus ?? null,
      opportunityId: answer.OpportunityId ?? null,
      message: answer.Message ?? null,
    };
  }

  /** Where the latest accept task of an invitation stands (for a task AWS had not finished when asked). */
  async acceptTask(invitationId: string): Promise<AwsAcceptTask | null> {
    const answer = await this.#client.send(
      new ListEngagementByAcceptingInvitationTasksCommand({
        Catalog: this.#catalog,
        EngagementInvitationIdentifier: [invitationId],
        Sort: { SortBy: 'StartTime', SortOrder: 'DESCENDING' },
        MaxResults: 1,
      }),
    );
    const task = answer.TaskSummaries?.[0];
    if (!task) return null;
    return {
      taskId: task.TaskId ?? null,
      status: task.TaskStatus ?? null,
      opportunityId: task.OpportunityId ?? null,
      message: task.Message ?? null,
    };
  }

  /** One opportunity in the reconciliation's neutral form (its full record carries the project title). */
  async record(id: string): Promise<{ record: CloudOpportunity; reviewStatus: string | null; stage: string | null }> {
    const document = await this.get(id);
    const record = cloudOpportunityFromAws({ ...document, Id: document.Id ?? id });
    return {
      record: { ...record, title: document.Project?.Title ?? record.title },
      reviewStatus: document.LifeCycle?.ReviewStatus ?? null,
      stage: document.LifeCycle?.Stage ?? null,
    };
  }

  destroy(): void {
    this.#client.destroy();
    this.#sts?.destroy();
  }
}

function withoutReadOnlyLifeCycle(lifeCycle: AwsOpportunityDocument['LifeCycle']) {
  if (!lifeCycle) return {};
  const { ReviewStatus: _status, ReviewComments: _comments, ReviewStatusReason: _reason, ...rest } = lifeCycle;
  return rest;
}

/** What a failed AWS call means: the shape every adapter's classifier returns, plus the API's field errors. */
export type AwsCallDecision = RetryDecision | { action: 'invalid'; issues: AwsFieldIssue[]; reason: string };

/**
 * Pure: AWS's answer as a decision. `ValidationException` is the seller's to fix (its `ErrorList` in words);
 * `ConflictException` is a token reused with another body or a stale `LastModifiedDate`, final for this attempt;
 * throttling, 5xx and network errors are retried later (the SDK already retried them a few times); access denied
 * and not found are final and say why.
 */
export function classifyAwsError(error: unknown): AwsCallDecision {
  if (error instanceof ValidationException) {
    const issues = (error.ErrorList ?? []).map((entry) => ({
      field: entry.FieldName ?? 'Opportunity',
      message: `AWS refused ${entry.FieldName ?? 'the opportunity'}: ${entry.Message ?? entry.Code ?? 'invalid value'}`,
    }));
    return {
      action: 'invalid',
      issues: issues.length > 0 ? issues : [{ field: 'Opportunity', message: `AWS refused it: ${error.message}` }],
      reason: `AWS validation failed (${error.Reason ?? 'ValidationException'})`,
    };
  }
  if (error instanceof ConflictException) return { action: 'fail', reason: `AWS conflict: ${error.message}` };
  const named = error as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  const status = named.$metadata?.httpStatusCode;
  if (named.name === 'ThrottlingException' || status === 429) return { action: 'retry', reason: 'AWS throttled' };
  if (named.name === 'InternalServerException' || (status !== undefined && status >= 500)) {
    return { action: 'retry', reason: `AWS answered ${status ?? 'a server error'}` };
  }
  if (status === undefined) return { action: 'retry', reason: `AWS unreachable: ${named.message ?? String(error)}` };
  if (named.name === 'AccessDeniedException') {
    return { action: 'fail', reason: 'AWS denied access: check the IAM role and policy of the AWS connection' };
  }
  // STS (Query protocol) names its refusals without the Exception suffix.
  if (named.name === 'AccessDenied') {
    return {
      action: 'fail',
      reason:
        "AWS would not let PartnerLoop assume the IAM role: its trust policy must name PartnerLoop's AWS account and require this tenant's external id",
    };
  }
  if (named.name === 'UnrecognizedClientException' || named.name === 'InvalidClientTokenId') {
    return { action: 'fail', reason: 'AWS does not know these credentials: check the access key (or the role)' };
  }
  if (named.name === 'ExpiredTokenException' || named.name === 'ExpiredToken') {
    return { action: 'retry', reason: 'the AWS session expired; a new one is taken on the next try' };
  }
  return { action: 'fail', reason: `AWS answered ${status}: ${named.name ?? 'error'}` };
}
