import { type Segment as AmountSegment, DEFAULT_ATTRIBUTION_RULES } from '../attribution/attribution-rules.ts';
import type { Deal } from '../model/deal.ts';
import { applicableMatchRules, type NextBestPartner, ruleEffects, scoreDealFit } from './deal-fit.ts';
import type { PartnerScore } from './partner-scoring.ts';
import type { MatchRules, ScoringConfig } from './scoring-config.ts';

/** One open deal whose next-best partner the candidate rules would change. */
export interface MatchRulesChange {
  dealId: string;
  before: NextBestPartner | null;
  after: NextBestPartner | null;
  /** Why, in an admin's words: the rule that excludes the old partner or prefers the new one, or the weights. */
  reason: string;
}

export interface MatchRulesPreview {
  /** Open deals (of a counted type) at as-of: what the rules were tried on. */
  openDeals: number;
  /** Changed deals, by deal id. */
  changes: MatchRulesChange[];
}

export interface MatchPreviewPartner {
  partnerId: string;
  name: string;
  fitScore: number;
}

/** The answer of `POST /api/scoring/match-rules/preview` (the service adds names; the Settings page reads it). */
export interface MatchRulesPreviewResult {
  tenantId: string;
  asOf: string;
  /** Open deals the rules were tried on. */
  openDeals: number;
  /** Deals whose next-best partner would change (all of them, even beyond `changes`). */
  changed: number;
  changes: Array<{
    dealId: string;
    dealName: string;
    before: MatchPreviewPartner | null;
    after: MatchPreviewPartner | null;
    reason: string;
  }>;
  /** Whether `changes` lists fewer than `changed`. */
  truncated: boolean;
}

export interface PreviewMatchRulesInput {
  deals: readonly Deal[];
  /** The partner scoring of the same as-of (match rules do not change partner scores, so it serves both sides). */
  partnerScores: readonly PartnerScore[];
  asOf: string;
  /** The tenant's effective config today. */
  config: ScoringConfig;
  /** The rules the admin is trying, in place of `config.matchRules`. */
  candidate: MatchRules;
  segments?: readonly AmountSegment[] | undefined;
  /** How a partner is named in the reason (default: its id). */
  nameOf?: (partnerId: string) => string;
}

/**
 * Which open deals' next-best partner the candidate match rules would change, without writing anything: the same
 * engine run twice over the same partner scores, once with today's rules and once with the candidate.
 */
export function previewMatchRules(input: PreviewMatchRulesInput): MatchRulesPreview {
  const nameOf = input.nameOf ?? ((id: string) => id);
  const common = { deals: input.deals, partnerScores: input.partnerScores, asOf: input.asOf, segments: input.segments };
  const before = scoreDealFit({ ...common, config: input.config });
  const after = new Map(
    scoreDealFit({ ...common, config: { ...input.config, matchRules: input.candidate } }).map((fit) => [
      fit.dealId,
      fit,
    ]),
  );
  const deals = new Map(input.deals.map((deal) => [deal.id, deal]));
  const partners = new Map(input.partnerScores.map((score) => [score.partnerId, score]));

  const changes: MatchRulesChange[] = [];
  for (const old of before) {
    const next = after.get(old.dealId)?.nextBestPartner ?? null;
    const previous = old.nextBestPartner;
    if ((previous?.partnerId ?? null) === (next?.partnerId ?? null)) continue;
    const deal = deals.get(old.dealId);
    const applicable = deal
      ? applicableMatchRules(input.candidate.rules, deal, input.segments ?? DEFAULT_ATTRIBUTION_RULES.segments)
      : [];
    const effectsOf = (partnerId: string) => {
      const partner = partners.get(partnerId);
      return partner ? ruleEffects(input.candidate.rules, applicable, partner) : undefined;
    };
    const reasons: string[] = [];
    if (previous) {
      const excludedBy = effectsOf(previous.partnerId)?.excludedBy ?? [];
      if (excludedBy.length > 0) reasons.push(`${nameOf(previous.partnerId)} is excluded by ${excludedBy.join(', ')}`);
    }
    if (next) {
      const preferredBy = effectsOf(next.partnerId)?.preferredBy ?? [];
      if (preferredBy.length > 0) reasons.push(`${nameOf(next.partnerId)} is preferred by ${preferredBy.join(', ')}`);
    } else {
      reasons.push('no eligible partner is left for this deal');
    }
    if (reasons.length === 0) {
      reasons.push(
        previous && next
          ? `the dimension weights rank ${nameOf(next.partnerId)} above ${nameOf(previous.partnerId)}`
          : 'the dimension weights changed the ranking',
      );
    }
    changes.push({ dealId: old.dealId, before: previous, after: next, reason: reasons.join('; ') });
  }
  return { openDeals: before.length, changes };
}
