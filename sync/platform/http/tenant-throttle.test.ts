import { describe, expect, it } from 'vitest';
import { DEFAULT_API_BUDGET, TenantThrottle } from './tenant-throttle.ts';

/** A throttle on a hand-moved clock. */
function throttleAt(budget = { requests: 10, perSeconds: 10 }) {
  const clock = { now: 1_800_000_000_000 };
  return { clock, throttle: new TenantThrottle(budget, () => clock.now) };
}

describe('per-portal token bucket', () => {
  it('given the default budget, then it is 100 requests per 10 s', () => {
    expect(DEFAULT_API_BUDGET).toEqual({ requests: 100, perSeconds: 10 });
  });

  it.each([
    { case: 'a burst of exactly the budget', takes: 10, elapsedMs: 0, allowed: 10, retryAfter: undefined },
    { case: 'one more than the budget at once', takes: 11, elapsedMs: 0, allowed: 10, retryAfter: 1 },
    { case: 'the budget twice over at once', takes: 20, elapsedMs: 0, allowed: 10, retryAfter: 1 },
  ])(
    'given $case, when taken, then $allowed pass and the next waits $retryAfter s',
    ({ takes, allowed, retryAfter }) => {
      const { throttle } = throttleAt();
      const decisions = Array.from({ length: takes }, () => throttle.take('48151623'));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(allowed);
      const refused = decisions.find((d) => !d.allowed);
      expect(refused && !refused.allowed ? refused.retryAfterSeconds : undefined).toBe(retryAfter);
    },
  );

  it('given an empty bucket, when time passes, then tokens come back at the budget rate and never above it', () => {
    const { clock, throttle } = throttleAt({ requests: 10, perSeconds: 10 });
    for (let i = 0; i < 10; i++) expect(throttle.take('a').allowed).toBe(true);
    expect(throttle.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.now += 1_000; // one token per second
    expect(throttle.take('a')).toEqual({ allowed: true, remaining: 0 });
    expect(throttle.take('a').allowed).toBe(false);
    clock.now += 60_000; // refills to the cap only
    const burst = Array.from({ length: 12 }, () => throttle.take('a').allowed);
    expect(burst.filter(Boolean)).toHaveLength(10);
  });

  it('given a slow budget, when refused, then Retry-After is the whole seconds until the next token', () => {
    const { clock, throttle } = throttleAt({ requests: 5, perSeconds: 60 }); // a token every 12 s
    for (let i = 0; i < 5; i++) throttle.take('a');
    expect(throttle.take('a')).toEqual({ allowed: false, retryAfterSeconds: 12 });
    clock.now += 2_500;
    expect(throttle.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('given portal A over its budget, when portal B asks at the same instant, then B has its full budget', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 15; i++) throttle.take('A');
    expect(throttle.take('A').allowed).toBe(false);
    const b = Array.from({ length: 10 }, () => throttle.take('B'));
    expect(b.every((d) => d.allowed)).toBe(true);
  });

  it.each([
    { requests: 0, perSeconds: 10 },
    { requests: 10, perSeconds: 0 },
    { requests: Number.NaN, perSeconds: 10 },
  ])('given a budget of $requests per $perSeconds s, when built, then it is refused', (budget) => {
    expect(() => new TenantThrottle(budget)).toThrow(RangeError);
  });
});
