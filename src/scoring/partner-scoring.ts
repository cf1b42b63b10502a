import type { Deal } from '../model/deal.ts';
import type { Partner, PartnerType } from '../model/partner.ts';
import { InvalidInputError } from '../shared/errors.ts';
import { dayNumber, dealStateAt, parseAsOf, partnerIdsOf } from './deal-timeline.ts';
import { activityStatus, type PartnerTier, tierFor } from './partner-tiers.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig, type ScoringWeights } from './scoring-config.ts';
import {
  type BetaPrior,
  fitGroupPriors,
  type PriorSource,
  posteriorWinRate,
  priorMean,
  type WinRecord,
} from './win-rate-shrinkage.ts';

export interface ScorePartnersInput {
  deals: readonly Deal[];
  partners: readonly Partner[];
  /** YYYY-MM-DD; deals created after it are ignored, deals closed after it are open. */
  asOf: string;
  config?: ScoringConfig | undefined;
}

/** Each score component on 0–1, before weighting. */
export interface ScoreComponents {
  winRate: number;
  wonRevenue: number;
  openPipeline: number;
  activity: number;
  timeToClose: number;
}

/**
 * One partner's scoring at as-of. Values are rounded (score to an integer, rates to 4 decimals, money to cents) so
 * two runs on the same data are byte-identical and a CRM write-back can skip values that did not change.
 */
export interface PartnerScore {
  partnerId: string;
  partnerType: PartnerType;
  score: number;
  tier: PartnerTier;
  /** Small-sample-corrected win rate (posterior mean), not won/closed. */
  winRate: number;
  /** Lower bound of the win rate (posterior quantile, default 5 %). */
  winRateLow: number;
  /** won/closed, null without closed deals; for comparison only. */
  rawWinRate: number | null;
  closedDeals: number;
  wonDeals: number;
  wonRevenue: number;
  /** Won revenue over won deals that carry an amount; null when there are none. */
  avgDealSize: number | null;
  openDeals: number;
  openPipeline: number;
  /** Mean days from creation to close of won deals; null without won deals. */
  avgDaysToClose: number | null;
  /** Opportunities weighted by 2^(-age / half-life). */
  activity: number;
  lastOpportunityAt: string | null;
  daysSinceLastOpportunity: number | null;
  recentOpportunities: number;
  baselineOpportunities: number;
  dormant: boolean;
  decaying: boolean;
  components: ScoreComponents;
}

export interface PriorSummary {
  alpha: number;
  beta: number;
  mean: number;
  /** alpha + beta: how many deals of evidence the prior is worth. */
  strength: number;
  source: PriorSource;
  partners: number;
}

export interface PartnerScoring {
  asOf: string;
  /** Score descending, then partner id ascending. */
  partners: PartnerScore[];
  priors: Record<PartnerType, PriorSummary>;
}

/** Pseudo-deals at the type's mean time to close that a partner's own mean is averaged with. */
const TIME_TO_CLOSE_PRIOR_DEALS = 3;

interface Tally extends WinRecord {
  partner: Partner;
  wonRevenue: number;
  wonWithAmount: number;
  openDeals: number;
  openPipeline: number;
  daysToCloseSum: number;
  daysToCloseCount: number;
  activity: number;
  ages: number[];
  lastCreatedMs: number | null;
}

/**
 * Scores every partner of the roster from the deals that list it (any role). Deals of an excluded type (renewal and
 * churn by default) count for nothing: they are not new business, and renewals usually inherit the original deal's
 * partner associations, which would make a long-gone partner look active. Partner references that are not in the
 * roster are ignored here; the CLI reports them.
 */
