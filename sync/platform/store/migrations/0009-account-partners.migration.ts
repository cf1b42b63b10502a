import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Partner companies associated with each mirrored deal's account company (company↔company associations in the
  // CRM), read with the deal: the candidates of account-based auto-tagging (SPEC §2.1). Existing rows start empty and
  // are filled by the next reconcile or webhook read of the deal.
  await sql`alter table crm_deals add column account_partner_ids jsonb not null default '[]'::jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table crm_deals drop column account_partner_ids`.execute(db);
}
