import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.ts';
import { type PartnerScore, scorePartners } from './partner-scoring.ts';
import { closedDeal, makeDeal, makePartner, record } from './scoring.fixtures.ts';
import { scoringConfigSchema } from './scoring-config.ts';
import { partnerScoreProperties } from './scoring-properties.ts';

const AS_OF = '2026-06-30';

function scoreOf(result: { partners: PartnerScore[] }, partnerId: string): PartnerScore {
  const score = result.partners.find((p) => p.partnerId === partnerId);
  if (!score) throw new Error(`no score for ${partnerId}`);
  return score;
}

describe('scorePartners: as-of', () => {
  const partners = [makePartner('p1')];

  it.each([
    {
      case: 'a deal created after as-of',
      deal: closedDeal(['p1'], true, '2026-08-01', { daysOpen: 10, amount: 5_000 }),
      expected: { closedDeals: 0, wonDeals: 0, openPipeline: 0, lastOpportunityAt: null },
    },
    {
      case: 'a deal created on the as-of day',
      deal: makeDeal({ partnerIds: ['p1'], createdAt: '2026-06-30T23:00:00Z', amount: 7_000 }),
      expected: { closedDeals: 0, openPipeline: 7_000, lastOpportunityAt: '2026-06-30T23:00:00.000Z' },
    },
    {
      case: 'a deal won after as-of',
      deal: closedDeal(['p1'], true, '2026-07-15', { daysOpen: 30, amount: 9_000 }),
      expected: { closedDeals: 0, wonDeals: 0, wonRevenue: 0, openDeals: 1, openPipeline: 9_000 },
    },
    {
      case: 'a deal lost after as-of',
      deal: closedDeal(['p1'], false, '2026-07-01', { daysOpen: 5, amount: 3_000 }),
      expected: { closedDeals: 0, openDeals: 1, openPipeline: 3_000 },
    },
    {
      case: 'a deal won on the as-of day',
      deal: closedDeal(['p1'], true, '2026-06-30', { daysOpen: 20, amount: 4_000 }),
      expected: { closedDeals: 1, wonDeals: 1, wonRevenue: 4_000, openPipeline: 0, avgDaysToClose: 20 },
    },
    {
      case: 'an open deal whose expected close date has passed',
      deal: makeDeal({ partnerIds: ['p1'], createdAt: '2026-03-01', closeDate: '2026-05-01', amount: 2_000 }),
      expected: { closedDeals: 0, openDeals: 1, openPipeline: 2_000 },
    },
  ])('given $case, when scoring, then the partner sees only what was known at as-of', ({ deal, expected }) => {
    expect(scoreOf(scorePartners({ deals: [deal], partners, asOf: AS_OF }), 'p1')).toMatchObject(expected);
  });

  it('given a history and later deals, when scoring at the earlier as-of, then the result equals the history alone', () => {
    const history = [...record('p1', 3, 5, '2026-05-01'), ...record('p2', 1, 4, '2026-04-01')];
    const later = [
      ...record('p1', 0, 6, '2026-09-01'),
      ...record('p2', 5, 5, '2026-10-01'),
      makeDeal({ partnerIds: ['p2'], createdAt: '2026-07-02', amount: 1e6 }),
    ];
    const roster = [makePartner('p1'), makePartner('p2')];
    const withFuture = scorePartners({ deals: [...history, ...later], partners: roster, asOf: AS_OF });
    const withoutFuture = scorePartners({ deals: history, partners: roster, asOf: AS_OF });
    expect(withFuture).toEqual(withoutFuture);
  });

  it('given an impossible as-of date, when scoring, then it fails with invalid_input', () => {
    expect(() => scorePartners({ deals: [], partners, asOf: '2026-02-30' })).toThrow(InvalidInputError);
  });
});

