import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/testing/manual-clock.ts';
import { API_WINDOW_MS, allowanceWaitMs, apiUsage, SalesforcePacer } from './salesforce-pacer.ts';

const HOUR = 60 * 60 * 1000;

describe('apiUsage (Sforce-Limit-Info)', () => {
  it.each([
    ['api-usage=18/5000', { used: 18, limit: 5000 }],
    ['api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)', { used: 25, limit: 5000 }],
    ['per-app-api-usage=17/250(appName=partnerloop); api-usage=25/5000', { used: 25, limit: 5000 }],
    ['api-usage=110018/100000; api-bursts=1/750', { used: 110018, limit: 100000 }],
    ['API-USAGE=1/15000', { used: 1, limit: 15000 }],
    ['per-app-api-usage=17/250(appName=x)', undefined],
    ['api-usage=5/0', undefined],
    ['api-usage=abc/5000', undefined],
    ['', undefined],
    [null, undefined],
  ])('given the header %j, then the org usage is %j', (header, usage) => {
    expect(apiUsage(header)).toEqual(usage);
  });
});

describe('allowanceWaitMs', () => {
  it.each([
    ['room left', { used: 100, limit: 15_000 }, 10, 0],
    ['exactly full after the calls', { used: 14_990, limit: 15_000 }, 10, 0],
    ['one call over, the window used evenly', { used: 15_000, limit: 15_000 }, 1, Math.ceil(API_WINDOW_MS / 15_000)],
    ['half the usage must age out', { used: 20_000, limit: 15_000 }, 5_000, API_WINDOW_MS / 2],
    ['more than everything must age out', { used: 15_000, limit: 15_000 }, 30_000, API_WINDOW_MS],
  ])('given %s, then the wait is %i ms', (_, usage, needed, waitMs) => {
    expect(allowanceWaitMs(usage, needed)).toBe(waitMs);
  });
});

describe('SalesforcePacer', () => {
  it('given no usage reading yet, then a run may make the unknown budget, and the first reading sets its share', () => {
    const pacer = new SalesforcePacer({ share: 0.5, reserve: 0.1, unknownBudget: 3 }, new ManualClock());
    expect(pacer.plan()).toMatchObject({ calls: 3, waitMs: 0 });
    expect(pacer.take()).toBe(true);
    // Limit 10,000, reserve 1,000: 9,000 may be used; 8,000 are, so 1,000 are available and the run may spend half.
    pacer.observe({ used: 8_000, limit: 10_000 });
    expect(pacer.plan().calls).toBe(500);
  });

  it('given a run that spends its share, then take stops it and plan says how long until the next run fits', () => {
    const clock = new ManualClock();
    const pacer = new SalesforcePacer({ share: 0.5, reserve: 0.1 }, clock);
    pacer.observe({ used: 8_996, limit: 10_000 });
    // 4 available above the reserve, half of it for this run.
    expect(pacer.take()).toBe(true);
    expect(pacer.take()).toBe(true);
    expect(pacer.take()).toBe(false);
    const plan = pacer.plan(10);
    expect(plan.calls).toBe(0);
    // The next run needs 10 / 0.5 = 20 calls above the reserve: 8,998 + 20 − 9,000 = 18 must age out.
    expect(plan.waitMs).toBe(Math.ceil((18 * API_WINDOW_MS) / 8_998));
    expect(plan.reason).toContain('8998 of 10000');
  });

  it('given another integration using the org meanwhile, then the run stops at the reserve even within its share', () => {
    const pacer = new SalesforcePacer({ share: 1, reserve: 0.1 }, new ManualClock());
    pacer.observe({ used: 8_000, limit: 10_000 });
    expect(pacer.plan().calls).toBe(1_000);
    pacer.take();
    pacer.observe({ used: 8_999, limit: 10_000 });
    expect(pacer.plan().calls).toBe(1);
    expect(pacer.take()).toBe(true);
    expect(pacer.take()).toBe(false);
  });

  it('given a reading from an earlier run, then what aged out of the rolling window since counts as free again', () => {
    const clock = new ManualClock();
    const reading = { usage: { used: 9_000, limit: 10_000 }, at: clock.now() };
    clock.advance(12 * HOUR);
    const pacer = new SalesforcePacer({ share: 0.5, reserve: 0.1 }, clock, reading);
    // Half a window later about half the usage has aged out: 4,500 used, 4,500 available, half of it for the run.
    expect(pacer.plan().calls).toBe(2_250);
    expect(pacer.reading).toEqual(reading);
  });

  it('given an org over its limit (a burst), then nothing is spent and the wait covers the excess', () => {
    const pacer = new SalesforcePacer({ share: 0.25 }, new ManualClock());
    pacer.observe({ used: 11_000, limit: 10_000 });
    expect(pacer.take()).toBe(false);
    expect(pacer.plan(1).waitMs).toBeGreaterThan(0);
  });

  it.each([[{ share: 0 }], [{ share: 1.5 }], [{ share: 0.5, reserve: 1 }], [{ share: 0.5, reserve: -0.1 }]])(
    'given the options %j, then the pacer refuses them',
    (options) => {
      expect(() => new SalesforcePacer(options)).toThrow();
    },
  );
});
