import { z } from 'zod';
import type { JobContext } from '../platform/jobs/job-queue.ts';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { fullPassLeaseKey } from './tenant-leases.ts';
import type { CrmTenantSync } from './tenant-sync.ts';

export const RECONCILE_JOB = 'hubspot.reconcile';

export interface ReconcileJobDeps {
  tenants: TenantsRepository;
  sync: CrmTenantSync;
  /** Follow-up work after each run and the figures it reports (opt-in merges, attribution coverage). */
  report?: (tenantId: string) => Promise<Record<string, unknown>>;
  /** First retry delay (default 15 s; tests shorten it). */
  retryDelaySeconds?: number;
  /** Runs after a finished reconcile with its payload (sandbox mode: the operator loops after an install's first read). */
  afterRun?: (run: { tenantId: string; periodKey: string }, context: JobContext) => Promise<void>;
}

/**
 * A full reconcile of one tenant: the safety net for lost webhooks (nightly), and the first read after an install.
 * Keyed by tenant and period, so one period is queued once; leased per tenant, so no two runs overlap.
 *
 * Liveness comes from the lease, not from pg-boss's expiry (pg-boss 10 has no heartbeat): a run renews its tenant's
 * lease while it works, and when its worker is killed the lease goes stale and a sweep hands the job back, which
 * runs again within about two minutes (job-leases.ts `recoveryBoundSeconds`). A short expiry would not do: 100k
 * deals take 4-5 minutes, and pg-boss would retry a healthy run at its expiry while it goes on. The work is safe to
 * redo from the start: it re-reads the portal and writes only values that differ.
 */
export function reconcileJob(deps: ReconcileJobDeps) {
  return defineTenantJob(deps.tenants, {
    name: RECONCILE_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), periodKey: z.string().min(1) }),
    retryLimit: 5,
    // Also the wait before a dead run's retry (after its lease went stale), so it stays short; failures back off.
    retryDelaySeconds: deps.retryDelaySeconds ?? 15,
    // The backstop only (a run that died before it took its lease): a dead worker is noticed by its lease within a minute.
    // 100k deals take ~4 minutes at HubSpot's rate limit; leave room for throttling before pg-boss gives up waiting.
    expireInSeconds: 60 * 60,
    // One lease per tenant: no two reconciles of a tenant at once, and no mirror refresh (scoring) beside one.
    lease: ({ tenantId }) => fullPassLeaseKey(tenantId),
    async handle({ tenantId, periodKey }, context) {
      // Between pages and write slices: a run whose lease was swept (taken for dead), or a service stopping, ends
      // there rather than overlap its retry or outlive the database.
      const onProgress = () => context.signal?.throwIfAborted();
      const result = {
        ...(await deps.sync.reconcile(tenantId, onProgress, context.signal)),
        ...(await deps.report?.(tenantId)),
      };
      context.logger.info(result, 'reconcile finished');
      await deps.afterRun?.({ tenantId, periodKey }, context);
      return result;
    },
  });
}
