import { type Kysely, sql } from 'kysely';

// Migrations take Kysely<unknown>: they must not depend on the current TypeScript schema, which moves on.
export async function up(db: Kysely<unknown>): Promise<void> {
  // OAuth `state` values: single use, short-lived, shared by every replica (the callback may land on another one).
  await db.schema
    .createTable('oauth_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('consumed_at', 'timestamptz')
    .execute();

  // The webhook inbox: every accepted event once (dedupe_key ignores attemptNumber), drained in occurred_at order.
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('subscription_type', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addUniqueConstraint('webhook_events_dedupe_key', ['tenant_id', 'dedupe_key'])
    .execute();
  await sql`create index webhook_events_pending_idx on webhook_events (tenant_id, occurred_at, id) where processed_at is null`.execute(
    db,
  );

  // The service's mirror of each tenant's deals and partners (canonical model + the raw CRM values we compare
  // write-backs against). Deleted and merged-away records keep a row so late events do not resurrect them.
  await db.schema
    .createTable('crm_deals')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('deal', 'jsonb', (c) => c.notNull())
    .addColumn('properties', 'jsonb', (c) => c.notNull())
    .addColumn('unlabeled_partner_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addPrimaryKeyConstraint('crm_deals_pkey', ['tenant_id', 'deal_id'])
    .execute();

  await db.schema
    .createTable('crm_partners')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('partner', 'jsonb', (c) => c.notNull())
    .addColumn('properties', 'jsonb', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addPrimaryKeyConstraint('crm_partners_pkey', ['tenant_id', 'partner_id'])
    .execute();

  // Merges: the merged-away id keeps pointing at the survivor, so decisions and events about it are not lost.
  await db.schema
    .createTable('record_aliases')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('old_id', 'text', (c) => c.notNull())
    .addColumn('new_id', 'text', (c) => c.notNull())
    .addColumn('merged_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('record_aliases_pkey', ['tenant_id', 'object_type', 'old_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['record_aliases', 'crm_partners', 'crm_deals', 'webhook_events', 'oauth_states']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
