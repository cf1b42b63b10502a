import { type Kysely, sql } from 'kysely';
import type { StoreSchema } from '../../sync/platform/store/schema.ts';

/** One line of the preview's deal index: what a newcomer needs to pick a deal, read straight from the mirror. */
export interface PreviewDealRow {
  id: string;
  name: string;
  stage: string;
  amount: number | null;
  currency: string | null;
  isClosed: boolean;
  attributionStatus: string | null;
}

export interface PreviewDealPage {
  deals: PreviewDealRow[];
  /** Live deals matching the search (all of them, not only the page). */
  total: number;
}

/** `%`, `_` and `\` are LIKE wildcards / the escape; a search for "50%" means the text. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The index's fields, extracted from the mirrored canonical deal (JSON) in SQL. */
const DEAL_FIELDS = [
  'deal_id',
  sql<string | null>`deal->>'name'`.as('name'),
  sql<string | null>`deal->>'stage'`.as('stage'),
  sql<string | null>`deal->>'amount'`.as('amount'),
  sql<string | null>`deal->>'currency'`.as('currency'),
  sql<string | null>`deal->>'isClosed'`.as('is_closed'),
  sql<string | null>`properties->>'pl_attribution_status'`.as('attribution_status'),
] as const;

interface DealFieldsRow {
  deal_id: string;
  name: string | null;
  stage: string | null;
  amount: string | null;
  currency: string | null;
  is_closed: string | null;
  attribution_status: string | null;
}

function toRow(row: DealFieldsRow): PreviewDealRow {
  return {
    id: row.deal_id,
    name: row.name ?? `Deal ${row.deal_id}`,
    stage: row.stage ?? '',
    amount: row.amount === null || row.amount === '' ? null : Number(row.amount),
    currency: row.currency,
    isClosed: row.is_closed === 'true',
    attributionStatus: row.attribution_status,
  };
}

/**
 * Read-only queries for the local card preview (sandbox mode), over the deal mirror the reconcile keeps. Only the
 * fields the index shows are extracted from the JSON in SQL, so a large portal costs one indexed scan, not a parse
 * of every deal.
 */
export class PreviewDealsRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** Live deals of a tenant whose name contains `query` (or whose id is `query`), by name, at most `limit`. */
  search(tenantId: string, query: string, limit: number): Promise<PreviewDealPage> {
    return this.#page(tenantId, limit, { query: query.trim() });
  }

  /** The first `limit` open, live deals of a tenant by name, and how many there are (the Salesforce preview's index). */
  open(tenantId: string, limit: number): Promise<PreviewDealPage> {
    return this.#page(tenantId, limit, { openOnly: true });
  }

  async #page(
    tenantId: string,
    limit: number,
    filter: { query?: string; openOnly?: boolean },
  ): Promise<PreviewDealPage> {
    const text = filter.query ?? '';
    const base = this.db
      .selectFrom('crm_deals')
      .where('tenant_id', '=', tenantId)
      .where('deleted_at', 'is', null)
      .$if(text !== '', (qb) =>
        qb.where((eb) => eb.or([eb(sql`deal->>'name'`, 'ilike', likePattern(text)), eb('deal_id', '=', text)])),
      )
      .$if(filter.openOnly === true, (qb) => qb.where(sql<boolean>`coalesce(deal->>'isClosed', 'false') <> 'true'`));
    const rows = await base
      .select(DEAL_FIELDS)
      .orderBy(sql`lower(deal->>'name')`)
      .orderBy('deal_id')
      .limit(limit)
      .execute();
    const count = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return { total: Number(count.n), deals: rows.map(toRow) };
  }

  /** One mirrored deal (live or not) for the preview page's record header; undefined when it is not mirrored. */
  async find(tenantId: string, dealId: string): Promise<(PreviewDealRow & { deleted: boolean }) | undefined> {
    const row = await this.db
      .selectFrom('crm_deals')
      .select([...DEAL_FIELDS, 'deleted_at'])
      .where('tenant_id', '=', tenantId)
      .where('deal_id', '=', dealId)
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...toRow(row), deleted: row.deleted_at !== null };
  }
}
