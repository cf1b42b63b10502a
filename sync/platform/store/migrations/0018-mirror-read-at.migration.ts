import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // When the read that stored each mirrored deal began (the store's clock): a full read's piece, read before a webhook
  // pass re-read the same deal, must not replace the newer row when it is stored after it. Null = unknown (rows from
  // before): any read replaces it.
  await sql`alter table crm_deals add column read_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table crm_deals drop column read_at`.execute(db);
}
