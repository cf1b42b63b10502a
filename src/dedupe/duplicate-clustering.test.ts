import { describe, expect, it } from 'vitest';
import { type DealFeatures, dealFeatures } from './deal-features.ts';
import { clusterPairs, compareIds, isRegistrationConflict } from './duplicate-clustering.ts';
import type { PairAssessment } from './pair-scoring.ts';
import { makeDeal } from './testing/deal-fixtures.ts';

const features = (count: number) =>
  Array.from({ length: count }, (_, index) =>
    dealFeatures(makeDeal(String(index)), index, { registrationRoles: ['sourced', 'referral', 'reseller'] }),
  );

/** Assessments keyed "a-b" (a < b); pairs not listed get `fallback`. */
function assessor(table: Record<string, number | 'veto'>, fallback = 0.9) {
  return (x: DealFeatures, y: DealFeatures): PairAssessment => {
    const key = `${Math.min(x.index, y.index)}-${Math.max(x.index, y.index)}`;
    const value = table[key] ?? fallback;
    return value === 'veto'
      ? {
          probability: 0,
          weight: Number.NEGATIVE_INFINITY,
          veto: { code: 'far_apart', reason: 'test' },
          comparison: null,
        }
      : { probability: value, weight: 0, veto: null, comparison: null };
  };
}

const settings = { maxClusterSize: 20, clusterLinkThreshold: 0.5 };

describe('clusterPairs', () => {
  it('given a chain a~b~c where a and c are vetoed, when clustered, then c stays out', () => {
    const groups = clusterPairs(
      [
        { a: 0, b: 1, probability: 0.99 },
        { a: 1, b: 2, probability: 0.98 },
      ],
      features(3),
      assessor({ '0-2': 'veto' }),
      settings,
    );
    expect(groups).toEqual([{ members: [0, 1], confidence: 0.99 }]);
  });

  it('given a chain whose far ends barely agree, when clustered, then the average cross-pair link decides', () => {
    const edges = [
      { a: 0, b: 1, probability: 0.99 },
      { a: 1, b: 2, probability: 0.95 },
    ];
    expect(clusterPairs(edges, features(3), assessor({ '0-2': 0.01, '1-2': 0.95 }), settings)).toEqual([
      { members: [0, 1], confidence: 0.99 },
    ]);
    expect(clusterPairs(edges, features(3), assessor({ '0-2': 0.6, '1-2': 0.95 }), settings)).toEqual([
      { members: [0, 1, 2], confidence: 0.95 },
    ]);
  });

  it('given more linked records than the size cap, when clustered, then clusters stop growing at the cap', () => {
    const edges = [0, 1, 2, 3].map((i) => ({ a: i, b: i + 1, probability: 0.99 }));
    const groups = clusterPairs(edges, features(5), assessor({}), { ...settings, maxClusterSize: 3 });
    expect(Math.max(...groups.map((g) => g.members.length))).toBe(3);
  });

  it('given no accepted pairs, when clustered, then nothing', () => {
    expect(clusterPairs([], features(2), assessor({}), settings)).toEqual([]);
  });
});

describe('compareIds', () => {
  it.each([
    ['9', '10', -1],
    ['010', '9', 1],
    ['abc', 'abd', -1],
    ['10', 'a', -1],
    ['7', '7', 0],
  ])('given %s and %s, when compared, then the sign is %i', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
  });
});

describe('isRegistrationConflict', () => {
  const withPartners = (
    id: string,
    partners: Array<{ partnerId: string; role: 'sourced' | 'influenced' | 'referral' }>,
  ) => dealFeatures(makeDeal(id, { partners }), 0, { registrationRoles: ['sourced', 'referral', 'reseller'] });

  it.each([
    ['two partners each claiming a record', [['p1', 'sourced']], [['p2', 'referral']], true],
    ['the same partner twice', [['p1', 'sourced']], [['p1', 'sourced']], false],
    ['one record without a registering partner', [['p1', 'sourced']], [['p2', 'influenced']], false],
    [
      'a co-registered record and one of its partners',
      [
        ['p1', 'sourced'],
        ['p2', 'sourced'],
      ],
      [['p2', 'sourced']],
      false,
    ],
  ] as const)('given %s, when checked, then conflict is %s', (_case, left, right, expected) => {
    const toPartners = (list: ReadonlyArray<readonly [string, string]>) =>
      list.map(([partnerId, role]) => ({ partnerId, role: role as 'sourced' | 'influenced' | 'referral' }));
    expect(isRegistrationConflict([withPartners('1', toPartners(left)), withPartners('2', toPartners(right))])).toBe(
      expected,
    );
  });
});
