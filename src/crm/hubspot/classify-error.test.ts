import { describe, expect, it } from 'vitest';
import { backoffMs, classifyError, type FailedCall } from './classify-error.ts';

const base: FailedCall = { status: 500, attempt: 1, idempotent: true };
const fixed = { now: 1_000_000, random: () => 0.5 };

describe('classifyError', () => {
  it.each<[string, Partial<FailedCall>, ReturnType<typeof classifyError>]>([
    [
      '429 ten-secondly with Retry-After',
      { status: 429, body: { policyName: 'TEN_SECONDLY_ROLLING' }, retryAfter: '3' },
      { action: 'retry', waitMs: 3000, reason: 'rate limited (TEN_SECONDLY_ROLLING)' },
    ],
    [
      '429 ten-secondly without Retry-After uses the interval header',
      { status: 429, body: { policyName: 'TEN_SECONDLY_ROLLING' }, intervalMs: '10000' },
      { action: 'retry', waitMs: 3750, reason: 'rate limited (TEN_SECONDLY_ROLLING)' },
    ],
    [
      '429 secondly (search)',
      { status: 429, body: { policyName: 'SECONDLY' } },
      { action: 'retry', waitMs: 375, reason: 'rate limited (SECONDLY)' },
    ],
    [
      '429 on a non-idempotent call is still retried (not processed)',
      { status: 429, idempotent: false, retryAfter: '1' },
      { action: 'retry', waitMs: 1000, reason: 'rate limited (unknown policy)' },
    ],
    [
      '429 daily fails for rescheduling',
      { status: 429, body: { policyName: 'DAILY' } },
      { action: 'fail', reason: 'daily API limit reached', dailyLimit: true },
    ],
    [
      '500 idempotent retries with backoff',
      { status: 500, attempt: 3 },
      { action: 'retry', waitMs: 1500, reason: 'HTTP 500' },
    ],
    [
      '503 with Retry-After date',
      { status: 503, retryAfter: new Date(1_002_000).toUTCString() },
      { action: 'retry', waitMs: 2000, reason: 'HTTP 503' },
    ],
    [
      '502 non-idempotent fails',
      { status: 502, idempotent: false },
      { action: 'fail', reason: 'HTTP 502 on a non-idempotent call' },
    ],
    [
      'network reset idempotent retries',
      { status: undefined, networkCode: 'ECONNRESET' },
      { action: 'retry', waitMs: 375, reason: 'network error ECONNRESET' },
    ],
    [
      'network reset non-idempotent fails',
      { status: undefined, networkCode: 'ECONNRESET', idempotent: false },
      { action: 'fail', reason: 'network error (ECONNRESET) on a non-idempotent call' },
    ],
    ['401 first time refreshes', { status: 401 }, { action: 'refresh', reason: 'access token rejected' }],
    [
      '401 after a refresh fails',
      { status: 401, refreshed: true },
      { action: 'fail', reason: 'unauthorized after token refresh' },
    ],
    [
      '404 on a single read is ignored',
      { status: 404, notFoundIsEmpty: true },
      { action: 'ignore', reason: 'record not found' },
    ],
    ['404 elsewhere fails', { status: 404 }, { action: 'fail', reason: 'HTTP 404' }],
    ['400 validation fails', { status: 400 }, { action: 'fail', reason: 'HTTP 400' }],
  ])('given %s, then the decision is as expected', (_name, call, decision) => {
    expect(classifyError({ ...base, ...call }, fixed)).toEqual(decision);
  });

  it('given growing attempts, then backoff doubles up to the 30 s ceiling and keeps jitter within [50%, 100%]', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => backoffMs(attempt, () => 1))).toEqual([500, 1000, 2000, 4000, 30000]);
    expect(backoffMs(4, () => 0)).toBe(2000);
  });
});
