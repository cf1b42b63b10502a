import { z } from 'zod';
import { fullPassLeaseKey } from '../crm/tenant-leases.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import { type DebounceOptions, debounceSlot, scheduleDebounced } from '../platform/jobs/debounce.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { SCORING_WRITERS } from './scoring-writers.ts';

export const SCORING_REFRESH_JOB = 'scoring.refresh';

/** Default debounce window: changes within it (per tenant) are scored together, once, when it ends. */
export const DEFAULT_SCORING_DEBOUNCE_SECONDS = 600;

export interface ScoringRefreshJobDeps {
  tenants: TenantsRepository;
  sync: CrmTenantSync;
}

/**
 * Re-scores a tenant after changes: the partner-score and deal-fit writers over the store's mirror (no CRM read),
 * writing only values that changed. Idempotent: a retry recomputes from the same mirror and writes nothing new.
 */
export function scoringRefreshJob(deps: ScoringRefreshJobDeps) {
  return defineTenantJob(deps.tenants, {
    name: SCORING_REFRESH_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1) }),
    retryLimit: 5,
    retryDelaySeconds: 30,
    expireInSeconds: 30 * 60,
    // The tenant's full-pass lease: never beside a reconcile (which runs these writers too) or another refresh.
    lease: ({ tenantId }) => fullPassLeaseKey(tenantId),
    async handle({ tenantId }, context) {
      const result = await deps.sync.refreshFromMirror(tenantId, SCORING_WRITERS);
      context.logger.info({ tenantId, ...result }, 'partner scores refreshed');
      return result;
    },
  });
}

export type ScheduleRefreshOptions = Partial<DebounceOptions>;

/** Queues the scoring refresh for the end of the tenant's debounce window (see `scheduleDebounced`). */
export function scheduleScoringRefresh(
  enqueue: JobQueue['enqueue'],
  tenantId: string,
  options: ScheduleRefreshOptions = {},
): Promise<string | null> {
  return scheduleDebounced(enqueue, SCORING_REFRESH_JOB, tenantId, withDefault(options));
}

/** The scoring refresh's window for a change at `now`. */
export function refreshSlot(tenantId: string, options: ScheduleRefreshOptions = {}) {
  return debounceSlot(tenantId, withDefault(options));
}

function withDefault(options: ScheduleRefreshOptions): DebounceOptions {
  return { ...options, debounceSeconds: options.debounceSeconds ?? DEFAULT_SCORING_DEBOUNCE_SECONDS };
}
