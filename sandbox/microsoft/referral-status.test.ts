import { describe, expect, it } from 'vitest';
import { decideStatusChange, type StatusPair } from './referral-status.ts';

describe('status transitions', () => {
  const at = (status: string, substatus: string) => ({ status, substatus }) as StatusPair;
  it.each([
    [at('New', 'Pending'), at('New', 'Received'), true],
    [at('New', 'Pending'), at('Active', 'Accepted'), true],
    [at('New', 'Received'), at('Closed', 'Declined'), true],
    [at('Active', 'Accepted'), at('Closed', 'Won'), true],
    [at('Active', 'Accepted'), at('Active', 'Accepted'), true],
    [at('Closed', 'Lost'), at('Closed', 'Declined'), true],
    [at('Active', 'Accepted'), at('New', 'Pending'), false],
    [at('Closed', 'Won'), at('Active', 'Accepted'), false],
    [at('New', 'Pending'), at('Active', 'Pending'), false],
    [at('New', 'Pending'), at('Closed', 'Accepted'), false],
    [at('New', 'Pending'), at('Open', 'Pending'), false],
  ])('given %o, when it moves to %o, then allowed: %s', (from, to, allowed) => {
    expect(decideStatusChange(from, to).allowed).toBe(allowed);
  });
});
