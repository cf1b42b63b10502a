import {
  ConflictException,
  CreateOpportunityCommand,
  type CreateOpportunityCommandInput,
  GetAwsOpportunitySummaryCommand,
  GetEngagementInvitationCommand,
  GetOpportunityCommand,
  ListEngagementFromOpportunityTasksCommand,
  ListEngagementInvitationsCommand,
  ListOpportunitiesCommand,
  PartnerCentralSellingClient,
  PartnerCentralSellingServiceException,
  RejectEngagementInvitationCommand,
  ResourceNotFoundException,
  StartEngagementByAcceptingInvitationTaskCommand,
  StartEngagementFromOpportunityTaskCommand,
  ThrottlingException,
  UpdateOpportunityCommand,
  type UpdateOpportunityCommandInput,
  ValidationException,
} from '@aws-sdk/client-partnercentral-selling';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import {
  type AwsPartnerCentralOptions,
  type AwsPartnerCentralStandIn,
  DOCUMENTED_QUOTAS,
  startAwsPartnerCentral,
} from './aws-partner-central.ts';

/* The stand-in driven by the real @aws-sdk/client-partnercentral-selling over HTTP (SigV4, AWS JSON 1.0). */

const DAY = 86_400_000;

/** The SDK's own retry decisions (throttling and transient errors, up to `maxAttempts`) without its backoff sleeps. */
function immediateRetries(maxAttempts: number): RetryStrategyV2 {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo) => {
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      if (!retryable || previous.getRetryCount() + 1 >= maxAttempts) throw info.error;
      return token(previous.getRetryCount() + 1);
    },
    recordSuccess: () => {},
  };
}

