import { z } from 'zod';
import { dealTypeSchema } from '../model/deal.ts';
import { PARTNER_TYPES } from '../model/partner.ts';
import { parseInput } from '../shared/errors.ts';
import { PARTNER_TIERS } from './partner-tiers.ts';

/**
 * Per-tenant scoring settings (admin-editable JSON). Every field has a default, so `{}` is a valid config and a tenant
 * overrides only what it cares about; unknown keys are rejected so a typo does not silently fall back to a default.
 */

const weightsSchema = z
  .strictObject({
    winRate: z.number().min(0).default(0.35).describe('small-sample-corrected win rate, relative to the type mean'),
    wonRevenue: z.number().min(0).default(0.25).describe('won revenue, log-scaled against the type reference'),
    openPipeline: z.number().min(0).default(0.15).describe('open pipeline at as-of, log-scaled'),
    activity: z.number().min(0).default(0.15).describe('recency-weighted count of opportunities, log-scaled'),
    timeToClose: z.number().min(0).default(0.1).describe('days from creation to won close, faster is better'),
  })
  .refine((w) => w.winRate + w.wonRevenue + w.openPipeline + w.activity + w.timeToClose > 0, {
    message: 'at least one weight must be positive',
  });

const tierRuleSchema = (minScore: number, minClosedDeals: number) =>
  z.strictObject({
    minScore: z.number().min(0).max(100).default(minScore),
    minClosedDeals: z.number().int().min(0).default(minClosedDeals),
  });

const tiersSchema = z
  .strictObject({
    strategic: tierRuleSchema(70, 10).prefault({}).describe('top tier: high score on a real track record'),
    core: tierRuleSchema(55, 3).prefault({}),
    emerging: tierRuleSchema(45, 0).prefault({}),
  })
  .refine((t) => t.strategic.minScore >= t.core.minScore && t.core.minScore >= t.emerging.minScore, {
    message: 'tier minScore must not increase from strategic to core to emerging',
  });

const activitySchema = z.strictObject({
  dormantAfterDays: z
    .number()
    .int()
    .positive()
    .default(90)
    .describe('dormant when the last opportunity (or registration, if none) is more than this many days old'),
  halfLifeDays: z.number().positive().default(90).describe('half-life of the recency weight of an opportunity'),
  recentWindowDays: z.number().int().positive().default(90).describe('decay: the recent window'),
  baselineWindowDays: z.number().int().positive().default(180).describe('decay: the window before the recent one'),
  decayRatio: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe('decaying when the recent daily rate falls below this share of the baseline daily rate'),
  minBaselineOpportunities: z
    .number()
    .int()
    .min(1)
    .default(4)
    .describe('decay is only judged for partners with at least this many opportunities in the baseline window'),
});

const shrinkageSchema = z
  .strictObject({
    lowerQuantile: z.number().gt(0).lt(0.5).default(0.05).describe('winRateLow is this quantile of the posterior Beta'),
    minPartnersForFit: z
      .number()
      .int()
      .min(2)
      .default(5)
      .describe('partners with closed deals a type needs before its own prior is fitted; else all types pooled'),
    minPriorStrength: z.number().positive().default(2).describe('lower clamp of alpha+beta of the fitted prior'),
    maxPriorStrength: z.number().positive().default(100).describe('upper clamp of alpha+beta (homogeneous population)'),
    fallbackPrior: z
      .strictObject({ alpha: z.number().positive().default(1), beta: z.number().positive().default(1) })
      .prefault({})
      .describe('prior when too few partners have closed deals to fit one'),
  })
  .refine((s) => s.minPriorStrength <= s.maxPriorStrength, { message: 'minPriorStrength > maxPriorStrength' });

const fitSchema = z.strictObject({
  amountBands: z
    .array(z.number().positive())
    .default([10_000, 50_000, 250_000])
    .refine((edges) => edges.every((edge, i) => i === 0 || edge > (edges[i - 1] ?? 0)), {
      message: 'amount band edges must increase',
    })
    .describe('upper edges of the amount bands (segments) a deal falls in'),
  segmentPriorStrength: z
    .number()
    .positive()
    .default(5)
    .describe("pseudo-deals pulling a partner's segment win rate toward its overall corrected win rate"),
  minSegmentClosedDeals: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('a next-best candidate needs this many closed deals in at least one of the deal segments'),
  includeDormant: z.boolean().default(false).describe('whether dormant partners may be suggested'),
});

