import { describe, expect, it } from 'vitest';
import type { JobContext } from '../platform/jobs/job-queue.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { Tenant } from '../platform/store/tenants.repo.ts';
import { COSELL_SWEEP_JOB, cosellSweepJob, STRANDED_DELIVERY_AFTER_MS } from './cosell-sweep.job.ts';

const context: JobContext = {
  jobId: 'job-1',
  key: `${COSELL_SWEEP_JOB}:t:2026-11-21T09`,
  attempt: 0,
  logger: createLogger('silent'),
  enqueue: async () => null,
};

function tenant(status: Tenant['status']): Tenant {
  return {
    id: 'hubspot:1',
    provider: 'hubspot',
    externalId: '1',
    status,
    settings: {},
    createdAt: new Date(0),
    disconnectedAt: null,
    disconnectReason: null,
  };
}

function sweep(options: { status?: Tenant['status'] | undefined; openDeals: string[]; requeued?: number }) {
  const calls = { requeue: [] as Array<[number, string | undefined]>, write: [] as Array<readonly string[]> };
  const job = cosellSweepJob({
    tenants: { find: async () => (options.status === undefined ? undefined : tenant(options.status)) },
    service: {
      requeuePendingDeliveries: async (olderThanMs, tenantId) => {
        calls.requeue.push([olderThanMs ?? -1, tenantId]);
        return options.requeued ?? 0;
      },
    },
    motions: { dealsWithOpenMotions: async () => options.openDeals },
    writeStatus: async (_tenantId, dealIds) => {
      calls.write.push(dealIds);
      return { deals: 1, calls: 1 };
    },
  });
  return { job, calls };
}

describe('cosell.sweep', () => {
  it('given an active tenant with open motions, when swept, then stranded deliveries are re-enqueued and those deals re-written', async () => {
    const { job, calls } = sweep({ status: 'active', openDeals: ['11', '12'], requeued: 2 });
    const result = await job.handle({ tenantId: 'hubspot:1', periodKey: '2026-11-21T09' }, context);
    expect(result).toEqual({ requeued: 2, openMotionDeals: 2, written: 1, calls: 1 });
    expect(calls.requeue).toEqual([[STRANDED_DELIVERY_AFTER_MS, 'hubspot:1']]);
    expect(calls.write).toEqual([['11', '12']]);
  });

  it('given no open motion, when swept, then nothing is written', async () => {
    const { job, calls } = sweep({ status: 'active', openDeals: [] });
    expect(await job.handle({ tenantId: 'hubspot:1', periodKey: 'p' }, context)).toEqual({
      requeued: 0,
      openMotionDeals: 0,
      written: 0,
      calls: 0,
    });
    expect(calls.requeue).toHaveLength(1);
    expect(calls.write).toEqual([]);
  });

  it.each([
    { case: 'a disconnected tenant', status: 'disconnected' as const },
    { case: 'an unknown tenant', status: undefined },
  ])('given $case, when swept, then it is skipped without touching anything', async ({ status }) => {
    const { job, calls } = sweep({ status, openDeals: ['11'] });
    expect(await job.handle({ tenantId: 'hubspot:1', periodKey: 'p' }, context)).toEqual({ skipped: true });
    expect(calls).toEqual({ requeue: [], write: [] });
  });
});
