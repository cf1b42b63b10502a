import type { CoSellMotion } from '../../src/cosell/motion-state-machine.ts';
import type { DeliveryOutcome, MotionTarget } from '../../src/cosell/motion-targets.ts';
import { AwsAceClient, classifyAwsError } from '../../src/cosell/targets/aws-ace/aws-ace-client.ts';
import {
  AWS_LOCKED_REVIEW_STATUSES,
  type AwsFieldIssue,
  type AwsOpportunityBody,
  type AwsReviewStatus,
  awsClientToken,
  awsOpportunityFromDeal,
  awsTrackedFields,
  motionPath,
  motionStateForAws,
} from '../../src/cosell/targets/aws-ace/aws-opportunity.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { ErrorInboxRepository, RetryOutcome } from '../inbox/error-inbox.repo.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { CloudOpportunitiesRepository, CloudOpportunityRow } from './cloud-opportunities.repo.ts';
import type { AwsConnection, ProgrammeConnectionsRepository } from './programme-connections.repo.ts';
import type { ProgrammeRecordsRepository } from './programme-records.repo.ts';

/** Changes are read again from a little before the checkpoint: AWS's list is eventually consistent. */
export const AWS_POLL_OVERLAP_MS = 5 * 60_000;
/** Opportunities mirrored per statement. */
const MIRROR_PAGE = 500;

/** What the poll needs of co-sell: the motion, and moving it (history, deliveries, `pl_cosell_status`). */
export interface MotionMover {
  get(tenantId: string, motionId: string): Promise<CoSellMotion>;
  transition(tenantId: string, motionId: string, body: unknown, who: { actor: string }): Promise<unknown>;
}

export interface AwsAceCoSellDeps {
  connections: ProgrammeConnectionsRepository;
  opportunities: CloudOpportunitiesRepository;
  /** Every listed opportunity, ours or not, for the weekly reconciliation. */
  records: Pick<ProgrammeRecordsRepository, 'mirror'>;
  mirror: Pick<CrmMirrorRepository, 'findDeal'>;
  logger: Logger;
  clientFor?: (connection: AwsConnection) => AwsAceClient;
  /** Where refused records are kept for the operator until they go through (SPEC §2.6). */
  inbox: Pick<ErrorInboxRepository, 'record' | 'resolve'>;
  /** PartnerLoop's own AWS keys for assuming customers' roles; undefined = the SDK's default chain. */
  roleSource?: { accessKeyId: string; secretAccessKey: string } | undefined;
  now?: () => Date;
}

/** Runs after a send changed a deal's programme record, to write its cloud values to the CRM at once. */
export type DealChangedHook = (tenantId: string, dealId: string) => Promise<unknown>;

export interface AwsPollResult {
  /** Opportunities AWS reported changed since the checkpoint (ours only). */
  changed: number;
  /** Motion moves made because of them. */
  moved: number;
  /** Approved opportunities brought in step with their deal (read, merge, write). */
  updated: number;
  /** Updates held because AWS is reviewing the opportunity. */
  held: number;
  /** Motions sent again (refused for a field the seller has since fixed, or cut short by a crash). */
  resent: number;
  /** Deals whose cloud values may have changed (for the CRM write-back). */
  dealIds: string[];
}

const KEY = 'aws_ace' as const;
/** Error inbox object types: a motion's opportunity AWS would not take, an update of it AWS refused. */
export const MOTION_RECORD = 'cosell_motion';
export const UPDATE_RECORD = 'cloud_update';
const ACTOR = 'system:aws_ace';

function issuesText(issues: readonly AwsFieldIssue[]): string {
  return issues.map((issue) => issue.message).join(' ');
}

/**
 * AWS Partner Central (ACE) as a co-sell target (SPEC §2.7): a programme motion that is requested becomes an ACE
 * opportunity (validated first, created with a derived ClientToken, its id stored at once, then submitted for
 * co-sell); polling `ListOpportunities` by `LastModifiedDate` moves the motion as AWS reviews and works it, and keeps
 * approved opportunities in step with the deal (never while AWS reviews them).
 */
