import { type Clock, systemClock } from '../../shared/clock.ts';

/**
 * Client-side pacing so we stay under HubSpot's limits instead of bouncing off them: a sliding-window limiter per
 * portal for the ten-secondly limit, and another for search (per second). A sliding window matches HubSpot's
 * `TEN_SECONDLY_ROLLING` policy; the margin absorbs the gap between when we send and when HubSpot counts.
 */

/** `whenFree` paces over this fraction of the window: a burst of at most a tenth of the budget, then the refill rate. */
const PACE_SLICES = 10;

export class SlidingWindowLimiter {
  readonly #sent: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly clock: Clock = systemClock,
    /** Extra spacing added to the window to absorb clock and latency skew. */
    private readonly marginMs = 50,
  ) {
    if (!(max >= 1)) throw new Error('limiter max must be at least 1');
  }

  /** Resolves when one more request may be sent; callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#waitForSlot());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Resolves once `calls` requests could start at once without waiting (at most the window's whole budget) and without
   * spending faster than the window refills — the last tenth of the window holds at most a tenth of the budget with
   * them (none at all, for more than a tenth) — taking no slot. For work that gathers what to send while it waits (the
   * webhook drain's next round): it sends more per call rather than the same calls later, at an even pace, and never
   * fills the window for everyone else. The pace counts every sender's calls, so under others' steady traffic it is
   * kept for at most half a window; then room in the whole window is enough.
   */
  async whenFree(calls: number): Promise<void> {
    if (!Number.isFinite(this.max)) return;
    const wanted = Math.min(Math.max(1, calls), this.max);
    const paceBudget = Math.max(wanted, Math.floor(this.max / PACE_SLICES));
    const paceUntil = this.clock.now() + this.windowMs / 2;
    const waitFor = () => {
      const room = this.#waitFor(wanted);
      const left = paceUntil - this.clock.now();
      if (left <= 0) return room;
      return Math.max(room, Math.min(left, this.#waitFor(wanted, paceBudget, this.windowMs / PACE_SLICES)));
    };
    for (let wait = waitFor(); wait > 0; wait = waitFor()) await this.clock.sleep(wait);
  }

  /** Forgets the sends that have left the window by `now`. */
  #prune(now: number): void {
    const horizon = now - this.windowMs - this.marginMs;
    while (this.#sent.length > 0 && (this.#sent[0] ?? 0) <= horizon) this.#sent.shift();
  }

  /** How long until `wanted` more sends fit in `budget` per `windowMs` (0: they fit now; by default the whole window). */
  #waitFor(wanted: number, budget = this.max, windowMs = this.windowMs): number {
    const now = this.clock.now();
    this.#prune(now);
    const horizon = now - windowMs - this.marginMs;
    let first = this.#sent.length;
    while (first > 0 && (this.#sent[first - 1] ?? 0) > horizon) first -= 1;
    if (budget - (this.#sent.length - first) >= wanted) return 0;
    const freeing = this.#sent[this.#sent.length - (budget - wanted) - 1] ?? now;
    return Math.max(1, freeing + windowMs + this.marginMs - now);
  }

  /**
   * Aligns with the server's count (`X-HubSpot-RateLimit-Remaining` of `-Max`): calls we did not send — another
   * process, a replica, our previous run — are counted as if sent now, so we slow down instead of meeting a 429.
   */
  observeRemaining(remaining: number, max: number): void {
    if (!Number.isFinite(this.max) || !Number.isFinite(remaining) || !Number.isFinite(max)) return;
    const now = this.clock.now();
    this.#prune(now);
    const serverUsed = Math.max(0, max - remaining);
    // Our own budget is a little under the server's max: scale the server's view onto it.
    const unseen = Math.min(this.max, Math.ceil((serverUsed * this.max) / max)) - this.#sent.length;
    for (let i = 0; i < unseen; i += 1) this.#sent.push(now);
  }

  async #waitForSlot(): Promise<void> {
    if (!Number.isFinite(this.max)) return;
    for (let wait = this.#waitFor(1); wait > 0; wait = this.#waitFor(1)) await this.clock.sleep(wait);
    // Taken in the same synchronous step as the check that found room.
    this.#sent.push(this.clock.now());
  }
}

export interface PortalLimits {
  /** Requests per rolling window (HubSpot: 110 per 10 s for a public app; we default a little under). */
  tenSecondly: number;
  windowMs: number;
  searchPerSecond: number;
}

export const DEFAULT_PORTAL_LIMITS: PortalLimits = { tenSecondly: 108, windowMs: 10_000, searchPerSecond: 5 };

export class PortalRateLimiter {
  readonly general: SlidingWindowLimiter;
  readonly search: SlidingWindowLimiter;

  constructor(limits: PortalLimits = DEFAULT_PORTAL_LIMITS, clock: Clock = systemClock) {
    this.general = new SlidingWindowLimiter(limits.tenSecondly, limits.windowMs, clock);
    this.search = new SlidingWindowLimiter(limits.searchPerSecond, 1000, clock);
  }
}
