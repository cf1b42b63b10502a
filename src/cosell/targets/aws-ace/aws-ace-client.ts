import {
  ConflictException,
  CreateOpportunityCommand,
  type CreateOpportunityCommandInput,
  GetOpportunityCommand,
  type GetOpportunityCommandOutput,
  ListOpportunitiesCommand,
  PartnerCentralSellingClient,
  StartEngagementFromOpportunityTaskCommand,
  UpdateOpportunityCommand,
  ValidationException,
} from '@aws-sdk/client-partnercentral-selling';
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

/** A tenant's AWS connection, credentials already unsealed. */
export interface AwsAceConnection {
  catalog: AwsCatalog;
  region: string;
  /** Only for the sandbox and tests: the stand-in's loopback URL. Production uses the SDK's default endpoint. */
  endpoint?: string | undefined;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
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

/** An ACE opportunity as `GetOpportunity` answers it, for read-merge-write. */
export type AwsOpportunityDocument = GetOpportunityCommandOutput;

export class AwsAceClient {
  readonly #client: PartnerCentralSellingClient;
  readonly #catalog: AwsCatalog;

  constructor(connection: AwsAceConnection) {
    this.#catalog = connection.catalog;
    this.#client = new PartnerCentralSellingClient({
      region: connection.region,
      credentials: {
        accessKeyId: connection.credentials.accessKeyId,
        secretAccessKey: connection.credentials.secretAccessKey,
        ...(connection.credentials.sessionToken ? { sessionToken: connection.credentials.sessionToken } : {}),
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

  destroy(): void {
    this.#client.destroy();
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
  return { action: 'fail', reason: `AWS answered ${status}: ${named.name ?? 'error'}` };
}
