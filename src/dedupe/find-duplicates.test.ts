import { describe, expect, it } from 'vitest';
import type { Deal } from '../model/deal.ts';
import { explainPair, findDuplicateClusters } from './find-duplicates.ts';
import { makeDeal } from './testing/deal-fixtures.ts';

const original = makeDeal('1001', { partners: [{ partnerId: 'p1', role: 'sourced' }] });

/** Each way one buying event ends up recorded twice (SPEC §2.2). */
const DUPLICATES: ReadonlyArray<{ mechanism: string; copy: Deal; kind: string; reason: string }> = [
  {
    mechanism: 're-entry by another seller',
    copy: makeDeal('1002', {
      name: 'Acme Robotics Analytics New Logo',
      ownerId: 'u2',
      amount: 48_000,
      closeDate: '2025-07-09',
      createdAt: '2025-03-20T09:00:00Z',
      products: ['Analytics Enterprise'],
    }),
    kind: 'duplicate',
    reason: 'entered by different owners (u1, u2)',
  },
  {
    mechanism: 'a partner registering twice',
    copy: makeDeal('1002', {
      name: 'Acme Robotics / Analytics / Deal Reg',
      amount: 50_000,
      closeDate: '2025-06-25',
      createdAt: '2025-03-15T09:00:00Z',
      partners: [{ partnerId: 'p1', role: 'sourced' }],
    }),
    kind: 'duplicate',
    reason: 'registered twice by partner p1',
  },
  {
    mechanism: 'two partners registering the same deal',
    copy: makeDeal('1002', {
      name: 'Registration: Acme Robotics Analytics',
      amount: 52_000,
      closeDate: '2025-07-05',
      createdAt: '2025-03-10T09:00:00Z',
      partners: [{ partnerId: 'p2', role: 'referral' }],
    }),
    kind: 'registration_conflict',
    reason: 'registered by different partners: p1, p2',
  },
  {
    mechanism: 'an import copy on a new company record',
    copy: makeDeal('1002', {
      account: { id: 'a9', name: 'ACME ROBOTICS, INC.', domain: 'https://www.acme-robotics.com/' },
      createdAt: '2026-02-01T09:00:00Z',
      partners: [{ partnerId: 'p1', role: 'sourced' }],
    }),
    kind: 'duplicate',
    reason: 'same account domain acme-robotics.com',
  },
  {
    mechanism: 'a re-entry on a mistyped company record without a domain',
    copy: makeDeal('1002', {
      name: 'Acme Robtics Analytics',
      account: { id: 'a7', name: 'Acme Robtics Inc', domain: null },
      ownerId: 'u3',
      amount: 50_000,
      createdAt: '2025-03-05T09:00:00Z',
    }),
    kind: 'duplicate',
    reason: 'on 2 company records (a1, a7)',
  },
];

describe('findDuplicateClusters: duplicate mechanisms', () => {
  it.each(DUPLICATES)('given $mechanism, when deduped, then one $kind cluster', ({ copy, kind, reason }) => {
    const clusters = findDuplicateClusters([copy, original]);
    expect(clusters).toHaveLength(1);
    const [cluster] = clusters;
    expect(cluster?.ids).toEqual(['1001', '1002']);
    expect(cluster?.kind).toBe(kind);
    expect(cluster?.survivor).toBe('1001');
    expect(cluster?.confidence).toBeGreaterThanOrEqual(0.9);
    expect(cluster?.confidence).toBeLessThanOrEqual(1);
    expect(cluster?.reasons).toContain(reason);
  });
});

const renewal = (id: string, year: number, overrides: Parameters<typeof makeDeal>[1] = {}) =>
  makeDeal(id, {
    name: `Acme Robotics - Renewal ${year}`,
    type: 'renewal',
    closeDate: `${year}-06-30`,
    createdAt: `${year}-04-01T09:00:00Z`,
    ...overrides,
  });

