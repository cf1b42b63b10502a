import { retryAfterMs, type TimedRetryDecision } from '../../shared/retry-after.ts';

/**
 * What to do about one failed HubSpot call. Pure: a status/body/headers (or a network error) in, the shared decision
 * out (src/shared/retry-after.ts), every retry with its wait since the client has no backoff of its own.
 * Sources for every rule are in docs/BEHAVIOR.md ("HubSpot client").
 */
export type ErrorDecision = TimedRetryDecision;

export interface FailedCall {
  /** HTTP status; undefined for a network failure (reset, timeout, refused). */
  status: number | undefined;
  body?: unknown;
  /** `Retry-After` header value, if any. */
  retryAfter?: string | null | undefined;
  /** `X-HubSpot-RateLimit-Interval-Milliseconds`, if any. */
  intervalMs?: string | null | undefined;
  /** Network error code (ECONNRESET, ETIMEDOUT, …). */
  networkCode?: string | undefined;
  /** Which try just failed (1 = the first). */
  attempt: number;
  /** Whether repeating the call cannot change the outcome (reads, absolute writes keyed by id). */
  idempotent: boolean;
  /** Whether the token was already refreshed for this call (a second 401 is final). */
  refreshed?: boolean;
  /** The call is a read of one record: a 404 means "gone", not an error. */
  notFoundIsEmpty?: boolean;
}

const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

function policyName(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as { policyName?: unknown }).policyName;
  return typeof value === 'string' ? value : undefined;
}

export function classifyError(call: FailedCall, options: { now?: number; random?: () => number } = {}): ErrorDecision {
  const now = options.now ?? Date.now();
  const random = options.random ?? Math.random;
  const { status } = call;

  if (status === undefined) {
    // The request may or may not have reached HubSpot: only a call that is safe to repeat is retried.
    if (!call.idempotent)
      return { action: 'fail', reason: `network error (${call.networkCode ?? 'unknown'}) on a non-idempotent call` };
    return {
      action: 'retry',
      waitMs: backoffMs(call.attempt, random),
      reason: `network error ${call.networkCode ?? 'unknown'}`,
    };
  }

  if (status === 429) {
    const policy = policyName(call.body);
    // A daily quota does not come back by waiting seconds: fail and let the job reschedule.
    if (policy === 'DAILY') return { action: 'fail', reason: 'daily API limit reached', dailyLimit: true };
    // A 429 was not processed, so retrying is safe even for non-idempotent calls.
    const hinted = retryAfterMs(call.retryAfter, now);
    const interval = policy === 'SECONDLY' ? 1000 : Number(call.intervalMs) || 10_000;
    const waitMs = hinted ?? Math.round(interval * (0.25 + random() * 0.25));
    return { action: 'retry', waitMs, reason: `rate limited (${policy ?? 'unknown policy'})` };
  }
  if (status === 401) {
    return call.refreshed
      ? { action: 'fail', reason: 'unauthorized after token refresh' }
      : { action: 'refresh', reason: 'access token rejected' };
  }
  if (status === 404 && call.notFoundIsEmpty) return { action: 'ignore', reason: 'record not found' };
  if (status === 408 || status >= 500) {
    if (!call.idempotent) return { action: 'fail', reason: `HTTP ${status} on a non-idempotent call` };
    const hinted = retryAfterMs(call.retryAfter, now);
    return { action: 'retry', waitMs: hinted ?? backoffMs(call.attempt, random), reason: `HTTP ${status}` };
  }
  return { action: 'fail', reason: `HTTP ${status}` };
}
