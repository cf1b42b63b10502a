import express, { type Router } from 'express';
import {
  classifyEvent,
  eventDedupeKey,
  isIgnorable,
  parseWebhookBatch,
} from '../../../src/crm/hubspot/hubspot-webhook-events.ts';
import { type SignedRoutesOptions, signedRequest } from '../../platform/http/hubspot-signature.middleware.ts';
import type { JobQueue } from '../../platform/jobs/job-queue.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import { WEBHOOK_DRAIN_JOB } from './webhook-drain.job.ts';
import type { InboxEntry, WebhookInboxRepository } from './webhook-inbox.repo.ts';

export interface WebhookRoutesDeps extends SignedRoutesOptions {
  appId: string | undefined;
  tenants: TenantsRepository;
  inbox: WebhookInboxRepository;
  queue: Pick<JobQueue, 'enqueue' | 'jobState'>;
  logger: Logger;
}

/**
 * `POST /webhooks/hubspot`: verify the v3 signature over the raw bytes, validate the batch, store new events, queue a
 * drain per tenant, answer 200 — all before any CRM work. Events we choose not to act on (other objects, properties
 * we do not read, our own echoes, portals that are not installed) are acknowledged too, so HubSpot does not retry.
 */
export function hubspotWebhooksRouter(deps: WebhookRoutesDeps): Router {
  const router = express.Router();
  // Per tenant, the key of the last drain this process queued. While that job has not started, it will read the rows
  // stored since, so queueing another one would only add a no-op job: HubSpot sends several deliveries a second and
  // the queue works one drain at a time, so one job per delivery piles up without bound.
  const lastQueued = new Map<string, string>();
  router.post('/', ...signedRequest(deps), async (req, res) => {
    const events = parseWebhookBatch(req.body);
    const entries: InboxEntry[] = [];
    const activeTenants = new Map<string, boolean>();
    let ignored = 0;
    for (const event of events) {
      const classified = classifyEvent(event);
      if (!classified || isIgnorable(event, classified, deps.appId)) {
        ignored += 1;
        continue;
      }
      // The tenant comes from the signed body, event by event.
      const tenantId = `hubspot:${event.portalId}`;
      let active = activeTenants.get(tenantId);
      if (active === undefined) {
        // As the signed API's guard reads it: at most once a second per process (another replica's disconnect shows
        // within the second, and the drain skips a tenant that is not active), one statement fewer per delivery.
        active = (await deps.tenants.findRecent(tenantId))?.status === 'active';
        activeTenants.set(tenantId, active);
      }
      if (!active) {
        ignored += 1;
        continue;
      }
      entries.push({
        tenantId,
        dedupeKey: eventDedupeKey(event),
        event,
        objectType: classified.objectType,
        objectId: classified.objectId,
      });
    }
    const fresh = await deps.inbox.accept(entries);
    for (const [tenantId, ids] of fresh) {
      const last = lastQueued.get(tenantId);
      if (last && (await deps.queue.jobState(WEBHOOK_DRAIN_JOB, last))?.state === 'created') continue;
      // Keyed by the first new inbox row: a redelivered batch adds no rows, so it queues nothing.
      const key = `${tenantId}:${ids[0]}`;
      await deps.queue.enqueue(WEBHOOK_DRAIN_JOB, { tenantId }, { key });
      lastQueued.set(tenantId, key);
    }
    const accepted = [...fresh.values()].reduce((sum, ids) => sum + ids.length, 0);
    res.status(200).json({ received: events.length, accepted, duplicates: entries.length - accepted, ignored });
  });
  return router;
}
