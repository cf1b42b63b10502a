import { describe, expect, it } from 'vitest';
import { makeDeal } from '../dedupe/testing/deal-fixtures.ts';
import { dealDigest } from './deal-digest.ts';

describe('a deal digest (dealDigest)', () => {
  it('given equal deals as different objects, then they digest alike; a changed field changes it', () => {
    const deal = makeDeal('301', { name: 'Acme renewal', amount: 5_000 });
    expect(dealDigest(structuredClone(deal))).toBe(dealDigest(deal));
    expect(dealDigest({ ...deal, amount: 5_001 })).not.toBe(dealDigest(deal));
    expect(dealDigest({ ...deal, partners: [{ partnerId: '9', role: 'referral', splitPct: null }] })).not.toBe(
      dealDigest(deal),
    );
  });

  it("given the deal's JSON from the caller, then the digest equals the one taken without it, and is kept per object", () => {
    const deal = makeDeal('302', { name: 'Globex expansion' });
    const copy = structuredClone(deal);
    expect(dealDigest(copy, JSON.stringify(copy))).toBe(dealDigest(structuredClone(deal)));
    // Taken once per object: a later call does not serialise again (deals are never changed in place).
    expect(dealDigest(copy, 'not this deal')).toBe(dealDigest(deal));
  });
});
