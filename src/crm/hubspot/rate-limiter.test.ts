import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/testing/manual-clock.ts';
import { SlidingWindowLimiter } from './rate-limiter.ts';

describe('SlidingWindowLimiter', () => {
  it('given 3 per second, when 7 requests go out, then no second-long window ever holds more than 3', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(3, 1000, clock, 0);
    const sentAt: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      await limiter.acquire();
      sentAt.push(clock.now());
    }
    expect(sentAt).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('given concurrent callers, then they are served in order without exceeding the window', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(2, 1000, clock, 50);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(clock.now()).toBe(1050);
  });

  it('given a full window, when asked for room for several calls, then it resolves once they fit, taking no slot', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(3, 1000, clock, 0);
    await limiter.acquire();
    clock.advance(100);
    await limiter.acquire();
    clock.advance(100);
    await limiter.acquire();
    await limiter.whenFree(2); // the two oldest (sent at 0 and 100) must leave the window
    expect(clock.now()).toBe(1100);
    await limiter.whenFree(1);
    expect(clock.now()).toBe(1100);
    await limiter.whenFree(10); // more than the window holds: room for all of it
    expect(clock.now()).toBe(1200);
    for (let i = 0; i < 3; i += 1) await limiter.acquire();
    expect(clock.now()).toBe(1200);
  });

  it('given a tenth of the budget spent in the last tenth of the window, when asked for room, then it waits for the refill', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(100, 1000, clock, 0);
    for (let i = 0; i < 10; i += 1) await limiter.acquire();
    clock.advance(50);
    await limiter.whenFree(1); // the window has room for 90 more, but spending them now would outrun its refill
    expect(clock.now()).toBe(100);
    for (let i = 0; i < 6; i += 1) await limiter.acquire();
    await limiter.whenFree(4); // 16 sent in the window, 6 of them in the last tenth: room for 4 in both
    expect(clock.now()).toBe(100);
    await limiter.whenFree(5); // 5 more would make 11 in the last tenth: the 6 sent at 100 leave it at 200
    expect(clock.now()).toBe(200);
    await limiter.acquire(); // at 200, inside the last tenth
    clock.advance(50);
    await limiter.whenFree(30); // more than a tenth of the budget: the last tenth must hold nothing
    expect(clock.now()).toBe(300);
  });

  it("given others' steady traffic above the pace, when asked for room, then it paces for at most half a window", async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(100, 1000, clock, 0);
    // Another sender spends 8 calls after every wait: the last tenth never has room for 4 more within its tenth.
    const others = () => Promise.all(Array.from({ length: 8 }, () => limiter.acquire()));
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms: number) => {
      await sleep(ms);
      await others();
    };
    await others();
    await limiter.whenFree(4);
    expect(clock.now()).toBe(500);
    expect(clock.sleeps).toEqual([100, 100, 100, 100, 100]);
  });

  it('given an infinite limit, then nothing waits', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(Number.POSITIVE_INFINITY, 1000, clock);
    for (let i = 0; i < 1000; i += 1) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
  });
});

describe('SlidingWindowLimiter.observeRemaining', () => {
  it('given the server reports calls we did not make, then we wait as if we had made them', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(10, 1000, clock, 0);
    await limiter.acquire();
    limiter.observeRemaining(2, 10); // server: 8 used; we know of 1
    for (let i = 0; i < 2; i += 1) await limiter.acquire();
    expect(clock.now()).toBe(0);
    await limiter.acquire(); // the 11th in the window must wait for the window to roll
    expect(clock.now()).toBe(1000);
  });

  it('given the server reports fewer calls than we sent, or no headers, then nothing changes', async () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(3, 1000, clock, 0);
    await limiter.acquire();
    limiter.observeRemaining(3, 3);
    limiter.observeRemaining(Number.NaN, Number.NaN);
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.now()).toBe(0);
  });
});
