import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HubSpotTenantSync } from '../crm/hubspot-tenant-sync.ts';
import { defineJob, type JobQueue } from '../jobs/job-queue.ts';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import { SCORING_WRITERS } from './scoring-writers.ts';

export const SCORING_REFRESH_JOB = 'scoring.refresh';

/** Default debounce window: changes within it (per tenant) are scored together, once, when it ends. */
export const DEFAULT_SCORING_DEBOUNCE_SECONDS = 600;

export interface ScoringRefreshJobDeps {
  tenants: TenantsRepository;
  sync: HubSpotTenantSync;
}

/**
 * Re-scores a tenant after changes: the partner-score and deal-fit writers over the store's mirror (no CRM read),
 * writing only values that changed. Idempotent: a retry recomputes from the same mirror and writes nothing new.
 */
export function scoringRefreshJob(deps: ScoringRefreshJobDeps) {
  return defineJob({
    name: SCORING_REFRESH_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1) }),
    retryLimit: 5,
    retryDelaySeconds: 30,
    expireInSeconds: 30 * 60,
    async handle({ tenantId }, context) {
      const tenant = await deps.tenants.find(tenantId);
      if (tenant?.status !== 'active') {
        context.logger.info({ tenantId }, 'tenant is not active; scoring refresh skipped');
        return { skipped: true };
      }
      const result = await deps.sync.refreshFromMirror(tenantId, SCORING_WRITERS);
      context.logger.info({ tenantId, ...result }, 'partner scores refreshed');
      return result;
    },
  });
}

export interface ScheduleRefreshOptions {
  debounceSeconds?: number;
  now?: () => number;
}

/**
 * Queues the refresh for the end of the tenant's current debounce window: a burst of webhook drains in one window is
 * one job (same key), and the job starts after the last change of its window, so no change goes unscored. Windows
 * are shifted per tenant so tenants do not all re-score at the same instant.
 */
export function scheduleScoringRefresh(
  enqueue: JobQueue['enqueue'],
  tenantId: string,
  options: ScheduleRefreshOptions = {},
): Promise<string | null> {
  const { key, startAfterSeconds } = refreshSlot(tenantId, options);
  return enqueue(SCORING_REFRESH_JOB, { tenantId }, { key, startAfterSeconds });
}

/** The window a change at `now` falls in: its key, when it closes (epoch ms) and the whole seconds until then. */
export function refreshSlot(
  tenantId: string,
  options: ScheduleRefreshOptions = {},
): { key: string; startAfterSeconds: number; closesAt: number } {
  const windowMs = Math.max(1, options.debounceSeconds ?? DEFAULT_SCORING_DEBOUNCE_SECONDS) * 1000;
  const offsetMs = createHash('sha1').update(tenantId).digest().readUInt32BE(0) % windowMs;
  const now = (options.now ?? Date.now)();
  const window = Math.floor((now + offsetMs) / windowMs);
  const closesAt = (window + 1) * windowMs - offsetMs;
  return { key: `${tenantId}:${window}`, startAfterSeconds: Math.ceil((closesAt - now) / 1000), closesAt };
}
