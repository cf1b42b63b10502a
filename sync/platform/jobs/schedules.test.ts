import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { CADENCE_JOB, DEFAULT_SCHEDULES, type Period, periodKey, Scheduler } from './schedules.ts';

describe('periodKey', () => {
  it.each<[Period, string, string]>([
    ['day', '2026-11-21T23:59:59.999Z', '2026-11-21'],
    ['day', '2026-11-22T00:00:00.000Z', '2026-11-22'],
    ['month', '2026-12-31T23:59:59Z', '2026-12'],
    ['quarter', '2026-03-31T23:59:59Z', '2026-Q1'],
    ['quarter', '2026-04-01T00:00:00Z', '2026-Q2'],
    ['quarter', '2026-12-01T07:00:00Z', '2026-Q4'],
    ['week', '2026-11-21T10:00:00Z', '2026-W47'],
    ['week', '2021-01-03T10:00:00Z', '2020-W53'],
    ['week', '2024-12-30T00:00:00Z', '2025-W01'],
    ['hour', '2026-11-21T10:59:00Z', '2026-11-21T10'],
    ['minute', '2026-11-21T10:59:30Z', '2026-11-21T10:59'],
    ['second', '2026-11-21T10:59:30.900Z', '2026-11-21T10:59:30'],
  ])('given period %s at %s, then the key is %s', (period, at, key) => {
    expect(periodKey(period, new Date(at))).toBe(key);
  });
});

describe('Scheduler', () => {
  const logger = createLogger('silent');

  it('given the default schedules, when constructed, then every cron expression is valid', () => {
    expect(() => new Scheduler(DEFAULT_SCHEDULES, { enqueue: async () => null }, logger)).not.toThrow();
    expect(DEFAULT_SCHEDULES.map((s) => s.name)).toEqual([
      'nightly',
      'frequent',
      'hourly',
      'daily',
      'weekly',
      'monthly',
      'quarterly',
    ]);
  });

  it('given an invalid cron, when constructed, then it fails naming the schedule', () => {
    expect(
      () =>
        new Scheduler(
          [{ name: 'bad', cron: 'every day', period: 'day', description: '' }],
          { enqueue: async () => null },
          logger,
        ),
    ).toThrow(/bad/);
  });

  it('given two ticks in the same week, when the weekly schedule ticks, then both enqueue the same keyed job', async () => {
    const enqueued: Array<{ name: string; data: unknown; key: string }> = [];
    const scheduler = new Scheduler(
      DEFAULT_SCHEDULES,
      {
        enqueue: async (name, data, { key }) => {
          enqueued.push({ name, data, key });
          return 'id';
        },
      },
      logger,
    );
    await scheduler.tick('weekly', new Date('2026-11-16T07:00:00Z'));
    await scheduler.tick('weekly', new Date('2026-11-22T23:00:00Z'));
    await scheduler.tick('weekly', new Date('2026-11-23T07:00:00Z'));
    expect(enqueued).toEqual([
      { name: CADENCE_JOB, data: { cadence: 'weekly', periodKey: '2026-W47' }, key: 'weekly:2026-W47' },
      { name: CADENCE_JOB, data: { cadence: 'weekly', periodKey: '2026-W47' }, key: 'weekly:2026-W47' },
      { name: CADENCE_JOB, data: { cadence: 'weekly', periodKey: '2026-W48' }, key: 'weekly:2026-W48' },
    ]);
    await expect(scheduler.tick('nope', new Date())).rejects.toThrow(/unknown schedule/);
  });
});
