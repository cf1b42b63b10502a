import { type Kysely, sql } from 'kysely';
import type { AttributionResult } from '../../src/attribution/attribution-model.ts';
import { type DealPartner, dealPartnerSchema, type PartnerRole } from '../../src/model/deal.ts';
import { chunks } from '../../src/shared/chunks.ts';
import { IDS_PER_LOOKUP, recordset, tenantKeyIn } from '../platform/store/bulk.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

/** Parsed per stored row (a full pass reads one per closed deal): built once. */
const partnersAtCloseSchema = dealPartnerSchema.array();

const ATTRIBUTION_COLUMNS = {
  deal_id: 'text',
  status: 'text',
  partner_involved: 'boolean',
  issues: 'jsonb',
  partners_at_close: 'jsonb',
} as const;

export interface SplitRow {
  partnerId: string;
  role: PartnerRole;
  splitPct: number;
}

/** Splits per deal (the CRM has no place for them) and the last attribution evaluation of each deal. */
export class AttributionRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async splits(tenantId: string, dealIds: readonly string[]): Promise<Map<string, SplitRow[]>> {
    const out = new Map<string, SplitRow[]>();
    for (const batch of chunks(dealIds, IDS_PER_LOOKUP)) {
      const rows = await this.db
        .selectFrom('deal_partner_splits')
        .select(['deal_id', 'partner_id', 'role', 'split_pct'])
        .where(tenantKeyIn(tenantId, 'deal_id', batch))
        .execute();
      for (const row of rows) {
        const list = out.get(row.deal_id) ?? [];
        list.push({ partnerId: row.partner_id, role: row.role as PartnerRole, splitPct: Number(row.split_pct) });
        out.set(row.deal_id, list);
      }
    }
    return out;
  }

  /** Sets (or clears, with `null`) one partner's split in a role. */
  async setSplit(
    tenantId: string,
    dealId: string,
    partnerId: string,
    role: PartnerRole,
    splitPct: number | null,
    actor: string,
    db: Kysely<StoreSchema> = this.db,
  ): Promise<void> {
    if (splitPct === null) {
      await db
        .deleteFrom('deal_partner_splits')
        .where('tenant_id', '=', tenantId)
        .where('deal_id', '=', dealId)
        .where('partner_id', '=', partnerId)
        .where('role', '=', role)
        .execute();
      return;
    }
    await db
      .insertInto('deal_partner_splits')
      .values({
        tenant_id: tenantId,
        deal_id: dealId,
        partner_id: partnerId,
        role,
        split_pct: splitPct,
        updated_by: actor,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'deal_id', 'partner_id', 'role']).doUpdateSet({
          split_pct: splitPct,
          updated_by: actor,
          updated_at: new Date(),
        }),
      )
      .execute();
  }

  async partnersAtClose(tenantId: string, dealIds: readonly string[]): Promise<Map<string, DealPartner[]>> {
    const out = new Map<string, DealPartner[]>();
    for (const batch of chunks(dealIds, IDS_PER_LOOKUP)) {
      const rows = await this.db
        .selectFrom('deal_attributions')
        .select(['deal_id', 'partners_at_close'])
        .where(tenantKeyIn(tenantId, 'deal_id', batch))
        .where('partners_at_close', 'is not', null)
        .execute();
      for (const row of rows) out.set(row.deal_id, partnersAtCloseSchema.parse(row.partners_at_close));
    }
    return out;
  }

  /** Stores evaluations; the partners at close are captured once, when a deal is first seen closed. */
  async record(
    tenantId: string,
    evaluations: ReadonlyArray<{ dealId: string; result: AttributionResult; closedPartners: DealPartner[] | null }>,
  ): Promise<void> {
    for (let i = 0; i < evaluations.length; i += 500) {
      const rows = evaluations.slice(i, i + 500).map((e) => ({
        deal_id: e.dealId,
        status: e.result.status,
        partner_involved: e.result.partnerInvolved,
        issues: e.result.issues,
        partners_at_close: e.closedPartners,
      }));
      // A row is rewritten only when its evaluation changed (a reconcile that changed nothing writes nothing);
      // `evaluated_at` is when it last changed.
      await sql`
        insert into deal_attributions (tenant_id, deal_id, status, partner_involved, issues, partners_at_close)
        select ${tenantId}, r.deal_id, r.status, r.partner_involved, r.issues, r.partners_at_close
        from ${recordset(JSON.stringify(rows), ATTRIBUTION_COLUMNS)}
        on conflict (tenant_id, deal_id) do update set
          status = excluded.status,
          partner_involved = excluded.partner_involved,
          issues = excluded.issues,
          -- Keep the first capture: what was attributed at close is what later edits are judged against.
          partners_at_close = coalesce(deal_attributions.partners_at_close, excluded.partners_at_close),
          evaluated_at = now()
        where (deal_attributions.status, deal_attributions.partner_involved, deal_attributions.issues)
            is distinct from (excluded.status, excluded.partner_involved, excluded.issues)
          or (deal_attributions.partners_at_close is null and excluded.partners_at_close is not null)`.execute(this.db);
    }
  }

  async coverage(
    tenantId: string,
  ): Promise<{ statuses: Array<{ status: string; partnerInvolved: boolean; n: number }> }> {
    const rows = await this.db
      .selectFrom('deal_attributions as a')
      .innerJoin('crm_deals as d', (join) =>
        join.onRef('d.tenant_id', '=', 'a.tenant_id').onRef('d.deal_id', '=', 'a.deal_id'),
      )
      .select((eb) => ['a.status', 'a.partner_involved', eb.fn.countAll<string>().as('n')])
      .where('a.tenant_id', '=', tenantId)
      .where('d.deleted_at', 'is', null)
      .groupBy(['a.status', 'a.partner_involved'])
      .execute();
    return {
      statuses: rows.map((row) => ({ status: row.status, partnerInvolved: row.partner_involved, n: Number(row.n) })),
    };
  }
}
