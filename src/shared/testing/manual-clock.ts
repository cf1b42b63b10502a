import type { Clock } from '../clock.ts';

/**
 * A clock moved by hand (`advance`, `set`) whose `sleep` returns at once and moves time forward, recording each wait
 * in `sleeps`. Tests of the HubSpot client's pacing use it, and so do the sandbox's tests for rate-limit windows,
 * token expiry and webhook timestamps (sandbox/ may import src/, never the reverse, so it lives here).
 */
export class ManualClock implements Clock {
  /** Every wait asked of `sleep`, in order. */
  readonly sleeps: number[] = [];

  constructor(private current = Date.UTC(2026, 5, 30, 12, 0, 0)) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
