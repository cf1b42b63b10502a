import { z } from 'zod';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { CoSellService } from './cosell-service.ts';
import type { CoSellMotionsRepository } from './motions.repo.ts';

export const COSELL_SWEEP_JOB = 'cosell.sweep';

/** A delivery still pending this long after its change was committed lost its enqueue (a crash, a failed send). */
export const STRANDED_DELIVERY_AFTER_MS = 5 * 60_000;

export interface CoSellSweepJobDeps {
  tenants: Pick<TenantsRepository, 'find'>;
  service: Pick<CoSellService, 'requeuePendingDeliveries'>;
  motions: Pick<CoSellMotionsRepository, 'dealsWithOpenMotions'>;
  /** Writes `pl_cosell_status` (changed values only) for these deals. */
  writeStatus(tenantId: string, dealIds: readonly string[]): Promise<{ deals: number; calls: number }>;
}

/**
 * `cosell.sweep`, a per-tenant cadence task (hourly): re-enqueues partner notifications a crash left pending, and
 * re-writes `pl_cosell_status` for deals with open motions so the aging flag reaches the CRM within the hour instead
 * of waiting for the nightly reconcile. Both halves are idempotent: keyed enqueues, change-only writes.
 */
export function cosellSweepJob(deps: CoSellSweepJobDeps) {
  return defineTenantJob(deps.tenants, {
    name: COSELL_SWEEP_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), periodKey: z.string().min(1) }),
    retryLimit: 3,
    retryDelaySeconds: 60,
    expireInSeconds: 15 * 60,
    async handle({ tenantId }, context) {
      const requeued = await deps.service.requeuePendingDeliveries(STRANDED_DELIVERY_AFTER_MS, tenantId);
      const dealIds = await deps.motions.dealsWithOpenMotions(tenantId);
      const written = dealIds.length === 0 ? { deals: 0, calls: 0 } : await deps.writeStatus(tenantId, dealIds);
      const result = { requeued, openMotionDeals: dealIds.length, written: written.deals, calls: written.calls };
      context.logger.info({ tenantId, ...result }, 'co-sell sweep finished');
      return result;
    },
  });
}
