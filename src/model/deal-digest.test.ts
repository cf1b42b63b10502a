import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeDeal } from '../dedupe/testing/deal-fixtures.ts';
import { dealDigest, dealJson } from './deal-digest.ts';

describe('a deal digest (dealDigest)', () => {
  it('given equal deals as different objects, then they digest alike; a changed field changes it', () => {
    const deal = makeDeal('301', { name: 'Acme renewal', amount: 5_000 });
    expect(dealDigest(structuredClone(deal))).toBe(dealDigest(deal));
    expect(dealDigest({ ...deal, amount: 5_001 })).not.toBe(dealDigest(deal));
    expect(dealDigest({ ...deal, partners: [{ partnerId: '9', role: 'referral', splitPct: null }] })).not.toBe(
      dealDigest(deal),
    );
  });

  it("given a deal, then its JSON is JSON.stringify's, kept on the object (not enumerable, not cloned), and the digest hashes it", () => {
    const deal = makeDeal('302', { name: 'Globex expansion' });
    const copy = structuredClone(deal);
    const json = dealJson(copy);
    expect(json).toBe(JSON.stringify(deal));
    expect(JSON.parse(json)).toStrictEqual(deal);
    // Kept per object: the same text again; invisible to keys, JSON, spreads and clones.
    expect(dealJson(copy)).toBe(json);
    expect(Object.keys(copy)).toStrictEqual(Object.keys(deal));
    expect(JSON.stringify(copy)).toBe(json);
    expect(structuredClone(copy)).toStrictEqual(deal);
    expect(dealDigest(copy)).toBe(createHash('sha1').update(json).digest('base64url'));
    expect(dealDigest(copy)).toBe(dealDigest(structuredClone(deal)));
  });
});