/** Look-alikes that are different buying events and must never be merged (SPEC §2.2). */
const HARD_NEGATIVES: ReadonlyArray<{ case: string; deals: Deal[]; veto: RegExp | null }> = [
  {
    case: 'renewals of consecutive years',
    deals: [renewal('1', 2025), renewal('2', 2026)],
    veto: /renewals of different years/,
  },
  {
    case: 'renewals named for different years without close dates',
    deals: [
      renewal('1', 2025, { name: 'Acme Robotics Renewal FY25', closeDate: null, createdAt: '2025-05-01T09:00:00Z' }),
      renewal('2', 2026, { name: 'Acme Robotics Renewal FY26', closeDate: null, createdAt: '2025-06-01T09:00:00Z' }),
    ],
    veto: /renewals of different years \(2025 and 2026\)/,
  },
  {
    case: 'renewals with the same name created a year apart without close dates',
    deals: [
      renewal('1', 2025, { name: 'Acme Robotics Renewal', closeDate: null }),
      renewal('2', 2026, { name: 'Acme Robotics Renewal', closeDate: null }),
    ],
    veto: /renewals created 365 days apart/,
  },
  {
    case: 'different products bought at the same time under one generic name',
    deals: [
      makeDeal('1', { name: 'Acme Robotics - New Business', products: ['Analytics Pro'] }),
      makeDeal('2', { name: 'Acme Robotics - New Business', products: ['Security Enterprise'] }),
    ],
    veto: /different products \(analytics vs security\)/,
  },
  {
    case: 'different products named only in the deal names',
    deals: [
      makeDeal('1', { name: 'Acme Robotics - Analytics', products: [] }),
      makeDeal('2', { name: 'Acme Robotics - Security', products: [] }),
      makeDeal('3', { account: { id: 'z', name: 'Zeta', domain: 'zeta.io' }, products: ['Security Pro', 'Analytics'] }),
    ],
    veto: null, // the vocabulary comes from the third deal; explained alone, see the catalogue test below
  },
  {
    case: 'repeat expansions a quarter apart',
    deals: [
      makeDeal('1', { name: 'Acme Robotics - Expansion', type: 'expansion', closeDate: '2025-03-31' }),
      makeDeal('2', { name: 'Acme Robotics - Expansion', type: 'expansion', closeDate: '2025-06-30' }),
    ],
    veto: /expansions closing 91 days apart/,
  },
  {
    case: 'repeat expansions of different seat counts in one month',
    deals: [
      makeDeal('1', { name: 'Acme Robotics: add 50 seats', type: 'expansion', closeDate: '2025-06-10' }),
      makeDeal('2', { name: 'Acme Robotics: add 80 seats', type: 'expansion', closeDate: '2025-06-30' }),
    ],
    veto: /expansions of 50 and 80 seats/,
  },
  {
    case: 'a namesake company abroad with its own domain',
    deals: [
      original,
      makeDeal('2', {
        account: { id: 'a2', name: 'Acme Robotics GmbH', domain: 'acme-robotics.de' },
        currency: 'EUR',
        region: 'EMEA',
        ownerId: 'u8',
      }),
    ],
    veto: /different companies: acme-robotics.com and acme-robotics.de/,
  },
  {
    case: 'a namesake company abroad whose record has no domain',
    deals: [
      original,
      makeDeal('2', {
        account: { id: 'a2', name: 'Acme Robotics GmbH', domain: null },
        currency: 'EUR',
        region: 'EMEA',
        ownerId: 'u8',
      }),
    ],
    veto: null,
  },
  {
    case: 'a subsidiary with its own domain',
    deals: [
      original,
      makeDeal('2', {
        account: { id: 'a3', name: 'Acme Robotics Europe Ltd', domain: 'acmerobotics.eu' },
        name: 'Acme Robotics Europe - Analytics',
      }),
    ],
    veto: /namesake or subsidiary/,
  },
];

describe('findDuplicateClusters: must-not-merge cases', () => {
  it.each(HARD_NEGATIVES)('given $case, when deduped, then no cluster', ({ deals }) => {
    expect(findDuplicateClusters(deals)).toEqual([]);
  });

  it.each(HARD_NEGATIVES.filter((c) => c.veto !== null))(
    'given $case, when explained, then a veto says why',
    ({ deals, veto }) => {
      const [a, b] = deals as [Deal, Deal];
      const explanation = explainPair(a, b);
      expect(explanation.probability).toBe(0);
      expect(explanation.veto).toMatch(veto as RegExp);
    },
  );
});

