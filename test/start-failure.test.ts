import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../sync/platform/jobs/job-queue.ts';
import { CADENCE_JOB } from '../sync/platform/jobs/schedules.ts';
import { createLogger } from '../sync/platform/log/logger.ts';
import { openStore, type StoreOptions } from '../sync/platform/store/database.ts';
import { migrateToLatest } from '../sync/platform/store/migrate.ts';
import { type ChildService, spawnTs } from './support/child-service.ts';
import { createTempDatabase, TEST_DATABASE_URL } from './support/test-stores.ts';

/** How long a failed start may take to exit once it has printed its error (it used to hang, polling a closed pool). */
const EXIT_AFTER_ERROR_MS = 5_000;

/** A replica outside sandbox mode (the HubSpot app's credentials are never used: the start fails first). */
const REPLICA_ENV: NodeJS.ProcessEnv = {
  PORT: '0',
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
  HUBSPOT_CLIENT_ID: 'client',
  HUBSPOT_CLIENT_SECRET: 'secret',
  LOG_LEVEL: 'silent',
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function exitAfterError(service: ChildService): Promise<number | null | 'still running'> {
  await service.waitFor(/partnerloop start: /, 60_000).catch((error: unknown) => {
    service.child.kill('SIGKILL');
    throw error;
  });
  const outcome = await Promise.race([
    service.exited,
    new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), EXIT_AFTER_ERROR_MS)),
  ]);
  if (outcome === 'still running') service.child.kill('SIGKILL');
  return outcome;
}

/** The error lines a failed start printed on stderr (the logger is silenced), and whether a stack trace leaked. */
function errorLines(service: ChildService): string[] {
  const lines = service.errors().split('\n');
  expect(lines.filter((line) => /^\s+at /.test(line))).toEqual([]);
  return lines.filter((line) => line.startsWith('partnerloop start:'));
}

/**
 * Our schema and pg-boss's are in place, and the table pg-boss would create for the cadence queue is taken: a start
 * gets past migrations, pg-boss's own start (and the sandbox), and fails creating its queues.
 */
async function prepareFailingQueueSetup(options: StoreOptions): Promise<void> {
  const store = await openStore(options);
  try {
    await migrateToLatest(store.db);
    await (await JobQueue.start({ executor: store.executor, logger: createLogger('silent') }, [])).stop(1_000);
    const partition = `j${createHash('sha224').update(CADENCE_JOB).digest('hex')}`;
    await sql`create table ${sql.table(`pgboss.${partition}`)} (taken int)`.execute(store.db);
  } finally {
    await store.close();
  }
}

describe('a start that fails exits non-zero with one line', () => {
  it('given a database on which queue setup fails mid-start, when `start --sandbox` runs, then it exits 1 at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-start-fail-'));
    dirs.push(dir);
    await prepareFailingQueueSetup({ dataDir: join(dir, 'pglite') });
    const service = spawnTs(
      'bin/partnerloop.js',
      { DATA_DIR: dir, PORT: '0', DATABASE_URL: '', TOKEN_ENCRYPTION_KEY: '', LOG_LEVEL: 'silent' },
      ['start', '--sandbox', '--sandbox-deals', '20'],
    );
    expect(await exitAfterError(service)).toBe(1);
    expect(errorLines(service)).toEqual([
      expect.stringMatching(/^partnerloop start: unexpected error: .*already exists/),
    ]);
    expect(service.output()).not.toContain('PartnerLoop is running');
  }, 90_000);

  it.skipIf(!TEST_DATABASE_URL)(
    'given a Postgres on which queue setup fails mid-start, when a replica starts, then it exits 1 at once',
    async () => {
      const database = await createTempDatabase(TEST_DATABASE_URL as string);
      try {
        await prepareFailingQueueSetup({ databaseUrl: database.url });
        // Before the fix pg-boss's timers kept this process alive, logging "Cannot use a pool after calling end".
        const service = spawnTs('bin/partnerloop.js', { ...REPLICA_ENV, DATABASE_URL: database.url }, ['start']);
        expect(await exitAfterError(service)).toBe(1);
        expect(errorLines(service)).toEqual([
          expect.stringMatching(/^partnerloop start: unexpected error: .*already exists/),
        ]);
      } finally {
        await database.drop();
      }
    },
    90_000,
  );

  it('given DATABASE_URL pointing at a port nobody listens on, when `start` runs, then it exits 1 at once', async () => {
    // A port that was free a moment ago: connections to it are refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'pl-start-refused-'));
    dirs.push(dir);
    const service = spawnTs(
      'bin/partnerloop.js',
      { ...REPLICA_ENV, DATA_DIR: dir, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/none` },
      ['start'],
    );
    expect(await exitAfterError(service)).toBe(1);
    expect(errorLines(service)).toEqual([
      expect.stringMatching(/^partnerloop start: unexpected error: .*ECONNREFUSED/),
    ]);
  }, 90_000);
});
