import { describe, expect, it } from 'vitest';
import type { DealFit } from './deal-fit.ts';
import type { PartnerScore } from './partner-scoring.ts';
import { dealFitProperties, partnerScoreProperties } from './scoring-properties.ts';

const BASE: PartnerScore = {
  partnerId: 'p1',
  partnerType: 'named',
  score: 62,
  tier: 'core',
  winRate: 0.4064,
  winRateLow: 0.21,
  rawWinRate: 0.5,
  closedDeals: 6,
  wonDeals: 3,
  wonRevenue: 120_000.5,
  avgDealSize: 40_000.17,
  openDeals: 2,
  openPipeline: 35_000,
  avgDaysToClose: 41.5,
  activity: 3.2,
  lastOpportunityAt: '2026-06-12T15:30:00.000Z',
  daysSinceLastOpportunity: 18,
  recentOpportunities: 2,
  baselineOpportunities: 4,
  dormant: false,
  decaying: false,
  components: { winRate: 0.5, wonRevenue: 0.6, openPipeline: 0.4, activity: 0.5, timeToClose: 0.5 },
};

describe('partnerScoreProperties', () => {
  it.each([
    { case: 'a typical partner', change: {}, expected: { pl_win_rate: '0.41', pl_won_revenue: '120000.5' } },
    { case: 'a win rate at a rounding edge', change: { winRate: 0.405 }, expected: { pl_win_rate: '0.41' } },
    { case: 'a win rate just below it', change: { winRate: 0.4049 }, expected: { pl_win_rate: '0.4' } },
    { case: 'no won deal with an amount', change: { avgDealSize: null }, expected: { pl_avg_deal_size: '' } },
    {
      case: 'no opportunity yet',
      change: { lastOpportunityAt: null },
      expected: { pl_last_opportunity_date: '' },
    },
    {
      case: 'a dormant self-serve partner',
      change: { dormant: true, tier: 'dormant' as const, partnerType: 'self_serve' as const },
      expected: { pl_dormant: 'true', pl_partner_tier: 'dormant', pl_partner_type: 'self_serve' },
    },
  ])('given $case, when mapped to CRM values, then the strings are what HubSpot stores', ({ change, expected }) => {
    const values = partnerScoreProperties({ ...BASE, ...change });
    expect(values).toMatchObject(expected);
    expect(values.pl_last_opportunity_date).toMatch(/^(\d{4}-\d{2}-\d{2})?$/);
    expect(Object.values(values).every((value) => typeof value === 'string')).toBe(true);
  });

  it('given the same score twice, when mapped, then the values are identical (the write-back can compare them)', () => {
    expect(partnerScoreProperties({ ...BASE })).toEqual(partnerScoreProperties({ ...BASE }));
  });
});

describe('dealFitProperties', () => {
  it.each<{ case: string; fit: DealFit; expected: Record<string, string> }>([
    {
      case: 'a fitting partner and a suggestion',
      fit: { dealId: 'd1', partnerFitScore: 47, nextBestPartner: { partnerId: 'p2', fitScore: 55, reason: 'won' } },
      expected: { pl_partner_fit_score: '47', pl_next_best_partner: 'p2' },
    },
    {
      case: 'no partner on the deal yet',
      fit: { dealId: 'd1', partnerFitScore: null, nextBestPartner: { partnerId: 'p2', fitScore: 55, reason: 'won' } },
      expected: { pl_partner_fit_score: '', pl_next_best_partner: 'p2' },
    },
    {
      case: 'nobody to suggest',
      fit: { dealId: 'd1', partnerFitScore: 0, nextBestPartner: null },
      expected: { pl_partner_fit_score: '0', pl_next_best_partner: '' },
    },
  ])('given $case, when mapped, then the deal values are $expected', ({ fit, expected }) => {
    expect(dealFitProperties(fit)).toEqual(expected);
  });
});
