import { z } from 'zod';
import { type Deal, type PartnerRole, partnerRoleSchema } from '../model/deal.ts';
import { type DealFeatures, dealFeatures, inferFamiliesFromNames, newFeatureCache } from './deal-features.ts';
import { productFamilies } from './deal-normalization.ts';
import { type BlockingStats, candidatePairs, DEFAULT_BLOCKING_SETTINGS } from './dedupe-blocking.ts';
import { clusterPairs, compareIds, type DuplicateCluster, describeCluster, type Edge } from './duplicate-clustering.ts';
import {
  assessPair,
  DEFAULT_SCORING_SETTINGS,
  type MatchModel,
  type PairAssessment,
  type ScoringSettings,
} from './pair-scoring.ts';

/**
 * Tenant-tunable thresholds (the admin's dedupe settings). Every field is optional; defaults are below.
 * `matchThreshold` is the posterior probability a pair needs to be linked.
 */
export const dedupeOptionsSchema = z.strictObject({
  matchThreshold: z.number().gt(0).lt(1).optional(),
  clusterLinkThreshold: z.number().min(0).max(1).optional(),
  maxClusterSize: z.number().int().min(2).max(1000).optional(),
  maxCloseDateGapDays: z.number().int().min(0).optional(),
  renewalGapDays: z.number().int().min(0).optional(),
  expansionGapDays: z.number().int().min(0).optional(),
  maxCreatedGapDays: z.number().int().min(0).optional(),
  maxBlockSize: z.number().int().min(2).optional(),
  windowSize: z.number().int().min(1).optional(),
  registrationRoles: z.array(partnerRoleSchema).optional(),
  /** Product name → family, for catalogues the built-in heuristic does not know. */
  productFamilies: z.record(z.string(), z.string()).optional(),
  /** Product names the tenant sells: deal names that mention them count as those products when none are listed. */
  productCatalog: z.array(z.string().min(1)).optional(),
});
export type DedupeSettingsInput = z.infer<typeof dedupeOptionsSchema>;

export interface DedupeOptions extends DedupeSettingsInput {
  /** Level weights (bits); build one from m/u probabilities with `modelFromProbabilities`. */
  model?: MatchModel;
  /**
   * Pairs a person decided are different deals ("not a duplicate"): vetoed, so they are never linked again, nor
   * joined through a third record.
   */
  keepApart?: (idA: string, idB: string) => boolean;
  onProgress?: (phase: DedupePhase, done: number, total: number) => void;
}

export type DedupePhase = 'normalize' | 'block' | 'score' | 'cluster';

export const DEFAULT_DEDUPE_OPTIONS = {
  matchThreshold: 0.9,
  clusterLinkThreshold: 0.5,
  maxClusterSize: 20,
  /** Roles that claim a deal for a partner: two records claimed by different partners are a registration conflict. */
  registrationRoles: ['sourced', 'referral', 'reseller'] as readonly PartnerRole[],
} as const;

export interface DedupeStats extends BlockingStats {
  deals: number;
  vetoedPairs: number;
  acceptedPairs: number;
  clusters: number;
}

export interface DedupeResult {
  clusters: DuplicateCluster[];
  stats: DedupeStats;
}

const SELLER_DECISION: PairAssessment = {
  probability: 0,
  weight: Number.NEGATIVE_INFINITY,
  veto: { code: 'seller_decision', reason: 'a seller marked these as different deals' },
  comparison: null,
};

interface Engine {
  features: DealFeatures[];
  settings: ScoringSettings;
  assess: (a: DealFeatures, b: DealFeatures) => PairAssessment;
}

function engineFor(deals: readonly Deal[], options: DedupeOptions): Engine {
  const settings: ScoringSettings = {
    model: options.model ?? DEFAULT_SCORING_SETTINGS.model,
    maxCloseDateGapDays: options.maxCloseDateGapDays ?? DEFAULT_SCORING_SETTINGS.maxCloseDateGapDays,
    renewalGapDays: options.renewalGapDays ?? DEFAULT_SCORING_SETTINGS.renewalGapDays,
    expansionGapDays: options.expansionGapDays ?? DEFAULT_SCORING_SETTINGS.expansionGapDays,
    maxCreatedGapDays: options.maxCreatedGapDays ?? DEFAULT_SCORING_SETTINGS.maxCreatedGapDays,
  };
  const featureOptions = {
    registrationRoles: options.registrationRoles ?? DEFAULT_DEDUPE_OPTIONS.registrationRoles,
    productFamilies: options.productFamilies,
    cache: newFeatureCache(),
  };
  const features = deals.map((deal, index) => dealFeatures(deal, index, featureOptions));
  inferFamiliesFromNames(features, productFamilies(options.productCatalog ?? [], options.productFamilies));
  const keepApart = options.keepApart;
  const assess = keepApart
    ? (a: DealFeatures, b: DealFeatures): PairAssessment =>
        keepApart(a.id, b.id) ? SELLER_DECISION : assessPair(a, b, settings)
    : (a: DealFeatures, b: DealFeatures) => assessPair(a, b, settings);
  return { features, settings, assess };
}

