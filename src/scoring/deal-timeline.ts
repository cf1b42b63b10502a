import type { Deal } from '../model/deal.ts';
import { InvalidInputError } from '../shared/errors.ts';

/**
 * What a deal looked like on the as-of date. All dates are UTC calendar days: a deal is known at as-of when it was
 * created on or before that day, and closed at as-of when it is closed (or won) and its close date is on or before
 * that day. A deal that closed after as-of is still open at as-of, so re-running an old as-of never sees the future.
 * A closed deal without a close date is taken as closed (the flag is all we have).
 */
export type DealStateAtAsOf = 'not_created' | 'open' | 'won' | 'lost';

const DAY_MS = 86_400_000;
const AS_OF_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD date as a day number (days since 1970-01-01 UTC); rejects impossible dates such as 2026-02-30. */
export function parseAsOf(value: string, label = 'as-of'): number {
  const ms = AS_OF_PATTERN.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new InvalidInputError(`${label}: expected a date YYYY-MM-DD, got "${value}"`);
  }
  return ms / DAY_MS;
}

/** The UTC day number of an ISO-8601 date or date-time (the model has validated the format). */
export function dayNumber(isoDateOrDateTime: string): number {
  return Math.floor(Date.parse(isoDateOrDateTime) / DAY_MS);
}

export function todayAsOf(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function dealStateAt(deal: Deal, asOfDay: number): DealStateAtAsOf {
  if (dayNumber(deal.createdAt) > asOfDay) return 'not_created';
  const closed = deal.isClosed || deal.isWon;
  if (!closed) return 'open';
  if (deal.closeDate !== null && dayNumber(deal.closeDate) > asOfDay) return 'open';
  return deal.isWon ? 'won' : 'lost';
}

/** The distinct partner ids on a deal (a partner listed twice, in two roles, is one partner of the deal). */
export function partnerIdsOf(deal: Deal): string[] {
  return [...new Set(deal.partners.map((p) => p.partnerId))];
}
