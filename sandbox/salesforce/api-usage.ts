/**
 * The org's API request allowance: requests counted over a rolling 24 hours (Salesforce limits cheatsheet, "API
 * Request Limits and Allocations": the total is per rolling 24-hour period; a new Developer Edition org has 15,000,
 * Enterprise 100,000 + 1,000 per licence). Counted in one-minute buckets, so memory stays flat whatever the limit and
 * a call leaves the window within a minute of its 24 hours. Refused calls are not counted.
 */
export class ApiUsage {
  private readonly buckets: number[];
  private readonly stamps: number[];
  private total = 0;
  private evictedAt = Number.NaN;

  constructor(
    readonly max: number,
    readonly windowMs = 86_400_000,
    readonly bucketMs = 60_000,
  ) {
    const slots = Math.ceil(windowMs / bucketMs);
    this.buckets = new Array<number>(slots).fill(0);
    this.stamps = new Array<number>(slots).fill(-1);
  }

  private evict(now: number): void {
    const current = Math.floor(now / this.bucketMs);
    // Nothing can leave the window until the minute turns.
    if (current === this.evictedAt) return;
    this.evictedAt = current;
    const oldest = current - this.buckets.length + 1;
    for (let slot = 0; slot < this.buckets.length; slot++) {
      const stamp = this.stamps[slot] ?? -1;
      if (stamp !== -1 && stamp < oldest) {
        this.total -= this.buckets[slot] ?? 0;
        this.buckets[slot] = 0;
        this.stamps[slot] = -1;
      }
    }
  }

  used(now: number): number {
    this.evict(now);
    return this.total;
  }

  /** Counts one call unless the allowance is spent. */
  tryConsume(now: number): { allowed: boolean; used: number; max: number } {
    this.evict(now);
    if (this.total >= this.max) return { allowed: false, used: this.total, max: this.max };
    const bucket = Math.floor(now / this.bucketMs);
    const slot = bucket % this.buckets.length;
    if (this.stamps[slot] !== bucket) {
      this.total -= this.buckets[slot] ?? 0;
      this.buckets[slot] = 0;
      this.stamps[slot] = bucket;
    }
    this.buckets[slot] = (this.buckets[slot] ?? 0) + 1;
    this.total++;
    return { allowed: true, used: this.total, max: this.max };
  }

  reset(): void {
    this.buckets.fill(0);
    this.stamps.fill(-1);
    this.total = 0;
    this.evictedAt = Number.NaN;
  }
}
