import { matchInboundOpportunity } from '../../src/cosell/cloud-reconciliation.ts';
import type { AwsAceClient } from '../../src/cosell/targets/aws-ace/aws-ace-client.ts';
import { awsClientToken } from '../../src/cosell/targets/aws-ace/aws-opportunity.ts';
import type { CrmConnector } from '../../src/crm/crm-connector.ts';
import type { Deal } from '../../src/model/deal.ts';
import { ConflictError, NotFoundError } from '../../src/shared/errors.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AwsAceCoSell, AwsPollResult, MotionMover } from './aws-ace.cosell.ts';
import type { CloudOpportunitiesRepository } from './cloud-opportunities.repo.ts';
import type { ProgrammeConnectionsRepository } from './programme-connections.repo.ts';
import type { ProgrammeInvitationRow, ProgrammeRecordsRepository } from './programme-records.repo.ts';

export const AWS_ACCEPT_JOB = 'cloud.aws.accept';

/** What one AWS pass did: the opportunities' poll, then the invitations listed and acceptances resumed. */
export type AwsPassResult = AwsPollResult & { invitations: number; acceptancesResumed: number };

const KEY = 'aws_ace' as const;
/** The motion an accepted referral becomes carries this programme name (motion-targets.ts `programmeKindOf`). */
const PROGRAMME_NAME = 'AWS ACE';
const AWS_ID_PROPERTY = 'pl_aws_opportunity_id';

/** What accepting needs of co-sell: starting the motion that carries the referral on the deal, and moving it. */
export interface MotionStarter extends MotionMover {
  start(
    tenantId: string,
    dealId: string,
    body: unknown,
    who: { actor: string; ownerId: string },
  ): Promise<{ motion: { id: string } }>;
}

export interface AwsInvitationsDeps {
  connections: ProgrammeConnectionsRepository;
  records: ProgrammeRecordsRepository;
  opportunities: CloudOpportunitiesRepository;
  aws: AwsAceCoSell;
  crm(tenantId: string): Pick<CrmConnector, 'createDeal'>;
  /** Every live deal in the mirror (the dedupe engine's candidates). */
  liveDeals(tenantId: string): Promise<Deal[]>;
  /** Reads these deals from the CRM into the mirror and writes their values back (a new deal, a linked one). */
  refreshDeals(tenantId: string, dealIds: readonly string[]): Promise<unknown>;
  logger: Logger;
  now?: () => Date;
}

export type AcceptOutcome =
  | { status: 'accepted'; dealId: string; dealCreated: boolean; opportunityId: string; motionId: string | null }
  | { status: 'accepting'; reason: string };

/**
 * Inbound AWS referrals (SPEC §2.7): the poll lists the engagement invitations AWS sends; the operator accepts one
 * (`StartEngagementByAcceptingInvitationTask`), and the opportunity AWS then creates becomes a CRM deal — the
 * existing deal the dedupe engine finds first, a new one otherwise — with an `AWS ACE` motion carrying it on the
 * card. Every step is recorded before the next, so a retry after a crash resumes instead of accepting or creating
 * twice: the accept's ClientToken is derived from the invitation, the new deal is found again by its AWS id.
 */
export class AwsInvitations {
  readonly #deps: AwsInvitationsDeps;
  readonly #now: () => Date;

