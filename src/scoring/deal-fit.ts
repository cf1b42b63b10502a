import type { Deal } from '../model/deal.ts';
import { dealStateAt, parseAsOf, partnerIdsOf } from './deal-timeline.ts';
import type { PartnerScore } from './partner-scoring.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from './scoring-config.ts';

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
}

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
  segmentWins: number;
}

/**
 * Where partners win: every closed deal at as-of adds to the cells (amount band, region, each product) of each of its
 * partners. A partner's win rate in a cell is shrunk toward its own corrected overall win rate with
 * `segmentPriorStrength` pseudo-deals, so 1 win of 1 in a region does not outrank 30 of 60; a deal's fit with a
 * partner is the mean over the deal's dimensions (products averaged within theirs). Candidates for the next-best
 * partner must have closed at least `minSegmentClosedDeals` deals in one of the deal's cells (a partner that never
 * worked a region or product is not suggested on its overall record alone), must not already be on the deal, and
 * must not be dormant unless the tenant allows it.
 */
export function scoreDealFit(input: ScoreDealFitInput): DealFit[] {
  const config = input.config ?? DEFAULT_SCORING_CONFIG;
  const asOfDay = parseAsOf(input.asOf);
  const rules = config.fit;
  const excluded = new Set<string>(config.excludedDealTypes);
  const partners = new Map(input.partnerScores.map((score) => [score.partnerId, score]));

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
    if (byDimension.size === 0) return partner.winRate;
    let sum = 0;
    for (const rates of byDimension.values()) sum += rates.reduce((a, b) => a + b, 0) / rates.length;
    return sum / byDimension.size;
  };

  // Deals in the same segments share one ranking; only the exclusion of their own partners differs.
  const rankings = new Map<string, Candidate[]>();
  const rankingFor = (segments: readonly Segment[]) => {
    const signature = segments.map((s) => s.key).join('\u0000');
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
      ranking.push({ partnerId, fitRate: fitRate(partner, segments), segmentWins: wins.get(partnerId) ?? 0 });
    }
    ranking.sort(
      (a, b) =>
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
    const best = rankingFor(segments).find((candidate) => !onDeal.has(candidate.partnerId));
    const bestPartner = best ? partners.get(best.partnerId) : undefined;
    fits.push({
      dealId: deal.id,
      partnerFitScore,
      nextBestPartner:
        best && bestPartner
          ? {
              partnerId: best.partnerId,
              fitScore: Math.round(100 * best.fitRate),
              reason: reasonFor(bestPartner, segments),
            }
          : null,
    });
  }
  return fits.sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
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
