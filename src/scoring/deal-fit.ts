import { type Segment as AmountSegment, DEFAULT_ATTRIBUTION_RULES } from '../attribution/attribution-rules.ts';
import { segmentOf } from '../attribution/requirement-scope.ts';
import type { Deal } from '../model/deal.ts';
import { dealStateAt, parseAsOf, partnerIdsOf } from './deal-timeline.ts';
import type { PartnerScore } from './partner-scoring.ts';
import { DEFAULT_SCORING_CONFIG, type MatchRule, type ScoringConfig } from './scoring-config.ts';

export interface NextBestPartner {
  partnerId: string;
  /** The candidate's fit with this deal, 0–100 (see `partnerFitScore`). */
  fitScore: number;
  /** Why, in words a seller reads on the card: where the partner has won. */
  reason: string;
}

/**
 * Per open deal: how well its current partners fit it, and the best partner not on it yet. Designed for a write-back
 * to diff: integer scores, stable ids, null (not absent) when there is nothing to say.
 */
export interface DealFit {
  dealId: string;
  /**
   * Estimated win rate (in %) of the best-fitting partner already on the deal for a deal of this segment; null when no
   * known partner is attached.
   */
  partnerFitScore: number | null;
  nextBestPartner: NextBestPartner | null;
}

export interface ScoreDealFitInput {
  deals: readonly Deal[];
  /** The partner scoring of the same as-of (its corrected win rates and dormancy flags are reused). */
  partnerScores: readonly PartnerScore[];
  asOf: string;
  config?: ScoringConfig | undefined;
  /**
   * The tenant's segments (the amount bands of its attribution rules) that match rules name in `scope.segments`;
   * default: the default attribution rules' smb / mid_market / enterprise.
   */
  segments?: readonly AmountSegment[] | undefined;
}

/** What the segment of a deal without an amount is called in a match rule's scope (SPEC §2.5). */
export const UNKNOWN_SEGMENT = 'unknown';

type Dimension = 'amount' | 'region' | 'product';

interface Segment {
  dimension: Dimension;
  key: string;
  label: string;
}

interface CellRecord {
  closed: number;
  won: number;
}

interface Candidate {
  partnerId: string;
  fitRate: number;
  /** fitRate plus the boosts of the prefer rules naming the partner: the ranking key. */
  rankRate: number;
  segmentWins: number;
  preferredBy: string[];
}

/**
 * Where partners win: every closed deal at as-of adds to the cells (amount band, region, each product) of each of its
 * partners. A partner's win rate in a cell is shrunk toward its own corrected overall win rate with
 * `segmentPriorStrength` pseudo-deals, so 1 win of 1 in a region does not outrank 30 of 60; a deal's fit with a
 * partner is the mean over the deal's dimensions (products averaged within theirs). Candidates for the next-best
 * partner must have closed at least `minSegmentClosedDeals` deals in one of the deal's cells (a partner that never
 * worked a region or product is not suggested on its overall record alone), must not already be on the deal, and
 * must not be dormant unless the tenant allows it.
 *
 * The tenant's partner-match rules (`config.matchRules`) then apply: the dimensions are weighted by
 * `dimensionWeights` (equal weights = the plain mean), a partner named by an `exclude` rule whose scope holds the deal
 * is never suggested for it, and one named by a `prefer` rule ranks with `boost` fit points added (its shown fit
 * score stays the real one, and the reason names the rule). A prefer rule does not make an ineligible partner
 * eligible. Without rules the result is what it was before the lever existed.
 */
