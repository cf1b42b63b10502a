import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, type WebhookEvent } from '../../../src/crm/hubspot/hubspot-webhook-events.ts';
import type { WebhookWorkResult } from '../../crm/tenant-sync.ts';
import type { JobContext } from '../../platform/jobs/job-queue.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import { type DrainSync, WEBHOOK_DRAIN_JOB, webhookDrainJob } from './webhook-drain.job.ts';
import type { PendingEvent, WebhookInboxRepository } from './webhook-inbox.repo.ts';

const TENANT = 'hubspot:4242';

/** A job context that accepts every enqueue. */
const context: JobContext = {
  jobId: 'job-1',
  key: `${TENANT}:1`,
  attempt: 0,
  logger: createLogger('silent'),
  enqueue: async () => 'queued',
};

/** One drain round's result when nothing was refreshed or written. */
const NO_WORK: WebhookWorkResult = {
  refreshedDeals: 0,
  missingDeals: 0,
  refreshedCompanies: 0,
  aliases: 0,
  deals: 0,
  companies: 0,
  calls: 0,
};

/** The drain's tenant sync: no rate window to wait on, no full read yet, no CRM work; `overrides` replace any part. */
function fakeSync(overrides: Partial<DrainSync> = {}): DrainSync {
  return {
    whenCallsFree: async () => undefined,
    lastFullReadStartedAt: async () => undefined,
    applyWebhookWork: async () => NO_WORK,
    ...overrides,
  };
}

/**
 * An inbox holding `total` pending deal events, handed out in order like the real one; event `i` (from 1) occurred at
 * `at(i)` ms (default: i) and is a merge when `merges` holds i.
 */
function fakeInbox(total: number, at: (i: number) => number = (i) => i, merges: ReadonlySet<number> = new Set()) {
  let next = 1;
  const inbox = {
    async pending(_tenantId: string, limit: number): Promise<PendingEvent[]> {
      const count = Math.min(limit, total - next + 1);
      return Array.from({ length: Math.max(0, count) }, (_, i) => {
        const id = next + i;
        const event = {
          eventId: String(id),
          subscriptionId: '5',
          portalId: '4242',
          occurredAt: at(id),
          subscriptionType: merges.has(id) ? 'object.merge' : 'object.propertyChange',
          objectTypeId: '0-3',
          objectId: String(id),
          ...(merges.has(id) ? { mergedObjectIds: [`${id}0`] } : { propertyName: 'dealname' }),
        } as WebhookEvent;
        return { id: String(id), event };
      });
    },
    async markProcessed(ids: readonly string[]) {
      next += ids.length;
    },
  };
  return inbox as unknown as WebhookInboxRepository;
}

async function drain(total: number) {
  const enqueued: Array<{ name: string; data: unknown; key: string }> = [];
  const job = webhookDrainJob({
    inbox: fakeInbox(total),
    tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
    sync: fakeSync(),
  });
  const context: JobContext = {
    jobId: 'job-1',
    key: `${TENANT}:1`,
    attempt: 0,
    logger: createLogger('silent'),
    enqueue: async (name, data, options) => {
      enqueued.push({ name, data, key: options.key });
      return 'queued';
    },
  };
  const totals = (await job.handle({ tenantId: TENANT }, context)) as { events: number };
  return { totals, enqueued };
}

describe('webhook drain job', () => {
  it('given a backlog it drains in one run, when run, then every event is processed and nothing more is queued', async () => {
    const { totals, enqueued } = await drain(1_234);
    expect(totals.events).toBe(1_234);
    expect(enqueued).toEqual([]);
  });

  it('given a backlog larger than one run, when run, then it stops after its rounds and queues the rest itself', async () => {
    // The webhook route queues no drain while one is waiting, so the run that leaves events behind must.
    const { totals, enqueued } = await drain(25_000);
    expect(totals.events).toBe(20_000);
    expect(enqueued).toEqual([{ name: WEBHOOK_DRAIN_JOB, data: { tenantId: TENANT }, key: `${TENANT}:rest:20001` }]);
  });
});

