import { describe, expect, it } from 'vitest';
import { activityStatus, tierFor } from './partner-tiers.ts';
import { DEFAULT_SCORING_CONFIG } from './scoring-config.ts';

const tiers = DEFAULT_SCORING_CONFIG.tiers; // strategic ≥70 & ≥10 closed, core ≥55 & ≥3, emerging ≥45
const activity = DEFAULT_SCORING_CONFIG.activity; // dormant after 90 days; windows 90 + 180; ratio 0.5; ≥4 baseline

describe('tierFor', () => {
  it.each([
    { score: 100, closedDeals: 50, dormant: false, tier: 'strategic' },
    { score: 70, closedDeals: 10, dormant: false, tier: 'strategic' },
    { score: 69, closedDeals: 10, dormant: false, tier: 'core' },
    { score: 70, closedDeals: 9, dormant: false, tier: 'core' },
    { score: 55, closedDeals: 3, dormant: false, tier: 'core' },
    { score: 54, closedDeals: 3, dormant: false, tier: 'emerging' },
    { score: 95, closedDeals: 2, dormant: false, tier: 'emerging' },
    { score: 45, closedDeals: 0, dormant: false, tier: 'emerging' },
    { score: 44, closedDeals: 40, dormant: false, tier: 'long_tail' },
    { score: 0, closedDeals: 0, dormant: false, tier: 'long_tail' },
    { score: 100, closedDeals: 50, dormant: true, tier: 'dormant' },
  ])('given score $score, $closedDeals closed deals, dormant $dormant, when tiering, then the tier is $tier', (row) => {
    expect(tierFor(row, tiers)).toBe(row.tier);
  });

  it('given a tenant with its own thresholds, when tiering, then its thresholds apply', () => {
    const custom = { ...tiers, strategic: { minScore: 90, minClosedDeals: 0 } };
    expect(tierFor({ score: 85, closedDeals: 30, dormant: false }, custom)).toBe('core');
    expect(tierFor({ score: 90, closedDeals: 1, dormant: false }, custom)).toBe('strategic');
  });
});

describe('activityStatus: dormancy', () => {
  it.each([
    { case: 'an opportunity today', ages: [0], registered: 400, dormant: false, since: 0 },
    { case: 'the last opportunity exactly 90 days ago', ages: [90, 200], registered: 400, dormant: false, since: 90 },
    { case: 'the last opportunity 91 days ago', ages: [91, 300], registered: 400, dormant: true, since: 91 },
    { case: 'no opportunity, registered 90 days ago', ages: [], registered: 90, dormant: false, since: null },
    { case: 'no opportunity, registered 91 days ago', ages: [], registered: 91, dormant: true, since: null },
    { case: 'no opportunity, registered after as-of', ages: [], registered: -5, dormant: false, since: null },
  ])('given $case, when judging activity, then dormant is $dormant', ({ ages, registered, dormant, since }) => {
    const status = activityStatus({ opportunityAgesDays: ages, registeredAgeDays: registered }, activity);
    expect(status.dormant).toBe(dormant);
    expect(status.daysSinceLastOpportunity).toBe(since);
  });

  it('given a tenant that allows 30 days, when the last opportunity is 31 days old, then the partner is dormant', () => {
    const rules = { ...activity, dormantAfterDays: 30 };
    expect(activityStatus({ opportunityAgesDays: [31], registeredAgeDays: 400 }, rules).dormant).toBe(true);
  });
});

describe('activityStatus: decay', () => {
  // Baseline window: ages 90–269 (180 days); recent window: ages 0–89 (90 days). Rates are per day.
  const baseline = (count: number) => Array.from({ length: count }, (_, i) => 100 + i * 10);
  const recent = (count: number) => Array.from({ length: count }, (_, i) => 1 + i * 5);

  it.each([
    { case: '8 baseline, 1 recent (rate ratio 0.25)', ages: [...baseline(8), ...recent(1)], decaying: true },
    { case: '8 baseline, 2 recent (ratio 0.5, not below)', ages: [...baseline(8), ...recent(2)], decaying: false },
    { case: '8 baseline, 4 recent (steady)', ages: [...baseline(8), ...recent(4)], decaying: false },
    { case: '3 baseline, 0 recent but too little history', ages: [...baseline(3), 80], decaying: false },
    { case: '4 baseline, 1 recent (ratio 0.5)', ages: [...baseline(4), ...recent(1)], decaying: false },
    { case: '6 baseline, 1 recent (ratio 0.33)', ages: [...baseline(6), ...recent(1)], decaying: true },
    { case: 'already dormant (nothing for 100 days)', ages: baseline(12), decaying: false },
    { case: 'opportunities older than both windows', ages: [300, 310, 320, 330, 340, 5], decaying: false },
  ])('given $case, when judging activity, then decaying is $decaying', ({ ages, decaying }) => {
    const status = activityStatus({ opportunityAgesDays: ages, registeredAgeDays: 1000 }, activity);
    expect(status.decaying).toBe(decaying);
  });

  it('given a decaying partner, when judging activity, then it is flagged before it goes dormant', () => {
    const status = activityStatus({ opportunityAgesDays: [...baseline(8), 60], registeredAgeDays: 1000 }, activity);
    expect(status).toMatchObject({ dormant: false, decaying: true, recentOpportunities: 1, baselineOpportunities: 8 });
  });
});
