import { describe, expect, it } from 'vitest';
import {
  coveredPeriod,
  lastDayOf,
  type PeriodKind,
  periodContaining,
  periodFromKey,
  periodKey,
  periodsEndingWith,
  shiftPeriod,
} from './periods.ts';

describe('coveredPeriod: the last complete period ending on or before as-of', () => {
  it.each<[PeriodKind, string, string, string]>([
    ['quarter', '2026-07-01', '2026-04-01', '2026-07-01'],
    ['quarter', '2026-06-30', '2026-01-01', '2026-04-01'],
    ['quarter', '2026-01-01', '2025-10-01', '2026-01-01'],
    ['quarter', '2026-12-04', '2026-07-01', '2026-10-01'],
    ['month', '2026-03-01', '2026-02-01', '2026-03-01'],
    ['month', '2026-03-31', '2026-02-01', '2026-03-01'],
    ['month', '2026-01-15', '2025-12-01', '2026-01-01'],
    ['week', '2026-12-07', '2026-11-30', '2026-12-07'], // a Monday: the week that just ended
    ['week', '2026-12-06', '2026-11-23', '2026-11-30'], // a Sunday: its own week has not ended
    ['week', '2026-01-05', '2025-12-29', '2026-01-05'], // across the year end
  ])('given %s as of %s, then it covers [%s, %s)', (kind, asOf, start, end) => {
    expect(coveredPeriod(kind, asOf)).toEqual({ kind, start, end });
  });

  it.each(['2026-02-30', '2026-7-1', 'yesterday', ''])('given as-of "%s", then it is refused in words', (asOf) => {
    expect(() => coveredPeriod('quarter', asOf)).toThrow(/as-of: expected a date YYYY-MM-DD/);
  });
});

describe('period arithmetic', () => {
  it('given a quarter, when shifting and listing a trend, then periods are contiguous and oldest first', () => {
    const q = coveredPeriod('quarter', '2026-07-01');
    expect(shiftPeriod(q, -1)).toEqual({ kind: 'quarter', start: '2026-01-01', end: '2026-04-01' });
    expect(periodsEndingWith(q, 4).map((p) => p.start)).toEqual([
      '2025-07-01',
      '2025-10-01',
      '2026-01-01',
      '2026-04-01',
    ]);
    expect(lastDayOf(q)).toBe('2026-06-30');
  });

  it('given a leap-year February, then its last day is the 29th', () => {
    expect(lastDayOf(coveredPeriod('month', '2028-03-01'))).toBe('2028-02-29');
  });

  it('given the day of a tick, then the period containing it is the current one', () => {
    expect(periodContaining('week', '2026-12-04')).toEqual({ kind: 'week', start: '2026-11-30', end: '2026-12-07' });
    expect(periodContaining('quarter', '2026-12-04')).toEqual({
      kind: 'quarter',
      start: '2026-10-01',
      end: '2027-01-01',
    });
  });

  it.each([
    [{ kind: 'week', start: '2025-12-29', end: '2026-01-05' }, '2026-W01'],
    [{ kind: 'week', start: '2020-12-28', end: '2021-01-04' }, '2020-W53'],
    [{ kind: 'week', start: '2026-11-30', end: '2026-12-07' }, '2026-W49'],
    [{ kind: 'month', start: '2026-02-01', end: '2026-03-01' }, '2026-02'],
    [{ kind: 'quarter', start: '2026-10-01', end: '2027-01-01' }, '2026-Q4'],
  ] as const)('given %o, then its key is %s and the key names it back', (period, key) => {
    expect(periodKey(period)).toBe(key);
    expect(periodFromKey(period.kind, key)).toEqual(period);
  });

  it.each([
    ['week', '2026-W54'],
    ['week', '2026-W00'],
    ['month', '2026-13'],
    ['quarter', '2026-Q5'],
    ['quarter', '2026-07'],
  ] as const)('given the %s key %s, then it is refused', (kind, key) => {
    expect(() => periodFromKey(kind, key)).toThrow(/period: expected a/);
  });
});