describe('scorePartners: which deals count', () => {
  it.each([
    { case: 'a won renewal', type: 'renewal' as const, counted: false },
    { case: 'churn coded as a win', type: 'churn' as const, counted: false },
    { case: 'a won expansion', type: 'expansion' as const, counted: true },
    { case: 'a won deal without a type', type: null, counted: true },
    { case: 'a won new-business deal', type: 'new_business' as const, counted: true },
  ])('given $case, when scoring, then it counts as a win: $counted', ({ type, counted }) => {
    const deal = closedDeal(['p1'], true, '2026-06-01', { type, amount: 8_000 });
    const score = scoreOf(scorePartners({ deals: [deal], partners: [makePartner('p1')], asOf: AS_OF }), 'p1');
    expect(score.wonDeals).toBe(counted ? 1 : 0);
    expect(score.wonRevenue).toBe(counted ? 8_000 : 0);
    expect(score.lastOpportunityAt === null).toBe(!counted);
  });

  it('given a deal listing one partner in two roles and another partner, when scoring, then each counts it once', () => {
    const deal = closedDeal(['p1'], true, '2026-06-01', {
      amount: 12_000,
      partners: [
        { partnerId: 'p1', role: 'sourced' },
        { partnerId: 'p1', role: 'cosell' },
        { partnerId: 'p2', role: 'influenced', splitPct: 100 },
        { partnerId: 'ghost', role: 'referral' },
      ],
    });
    const result = scorePartners({ deals: [deal], partners: [makePartner('p1'), makePartner('p2')], asOf: AS_OF });
    for (const id of ['p1', 'p2']) {
      expect(scoreOf(result, id)).toMatchObject({ closedDeals: 1, wonDeals: 1, wonRevenue: 12_000 });
    }
    expect(result.partners.map((p) => p.partnerId).sort()).toEqual(['p1', 'p2']);
  });

  it('given won deals with and without an amount, when scoring, then the average deal size uses the known amounts', () => {
    const deals = [
      closedDeal(['p1'], true, '2026-06-01', { amount: 10_000 }),
      closedDeal(['p1'], true, '2026-06-01', { amount: 30_000 }),
      closedDeal(['p1'], true, '2026-06-01', { amount: null }),
      closedDeal(['p1'], false, '2026-06-01', { amount: 99_000 }),
    ];
    const score = scoreOf(scorePartners({ deals, partners: [makePartner('p1')], asOf: AS_OF }), 'p1');
    expect(score).toMatchObject({ closedDeals: 4, wonDeals: 3, wonRevenue: 40_000, avgDealSize: 20_000 });
    expect(score.rawWinRate).toBe(0.75);
  });
});

describe('scorePartners: shrinkage in the score', () => {
  // Ten named partners winning 2–8 of 10 (mean 0.48, more spread than chance) form the population a newcomer is
  // shrunk toward.
  const wins = [2, 3, 5, 6, 8, 2, 3, 5, 6, 8];
  const population = wins.flatMap((won, i) => record(`n${i}`, won, 10, '2026-05-01'));
  const roster = [
    ...Array.from({ length: 10 }, (_, i) => makePartner(`n${i}`)),
    makePartner('lucky'),
    makePartner('proven'),
  ];

  it('given 1 win of 1 and 16 wins of 20, when scoring, then the proven partner has the higher corrected win rate', () => {
    const deals = [...population, ...record('lucky', 1, 1, '2026-05-01'), ...record('proven', 16, 20, '2026-05-01')];
    const result = scorePartners({ deals, partners: roster, asOf: AS_OF });
    const lucky = scoreOf(result, 'lucky');
    const proven = scoreOf(result, 'proven');
    expect(lucky.rawWinRate).toBe(1);
    expect(lucky.winRate).toBeLessThan(proven.winRate);
    expect(lucky.winRateLow).toBeLessThan(proven.winRateLow);
    expect(lucky.winRate).toBeLessThan(0.75);
    expect(proven.winRate).toBeGreaterThan(0.6);
    expect(proven.score).toBeGreaterThan(lucky.score);
  });

  it('given self-serve partners that win rarely, when scoring, then a self-serve newcomer is shrunk to their mean', () => {
    const selfServe = Array.from({ length: 8 }, (_, i) => record(`s${i}`, i % 2, 10, '2026-05-01')).flat();
    const deals = [
      ...population,
      ...selfServe,
      ...record('newSelf', 1, 2, '2026-05-01'),
      ...record('newNamed', 1, 2, '2026-05-01'),
    ];
    const partners = [
      ...roster,
      ...Array.from({ length: 8 }, (_, i) => makePartner(`s${i}`, { type: 'self_serve' })),
      makePartner('newSelf', { type: 'self_serve' }),
      makePartner('newNamed'),
    ];
    const result = scorePartners({ deals, partners, asOf: AS_OF });
    expect(result.priors.self_serve.source).toBe('type');
    expect(result.priors.self_serve.mean).toBeLessThan(0.1);
    expect(result.priors.named.mean).toBeGreaterThan(0.4);
    expect(scoreOf(result, 'newSelf').winRate).toBeLessThan(scoreOf(result, 'newNamed').winRate);
  });

  it('given a partner without closed deals, when scoring, then its win rate is its type prior mean', () => {
    const result = scorePartners({ deals: population, partners: roster, asOf: AS_OF });
    expect(scoreOf(result, 'lucky').winRate).toBeCloseTo(result.priors.named.mean, 3);
    expect(scoreOf(result, 'lucky').rawWinRate).toBeNull();
  });
});

