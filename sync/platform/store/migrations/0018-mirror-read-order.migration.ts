import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Reads of the CRM are numbered in the order they begin (a sequence, shared by every replica: PGlite's clock moves
  // in milliseconds, too coarse to order two reads), and each mirrored deal keeps the number of the read that stored
  // it: a full read's piece, read before a webhook pass re-read the same deal, must not replace the newer row when it
  // is stored after it. Null = unknown (rows from before): any read replaces it.
  await sql`create sequence crm_read_starts`.execute(db);
  await sql`alter table crm_deals add column read_seq bigint`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table crm_deals drop column read_seq`.execute(db);
  await sql`drop sequence crm_read_starts`.execute(db);
}
