import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../sync/platform/store/database.ts';
import { migrateToLatest } from '../../sync/platform/store/migrate.ts';

/** Postgres used by the store/queue suite when set (CI sets it); PGlite always runs. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;

export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty Postgres database per suite, so parallel test files never see each other's rows. */
export async function createTempDatabase(adminUrl: string): Promise<TempDatabase> {
  const name = `pl_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface StoreKind {
  name: 'pglite' | 'postgres';
  /** Opens a fresh, migrated store; `close` also removes the temporary database. */
  open(): Promise<Store>;
}

const pgliteKind: StoreKind = {
  name: 'pglite',
  async open() {
    const store = await openStore({ dataDir: 'memory://' });
    await migrateToLatest(store.db);
    return store;
  },
};

const postgresKind = (adminUrl: string): StoreKind => ({
  name: 'postgres',
  async open() {
    const database = await createTempDatabase(adminUrl);
    const store = await openStore({ databaseUrl: database.url, poolSize: 5 });
    await migrateToLatest(store.db);
    return {
      ...store,
      close: async () => {
        await store.close();
        await database.drop();
      },
    };
  },
});

/** The store kinds every store/queue test runs on: PGlite, and Postgres when TEST_DATABASE_URL is set. */
export const STORE_KINDS: StoreKind[] = [pgliteKind, ...(TEST_DATABASE_URL ? [postgresKind(TEST_DATABASE_URL)] : [])];

export const silentLogger = async () => (await import('../../sync/platform/log/logger.ts')).createLogger('silent');

export function testEncryptionKey(): Buffer {
  return Buffer.alloc(32, 7);
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