/**
 * Finds the records of the same buying event among `deals` (SPEC §2.2): normalize → block → score pairs → cluster.
 * Pure and deterministic: the same deals in any order give the same clusters, ordered by their first id.
 */
export function dedupeDeals(deals: readonly Deal[], options: DedupeOptions = {}): DedupeResult {
  const progress = options.onProgress;
  progress?.('normalize', 0, deals.length);
  const { features, assess } = engineFor(deals, options);
  progress?.('normalize', deals.length, deals.length);

  progress?.('block', 0, deals.length);
  const { keys, stats: blocking } = candidatePairs(features, {
    ...DEFAULT_BLOCKING_SETTINGS,
    ...(options.maxBlockSize === undefined ? {} : { maxBlockSize: options.maxBlockSize }),
    ...(options.windowSize === undefined ? {} : { windowSize: options.windowSize }),
    timeRadiusDays: options.maxCloseDateGapDays ?? DEFAULT_SCORING_SETTINGS.maxCloseDateGapDays,
  });
  progress?.('block', deals.length, deals.length);

  const threshold = options.matchThreshold ?? DEFAULT_DEDUPE_OPTIONS.matchThreshold;
  const n = features.length;
  const edges: Edge[] = [];
  let vetoedPairs = 0;
  for (let k = 0; k < keys.length; k += 1) {
    const key = keys[k] as number;
    const a = Math.floor(key / n);
    const b = key - a * n;
    const assessment = assess(features[a] as DealFeatures, features[b] as DealFeatures);
    if (assessment.veto) vetoedPairs += 1;
    else if (assessment.probability >= threshold) edges.push({ a, b, probability: assessment.probability });
    if (progress && (k & 0xffff) === 0) progress('score', k, keys.length);
  }
  progress?.('score', keys.length, keys.length);

  // Strongest evidence first; ties broken by record ids so the input order never changes the result.
  edges.sort(
    (x, y) =>
      y.probability - x.probability ||
      compareIds((features[x.a] as DealFeatures).id, (features[y.a] as DealFeatures).id) ||
      compareIds((features[x.b] as DealFeatures).id, (features[y.b] as DealFeatures).id),
  );
  progress?.('cluster', 0, edges.length);
  const groups = clusterPairs(edges, features, assess, {
    maxClusterSize: options.maxClusterSize ?? DEFAULT_DEDUPE_OPTIONS.maxClusterSize,
    clusterLinkThreshold: options.clusterLinkThreshold ?? DEFAULT_DEDUPE_OPTIONS.clusterLinkThreshold,
  });
  const clusters = groups
    .map(({ members, confidence }) =>
      describeCluster(
        members.map((index) => features[index] as DealFeatures),
        Math.round(confidence * 1000) / 1000,
      ),
    )
    .sort((x, y) => compareIds(x.ids[0] as string, y.ids[0] as string));
  progress?.('cluster', edges.length, edges.length);
  return {
    clusters,
    stats: {
      ...blocking,
      deals: deals.length,
      vetoedPairs,
      acceptedPairs: edges.length,
      clusters: clusters.length,
    },
  };
}

/** The clusters of 2+ records of the same buying event; see {@link dedupeDeals}. */
export function findDuplicateClusters(deals: readonly Deal[], options: DedupeOptions = {}): DuplicateCluster[] {
  return dedupeDeals(deals, options).clusters;
}

export interface PairExplanation {
  probability: number;
  veto: string | null;
  reasons: string[];
}

/** Why two deals are (not) the same buying event: for the deal card's warning and the "not a duplicate" review. */
export function explainPair(a: Deal, b: Deal, options: DedupeOptions = {}): PairExplanation {
  const { features, assess } = engineFor([a, b], options);
  const [x, y] = features as [DealFeatures, DealFeatures];
  const assessment = assess(x, y);
  return {
    probability: Math.round(assessment.probability * 1000) / 1000,
    veto: assessment.veto?.reason ?? null,
    reasons: assessment.veto ? [assessment.veto.reason] : describeCluster([x, y], assessment.probability).reasons,
  };
}

export type { DuplicateCluster } from './duplicate-clustering.ts';
