import { type Kysely, sql } from 'kysely';
import type { StoreSchema } from '../../../sync/platform/store/schema.ts';

/** One line of the Salesforce preview's index, read straight from the mirror. */
export interface PreviewOpportunityRow {
  id: string;
  name: string;
  stage: string;
  amount: number | null;
  currency: string | null;
  isClosed: boolean;
  /** PartnerLoop's last evaluation (deal_attributions); null before the first one. */
  attributionStatus: string | null;
}

interface OpportunityFieldsRow {
  deal_id: string;
  name: string | null;
  stage: string | null;
  amount: string | null;
  currency: string | null;
  is_closed: string | null;
  attribution_status: string | null;
}

function toRow(row: OpportunityFieldsRow): PreviewOpportunityRow {
  return {
    id: row.deal_id,
    name: row.name ?? `Opportunity ${row.deal_id}`,
    stage: row.stage ?? '',
    amount: row.amount === null || row.amount === '' ? null : Number(row.amount),
    currency: row.currency,
    isClosed: row.is_closed === 'true',
    attributionStatus: row.attribution_status,
  };
}

/**
 * Read-only queries of the Salesforce card preview (sandbox mode) over the deal mirror the reconcile and the change
 * poll keep: only the fields a page shows, extracted from the canonical deal's JSON in SQL.
 */
export class PreviewOpportunitiesRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  private select() {
    return this.db
      .selectFrom('crm_deals as d')
      .leftJoin('deal_attributions as a', (join) =>
        join.onRef('a.tenant_id', '=', 'd.tenant_id').onRef('a.deal_id', '=', 'd.deal_id'),
      )
      .select([
        'd.deal_id',
        sql<string | null>`d.deal->>'name'`.as('name'),
        sql<string | null>`d.deal->>'stage'`.as('stage'),
        sql<string | null>`d.deal->>'amount'`.as('amount'),
        sql<string | null>`d.deal->>'currency'`.as('currency'),
        sql<string | null>`d.deal->>'isClosed'`.as('is_closed'),
        'a.status as attribution_status',
      ]);
  }

  /** The first `limit` open, live opportunities of the org by name, and how many there are. */
  async open(tenantId: string, limit: number): Promise<{ opportunities: PreviewOpportunityRow[]; total: number }> {
    const open = this.db
      .selectFrom('crm_deals')
      .where('tenant_id', '=', tenantId)
      .where('deleted_at', 'is', null)
      .where(sql<boolean>`coalesce(deal->>'isClosed', 'false') <> 'true'`);
    const rows = await this.select()
      .where('d.tenant_id', '=', tenantId)
      .where('d.deleted_at', 'is', null)
      .where(sql<boolean>`coalesce(d.deal->>'isClosed', 'false') <> 'true'`)
      .orderBy(sql`lower(d.deal->>'name')`)
      .orderBy('d.deal_id')
      .limit(limit)
      .execute();
    const count = await open.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return { opportunities: rows.map(toRow), total: Number(count.n) };
  }

  /** One mirrored opportunity (live or deleted) for its page's record header; undefined when it is not mirrored. */
  async find(tenantId: string, id: string): Promise<(PreviewOpportunityRow & { deleted: boolean }) | undefined> {
    const row = await this.select()
      .select('d.deleted_at')
      .where('d.tenant_id', '=', tenantId)
      .where('d.deal_id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...toRow(row), deleted: row.deleted_at !== null };
  }
}
