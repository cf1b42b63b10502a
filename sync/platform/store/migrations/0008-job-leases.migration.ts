import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A running job's lease (sync/platform/jobs/job-leases.ts): held by one run per key (e.g. one reconcile per tenant) and
  // renewed while it works. pg-boss 10 has no heartbeat, so a lease that stops being renewed is how a killed worker
  // is noticed: the sweeper deletes it and hands its job back to pg-boss for a retry.
  await db.schema
    .createTable('job_leases')
    .addColumn('lease_key', 'text', (c) => c.primaryKey())
    .addColumn('job_name', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('renewed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index job_leases_renewed_idx on job_leases (renewed_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_leases').ifExists().execute();
}
