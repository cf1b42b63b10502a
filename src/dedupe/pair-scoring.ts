import type { DealFeatures } from './deal-features.ts';
import { relativeDifference } from './deal-normalization.ts';
import { DEFAULT_MATCH_MODEL } from './default-match-model.ts';
import { jaroWinkler, sortedJaccard, sortedOverlap } from './string-similarity.ts';

/**
 * Pairwise matching with Fellegi–Sunter style level weights: each field comparison falls into a level, each level adds
 * bits (log2 odds) of evidence to the prior, and the posterior probability is the pair's confidence. The weights come
 * either from m/u probabilities (`modelFromProbabilities`, classic FS: bits = log2(m/u)) or from a logistic fit over
 * the same levels (`fitLevelWeights`, the default, which does not double-count correlated fields). Vetoes come first:
 * they encode the must-not-merge cases of SPEC §2.2 that no amount of agreement elsewhere can outweigh.
 */
export const COMPARISON_LEVELS = {
  account: ['same_id', 'same_domain', 'same_name', 'similar_name', 'contained', 'weak'],
  dealName: ['exact', 'high', 'some', 'none'],
  amount: ['same', 'within_3', 'within_10', 'within_25', 'far', 'missing'],
  closeDate: ['same', 'within_7', 'within_30', 'within_60', 'within_120', 'missing'],
  created: ['within_7', 'within_60', 'within_400', 'far'],
  products: ['same', 'overlap', 'missing'],
  intent: ['same', 'missing', 'different'],
  nameYear: ['same', 'missing', 'different'],
  registrants: ['same', 'different', 'one', 'none'],
  currency: ['same', 'missing', 'different'],
  region: ['same', 'missing', 'different'],
  legalForm: ['same', 'missing', 'different'],
  owner: ['same', 'different', 'missing'],
} as const;

export type ComparisonField = keyof typeof COMPARISON_LEVELS;
export type PairComparison = { [F in ComparisonField]: (typeof COMPARISON_LEVELS)[F][number] };

export interface LevelProbabilities {
  /** P(level | same buying event). */
  m: number;
  /** P(level | different buying events), among candidate pairs. */
  u: number;
}
export type MatchWeights = { [F in ComparisonField]: Record<PairComparison[F], LevelProbabilities> };

export type VetoCode =
  | 'own_domain'
  | 'disjoint_products'
  | 'renewal_other_year'
  | 'repeat_expansion'
  | 'far_apart'
  | 'seller_decision';

export interface Veto {
  code: VetoCode;
  reason: string;
}

/** Log2-odds scoring: the prior (intercept) plus the bits of each field's level. */
export interface MatchModel {
  interceptBits: number;
  bits: WeightTable;
}

export interface ScoringSettings {
  model: MatchModel;
  /** Close dates further apart than this are never one buying event. */
  maxCloseDateGapDays: number;
  /** Two renewals whose close dates are further apart than this renew different years. */
  renewalGapDays: number;
  /** Two expansions whose close dates are further apart than this are repeat expansions. */
  expansionGapDays: number;
  /** Without close dates: records created further apart than this are different events (unless a near-exact copy). */
  maxCreatedGapDays: number;
}

export const DEFAULT_SCORING_SETTINGS: ScoringSettings = {
  model: DEFAULT_MATCH_MODEL,
  maxCloseDateGapDays: 120,
  renewalGapDays: 180,
  expansionGapDays: 60,
  maxCreatedGapDays: 180,
};

function closeGap(a: DealFeatures, b: DealFeatures): number | null {
  return a.closeDay === null || b.closeDay === null ? null : Math.abs(a.closeDay - b.closeDay);
}