export function scorePartners(input: ScorePartnersInput): PartnerScoring {
  const config = input.config ?? DEFAULT_SCORING_CONFIG;
  const asOfDay = parseAsOf(input.asOf);
  const tallies = new Map<string, Tally>();
  for (const partner of input.partners) {
    if (tallies.has(partner.id)) throw new InvalidInputError(`partner ${partner.id} appears twice in the roster`);
    tallies.set(partner.id, emptyTally(partner));
  }

  const excluded = new Set<string>(config.excludedDealTypes);
  for (const deal of input.deals) {
    if (deal.type !== null && excluded.has(deal.type)) continue;
    const state = dealStateAt(deal, asOfDay);
    if (state === 'not_created') continue;
    const createdMs = Date.parse(deal.createdAt);
    const createdDay = dayNumber(deal.createdAt);
    const age = asOfDay - createdDay;
    for (const partnerId of partnerIdsOf(deal)) {
      const tally = tallies.get(partnerId);
      if (!tally) continue;
      tally.ages.push(age);
      tally.activity += 0.5 ** (age / config.activity.halfLifeDays);
      if (tally.lastCreatedMs === null || createdMs > tally.lastCreatedMs) tally.lastCreatedMs = createdMs;
      if (state === 'open') {
        tally.openDeals += 1;
        tally.openPipeline += deal.amount ?? 0;
        continue;
      }
      tally.closed += 1;
      if (state !== 'won') continue;
      tally.won += 1;
      if (deal.amount !== null) {
        tally.wonRevenue += deal.amount;
        tally.wonWithAmount += 1;
      }
      if (deal.closeDate !== null) {
        tally.daysToCloseSum += Math.max(0, dayNumber(deal.closeDate) - createdDay);
        tally.daysToCloseCount += 1;
      }
    }
  }

  const byType = new Map<PartnerType, Tally[]>([
    ['named', []],
    ['self_serve', []],
  ]);
  for (const tally of tallies.values()) byType.get(tally.partner.type)?.push(tally);
  const priors = fitGroupPriors(byType, config.shrinkage);
  const references = new Map([...byType].map(([type, group]) => [type, typeReferences(group, config)]));

  const scores: PartnerScore[] = [];
  for (const tally of tallies.values()) {
    const type = tally.partner.type;
    const prior = priors.get(type) ?? fallbackPrior(config);
    const reference = references.get(type) ?? typeReferences([], config);
    const posterior = posteriorWinRate(prior, tally, config.shrinkage.lowerQuantile);
    const avgDaysToClose = tally.daysToCloseCount > 0 ? tally.daysToCloseSum / tally.daysToCloseCount : null;
    const components: ScoreComponents = {
      winRate: Math.min(1, posterior.winRate / (2 * priorMean(prior))),
      wonRevenue: logScaled(tally.wonRevenue, reference.wonRevenue),
      openPipeline: logScaled(tally.openPipeline, reference.openPipeline),
      activity: logScaled(tally.activity, reference.activity),
      timeToClose: timeToCloseComponent(tally, reference.daysToClose),
    };
    const score = Math.round(100 * weighted(components, config.weights));
    const status = activityStatus(
      {
        opportunityAgesDays: tally.ages,
        registeredAgeDays: asOfDay - dayNumber(tally.partner.registeredAt),
      },
      config.activity,
    );
    scores.push({
      partnerId: tally.partner.id,
      partnerType: type,
      score,
      tier: tierFor({ score, closedDeals: tally.closed, dormant: status.dormant }, config.tiers),
      winRate: round(posterior.winRate, 4),
      winRateLow: round(posterior.winRateLow, 4),
      rawWinRate: tally.closed > 0 ? round(tally.won / tally.closed, 4) : null,
      closedDeals: tally.closed,
      wonDeals: tally.won,
      wonRevenue: round(tally.wonRevenue, 2),
      avgDealSize: tally.wonWithAmount > 0 ? round(tally.wonRevenue / tally.wonWithAmount, 2) : null,
      openDeals: tally.openDeals,
      openPipeline: round(tally.openPipeline, 2),
      avgDaysToClose: avgDaysToClose === null ? null : round(avgDaysToClose, 1),
      activity: round(tally.activity, 4),
      lastOpportunityAt: tally.lastCreatedMs === null ? null : new Date(tally.lastCreatedMs).toISOString(),
      daysSinceLastOpportunity: status.daysSinceLastOpportunity,
      recentOpportunities: status.recentOpportunities,
      baselineOpportunities: status.baselineOpportunities,
      dormant: status.dormant,
      decaying: status.decaying,
      components: {
        winRate: round(components.winRate, 4),
        wonRevenue: round(components.wonRevenue, 4),
        openPipeline: round(components.openPipeline, 4),
        activity: round(components.activity, 4),
        timeToClose: round(components.timeToClose, 4),
      },
    });
  }
  scores.sort(byScoreThenId);

  return {
    asOf: input.asOf,
    partners: scores,
    priors: {
      named: summarizePrior(priors.get('named') ?? fallbackPrior(config)),
      self_serve: summarizePrior(priors.get('self_serve') ?? fallbackPrior(config)),
    },
  };
}

