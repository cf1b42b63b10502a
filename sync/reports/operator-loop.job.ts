import { z } from 'zod';
import { periodFromKey } from '../../src/metrics/periods.ts';
import { isoDateSchema } from '../../src/model/deal.ts';
import type { CadenceTasks } from '../platform/jobs/cadence.job.ts';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { OPERATOR_LOOPS, type OperatorLoop } from './loop-results.repo.ts';
import { LOOP_PERIODS, type OperatorLoops } from './operator-loops.ts';

/** Job name of each loop; the cadence of the same name fans it out per active tenant. */
export const LOOP_JOBS: Readonly<Record<OperatorLoop, string>> = {
  daily: 'reports.daily',
  weekly: 'reports.weekly',
  monthly: 'reports.monthly',
  quarterly: 'reports.quarterly',
};

/** Cadence → task: each loop's cadence (sync/platform/jobs/schedules.ts, same names) runs its job per active tenant. */
export const REPORTS_CADENCE_TASKS: CadenceTasks = Object.fromEntries(
  OPERATOR_LOOPS.map((loop) => [loop, [LOOP_JOBS[loop]]]),
);

export const loopJobPayloadSchema = z.strictObject({
  tenantId: z.string().min(1),
  /** The cadence tick's period (`2026-12-04`, `2026-W49`, `2026-12`, `2026-Q4`), or a manual run's key. */
  periodKey: z.string().min(1),
  /** Overrides the as-of day the tick implies (manual runs). */
  asOf: isoDateSchema.optional(),
  reason: z.string().min(1).max(500).optional(),
});

/**
 * The day a cadence tick computes as of: the first day of the tick's own period (a weekly tick in 2026-W49 covers
 * W48, the last complete week), or the tick's day for the daily loop. Keyed on the tick, so a retried or late job
 * computes the same period it was scheduled for.
 */
export function asOfForTick(loop: OperatorLoop, periodKey: string): string {
  if (loop === 'daily') return isoDateSchema.parse(periodKey);
  return periodFromKey(LOOP_PERIODS[loop].kind, periodKey).start;
}

export function operatorLoopJobs(deps: { tenants: Pick<TenantsRepository, 'find'>; loops: OperatorLoops }) {
  return OPERATOR_LOOPS.map((loop) =>
    defineTenantJob(deps.tenants, {
      name: LOOP_JOBS[loop],
      schema: loopJobPayloadSchema,
      retryLimit: 3,
      retryDelaySeconds: 60,
      expireInSeconds: 15 * 60,
      async handle({ tenantId, periodKey, asOf, reason }) {
        return deps.loops.run(tenantId, loop, {
          asOf: asOf ?? asOfForTick(loop, periodKey),
          reason: reason ?? 'scheduled',
        });
      },
    }),
  );
}
