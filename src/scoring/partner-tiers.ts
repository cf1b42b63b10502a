import type { PartnerTier } from '../model/partner.ts';
import type { ActivityRules, TierRules } from './scoring-config.ts';

export { PARTNER_TIERS, type PartnerTier } from '../model/partner.ts';

export interface ActivityInput {
  /** Age in whole days at as-of of each counted opportunity the partner is on (0 = created on the as-of day). */
  opportunityAgesDays: readonly number[];
  /** Age in days of the partner's registration at as-of (negative when registered after as-of). */
  registeredAgeDays: number | null;
}

export interface ActivityStatus {
  daysSinceLastOpportunity: number | null;
  dormant: boolean;
  decaying: boolean;
  recentOpportunities: number;
  baselineOpportunities: number;
}

/**
 * Dormancy and decay. Dormant: the last opportunity is more than `dormantAfterDays` old (one exactly that old still
 * counts as recent); a partner without any opportunity is judged by its registration date, so a partner signed last
 * week is not dormant yet. Decaying: the opportunity rate of the recent window has fallen below `decayRatio` of the
 * rate in the window before it, with enough baseline opportunities for the drop to mean something. It is the early
 * warning, so a dormant partner is not also flagged decaying.
 */
export function activityStatus(input: ActivityInput, rules: ActivityRules): ActivityStatus {
  const ages = input.opportunityAgesDays;
  const daysSinceLastOpportunity = ages.length === 0 ? null : ages.reduce((min, age) => Math.min(min, age));
  const reference = daysSinceLastOpportunity ?? input.registeredAgeDays;
  const dormant = reference !== null && reference > rules.dormantAfterDays;
  const recentEnd = rules.recentWindowDays;
  const baselineEnd = rules.recentWindowDays + rules.baselineWindowDays;
  const recentOpportunities = ages.filter((age) => age >= 0 && age < recentEnd).length;
  const baselineOpportunities = ages.filter((age) => age >= recentEnd && age < baselineEnd).length;
  // recent/recentDays < ratio * baseline/baselineDays, cross-multiplied so a rate exactly at the ratio is not decay.
  const decaying =
    !dormant &&
    baselineOpportunities >= rules.minBaselineOpportunities &&
    recentOpportunities * rules.baselineWindowDays < rules.decayRatio * baselineOpportunities * rules.recentWindowDays;
  return { daysSinceLastOpportunity, dormant, decaying, recentOpportunities, baselineOpportunities };
}

/**
 * The tier: dormant overrides everything; otherwise the highest tier whose minimum score and minimum closed deals
 * the partner meets (the closed-deal floor keeps a partner with two lucky wins out of `strategic`).
 */
export function tierFor(
  input: { score: number; closedDeals: number; dormant: boolean },
  rules: TierRules,
): PartnerTier {
  if (input.dormant) return 'dormant';
  for (const tier of ['strategic', 'core', 'emerging'] as const) {
    const rule = rules[tier];
    if (input.score >= rule.minScore && input.closedDeals >= rule.minClosedDeals) return tier;
  }
  return 'long_tail';
}
