import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../sync/platform/config/env.ts';
import { createLogger } from '../sync/platform/log/logger.ts';
import { type Service, startService } from '../sync/service.ts';
import { spawnTs } from './support/child-service.ts';
import { createTempDatabase, eventually, TEST_DATABASE_URL, type TempDatabase } from './support/test-stores.ts';

// Several replicas need a shared server database: this suite runs where TEST_DATABASE_URL is set (CI sets it).
describe.skipIf(!TEST_DATABASE_URL)('three service replicas on one Postgres', () => {
  let database: TempDatabase;
  const replicas: Service[] = [];

  beforeAll(async () => {
    database = await createTempDatabase(TEST_DATABASE_URL as string);
    const config = loadConfig(
      {
        DATABASE_URL: database.url,
        PORT: '0',
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        LOG_LEVEL: 'silent',
      },
      { sandbox: true },
    );
    // All three start at once: migrations and queue creation must tolerate the race.
    const started = await Promise.all(
      [1, 2, 3].map((replica) =>
        startService(config, {
          logger: createLogger('silent', undefined, { replica }),
          schedules: [{ name: 'every-second', cron: '* * * * * *', period: 'second', description: 'test cadence' }],
          testing: { queue: { pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1 } },
        }),
      ),
    );
    replicas.push(...started);
  });

  afterAll(async () => {
    // Ticks stop first and the last runs settle, so no job is mid-flight while a replica closes its pool (pg-boss can
    // otherwise report a late failure on an ended pool as an unhandled rejection).
    await Promise.all(replicas.map((replica) => replica.scheduler.stop()));
    if (replicas[0]) {
      const db = replicas[0].store.db;
      await eventually(async () => {
        const busy = await sql<{ n: number }>`
          select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(db);
        return busy.rows[0]!.n === 0;
      }).catch(() => undefined);
    }
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.drop();
  });

  it('given three replicas ticking every second, when several ticks pass, then each tick is one job and one run', async () => {
    const db = replicas[0]!.store.db;
    const runs = await eventually(async () => {
      const result = await sql<{ period_key: string; status: string }>`
        select period_key, status from cadence_runs where cadence = 'every-second' order by period_key`.execute(db);
      return result.rows.filter((row) => row.status === 'completed').length >= 3 ? result.rows : undefined;
    });
    const jobs = await sql<{ period: string; n: number }>`
      select data->'data'->>'periodKey' as period, count(*)::int as n
      from pgboss.job where name = 'cadence.run' group by 1 order by 1`.execute(db);
    expect(jobs.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of jobs.rows) expect(row.n).toBe(1);
    expect(new Set(runs.map((run) => run.period_key)).size).toBe(runs.length);
  });

  it('given the same instant, when all three replicas tick concurrently, then exactly one enqueue succeeds', async () => {
    const at = new Date('2030-01-01T00:00:00.000Z');
    const ids = await Promise.all(replicas.map((replica) => replica.scheduler.tick('every-second', at)));
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('replica processes starting together on an empty Postgres', () => {
  // The chaos run saw `deadlock detected` from pg-boss's createQueue in 3 of 4 such starts.
  it('given three `partnerloop start` processes at once on a fresh database, when they start, then all are ready; several times over', async () => {
    for (let round = 1; round <= 3; round += 1) {
      const database = await createTempDatabase(TEST_DATABASE_URL as string);
      const env: NodeJS.ProcessEnv = {
        DATABASE_URL: database.url,
        PORT: '0',
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        // HubSpot app credentials register every job queue (the sandbox's values; nothing calls HubSpot here).
        HUBSPOT_CLIENT_ID: 'replica-client',
        HUBSPOT_CLIENT_SECRET: 'replica-secret',
        LOG_LEVEL: 'silent',
      };
      const replicas = [1, 2, 3].map(() => spawnTs('bin/partnerloop.js', env, ['start']));
      try {
        const outcomes = await Promise.all(
          replicas.map(async (replica) => {
            const up = replica.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
            const failed = replica.exited.then(() => {
              throw new Error(`replica exited during start: ${replica.errors()}`);
            });
            const [, url] = await Promise.race([up, failed]);
            const ready = await fetch(`${url}/readyz`);
            return { round, status: ready.status, body: await ready.json() };
          }),
        );
        expect(outcomes).toEqual(
          [1, 2, 3].map(() => ({ round, status: 200, body: { status: 'ready', database: 'postgres' } })),
        );
        for (const replica of replicas) replica.child.kill('SIGTERM');
        expect(await Promise.all(replicas.map((replica) => replica.exited))).toEqual([0, 0, 0]);
      } finally {
        for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
        await Promise.all(replicas.map((replica) => replica.exited));
        await database.drop();
      }
    }
  }, 240_000);
});
