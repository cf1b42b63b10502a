import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDemoPortal } from './demo-portal.ts';

/**
 * The demo portal is a contract: benchmarks, screenshots and the e2e tests count on a seed giving the same portal. These
 * digests pin it byte for byte (JSON, key order included). A change to the generator that moves them changes the demo
 * data: update them only when that is the point of the change, and say so.
 */
const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('generateDemoPortal golden output', () => {
  it('given seed 7 and 400 deals, when generated, then owners, companies, deals and associations match the recorded digest', () => {
    const { truth: _truth, ...records } = generateDemoPortal({ seed: 7, deals: 400 });
    expect(sha256(records)).toBe('6f25d2f9202e87cb9a806a1bde5e12c17b715ef4e7d63d726dac78c1f52fbfc7');
  });

  it('given seed 7 and 400 deals, when generated, then the truth (duplicates, hard negatives, gaps) matches the recorded digest', () => {
    const { truth } = generateDemoPortal({ seed: 7, deals: 400 });
    expect(sha256(truth)).toBe('c11406f20367a026e3a7a74ef17a03859c4a8c81566fef749b78b254530fdb31');
  });
});
