import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, retryAfterMs } from './retry-after.ts';

const NOW = Date.parse('2026-03-10T10:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    { case: 'delay-seconds', value: '3', expected: 3_000 },
    { case: 'zero seconds', value: '0', expected: 0 },
    { case: 'seconds with surrounding spaces', value: ' 120 ', expected: 120_000 },
    { case: 'an IMF-fixdate 90 s ahead', value: 'Tue, 10 Mar 2026 10:01:30 GMT', expected: 90_000 },
    { case: 'an RFC 850 date 2 s ahead', value: 'Tuesday, 10-Mar-26 10:00:02 GMT', expected: 2_000 },
    { case: 'an asctime date 1 s ahead', value: 'Tue Mar 10 10:00:01 2026', expected: 1_000 },
    { case: 'a date in the past', value: 'Tue, 10 Mar 2026 09:00:00 GMT', expected: 0 },
    { case: 'a week of seconds (clamped)', value: String(7 * 86_400), expected: MAX_RETRY_AFTER_MS },
    { case: 'a date years ahead (clamped)', value: 'Fri, 31 Dec 9999 23:59:59 GMT', expected: MAX_RETRY_AFTER_MS },
    { case: 'no header', value: null, expected: undefined },
    { case: 'an empty header', value: '  ', expected: undefined },
    { case: 'a word', value: 'soon', expected: undefined },
    { case: 'fractional seconds (not delay-seconds)', value: '1.5', expected: undefined },
    { case: 'negative seconds', value: '-1', expected: undefined },
    { case: 'a hex number', value: '0x10', expected: undefined },
  ])('given $case, then the wait is $expected ms', ({ value, expected }) => {
    expect(retryAfterMs(value, NOW)).toBe(expected);
  });
});
