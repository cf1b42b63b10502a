import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A send in flight claims its programme row for a while: the delivery job and the poll may both try to resend a
  // motion cut short, and a programme without an idempotency key (Microsoft) must see exactly one of them.
  await db.schema.alterTable('cloud_opportunities').addColumn('claimed_until', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cloud_opportunities').dropColumn('claimed_until').execute();
}
