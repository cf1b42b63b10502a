import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The tenant's error inbox (SPEC §2.6): every record a CRM or programme refused, with its reason, one open entry
  // per record (a later refusal updates it), resolved when the record finally goes through. Nothing is dropped.
  await db.schema
    .createTable('error_inbox')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    // aws_ace · microsoft_referrals · salesforce · hubspot
    .addColumn('source', 'text', (c) => c.notNull())
    // What was refused: a co-sell motion's programme record, an Opportunity write, …
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('resolved_at', 'timestamptz')
    .addPrimaryKeyConstraint('error_inbox_pkey', ['tenant_id', 'source', 'object_type', 'record_id'])
    .execute();
  await sql`create index error_inbox_open on error_inbox (tenant_id, last_seen_at desc) where resolved_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('error_inbox').execute();
}
