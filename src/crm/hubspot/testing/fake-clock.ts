import type { Clock } from '../rate-limiter.ts';

/** A clock whose sleeps return at once and move time forward; `sleeps` records every wait. */
export function fakeClock(start = 0): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