export class AwsAceCoSell {
  readonly #deps: AwsAceCoSellDeps;
  readonly #now: () => Date;
  readonly #clientFor: (connection: AwsConnection) => AwsAceClient;
  /** Set by the composition root once co-sell's write-back exists (co-sell is built after its targets). */
  onDealChanged: DealChangedHook | undefined;

  constructor(deps: AwsAceCoSellDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
    this.#clientFor =
      deps.clientFor ??
      ((connection) =>
        new AwsAceClient({
          catalog: connection.settings.catalog,
          region: connection.settings.region,
          endpoint: connection.settings.endpoint ?? undefined,
          credentials: connection.credentials,
          roleSource: deps.roleSource,
        }));
  }

  /** The `aws_ace` motion target: a motion moving to `requested` is sent; other moves are AWS's to make. */
  target(): MotionTarget {
    return {
      kind: KEY,
      notify: async (motion, event) => {
        if (event.to !== 'requested') return { status: 'delivered', httpStatus: 204 };
        const outcome = await this.send(motion.tenantId, { id: motion.id, dealId: motion.dealId, ask: motion.ask });
        // The seller sees "Submitted" or what to fix in the CRM at once; a failure here is the next poll's to mend.
        await this.onDealChanged?.(motion.tenantId, motion.dealId).catch((error: unknown) =>
          this.#deps.logger.warn({ err: error, dealId: motion.dealId }, 'cloud status write-back after a send failed'),
        );
        return outcome;
      },
    };
  }

