import { describe, expect, it } from 'vitest';
import { reconcileJob } from '../crm/reconcile.job.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import type { JobContext } from '../platform/jobs/job-queue.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { TENANT } from './scoring.fixtures.ts';
import { refreshSlot, SCORING_REFRESH_JOB, scheduleScoringRefresh, scoringRefreshJob } from './scoring-refresh.job.ts';
import { SCORING_WRITERS } from './scoring-writers.ts';

const WINDOW = 600;
/** A window start for TENANT (its windows are shifted by a per-tenant offset). */
const start = refreshSlot(TENANT, { now: () => 1_800_000_000_000, debounceSeconds: WINDOW }).closesAt;

describe('refreshSlot (debounce windows)', () => {
  it.each([
    { case: 'just after a window opens', offsetMs: 1_000, window: 0, startAfter: 599 },
    { case: 'in the middle', offsetMs: 300_000, window: 0, startAfter: 300 },
    { case: 'in the last second', offsetMs: 599_500, window: 0, startAfter: 1 },
    { case: 'when the next window opens', offsetMs: 600_000, window: 1, startAfter: 600 },
  ])('given a change $case, when queued, then it runs when its window closes', ({ offsetMs, window, startAfter }) => {
    const first = refreshSlot(TENANT, { now: () => start + 1_000, debounceSeconds: WINDOW });
    const slot = refreshSlot(TENANT, { now: () => start + offsetMs, debounceSeconds: WINDOW });
    expect(slot.key === first.key).toBe(window === 0);
    // Whole seconds, never early: the job starts at or just after the window's end.
    expect(slot.startAfterSeconds).toBe(startAfter);
  });

  it('given two tenants, when they change at the same instant, then their windows close at different times', () => {
    const at = () => 1_800_000_123_456;
    const a = refreshSlot('hubspot:1', { now: at });
    const b = refreshSlot('hubspot:2', { now: at });
    expect(a.startAfterSeconds).not.toBe(b.startAfterSeconds);
  });

  it('given a burst of changes in one window, when scheduled, then one keyed job is enqueued for it', async () => {
    const keys = new Set<string>();
    const enqueue: JobContext['enqueue'] = async (name, data, options) => {
      expect(name).toBe(SCORING_REFRESH_JOB);
      expect(data).toEqual({ tenantId: TENANT });
      const added = !keys.has(options.key);
      keys.add(options.key);
      return added ? 'job' : null;
    };
    const results = [];
    for (let i = 0; i < 50; i += 1) {
      results.push(await scheduleScoringRefresh(enqueue, TENANT, { now: () => start + i * 10_000 }));
    }
    expect(results.filter((id) => id !== null)).toHaveLength(1);
  });
});

describe('scoring refresh job', () => {
  const context: JobContext = {
    jobId: 'j',
    key: 'k',
    attempt: 0,
    logger: createLogger('silent'),
    enqueue: async () => null,
  };
  const run = async (status: 'active' | 'disconnected') => {
    const calls: Array<{ tenantId: string; writers: readonly string[] | undefined }> = [];
    const job = scoringRefreshJob({
      tenants: { find: async () => ({ status }) } as unknown as TenantsRepository,
      sync: {
        refreshFromMirror: async (tenantId: string, writers?: readonly string[]) => {
          calls.push({ tenantId, writers });
          return { deals: 2, companies: 1, calls: 2 };
        },
      } as unknown as CrmTenantSync,
    });
    return { result: await job.handle({ tenantId: TENANT }, context), calls };
  };

  it('given an active tenant, when the refresh runs, then only the scoring writers re-run from the mirror', async () => {
    const { result, calls } = await run('active');
    expect(calls).toEqual([{ tenantId: TENANT, writers: SCORING_WRITERS }]);
    expect(result).toEqual({ deals: 2, companies: 1, calls: 2 });
  });

  it('given a disconnected tenant, when the refresh runs, then it is skipped', async () => {
    const { result, calls } = await run('disconnected');
    expect(calls).toEqual([]);
    expect(result).toEqual({ skipped: true });
  });
});

describe('the scoring refresh beside a reconcile', () => {
  it('given a tenant, then its refresh takes the same lease as its reconcile (they never overlap) and no other tenant’s', () => {
    const deps = { tenants: {} as TenantsRepository, sync: {} as CrmTenantSync };
    const refresh = scoringRefreshJob(deps);
    const reconcile = reconcileJob(deps);
    expect(refresh.lease?.({ tenantId: TENANT })).toBe(
      reconcile.lease?.({ tenantId: TENANT, periodKey: '2026-12-05' }),
    );
    expect(refresh.lease?.({ tenantId: 'hubspot:2' })).not.toBe(
      reconcile.lease?.({ tenantId: TENANT, periodKey: '2026-12-05' }),
    );
  });
});
