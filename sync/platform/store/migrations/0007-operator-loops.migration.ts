import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The Operator OS loops (SPEC §2.5): one row per tenant, loop, period and version. A run for a period that already
  // has a result either finds the same numbers (nothing stored) or stores the next version with its reason, so a
  // closed period is never rewritten silently and trends read the latest version of each period.
  // `result` is `json`, not `jsonb`: the text is kept as written, so the metrics keep SPEC §2.5's key order.
  // Period bounds are YYYY-MM-DD UTC days kept as text (node-postgres turns `date` into a local-midnight Date).
  await db.schema
    .createTable('operator_loop_results')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('loop', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('result', 'json', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('operator_loop_results_pkey', ['tenant_id', 'loop', 'period_key', 'version'])
    .execute();
  await sql`create index operator_loop_results_recent_idx
    on operator_loop_results (tenant_id, loop, period_start desc, version desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('operator_loop_results').ifExists().execute();
}