describe('explainPair', () => {
  it('given two deals without products and a product catalogue, when explained, then the names decide the products', () => {
    const a = makeDeal('1', { name: 'Acme Robotics - Analytics', products: [] });
    const b = makeDeal('2', { name: 'Acme Robotics - Security', products: [] });
    expect(explainPair(a, b).veto).toBeNull();
    expect(explainPair(a, b, { productCatalog: ['Analytics Pro', 'Security Suite'] }).veto).toBe(
      'different products (analytics vs security)',
    );
  });
});

describe('findDuplicateClusters: clusters', () => {
  const reentry = DUPLICATES[0]?.copy as Deal;
  const importCopy = makeDeal('1003', {
    createdAt: '2026-02-01T09:00:00Z',
    account: { id: 'a9', name: 'Acme Robotics', domain: 'acme-robotics.com' },
  });

  it('given an original, a re-entry and an import copy, when deduped, then one cluster of three with the oldest surviving', () => {
    const clusters = findDuplicateClusters([importCopy, reentry, original]);
    expect(clusters).toEqual([
      expect.objectContaining({ ids: ['1001', '1002', '1003'], kind: 'duplicate', survivor: '1001' }),
    ]);
  });

  it('given the same deals in another order, when deduped, then the output is identical', () => {
    const deals = [importCopy, reentry, original, ...(HARD_NEGATIVES[0]?.deals ?? [])];
    const forward = findDuplicateClusters(deals);
    const backward = findDuplicateClusters([...deals].reverse());
    expect(backward).toEqual(forward);
  });

  it('given two unrelated duplicate pairs, when deduped, then clusters are ordered by their first id', () => {
    const other = (id: string) =>
      makeDeal(id, { account: { id: 'b1', name: 'Bolt Logistics LLC', domain: 'boltlogistics.com' }, name: 'Bolt' });
    const clusters = findDuplicateClusters([other('2002'), reentry, other('950'), original]);
    expect(clusters.map((c) => c.ids)).toEqual([
      ['950', '2002'],
      ['1001', '1002'],
    ]);
  });

  it('given a survivor tie on creation time, when deduped, then the more complete record survives', () => {
    const sparse = makeDeal('1', { ownerId: null, region: null, leadSource: null });
    const full = makeDeal('2');
    expect(findDuplicateClusters([sparse, full])[0]?.survivor).toBe('2');
  });

  it('given a weak pair (27 %), when deduped with a looser threshold, then it is linked, and with the default it is not', () => {
    const weak = makeDeal('1002', {
      name: 'Acme Robotics Deal',
      account: { id: 'a7', name: 'Acme Robotics', domain: null },
      amount: 45_500,
      closeDate: '2025-07-25',
      ownerId: 'u4',
      type: null,
    });
    const loose = findDuplicateClusters([original, weak], { matchThreshold: 0.2 });
    const strict = findDuplicateClusters([original, weak]);
    expect(loose).toHaveLength(1);
    expect(strict).toEqual([]);
  });

  it('given no deals, when deduped, then no clusters', () => {
    expect(findDuplicateClusters([])).toEqual([]);
  });
});

describe('keepApart (a seller said "not a duplicate")', () => {
  const reentry = makeDeal('1002', { ownerId: 'u2', createdAt: '2025-03-20T09:00:00Z' });
  const third = makeDeal('1003', { ownerId: 'u3', createdAt: '2025-03-25T09:00:00Z' });
  const apart = (pairs: Array<[string, string]>) => (a: string, b: string) =>
    pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));

  it('given a pair the engine links, when the seller kept it apart, then it is never linked again', () => {
    expect(findDuplicateClusters([original, reentry]).map((c) => c.ids)).toEqual([['1001', '1002']]);
    expect(findDuplicateClusters([original, reentry], { keepApart: apart([['1002', '1001']]) })).toEqual([]);
    expect(explainPair(original, reentry, { keepApart: apart([['1001', '1002']]) }).veto).toBe(
      'a seller marked these as different deals',
    );
  });

  it('given three copies, when two are kept apart, then no cluster holds both of them', () => {
    const clusters = findDuplicateClusters([original, reentry, third], { keepApart: apart([['1001', '1002']]) });
    for (const cluster of clusters) expect(cluster.ids.includes('1001') && cluster.ids.includes('1002')).toBe(false);
    expect(clusters.length).toBe(1);
  });
});
