import { z } from 'zod';
import { dealTypeSchema } from '../model/deal.ts';
import { InvalidInputError, parseInput } from '../shared/errors.ts';

/**
 * Per-tenant attribution rules (SPEC §2.1), admin-editable JSON. Every field has a default, so `{}` is a valid rule set
 * and a tenant overrides only what it cares about. Objects are strict: a typo in the admin JSON is rejected with its
 * path instead of silently falling back to a default. Cross-field consistency (segments that overlap, stages that no
 * pipeline has, …) is checked here too, so the engine can trust what it is given.
 */

/** The stages of HubSpot's default sales pipeline (internal ids), in order. */
export const HUBSPOT_DEFAULT_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
] as const;

export const REQUIREMENT_KINDS = ['partner', 'sourcedPartner', 'role', 'splits'] as const;
export type RequirementKind = (typeof REQUIREMENT_KINDS)[number];

const name = z.string().trim().min(1, { message: 'must not be empty' });
const nonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, { message: 'must list at least one value (omit the key to match everything)' });

const involvementSchema = z.strictObject({
  leadSources: z
    .array(name)
    .default(['Partner', 'Partner referral', 'Reseller', 'Co-sell'])
    .describe('lead sources (compared case-insensitively) that make a deal partner-involved'),
  partnerAssociation: z
    .boolean()
    .default(true)
    .describe('a partner associated with the deal (with or without a role) makes it partner-involved'),
  registrationStatuses: z
    .array(z.enum(['pending', 'approved']))
    .default(['approved'])
    .describe('a deal registration in one of these statuses makes the deal partner-involved'),
  coSellMotion: z.boolean().default(true).describe('a co-sell motion on the deal makes it partner-involved'),
});

const segmentSchema = z
  .strictObject({
    name,
    minAmount: z.number().finite().describe('inclusive lower bound of the amount band'),
    maxAmount: z.number().finite().nullable().default(null).describe('exclusive upper bound; null = no upper bound'),
  })
  .refine((s) => s.maxAmount === null || s.minAmount < s.maxAmount, {
    message: 'minAmount must be below maxAmount',
    path: ['maxAmount'],
  });

const requirementRuleSchema = z.strictObject({
  name: name.optional().describe('shown to admins; optional'),
  scope: z
    .strictObject({
      pipelines: nonEmptyList(name).optional(),
      stages: nonEmptyList(name).optional(),
      segments: nonEmptyList(name).optional(),
      regions: nonEmptyList(name).optional().describe('compared case-insensitively'),
    })
    .prefault({})
    .describe('the rule applies to deals matching every listed dimension; an omitted dimension matches everything'),
  fromStage: name
    .nullable()
    .default(null)
    .describe('the rule is enforced from this stage on (the stage itself included); null = at every stage'),
  require: z
    .strictObject({
      partner: z.boolean().default(false).describe('at least one partner is associated with the deal'),
      sourcedPartner: z.boolean().default(false).describe('a partner is tagged with the role sourced'),
      role: z.boolean().default(false).describe('every associated partner carries a role'),
      splits: z.boolean().default(false).describe('every role held by two or more partners carries splits'),
    })
    .refine((r) => r.partner || r.sourcedPartner || r.role || r.splits, {
      message: 'requires nothing; set at least one of partner, sourcedPartner, role, splits',
    }),
});

