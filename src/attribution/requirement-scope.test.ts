import { describe, expect, it } from 'vitest';
import { makeDeal } from './attribution.fixtures.ts';
import { DEFAULT_ATTRIBUTION_RULES, HUBSPOT_DEFAULT_STAGES, parseAttributionRules } from './attribution-rules.ts';
import { applicableRequirements, ruleMatchesScope, segmentOf } from './requirement-scope.ts';

describe('segmentOf', () => {
  it.each([
    { amount: 0, segment: 'smb' },
    { amount: 24_999.99, segment: 'smb' },
    { amount: 25_000, segment: 'mid_market' },
    { amount: 99_999.99, segment: 'mid_market' },
    { amount: 100_000, segment: 'enterprise' },
    { amount: 10_000_000, segment: 'enterprise' },
    { amount: -1, segment: null },
    { amount: null, segment: null },
  ])(
    'given an amount of $amount, when banded with the defaults, then the segment is $segment',
    ({ amount, segment }) => {
      expect(segmentOf(amount, DEFAULT_ATTRIBUTION_RULES.segments)).toBe(segment);
    },
  );
});

describe('ruleMatchesScope', () => {
  const rules = parseAttributionRules({
    stageOrder: { default: [...HUBSPOT_DEFAULT_STAGES], partner: ['p_new', 'p_won', 'p_lost'] },
    requirements: [
      { scope: { pipelines: ['partner'], regions: ['EMEA'], segments: ['enterprise'] }, require: { partner: true } },
    ],
  });
  const rule = rules.requirements[0]!;
  const facts = { pipeline: 'partner', stage: 'p_new', segment: 'enterprise', region: 'EMEA' };

  it.each([
    { case: 'every dimension matches', change: {}, matches: true },
    { case: 'the region differs only in case and spacing', change: { region: ' emea ' }, matches: true },
    { case: 'another pipeline', change: { pipeline: 'default' }, matches: false },
    { case: 'no pipeline', change: { pipeline: null }, matches: false },
    { case: 'another segment', change: { segment: 'smb' }, matches: false },
    { case: 'no segment (no amount)', change: { segment: null }, matches: false },
    { case: 'another region', change: { region: 'NA' }, matches: false },
    { case: 'no region', change: { region: null }, matches: false },
  ])('given $case, when matching the scope, then it matches: $matches', ({ change, matches }) => {
    expect(ruleMatchesScope(rule, { ...facts, ...change })).toBe(matches);
  });

  it('given a rule without scope, when matching a deal with unknown facts, then it matches', () => {
    const unscoped = DEFAULT_ATTRIBUTION_RULES.requirements[0]!;
    expect(ruleMatchesScope(unscoped, { pipeline: null, stage: 'x', segment: null, region: null })).toBe(true);
  });
});

describe('applicableRequirements', () => {
  // Default rules: partner + role from qualifiedtobuy, splits from contractsent.
  it.each([
    {
      stage: 'appointmentscheduled',
      enforced: [],
      upcoming: { partner: 'qualifiedtobuy', role: 'qualifiedtobuy', splits: 'contractsent' },
    },
    { stage: 'qualifiedtobuy', enforced: ['partner', 'role'], upcoming: { splits: 'contractsent' } },
    { stage: 'presentationscheduled', enforced: ['partner', 'role'], upcoming: { splits: 'contractsent' } },
    { stage: 'decisionmakerboughtin', enforced: ['partner', 'role'], upcoming: { splits: 'contractsent' } },
    { stage: 'contractsent', enforced: ['partner', 'role', 'splits'], upcoming: {} },
  ])(
    'given a deal at $stage, when judged, then the requirements whose boundary it reached are enforced',
    ({ stage, enforced, upcoming }) => {
      const result = applicableRequirements(makeDeal({ stage }), 'default', DEFAULT_ATTRIBUTION_RULES);
      expect(Object.entries(result.enforced).flatMap(([kind, on]) => (on ? [kind] : []))).toEqual(enforced);
      expect(result.upcoming).toEqual(upcoming);
      expect(result.unplacedStage).toBe(false);
    },
  );

  it('given a closed deal at a stage missing from the order, when judged, then every boundary is passed', () => {
    const deal = makeDeal({ stage: 'closed_elsewhere', isClosed: true, isWon: false, lossReason: 'price' });
    const result = applicableRequirements(deal, 'default', DEFAULT_ATTRIBUTION_RULES);
    expect(result.enforced).toEqual({ partner: true, sourcedPartner: false, role: true, splits: true });
    expect(result.unplacedStage).toBe(false);
  });

  it.each([
    { case: 'a stage missing from the order', stage: 'custom', pipeline: 'default' },
    { case: 'a pipeline without a stage order', stage: 'qualifiedtobuy', pipeline: 'p99' },
  ])(
    'given $case, when judged, then nothing stage-bound is enforced and the stage is unplaced',
    ({ stage, pipeline }) => {
      const result = applicableRequirements(makeDeal({ stage }), pipeline, DEFAULT_ATTRIBUTION_RULES);
      expect(result.enforced).toEqual({ partner: false, sourcedPartner: false, role: false, splits: false });
      expect(result.upcoming).toEqual({});
      expect(result.unplacedStage).toBe(true);
    },
  );

  it('given a deal without a pipeline, when judged, then the default pipeline is assumed', () => {
    const result = applicableRequirements(makeDeal({ stage: 'contractsent' }), null, DEFAULT_ATTRIBUTION_RULES);
    expect(result.pipeline).toBe('default');
    expect(result.enforced.splits).toBe(true);
  });

  it('given two rules for one requirement, when the deal is before both, then the earlier boundary is announced', () => {
    const rules = parseAttributionRules({
      requirements: [
        { fromStage: 'contractsent', require: { sourcedPartner: true } },
        { fromStage: 'presentationscheduled', require: { sourcedPartner: true } },
      ],
    });
    const result = applicableRequirements(makeDeal({ stage: 'qualifiedtobuy' }), 'default', rules);
    expect(result.upcoming).toEqual({ sourcedPartner: 'presentationscheduled' });
  });
});
