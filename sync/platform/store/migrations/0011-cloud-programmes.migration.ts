import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A tenant's connection to a co-sell programme (AWS ACE, Microsoft referrals): credentials sealed like CRM tokens
  // (token-cipher.ts, tenant id as AAD), the settings that fill what a deal lacks, and the polling checkpoint.
  await db.schema
    .createTable('programme_connections')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('programme', 'text', (c) => c.notNull().check(sql`programme in ('aws_ace', 'microsoft_referrals')`))
    .addColumn('credentials', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('checkpoint', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('connected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('programme_connections_pkey', ['tenant_id', 'programme'])
    .execute();

  // One programme record per co-sell motion. The row (with its idempotency token and the exact body) is written
  // before the create call, and the programme's id right after: a crash in between resends the same body with the
  // same token, which the programme answers with the same record instead of a second one.
  await db.schema
    .createTable('cloud_opportunities')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('programme', 'text', (c) => c.notNull())
    .addColumn('motion_id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('client_token', 'text')
    .addColumn('request', 'jsonb')
    // invalid (ours or the programme's validation refused it; issues say why) · creating · created · submitted · closed
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('issues', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('review_status', 'text')
    .addColumn('stage', 'text')
    .addColumn('remote_modified_at', 'timestamptz')
    // What the programme last got from us for the fields kept in step (amount, close date, stage, title).
    .addColumn('sent_fields', 'jsonb')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('cloud_opportunities_pkey', ['tenant_id', 'programme', 'motion_id'])
    .execute();
  await sql`create unique index cloud_opportunities_external_key on cloud_opportunities (tenant_id, programme, external_id) where external_id is not null`.execute(
    db,
  );
  await sql`create index cloud_opportunities_deal on cloud_opportunities (tenant_id, deal_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cloud_opportunities').execute();
  await db.schema.dropTable('programme_connections').execute();
}
