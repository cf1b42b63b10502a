/** Time as the sandbox sees it: real by default, a settable clock in tests so windows pass without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand (`advance`), for rate-limit windows, token expiry and webhook timestamps. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 5, 30, 12, 0, 0)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
