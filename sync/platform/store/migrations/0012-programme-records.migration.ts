import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What each connected programme holds, ours or not: every opportunity / referral the poll lists, in the neutral
  // form the weekly cross-cloud reconciliation reads (src/cosell/cloud-reconciliation.ts `CloudOpportunity`). The
  // loops compute from the store, never from a provider, so the programme side is mirrored like the CRM's.
  await db.schema
    .createTable('programme_opportunities')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('programme', 'text', (c) => c.notNull().check(sql`programme in ('aws_ace', 'microsoft_referrals')`))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('record', 'jsonb', (c) => c.notNull())
    .addColumn('last_modified_at', 'timestamptz', (c) => c.notNull())
    .addColumn('mirrored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('programme_opportunities_pkey', ['tenant_id', 'programme', 'external_id'])
    .execute();

  // Inbound referrals a programme offers the tenant (AWS engagement invitations): listed by the poll, accepted only
  // on the operator's word, then linked to the CRM deal they became (an existing one found by the dedupe engine, or
  // a new one). `deal_id` is written before the acceptance is reported done, so a retry never makes a second deal.
  await db.schema
    .createTable('programme_invitations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('programme', 'text', (c) => c.notNull().check(sql`programme in ('aws_ace', 'microsoft_referrals')`))
    .addColumn('invitation_id', 'text', (c) => c.notNull())
    // pending · accepting · accepted · rejected · expired
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('invited_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('opportunity_id', 'text')
    .addColumn('deal_id', 'text')
    .addColumn('deal_created', 'boolean')
    .addColumn('accepted_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('programme_invitations_pkey', ['tenant_id', 'programme', 'invitation_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('programme_invitations').execute();
  await db.schema.dropTable('programme_opportunities').execute();
}
