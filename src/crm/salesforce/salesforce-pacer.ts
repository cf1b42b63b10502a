import { type Clock, systemClock } from '../../shared/clock.ts';

/**
 * Pacing against a Salesforce org's API allowance. The org has one pool of API calls for every integration it runs,
 * counted over a rolling 24 hours (not reset at midnight): calls come back as the calls of 24 hours earlier age out.
 * Every REST response says how much of the pool is used (`Sforce-Limit-Info: api-usage=used/limit`). PartnerLoop
 * takes a configured share of what is left and keeps a reserve untouched, so it never starves the customer's other
 * integrations, and a run that would need more stops and is rescheduled instead of spending the org dry. Pure: time
 * comes from the clock passed in. (Salesforce: "API Request Limits and Allocations", "Limit Info Header".)
 */

export interface ApiUsage {
  used: number;
  limit: number;
}

export const API_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The org's usage from a `Sforce-Limit-Info` header (`api-usage=18/5000`, possibly with `per-app-api-usage=…` or
 * `api-bursts=…` beside it). Only the org-wide `api-usage` counts: a connected app's own quota is matched by name so it
 * is never mistaken for the org's. Usage can exceed the limit (Salesforce tolerates bursts).
 */
export function apiUsage(header: string | null | undefined): ApiUsage | undefined {
  const match = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/i.exec(header ?? '');
  if (!match) return undefined;
  const used = Number(match[1]);
  const limit = Number(match[2]);
  return Number.isSafeInteger(used) && Number.isSafeInteger(limit) && limit > 0 ? { used, limit } : undefined;
}

/**
 * How long until `needed` more calls fit under `ceiling` (default: the org's limit). The window rolls, so nothing
 * resets at a known moment; assuming the last 24 hours were used evenly, `used / 24 h` calls age out per millisecond.
 * An estimate, at most a whole window.
 */
export function allowanceWaitMs(usage: ApiUsage, needed: number, ceiling: number = usage.limit): number {
  const excess = usage.used + needed - ceiling;
  if (excess <= 0) return 0;
  if (usage.used <= 0) return API_WINDOW_MS;
  return Math.min(API_WINDOW_MS, Math.ceil((excess * API_WINDOW_MS) / usage.used));
}

export interface PacerOptions {
  /** The share (0–1] of the allowance left when the run starts that the run may spend. */
  share: number;
  /** The fraction of the org's limit PartnerLoop never touches (default 0.1): the customer's own headroom. */
  reserve?: number;
  /** Calls a run may make while no response has told the org's usage (default 100). */
  unknownBudget?: number;
}

export interface RunAllowance {
  /** Calls the run may still make. */
  calls: number;
  /** 0 when `needed` calls fit now; else an estimate of when they will (reschedule then). */
  waitMs: number;
  reason: string;
}

/** The last usage seen for an org, and when (persisted between runs by the caller, if it likes). */
export interface UsageReading {
  usage: ApiUsage;
  at: number;
}

/**
 * One run's budget of calls in one org. `observe` every response's usage, `take` before every call: false means the
 * run's share is spent (or the org is down to the reserve) and the run should checkpoint and stop. `plan` answers how
 * many calls fit and, when too few, how long to wait.
 */
export class SalesforcePacer {
  readonly #share: number;
  readonly #reserve: number;
  readonly #unknownBudget: number;
  readonly #clock: Pick<Clock, 'now'>;
  #reading: UsageReading | undefined;
  /** Calls taken since the last reading (the next response's header will include them). */
  #sinceReading = 0;
  #spent = 0;
  #budget: number | undefined;

  constructor(options: PacerOptions, clock: Pick<Clock, 'now'> = systemClock, last?: UsageReading) {
    if (!(options.share > 0 && options.share <= 1)) throw new Error('the pacer share must be in (0, 1]');
    const reserve = options.reserve ?? 0.1;
    if (!(reserve >= 0 && reserve < 1)) throw new Error('the pacer reserve must be in [0, 1)');
    this.#share = options.share;
    this.#reserve = reserve;
    this.#unknownBudget = Math.max(1, Math.floor(options.unknownBudget ?? 100));
    this.#clock = clock;
    this.#reading = last;
  }

  /** Records the usage a response reported. */
  observe(usage: ApiUsage | undefined): void {
    if (!usage) return;
    this.#reading = { usage, at: this.#clock.now() };
    this.#sinceReading = 0;
  }

  /** The last reading, to persist for the next run. */
  get reading(): UsageReading | undefined {
    return this.#reading;
  }

  /**
   * The org's usage now as best known: the last reading, less what has aged out of the window since (evenly used, as
   * in `allowanceWaitMs`), plus the calls taken since.
   */
  #usageNow(): ApiUsage | undefined {
    if (!this.#reading) return undefined;
    const { usage, at } = this.#reading;
    const aged = Math.min(1, Math.max(0, (this.#clock.now() - at) / API_WINDOW_MS));
    return { used: Math.ceil(usage.used * (1 - aged)) + this.#sinceReading, limit: usage.limit };
  }

  /** The ceiling PartnerLoop may bring the org's usage to. */
  #ceiling(usage: ApiUsage): number {
    return Math.floor(usage.limit * (1 - this.#reserve));
  }

  #remaining(): { calls: number; usage: ApiUsage | undefined } {
    const usage = this.#usageNow();
    if (!usage) return { calls: Math.max(0, this.#unknownBudget - this.#spent), usage };
    const available = Math.max(0, this.#ceiling(usage) - usage.used);
    // The run's budget is fixed by the first reading it sees: re-taking a share of a shrinking rest on every
    // response would let one long run drain most of the pool.
    if (this.#budget === undefined) this.#budget = this.#spent + Math.floor(available * this.#share);
    return { calls: Math.max(0, Math.min(this.#budget - this.#spent, available)), usage };
  }

  /** How many calls fit now, and if fewer than `needed`, how long until they would. */
  plan(needed = 1): RunAllowance {
    const { calls, usage } = this.#remaining();
    if (calls >= needed) return { calls, waitMs: 0, reason: `${calls} calls left in this run's share` };
    if (!usage) return { calls, waitMs: 0, reason: 'the org has not reported its usage yet' };
    // The next run's share must cover `needed`: the allowance above the reserve must reach needed / share.
    const wanted = Math.ceil(needed / this.#share);
    const waitMs = allowanceWaitMs(usage, wanted, this.#ceiling(usage));
    return {
      calls,
      waitMs,
      reason: `the org has used ${usage.used} of ${usage.limit} API calls in 24 hours; PartnerLoop keeps ${Math.round(this.#reserve * 100)} % for others`,
    };
  }

  /** Takes one call of the run's budget; false when none is left. */
  take(): boolean {
    if (this.#remaining().calls < 1) return false;
    this.#spent += 1;
    this.#sinceReading += 1;
    return true;
  }
}
