/**
 * Time as the code sees it. Production runs on the system clock; tests, benchmarks and the sandbox pass a manual one
 * (src/shared/testing/manual-clock.ts) so rate-limit windows, backoffs, token expiry and webhook timestamps pass
 * without sleeping. The one clock of the codebase: the HubSpot client's pacing and the sandbox both take it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; a manual clock moves its time forward instead of waiting. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