  constructor(deps: AwsInvitationsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Lists what AWS offers and records it; new pending invitations are read once for their customer. */
  async list(tenantId: string): Promise<number> {
    const connection = await this.#deps.connections.aws(tenantId);
    if (!connection) return 0;
    const client = this.#deps.aws.clientFor(connection);
    try {
      return await this.#list(tenantId, client);
    } finally {
      client.destroy();
    }
  }

  async #list(tenantId: string, client: AwsAceClient): Promise<number> {
    const listed = await client.invitations();
    if (listed.length === 0) return 0;
    const known = new Map(
      (await this.#deps.records.invitations(tenantId)).map((row) => [row.invitation_id, row.customer_name]),
    );
    const rows = [];
    for (const invitation of listed) {
      let customerName = known.get(invitation.id);
      let payload: unknown = {};
      if (customerName === undefined && invitation.status === 'pending') {
        const detail = await client.invitation(invitation.id);
        customerName = detail.customerName;
        payload = detail;
      }
      rows.push({ ...invitation, customerName: customerName ?? '', payload });
    }
    await this.#deps.records.listInvitations(tenantId, KEY, rows);
    return listed.length;
  }

  /**
   * The operator's word: checks the invitation can still be accepted and marks it `accepting` (the job then does
   * the work). Throws NotFoundError / ConflictError in words the operator reads.
   */
  async claim(tenantId: string, invitationId: string, actor: string): Promise<ProgrammeInvitationRow> {
    const row = await this.#deps.records.invitation(tenantId, KEY, invitationId);
    if (!row) throw new NotFoundError(`No AWS invitation ${invitationId} for this portal; poll AWS and try again.`);
    if (row.status === 'accepted' || row.status === 'accepting') return row;
    if (row.status !== 'pending') {
      throw new ConflictError(`AWS invitation ${invitationId} is ${row.status} and can no longer be accepted.`);
    }
    if (row.expires_at !== null && row.expires_at <= this.#now()) {
      await this.#deps.records.updateInvitation({ tenantId, programme: KEY, invitationId }, { status: 'expired' });
      throw new ConflictError(
        `AWS invitation ${invitationId} expired on ${row.expires_at.toISOString().slice(0, 10)}; AWS no longer accepts it.`,
      );
    }
    await this.#deps.records.updateInvitation(
      { tenantId, programme: KEY, invitationId },
      { status: 'accepting', acceptedBy: actor, lastError: null },
    );
    return { ...row, status: 'accepting', accepted_by: actor };
  }