describe('webhook drain job: follow-up after changes', () => {
  const work = (refreshed: { deals: number; missing: number; companies: number }) =>
    fakeSync({
      applyWebhookWork: async () => ({
        ...NO_WORK,
        refreshedDeals: refreshed.deals,
        missingDeals: refreshed.missing,
        refreshedCompanies: refreshed.companies,
      }),
    });

  it.each([
    { case: 'deals were refreshed', refreshed: { deals: 3, missing: 0, companies: 0 }, rounds: 2, calls: 2 },
    { case: 'deals were found deleted', refreshed: { deals: 0, missing: 1, companies: 0 }, rounds: 1, calls: 1 },
    { case: 'a partner company was refreshed', refreshed: { deals: 0, missing: 0, companies: 1 }, rounds: 1, calls: 1 },
    { case: 'nothing was refreshed', refreshed: { deals: 0, missing: 0, companies: 0 }, rounds: 1, calls: 0 },
  ])(
    'given $case, when drained, then the afterChanges hook runs once per such round',
    async ({ refreshed, rounds, calls }) => {
      const hooked: string[] = [];
      const job = webhookDrainJob({
        inbox: fakeInbox(rounds * 500),
        tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
        sync: work(refreshed),
        afterChanges: async (tenantId) => {
          hooked.push(tenantId);
        },
      });
      await job.handle({ tenantId: TENANT }, context);
      expect(hooked).toEqual(Array.from({ length: calls }, () => TENANT));
    },
  );

  it('given the hook fails, when drained, then the round is not marked processed (the retry calls it again)', async () => {
    const inbox = fakeInbox(10);
    const job = webhookDrainJob({
      inbox,
      tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
      sync: work({ deals: 1, missing: 0, companies: 0 }),
      afterChanges: async () => {
        throw new Error('queue unavailable');
      },
    });
    await expect(job.handle({ tenantId: TENANT }, context)).rejects.toThrow('queue unavailable');
    expect(await inbox.pending(TENANT, 100)).toHaveLength(10);
  });
});

describe('webhook drain job: events a full pass already read', () => {
  const READ_STARTED = Date.parse('2026-12-06T12:00:00Z');

  function syncAfterFullRead(readStartedAt: Date | undefined) {
    const applied: string[][] = [];
    const sync = fakeSync({
      lastFullReadStartedAt: async () => readStartedAt,
      applyWebhookWork: async (_tenantId, work) => {
        applied.push([...work.deals].sort((a, b) => Number(a) - Number(b)));
        return { ...NO_WORK, refreshedDeals: work.deals.length };
      },
    });
    return { sync, applied };
  }

  it('given events from before the last full read began (beyond the clock skew), when drained, then they are marked processed without a re-read, except merges', async () => {
    // Events 1-6 happened 10 min before the read began, 7-8 within the skew margin, 9-10 after it began.
    const at = (i: number) =>
      i <= 6 ? READ_STARTED - 10 * 60_000 + i : i <= 8 ? READ_STARTED - CLOCK_SKEW_MS + 1_000 : READ_STARTED + i;
    const inbox = fakeInbox(10, at, new Set([3]));
    const { sync, applied } = syncAfterFullRead(new Date(READ_STARTED));
    const job = webhookDrainJob({
      inbox,
      tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
      sync,
    });
    const totals = await job.handle({ tenantId: TENANT }, context);
    expect(totals).toMatchObject({ events: 10, covered: 5 });
    // The merge (its survivor and the merged-away id) and every event the read may not have seen.
    expect(applied).toEqual([['3', '7', '8', '9', '10', '30'].sort((a, b) => Number(a) - Number(b))]);
    expect(await inbox.pending(TENANT, 100)).toEqual([]);
  });

  it('given no full read yet, or every event covered, when drained, then all are re-read, or none and no CRM work runs', async () => {
    const never = syncAfterFullRead(undefined);
    await webhookDrainJob({
      inbox: fakeInbox(4),
      tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
      sync: never.sync,
    }).handle({ tenantId: TENANT }, context);
    expect(never.applied).toEqual([['1', '2', '3', '4']]);

    const covered = syncAfterFullRead(new Date(READ_STARTED));
    const totals = await webhookDrainJob({
      inbox: fakeInbox(4),
      tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
      sync: covered.sync,
    }).handle({ tenantId: TENANT }, context);
    expect(totals).toMatchObject({ events: 4, covered: 4, refreshedDeals: 0 });
    expect(covered.applied).toEqual([]);
  });
});

describe("webhook drain job: rounds and the CRM's rate window", () => {
  it('given the window full when a round would start, when drained, then the round waits first and takes the events that arrived meanwhile', async () => {
    const inner = fakeInbox(100);
    let arrived = 2;
    let processed = 0;
    const inbox = {
      pending: (tenantId: string, limit: number) => inner.pending(tenantId, Math.min(limit, arrived - processed)),
      markProcessed: async (ids: readonly string[]) => {
        processed += ids.length;
        await inner.markProcessed(ids);
      },
    } as unknown as WebhookInboxRepository;
    const waits: number[] = [];
    const applied: number[] = [];
    const sync = fakeSync({
      // The first round finds room; before the second the window is full, and 5 events arrive while it frees up.
      whenCallsFree: async (_tenantId, calls) => {
        waits.push(calls);
        if (waits.length === 2) arrived += 5;
      },
      applyWebhookWork: async (_tenantId, work) => {
        applied.push(work.deals.length);
        return { ...NO_WORK, calls: 4 };
      },
    });
    const totals = await webhookDrainJob({
      inbox,
      tenants: { find: async () => ({ status: 'active' }) } as unknown as TenantsRepository,
      sync,
    }).handle({ tenantId: TENANT }, context);
    expect(totals).toMatchObject({ events: 7 });
    // Two rounds (2 events, then the 5 that arrived during the wait), each asking for room for its four reads first.
    expect(applied).toEqual([2, 5]);
    expect(waits).toEqual([4, 4, 4]);
  });
});
