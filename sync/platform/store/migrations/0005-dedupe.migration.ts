import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Coarse lookup keys (account id, domain, name) so a webhook pass finds a changed deal's possible duplicates
  // without scanning the tenant; the nightly full pass compares every deal.
  // (A btree table, not a GIN-indexed array column: the planner scanned the tenant's rows for array overlaps.)
  await db.schema
    .createTable('deal_match_keys')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('match_key', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_match_keys_pkey', ['tenant_id', 'match_key', 'deal_id'])
    .execute();
  await sql`create index deal_match_keys_deal_idx on deal_match_keys (tenant_id, deal_id)`.execute(db);

  // The current duplicate clusters, one row per member: what the card shows and what the write-back wrote.
  await db.schema
    .createTable('deal_duplicates')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('survivor_id', 'text', (c) => c.notNull())
    .addColumn('member_ids', 'jsonb', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deal_duplicates_pkey', ['tenant_id', 'deal_id'])
    .execute();

  // A person's "not a duplicate" decisions, kept forever: the pair is never flagged again. deal_a < deal_b.
  await db.schema
    .createTable('dedupe_decisions')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_a', 'text', (c) => c.notNull())
    .addColumn('deal_b', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('dedupe_decisions_pkey', ['tenant_id', 'deal_a', 'deal_b'])
    .execute();
  await sql`create index dedupe_decisions_b_idx on dedupe_decisions (tenant_id, deal_b)`.execute(db);

  // Deals changed by webhooks since the last incremental dedupe pass: drains only note them (cheap), a debounced
  // job compares them in bulk.
  await db.schema
    .createTable('dedupe_pending')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('noted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('dedupe_pending_pkey', ['tenant_id', 'deal_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dedupe_pending').ifExists().execute();
  await db.schema.dropTable('dedupe_decisions').ifExists().execute();
  await db.schema.dropTable('deal_duplicates').ifExists().execute();
  await db.schema.dropTable('deal_match_keys').ifExists().execute();
}
