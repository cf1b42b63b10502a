import { describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../../src/crm/hubspot/hubspot-webhook-events.ts';
import type { CrmTenantSync } from '../../crm/tenant-sync.ts';
import type { JobContext } from '../../platform/jobs/job-queue.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import { WEBHOOK_DRAIN_JOB, webhookDrainJob } from './webhook-drain.job.ts';
import type { PendingEvent, WebhookInboxRepository } from './webhook-inbox.repo.ts';

const TENANT = 'hubspot:4242';

/** An inbox holding `total` pending deal events, handed out in order like the real one. */
function fakeInbox(total: number) {
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
          occurredAt: id,
          subscriptionType: 'object.propertyChange',
          objectTypeId: '0-3',
          objectId: String(id),
          propertyName: 'dealname',
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
    sync: {
      applyWebhookWork: async () => ({
        refreshedDeals: 0,
        missingDeals: 0,
        refreshedCompanies: 0,
        aliases: 0,
        deals: 0,
        calls: 0,
      }),
    } as unknown as CrmTenantSync,
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
    ({
      applyWebhookWork: async () => ({
        refreshedDeals: refreshed.deals,
        missingDeals: refreshed.missing,
        refreshedCompanies: refreshed.companies,
        aliases: 0,
        deals: 0,
        companies: 0,
        calls: 0,
      }),
    }) as unknown as CrmTenantSync;

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
      const context: JobContext = {
        jobId: 'job-1',
        key: `${TENANT}:1`,
        attempt: 0,
        logger: createLogger('silent'),
        enqueue: async () => 'queued',
      };
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
    const context: JobContext = {
      jobId: 'job-1',
      key: `${TENANT}:1`,
      attempt: 0,
      logger: createLogger('silent'),
      enqueue: async () => 'queued',
    };
    await expect(job.handle({ tenantId: TENANT }, context)).rejects.toThrow('queue unavailable');
    expect(await inbox.pending(TENANT, 100)).toHaveLength(10);
  });
});
