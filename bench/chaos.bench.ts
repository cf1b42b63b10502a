import { runChaosScenario } from '../test/support/chaos-scenario.ts';
import type { BenchModule } from './bench-module.ts';

/**
 * The chaos test's bigger twin (test/chaos.e2e.test.ts runs 400 deals in the suite): three replica processes on one
 * Postgres against a 3,000-deal sandbox portal failing ~10 % of CRM calls, duplicate webhook deliveries, `kill -9`
 * of the replica running the install's reconcile (half-way through its read) and of the one draining a burst of
 * 1,000 changed deals (at its first write), both restarted — against a clean single-replica run of the same portal
 * and changes. Needs Postgres: TEST_DATABASE_URL (or DATABASE_URL), a URL allowed to create databases.
 */
const bench: BenchModule = {
  name: 'chaos',
  description:
    'three replicas, 10 % CRM faults, duplicate deliveries, two kill -9s vs a clean run (3,000 deals; --quick: 1,000)',
  async run({ quick, log }) {
    const adminDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || process.env.DATABASE_URL?.trim();
    if (!adminDatabaseUrl?.startsWith('postgres')) {
      return { skipped: 'needs Postgres: set TEST_DATABASE_URL to a URL allowed to create databases' };
    }
    const deals = quick ? 1_000 : 3_000;
    const started = performance.now();
    const report = await runChaosScenario({ adminDatabaseUrl, deals, burst: Math.round(deals / 3), log });
    const targets = {
      // SPEC §7 and issue #19: every pl_* value as a clean run's, within five minutes of the install.
      noDifferingValues: report.differing.length === 0,
      convergedWithin5MinutesOfInstall: report.chaos.installToConvergedSeconds <= 300,
      callsAtMost1_5xClean: report.callRatio <= 1.5,
      everyJobCompletedOncePerKey:
        report.jobs.notCompleted.length === 0 &&
        report.jobs.keysCompletedTwice.length === 0 &&
        report.jobs.handlerCompletionsNotOnce.length === 0,
      everyTickOnce: report.ticks.missing.length === 0 && report.ticks.notOnce.length === 0,
      duplicatesStoredNothing: report.chaos.balancer.duplicateEventsAccepted === 0,
      killsLandedMidRun: report.kills.length === 2 && report.kills.every((kill) => kill.leaseHeldAfterKill),
      noCrashAndGracefulStop: report.crashed.length === 0 && report.stopExitCodes.every((code) => code === 0),
    };
    return {
      deals: report.deals,
      companies: report.companies,
      burstDeals: report.burst,
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      installToConvergedSeconds: {
        clean: report.clean.installToConvergedSeconds,
        chaos: report.chaos.installToConvergedSeconds,
      },
      burstToConvergedSeconds: {
        clean: report.clean.burstToConvergedSeconds,
        chaos: report.chaos.burstToConvergedSeconds,
      },
      crmCalls: {
        clean: report.clean.calls,
        chaos: report.chaos.calls,
        ratio: Number(report.callRatio.toFixed(3)),
        injectedFaults: report.chaos.injected,
      },
      comparedValues: report.comparedValues,
      differingValues: report.differing.length,
      differingRecords: new Set(report.differing.map((entry) => entry.record)).size,
      differingSample: report.differing.slice(0, 10),
      kills: report.kills,
      webhooks: { ...report.chaos.balancer, sandboxRedeliveries: report.chaos.redeliveries },
      jobs: {
        total: report.jobs.total,
        completedByName: report.jobs.completedByName,
        notCompleted: report.jobs.notCompleted.length,
        keysCompletedTwice: report.jobs.keysCompletedTwice.length,
        handlerCompletionsNotOnce: report.jobs.handlerCompletionsNotOnce.length,
      },
      ticks: report.ticks,
      callsByRoute: report.routes,
      targets,
      met: Object.values(targets).every(Boolean),
    };
  },
};

export default bench;
