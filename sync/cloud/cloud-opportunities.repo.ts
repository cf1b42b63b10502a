import { type Kysely, type Selectable, sql } from 'kysely';
import type { AwsFieldIssue } from '../../src/cosell/targets/aws-ace/aws-opportunity.ts';
import type { MotionCloudView } from '../../src/model/cosell.ts';
import type { CloudOpportunitiesTable, StoreSchema } from '../platform/store/schema.ts';
import type { ProgrammeKind } from './programme-connections.repo.ts';

export type CloudOpportunityRow = Selectable<CloudOpportunitiesTable>;

/**
 * The programme record of each co-sell motion (SPEC §2.7): written before the programme is called (token and body),
 * then its id, review status and stage as the programme reports them. One row per motion and programme.
 */
export class CloudOpportunitiesRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async forMotion(tenantId: string, programme: ProgrammeKind, motionId: string) {
    return this.db
      .selectFrom('cloud_opportunities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .where('motion_id', '=', motionId)
      .executeTakeFirst();
  }

  /** Records the token and exact body before the create call; a retry after a crash resends exactly this. */
  async begin(row: {
    tenantId: string;
    programme: ProgrammeKind;
    motionId: string;
    dealId: string;
    attempt: number;
    clientToken: string;
    request: unknown;
  }): Promise<void> {
    const values = {
      deal_id: row.dealId,
      attempt: row.attempt,
      client_token: row.clientToken,
      request: JSON.stringify(row.request),
      phase: 'creating' as const,
      issues: '[]',
      last_error: null,
      updated_at: new Date(),
    };
    await this.db
      .insertInto('cloud_opportunities')
      .values({ tenant_id: row.tenantId, programme: row.programme, motion_id: row.motionId, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'programme', 'motion_id']).doUpdateSet(values))
      .execute();
  }

  /**
   * A programme record that exists already (an accepted inbound referral) taken on by a motion: it is `submitted`
   * from the start, so the motion's `requested` event sends nothing and the poll keeps it in step.
   */
  async adopt(row: {
    tenantId: string;
    programme: ProgrammeKind;
    motionId: string;
    dealId: string;
    externalId: string;
    reviewStatus: string | null;
    stage: string | null;
    remoteModifiedAt: Date | null;
  }): Promise<void> {
    await this.db
      .insertInto('cloud_opportunities')
      .values({
        tenant_id: row.tenantId,
        programme: row.programme,
        motion_id: row.motionId,
        deal_id: row.dealId,
        external_id: row.externalId,
        phase: 'submitted',
        issues: '[]',
        review_status: row.reviewStatus,
        stage: row.stage,
        remote_modified_at: row.remoteModifiedAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'programme', 'motion_id']).doNothing())
      .execute();
  }

  /** The refusal, in the seller's words; `attempt` moves on when the programme itself refused the body. */
  async markInvalid(
    key: { tenantId: string; programme: ProgrammeKind; motionId: string; dealId: string },
    issues: readonly AwsFieldIssue[],
    attempt: number,
  ): Promise<void> {
    const values = {
      deal_id: key.dealId,
      phase: 'invalid' as const,
      issues: JSON.stringify(issues),
      attempt,
      client_token: null,
      request: null,
      updated_at: new Date(),
    };
    await this.db
      .insertInto('cloud_opportunities')
      .values({ tenant_id: key.tenantId, programme: key.programme, motion_id: key.motionId, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'programme', 'motion_id']).doUpdateSet(values))
      .execute();
  }

  async update(
    key: { tenantId: string; programme: ProgrammeKind; motionId: string },
    values: Partial<{
      externalId: string;
      phase: CloudOpportunityRow['phase'];
      reviewStatus: string | null;
      stage: string | null;
      remoteModifiedAt: Date | null;
      sentFields: Record<string, string>;
      lastError: string | null;
    }>,
  ): Promise<void> {
    await this.db
      .updateTable('cloud_opportunities')
      .set({
        ...(values.externalId === undefined ? {} : { external_id: values.externalId }),
        ...(values.phase === undefined ? {} : { phase: values.phase }),
        ...(values.reviewStatus === undefined ? {} : { review_status: values.reviewStatus }),
        ...(values.stage === undefined ? {} : { stage: values.stage }),
        ...(values.remoteModifiedAt === undefined ? {} : { remote_modified_at: values.remoteModifiedAt }),
        ...(values.sentFields === undefined ? {} : { sent_fields: JSON.stringify(values.sentFields) }),
        ...(values.lastError === undefined ? {} : { last_error: values.lastError }),
        ...(values.phase === 'created' || values.phase === 'submitted' ? { issues: '[]' } : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', key.tenantId)
      .where('programme', '=', key.programme)
      .where('motion_id', '=', key.motionId)
      .execute();
  }

  /**
   * Claims the row for one send (`ms` at most): true for the caller that got it, false while another send holds it.
   * A crashed holder's claim simply runs out.
   */
  async claim(key: { tenantId: string; programme: ProgrammeKind; motionId: string }, ms: number): Promise<boolean> {
    const now = new Date();
    const result = await this.db
      .updateTable('cloud_opportunities')
      .set({ claimed_until: new Date(now.getTime() + ms) })
      .where('tenant_id', '=', key.tenantId)
      .where('programme', '=', key.programme)
      .where('motion_id', '=', key.motionId)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async release(key: { tenantId: string; programme: ProgrammeKind; motionId: string }): Promise<void> {
    await this.db
      .updateTable('cloud_opportunities')
      .set({ claimed_until: null })
      .where('tenant_id', '=', key.tenantId)
      .where('programme', '=', key.programme)
      .where('motion_id', '=', key.motionId)
      .execute();
  }

  /** Rows still being worked: not yet sent (invalid, creating, created) or submitted and not closed. */
  async open(tenantId: string, programme: ProgrammeKind): Promise<CloudOpportunityRow[]> {
    return this.db
      .selectFrom('cloud_opportunities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .where('phase', '<>', 'closed')
      .orderBy('created_at')
      .execute();
  }

  async byExternalIds(tenantId: string, programme: ProgrammeKind, ids: readonly string[]) {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('cloud_opportunities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .where('external_id', 'in', ids)
      .execute();
  }

  /** The card's view of these motions' programme records, keyed by motion id. */
  async views(tenantId: string, motionIds: readonly string[]): Promise<Map<string, MotionCloudView>> {
    if (motionIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('cloud_opportunities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('motion_id', 'in', motionIds)
      .execute();
    return new Map(rows.map((row) => [row.motion_id, cloudView(row)]));
  }

  /** Every programme row of these deals (or all of the tenant's), newest first per deal. */
  async forDeals(tenantId: string, dealIds: readonly string[] | 'all'): Promise<CloudOpportunityRow[]> {
    let query = this.db
      .selectFrom('cloud_opportunities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('deal_id')
      .orderBy('programme')
      .orderBy('created_at', 'desc');
    if (dealIds !== 'all') {
      if (dealIds.length === 0) return [];
      query = query.where('deal_id', '=', sql<string>`any(${sql.val(dealIds)}::text[])`);
    }
    return query.execute();
  }
}

const PHASE_STATUS: Record<CloudOpportunityRow['phase'], string> = {
  invalid: 'Needs fixes',
  creating: 'Sending',
  created: 'Created',
  submitted: 'Submitted',
  closed: 'Closed',
};

/** A row as the card shows it: the programme's own status once it has one, else where our sending stands. */
export function cloudView(row: CloudOpportunityRow): MotionCloudView {
  return {
    programme: row.programme,
    status: row.phase === 'invalid' ? PHASE_STATUS.invalid : (row.review_status ?? PHASE_STATUS[row.phase]),
    stage: row.stage,
    externalId: row.external_id,
    issues: row.issues,
    lastError: row.last_error,
  };
}