const ruleName = z.string().trim().min(1, { message: 'must not be empty' });
const nonEmptyNames = z
  .array(ruleName)
  .min(1, { message: 'must list at least one value (omit the key to match everything)' });

/**
 * One partner-match rule (SPEC §2.5 "Levers"): for deals in its scope, prefer or exclude the partners it names. A
 * partner matches when any listed id, type or tier matches it.
 */
const matchRuleSchema = z.strictObject({
  name: ruleName.optional().describe('shown to admins and in the next-best reason; default "rule N"'),
  scope: z
    .strictObject({
      segments: nonEmptyNames
        .optional()
        .describe("the deal's segment (amount band of the attribution rules, or `unknown` without an amount)"),
      regions: nonEmptyNames.optional().describe("the deal's region, compared case-insensitively"),
    })
    .prefault({})
    .describe('the rule applies to deals matching every listed dimension; an omitted one matches everything'),
  action: z.enum(['prefer', 'exclude']),
  partners: z
    .strictObject({
      ids: nonEmptyNames.optional().describe('partner company ids'),
      types: z.array(z.enum(PARTNER_TYPES)).min(1).optional(),
      tiers: z.array(z.enum(PARTNER_TIERS)).min(1).optional(),
    })
    .refine((p) => p.ids !== undefined || p.types !== undefined || p.tiers !== undefined, {
      message: 'names no partner; list ids, types or tiers',
    }),
  boost: z
    .number()
    .gt(0)
    .max(100)
    .default(10)
    .describe('prefer: fit points added when ranking (the shown fit score stays the real one); ignored by exclude'),
});

const matchRulesSchema = z.strictObject({
  dimensionWeights: z
    .strictObject({
      amount: z.number().min(0).default(1),
      region: z.number().min(0).default(1),
      product: z.number().min(0).default(1),
    })
    .prefault({})
    .refine((w) => w.amount + w.region + w.product > 0, { message: 'at least one weight must be positive' })
    .describe("weights of the deal's dimensions in its fit with a partner (equal = a plain mean)"),
  rules: z.array(matchRuleSchema).max(100).default([]).describe('applied in order; an exclude wins over a prefer'),
});

export const scoringConfigSchema = z.strictObject({
  weights: weightsSchema.prefault({}),
  tiers: tiersSchema.prefault({}),
  activity: activitySchema.prefault({}),
  shrinkage: shrinkageSchema.prefault({}),
  fit: fitSchema.prefault({}),
  matchRules: matchRulesSchema
    .prefault({})
    .describe('the partner-match rules lever: what drives next-best-partner per segment or region'),
  excludedDealTypes: z
    .array(dealTypeSchema)
    .default(['renewal', 'churn'])
    .describe('deal types ignored by every partner metric (not new business; see README)'),
  referencePercentile: z
    .number()
    .gt(0)
    .max(1)
    .default(0.9)
    .describe('revenue, pipeline and activity reach 1 at this percentile of the partners of the same type'),
});

export type ScoringConfig = z.infer<typeof scoringConfigSchema>;
export type ScoringConfigInput = z.input<typeof scoringConfigSchema>;
export type ScoringWeights = ScoringConfig['weights'];
export type TierRules = ScoringConfig['tiers'];
export type ActivityRules = ScoringConfig['activity'];
export type ShrinkageRules = ScoringConfig['shrinkage'];
export type FitRules = ScoringConfig['fit'];
export type MatchRules = ScoringConfig['matchRules'];
export type MatchRule = MatchRules['rules'][number];
export { matchRulesSchema };

export const DEFAULT_SCORING_CONFIG: ScoringConfig = scoringConfigSchema.parse({});

/**
 * Parses an admin's config (the JSON body of `PUT /api/scoring/config`, or what a tenant's settings hold) into the
 * effective config, or throws an InvalidInputError whose `details` list every problem as "path: message".
 */
export function parseScoringConfig(value: unknown): ScoringConfig {
  return parseInput(scoringConfigSchema, value, { what: 'scoring config' });
}

/** The match rules alone (the body of the preview), with the same "path: message" details. */
export function parseMatchRules(value: unknown): MatchRules {
  return parseInput(matchRulesSchema, value, { what: 'partner-match rules' });
}
