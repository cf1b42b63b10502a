import { sql } from 'kysely';
import type { Store } from './database.ts';

/** One advisory lock key for schema setup at start (advisory locks are per database). */
const STARTUP_LOCK_KEY = '7318263100452118001';

/**
 * Runs `work` while holding a session advisory lock on a connection of its own, so replicas starting together on
 * one Postgres do their schema setup (our migrations, pg-boss's schema and queues) one after another. pg-boss's
 * `createQueue` is DDL (a partition table, its indexes, foreign keys to the queue table) and two of them at once
 * deadlock (docs/BEHAVIOR.md); the replicas after the first find everything in place and only read. The lock dies
 * with its connection, so a replica killed mid-setup blocks nobody. PGlite serves one process: nothing to order.
 */
export async function withStartupLock<T>(store: Store, work: () => Promise<T>): Promise<T> {
  if (store.kind !== 'postgres') return work();
  return store.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${STARTUP_LOCK_KEY}::bigint)`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${STARTUP_LOCK_KEY}::bigint)`.execute(connection);
    }
  });
}
