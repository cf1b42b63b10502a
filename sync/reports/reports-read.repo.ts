import { type Kysely, sql } from 'kysely';
import type { StoredAttribution } from '../../src/metrics/operator-metrics.ts';
import type { Deal } from '../../src/model/deal.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

/** Deals per page of a full read: small enough that no single statement holds the embedded database for long. */
const PAGE = 2_000;

/** Attribution statuses the daily queue lists as exceptions (SPEC §2.5): a partner missing, or two claiming it. */
export const EXCEPTION_STATUSES = ['missing_partner', 'conflict'] as const;

/**
 * What the operator loops read from the store, beyond the co-sell and scoring repositories: the mirrored deals
 * (canonical model only, paged), stored attribution statuses and which deals have motions. Read-only.
 */
export class ReportsReadRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** Every live deal of the tenant, in pages, in id order. */
  async *liveDeals(tenantId: string): AsyncGenerator<Deal[]> {
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('crm_deals')
        .select(['deal_id', 'deal'])
        .where('tenant_id', '=', tenantId)
        .where('deleted_at', 'is', null)
        .where('deal_id', '>', after)
        .orderBy('deal_id')
        .limit(PAGE)
        .execute();
      if (rows.length > 0) yield rows.map((row) => row.deal as Deal);
      if (rows.length < PAGE) return;
      after = (rows.at(-1) as { deal_id: string }).deal_id;
    }
  }

  /** The stored attribution of every evaluated deal (the tenant's rules, with registrations and motions). */
  async attributions(tenantId: string): Promise<Map<string, StoredAttribution>> {
    const rows = await this.db
      .selectFrom('deal_attributions')
      .select(['deal_id', 'status', 'partner_involved'])
      .where('tenant_id', '=', tenantId)
      .execute();
    return new Map(
      rows.map((row) => [
        row.deal_id,
        { status: row.status as StoredAttribution['status'], partnerInvolved: row.partner_involved },
      ]),
    );
  }

  /** Deals with at least one co-sell motion, whatever its state. */
  async dealsWithMotions(tenantId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('cosell_motions')
      .select('deal_id')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .execute();
    return new Set(rows.map((row) => row.deal_id));
  }

  /** Open live deals whose stored attribution is an exception status, largest first. */
  async attributionExceptions(tenantId: string) {
    const rows = await this.db
      .selectFrom('deal_attributions as a')
      .innerJoin('crm_deals as d', (join) =>
        join.onRef('d.tenant_id', '=', 'a.tenant_id').onRef('d.deal_id', '=', 'a.deal_id'),
      )
      .select([
        'a.deal_id',
        'a.status',
        'a.issues',
        sql<string>`d.deal->>'name'`.as('deal_name'),
        sql<number | null>`(d.deal->>'amount')::float8`.as('amount'),
        sql<string>`d.deal->>'stage'`.as('stage'),
      ])
      .where('a.tenant_id', '=', tenantId)
      .where('a.status', 'in', [...EXCEPTION_STATUSES])
      .where('d.deleted_at', 'is', null)
      .where(sql<boolean>`coalesce((d.deal->>'isClosed')::boolean, false) = false`)
      .orderBy(sql`(d.deal->>'amount')::float8 desc nulls last`)
      .orderBy('a.deal_id')
      .execute();
    return rows.map((row) => ({
      dealId: row.deal_id,
      dealName: row.deal_name,
      amount: row.amount === null ? null : Number(row.amount),
      stage: row.stage,
      status: row.status,
      issues: row.issues,
    }));
  }

  /** Deal names by id (for lists). */
  async dealNames(tenantId: string, dealIds: readonly string[]): Promise<Map<string, string>> {
    if (dealIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('crm_deals')
      .select(['deal_id', sql<string>`deal->>'name'`.as('name')])
      .where('tenant_id', '=', tenantId)
      .where('deal_id', 'in', [...new Set(dealIds)])
      .execute();
    return new Map(rows.map((row) => [row.deal_id, row.name]));
  }
}