/** The must-not-merge rules (SPEC §2.2). Returns the first that applies, or null. */
export function vetoOf(a: DealFeatures, b: DealFeatures, settings: ScoringSettings): Veto | null {
  if (a.domain !== null && b.domain !== null && a.domain !== b.domain && a.accountId !== b.accountId) {
    return {
      code: 'own_domain',
      reason: `different companies: ${a.domain} and ${b.domain} (namesake or subsidiary with its own domain)`,
    };
  }
  const gap = closeGap(a, b);
  if (a.intent === 'renewal' && b.intent === 'renewal') {
    if (a.nameYear !== null && b.nameYear !== null && a.nameYear !== b.nameYear) {
      return { code: 'renewal_other_year', reason: `renewals of different years (${a.nameYear} and ${b.nameYear})` };
    }
    if (gap !== null && gap > settings.renewalGapDays) {
      return { code: 'renewal_other_year', reason: `renewals closing ${gap} days apart (different terms)` };
    }
    const created = createdGap(a, b);
    const sameNamedYear = a.nameYear !== null && a.nameYear === b.nameYear && isNearExactCopy(a, b);
    if (gap === null && created !== null && created > settings.renewalGapDays && !sameNamedYear) {
      return { code: 'renewal_other_year', reason: `renewals created ${created} days apart (different terms)` };
    }
  }
  if (a.intent === 'expansion' && b.intent === 'expansion') {
    if (gap !== null && gap > settings.expansionGapDays) {
      return { code: 'repeat_expansion', reason: `expansions closing ${gap} days apart (repeat expansions)` };
    }
    const created = createdGap(a, b);
    if (gap === null && created !== null && created > settings.expansionGapDays && !isNearExactCopy(a, b)) {
      return { code: 'repeat_expansion', reason: `expansions created ${created} days apart (repeat expansions)` };
    }
    if (a.nameUnits !== null && b.nameUnits !== null && a.nameUnits !== b.nameUnits) {
      return { code: 'repeat_expansion', reason: `expansions of ${a.nameUnits} and ${b.nameUnits} seats` };
    }
    if (a.nameQuarter !== null && b.nameQuarter !== null && a.nameQuarter !== b.nameQuarter) {
      return { code: 'repeat_expansion', reason: `expansions in Q${a.nameQuarter} and Q${b.nameQuarter}` };
    }
  }
  if (gap !== null && gap > settings.maxCloseDateGapDays) {
    return { code: 'far_apart', reason: `close dates ${gap} days apart` };
  }
  if (gap === null) {
    // Without close dates, creation time stands in: people re-enter or register a deal within weeks; only an import
    // copies it much later, and an import copies the record as it was.
    const created = createdGap(a, b);
    if (created !== null && created > settings.maxCreatedGapDays && !isNearExactCopy(a, b)) {
      return { code: 'far_apart', reason: `created ${created} days apart and no close dates to compare` };
    }
  }
  if (a.families.length > 0 && b.families.length > 0 && sortedOverlap(a.families, b.families) === 0) {
    return {
      code: 'disjoint_products',
      reason: `different products (${a.families.join(', ')} vs ${b.families.join(', ')})`,
    };
  }
  return null;
}

/** The comparison vector of two deals: one level per field. */
export function compareFeatures(a: DealFeatures, b: DealFeatures): PairComparison {
  return {
    account: accountLevel(a, b),
    dealName: dealNameLevel(a, b),
    amount: amountLevel(a, b),
    closeDate: closeDateLevel(closeGap(a, b)),
    created: createdLevel(a, b),
    products: productsLevel(a, b),
    intent: a.intent === null || b.intent === null ? 'missing' : a.intent === b.intent ? 'same' : 'different',
    nameYear: a.nameYear === null || b.nameYear === null ? 'missing' : a.nameYear === b.nameYear ? 'same' : 'different',
    registrants: registrantsLevel(a, b),
    currency: a.currency === null || b.currency === null ? 'missing' : a.currency === b.currency ? 'same' : 'different',
    region: a.region === null || b.region === null ? 'missing' : a.region === b.region ? 'same' : 'different',
    legalForm:
      a.legalFamily === null || b.legalFamily === null
        ? 'missing'
        : a.legalFamily === b.legalFamily
          ? 'same'
          : 'different',
    owner: a.ownerId === null || b.ownerId === null ? 'missing' : a.ownerId === b.ownerId ? 'same' : 'different',
  };
}

function accountLevel(a: DealFeatures, b: DealFeatures): PairComparison['account'] {
  if (a.accountId === b.accountId) return 'same_id';
  if (a.domain !== null && a.domain === b.domain) return 'same_domain';
  if (a.accountCore === b.accountCore) return 'same_name';
  const shorter = a.accountTokens.length <= b.accountTokens.length ? a.accountTokens : b.accountTokens;
  const longer = shorter === a.accountTokens ? b.accountTokens : a.accountTokens;
  if (shorter.length < longer.length && shorter.every((token) => longer.includes(token))) return 'contained';
  if (a.accountTokens.length === b.accountTokens.length && jaroWinkler(a.accountCore, b.accountCore) >= 0.93) {
    return 'similar_name';
  }
  return 'weak';
}

function dealNameLevel(a: DealFeatures, b: DealFeatures): PairComparison['dealName'] {
  if (a.name === b.name) return 'exact';
  const similarity = sortedJaccard(a.descriptor, b.descriptor);
  return similarity >= 0.6 ? 'high' : similarity >= 0.25 ? 'some' : 'none';
}

