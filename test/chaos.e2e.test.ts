import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryBoundSeconds } from '../sync/platform/jobs/job-leases.ts';
import { CHAOS_LEASES, CHAOS_POLLING_SECONDS } from './support/chaos-options.ts';
import { type ChaosReport, runChaosScenario } from './support/chaos-scenario.ts';
import { TEST_DATABASE_URL } from './support/test-stores.ts';

/**
 * SPEC §7's chaos test on a small portal (its 3,000-deal twin is `npm run bench -- --only chaos`): three replica
 * processes on one Postgres against a sandbox failing ~10 % of CRM calls, duplicate webhook deliveries, `kill -9` of
 * the replica running the install's reconcile (half-way through its read) and of the one draining a burst of CRM
 * changes (at its first write), both restarted; compared with a clean single-replica run of the same portal and changes
 * (test/support/chaos-scenario.ts). Several replicas need a shared server database: Postgres only (CI sets it).
 */
describe.skipIf(!TEST_DATABASE_URL)(
  'chaos: three replicas, 10 % CRM faults, duplicate deliveries, two kill -9s',
  () => {
    let report: ChaosReport;
    const started = Date.now();

    beforeAll(async () => {
      report = await runChaosScenario({
        adminDatabaseUrl: TEST_DATABASE_URL as string,
        deals: 400,
        burst: 150,
        log: (line) => process.stderr.write(`  ${line}\n`),
      });
    }, 420_000);

    afterAll(() => {
      if (!report) return;
      const { differing, jobs, ...figures } = report;
      process.stderr.write(
        `chaos report (${((Date.now() - started) / 1000).toFixed(0)} s): ${JSON.stringify({
          ...figures,
          differing: differing.length,
          jobs: { total: jobs.total, completedByName: jobs.completedByName },
        })}\n`,
      );
    });

    it('given both kills, when they landed, then each hit a run in the middle and the job ran again within its lease bound', () => {
      expect(report.kills.map((kill) => [kill.phase, kill.leaseHeldAfterKill])).toEqual([
        ['reconcile', true],
        ['drain', true],
      ]);
      // The reconcile half-way through its read; the drain at its first write (some deals written, not all).
      const [reconcile, drain] = report.kills as [ChaosReport['kills'][number], ChaosReport['kills'][number]];
      expect(reconcile.dealPagesReadBeforeKill).toBeGreaterThan(0);
      expect(reconcile.dealPagesReadBeforeKill).toBeLessThan(report.deals / 100);
      expect(drain.dealsWrittenBeforeKill).toBeGreaterThan(0);
      expect(drain.dealsWrittenBeforeKill).toBeLessThan(report.burst);
      // Test timings: stale after 5 s, sweeps each second, the job's first retry (reconcile 15-30 s, drain 5-10 s);
      // 20 s of slack for a loaded machine. Production's bounds are in sync/platform/jobs/job-leases.test.ts (≤ 2 minutes).
      for (const kill of report.kills) {
        const retryDelaySeconds = kill.phase === 'reconcile' ? 15 : 5;
        const bound = recoveryBoundSeconds(CHAOS_LEASES, { retryDelaySeconds }, CHAOS_POLLING_SECONDS);
        expect(kill.recoverySeconds, kill.phase).toBeLessThan(bound + 20);
      }
    });

    it('given convergence, when every pl_* value of every deal and company is compared, then the CRM holds exactly what the clean single-replica run wrote', () => {
      // Guards: the runs wrote values, and faults were injected.
      expect(report.comparedValues).toBeGreaterThan(report.deals);
      expect(report.chaos.injected).toBeGreaterThan(0);
      expect(report.differing.slice(0, 10)).toEqual([]);
      expect(report.differing).toHaveLength(0);
    });

    it('given duplicate webhook deliveries, when each came after its original was acknowledged, then none stored an event again', () => {
      expect(report.chaos.balancer.duplicateEventsRecognised).toBeGreaterThan(0);
      expect(report.chaos.balancer.duplicateEventsAccepted).toBe(0);
    });

    it('given every job in the store, when counted per key, then each completed exactly once and its handler ran to the end once', () => {
      expect(report.jobs.completedByName['hubspot.install']).toBe(1);
      expect(report.jobs.completedByName['hubspot.reconcile']).toBe(1);
      expect(report.jobs.completedByName['hubspot.webhooks.drain']).toBeGreaterThan(0);
      expect(report.jobs.notCompleted).toEqual([]);
      expect(report.jobs.keysCompletedTwice).toEqual([]);
      expect(report.jobs.handlerCompletionsNotOnce).toEqual([]);
    });

    it('given the same work, when the CRM calls are counted, then the chaos run made at most 1.5 times the clean run’s', () => {
      expect(report.callRatio).toBeLessThanOrEqual(1.5);
    });

    it('given a tick every 5 s on every replica, when periods are counted, then each ran exactly once and none was missed', () => {
      expect(report.ticks.periods).toBeGreaterThanOrEqual(6);
      expect(report.ticks.notOnce).toEqual([]);
      expect(report.ticks.missing).toEqual([]);
    });

    it('given the run, when it ends, then no replica crashed and each stops gracefully with exit 0', () => {
      expect(report.crashed).toEqual([]);
      expect(report.stopExitCodes).toEqual([0, 0, 0]);
    });
  },
);
