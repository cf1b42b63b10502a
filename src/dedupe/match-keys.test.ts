import { describe, expect, it } from 'vitest';
import { dealMatchKeys } from './match-keys.ts';
import { makeDeal } from './testing/deal-fixtures.ts';

describe('match keys (dealMatchKeys)', () => {
  it('given a deal, then its keys are the account id, the registrable domain and the normalised name, sorted', () => {
    const deal = makeDeal('1', {
      account: { id: 'a1', name: 'The Acme Robotics, Inc.', domain: 'https://www.Acme.co.uk/x' },
    });
    expect(dealMatchKeys(deal)).toStrictEqual(['a:a1', 'd:acme.co.uk', 'n:acme robotics']);
    expect(dealMatchKeys(makeDeal('2', { account: { id: 'a2', name: '--', domain: 'not a domain' } }))).toStrictEqual([
      'a:a2',
    ]);
  });

  it("given deals of one account and of accounts differing in one field, then each gets its own account's keys", () => {
    const account = { id: 'a7', name: 'Globex GmbH', domain: 'globex.de' };
    const keys = dealMatchKeys(makeDeal('1', { account }));
    expect(dealMatchKeys(makeDeal('2', { account: { ...account } }))).toStrictEqual(keys);
    expect(dealMatchKeys(makeDeal('3', { account: { ...account, id: 'a8' } }))).toStrictEqual([
      'a:a8',
      'd:globex.de',
      'n:globex',
    ]);
    expect(dealMatchKeys(makeDeal('4', { account: { ...account, name: 'Globex Labs' } }))).toContain('n:globex labs');
    expect(dealMatchKeys(makeDeal('5', { account: { ...account, domain: null } }))).toStrictEqual(['a:a7', 'n:globex']);
  });

  it('given more accounts than the memo holds, then every deal still gets its own keys', () => {
    for (let i = 0; i < 60_000; i += 1) {
      const keys = dealMatchKeys(makeDeal(String(i), { account: { id: `a${i}`, name: `Company ${i}`, domain: null } }));
      if (i % 9_999 === 0) expect(keys).toStrictEqual([`a:a${i}`, `n:company ${i}`]);
    }
    expect(dealMatchKeys(makeDeal('x', { account: { id: 'a1', name: 'Company 1', domain: null } }))).toStrictEqual([
      'a:a1',
      'n:company 1',
    ]);
  });
});