export function scoreDealFit(input: ScoreDealFitInput): DealFit[] {
  const config = input.config ?? DEFAULT_SCORING_CONFIG;
  const asOfDay = parseAsOf(input.asOf);
  const rules = config.fit;
  const excluded = new Set<string>(config.excludedDealTypes);
  const partners = new Map(input.partnerScores.map((score) => [score.partnerId, score]));
  const weights = config.matchRules.dimensionWeights;
  const matchRules = config.matchRules.rules;
  const amountSegments = input.segments ?? DEFAULT_ATTRIBUTION_RULES.segments;

  const cells = new Map<string, Map<string, CellRecord>>();
  const open: Deal[] = [];
  for (const deal of input.deals) {
    if (deal.type !== null && excluded.has(deal.type)) continue;
    const state = dealStateAt(deal, asOfDay);
    if (state === 'not_created') continue;
    if (state === 'open') {
      open.push(deal);
      continue;
    }
    for (const partnerId of partnerIdsOf(deal)) {
      if (!partners.has(partnerId)) continue;
      for (const segment of segmentsOf(deal, rules.amountBands)) {
        let byPartner = cells.get(segment.key);
        if (!byPartner) {
          byPartner = new Map();
          cells.set(segment.key, byPartner);
        }
        const record = byPartner.get(partnerId) ?? { closed: 0, won: 0 };
        record.closed += 1;
        if (state === 'won') record.won += 1;
        byPartner.set(partnerId, record);
      }
    }
  }

  const fitRate = (partner: PartnerScore, segments: readonly Segment[]) => {
    const byDimension = new Map<Dimension, number[]>();
    for (const segment of segments) {
      const record = cells.get(segment.key)?.get(partner.partnerId) ?? { closed: 0, won: 0 };
      const rate =
        (record.won + rules.segmentPriorStrength * partner.winRate) / (record.closed + rules.segmentPriorStrength);
      const rates = byDimension.get(segment.dimension) ?? [];
      rates.push(rate);
      byDimension.set(segment.dimension, rates);
    }
    let sum = 0;
    let total = 0;
    for (const [dimension, rates] of byDimension) {
      const weight = weights[dimension];
      sum += (weight * rates.reduce((a, b) => a + b, 0)) / rates.length;
      total += weight;
    }
    // No dimension, or only dimensions the tenant weighted 0: the partner's overall record is all there is.
    return total === 0 ? partner.winRate : sum / total;
  };

  // Deals in the same segments under the same rules share one ranking; only the exclusion of their own partners differs.
  const rankings = new Map<string, Candidate[]>();
  const rankingFor = (segments: readonly Segment[], applicable: readonly number[]) => {
    const signature = `${segments.map((s) => s.key).join('\u0000')}\u0001${applicable.join(',')}`;
    const cached = rankings.get(signature);
    if (cached) return cached;
    const wins = new Map<string, number>();
    const eligible = new Set<string>();
    for (const segment of segments) {
      for (const [partnerId, record] of cells.get(segment.key) ?? []) {
        wins.set(partnerId, (wins.get(partnerId) ?? 0) + record.won);
        if (record.closed >= rules.minSegmentClosedDeals) eligible.add(partnerId);
      }
    }
    const ranking: Candidate[] = [];
    for (const partnerId of eligible) {
      const partner = partners.get(partnerId);
      if (!partner || (partner.dormant && !rules.includeDormant)) continue;
      const effects = ruleEffects(matchRules, applicable, partner);
      if (effects.excludedBy.length > 0) continue;
      const rate = fitRate(partner, segments);
      ranking.push({
        partnerId,
        fitRate: rate,
        rankRate: rate + effects.boost / 100,
        segmentWins: wins.get(partnerId) ?? 0,
        preferredBy: effects.preferredBy,
      });
    }
    ranking.sort(
      (a, b) =>
        b.rankRate - a.rankRate ||
        b.fitRate - a.fitRate ||
        b.segmentWins - a.segmentWins ||
        (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0),
    );
    rankings.set(signature, ranking);
    return ranking;
  };

  const reasonFor = (partner: PartnerScore, segments: readonly Segment[]) => {
    const worked = segments
      .map((segment) => ({ segment, record: cells.get(segment.key)?.get(partner.partnerId) }))
      .filter((entry): entry is { segment: Segment; record: CellRecord } => (entry.record?.closed ?? 0) > 0)
      .sort((a, b) => b.record.closed - a.record.closed || b.record.won - a.record.won)
      .slice(0, 3)
      .map(({ segment, record }) => `${record.won} of ${record.closed} ${segment.label}`);
    return `won ${worked.join('; ')} (corrected overall win rate ${Math.round(partner.winRate * 100)}%)`;
  };

  const fits: DealFit[] = [];
  for (const deal of open) {
    const segments = segmentsOf(deal, rules.amountBands);
    const onDeal = new Set(partnerIdsOf(deal));
    let partnerFitScore: number | null = null;
    for (const partnerId of onDeal) {
      const partner = partners.get(partnerId);
      if (!partner) continue;
      const score = Math.round(100 * fitRate(partner, segments));
      if (partnerFitScore === null || score > partnerFitScore) partnerFitScore = score;
    }
    const applicable = applicableMatchRules(matchRules, deal, amountSegments);
    const best = rankingFor(segments, applicable).find((candidate) => !onDeal.has(candidate.partnerId));
    const bestPartner = best ? partners.get(best.partnerId) : undefined;
    fits.push({
      dealId: deal.id,
      partnerFitScore,
      nextBestPartner:
        best && bestPartner
          ? {
              partnerId: best.partnerId,
              fitScore: Math.round(100 * best.fitRate),
              reason:
                reasonFor(bestPartner, segments) +
                (best.preferredBy.length > 0 ? `; preferred by ${best.preferredBy.join(', ')}` : ''),
            }
          : null,
    });
  }
  return fits.sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
}