  /** Accepts at AWS, then links or creates the deal and starts its motion. Resumable at every step. */
  async accept(tenantId: string, invitationId: string, motions: MotionStarter): Promise<AcceptOutcome> {
    const key = { tenantId, programme: KEY, invitationId };
    const row = await this.#deps.records.invitation(tenantId, KEY, invitationId);
    if (!row) throw new NotFoundError(`No AWS invitation ${invitationId} for this portal.`);
    if (row.status === 'accepted' && row.deal_id !== null && row.opportunity_id !== null) {
      return {
        status: 'accepted',
        dealId: row.deal_id,
        dealCreated: row.deal_created ?? false,
        opportunityId: row.opportunity_id,
        motionId: null,
      };
    }
    if (row.status !== 'accepting') return { status: 'accepting', reason: `the invitation is ${row.status}` };
    const connection = await this.#deps.connections.aws(tenantId);
    if (!connection) throw new ConflictError('AWS Partner Central is not connected for this portal.');
    const client = this.#deps.aws.clientFor(connection);
    try {
      let opportunityId = row.opportunity_id;
      if (opportunityId === null) {
        const token = awsClientToken({ tenantId, dealId: invitationId, operation: 'accept', attempt: 1 });
        let task = await client.accept(invitationId, token);
        if (task.opportunityId === null && task.status === 'IN_PROGRESS') {
          task = (await client.acceptTask(invitationId)) ?? task;
        }
        if (task.status === 'FAILED' || task.status === 'CANCELED') {
          const reason = task.message ?? 'AWS did not accept the invitation.';
          await this.#deps.records.updateInvitation(key, { status: 'pending', lastError: reason });
          throw new ConflictError(`AWS refused to accept invitation ${invitationId}: ${reason}`);
        }
        if (task.opportunityId === null) {
          return { status: 'accepting', reason: 'AWS is still accepting the invitation; the next poll finishes it' };
        }
        opportunityId = task.opportunityId;
        await this.#deps.records.updateInvitation(key, { opportunityId });
      }

      const { record, reviewStatus, stage } = await client.record(opportunityId);
      await this.#deps.records.mirror(tenantId, KEY, [record]);
      let dealId = row.deal_id;
      let dealCreated = row.deal_created ?? false;
      if (dealId === null) {
        const match = matchInboundOpportunity(record, await this.#deps.liveDeals(tenantId));
        if (match) {
          dealId = match.dealId;
        } else {
          const created = await this.#deps.crm(tenantId).createDeal({
            name: record.title,
            amount: record.amount,
            currency: record.currency,
            closeDate: record.closeDate,
            properties: {},
            key: { property: AWS_ID_PROPERTY, value: opportunityId },
          });
          dealId = created.id;
          dealCreated = created.created;
        }
        await this.#deps.records.updateInvitation(key, { dealId, dealCreated });
      }
      await this.#deps.refreshDeals(tenantId, [dealId]);
      const motionId = await this.#carry(tenantId, row, dealId, motions, {
        opportunityId,
        reviewStatus,
        stage,
        modifiedAt: record.lastModifiedAt,
      });
      await this.#deps.records.updateInvitation(key, { status: 'accepted', lastError: null });
      await this.#deps.refreshDeals(tenantId, [dealId]);
      return { status: 'accepted', dealId, dealCreated, opportunityId, motionId };
    } catch (error) {
      if (!(error instanceof ConflictError)) {
        await this.#deps.records.updateInvitation(key, {
          lastError: error instanceof Error ? error.message : String(error),
        });
      }
      throw error;
    } finally {
      client.destroy();
    }
  }

  /** Acceptances cut short (AWS still working, a crash): resumed by the poll. */
  async resume(tenantId: string, motions: MotionStarter): Promise<number> {
    let resumed = 0;
    for (const row of await this.#deps.records.invitations(tenantId, { status: ['accepting'] })) {
      try {
        const outcome = await this.accept(tenantId, row.invitation_id, motions);
        if (outcome.status === 'accepted') resumed += 1;
      } catch (error) {
        this.#deps.logger.warn({ err: error, tenantId, invitationId: row.invitation_id }, 'AWS acceptance not resumed');
      }
    }
    return resumed;
  }

  /**
   * The motion that shows the referral on the deal's card: started as a draft, given the AWS record (already
   * submitted, so nothing is sent), then requested and moved to where AWS stands. A deal that already runs an AWS
   * motion keeps it (the link alone is recorded).
   */
  async #carry(
    tenantId: string,
    row: ProgrammeInvitationRow,
    dealId: string,
    motions: MotionStarter,
    aws: { opportunityId: string; reviewStatus: string | null; stage: string | null; modifiedAt: string },
  ): Promise<string | null> {
    const { opportunityId } = aws;
    const [existing] = await this.#deps.opportunities.byExternalIds(tenantId, KEY, [opportunityId]);
    if (existing) return existing.motion_id;
    const actor = row.accepted_by ?? 'system:aws_ace';
    let motionId: string;
    try {
      const started = await motions.start(
        tenantId,
        dealId,
        { programme: PROGRAMME_NAME, ask: `AWS referral accepted: ${row.title}`.slice(0, 500), asDraft: true },
        { actor, ownerId: actor },
      );
      motionId = started.motion.id;
    } catch (error) {
      if (error instanceof ConflictError || error instanceof NotFoundError) {
        // An AWS motion already open on the deal, or a closed deal: the stored link is all the referral needs.
        this.#deps.logger.info(
          { tenantId, dealId, opportunityId, reason: error.message },
          'referral linked, no motion',
        );
        return null;
      }
      throw error;
    }
    await this.#deps.opportunities.adopt({
      tenantId,
      programme: KEY,
      motionId,
      dealId,
      externalId: opportunityId,
      reviewStatus: aws.reviewStatus,
      stage: aws.stage,
      remoteModifiedAt: new Date(aws.modifiedAt),
    });
    await motions.transition(tenantId, motionId, { to: 'requested', note: 'AWS referral accepted' }, { actor });
    const adopted = await this.#deps.opportunities.forMotion(tenantId, KEY, motionId);
    if (adopted) await this.#deps.aws.follow(tenantId, adopted, motions);
    return motionId;
  }
}