describe('scorePartners: dormancy, decay and tier as the as-of moves', () => {
  // One history, scored on different days: 8 opportunities spread over Oct 2025–Jan 2026 (the baseline window of a
  // 2026-04-10 as-of), then one on 2026-03-01.
  const baseline = Array.from({ length: 8 }, (_, i) =>
    makeDeal({ partnerIds: ['p1'], createdAt: new Date(Date.UTC(2025, 9, 1 + i * 14)).toISOString() }),
  );
  const last = makeDeal({ partnerIds: ['p1'], createdAt: '2026-03-01T00:00:00Z' });
  const deals = [...baseline, last];
  const partners = [makePartner('p1', { registeredAt: '2024-01-01' })];

  it.each([
    { asOf: '2026-03-01', since: 0, dormant: false, decaying: false },
    { asOf: '2026-04-10', since: 40, dormant: false, decaying: true },
    // The last day before dormancy: nothing in the recent window, so decaying is the warning that precedes it.
    { asOf: '2026-05-30', since: 90, dormant: false, decaying: true },
    { asOf: '2026-05-31', since: 91, dormant: true, decaying: false },
    { asOf: '2025-09-30', since: null, dormant: true, decaying: false },
  ])(
    'given as-of $asOf, when scoring, then $since days since the last opportunity, dormant $dormant, decaying $decaying',
    ({ asOf, since, dormant, decaying }) => {
      const score = scoreOf(scorePartners({ deals, partners, asOf }), 'p1');
      expect(score).toMatchObject({ daysSinceLastOpportunity: since, dormant, decaying });
      expect(score.tier === 'dormant').toBe(dormant);
    },
  );
});

describe('scorePartners: score, tier and order', () => {
  it('given partners with equal scores, when scoring, then they are ordered by score desc then id', () => {
    const partners = ['b', 'c', 'a'].map((id) => makePartner(id, { registeredAt: '2026-06-01' }));
    const deals = [...record('c', 5, 5, '2026-06-01')];
    const order = scorePartners({ deals, partners, asOf: AS_OF }).partners.map((p) => `${p.partnerId}:${p.score}`);
    expect(order[0]?.startsWith('c:')).toBe(true);
    expect(order.slice(1).map((entry) => entry.split(':')[0])).toEqual(['a', 'b']);
  });

  it('given a partner with no opportunity for 120 days, when scoring, then it is dormant whatever its score', () => {
    const deals = record('old', 20, 20, '2026-02-15', { daysOpen: 10, amount: 500_000 });
    const score = scoreOf(scorePartners({ deals, partners: [makePartner('old')], asOf: AS_OF }), 'old');
    expect(score.score).toBeGreaterThan(50);
    expect(score).toMatchObject({ dormant: true, tier: 'dormant', decaying: false });
  });

  it('given weights that only count won revenue, when scoring, then the score is the revenue component', () => {
    const config = scoringConfigSchema.parse({
      weights: { winRate: 0, wonRevenue: 1, openPipeline: 0, activity: 0, timeToClose: 0 },
    });
    const deals = [
      ...record('big', 2, 2, '2026-06-01', { amount: 100_000 }),
      ...record('small', 2, 2, '2026-06-01', { amount: 1_000 }),
    ];
    const result = scorePartners({ deals, partners: [makePartner('big'), makePartner('small')], asOf: AS_OF, config });
    expect(scoreOf(result, 'big').score).toBe(100);
    expect(scoreOf(result, 'small').score).toBe(Math.round(100 * scoreOf(result, 'small').components.wonRevenue));
    expect(scoreOf(result, 'small').score).toBeLessThan(60);
  });

  it('given the same input twice, when scoring, then the output is identical and within 0–100', () => {
    const deals = [
      ...record('x', 3, 7, '2026-04-01'),
      ...record('y', 9, 12, '2026-06-10'),
      makeDeal({ partnerIds: ['x'], createdAt: '2026-06-20' }),
    ];
    const partners = [makePartner('x'), makePartner('y', { type: 'self_serve' })];
    const first = scorePartners({ deals, partners, asOf: AS_OF });
    expect(scorePartners({ deals, partners, asOf: AS_OF })).toEqual(first);
    for (const p of first.partners) {
      expect(Number.isInteger(p.score)).toBe(true);
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(100);
    }
  });

  it('given a roster listing a partner twice, when scoring, then it fails naming the partner', () => {
    expect(() => scorePartners({ deals: [], partners: [makePartner('p1'), makePartner('p1')], asOf: AS_OF })).toThrow(
      /partner p1 appears twice/,
    );
  });

  it('given a scored partner, when mapping to CRM properties, then every §4.5 company property is a string', () => {
    const deals = record('p1', 1, 2, '2026-06-01', { amount: 5_000 });
    const score = scoreOf(scorePartners({ deals, partners: [makePartner('p1')], asOf: AS_OF }), 'p1');
    expect(partnerScoreProperties(score)).toEqual({
      pl_partner_type: 'named',
      pl_partner_score: String(score.score),
      pl_partner_tier: score.tier,
      pl_win_rate: String(Math.round(score.winRate * 100) / 100),
      pl_won_revenue: '5000',
      pl_avg_deal_size: '5000',
      pl_open_pipeline: '0',
      pl_last_opportunity_date: '2026-05-02',
      pl_dormant: 'false',
    });
  });
});
