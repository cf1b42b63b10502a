import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './rate-limiter.ts';
import { fakeClock } from './testing/fake-clock.ts';

describe('SlidingWindowLimiter', () => {
  it('given 3 per second, when 7 requests go out, then no second-long window ever holds more than 3', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(3, 1000, clock, 0);
    const sentAt: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      await limiter.acquire();
      sentAt.push(clock.now());
    }
    expect(sentAt).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('given concurrent callers, then they are served in order without exceeding the window', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(2, 1000, clock, 50);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(clock.now()).toBe(1050);
  });

  it('given an infinite limit, then nothing waits', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(Number.POSITIVE_INFINITY, 1000, clock);
    for (let i = 0; i < 1000; i += 1) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
  });
});
