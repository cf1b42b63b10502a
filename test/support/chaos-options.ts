import type { LeaseTimings } from '../../sync/platform/jobs/job-leases.ts';
import type { ScheduleDefinition } from '../../sync/platform/jobs/schedules.ts';
import type { Logger } from '../../sync/platform/log/logger.ts';
import type { ServiceOptions, ServiceTestKnobs } from '../../sync/service.ts';

/**
 * The service options of the chaos test's replicas (test/support/chaos-replica.ts) and of its clean single-replica
 * run: production code with test timings, so minutes become seconds.
 */

/** The demo portal's last day and the scores' as-of day: both runs compute the same scores whatever the date. */
export const CHAOS_AS_OF = '2026-06-30';

/** A tick every 5 s: a dozen or more periods per run, each of which must run exactly once across the replicas. */
export const CHAOS_TICK_SECONDS = 5;
export const CHAOS_SCHEDULE: ScheduleDefinition = {
  name: 'chaos-tick',
  cron: `*/${CHAOS_TICK_SECONDS} * * * * *`,
  period: 'second',
  description: 'chaos test cadence',
};

/** Production: 45 s stale, 15 s renewals and sweeps. Here a killed run is noticed in 5-6 s. */
export const CHAOS_LEASES: LeaseTimings = { ttlSeconds: 5, renewSeconds: 1, sweepSeconds: 1 };
export const CHAOS_POLLING_SECONDS = 0.5;

export function chaosServiceOptions(logger: Logger): ServiceOptions {
  return {
    logger,
    schedules: [CHAOS_SCHEDULE],
    testing: chaosTestKnobs(),
  };
}

function chaosTestKnobs(): ServiceTestKnobs {
  return {
    // The tick fans out to nothing: what it proves is one run per period, whichever replicas tick or die.
    cadenceTasks: {},
    queue: {
      pollingIntervalSeconds: CHAOS_POLLING_SECONDS,
      maintenanceIntervalSeconds: 2,
      leases: CHAOS_LEASES,
    },
    // Debounced follow-ups of webhook drains run a second after the changes (production: 10 minutes and 30 s).
    scoring: { debounceSeconds: 1, asOf: () => CHAOS_AS_OF },
    dedupe: { debounceSeconds: 1 },
    apiBudget: false,
  };
}
