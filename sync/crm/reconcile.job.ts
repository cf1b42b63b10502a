import { z } from 'zod';
import { defineJob } from '../jobs/job-queue.ts';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import type { HubSpotTenantSync } from './hubspot-tenant-sync.ts';

export const RECONCILE_JOB = 'hubspot.reconcile';

export interface ReconcileJobDeps {
  tenants: TenantsRepository;
  sync: HubSpotTenantSync;
  /** Follow-up work after each run and the figures it reports (opt-in merges, attribution coverage). */
  report?: (tenantId: string) => Promise<Record<string, unknown>>;
}

/**
 * A full reconcile of one tenant: the safety net for lost webhooks (nightly), and the first read after an install.
 * Keyed by tenant and period, so replicas and retries never run one period twice at the same time.
 */
export function reconcileJob(deps: ReconcileJobDeps) {
  return defineJob({
    name: RECONCILE_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), periodKey: z.string().min(1) }),
    retryLimit: 5,
    retryDelaySeconds: 60,
    // 100k deals take ~4 minutes at HubSpot's rate limit; leave room for throttling before pg-boss retries it.
    expireInSeconds: 60 * 60,
    async handle({ tenantId }, context) {
      const tenant = await deps.tenants.find(tenantId);
      if (tenant?.status !== 'active') {
        context.logger.info({ tenantId }, 'tenant is not active; reconcile skipped');
        return { skipped: true };
      }
      const result = { ...(await deps.sync.reconcile(tenantId)), ...(await deps.report?.(tenantId)) };
      context.logger.info(result, 'reconcile finished');
      return result;
    },
  });
}
