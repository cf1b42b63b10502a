import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The last scoring of each partner: what the card and operators read, and what the write-back put in the CRM.
  // `fingerprint` hashes the values (not computed_at), so a run rewrites only the rows whose values changed.
  // `as_of` is a YYYY-MM-DD UTC day kept as text: node-postgres turns `date` into a local-midnight Date.
  await db.schema
    .createTable('partner_scores')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('partner_type', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('win_rate', 'double precision', (c) => c.notNull())
    .addColumn('win_rate_low', 'double precision', (c) => c.notNull())
    .addColumn('raw_win_rate', 'double precision')
    .addColumn('closed_deals', 'integer', (c) => c.notNull())
    .addColumn('won_deals', 'integer', (c) => c.notNull())
    .addColumn('open_deals', 'integer', (c) => c.notNull())
    .addColumn('won_revenue', 'double precision', (c) => c.notNull())
    .addColumn('avg_deal_size', 'double precision')
    .addColumn('open_pipeline', 'double precision', (c) => c.notNull())
    .addColumn('avg_days_to_close', 'double precision')
    .addColumn('activity', 'double precision', (c) => c.notNull())
    .addColumn('last_opportunity_at', 'timestamptz')
    .addColumn('days_since_last_opportunity', 'integer')
    .addColumn('recent_opportunities', 'integer', (c) => c.notNull())
    .addColumn('baseline_opportunities', 'integer', (c) => c.notNull())
    .addColumn('dormant', 'boolean', (c) => c.notNull())
    .addColumn('decaying', 'boolean', (c) => c.notNull())
    .addColumn('components', 'jsonb', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('partner_scores_pkey', ['tenant_id', 'partner_id'])
    .execute();
  await sql`create index partner_scores_rank_idx on partner_scores (tenant_id, score desc, partner_id)`.execute(db);

  // Per open deal: the fit of its partners and the best partner not on it yet (closed deals have no row).
  await db.schema
    .createTable('deal_fits')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('partner_fit_score', 'integer')
    .addColumn('next_best_partner_id', 'text')
    .addColumn('next_best_fit_score', 'integer')
    .addColumn('next_best_reason', 'text')
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deal_fits_pkey', ['tenant_id', 'deal_id'])
    .execute();

  // One row per tenant: the last run (as-of, the effective config, the fitted priors), for operators.
  await db.schema
    .createTable('scoring_runs')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('priors', 'jsonb', (c) => c.notNull())
    .addColumn('partners', 'integer', (c) => c.notNull())
    .addColumn('open_deals', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scoring_runs').ifExists().execute();
  await db.schema.dropTable('deal_fits').ifExists().execute();
  await db.schema.dropTable('partner_scores').ifExists().execute();
}
