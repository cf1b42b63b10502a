import { z } from 'zod';
import { coveredByFullRead, planWebhookWork } from '../../../src/crm/hubspot/hubspot-webhook-events.ts';
import { drainLeaseKey } from '../../crm/tenant-leases.ts';
import type { CrmTenantSync } from '../../crm/tenant-sync.ts';
import { defineJob, type JobContext } from '../../platform/jobs/job-queue.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import type { WebhookInboxRepository } from './webhook-inbox.repo.ts';

export const WEBHOOK_DRAIN_JOB = 'hubspot.webhooks.drain';
/** Events handled per round: one round re-reads at most this many records in a few batch calls. */
const ROUND_SIZE = 500;
const MAX_ROUNDS = 40;
/** The reads of one round (deals, their partner links, partner companies, the companies' links): one batch each. */
const ROUND_READ_CALLS = 4;

/** What the drain asks of the tenant sync. */
export type DrainSync = Pick<CrmTenantSync, 'whenCallsFree' | 'lastFullReadStartedAt' | 'applyWebhookWork'>;

export interface WebhookDrainDeps {
  inbox: WebhookInboxRepository;
  tenants: TenantsRepository;
  sync: DrainSync;
  /**
   * Called after each round that refreshed a deal or a partner company (or found deals gone): portal-wide follow-up
   * work such as the debounced scoring refresh. Must be idempotent (keyed enqueues are).
   */
  afterChanges?: (tenantId: string, context: JobContext) => Promise<void>;
}

/**
 * Drains a tenant's inbox in `occurredAt` order. Events are marked processed only after their work succeeded, so a
 * crash or a failed CRM call leaves them for the retry; the work itself re-reads state, so doing it twice is harmless.
 * Events that happened before the last successful full pass began reading are marked processed without a re-read: that
 * pass read every record after them (`coveredByFullRead`; merges are still applied, for their aliases).
 *
 * Leased per tenant (sync/platform/jobs/job-leases.ts): a drain whose worker was killed is handed back once its lease goes
 * stale — within about 70 s, not at its 10-minute expiry — and a drain queued meanwhile by another replica waits for
 * the lease (retried with backoff) instead of re-reading and re-writing the same records beside it.
 */
export function webhookDrainJob(deps: WebhookDrainDeps) {
  return defineJob({
    name: WEBHOOK_DRAIN_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1) }),
    retryLimit: 8,
    retryDelaySeconds: 5,
    expireInSeconds: 10 * 60,
    lease: ({ tenantId }) => drainLeaseKey(tenantId),
    async handle({ tenantId }, context) {
      const tenant = await deps.tenants.find(tenantId);
      const totals = { events: 0, covered: 0, refreshedDeals: 0, missingDeals: 0, written: 0, calls: 0 };
      for (let round = 0; ; round += 1) {
        // A run whose lease was swept (taken for dead) stops rather than drain beside its retry.
        context.signal?.throwIfAborted();
        // A round's reads cost the same for 1 event as for 500: while the CRM's window has no room for them, or the
        // last tenth of it already spent a tenth of the budget, wait before collecting, so the events arriving
        // meanwhile join this round instead of costing rounds of their own, and a stream of rounds spends no faster
        // than the window refills.
        if (tenant?.status === 'active') await deps.sync.whenCallsFree(tenantId, ROUND_READ_CALLS);
        const pending = await deps.inbox.pending(tenantId, ROUND_SIZE);
        if (pending.length === 0) break;
        if (round === MAX_ROUNDS) {
          // Events are left, and the webhook route queues no drain while one is waiting: queue the next one here.
          await context.enqueue(WEBHOOK_DRAIN_JOB, { tenantId }, { key: `${tenantId}:rest:${pending[0]?.id}` });
          break;
        }
        // Events from before the last full pass's read need no re-read (asked each round: a pass may end meanwhile).
        const readStartedAt = (await deps.sync.lastFullReadStartedAt(tenantId))?.getTime();
        const events = pending
          .map((p) => p.event)
          .filter((event) => readStartedAt === undefined || !coveredByFullRead(event, readStartedAt));
        totals.covered += pending.length - events.length;
        if (tenant?.status === 'active' && events.length > 0) {
          const result = await deps.sync.applyWebhookWork(tenantId, planWebhookWork(events));
          totals.refreshedDeals += result.refreshedDeals;
          totals.missingDeals += result.missingDeals;
          totals.written += result.deals;
          totals.calls += result.calls;
          // Before the events are marked processed: a failure here retries the round rather than losing the call.
          if (deps.afterChanges && result.refreshedDeals + result.missingDeals + result.refreshedCompanies > 0) {
            await deps.afterChanges(tenantId, context);
          }
        }
        // A disconnected tenant's events are dropped: there is nobody to write to, and a reinstall reconciles.
        await deps.inbox.markProcessed(pending.map((p) => p.id));
        totals.events += pending.length;
      }
      context.logger.info({ tenantId, ...totals }, 'webhook events drained');
      return totals;
    },
  });
}