function amountLevel(a: DealFeatures, b: DealFeatures): PairComparison['amount'] {
  if (a.currency !== null && b.currency !== null && a.currency !== b.currency) return 'missing';
  const difference = relativeDifference(a.amount, b.amount);
  if (difference === null) return 'missing';
  if (difference <= 0.005) return 'same';
  if (difference <= 0.03) return 'within_3';
  if (difference <= 0.1) return 'within_10';
  if (difference <= 0.25) return 'within_25';
  return 'far';
}

function closeDateLevel(gap: number | null): PairComparison['closeDate'] {
  if (gap === null) return 'missing';
  if (gap === 0) return 'same';
  if (gap <= 7) return 'within_7';
  if (gap <= 30) return 'within_30';
  if (gap <= 60) return 'within_60';
  return 'within_120';
}

function createdLevel(a: DealFeatures, b: DealFeatures): PairComparison['created'] {
  const gap = createdGap(a, b);
  if (gap === null) return 'far';
  return gap <= 7 ? 'within_7' : gap <= 60 ? 'within_60' : gap <= 400 ? 'within_400' : 'far';
}

function createdGap(a: DealFeatures, b: DealFeatures): number | null {
  return a.createdDay === null || b.createdDay === null ? null : Math.abs(a.createdDay - b.createdDay);
}

/** An import or sync copy: same normalized name, and the same amount where both have one. */
function isNearExactCopy(a: DealFeatures, b: DealFeatures): boolean {
  return a.name === b.name && (a.amount === null || b.amount === null || relativeDifference(a.amount, b.amount) === 0);
}

function productsLevel(a: DealFeatures, b: DealFeatures): PairComparison['products'] {
  if (a.families.length === 0 || b.families.length === 0) return 'missing';
  const common = sortedOverlap(a.families, b.families);
  return common === a.families.length && common === b.families.length ? 'same' : 'overlap';
}

function registrantsLevel(a: DealFeatures, b: DealFeatures): PairComparison['registrants'] {
  if (a.registrants.length === 0 && b.registrants.length === 0) return 'none';
  if (a.registrants.length === 0 || b.registrants.length === 0) return 'one';
  return sortedOverlap(a.registrants, b.registrants) > 0 ? 'same' : 'different';
}

/** Bits (log2 odds) per level. */
export type WeightTable = { [F in ComparisonField]: Record<PairComparison[F], number> };

/** The Fellegi–Sunter model: bits = log2(m/u) per level, intercept = log2 prior odds. */
export function modelFromProbabilities(weights: MatchWeights, priorMatchProbability: number): MatchModel {
  const table = {} as Record<string, Record<string, number>>;
  for (const field of Object.keys(COMPARISON_LEVELS) as ComparisonField[]) {
    const levels = weights[field] as Record<string, LevelProbabilities>;
    table[field] = Object.fromEntries(
      Object.entries(levels).map(([level, { m, u }]) => [level, Math.log2(Math.max(m, 1e-6) / Math.max(u, 1e-6))]),
    );
  }
  return { interceptBits: Math.log2(priorMatchProbability / (1 - priorMatchProbability)), bits: table as WeightTable };
}

export function matchWeight(comparison: PairComparison, model: MatchModel): number {
  const bits = model.bits;
  return (
    model.interceptBits +
    bits.account[comparison.account] +
    bits.dealName[comparison.dealName] +
    bits.amount[comparison.amount] +
    bits.closeDate[comparison.closeDate] +
    bits.created[comparison.created] +
    bits.products[comparison.products] +
    bits.intent[comparison.intent] +
    bits.nameYear[comparison.nameYear] +
    bits.registrants[comparison.registrants] +
    bits.currency[comparison.currency] +
    bits.region[comparison.region] +
    bits.legalForm[comparison.legalForm] +
    bits.owner[comparison.owner]
  );
}

/** Posterior probability from a match weight in bits. */
export function probabilityOf(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

export interface PairAssessment {
  probability: number;
  weight: number;
  veto: Veto | null;
  /** Null when a veto decided. */
  comparison: PairComparison | null;
}

export function assessPair(a: DealFeatures, b: DealFeatures, settings: ScoringSettings): PairAssessment {
  // Most candidate pairs (other deals of the same account) end at a veto: compare fields only for the rest.
  const veto = vetoOf(a, b, settings);
  if (veto) return { probability: 0, weight: Number.NEGATIVE_INFINITY, veto, comparison: null };
  const comparison = compareFeatures(a, b);
  const weight = matchWeight(comparison, settings.model);
  return { probability: probabilityOf(weight), weight, veto: null, comparison };
}