function validOpportunity(overrides: Partial<CreateOpportunityCommandInput> = {}): CreateOpportunityCommandInput {
  return {
    Catalog: 'AWS',
    Origin: 'Partner Referral',
    OpportunityType: 'Net New Business',
    PartnerOpportunityIdentifier: 'hubspot-deal-1001',
    PrimaryNeedsFromAws: ['Co-Sell - Deal Support'],
    Customer: {
      Account: {
        CompanyName: 'Acme Analytics',
        WebsiteUrl: 'https://acme-analytics.example',
        Industry: 'Software and Internet',
        Address: { CountryCode: 'US', PostalCode: '98101' },
      },
    },
    Project: {
      Title: 'Acme analytics platform on AWS',
      CustomerBusinessProblem: 'Acme cannot scale its nightly reporting jobs and wants managed analytics on AWS.',
      DeliveryModels: ['SaaS or PaaS'],
      CustomerUseCase: 'AI Machine Learning and Analytics',
      ExpectedCustomerSpend: [{ Amount: '12000', CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' }],
    },
    Marketing: { Source: 'None' },
    LifeCycle: { Stage: 'Qualified', TargetCloseDate: '2026-09-30' },
    ...overrides,
  };
}

describe('AWS Partner Central Selling stand-in', () => {
  let clock: ManualClock;
  let standIn: AwsPartnerCentralStandIn;
  let sdk: PartnerCentralSellingClient;

  const start = async (options: AwsPartnerCentralOptions = {}) => {
    await standIn?.close();
    standIn = await startAwsPartnerCentral({ clock, ...options });
    sdk = client();
  };
  const client = (overrides: { secretAccessKey?: string; accessKeyId?: string; maxAttempts?: number } = {}) =>
    new PartnerCentralSellingClient({
      endpoint: standIn.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: overrides.accessKeyId ?? standIn.credentials.accessKeyId,
        secretAccessKey: overrides.secretAccessKey ?? standIn.credentials.secretAccessKey,
      },
      retryStrategy: immediateRetries(overrides.maxAttempts ?? 3),
    });
  const create = async (overrides: Partial<CreateOpportunityCommandInput> = {}) =>
    sdk.send(new CreateOpportunityCommand(validOpportunity(overrides)));
  /** GetOpportunity's answer sent back as a full-replace update, with changes. */
  const updateFrom = async (
    id: string,
    change: (input: UpdateOpportunityCommandInput) => UpdateOpportunityCommandInput,
  ) => {
    const {
      $metadata: _m,
      Id,
      Arn: _a,
      CreatedDate: _c,
      RelatedEntityIdentifiers: _r,
      OpportunityTeam: _t,
      ...document
    } = await sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: id }));
    return sdk.send(new UpdateOpportunityCommand(change({ ...document, Identifier: Id })));
  };
  const caught = async (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 5, 30, 12, 0, 0));
    await start();
  });
  afterEach(async () => {
    sdk.destroy();
    await standIn.close();
  });

  describe('opportunities', () => {
    it('given a valid opportunity, when it is created, fetched and listed by LastModifiedDate, then the same record comes back pending submission', async () => {
      const before = new Date(clock.now() - 1);
      const created = await create();
      expect(created.Id).toMatch(/^O\d{1,19}$/);
      expect(created.PartnerOpportunityIdentifier).toBe('hubspot-deal-1001');
      expect(created.LastModifiedDate?.getTime()).toBe(clock.now());

      const fetched = await sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: created.Id }));
      expect(fetched.Customer?.Account?.CompanyName).toBe('Acme Analytics');
      expect(fetched.LifeCycle).toMatchObject({ ReviewStatus: 'Pending Submission', Stage: 'Qualified' });
      expect(fetched.Arn).toContain(`opportunity/${created.Id}`);
      expect(fetched.LastModifiedDate).toEqual(created.LastModifiedDate);

      const listed = await sdk.send(
        new ListOpportunitiesCommand({ Catalog: 'AWS', LastModifiedDate: { AfterLastModifiedDate: before } }),
      );
      expect(listed.OpportunitySummaries?.map((summary) => summary.Id)).toEqual([created.Id]);
      expect(listed.OpportunitySummaries?.[0]).toMatchObject({
        Customer: { Account: { CompanyName: 'Acme Analytics', Address: { CountryCode: 'US' } } },
        LifeCycle: { ReviewStatus: 'Pending Submission' },
      });
      const later = await sdk.send(
        new ListOpportunitiesCommand({
          Catalog: 'AWS',
          LastModifiedDate: { AfterLastModifiedDate: new Date(clock.now() + 1) },
        }),
      );
      expect(later.OpportunitySummaries).toEqual([]);
    });

    it('given several broken fields, when creating, then one ValidationException lists every field with its code', async () => {
      const error = await caught(
        create({
          Customer: {
            Account: {
              CompanyName: undefined,
              Industry: 'Space Tourism' as never,
              Address: { CountryCode: 'XX' as never },
            },
          },
          Project: {
            Title: 'Acme',
            CustomerBusinessProblem: 'too short',
            ExpectedCustomerSpend: [{ Amount: '12k', CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' }],
          },
          LifeCycle: { TargetCloseDate: '2026-06-29' },
        }),
      );
      expect(error).toBeInstanceOf(ValidationException);
      const validation = error as ValidationException;
      expect(validation.$metadata.httpStatusCode).toBe(400);
      expect(validation.Reason).toBe('REQUEST_VALIDATION_FAILED');
      const codes = Object.fromEntries((validation.ErrorList ?? []).map((entry) => [entry.FieldName, entry.Code]));
      expect(codes).toEqual({
        'Customer.Account.CompanyName': 'REQUIRED_FIELD_MISSING',
        'Customer.Account.Industry': 'INVALID_ENUM_VALUE',
        'Customer.Account.Address.CountryCode': 'INVALID_ENUM_VALUE',
        'Customer.Account.WebsiteUrl': 'REQUIRED_FIELD_MISSING',
        'Project.CustomerBusinessProblem': 'INVALID_VALUE',
        'Project.ExpectedCustomerSpend[0].Amount': 'INVALID_STRING_FORMAT',
        'LifeCycle.TargetCloseDate': 'INVALID_VALUE',
      });
      expect(standIn.opportunities()).toEqual([]);
    });

    it('given only business rules fail, when creating on the AWS catalog, then the reason is BUSINESS_VALIDATION_FAILED', async () => {
      const error = (await caught(create({ Origin: 'AWS Referral' }))) as ValidationException;
      expect(error).toBeInstanceOf(ValidationException);
      expect(error.Reason).toBe('BUSINESS_VALIDATION_FAILED');
      expect(error.ErrorList).toEqual([expect.objectContaining({ FieldName: 'Origin', Code: 'INVALID_VALUE' })]);
      // The Sandbox catalog simulates AWS referrals.
      await expect(create({ Catalog: 'Sandbox', Origin: 'AWS Referral' })).resolves.toMatchObject({ Id: /^O/ });
    });

    it('given national security, when the website is missing, then the opportunity is accepted', async () => {
      const created = await create({
        NationalSecurity: 'Yes',
        Customer: { Account: { CompanyName: 'Agency', Industry: 'Government', Address: { CountryCode: 'US' } } },
      });
      expect(standIn.opportunity(created.Id ?? '')?.NationalSecurity).toBe('Yes');
    });

    it('given a ClientToken, when the same request is replayed, then the same opportunity comes back and a different body conflicts', async () => {
      const first = await create({ ClientToken: 'deal-1001-create' });
      const replay = await create({ ClientToken: 'deal-1001-create' });
      expect(replay.Id).toBe(first.Id);
      expect(standIn.opportunities()).toHaveLength(1);

      const conflict = await caught(
        create({ ClientToken: 'deal-1001-create', PartnerOpportunityIdentifier: 'hubspot-deal-9999' }),
      );
      expect(conflict).toBeInstanceOf(ConflictException);
      expect((conflict as ConflictException).$metadata.httpStatusCode).toBe(409);
      expect((conflict as Error).message).toMatch(/client token/i);
      expect(standIn.opportunities()).toHaveLength(1);
    });

    it('given two catalogs, when an opportunity is created in Sandbox, then the AWS catalog neither lists nor finds it', async () => {
      const sandboxed = await create({ Catalog: 'Sandbox' });
      const listed = await sdk.send(new ListOpportunitiesCommand({ Catalog: 'AWS' }));
      expect(listed.OpportunitySummaries).toEqual([]);
      await expect(
        sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: sandboxed.Id })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      expect(standIn.opportunities('Sandbox').map((opportunity) => opportunity.Id)).toEqual([sandboxed.Id]);
    });

    it('given a malformed or unknown identifier, when getting, then a ValidationException or a ResourceNotFoundException', async () => {
      const malformed = (await caught(
        sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: 'opp-1' })),
      )) as ValidationException;
      expect(malformed).toBeInstanceOf(ValidationException);
      expect(malformed.ErrorList).toEqual([
        expect.objectContaining({ FieldName: 'Identifier', Code: 'INVALID_STRING_FORMAT' }),
      ]);
      const unknown = await caught(sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: 'O999' })));
      expect(unknown).toBeInstanceOf(ResourceNotFoundException);
      expect((unknown as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    });

    it('given three opportunities, when listing two per page, then NextToken pages in LastModifiedDate order and is bound to its query', async () => {
      const ids: string[] = [];
      for (const name of ['One', 'Two', 'Three']) {
        clock.advance(1_000);
        ids.push((await create({ PartnerOpportunityIdentifier: name })).Id ?? '');
      }
      const sort = { SortBy: 'LastModifiedDate', SortOrder: 'ASCENDING' } as const;
      const first = await sdk.send(new ListOpportunitiesCommand({ Catalog: 'AWS', MaxResults: 2, Sort: sort }));
      expect(first.OpportunitySummaries?.map((summary) => summary.Id)).toEqual(ids.slice(0, 2));
      expect(first.NextToken).toBeTruthy();
      const second = await sdk.send(
        new ListOpportunitiesCommand({ Catalog: 'AWS', MaxResults: 2, Sort: sort, NextToken: first.NextToken }),
      );
      expect(second.OpportunitySummaries?.map((summary) => summary.Id)).toEqual(ids.slice(2));
      expect(second.NextToken).toBeUndefined();

      const reused = await caught(
        sdk.send(
          new ListOpportunitiesCommand({ Catalog: 'AWS', NextToken: first.NextToken, LifeCycleStage: ['Qualified'] }),
        ),
      );
      expect(reused).toBeInstanceOf(ValidationException);
      const tooMany = (await caught(
        sdk.send(new ListOpportunitiesCommand({ Catalog: 'AWS', MaxResults: 101 })),
      )) as ValidationException;
      expect(tooMany.ErrorList?.[0]).toMatchObject({ FieldName: 'MaxResults', Code: 'VALUE_OUT_OF_RANGE' });
    });
  });

  describe('updates', () => {
    it('given a stale LastModifiedDate, when updating, then ConflictException and nothing changes', async () => {
      const created = await create();
      clock.advance(60_000);
      const stale = await caught(
        sdk.send(
          new UpdateOpportunityCommand({
            ...validOpportunity(),
            Identifier: created.Id,
            LastModifiedDate: new Date((created.LastModifiedDate?.getTime() ?? 0) - 1_000),
          }),
        ),
      );
      expect(stale).toBeInstanceOf(ConflictException);
      expect(standIn.opportunity(created.Id ?? '')?.LastModifiedDate).toBe(created.LastModifiedDate?.toISOString());
    });

    it('given a current LastModifiedDate, when updating, then the record is replaced whole and LastModifiedDate moves on', async () => {
      const created = await create();
      clock.advance(60_000);
      const updated = await updateFrom(created.Id ?? '', ({ Marketing: _dropped, ...input }) => ({
        ...input,
        Project: { ...input.Project, Title: 'Acme analytics, phase 2' },
      }));
      expect(updated.LastModifiedDate?.getTime()).toBe(clock.now());
      const stored = standIn.opportunity(created.Id ?? '');
      expect(stored?.Project.Title).toBe('Acme analytics, phase 2');
      expect(stored?.Marketing).toBeUndefined();
      expect(stored?.LifeCycle.ReviewStatus).toBe('Pending Submission');
    });

    it.each(['Submitted', 'In review', 'Rejected'] as const)(
      'given review status %s, when updating, then the update is refused as not permitted',
      async (status) => {
        const created = await create();
        standIn.setReviewStatus(created.Id ?? '', status);
        const refused = (await caught(
          updateFrom(created.Id ?? '', (input) => ({ ...input, PartnerOpportunityIdentifier: 'changed' })),
        )) as ValidationException;
        expect(refused).toBeInstanceOf(ValidationException);
        expect(refused.Reason).toBe('BUSINESS_VALIDATION_FAILED');
        expect(refused.ErrorList).toEqual([
          expect.objectContaining({ FieldName: 'LifeCycle.ReviewStatus', Code: 'ACTION_NOT_PERMITTED' }),
        ]);
      },
    );

    it('given Action Required, when updating, then the opened fields change and any other field is named as not permitted', async () => {
      const created = await create();
      standIn.setReviewStatus(created.Id ?? '', 'Action Required', { comments: 'Add the expected spend.' });
      const refused = (await caught(
        updateFrom(created.Id ?? '', (input) => ({
          ...input,
          Project: { ...input.Project, Title: 'Renamed' },
          Customer: {
            Account: { ...input.Customer?.Account, CompanyName: 'Acme Inc', WebsiteUrl: 'https://acme.example' },
          },
        })),
      )) as ValidationException;
      expect(refused).toBeInstanceOf(ValidationException);
      expect(refused.ErrorList?.map((entry) => [entry.FieldName, entry.Code])).toEqual([
        ['Customer.Account.CompanyName', 'ACTION_NOT_PERMITTED'],
        ['Project.Title', 'ACTION_NOT_PERMITTED'],
      ]);

      await updateFrom(created.Id ?? '', (input) => ({
        ...input,
        Customer: {
          Account: {
            ...input.Customer?.Account,
            CompanyName: input.Customer?.Account?.CompanyName,
            WebsiteUrl: 'https://acme.example',
          },
        },
        Project: {
          ...input.Project,
          ExpectedCustomerSpend: [{ Amount: '20000', CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' }],
        },
        LifeCycle: { ...input.LifeCycle, TargetCloseDate: '2026-10-31' },
      }));
      const stored = standIn.opportunity(created.Id ?? '');
      expect(stored?.Customer.Account.WebsiteUrl).toBe('https://acme.example');
      expect(stored?.Project.ExpectedCustomerSpend?.[0]?.Amount).toBe('20000');
      expect(stored?.LifeCycle).toMatchObject({ ReviewStatus: 'Action Required', TargetCloseDate: '2026-10-31' });
    });
  });

  describe('submission and review', () => {
    it('given a pending opportunity, when StartEngagementFromOpportunityTask runs, then it is Submitted with an engagement and the token replays', async () => {
      const created = await create();
      clock.advance(5_000);
      const submit = {
        Catalog: 'AWS',
        Identifier: created.Id,
        ClientToken: 'deal-1001-submit',
        AwsSubmission: { InvolvementType: 'Co-Sell', Visibility: 'Full' },
      } as const;
      const task = await sdk.send(new StartEngagementFromOpportunityTaskCommand(submit));
      expect(task).toMatchObject({
        TaskId: expect.stringMatching(/^oit-[0-9a-z]{13}$/),
        TaskStatus: 'COMPLETE',
        OpportunityId: created.Id,
        EngagementId: expect.stringMatching(/^eng-[0-9a-z]{14}$/),
        EngagementInvitationId: expect.stringMatching(/^engi-[0-9a-z]{13}$/),
      });
      const stored = standIn.opportunity(created.Id ?? '');
      expect(stored?.LifeCycle.ReviewStatus).toBe('Submitted');
      expect(stored?.LastModifiedDate).toBe(new Date(clock.now()).toISOString());

      const replay = await sdk.send(new StartEngagementFromOpportunityTaskCommand(submit));
      expect(replay.TaskId).toBe(task.TaskId);
      const again = (await caught(
        sdk.send(new StartEngagementFromOpportunityTaskCommand({ ...submit, ClientToken: 'deal-1001-submit-2' })),
      )) as ValidationException;
      expect(again).toBeInstanceOf(ValidationException);
      expect(again.ErrorList?.[0]).toMatchObject({
        FieldName: 'LifeCycle.ReviewStatus',
        Code: 'INVALID_RESOURCE_STATE',
      });

      const tasks = await sdk.send(
        new ListEngagementFromOpportunityTasksCommand({ Catalog: 'AWS', OpportunityIdentifier: [created.Id ?? ''] }),
      );
      expect(tasks.TaskSummaries?.map((summary) => summary.TaskId)).toEqual([task.TaskId]);
      const summary = await sdk.send(
        new GetAwsOpportunitySummaryCommand({ Catalog: 'AWS', RelatedOpportunityIdentifier: created.Id }),
      );
      expect(summary).toMatchObject({ InvolvementType: 'Co-Sell', Visibility: 'Full', Origin: 'Partner Referral' });
    });

    it('given a close date that passed, when submitting, then the missing or invalid fields are named', async () => {
      const created = await create();
      clock.advance(120 * DAY);
      standIn.setField(created.Id ?? '', 'Project.ExpectedCustomerSpend', undefined);
      const refused = (await caught(
        sdk.send(
          new StartEngagementFromOpportunityTaskCommand({
            Catalog: 'AWS',
            Identifier: created.Id,
            ClientToken: 'late',
            AwsSubmission: { InvolvementType: 'For Visibility Only' },
          }),
        ),
      )) as ValidationException;
      expect(refused.ErrorList?.map((entry) => [entry.FieldName, entry.Code])).toEqual([
        ['Project.ExpectedCustomerSpend', 'REQUIRED_FIELD_MISSING'],
        ['LifeCycle.TargetCloseDate', 'INVALID_VALUE'],
      ]);
      expect(standIn.opportunity(created.Id ?? '')?.LifeCycle.ReviewStatus).toBe('Pending Submission');
    });

    it('given a submitted opportunity, when AWS approves it, then ListOpportunities after the previous LastModifiedDate shows Approved', async () => {
      const created = await create();
      await sdk.send(
        new StartEngagementFromOpportunityTaskCommand({
          Catalog: 'AWS',
          Identifier: created.Id,
          AwsSubmission: { InvolvementType: 'Co-Sell' },
        }),
      );
      const submittedAt = standIn.opportunity(created.Id ?? '')?.LastModifiedDate ?? '';
      clock.advance(DAY);
      const approvedAt = standIn.setReviewStatus(created.Id ?? '', 'Approved', { reason: 'Validated' });
      expect(Date.parse(approvedAt)).toBeGreaterThan(Date.parse(submittedAt));

      const changed = await sdk.send(
        new ListOpportunitiesCommand({
          Catalog: 'AWS',
          LastModifiedDate: { AfterLastModifiedDate: new Date(Date.parse(submittedAt) + 1) },
        }),
      );
      expect(changed.OpportunitySummaries).toHaveLength(1);
      expect(changed.OpportunitySummaries?.[0]).toMatchObject({
        Id: created.Id,
        LastModifiedDate: new Date(approvedAt),
        LifeCycle: { ReviewStatus: 'Approved', ReviewStatusReason: 'Validated' },
      });
      const approved = await sdk.send(
        new ListOpportunitiesCommand({ Catalog: 'AWS', LifeCycleReviewStatus: ['Approved'] }),
      );
      expect(approved.OpportunitySummaries?.map((summary) => summary.Id)).toEqual([created.Id]);
    });

    it('given a review schedule, when time passes, then Submitted becomes In review then Approved, each stamped when due', async () => {
      await start({ reviewAfterMs: { submittedToInReview: 60_000, inReviewToDecision: 3_600_000 } });
      const created = await create();
      await sdk.send(
        new StartEngagementFromOpportunityTaskCommand({
          Catalog: 'AWS',
          Identifier: created.Id,
          AwsSubmission: { InvolvementType: 'Co-Sell' },
        }),
      );
      const submittedAt = clock.now();
      clock.advance(59_999);
      expect(standIn.opportunity(created.Id ?? '')?.LifeCycle.ReviewStatus).toBe('Submitted');
      clock.advance(1);
      const inReview = await sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: created.Id }));
      expect(inReview.LifeCycle?.ReviewStatus).toBe('In review');
      expect(inReview.LastModifiedDate?.getTime()).toBe(submittedAt + 60_000);
      clock.advance(5 * 3_600_000);
      const decided = await sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: created.Id }));
      expect(decided.LifeCycle?.ReviewStatus).toBe('Approved');
      expect(decided.LastModifiedDate?.getTime()).toBe(submittedAt + 60_000 + 3_600_000);
    });

    it('given tasks that take time, when submitting, then the task is IN_PROGRESS and completes later', async () => {
      await start({ taskCompletionMs: 2_000 });
      const created = await create();
      const task = await sdk.send(
        new StartEngagementFromOpportunityTaskCommand({
          Catalog: 'AWS',
          Identifier: created.Id,
          AwsSubmission: { InvolvementType: 'Co-Sell' },
        }),
      );
      expect(task.TaskStatus).toBe('IN_PROGRESS');
      expect(task.EngagementId).toBeUndefined();
      expect(standIn.opportunity(created.Id ?? '')?.LifeCycle.ReviewStatus).toBe('Pending Submission');
      clock.advance(2_000);
      const tasks = await sdk.send(new ListEngagementFromOpportunityTasksCommand({ Catalog: 'AWS' }));
      expect(tasks.TaskSummaries?.[0]).toMatchObject({ TaskId: task.TaskId, TaskStatus: 'COMPLETE' });
      expect(standIn.opportunity(created.Id ?? '')?.LifeCycle.ReviewStatus).toBe('Submitted');
    });

    it('given a change made in Partner Central, when polling, then the drifted field and stage come back with a newer LastModifiedDate', async () => {
      const created = await create();
      clock.advance(1_000);
      standIn.setField(created.Id ?? '', 'Project.ExpectedCustomerSpend[0].Amount', '30000');
      clock.advance(1_000);
      const closedAt = standIn.setStage(created.Id ?? '', 'Closed Lost', { closedLostReason: 'Price' });
      const fetched = await sdk.send(new GetOpportunityCommand({ Catalog: 'AWS', Identifier: created.Id }));
      expect(fetched.Project?.ExpectedCustomerSpend?.[0]?.Amount).toBe('30000');
      expect(fetched.LifeCycle).toMatchObject({ Stage: 'Closed Lost', ClosedLostReason: 'Price' });
      expect(fetched.LastModifiedDate?.toISOString()).toBe(closedAt);
    });
  });

  describe('engagement invitations', () => {
    const invitation = {
      companyName: 'Litware Inc',
      websiteUrl: 'https://litware.example',
      countryCode: 'US',
      title: 'Litware observability',
      businessProblem: 'Litware lacks tracing across its microservices and asked AWS for help.',
      amount: 9000,
      targetCloseDate: '2026-09-15',
    };

    it('given a pending invitation, when it is accepted, then an AWS Referral opportunity is created from its payload', async () => {
      const invitationId = standIn.addInvitation(invitation);
      expect(invitationId).toMatch(/^engi-[0-9a-z]{13}$/);
      const listed = await sdk.send(
        new ListEngagementInvitationsCommand({ Catalog: 'AWS', ParticipantType: 'RECEIVER', Status: ['PENDING'] }),
      );
      expect(listed.EngagementInvitationSummaries?.map((summary) => summary.Id)).toEqual([invitationId]);
      const details = await sdk.send(new GetEngagementInvitationCommand({ Catalog: 'AWS', Identifier: invitationId }));
      expect(details.Payload?.OpportunityInvitation?.Customer?.CompanyName).toBe('Litware Inc');
      expect(details.ExpirationDate?.getTime()).toBe(clock.now() + 15 * DAY);

      const task = await sdk.send(
        new StartEngagementByAcceptingInvitationTaskCommand({ Catalog: 'AWS', Identifier: invitationId }),
      );
      expect(task).toMatchObject({ TaskStatus: 'COMPLETE', EngagementInvitationId: invitationId });
      const opportunity = standIn.opportunity(task.OpportunityId ?? '');
      expect(opportunity).toMatchObject({
        Origin: 'AWS Referral',
        Customer: { Account: { CompanyName: 'Litware Inc', WebsiteUrl: 'https://litware.example' } },
        Project: {
          Title: 'Litware observability',
          ExpectedCustomerSpend: [expect.objectContaining({ Amount: '9000' })],
        },
        LifeCycle: { TargetCloseDate: '2026-09-15' },
      });
      const accepted = await sdk.send(new GetEngagementInvitationCommand({ Catalog: 'AWS', Identifier: invitationId }));
      expect(accepted.Status).toBe('ACCEPTED');
    });

    it('given an invitation older than 15 days, when accepting it, then it is EXPIRED and refused', async () => {
      const invitationId = standIn.addInvitation({ ...invitation, createdAt: clock.now() - 15 * DAY });
      const listed = await sdk.send(
        new ListEngagementInvitationsCommand({ Catalog: 'AWS', ParticipantType: 'RECEIVER', Status: ['EXPIRED'] }),
      );
      expect(listed.EngagementInvitationSummaries?.map((summary) => summary.Id)).toEqual([invitationId]);
      const refused = (await caught(
        sdk.send(new StartEngagementByAcceptingInvitationTaskCommand({ Catalog: 'AWS', Identifier: invitationId })),
      )) as ValidationException;
      expect(refused).toBeInstanceOf(ValidationException);
      expect(refused.ErrorList?.[0]).toMatchObject({ FieldName: 'Identifier', Code: 'INVALID_RESOURCE_STATE' });
      expect(standIn.opportunities()).toEqual([]);
    });

    it('given a pending invitation, when it is rejected, then it cannot be accepted any more', async () => {
      const invitationId = standIn.addInvitation(invitation);
      await sdk.send(
        new RejectEngagementInvitationCommand({
          Catalog: 'AWS',
          Identifier: invitationId,
          RejectionReason: 'Unable to support',
        }),
      );
      expect(standIn.invitation(invitationId)).toMatchObject({
        Status: 'REJECTED',
        RejectionReason: 'Unable to support',
      });
      await expect(
        sdk.send(new StartEngagementByAcceptingInvitationTaskCommand({ Catalog: 'AWS', Identifier: invitationId })),
      ).rejects.toBeInstanceOf(ValidationException);
    });
  });

  describe('transport', () => {
    it('given a wrong secret or an unknown key, when calling, then 403 InvalidSignatureException or UnrecognizedClientException', async () => {
      const wrongSecret = client({ secretAccessKey: 'not-the-secret' });
      const badSignature = (await caught(wrongSecret.send(new ListOpportunitiesCommand({ Catalog: 'AWS' })))) as
        | PartnerCentralSellingServiceException
        | undefined;
      expect(badSignature).toBeInstanceOf(PartnerCentralSellingServiceException);
      expect(badSignature?.name).toBe('InvalidSignatureException');
      expect(badSignature?.$metadata.httpStatusCode).toBe(403);

      const unknownKey = client({ accessKeyId: 'AKIAUNKNOWN000000000' });
      const unrecognized = (await caught(unknownKey.send(new ListOpportunitiesCommand({ Catalog: 'AWS' })))) as Error;
      expect(unrecognized.name).toBe('UnrecognizedClientException');
      wrongSecret.destroy();
      unknownKey.destroy();
      expect(standIn.stats().statuses['403']).toBe(2);
    });

    it.each([
      [500, 'InternalServerException'],
      [429, 'ThrottlingException'],
      [503, 'ServiceUnavailableException'],
    ] as const)(
      'given an injected %i, when creating, then the SDK sees %s and a retrying client succeeds on its second attempt',
      async (status, type) => {
        standIn.faults.add({ route: 'POST /CreateOpportunity', script: [status, status] });
        const once = client({ maxAttempts: 1 });
        const error = await caught(once.send(new CreateOpportunityCommand(validOpportunity())));
        once.destroy();
        expect((error as Error).name).toBe(type);
        expect((error as PartnerCentralSellingServiceException).$metadata.httpStatusCode).toBe(status);

        const created = await create({ ClientToken: 'retried-create' });
        expect(created.$metadata.attempts).toBe(2);
        const stats = standIn.stats();
        expect(stats.byOperation.CreateOpportunity).toBe(3);
        expect(stats.injected).toBe(2);
        expect(standIn.opportunities()).toHaveLength(1);
      },
    );

    it('given a 500 on every attempt, when creating, then the SDK gives up after its attempts with InternalServerException', async () => {
      standIn.faults.add({ route: '/CreateOpportunity', action: 500, probability: 1 });
      const error = await caught(create());
      expect((error as Error).name).toBe('InternalServerException');
      expect(standIn.stats().byOperation.CreateOpportunity).toBe(3);
      expect(standIn.opportunities()).toEqual([]);
    });

    it('given a dropped connection, when listing, then the SDK retries it', async () => {
      standIn.faults.add({ route: 'POST /ListOpportunities', script: ['drop'] });
      const listed = await sdk.send(new ListOpportunitiesCommand({ Catalog: 'AWS' }));
      expect(listed.$metadata.attempts).toBe(2);
      expect(standIn.stats().byOperation.ListOpportunities).toBe(2);
    });

    it('given the documented quotas, when writes exceed 1 per second, then ThrottlingException 429 until the window moves', async () => {
      await start({ requestsPerSecond: DOCUMENTED_QUOTAS });
      const once = client({ maxAttempts: 1 });
      await once.send(new CreateOpportunityCommand(validOpportunity()));
      const throttled = await caught(once.send(new CreateOpportunityCommand(validOpportunity())));
      expect(throttled).toBeInstanceOf(ThrottlingException);
      expect((throttled as ThrottlingException).$metadata.httpStatusCode).toBe(429);
      // Reads have their own window.
      await expect(once.send(new ListOpportunitiesCommand({ Catalog: 'AWS' }))).resolves.toBeTruthy();
      clock.advance(1_000);
      await expect(once.send(new CreateOpportunityCommand(validOpportunity()))).resolves.toBeTruthy();
      expect(standIn.stats().throttled).toBe(1);
      expect(standIn.opportunities()).toHaveLength(2);
      once.destroy();
    });
  });

  describe('demo data', () => {
    it('given seedDemo, when listing, then opportunities in several review states and two pending invitations exist', async () => {
      await start({ seedDemo: true });
      const listed = await sdk.send(new ListOpportunitiesCommand({ Catalog: 'AWS', MaxResults: 100 }));
      const statuses = new Set(listed.OpportunitySummaries?.map((summary) => summary.LifeCycle?.ReviewStatus));
      expect(statuses).toEqual(new Set(['Pending Submission', 'Submitted', 'Action Required', 'Approved']));
      const sandbox = await sdk.send(new ListOpportunitiesCommand({ Catalog: 'Sandbox' }));
      expect(sandbox.OpportunitySummaries).toHaveLength(1);
      const invitations = await sdk.send(
        new ListEngagementInvitationsCommand({ Catalog: 'AWS', ParticipantType: 'RECEIVER', Status: ['PENDING'] }),
      );
      expect(invitations.EngagementInvitationSummaries).toHaveLength(2);
      expect(standIn.stats().calls).toBe(3);
    });
  });
});
