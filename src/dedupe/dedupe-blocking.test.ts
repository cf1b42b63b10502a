import { describe, expect, it } from 'vitest';
import type { Deal } from '../model/deal.ts';
import { dealFeatures } from './deal-features.ts';
import { candidatePairs, minHashSignature } from './dedupe-blocking.ts';
import { makeDeal } from './testing/deal-fixtures.ts';

function pairsOf(deals: Deal[]): string[] {
  const features = deals.map((deal, index) => dealFeatures(deal, index, { registrationRoles: ['sourced'] }));
  const n = deals.length;
  return [...candidatePairs(features).keys].map((key) => {
    const a = Math.floor(key / n);
    return `${deals[a]?.id}-${deals[key - a * n]?.id}`;
  });
}

const elsewhere = (id: string, name: string, overrides: Parameters<typeof makeDeal>[1] = {}) =>
  makeDeal(id, {
    account: { id: `acct-${id}`, name, domain: null },
    name: `${name} deal`,
    amount: 1000 + Number(id),
    ...overrides,
  });

describe('candidatePairs', () => {
  it.each([
    ['the same account id', makeDeal('2', { name: 'Other', amount: 7 }), true],
    [
      'the same domain on another record',
      elsewhere('2', 'Whatever Corp', { account: { id: 'x', name: 'Zed', domain: 'www.acme-robotics.com' } }),
      true,
    ],
    ['the same company name on another record', elsewhere('2', 'ACME ROBOTICS LLC'), true],
    ['a mistyped company name on another record', elsewhere('2', 'Acme Robotcis'), true],
    ['an unrelated company', elsewhere('2', 'Bolt Logistics'), false],
    ['the same account two years later', makeDeal('2', { closeDate: '2027-06-30' }), false],
    ['the same account without a close date', makeDeal('2', { closeDate: null }), true],
    [
      'the same deal name, amount and close date on an unrelated record',
      elsewhere('2', 'Zzyx', { name: 'Acme Robotics - Analytics', amount: 50_000 }),
      true,
    ],
  ])('given a deal and %s, when blocked, then compared: %s', (_case, other, compared) => {
    expect(pairsOf([makeDeal('1'), other])).toEqual(compared ? ['1-2'] : []);
  });

  it('given an account with ten years of quarterly deals, when blocked, then only deals within the time radius pair', () => {
    const deals = Array.from({ length: 40 }, (_, q) =>
      makeDeal(String(q), {
        closeDate: new Date(Date.UTC(2016, q * 3, 15)).toISOString().slice(0, 10),
        name: `Q${q}`,
        amount: 100 + q,
      }),
    );
    const pairs = pairsOf(deals);
    // Each quarter pairs with the next (≈ 91 days), never with the one after (≈ 182 days > 120).
    expect(pairs).toHaveLength(39);
  });
});

describe('minHashSignature', () => {
  const agreement = (a: string, b: string) => {
    const x = new Uint32Array(64);
    const y = new Uint32Array(64);
    minHashSignature(a, x);
    minHashSignature(b, y);
    return x.filter((value, index) => value === y[index]).length / 64;
  };

  it('given a name and its typo, when signed, then most hashes agree; an unrelated name agrees on few', () => {
    expect(agreement('acme robotics', 'acme robtics')).toBeGreaterThan(0.45);
    expect(agreement('acme robotics', 'bolt logistics')).toBeLessThan(0.2);
    expect(agreement('acme robotics', 'acme robotics')).toBe(1);
  });
});
