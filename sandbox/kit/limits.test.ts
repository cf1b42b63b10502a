import { describe, expect, it } from 'vitest';
import { DailyQuota, DEFAULT_LIMITS, PortalLimiter, RollingWindow, rateLimitBody } from './limits.ts';

describe('RollingWindow', () => {
  it('given 110 requests in 10 s, when the 111th comes, then it is refused until the oldest leaves the window', () => {
    const window = new RollingWindow(110, 10_000);
    for (let i = 0; i < 110; i++) expect(window.tryAcquire(1_000 + i).allowed).toBe(true);
    const refused = window.tryAcquire(1_200);
    expect(refused).toEqual({ allowed: false, limit: 110, remaining: 0, retryAfterMs: 9_800 });
    expect(window.tryAcquire(10_999).allowed).toBe(false);
    expect(window.tryAcquire(11_000).allowed).toBe(true);
  });

  it('given a steady stream, when rolling, then capacity frees one request at a time (not a fixed reset)', () => {
    const window = new RollingWindow(3, 1_000);
    expect([0, 100, 200].map((t) => window.tryAcquire(t).allowed)).toEqual([true, true, true]);
    expect(window.tryAcquire(999).allowed).toBe(false);
    expect(window.tryAcquire(1_000).allowed).toBe(true);
    expect(window.tryAcquire(1_050).allowed).toBe(false);
    expect(window.tryAcquire(1_100).remaining).toBe(0);
  });

  it('given an infinite limit, when used heavily, then nothing is stored or refused', () => {
    const window = new RollingWindow(Number.POSITIVE_INFINITY, 10_000);
    for (let i = 0; i < 10_000; i++) expect(window.tryAcquire(i).allowed).toBe(true);
    expect(window.used(10_000)).toBe(0);
  });

  it('given many requests over time, when the queue compacts, then counts stay right', () => {
    const window = new RollingWindow(50, 100);
    let allowed = 0;
    for (let t = 0; t < 100_000; t++) if (window.tryAcquire(t).allowed) allowed++;
    expect(allowed).toBe(50_000);
  });
});

describe('DailyQuota', () => {
  it('given the quota used up, when the UTC day turns, then it resets', () => {
    const quota = new DailyQuota(2);
    const day = Date.UTC(2026, 5, 30);
    expect(quota.tryAcquire(day + 1).allowed).toBe(true);
    expect(quota.tryAcquire(day + 2).remaining).toBe(0);
    const refused = quota.tryAcquire(day + 3_600_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(23 * 3_600_000);
    expect(quota.tryAcquire(day + 86_400_000).allowed).toBe(true);
  });
});

describe('PortalLimiter', () => {
  it('given general calls, when checked, then the X-HubSpot-RateLimit headers describe the window', () => {
    const limiter = new PortalLimiter(DEFAULT_LIMITS);
    expect(limiter.check('general', 0).headers).toEqual({
      'X-HubSpot-RateLimit-Max': '110',
      'X-HubSpot-RateLimit-Remaining': '109',
      'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
    });
  });

  it('given search calls, when checked, then they use their own 5/s limit and leave the 10-second window alone', () => {
    const limiter = new PortalLimiter(DEFAULT_LIMITS);
    const outcomes = Array.from({ length: 6 }, () => limiter.check('search', 500));
    expect(outcomes.map((outcome) => outcome.allowed)).toEqual([true, true, true, true, true, false]);
    expect(outcomes[5]?.policy).toBe('SECONDLY');
    expect(outcomes[0]?.headers).toEqual({});
    expect(limiter.check('general', 500).headers['X-HubSpot-RateLimit-Remaining']).toBe('109');
    expect(limiter.check('search', 1_500).allowed).toBe(true);
  });

  it('given a daily quota, when exhausted, then the DAILY policy refuses and the daily headers are sent', () => {
    const limiter = new PortalLimiter({ ...DEFAULT_LIMITS, daily: 1 });
    expect(limiter.check('general', 0).headers['X-HubSpot-RateLimit-Daily-Remaining']).toBe('0');
    const refused = limiter.check('general', 1);
    expect(refused.allowed).toBe(false);
    expect(refused.policy).toBe('DAILY');
  });

  it('given an exempt call, when checked, then it passes without counting', () => {
    const limiter = new PortalLimiter({ ...DEFAULT_LIMITS, tenSecondly: 1 });
    expect(limiter.check('exempt', 0).allowed).toBe(true);
    expect(limiter.check('general', 0).allowed).toBe(true);
    expect(limiter.check('general', 0).allowed).toBe(false);
  });
});

describe('rateLimitBody', () => {
  it('given each policy, when rendered, then the body carries the fields the SDK retry logic reads', () => {
    expect(rateLimitBody('TEN_SECONDLY_ROLLING', 1, 2)).toMatchObject({
      policyName: 'TEN_SECONDLY_ROLLING',
      errorType: 'RATE_LIMIT',
    });
    expect(rateLimitBody('SECONDLY', 1, 2).message).toBe('You have reached your secondly limit.');
    expect(rateLimitBody('DAILY', 1, 2).policyName).toBe('DAILY');
  });
});
