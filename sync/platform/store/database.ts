import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect, SessionGate } from './pglite-dialect.ts';
import { PGliteThread } from './pglite-thread.ts';
import type { StoreSchema } from './schema.ts';

/** What pg-boss needs from a database: run one SQL text (possibly several statements when there are no values). */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The service's query builder over its store (PGlite or Postgres). */
export type Database = Kysely<StoreSchema>;

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Kysely<StoreSchema>;
  readonly executor: SqlExecutor;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` for a real Postgres; unset for embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Pool size for Postgres. */
  poolSize?: number | undefined;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options.dataDir ?? './data/pglite');
}

async function openPostgres(url: string, poolSize: number): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'partnerloop' });
  // An idle client losing its server must not crash the process; the next query reports the failure.
  pool.on('error', () => undefined);
  const db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    executor: { executeSql: (text, values) => pool.query(text, values) },
    close: () => db.destroy(),
  };
}

async function openPglite(dataDir: string): Promise<Store> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  // On its own thread: the statements of a long job never stop this thread serving requests (pglite-thread.ts).
  const pglite = await PGliteThread.open(dataDir);
  const gate = new SessionGate();
  const db = new Kysely<StoreSchema>({ dialect: new PGliteDialect(pglite, gate) });
  const executor: SqlExecutor = {
    executeSql: (text, values) =>
      values && values.length > 0
        ? gate.send(() => pglite.query(text, values))
        : // Parameterless SQL may hold several statements (pg-boss migrations); only `exec` runs those.
          gate.send(() => pglite.exec(text)).then((results) => results.at(-1) ?? { rows: [] }),
  };
  return {
    kind: 'pglite',
    db,
    executor,
    close: async () => {
      await db.destroy();
      await gate.send(() => pglite.close());
    },
  };
}
