import type { Request, RequestHandler, Response } from 'express';
import { RateLimitedError } from '../../../src/shared/errors.ts';

/** A tenant's request budget on the signed API: `requests` per `perSeconds`, refilled continuously. */
export interface ApiBudget {
  requests: number;
  perSeconds: number;
}

/** 100 requests / 10 s per portal: a card load is ~3 calls, a busy operator page a few dozen. */
export const DEFAULT_API_BUDGET: ApiBudget = { requests: 100, perSeconds: 10 };

/** Buckets idle this long are full again anyway; they are dropped so the map does not grow forever. */
const IDLE_BUCKET_MS = 10 * 60_000;

export type ThrottleDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (the signed portal): it holds up to `requests` tokens, gains `requests / perSeconds` tokens
 * per second, and each request takes one; an empty bucket refuses with the seconds until the next token. Pure given
 * the clock. Buckets live in this process: behind N replicas a tenant may get up to N times the budget (README).
 */
export class TenantThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #perMs: number;
  #lastSweep = 0;

  constructor(
    readonly budget: ApiBudget = DEFAULT_API_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    if (!(budget.requests >= 1) || !(budget.perSeconds > 0)) {
      throw new RangeError('an API budget needs at least 1 request per a positive number of seconds');
    }
    this.#capacity = budget.requests;
    this.#perMs = budget.requests / (budget.perSeconds * 1000);
  }

  take(key: string): ThrottleDecision {
    const now = this.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedAt: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.#perMs);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < IDLE_BUCKET_MS) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) if (now - bucket.updatedAt > IDLE_BUCKET_MS) this.#buckets.delete(key);
  }
}

/**
 * Spends one token of the signed portal's budget (mount after the signature check, so nobody can spend another
 * portal's budget by naming it). Requests that name no portal pass through to the tenant check, which refuses them.
 */
export function throttleSignedPortal(throttle: TenantThrottle): RequestHandler {
  return throttleBy(throttle, 'HubSpot portal', (req) =>
    typeof req.query.portalId === 'string' ? req.query.portalId : undefined,
  );
}

/**
 * A request budget per verified caller (`keyOf` answers undefined: not counted): over it, 429 `rate_limited` with
 * `Retry-After`, before the handler runs. `what` names the caller in the message ("HubSpot portal", "Salesforce org").
 */
export function throttleBy(
  throttle: TenantThrottle,
  what: string,
  keyOf: (req: Request, res: Response) => string | undefined,
): RequestHandler {
  return (req, res, next) => {
    const key = keyOf(req, res);
    if (key === undefined) {
      next();
      return;
    }
    const decision = throttle.take(key);
    if (decision.allowed) {
      next();
      return;
    }
    res.setHeader('Retry-After', String(decision.retryAfterSeconds));
    next(
      new RateLimitedError(
        `too many requests for this ${what} (budget ${throttle.budget.requests} per ${throttle.budget.perSeconds} s); ` +
          `retry in ${decision.retryAfterSeconds} s`,
        { details: [{ retryAfterSeconds: decision.retryAfterSeconds }] },
      ),
    );
  };
}