export function byScoreThenId(a: { score: number; partnerId: string }, b: { score: number; partnerId: string }) {
  if (a.score !== b.score) return b.score - a.score;
  return a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0;
}

function emptyTally(partner: Partner): Tally {
  return {
    partner,
    closed: 0,
    won: 0,
    wonRevenue: 0,
    wonWithAmount: 0,
    openDeals: 0,
    openPipeline: 0,
    daysToCloseSum: 0,
    daysToCloseCount: 0,
    activity: 0,
    ages: [],
    lastCreatedMs: null,
  };
}

interface TypeReferences {
  wonRevenue: number;
  openPipeline: number;
  activity: number;
  /** Mean days to close over every won deal of the type; null when the type has none. */
  daysToClose: number | null;
}

/**
 * Reference values within one partner type (named and self-serve deal sizes differ by orders of magnitude, so each
 * is measured against its own kind): the `referencePercentile` of the partners with a positive value.
 */
function typeReferences(group: readonly Tally[], config: ScoringConfig): TypeReferences {
  const percentile = (values: number[]) => {
    const positive = values.filter((v) => v > 0).sort((a, b) => a - b);
    if (positive.length === 0) return 0;
    const index = Math.max(0, Math.ceil(config.referencePercentile * positive.length) - 1);
    return positive[index] ?? 0;
  };
  const daysSum = group.reduce((sum, t) => sum + t.daysToCloseSum, 0);
  const daysCount = group.reduce((sum, t) => sum + t.daysToCloseCount, 0);
  return {
    wonRevenue: percentile(group.map((t) => t.wonRevenue)),
    openPipeline: percentile(group.map((t) => t.openPipeline)),
    activity: percentile(group.map((t) => t.activity)),
    daysToClose: daysCount > 0 ? daysSum / daysCount : null,
  };
}

/**
 * 0 at zero, 1 at (or above) the reference, logarithmic over the decade below it: half the reference scores 0.74, a
 * tenth 0.28, a hundredth 0.04. Money and activity are heavy-tailed; a linear scale would leave everyone but the top
 * few partners near zero, a wider log scale would let one small deal look like most of a big partner's book.
 */
function logScaled(value: number, reference: number): number {
  if (value <= 0 || reference <= 0) return 0;
  return Math.min(1, Math.log1p((9 * value) / reference) / Math.log(10));
}

/**
 * 0.5 at the type's mean time to close, toward 1 when faster, toward 0 when slower. The partner's own mean is
 * averaged with a few pseudo-deals at the type mean so one quick win does not make it the fastest partner.
 */
function timeToCloseComponent(tally: Tally, typeMeanDays: number | null): number {
  if (typeMeanDays === null) return 0.5;
  const shrunk =
    (tally.daysToCloseSum + TIME_TO_CLOSE_PRIOR_DEALS * typeMeanDays) /
    (tally.daysToCloseCount + TIME_TO_CLOSE_PRIOR_DEALS);
  const reference = Math.max(typeMeanDays, 1);
  return reference / (reference + Math.max(shrunk, 0));
}

function weighted(components: ScoreComponents, weights: ScoringWeights): number {
  const keys = Object.keys(components) as (keyof ScoreComponents)[];
  const total = keys.reduce((sum, key) => sum + weights[key], 0);
  return keys.reduce((sum, key) => sum + weights[key] * components[key], 0) / total;
}

function fallbackPrior(config: ScoringConfig): BetaPrior {
  return { ...config.shrinkage.fallbackPrior, source: 'fallback', partners: 0 };
}

function summarizePrior(prior: BetaPrior): PriorSummary {
  return {
    alpha: round(prior.alpha, 4),
    beta: round(prior.beta, 4),
    mean: round(priorMean(prior), 4),
    strength: round(prior.alpha + prior.beta, 4),
    source: prior.source,
    partners: prior.partners,
  };
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return rounded === 0 ? 0 : rounded; // no -0 in the output
}
