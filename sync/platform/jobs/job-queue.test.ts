import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, STORE_KINDS } from '../../../test/support/test-stores.ts';
import { createLogger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import { defineJob, JobQueue, jobIdFor } from './job-queue.ts';

describe('jobIdFor', () => {
  it('given the same name and key, when derived twice, then the id is the same RFC 4122 v5 UUID; other keys differ', () => {
    const id = jobIdFor('tenant.reconcile', 'hubspot:1:2026-11-21');
    expect(id).toBe(jobIdFor('tenant.reconcile', 'hubspot:1:2026-11-21'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jobIdFor('tenant.reconcile', 'hubspot:1:2026-11-22')).not.toBe(id);
    expect(jobIdFor('other.job', 'hubspot:1:2026-11-21')).not.toBe(id);
  });
});

describe.each(STORE_KINDS)('job queue on $name', (kind) => {
  let store: Store;
  let queue: JobQueue;
  const runs: Array<{ key: string; value: number; attempt: number }> = [];
  let failuresLeft = 2;

  beforeAll(async () => {
    store = await kind.open();
    const record = defineJob({
      name: 'test.record',
      schema: z.strictObject({ value: z.number() }),
      retryLimit: 2,
      retryDelaySeconds: 1,
      expireInSeconds: 30,
      async handle(data, context) {
        runs.push({ key: context.key, value: data.value, attempt: context.attempt });
      },
    });
    const flaky = defineJob({
      name: 'test.flaky',
      schema: z.strictObject({}),
      retryLimit: 3,
      retryDelaySeconds: 1,
      expireInSeconds: 30,
      async handle(_data, context) {
        runs.push({ key: context.key, value: -1, attempt: context.attempt });
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('transient');
        }
      },
    });
    const quota = defineJob({
      name: 'test.quota',
      schema: z.strictObject({ value: z.number() }),
      retryLimit: 3,
      retryDelaySeconds: 1,
      expireInSeconds: 30,
      async handle(data, context) {
        runs.push({ key: context.key, value: data.value, attempt: context.attempt });
        throw Object.assign(new Error('the daily allowance is spent'), { rescheduleAfterMs: 3_600_000 });
      },
    });
    queue = await JobQueue.start(
      { executor: store.executor, logger: createLogger('silent'), schema: 'pgboss_test', pollingIntervalSeconds: 0.5 },
      [record, flaky, quota],
    );
    await queue.work();
  });
  afterAll(async () => {
    await queue?.stop(5_000);
    await store?.close();
  });

  it('given a key, when the same job is enqueued twice, then one job exists and it runs once', async () => {
    const first = await queue.enqueue('test.record', { value: 1 }, { key: 'k-1' });
    const second = await queue.enqueue('test.record', { value: 2 }, { key: 'k-1' });
    expect(first).toBe(jobIdFor('test.record', 'k-1'));
    expect(second).toBeNull();
    await eventually(async () => (await queue.jobState('test.record', 'k-1'))?.state === 'completed');
    expect(runs.filter((run) => run.key === 'k-1')).toEqual([{ key: 'k-1', value: 1, attempt: 0 }]);
  });

  it('given a payload that breaks the job schema, when enqueued, then it is rejected and nothing is stored', async () => {
    await expect(queue.enqueue('test.record', { value: 'x' }, { key: 'k-bad' })).rejects.toThrow();
    expect(await queue.jobState('test.record', 'k-bad')).toBeUndefined();
    await expect(queue.enqueue('test.unknown', {}, { key: 'k' })).rejects.toThrow(/unknown job/);
  });

  it('given a handler failing twice, when worked, then it is retried with backoff and completes on the third attempt', async () => {
    await queue.enqueue('test.flaky', {}, { key: 'flaky-1' });
    await eventually(async () => (await queue.jobState('test.flaky', 'flaky-1'))?.state === 'completed', 30_000);
    expect(runs.filter((run) => run.key === 'flaky-1').map((run) => run.attempt)).toEqual([0, 1, 2]);
    expect(await queue.jobState('test.flaky', 'flaky-1')).toEqual({ state: 'completed', retryCount: 2 });
  });

  it('given a run failing on a spent daily quota, when worked, then it completes without retries and the same work is queued again for when the quota is back', async () => {
    const before = Date.now();
    await queue.enqueue('test.quota', { value: 7 }, { key: 'quota-1' });
    await eventually(async () => (await queue.jobState('test.quota', 'quota-1'))?.state === 'completed', 30_000);
    expect(runs.filter((run) => run.key === 'quota-1')).toEqual([{ key: 'quota-1', value: 7, attempt: 0 }]);
    const later = await sql<{ state: string; start_after: Date; data: { key: string; data: unknown } }>`
      select state, start_after, data from pgboss_test.job where name = 'test.quota' and data->>'key' like 'quota-1:later:%'
    `.execute(store.db);
    expect(later.rows).toHaveLength(1);
    expect(later.rows[0]).toMatchObject({ state: 'created', data: { data: { value: 7 } } });
    expect(later.rows[0]!.start_after.getTime()).toBeGreaterThanOrEqual(before + 3_590_000);
  });
});