  /**
   * Creates (or finds again) and submits the motion's opportunity. Idempotent: a row already submitted sends
   * nothing; one cut short between create and storing the id resends the stored body with the stored token.
   */
  async send(tenantId: string, motion: { id: string; dealId: string; ask: string }): Promise<DeliveryOutcome> {
    const key = { tenantId, programme: KEY, motionId: motion.id };
    const row = await this.#deps.opportunities.forMotion(tenantId, KEY, motion.id);
    if (row?.phase === 'submitted' || row?.phase === 'closed') return { status: 'delivered', httpStatus: 200 };
    const connection = await this.#deps.connections.aws(tenantId);
    if (!connection) return { status: 'failed', error: 'AWS Partner Central is not connected for this portal.' };
    const client = this.#clientFor(connection);
    try {
      let opportunityId = row?.external_id ?? null;
      const attempt = row?.attempt ?? 1;
      if (opportunityId === null) {
        let body: AwsOpportunityBody;
        let token: string;
        if (row?.phase === 'creating' && row.request !== null && row.client_token !== null) {
          // A crash after the create was sent: the same body and token get the same opportunity back.
          body = row.request as AwsOpportunityBody;
          token = row.client_token;
        } else {
          const mapped = await this.#map(tenantId, connection, motion);
          if (!mapped.ok) {
            await this.#deps.opportunities.markInvalid({ ...key, dealId: motion.dealId }, mapped.issues, attempt);
            await this.#refused(tenantId, motion, mapped.issues);
            return { status: 'failed', error: `Not sent to AWS: ${issuesText(mapped.issues)}` };
          }
          body = mapped.body;
          token = awsClientToken({ tenantId, dealId: motion.dealId, operation: 'create', attempt });
          await this.#deps.opportunities.begin({
            ...key,
            dealId: motion.dealId,
            attempt,
            clientToken: token,
            request: body,
          });
        }
        const created = await client.create(body, token);
        opportunityId = created.id;
        await this.#deps.opportunities.update(key, {
          externalId: created.id,
          phase: 'created',
          reviewStatus: 'Pending Submission',
          stage: body.LifeCycle.Stage,
          remoteModifiedAt: created.lastModifiedDate,
          sentFields: awsTrackedFields(body),
          lastError: null,
        });
      }
      await client.submit(
        opportunityId,
        awsClientToken({ tenantId, dealId: motion.dealId, operation: 'submit', attempt }),
      );
      await this.#deps.opportunities.update(key, { phase: 'submitted', reviewStatus: 'Submitted', lastError: null });
      await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType: MOTION_RECORD }, [motion.id]);
      return { status: 'delivered', httpStatus: 200 };
    } catch (error) {
      const decision = classifyAwsError(error);
      const current = await this.#deps.opportunities.forMotion(tenantId, KEY, motion.id);
      if (decision.action === 'invalid') {
        // AWS refused this body for good: the next try (after a fix) is a new body, so it needs a new token.
        await this.#deps.opportunities.markInvalid(
          { ...key, dealId: motion.dealId },
          decision.issues,
          (current?.attempt ?? 1) + 1,
        );
        await this.#refused(tenantId, motion, decision.issues);
        return { status: 'failed', error: `AWS refused the opportunity: ${issuesText(decision.issues)}` };
      }
      if (current) await this.#deps.opportunities.update(key, { lastError: decision.reason });
      if (decision.action === 'retry') return { status: 'retry', error: decision.reason };
      return { status: 'failed', error: decision.reason };
    } finally {
      client.destroy();
    }
  }

  /**
   * One polling pass for a tenant: motions waiting to be (re)sent, then what AWS changed since the checkpoint (motion
   * moves), then approved opportunities whose deal changed (read, merge, write). The checkpoint moves forward only to
   * the newest change read.
   */
  async poll(tenantId: string, motions: MotionMover): Promise<AwsPollResult> {
    const result: AwsPollResult = { changed: 0, moved: 0, updated: 0, held: 0, resent: 0, dealIds: [] };
    const connection = await this.#deps.connections.aws(tenantId);
    if (!connection) return result;
    const deals = new Set<string>();
    const open = await this.#deps.opportunities.open(tenantId, KEY);

    for (const row of open) {
      if (row.phase !== 'invalid' && row.phase !== 'creating' && row.phase !== 'created') continue;
      const motion = await motions.get(tenantId, row.motion_id);
      if (motion.state !== 'requested') continue;
      const outcome = await this.send(tenantId, { id: motion.id, dealId: motion.dealId, ask: motion.ask });
      if (outcome.status === 'delivered') result.resent += 1;
      deals.add(row.deal_id);
    }

    const client = this.#clientFor(connection);
    try {
      const after = connection.checkpoint ? new Date(connection.checkpoint.getTime() - AWS_POLL_OVERLAP_MS) : null;
      const changes = await client.changedSince(after);
      for (let start = 0; start < changes.length; start += MIRROR_PAGE) {
        const page = changes.slice(start, start + MIRROR_PAGE);
        await this.#deps.records.mirror(
          tenantId,
          KEY,
          page.map((change) => change.record),
        );
      }
      const rows = new Map(
        (
          await this.#deps.opportunities.byExternalIds(
            tenantId,
            KEY,
            changes.map((change) => change.id),
          )
        ).map((row) => [row.external_id as string, row]),
      );
      let newest: Date | null = null;
      for (const change of changes) {
        if (change.lastModifiedDate && (!newest || change.lastModifiedDate > newest)) newest = change.lastModifiedDate;
        const row = rows.get(change.id);
        if (!row) continue;
        result.changed += 1;
        deals.add(row.deal_id);
        const closed =
          change.stage === 'Launched' || change.stage === 'Closed Lost' || change.reviewStatus === 'Rejected';
        await this.#deps.opportunities.update(
          { tenantId, programme: KEY, motionId: row.motion_id },
          {
            reviewStatus: change.reviewStatus,
            stage: change.stage,
            remoteModifiedAt: change.lastModifiedDate,
            ...(closed ? { phase: 'closed' as const } : {}),
          },
        );
        result.moved += await this.#follow(tenantId, row, change.reviewStatus, change.stage, motions);
      }

      for (const row of await this.#deps.opportunities.open(tenantId, KEY)) {
        if (row.external_id === null || row.phase !== 'submitted') continue;
        const outcome = await this.#keepInStep(tenantId, connection, row, client);
        if (outcome === 'updated') {
          result.updated += 1;
          deals.add(row.deal_id);
        } else if (outcome === 'held') result.held += 1;
      }
      if (newest) await this.#deps.connections.advanceCheckpoint(tenantId, KEY, newest, null);
    } catch (error) {
      const decision = classifyAwsError(error);
      await this.#deps.connections.recordError(tenantId, KEY, decision.reason);
      // A refusal (role, keys, policy) is the admin's to fix: said in words. A transient failure stays as it is.
      if (decision.action !== 'retry')
        throw new ConflictError(`AWS poll failed: ${decision.reason}.`, { cause: error });
      throw error;
    } finally {
      client.destroy();
    }
    result.dealIds = [...deals];
    return result;
  }

  /** Tries a connection before it is stored: one read with it; a refusal is said in words (400), an outage 409. */
  async verify(connection: AwsConnection): Promise<void> {
    const client = this.#clientFor(connection);
    try {
      await client.check();
    } catch (error) {
      const decision = classifyAwsError(error);
      if (decision.action === 'retry') {
        throw new ConflictError(`AWS did not answer the connection check (${decision.reason}); try again in a minute.`);
      }
      throw new InvalidInputError(`AWS refused the connection: ${decision.reason}.`, { cause: error });
    } finally {
      client.destroy();
    }
  }

  /**
   * The operator's retry of a refused record (error inbox): a motion's opportunity is sent again now; a refused update
   * is tried again now. A motion that moved on (withdrawn, closed) has nothing left to send: its entry is resolved.
   */
  async retry(tenantId: string, objectType: string, motionId: string, motions: MotionMover): Promise<RetryOutcome> {
    const motion = await motions.get(tenantId, motionId);
    const resolveGone = async (message: string): Promise<RetryOutcome> => {
      await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType }, [motionId]);
      return { status: 'gone', message };
    };
    if (objectType === MOTION_RECORD) {
      if (motion.state !== 'requested') return resolveGone(`The motion is ${motion.state}: nothing is left to send.`);
      const outcome = await this.send(tenantId, { id: motion.id, dealId: motion.dealId, ask: motion.ask });
      await this.onDealChanged?.(tenantId, motion.dealId);
      return outcome.status === 'delivered'
        ? { status: 'sent', message: 'Sent to AWS and submitted for co-sell.' }
        : { status: outcome.status === 'retry' ? 'waiting' : 'refused', message: outcome.error };
    }
    if (objectType === UPDATE_RECORD) {
      const connection = await this.#deps.connections.aws(tenantId);
      const row = await this.#deps.opportunities.forMotion(tenantId, KEY, motionId);
      if (!connection || !row?.external_id || row.phase === 'closed') {
        return resolveGone('The AWS opportunity is closed or gone: nothing is left to update.');
      }
      const client = this.#clientFor(connection);
      try {
        const outcome = await this.#keepInStep(tenantId, connection, row, client);
        if (outcome === 'same') await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType }, [motionId]);
        return {
          updated: { status: 'sent', message: 'AWS took the update.' },
          same: { status: 'sent', message: 'AWS already holds the deal as it is.' },
          held: {
            status: 'waiting',
            message: 'AWS is reviewing the opportunity; the update is sent after the review.',
          },
          failed: { status: 'refused', message: row.last_error ?? 'AWS refused the update again.' },
        }[outcome] as RetryOutcome;
      } finally {
        client.destroy();
      }
    }
    throw new NotFoundError(`AWS records of type ${objectType} are not retried here.`);
  }

  /** A client for this connection (the caller destroys it). */
  clientFor(connection: AwsConnection): AwsAceClient {
    return this.#clientFor(connection);
  }

  /** Moves the motion along the machine to where AWS's review status and stage put it; answers the moves made. */
  follow(tenantId: string, row: CloudOpportunityRow, motions: MotionMover): Promise<number> {
    return this.#follow(tenantId, row, row.review_status, row.stage, motions);
  }

  async #follow(
    tenantId: string,
    row: CloudOpportunityRow,
    reviewStatus: string | null,
    stage: string | null,
    motions: MotionMover,
  ): Promise<number> {
    const motion = await motions.get(tenantId, row.motion_id);
    const path = motionPath(motion.state, motionStateForAws(reviewStatus, stage));
    for (const to of path) {
      await motions.transition(
        tenantId,
        motion.id,
        { to, note: `AWS: ${[reviewStatus, stage].filter(Boolean).join(', ')}` },
        { actor: ACTOR },
      );
    }
    return path.length;
  }

  /**
   * An approved (or action-required) opportunity whose deal changed since we last sent it: read, merge, write with
   * the `LastModifiedDate` just read. While AWS reviews it the update is held (the next poll sends it).
   */
  async #keepInStep(
    tenantId: string,
    connection: AwsConnection,
    row: CloudOpportunityRow,
    client: AwsAceClient,
  ): Promise<'updated' | 'held' | 'same' | 'failed'> {
    const motion = { id: row.motion_id, dealId: row.deal_id, ask: '' };
    const mapped = await this.#map(
      tenantId,
      connection,
      motion,
      (row.request as AwsOpportunityBody | null) ?? undefined,
    );
    if (!mapped.ok) return 'same';
    const fields = awsTrackedFields(mapped.body);
    const sent = row.sent_fields ?? {};
    if (Object.entries(fields).every(([name, value]) => sent[name] === value)) return 'same';
    if (AWS_LOCKED_REVIEW_STATUSES.includes(row.review_status as AwsReviewStatus)) return 'held';
    const key = { tenantId, programme: KEY, motionId: row.motion_id };
    try {
      const document = await client.get(row.external_id as string);
      const status = document.LifeCycle?.ReviewStatus ?? null;
      if (AWS_LOCKED_REVIEW_STATUSES.includes(status as AwsReviewStatus)) {
        await this.#deps.opportunities.update(key, { reviewStatus: status });
        return 'held';
      }
      const modified = await client.update(document, mapped.body);
      await this.#deps.opportunities.update(key, { sentFields: fields, remoteModifiedAt: modified, lastError: null });
      await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType: UPDATE_RECORD }, [row.motion_id]);
      return 'updated';
    } catch (error) {
      const decision = classifyAwsError(error);
      const reason = decision.action === 'invalid' ? issuesText(decision.issues) : decision.reason;
      await this.#deps.opportunities.update(key, { lastError: reason });
      if (decision.action === 'invalid') {
        await this.#deps.inbox.record(
          { tenantId, source: KEY, objectType: UPDATE_RECORD, recordId: row.motion_id },
          { reason: `AWS refused the update: ${reason}`, details: decision.issues, dealId: row.deal_id },
        );
      }
      this.#deps.logger.warn({ tenantId, motionId: row.motion_id, reason }, 'AWS opportunity update not sent');
      return 'failed';
    }
  }

  /** A motion AWS cannot take as it is: kept in the error inbox with the seller's words until a send goes through. */
  async #refused(tenantId: string, motion: { id: string; dealId: string }, issues: readonly AwsFieldIssue[]) {
    await this.#deps.inbox.record(
      { tenantId, source: KEY, objectType: MOTION_RECORD, recordId: motion.id },
      { reason: `Not sent to AWS: ${issuesText(issues)}`, details: issues, dealId: motion.dealId },
    );
  }

  async #map(
    tenantId: string,
    connection: AwsConnection,
    motion: { dealId: string; ask: string },
    sent?: AwsOpportunityBody,
  ) {
    const deal = await this.#deps.mirror.findDeal(tenantId, motion.dealId);
    if (!deal || deal.deletedAt) {
      return {
        ok: false as const,
        issues: [{ field: 'Opportunity', message: 'The deal is no longer in the CRM.' }],
      };
    }
    const today = this.#now().toISOString().slice(0, 10);
    // An update keeps the business problem AWS already has; the deal supplies the rest.
    const ask = sent?.Project.CustomerBusinessProblem ?? motion.ask;
    return awsOpportunityFromDeal(
      { deal: deal.deal, ask, today },
      {
        catalog: connection.settings.catalog,
        countryCode: connection.settings.countryCode,
        industry: connection.settings.industry,
        customerUseCase: connection.settings.customerUseCase,
        deliveryModels: connection.settings.deliveryModels,
      },
    );
  }
}
