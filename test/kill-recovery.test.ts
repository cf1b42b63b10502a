import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../sync/jobs/job-queue.ts';
import { openStore } from '../sync/store/database.ts';
import { spawnTs } from './support/child-service.ts';
import { createTempDatabase, TEST_DATABASE_URL } from './support/test-stores.ts';

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

const targets: Target[] = [
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

describe.each(targets)('kill -9 during a job on $name', (target) => {
  it('given a job in flight, when the service is killed and restarted, then the job runs to completion exactly once', async () => {
    cleanups.push(target.cleanup);
    const env: NodeJS.ProcessEnv = { ...(await target.env()), PORT: '0', SLOW_JOB_MS: '2500', ENQUEUE_KEY: 'job-1' };

    const first = spawnTs(FIXTURE, env);
    await first.waitFor(/ENQUEUED [0-9a-f-]{36}/);
    await first.waitFor(/STARTED job-1/);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.output()).not.toContain('FINISHED');

    const second = spawnTs(FIXTURE, { ...env, SLOW_JOB_MS: '300' });
    await second.waitFor(/ENQUEUED existing/); // the restart's own enqueue of the same key added nothing
    await second.waitFor(/FINISHED job-1/, 45_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const store = await openStore(
      env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: join(env.DATA_DIR as string, 'pglite') },
    );
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

describe('graceful shutdown', () => {
  it('given a job in flight, when the service gets SIGTERM, then the job finishes before the process exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-term-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const service = spawnTs(FIXTURE, {
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