export const attributionRulesSchema = z
  .strictObject({
    involvement: involvementSchema.prefault({}),
    stageOrder: z
      .record(
        z.string().min(1, { message: 'must not be empty' }),
        z.array(name).min(1, { message: 'a pipeline needs at least one stage' }),
      )
      .default({ default: [...HUBSPOT_DEFAULT_STAGES] })
      .describe('per pipeline id, its stage ids in order (closed stages last)'),
    defaultPipeline: name
      .nullable()
      .default('default')
      .describe('the pipeline assumed for a deal without one (e.g. a Salesforce opportunity); null = none'),
    segments: z
      .array(segmentSchema)
      .default([
        { name: 'smb', minAmount: 0, maxAmount: 25_000 },
        { name: 'mid_market', minAmount: 25_000, maxAmount: 100_000 },
        { name: 'enterprise', minAmount: 100_000, maxAmount: null },
      ])
      .describe('amount bands [minAmount, maxAmount); a deal without an amount is in no segment'),
    requirements: z
      .array(requirementRuleSchema)
      .prefault([
        { scope: {}, fromStage: 'qualifiedtobuy', require: { partner: true, role: true } },
        { scope: {}, fromStage: 'contractsent', require: { splits: true } },
      ])
      .describe('what a partner-involved deal must carry, and from which stage on'),
    autoTag: z
      .strictObject({
        fromApprovedRegistration: z.boolean().default(true),
        fromSingleAccountPartner: z.boolean().default(true),
      })
      .prefault({}),
    freezeAfterClose: z.boolean().default(true).describe('attribution of a closed deal changes only by admin override'),
    requireLossReason: z.boolean().default(true).describe('a closed-lost deal needs a loss reason'),
    newBusinessDealTypes: z
      .array(dealTypeSchema)
      .default(['new_business', 'expansion'])
      .describe('deal types whose wins count as new-business wins (renewal and churn never do)'),
    countUntypedAsNewBusiness: z.boolean().default(true).describe('whether a won deal without a type counts'),
    inferIntentFromDealName: z
      .boolean()
      .default(true)
      .describe('hygiene: a deal named as a renewal/churn but typed as new business is flagged and not counted'),
  })
  .superRefine((rules, ctx) => {
    for (const problem of consistencyProblems(rules)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type AttributionRules = z.output<typeof attributionRulesSchema>;
export type AttributionRulesInput = z.input<typeof attributionRulesSchema>;
export type RequirementRule = AttributionRules['requirements'][number];
export type Segment = AttributionRules['segments'][number];

export const DEFAULT_ATTRIBUTION_RULES: AttributionRules = attributionRulesSchema.parse({});

/** A CRM's own stage order (Salesforce: OpportunityStage by SortOrder), open stages first. */
export interface CrmStageOrder {
  open: readonly string[];
  closed: readonly string[];
}

/**
 * The default rules in another CRM's stages: the same requirements at the same places of the funnel as HubSpot's
 * default pipeline (partner and role from its second open stage, splits from its last open one), on the `default`
 * pipeline a deal without one is assumed to be in. A CRM without open stages keeps the HubSpot defaults.
 */
export function defaultRulesForStageOrder(order: CrmStageOrder): AttributionRules {
  const [first, second] = order.open;
  const last = order.open.at(-1);
  if (first === undefined || last === undefined) return DEFAULT_ATTRIBUTION_RULES;
  return attributionRulesSchema.parse({
    stageOrder: { default: [...new Set([...order.open, ...order.closed])] },
    defaultPipeline: 'default',
    requirements: [
      { scope: {}, fromStage: second ?? first, require: { partner: true, role: true } },
      { scope: {}, fromStage: last, require: { splits: true } },
    ],
  });
}

/**
 * Parses admin JSON (a string or an already-parsed value) into rules, or throws an InvalidInputError whose `details`
 * list every problem as "path: message" (path `(root)` for the whole document).
 */
export function parseAttributionRules(json: unknown): AttributionRules {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new InvalidInputError('invalid attribution rules: not valid JSON', {
        cause: error,
        details: [`(root): not valid JSON (${error instanceof Error ? error.message : String(error)})`],
      });
    }
  }
  return parseInput(attributionRulesSchema, value, { what: 'attribution rules' });
}

interface Problem {
  path: PropertyKey[];
  message: string;
}

function consistencyProblems(rules: AttributionRules): Problem[] {
  const problems: Problem[] = [];
  const pipelines = Object.keys(rules.stageOrder);

  for (const [pipeline, stages] of Object.entries(rules.stageOrder)) {
    stages.forEach((stage, i) => {
      if (stages.indexOf(stage) !== i) {
        problems.push({ path: ['stageOrder', pipeline, i], message: `stage "${stage}" is listed twice` });
      }
    });
  }

  if (rules.defaultPipeline !== null && !pipelines.includes(rules.defaultPipeline)) {
    problems.push({
      path: ['defaultPipeline'],
      message: `unknown pipeline "${rules.defaultPipeline}" (not in stageOrder)`,
    });
  }

  problems.push(...segmentProblems(rules.segments));

  rules.newBusinessDealTypes.forEach((type, i) => {
    if (type === 'renewal' || type === 'churn') {
      problems.push({ path: ['newBusinessDealTypes', i], message: `${type} deals never count as new business` });
    }
  });

  const segmentNames = new Set(rules.segments.map((s) => s.name));
  rules.requirements.forEach((rule, r) => {
    const at = (...path: PropertyKey[]) => ['requirements', r, ...path];
    const scopedPipelines = rule.scope.pipelines ?? [];
    scopedPipelines.forEach((pipeline, i) => {
      if (!pipelines.includes(pipeline)) {
        problems.push({
          path: at('scope', 'pipelines', i),
          message: `unknown pipeline "${pipeline}" (not in stageOrder)`,
        });
      }
    });
    // The pipelines the rule can apply to: the scoped ones that exist, or every configured pipeline.
    const covered = rule.scope.pipelines ? scopedPipelines.filter((p) => pipelines.includes(p)) : pipelines;
    if (rule.scope.pipelines && covered.length === 0) return; // already reported above

    (rule.scope.stages ?? []).forEach((stage, i) => {
      if (!covered.some((p) => rules.stageOrder[p]?.includes(stage))) {
        problems.push({ path: at('scope', 'stages', i), message: `unknown stage "${stage}" (${notIn(covered)})` });
      }
    });
    // A stage boundary must be placeable in every pipeline the rule covers, otherwise the rule would silently never
    // be enforced there.
    if (rule.fromStage !== null) {
      const stage = rule.fromStage;
      const missing = covered.filter((p) => !rules.stageOrder[p]?.includes(stage));
      if (covered.length === 0 || missing.length > 0) {
        problems.push({ path: at('fromStage'), message: `unknown stage "${stage}" (${notIn(missing)})` });
      }
    }
    (rule.scope.segments ?? []).forEach((segment, i) => {
      if (!segmentNames.has(segment)) {
        problems.push({ path: at('scope', 'segments', i), message: `unknown segment "${segment}"` });
      }
    });
  });
  return problems;
}

function notIn(pipelines: readonly string[]): string {
  if (pipelines.length === 0) return 'stageOrder has no pipeline';
  if (pipelines.length === 1) return `not in stageOrder.${pipelines[0]}`;
  return `not in stageOrder.${pipelines.join(', stageOrder.')}`;
}

function segmentProblems(segments: readonly Segment[]): Problem[] {
  const problems: Problem[] = [];
  segments.forEach((segment, i) => {
    if (segments.findIndex((s) => s.name === segment.name) !== i) {
      problems.push({ path: ['segments', i, 'name'], message: `segment name "${segment.name}" is used twice` });
    }
  });
  // Half-open bands overlap when one starts before the other ends (an unbounded band never ends).
  segments.forEach((segment, i) => {
    for (let j = 0; j < i; j++) {
      const other = segments[j]!;
      if (overlaps(segment, other)) {
        problems.push({
          path: ['segments', i],
          message: `segment "${segment.name}" ${band(segment)} overlaps segment "${other.name}" ${band(other)}`,
        });
      }
    }
  });
  return problems;
}

function overlaps(a: Segment, b: Segment): boolean {
  const aEnd = a.maxAmount ?? Number.POSITIVE_INFINITY;
  const bEnd = b.maxAmount ?? Number.POSITIVE_INFINITY;
  if (a.minAmount >= aEnd || b.minAmount >= bEnd) return false; // invalid band, reported on its own
  return a.minAmount < bEnd && b.minAmount < aEnd;
}

function band(segment: Segment): string {
  return `[${segment.minAmount}, ${segment.maxAmount ?? '∞'})`;
}
