import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, STORE_KINDS } from '../../../test/support/test-stores.ts';
import type { CrmInstallJobDeps } from '../../crm/crm-install.job.ts';
import { type ReconcileJobDeps, reconcileJob } from '../../crm/reconcile.job.ts';
import type { CrmTenantSync } from '../../crm/tenant-sync.ts';
import { type DedupeRefreshJobDeps, dedupeRefreshJob } from '../../dedupe/dedupe-refresh.job.ts';
import { hubspotInstallJob } from '../../providers/hubspot/hubspot-install.job.ts';
import { type WebhookDrainDeps, webhookDrainJob } from '../../providers/hubspot/webhook-drain.job.ts';
import { type ScoringRefreshJobDeps, scoringRefreshJob } from '../../scoring/scoring-refresh.job.ts';
import { createLogger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import { type CadenceJobDeps, cadenceJob } from './cadence.job.ts';
import { DEFAULT_LEASE_TIMINGS, leaseOwnerProcess, recoveryBoundSeconds } from './job-leases.ts';
import { defineJob, type JobDefinition, JobQueue } from './job-queue.ts';

describe('lease timings', () => {
  it('given the production timings and the reconcile job, when a worker dies, then its job runs again within two minutes, and a healthy 5-minute run is never expired', () => {
    const job = reconcileJob({ tenants: {} as TenantsRepository, sync: {} as CrmTenantSync });
    // The service polls every second by default (JobQueue).
    expect(recoveryBoundSeconds(DEFAULT_LEASE_TIMINGS, job, 1)).toBeLessThanOrEqual(120);
    expect(DEFAULT_LEASE_TIMINGS.renewSeconds * 2).toBeLessThan(DEFAULT_LEASE_TIMINGS.ttlSeconds);
    // pg-boss stops waiting for a handler at its expiry and retries the job: the backstop must outlast a 100k run.
    expect(job.expireInSeconds).toBeGreaterThan(5 * 60);
  });
});

describe('leased jobs', () => {
  // Every per-tenant job that can run long, with the worst case from a kill -9 to its rerun at production timings
  // (lease stale after 45 s, sweeps every 15 s, the job's first retry delay twice over, a 1 s poll).
  const tenant = { tenantId: 'hubspot:1' };
  const leased: Array<[string, JobDefinition, Record<string, string>, string, number]> = [
    ['hubspot.webhooks.drain', webhookDrainJob({} as WebhookDrainDeps), tenant, 'hubspot.webhooks.drain:hubspot:1', 71],
    [
      'hubspot.reconcile',
      reconcileJob({} as ReconcileJobDeps),
      { ...tenant, periodKey: '2026-12-04' },
      'hubspot.reconcile:hubspot:1',
      91,
    ],
    ['hubspot.install', hubspotInstallJob({} as CrmInstallJobDeps), tenant, 'hubspot.install:hubspot:1', 81],
    [
      'cadence.run',
      cadenceJob({} as CadenceJobDeps),
      { cadence: 'nightly', periodKey: '2026-12-04' },
      'cadence.run:nightly:2026-12-04',
      81,
    ],
    // A refresh from the mirror: never beside a reconcile of its tenant (#20, no double work).
    ['scoring.refresh', scoringRefreshJob({} as ScoringRefreshJobDeps), tenant, 'hubspot.reconcile:hubspot:1', 121],
    // The deferred half of a drain's dedupe: never beside a drain of its tenant.
    ['dedupe.refresh', dedupeRefreshJob({} as DedupeRefreshJobDeps), tenant, 'hubspot.webhooks.drain:hubspot:1', 121],
  ];

  it.each(leased)(
    'given %s, when its worker dies, then it is handed back within about two minutes and never runs twice at once',
    (name, job, data, key, bound) => {
      expect(job.name).toBe(name);
      // One lease per tenant (per cadence period): runs with one key never overlap.
      expect(job.lease?.(job.schema.parse(data))).toBe(key);
      expect(recoveryBoundSeconds(DEFAULT_LEASE_TIMINGS, job, 1)).toBe(bound);
      expect(bound).toBeLessThanOrEqual(121);
    },
  );

  it('given a lease owner, when it is read back, then it names the worker process that holds it', () => {
    expect(leaseOwnerProcess('web-2:4711:3f1c2a9e-0b7d-4c55-9a43-7f0e5b1d2c3a')).toEqual({ host: 'web-2', pid: 4711 });
    expect(leaseOwnerProcess('3f1c2a9e-0b7d-4c55-9a43-7f0e5b1d2c3a')).toBeUndefined();
  });
});

interface Run {
  worker: string;
  tenant: string;
  attempt: number;
  start: number;
  end: number;
  aborted: boolean;
}

/** The most runs of one tenant in flight at any moment. */
function maxOverlap(runs: readonly Run[]): number {
  const edges = runs.flatMap((run) => [
    { at: run.start, delta: 1 },
    { at: run.end, delta: -1 },
  ]);
  // An end and a start at the same millisecond are not an overlap: the lease is released before it is taken again.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.delta;
    most = Math.max(most, running);
  }
  return most;
}

