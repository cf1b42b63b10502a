import { describe, expect, it, vi } from 'vitest';
import { HOME_PAGE_MAX, HOME_PAGE_SIZE, ROSTER_ACTION_VALUES } from '../../extensions/app/pages/operator-api.ts';
import { ROSTER_ACTIONS } from '../../src/model/roster-action.ts';
import { DEFAULT_SCHEDULES } from '../platform/jobs/schedules.ts';
import type { StoredLoopResult } from './loop-results.repo.ts';
import { runLoopsAfterInstall } from './operator-home.module.ts';
import { liftPoint, nextRunAt, pageOf, pageWindow, rosterPoint, storedListRows } from './operator-home.ts';
import type { PeriodResult } from './operator-loops.ts';

describe('nextRunAt', () => {
  it.each([
    ['daily', '2026-12-04T05:59:00Z', '2026-12-04T06:00:00.000Z'],
    ['daily', '2026-12-04T06:00:00Z', '2026-12-05T06:00:00.000Z'],
    ['daily', '2026-12-31T23:00:00Z', '2027-01-01T06:00:00.000Z'],
    // 2026-12-04 is a Friday; 2026-12-07 a Monday.
    ['weekly', '2026-12-04T09:00:00Z', '2026-12-07T07:00:00.000Z'],
    ['weekly', '2026-12-07T06:59:00Z', '2026-12-07T07:00:00.000Z'],
    ['weekly', '2026-12-07T07:00:00Z', '2026-12-14T07:00:00.000Z'],
    ['monthly', '2026-12-01T06:00:00Z', '2026-12-01T07:00:00.000Z'],
    ['monthly', '2026-12-04T09:00:00Z', '2027-01-01T07:00:00.000Z'],
    ['quarterly', '2026-10-01T06:00:00Z', '2026-10-01T07:00:00.000Z'],
    ['quarterly', '2026-12-04T09:00:00Z', '2027-01-01T07:00:00.000Z'],
    ['quarterly', '2026-02-10T00:00:00Z', '2026-04-01T07:00:00.000Z'],
  ] as const)('given the %s loop at %s, then it next runs at %s', (loop, now, next) => {
    expect(nextRunAt(loop, new Date(now)).toISOString()).toBe(next);
  });

  it('given the default schedules, then the crons are the ones nextRunAt assumes (change both together)', () => {
    const crons = Object.fromEntries(DEFAULT_SCHEDULES.map((schedule) => [schedule.name, schedule.cron]));
    expect(crons).toMatchObject({
      daily: '0 6 * * *',
      weekly: '0 7 * * 1',
      monthly: '0 7 1 * *',
      quarterly: '0 7 1 1,4,7,10 *',
    });
  });
});

describe('pages of stored lists', () => {
  it.each([
    [undefined, undefined, { offset: 0, limit: HOME_PAGE_SIZE }],
    [20, 5, { offset: 20, limit: 5 }],
    [-3, 0, { offset: 0, limit: HOME_PAGE_SIZE }],
    [0, 10_000, { offset: 0, limit: HOME_PAGE_MAX }],
    [1.5, 2.5, { offset: 0, limit: HOME_PAGE_SIZE }],
  ])('given offset %s and limit %s, then the window is %o', (offset, limit, expected) => {
    expect(pageWindow(offset, limit)).toEqual(expected);
  });

  it('given 12 rows, when the second page of 10 is asked, then it holds 2 and the total stays 12', () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ i }));
    expect(pageOf('queue', '2026-12-04', rows, { offset: 10, limit: 10 })).toEqual({
      list: 'queue',
      period: '2026-12-04',
      rows: [{ i: 10 }, { i: 11 }],
      total: 12,
      offset: 10,
      limit: 10,
    });
  });

  it('given a stored result without a list (an older result shape), then the list is empty, not an error', () => {
    expect(storedListRows('reengage', { producingPartnerRate: {} })).toEqual([]);
    expect(storedListRows('reconciliation', {})).toEqual([]);
    expect(storedListRows('queue', {})).toEqual([]);
  });

  it('given a weekly result, then its reconciliation rows are listed as stored', () => {
    const row = {
      dealId: 'd1',
      dealName: 'D',
      kind: 'attribution_exception',
      detail: 'attribution conflict',
      url: 'u',
    };
    expect(
      storedListRows('reconciliation', { weekly: { reconciliation: { total: 1, byKind: {}, rows: [row] } } }),
    ).toEqual([row]);
  });
});

describe('chart points', () => {
  const stored = (result: Partial<PeriodResult>): StoredLoopResult<PeriodResult> => ({
    tenantId: 't',
    loop: 'quarterly',
    periodKey: '2026-Q3',
    period: { start: '2026-07-01', end: '2026-10-01' },
    version: 1,
    reason: 'scheduled',
    computedAt: new Date('2026-10-01T07:00:00Z'),
    result: result as PeriodResult,
  });

  it('given a quarter, then its lift point keeps the estimate, interval and raw difference apart, with the closed deals', () => {
    const point = liftPoint(
      stored({
        lift: { estimate: 0.07, ciLow: 0.01, ciHigh: 0.13, raw: 0.2, method: 'mantel_haenszel_rd', strata: [] },
        partnerWinRate: {
          named: { closed: 10, won: 5, rate: 0.5, wonAmount: 0 },
          selfServe: { closed: 4, won: 1, rate: 0.25, wonAmount: 0 },
          unattached: { closed: 20, won: 4, rate: 0.2, wonAmount: 0 },
        },
      }),
    );
    expect(point).toMatchObject({ estimate: 0.07, ciLow: 0.01, ciHigh: 0.13, raw: 0.2, closed: 34 });
  });

  it('given a quarter, then its roster point reads producing rate and the dormant roster', () => {
    expect(
      rosterPoint(
        stored({
          producingPartnerRate: { producing: 4, registered: 10, rate: 0.4 },
          dormantRoster: { registered: 10, dormant: 3, decaying: 2, previousDormant: 1 },
        }),
      ),
    ).toMatchObject({ producing: 4, registered: 10, producingRate: 0.4, dormant: 3, decaying: 2 });
  });
});

describe('runLoopsAfterInstall', () => {
  it('given the first reconcile of an install, then the four loops are queued once, keyed by that reconcile', async () => {
    const enqueue = vi.fn(async () => 'job');
    await runLoopsAfterInstall({ tenantId: 'hubspot:1', periodKey: 'install:abc' }, { enqueue });
    expect(
      enqueue.mock.calls.map((call) => [(call as unknown[])[0], ((call as unknown[])[2] as { key: string }).key]),
    ).toEqual([
      ['reports.daily', 'reports.daily:hubspot:1:after-install:abc'],
      ['reports.weekly', 'reports.weekly:hubspot:1:after-install:abc'],
      ['reports.monthly', 'reports.monthly:hubspot:1:after-install:abc'],
      ['reports.quarterly', 'reports.quarterly:hubspot:1:after-install:abc'],
    ]);
  });

  it('given a nightly reconcile, then nothing is queued', async () => {
    const enqueue = vi.fn(async () => 'job');
    await runLoopsAfterInstall({ tenantId: 'hubspot:1', periodKey: '2026-12-04' }, { enqueue });
    expect(enqueue).not.toHaveBeenCalled();
  });
});

describe('the roster action values', () => {
  it('given the page contract, then its list is the domain list', () => {
    expect([...ROSTER_ACTION_VALUES]).toEqual([...ROSTER_ACTIONS]);
  });
});
