import { sql } from 'kysely';
import type { Store } from './database.ts';

/** This process's holders of each key (PGlite: one process owns the database, so this is every holder). */
const local = new Map<string, Promise<unknown>>();

/**
 * Runs `work` while no other holder of `key` runs — in any replica on Postgres (a session advisory lock on a
 * connection of its own, released when `work` ends or the connection dies with a killed process), in this process on
 * PGlite. `work` may use the store's other connections. For short critical sections: a token refresh, not a sync.
 */
export async function withTenantLock<T>(
  store: Pick<Store, 'kind' | 'db'>,
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  // In this process first, so a replica's own callers queue here rather than each holding a pooled connection.
  const before = local.get(key) ?? Promise.resolve();
  const mine = before
    .catch(() => undefined)
    .then(() =>
      store.kind !== 'postgres'
        ? work()
        : store.db.connection().execute(async (connection) => {
            await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(connection);
            try {
              return await work();
            } finally {
              await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection);
            }
          }),
    );
  local.set(key, mine);
  try {
    return await mine;
  } finally {
    if (local.get(key) === mine) local.delete(key);
  }
}