describe.each(STORE_KINDS)('leased jobs on $name', (kind) => {
  let store: Store;
  const queues: JobQueue[] = [];
  const runs: Run[] = [];
  const timings = { ttlSeconds: 1, renewSeconds: 0.2, sweepSeconds: 0.2 };

  const leased = (worker: string) =>
    defineJob({
      name: 'test.leased',
      schema: z.strictObject({ tenant: z.string(), ms: z.number() }),
      retryLimit: 20,
      retryDelaySeconds: 1,
      expireInSeconds: 60,
      lease: ({ tenant }) => `test.leased:${tenant}`,
      async handle({ tenant, ms }, context) {
        const run: Run = { worker, tenant, attempt: context.attempt, start: Date.now(), end: 0, aborted: false };
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          context.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        run.end = Date.now();
        run.aborted = context.signal?.aborted ?? false;
        runs.push(run);
      },
    });

  beforeAll(async () => {
    store = await kind.open();
    // Two workers (two pg-boss instances, as two replicas would be) on one database.
    for (const worker of ['a', 'b']) {
      const queue = await JobQueue.start(
        {
          executor: store.executor,
          logger: createLogger('silent'),
          schema: 'pgboss_leases',
          pollingIntervalSeconds: 0.5,
          maintenanceIntervalSeconds: 1,
          leases: timings,
        },
        [leased(worker)],
      );
      queues.push(queue);
      await queue.work();
    }
  });
  afterAll(async () => {
    for (const queue of queues) await queue.stop(5_000);
    await store?.close();
  });

  const completed = async (key: string) => (await queues[0]!.jobState('test.leased', key))?.state === 'completed';

  it('given two workers and three runs of one tenant queued at once, when worked, then no two overlap and all complete', async () => {
    const keys = ['t1-a', 't1-b', 't1-c'];
    for (const key of keys) await queues[0]!.enqueue('test.leased', { tenant: 't1', ms: 1_500 }, { key });
    await eventually(async () => (await Promise.all(keys.map(completed))).every(Boolean), 60_000);

    const tenantRuns = runs.filter((run) => run.tenant === 't1');
    expect(tenantRuns).toHaveLength(3);
    expect(maxOverlap(tenantRuns)).toBe(1);
    expect(tenantRuns.every((run) => !run.aborted)).toBe(true);
    const leases = await sql<{ n: number }>`select count(*)::int as n from job_leases`.execute(store.db);
    expect(leases.rows[0]?.n).toBe(0);
  }, 90_000);

  it('given a run three times longer than the lease TTL, when it renews its lease, then it is never taken for dead and runs once', async () => {
    await queues[0]!.enqueue('test.leased', { tenant: 't2', ms: 3_000 }, { key: 't2-long' });
    await eventually(() => completed('t2-long'), 30_000);
    expect(runs.filter((run) => run.tenant === 't2').map((run) => [run.attempt, run.aborted])).toEqual([[0, false]]);
  });

  it('given a run whose lease is swept (taken for dead), when it renews, then it is told to stop and its job is retried to completion', async () => {
    await queues[0]!.enqueue('test.leased', { tenant: 't3', ms: 4_000 }, { key: 't3-swept' });
    const lease = await eventually(async () => {
      const result = await sql<{ job_id: string }>`
        select job_id from job_leases where lease_key = 'test.leased:t3'`.execute(store.db);
      return result.rows[0];
    });
    // What a sweep does when renewals stop (here while the run goes on, as after a long freeze).
    await sql`delete from job_leases where lease_key = 'test.leased:t3'`.execute(store.db);
    await eventually(() => completed('t3-swept'), 30_000);

    const tenantRuns = runs.filter((run) => run.tenant === 't3');
    expect(tenantRuns.map((run) => [run.attempt, run.aborted])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(lease.job_id).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);
});
