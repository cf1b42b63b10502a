import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { RECONCILE_JOB } from '../sync/crm/reconcile.job.ts';
import { recoveryBoundSeconds } from '../sync/platform/jobs/job-leases.ts';
import { jobIdFor } from '../sync/platform/jobs/job-queue.ts';
import { openStore } from '../sync/platform/store/database.ts';
import {
  WEBHOOK_DRAIN_JOB,
  type WebhookDrainDeps,
  webhookDrainJob,
} from '../sync/providers/hubspot/webhook-drain.job.ts';
import { spawnTs } from './support/child-service.ts';
import { createTempDatabase, eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const FIXTURE = 'test/fixtures/slow-job-service.ts';

interface Target {
  name: string;
  env(): Promise<NodeJS.ProcessEnv>;
  cleanup(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A fixture process that is killed after the suite if a failed test left it running. */
function spawnFixture(env: NodeJS.ProcessEnv) {
  const service = spawnTs(FIXTURE, env);
  cleanups.unshift(async () => {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
  });
  return service;
}

/**
 * Starts the fixture and kills it -9 once its job (`RECONCILE` or `DRAIN`) has started for `tenant`: the run never
 * finishes, and its lease is left to go stale.
 */
async function killMidJob(env: NodeJS.ProcessEnv, job: 'RECONCILE' | 'DRAIN', tenant: string): Promise<void> {
  const first = spawnFixture(env);
  await first.waitFor(new RegExp(`${job} STARTED ${tenant}`), 60_000);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(first.output()).not.toContain(`${job} FINISHED`);
}

/**
 * After a kill -9 and a restart: the tenant's work (`phase`: reconcile or drain) started twice and finished once, its
 * pg-boss job completed after exactly one retry, and no lease is left behind.
 */
async function expectRerunOnce(env: NodeJS.ProcessEnv, tenant: string, phase: string, jobName: string): Promise<void> {
  const store = await storeOf(env);
  try {
    const attempts = await sql<{ phase: string; n: number }>`
      select phase, count(*)::int as n from test_attempts where key = ${tenant} group by phase order by phase`.execute(
      store.db,
    );
    expect(attempts.rows).toEqual([
      { phase: `${phase} finished`, n: 1 },
      { phase: `${phase} started`, n: 2 },
    ]);
    const job = await sql<{ state: string; retry_count: number }>`
      select state, retry_count from pgboss.job where name = ${jobName}`.execute(store.db);
    expect(job.rows).toEqual([{ state: 'completed', retry_count: 1 }]);
    const leases = await sql<{ n: number }>`select count(*)::int as n from job_leases`.execute(store.db);
    expect(leases.rows[0]?.n).toBe(0);
  } finally {
    await store.close();
  }
}

/** A fresh database per suite on each kind: a PGlite directory, and Postgres when TEST_DATABASE_URL is set. */
const freshTargets = (): Target[] => [
  (() => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-kill-'));
    return {
      name: 'pglite',
      env: async () => ({ DATA_DIR: dir, DATABASE_URL: '' }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  })(),
  ...(TEST_DATABASE_URL
    ? [
        (() => {
          let drop = async () => {};
          return {
            name: 'postgres',
            env: async () => {
              const database = await createTempDatabase(TEST_DATABASE_URL as string);
              drop = database.drop;
              return { DATABASE_URL: database.url };
            },
            cleanup: async () => drop(),
          };
        })(),
      ]
    : []),
];
const targets = freshTargets();

function storeOf(env: NodeJS.ProcessEnv) {
  return openStore(
    env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: join(env.DATA_DIR as string, 'pglite') },
  );
}

describe.each(targets)('kill -9 during a job on $name', (target) => {
  it('given a job in flight, when the service is killed and restarted, then the job runs to completion exactly once', async () => {
    cleanups.push(target.cleanup);
    const env: NodeJS.ProcessEnv = { ...(await target.env()), PORT: '0', SLOW_JOB_MS: '2500', ENQUEUE_KEY: 'job-1' };

    const first = spawnFixture(env);
    await first.waitFor(/ENQUEUED [0-9a-f-]{36}/);
    await first.waitFor(/STARTED job-1/);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.output()).not.toContain('FINISHED');

    const second = spawnFixture({ ...env, SLOW_JOB_MS: '300' });
    await second.waitFor(/ENQUEUED existing/); // the restart's own enqueue of the same key added nothing
    await second.waitFor(/FINISHED job-1/, 45_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const store = await storeOf(env);
    try {
      const attempts = await sql<{ phase: string; n: number }>`
        select phase, count(*)::int as n from test_attempts where key = 'job-1' group by phase order by phase`.execute(
        store.db,
      );
      expect(attempts.rows).toEqual([
        { phase: 'finished', n: 1 },
        { phase: 'started', n: 2 },
      ]);
      const job = await sql<{ state: string; n: number }>`
        select state, count(*)::int as n from pgboss.job where name = 'test.slow' group by state`.execute(store.db);
      expect(job.rows).toEqual([{ state: 'completed', n: 1 }]);
      const row = await sql<{ id: string }>`select id::text from pgboss.job where name = 'test.slow'`.execute(store.db);
      expect(row.rows[0]?.id).toBe(jobIdFor('test.slow', 'job-1'));
    } finally {
      await store.close();
    }
  }, 90_000);
});

describe.each(freshTargets())('kill -9 during a reconcile on $name', (target) => {
  it('given a reconcile in flight, when its worker is killed -9 and another process starts, then the reconcile runs again within seconds (not at its 60-minute expiry) and completes once', async () => {
    cleanups.push(target.cleanup);
    const tenant = 'hubspot:4242';
    // The real reconcile job over a slow stand-in read; the fixture lowers the lease timings (2 s stale, 0.5 s
    // sweeps) and the first retry delay (1 s), which production sets to 45 s, 15 s and 15 s (about 1.5 minutes).
    const env: NodeJS.ProcessEnv = {
      ...(await target.env()),
      PORT: '0',
      SLOW_JOB_MS: '30000',
      RECONCILE_TENANT: tenant,
    };

    await killMidJob(env, 'RECONCILE', tenant);

    const second = spawnFixture({ ...env, SLOW_JOB_MS: '300' });
    await second.waitFor(/RECONCILE ENQUEUED chaos existing/, 60_000); // the same key again adds nothing
    const readyAt = Date.now();
    await second.waitFor(new RegExp(`RECONCILE FINISHED ${tenant}`), 30_000);
    // Stale after 2 s, swept within 0.5 s, retried after 1-2 s, polled within 0.5 s: well inside 15 s.
    expect(Date.now() - readyAt).toBeLessThan(15_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('job lease went stale (worker lost)');

    await expectRerunOnce(env, tenant, 'reconcile', RECONCILE_JOB);
  }, 120_000);
});

describe.each(freshTargets())('kill -9 during a webhook drain on $name', (target) => {
  it('given a drain in flight, when its worker is killed -9 and another process starts, then the drain runs again within its lease bound (not at its 10-minute expiry) and completes once', async () => {
    cleanups.push(target.cleanup);
    const tenant = 'hubspot:6464';
    const env: NodeJS.ProcessEnv = { ...(await target.env()), PORT: '0', SLOW_JOB_MS: '30000', DRAIN_TENANT: tenant };

    await killMidJob(env, 'DRAIN', tenant);

    const second = spawnFixture({ ...env, SLOW_JOB_MS: '300' });
    await second.waitFor(/DRAIN ENQUEUED existing/, 60_000); // the same key again adds nothing
    const readyAt = Date.now();
    await second.waitFor(new RegExp(`DRAIN FINISHED ${tenant}`), 60_000);
    // The fixture's lease timings (2 s stale, 0.5 s sweeps and polls) with the drain's own first retry (5-10 s).
    const drain = webhookDrainJob({} as WebhookDrainDeps);
    const bound = recoveryBoundSeconds({ ttlSeconds: 2, renewSeconds: 0.5, sweepSeconds: 0.5 }, drain, 0.5);
    expect(Date.now() - readyAt).toBeLessThan((bound + 5) * 1000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('job lease went stale (worker lost)');

    await expectRerunOnce(env, tenant, 'drain', WEBHOOK_DRAIN_JOB);
  }, 120_000);
});

// Two worker processes need a shared server database: Postgres only (PGlite is one process's).
describe.skipIf(!TEST_DATABASE_URL)('two worker processes reconciling one tenant', () => {
  it('given two processes each queuing two reconciles of one tenant, when both work, then no two runs of that tenant ever overlap and all four complete', async () => {
    const database = await createTempDatabase(TEST_DATABASE_URL as string);
    cleanups.push(database.drop);
    const tenant = 'hubspot:5150';
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: database.url,
      PORT: '0',
      SLOW_JOB_MS: '1500',
      RECONCILE_TENANT: tenant,
    };
    const store = await storeOf(env);
    try {
      // Created here, not by the two fixtures at once (a concurrent `create table if not exists` can fail).
      await sql`create table test_attempts (key text not null, phase text not null, pid int not null, at timestamptz not null default clock_timestamp())`.execute(
        store.db,
      );
      const workers = [
        spawnFixture({ ...env, RECONCILE_KEYS: 'a1,a2' }),
        spawnFixture({ ...env, RECONCILE_KEYS: 'b1,b2' }),
      ];
      const phases = async () =>
        (
          await sql<{ phase: string }>`
              select phase from test_attempts where key = ${tenant} order by at, phase desc`.execute(store.db)
        ).rows;
      await eventually(
        async () => (await phases()).filter((row) => row.phase === 'reconcile finished').length === 4,
        90_000,
      );
      const rows = await phases();
      // At no moment were two runs of the tenant in flight (without the lease each process runs its own at once).
      let running = 0;
      let most = 0;
      for (const row of rows) {
        running += row.phase === 'reconcile started' ? 1 : -1;
        most = Math.max(most, running);
      }
      expect(most).toBe(1);
      expect(rows).toHaveLength(8);
      for (const worker of workers) worker.child.kill('SIGTERM');
      expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);
    } finally {
      await store.close();
    }
  }, 150_000);
});

describe('graceful shutdown', () => {
  it('given a job in flight, when the service gets SIGTERM, then the job finishes before the process exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-term-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const service = spawnFixture({
      DATA_DIR: dir,
      DATABASE_URL: '',
      PORT: '0',
      SLOW_JOB_MS: '1500',
      ENQUEUE_KEY: 'job-term',
    });
    await service.waitFor(/STARTED job-term/);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const output = service.output();
    expect(output.indexOf('FINISHED job-term')).toBeGreaterThan(output.indexOf('STOPPING'));
    expect(output.indexOf('STOPPED')).toBeGreaterThan(output.indexOf('FINISHED job-term'));
  }, 60_000);
});
