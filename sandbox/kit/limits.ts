/**
 * HubSpot's request limits as the sandbox enforces them (sources in docs/BEHAVIOR.md):
 * - a rolling 10-second window per portal (`TEN_SECONDLY_ROLLING`, 110 requests for a public OAuth app),
 * - the search endpoints separately, per portal per second (5), exempt from the 10-second window,
 * - optionally a daily quota (private apps have one; OAuth apps do not, so it is off by default),
 * - batch inputs (100 per object batch), search page size (200) and result cap (10,000), request body (1 MB).
 * Every number is an option so benchmarks can raise them.
 */

export interface SandboxLimits {
  /** Requests per portal in the rolling window (default 110). `Infinity` disables the limit. */
  tenSecondly: number;
  /** The rolling window length (default 10,000 ms). */
  windowMs: number;
  /** Search requests per portal per second (default 5). */
  searchPerSecond: number;
  /** Requests per portal per UTC day; undefined = no daily limit (OAuth apps). */
  daily: number | undefined;
  /** Inputs per object batch call (read/create/update/upsert/archive) (default 100). */
  batchInputs: number;
  /** Inputs per associations batch call (default 1,000). */
  associationBatchInputs: number;
  /**
   * Associations of one record per page of an association batch read (default 500, _sandbox choice_: HubSpot pages
   * per record with `paging.next.after` but does not state the page size).
   */
  associationsPerObjectPage: number;
  searchPageSize: number;
  searchMaxResults: number;
  /** Largest accepted request body (default 1 MB). */
  maxBodyBytes: number;
  /** List (GET) page size ceiling (default 100). */
  listPageSize: number;
  /** Send `Retry-After` (seconds) on 429s; HubSpot does not document it, so it can be turned off. */
  sendRetryAfter: boolean;
  /**
   * The 2026-03 associations OpenAPI spec marks its batch endpoints `x-hubspot-rate-limit-exemptions: ten-secondly`.
   * Off by default (count them, the stricter reading); on, association calls skip the 10-second window.
   */
  exemptAssociationsFromTenSecondly: boolean;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  tenSecondly: 110,
  windowMs: 10_000,
  searchPerSecond: 5,
  daily: undefined,
  batchInputs: 100,
  associationBatchInputs: 1_000,
  associationsPerObjectPage: 500,
  searchPageSize: 200,
  searchMaxResults: 10_000,
  maxBodyBytes: 1_048_576,
  listPageSize: 100,
  sendRetryAfter: true,
  exemptAssociationsFromTenSecondly: false,
};

/** Limits high enough that a benchmark measures the client, not the sandbox. */
export const BENCHMARK_LIMITS: Partial<SandboxLimits> = {
  tenSecondly: Number.POSITIVE_INFINITY,
  searchPerSecond: Number.POSITIVE_INFINITY,
};

export interface WindowDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When refused: how long until one slot frees up. */
  retryAfterMs: number;
}

/**
 * A rolling window: a request is allowed when fewer than `max` requests were allowed in the last `windowMs`.
 * Timestamps sit in a queue (head index instead of shift, compacted now and then) so a raised limit stays cheap.
 */
export class RollingWindow {
  private stamps: number[] = [];
  private head = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  private evict(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.stamps.length && (this.stamps[this.head] ?? 0) <= cutoff) this.head++;
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  used(now: number): number {
    this.evict(now);
    return this.stamps.length - this.head;
  }

  tryAcquire(now: number): WindowDecision {
    if (!Number.isFinite(this.max)) return { allowed: true, limit: this.max, remaining: this.max, retryAfterMs: 0 };
    const used = this.used(now);
    if (used >= this.max) {
      const oldest = this.stamps[this.head] ?? now;
      return { allowed: false, limit: this.max, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
    }
    this.stamps.push(now);
    return { allowed: true, limit: this.max, remaining: this.max - used - 1, retryAfterMs: 0 };
  }
}

/** A per-UTC-day counter (HubSpot resets daily limits at midnight in the account's time zone; UTC here). */
export class DailyQuota {
  private day = -1;
  private used = 0;

  constructor(readonly max: number) {}

  tryAcquire(now: number): WindowDecision {
    const day = Math.floor(now / 86_400_000);
    if (day !== this.day) {
      this.day = day;
      this.used = 0;
    }
    if (this.used >= this.max) {
      return { allowed: false, limit: this.max, remaining: 0, retryAfterMs: (day + 1) * 86_400_000 - now };
    }
    this.used++;
    return { allowed: true, limit: this.max, remaining: this.max - this.used, retryAfterMs: 0 };
  }
}

export type LimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

export interface LimitOutcome {
  allowed: boolean;
  /** Which policy refused, when refused. */
  policy?: LimitPolicy;
  retryAfterMs: number;
  headers: Record<string, string>;
}

/** The limits of one portal: the 10-second window, the search window and the optional daily quota. */
export class PortalLimiter {
  private readonly general: RollingWindow;
  private readonly search: RollingWindow;
  private readonly daily: DailyQuota | undefined;

  constructor(private readonly limits: SandboxLimits) {
    this.general = new RollingWindow(limits.tenSecondly, limits.windowMs);
    this.search = new RollingWindow(limits.searchPerSecond, 1_000);
    this.daily = limits.daily === undefined ? undefined : new DailyQuota(limits.daily);
  }

  check(kind: 'general' | 'search' | 'exempt', now: number): LimitOutcome {
    const headers: Record<string, string> = {};
    if (this.daily) {
      const day = this.daily.tryAcquire(now);
      headers['X-HubSpot-RateLimit-Daily'] = String(day.limit);
      headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(day.remaining);
      if (!day.allowed) return { allowed: false, policy: 'DAILY', retryAfterMs: day.retryAfterMs, headers };
    }
    if (kind === 'search') {
      // Search is exempt from the 10-second window and has its own per-second limit (no X-HubSpot-RateLimit-* for it).
      const decision = this.search.tryAcquire(now);
      return decision.allowed
        ? { allowed: true, retryAfterMs: 0, headers }
        : { allowed: false, policy: 'SECONDLY', retryAfterMs: decision.retryAfterMs, headers };
    }
    if (kind === 'exempt') return { allowed: true, retryAfterMs: 0, headers };
    const decision = this.general.tryAcquire(now);
    if (Number.isFinite(decision.limit)) {
      headers['X-HubSpot-RateLimit-Max'] = String(decision.limit);
      headers['X-HubSpot-RateLimit-Remaining'] = String(decision.remaining);
      headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(this.limits.windowMs);
    }
    return decision.allowed
      ? { allowed: true, retryAfterMs: 0, headers }
      : { allowed: false, policy: 'TEN_SECONDLY_ROLLING', retryAfterMs: decision.retryAfterMs, headers };
  }
}

/** HubSpot's 429 body for each policy; the SDK's retry decorator keys on `policyName` and on the search message. */
export function rateLimitBody(policy: LimitPolicy, appId: number, portalId: number) {
  switch (policy) {
    case 'TEN_SECONDLY_ROLLING':
      return {
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        groupName: `publicapi:oauth-api-calls-ten-secondly:${appId}:${portalId}`,
      };
    case 'SECONDLY':
      return {
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'SECONDLY',
        groupName: `publicapi:search-secondly:${portalId}`,
      };
    case 'DAILY':
      return {
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
        groupName: `publicapi:api-calls-daily:${portalId}`,
      };
  }
}
