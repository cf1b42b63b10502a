import type { Deal } from '../model/deal.ts';
import type { AttributionRules, RequirementKind, RequirementRule, Segment } from './attribution-rules.ts';
import { REQUIREMENT_KINDS } from './attribution-rules.ts';

/** Which requirement rules bind a deal where it stands now, and which will bind it later in its pipeline. */
export interface ApplicableRequirements {
  /** Requirements a matching rule enforces at the deal's current stage. */
  enforced: Record<RequirementKind, boolean>;
  /** For a requirement not enforced yet: the earliest stage from which a matching rule enforces it. */
  upcoming: Partial<Record<RequirementKind, string>>;
  /** A matching rule has a stage boundary but the deal's stage cannot be placed in its pipeline's stage order. */
  unplacedStage: boolean;
  /** The pipeline the deal was judged in (its own, or the rules' default when it has none). */
  pipeline: string | null;
}

/** The segment whose band [minAmount, maxAmount) holds the amount; a deal without an amount is in no segment. */
export function segmentOf(amount: number | null, segments: readonly Segment[]): string | null {
  if (amount === null) return null;
  const segment = segments.find((s) => amount >= s.minAmount && (s.maxAmount === null || amount < s.maxAmount));
  return segment?.name ?? null;
}

export interface DealFacts {
  pipeline: string | null;
  stage: string;
  segment: string | null;
  region: string | null;
}

/** Every listed scope dimension must match; an unknown value (no pipeline, amount or region) matches no list. */
export function ruleMatchesScope(rule: RequirementRule, facts: DealFacts): boolean {
  const { pipelines, stages, segments, regions } = rule.scope;
  if (pipelines && (facts.pipeline === null || !pipelines.includes(facts.pipeline))) return false;
  if (stages && !stages.includes(facts.stage)) return false;
  if (segments && (facts.segment === null || !segments.includes(facts.segment))) return false;
  if (regions) {
    const region = facts.region?.trim().toLowerCase();
    if (!region || !regions.some((r) => r.trim().toLowerCase() === region)) return false;
  }
  return true;
}

type Position = { kind: 'enforced' } | { kind: 'before'; boundaryIndex: number } | { kind: 'unplaced' };

/**
 * Where the deal stands relative to a rule's `fromStage`. The boundary stage itself counts as reached. A closed deal
 * has passed every boundary (closing ends every pipeline, whatever its closed stages are called). A stage missing
 * from the pipeline's order cannot be placed, and the rule is then neither enforced nor announced: the engine says
 * so in a note rather than guessing.
 */
function position(deal: Deal, pipeline: string | null, fromStage: string | null, rules: AttributionRules): Position {
  if (fromStage === null || deal.isClosed) return { kind: 'enforced' };
  const order = pipeline === null ? undefined : rules.stageOrder[pipeline];
  const dealIndex = order?.indexOf(deal.stage) ?? -1;
  const boundaryIndex = order?.indexOf(fromStage) ?? -1;
  if (dealIndex < 0 || boundaryIndex < 0) return { kind: 'unplaced' };
  return dealIndex >= boundaryIndex ? { kind: 'enforced' } : { kind: 'before', boundaryIndex };
}

export function applicableRequirements(
  deal: Deal,
  dealPipeline: string | null,
  rules: AttributionRules,
): ApplicableRequirements {
  const pipeline = dealPipeline ?? rules.defaultPipeline;
  const facts: DealFacts = {
    pipeline,
    stage: deal.stage,
    segment: segmentOf(deal.amount, rules.segments),
    region: deal.region,
  };
  const enforced: Record<RequirementKind, boolean> = {
    partner: false,
    sourcedPartner: false,
    role: false,
    splits: false,
  };
  const upcomingIndex: Partial<Record<RequirementKind, number>> = {};
  let unplacedStage = false;

  for (const rule of rules.requirements) {
    if (!ruleMatchesScope(rule, facts)) continue;
    const where = position(deal, pipeline, rule.fromStage, rules);
    if (where.kind === 'unplaced') {
      unplacedStage = true;
      continue;
    }
    for (const kind of REQUIREMENT_KINDS) {
      if (!rule.require[kind]) continue;
      if (where.kind === 'enforced') enforced[kind] = true;
      else upcomingIndex[kind] = Math.min(upcomingIndex[kind] ?? Number.POSITIVE_INFINITY, where.boundaryIndex);
    }
  }

  const order = pipeline === null ? [] : (rules.stageOrder[pipeline] ?? []);
  const upcoming: Partial<Record<RequirementKind, string>> = {};
  for (const kind of REQUIREMENT_KINDS) {
    const index = upcomingIndex[kind];
    const stage = index === undefined ? undefined : order[index];
    if (!enforced[kind] && stage !== undefined) upcoming[kind] = stage;
  }
  return { enforced, upcoming, unplacedStage, pipeline };
}
