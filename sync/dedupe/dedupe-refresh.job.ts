import { setTimeout } from 'node:timers/promises';
import { z } from 'zod';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import { drainLeaseKey } from '../crm/tenant-leases.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import { type DebounceOptions, scheduleDebounced } from '../platform/jobs/debounce.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { DedupeRepository } from './dedupe.repo.ts';

export const DEDUPE_REFRESH_JOB = 'dedupe.refresh';

/** Default debounce: webhook changes within it are compared together, once, when it ends. */
export const DEFAULT_DEDUPE_DEBOUNCE_SECONDS = 30;

/** Deals compared per round: small, so no single engine run holds the thread (acknowledgements share it) for long. */
const ROUND = 150;

export interface DedupeRefreshJobDeps {
  tenants: TenantsRepository;
  mirror: CrmMirrorRepository;
  dedupe: DedupeRepository;
  sync: CrmTenantSync;
}

/**
 * The incremental dedupe pass: the deals webhook drains noted since the last run, compared with the stored deals
 * sharing their account, domain or name, and only changed flags written. A noted deal is forgotten only after its
 * round was written (and stays noted if it changed again meanwhile), so a crash or a failed CRM call loses nothing.
 */
export function dedupeRefreshJob(deps: DedupeRefreshJobDeps) {
  return defineTenantJob(deps.tenants, {
    name: DEDUPE_REFRESH_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1) }),
    retryLimit: 5,
    retryDelaySeconds: 30,
    expireInSeconds: 30 * 60,
    // The drain's lease: this is the deferred half of a drain's dedupe, and beside a drain still writing the mirror it
    // compared against stale deals and left clusters half-written (found by the chaos bench).
    lease: ({ tenantId }) => drainLeaseKey(tenantId),
    async handle({ tenantId }, context) {
      const totals = { compared: 0, written: 0, calls: 0 };
      for (;;) {
        const started = performance.now();
        const taken = await deps.dedupe.pending(tenantId, ROUND);
        if (taken.length === 0) break;
        const deals = await deps.mirror.dealsByIds(
          tenantId,
          taken.map((item) => item.dealId),
        );
        const result = await deps.sync.writeBack(tenantId, deals, [], false, { writers: ['dedupe'] });
        const cleared = await deps.dedupe.clearPending(tenantId, taken);
        totals.compared += deals.length;
        totals.written += result.deals;
        totals.calls += result.calls;
        // Done, or every deal of the round was noted again meanwhile (the next window takes them).
        if (taken.length < ROUND || cleared === 0) break;
        // A quarter of the thread at most: this is background work beside webhook acknowledgements and the drain.
        await setTimeout(3 * (performance.now() - started));
      }
      context.logger.info({ tenantId, ...totals }, 'duplicate flags refreshed');
      return totals;
    },
  });
}

/** Queues the incremental pass for the end of the tenant's debounce window. */
export function scheduleDedupeRefresh(
  enqueue: JobQueue['enqueue'],
  tenantId: string,
  options: Partial<DebounceOptions> = {},
): Promise<string | null> {
  return scheduleDebounced(enqueue, DEDUPE_REFRESH_JOB, tenantId, {
    ...options,
    debounceSeconds: options.debounceSeconds ?? DEFAULT_DEDUPE_DEBOUNCE_SECONDS,
  });
}
