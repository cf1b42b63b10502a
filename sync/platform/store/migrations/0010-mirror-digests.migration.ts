import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A digest of what the CRM last gave for each mirrored deal (canonical deal, raw values, partner links): a reconcile
  // that reads the same record again compares digests and writes nothing. Null = unknown (rows from before, or values
  // changed by our own write-back since the read): the next read rewrites the row.
  await sql`alter table crm_deals add column digest text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table crm_deals drop column digest`.execute(db);
}
