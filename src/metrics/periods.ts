import { InvalidInputError } from '../shared/errors.ts';

/**
 * Reporting periods of the Operator OS (SPEC §2.5), all in UTC: ISO weeks (Monday 00:00), calendar months and
 * calendar quarters. A period is the half-open interval [start, end): a deal created at `end` belongs to the next one.
 */
export const PERIOD_KINDS = ['week', 'month', 'quarter'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export interface Period {
  kind: PeriodKind;
  /** First day, YYYY-MM-DD (inclusive). */
  start: string;
  /** The day after the last day, YYYY-MM-DD (exclusive). */
  end: string;
}

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function isPeriodKind(value: string): value is PeriodKind {
  return (PERIOD_KINDS as readonly string[]).includes(value);
}

/** A YYYY-MM-DD day as UTC midnight in ms; rejects impossible dates such as 2026-02-30. */
export function parseDay(value: string, label = 'date'): number {
  const ms = DATE_PATTERN.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || formatDay(ms) !== value) {
    throw new InvalidInputError(`${label}: expected a date YYYY-MM-DD, got "${value}"`);
  }
  return ms;
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The start (UTC midnight) of the period of `kind` that contains the instant `ms`. */
function startOfPeriodContaining(kind: PeriodKind, ms: number): number {
  const at = new Date(ms);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  switch (kind) {
    case 'week': {
      const day = Date.UTC(year, month, at.getUTCDate());
      const weekday = (at.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
      return day - weekday * DAY_MS;
    }
    case 'month':
      return Date.UTC(year, month, 1);
    case 'quarter':
      return Date.UTC(year, month - (month % 3), 1);
  }
}

function addPeriods(kind: PeriodKind, startMs: number, count: number): number {
  if (kind === 'week') return startMs + count * 7 * DAY_MS;
  const at = new Date(startMs);
  const months = kind === 'month' ? count : 3 * count;
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1);
}

function periodFrom(kind: PeriodKind, startMs: number): Period {
  return { kind, start: formatDay(startMs), end: formatDay(addPeriods(kind, startMs, 1)) };
}

/**
 * The last complete period of `kind` that ends on or before the day `asOf` (SPEC §2.5): as-of 2026-07-01 covers the
 * quarter [2026-04-01, 2026-07-01), as-of 2026-06-30 the quarter before it. The as-of day itself is never covered:
 * it has not ended.
 */
export function coveredPeriod(kind: PeriodKind, asOf: string): Period {
  const asOfMs = parseDay(asOf, 'as-of');
  const end = startOfPeriodContaining(kind, asOfMs);
  return periodFrom(kind, addPeriods(kind, end, -1));
}

/** The period `count` periods before (negative) or after (positive) `period`. */
export function shiftPeriod(period: Period, count: number): Period {
  return periodFrom(period.kind, addPeriods(period.kind, parseDay(period.start), count));
}

/** `period` and the `count - 1` periods before it, oldest first. */
export function periodsEndingWith(period: Period, count: number): Period[] {
  return Array.from({ length: count }, (_, i) => shiftPeriod(period, i - count + 1));
}

/** The period of `kind` that contains the day `day` (the current, usually incomplete, one). */
export function periodContaining(kind: PeriodKind, day: string): Period {
  return periodFrom(kind, startOfPeriodContaining(kind, parseDay(day)));
}

/** Bounds in ms, for fast membership tests: start ≤ t < end. */
export function periodBounds(period: Period): { startMs: number; endMs: number } {
  return { startMs: parseDay(period.start), endMs: parseDay(period.end) };
}

/** The last day inside the period (YYYY-MM-DD): what "as of the end of P" means for day-based engines. */
export function lastDayOf(period: Period): string {
  return formatDay(parseDay(period.end) - DAY_MS);
}

/** A stable, human-readable key: `2026-W27`, `2026-07`, `2026-Q3` (ISO week-numbering year for weeks). */
export function periodKey(period: Period): string {
  const startMs = parseDay(period.start);
  const at = new Date(startMs);
  switch (period.kind) {
    case 'month':
      return period.start.slice(0, 7);
    case 'quarter':
      return `${at.getUTCFullYear()}-Q${Math.floor(at.getUTCMonth() / 3) + 1}`;
    case 'week': {
      // The ISO week belongs to the year of its Thursday.
      const thursday = new Date(startMs + 3 * DAY_MS);
      const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
      const week = Math.floor((thursday.getTime() - yearStart) / DAY_MS / 7) + 1;
      return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
    }
  }
}

const KEY_PATTERNS: Readonly<Record<PeriodKind, RegExp>> = {
  week: /^(\d{4})-W(\d{2})$/,
  month: /^(\d{4})-(\d{2})$/,
  quarter: /^(\d{4})-Q([1-4])$/,
};

/** The period a key of `periodKey` names (the inverse); a malformed key is refused in words. */
export function periodFromKey(kind: PeriodKind, key: string): Period {
  const match = KEY_PATTERNS[kind].exec(key);
  const year = Number(match?.[1]);
  const index = Number(match?.[2]);
  let startMs = Number.NaN;
  if (match && kind === 'month' && index >= 1 && index <= 12) startMs = Date.UTC(year, index - 1, 1);
  if (match && kind === 'quarter') startMs = Date.UTC(year, 3 * (index - 1), 1);
  if (match && kind === 'week' && index >= 1 && index <= 53) {
    // Week 1 is the week holding January 4th.
    const week1 = startOfPeriodContaining('week', Date.UTC(year, 0, 4));
    startMs = week1 + (index - 1) * 7 * DAY_MS;
  }
  const period = Number.isNaN(startMs) ? undefined : periodFrom(kind, startMs);
  if (period === undefined || periodKey(period) !== key) {
    throw new InvalidInputError(`period: expected a ${kind} key such as ${EXAMPLE_KEYS[kind]}, got "${key}"`);
  }
  return period;
}

const EXAMPLE_KEYS: Readonly<Record<PeriodKind, string>> = { week: '2026-W27', month: '2026-07', quarter: '2026-Q3' };
