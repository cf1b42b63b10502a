/**
 * Failed calls to other systems (a CRM API, a partner's webhook endpoint), one mechanism for all of them: each adapter
 * has one pure classifier that turns a failure into a `RetryDecision`, and every classifier reads `Retry-After` with
 * `retryAfterMs`. The caller carries the decision out (sleeps and repeats, refreshes a token, reschedules, gives up).
 */
export type RetryDecision =
  /** Worth another try: after `waitMs` when the classifier knows how long (a `Retry-After`), else the caller's backoff. */
  | { action: 'retry'; waitMs?: number; reason: string }
  /** The credentials were rejected: refresh them, then try once more. */
  | { action: 'refresh'; reason: string }
  /** Final: trying again cannot help. `dailyLimit`: a daily quota is spent, so the work is rescheduled, not spun. */
  | { action: 'fail'; reason: string; dailyLimit?: boolean }
  /** Not an error for this call (a single read of a record that is gone). */
  | { action: 'ignore'; reason: string };

/** A decision whose retries always say how long to wait: for callers without a backoff of their own. */
export type TimedRetryDecision =
  | Exclude<RetryDecision, { action: 'retry' }>
  | { action: 'retry'; waitMs: number; reason: string };

/**
 * A longer hint is clamped to this: past a day the caller's own scheduling is the better judge, and Node's timers
 * overflow beyond 2^31-1 ms (about 24.8 days) and would fire at once.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

const DELAY_SECONDS = /^\d+$/;
/** IMF-fixdate, RFC 850 and asctime all start with a day name; `Date.parse` alone would accept "1.5" or "soon 2". */
const HTTP_DATE = /^[A-Za-z]{3}/;

/**
 * A `Retry-After` header (RFC 9110 §10.2.3) as milliseconds to wait from `nowMs`: delay-seconds (digits only) or an
 * HTTP-date (a past date waits 0). Undefined when absent or not one of those forms; clamped to `MAX_RETRY_AFTER_MS`.
 */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let waitMs: number;
  if (DELAY_SECONDS.test(text)) {
    waitMs = Number(text) * 1000;
  } else {
    const at = HTTP_DATE.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    waitMs = Math.max(0, at - nowMs);
  }
  return Math.min(waitMs, MAX_RETRY_AFTER_MS);
}