/** How a match rule is named to admins and sellers: its name, or its place in the list. */
export function matchRuleLabel(rule: MatchRule, index: number): string {
  return rule.name === undefined ? `rule ${index + 1}` : `rule "${rule.name}"`;
}

/** The indexes of the rules whose scope holds the deal (segment by amount, `unknown` without one; region). */
export function applicableMatchRules(
  rules: readonly MatchRule[],
  deal: Pick<Deal, 'amount' | 'region'>,
  amountSegments: readonly AmountSegment[],
): number[] {
  const segment = (segmentOf(deal.amount, amountSegments) ?? UNKNOWN_SEGMENT).toLowerCase();
  const region = deal.region?.trim().toLowerCase() ?? '';
  const indexes: number[] = [];
  rules.forEach((rule, index) => {
    const { segments, regions } = rule.scope;
    if (segments && !segments.some((name) => name.trim().toLowerCase() === segment)) return;
    if (regions && (region === '' || !regions.some((name) => name.trim().toLowerCase() === region))) return;
    indexes.push(index);
  });
  return indexes;
}

/** What the applicable rules do to one partner: the excludes naming it, the prefers naming it and their boost. */
export function ruleEffects(
  rules: readonly MatchRule[],
  applicable: readonly number[],
  partner: Pick<PartnerScore, 'partnerId' | 'partnerType' | 'tier'>,
): { excludedBy: string[]; preferredBy: string[]; boost: number } {
  const excludedBy: string[] = [];
  const preferredBy: string[] = [];
  let boost = 0;
  for (const index of applicable) {
    const rule = rules[index];
    if (!rule || !namesPartner(rule, partner)) continue;
    if (rule.action === 'exclude') excludedBy.push(matchRuleLabel(rule, index));
    else {
      preferredBy.push(matchRuleLabel(rule, index));
      boost += rule.boost;
    }
  }
  return { excludedBy, preferredBy, boost };
}

function namesPartner(rule: MatchRule, partner: Pick<PartnerScore, 'partnerId' | 'partnerType' | 'tier'>): boolean {
  const { ids, types, tiers } = rule.partners;
  return (
    (ids?.includes(partner.partnerId) ?? false) ||
    (types?.includes(partner.partnerType) ?? false) ||
    (tiers?.includes(partner.tier) ?? false)
  );
}

/** The cells a deal sits in, in a stable order: amount band, region, then products sorted. */
export function segmentsOf(deal: Deal, amountBands: readonly number[]): Segment[] {
  const segments: Segment[] = [];
  if (deal.amount !== null) {
    const index = amountBands.findIndex((edge) => deal.amount !== null && deal.amount < edge);
    const band = index === -1 ? amountBands.length : index;
    segments.push({ dimension: 'amount', key: `amount:${band}`, label: `at ${bandLabel(amountBands, band)}` });
  }
  if (deal.region !== null && deal.region.trim() !== '') {
    const region = deal.region.trim();
    segments.push({ dimension: 'region', key: `region:${region.toLowerCase()}`, label: `in region ${region}` });
  }
  const products = new Map<string, string>();
  for (const product of deal.products) {
    const key = `product:${product.trim().toLowerCase()}`;
    if (!products.has(key)) products.set(key, product.trim());
  }
  for (const key of [...products.keys()].sort()) {
    segments.push({ dimension: 'product', key, label: `with product ${products.get(key)}` });
  }
  return segments;
}

function bandLabel(edges: readonly number[], band: number): string {
  const low = band === 0 ? undefined : edges[band - 1];
  const high = edges[band];
  if (low === undefined && high !== undefined) return `under ${compactAmount(high)}`;
  if (high === undefined && low !== undefined) return `${compactAmount(low)} and above`;
  return `${compactAmount(low ?? 0)}–${compactAmount(high ?? 0)}`;
}

function compactAmount(value: number): string {
  if (value >= 1_000_000 && value % 100_000 === 0) return `${value / 1_000_000}M`;
  if (value >= 1_000 && value % 100 === 0) return `${value / 1_000}k`;
  return String(value);
}
