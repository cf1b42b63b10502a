import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.ts';
import {
  attributionRulesSchema,
  DEFAULT_ATTRIBUTION_RULES,
  HUBSPOT_DEFAULT_STAGES,
  parseAttributionRules,
} from './attribution-rules.ts';

function problemsOf(json: unknown): readonly unknown[] {
  try {
    parseAttributionRules(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).details;
  }
  throw new Error('expected the rules to be rejected');
}

const twoPipelines = { default: [...HUBSPOT_DEFAULT_STAGES], partner: ['p_new', 'p_qualified', 'p_won', 'p_lost'] };

describe('attribution rules defaults', () => {
  it('given an empty tenant config, when parsing, then every default applies', () => {
    expect(parseAttributionRules({})).toEqual(DEFAULT_ATTRIBUTION_RULES);
    expect(DEFAULT_ATTRIBUTION_RULES.involvement.leadSources).toEqual([
      'Partner',
      'Partner referral',
      'Reseller',
      'Co-sell',
    ]);
    expect(DEFAULT_ATTRIBUTION_RULES.stageOrder).toEqual({ default: [...HUBSPOT_DEFAULT_STAGES] });
    expect(DEFAULT_ATTRIBUTION_RULES.requirements.map((r) => r.fromStage)).toEqual(['qualifiedtobuy', 'contractsent']);
    expect(DEFAULT_ATTRIBUTION_RULES.freezeAfterClose).toBe(true);
    expect(DEFAULT_ATTRIBUTION_RULES.newBusinessDealTypes).toEqual(['new_business', 'expansion']);
  });

  it('given a partial override, when parsing, then only that value changes and rule defaults fill in', () => {
    const rules = parseAttributionRules({
      involvement: { leadSources: ['Channel'] },
      requirements: [{ require: { sourcedPartner: true } }],
    });
    expect(rules.involvement).toEqual({ ...DEFAULT_ATTRIBUTION_RULES.involvement, leadSources: ['Channel'] });
    expect(rules.requirements).toEqual([
      {
        scope: {},
        fromStage: null,
        require: { partner: false, sourcedPartner: true, role: false, splits: false },
      },
    ]);
    expect(rules.segments).toEqual(DEFAULT_ATTRIBUTION_RULES.segments);
  });

  it('given the rules as a JSON string, when parsing, then they parse like the object', () => {
    expect(parseAttributionRules('{"freezeAfterClose":false}').freezeAfterClose).toBe(false);
  });

  it.each([
    {
      case: 'adjacent segments (one ends where the next starts)',
      json: {
        segments: [
          { name: 'small', minAmount: 0, maxAmount: 10_000 },
          { name: 'large', minAmount: 10_000 },
        ],
      },
    },
    {
      case: 'a rule scoped to a second pipeline with its own stages',
      json: {
        stageOrder: twoPipelines,
        requirements: [
          {
            scope: { pipelines: ['partner'], stages: ['p_won'] },
            fromStage: 'p_qualified',
            require: { partner: true },
          },
        ],
      },
    },
    {
      case: 'an unscoped rule whose stage every pipeline has',
      json: {
        stageOrder: { default: ['a', 'b'], partner: ['b', 'c'] },
        requirements: [{ fromStage: 'b', require: { role: true } }],
      },
    },
  ])('given $case, when parsing, then the rules are accepted', ({ json }) => {
    expect(attributionRulesSchema.safeParse(json).success).toBe(true);
  });
});

describe('parseAttributionRules rejects inconsistent rules with every problem as "path: message"', () => {
  it.each([
    {
      case: 'an unknown top-level key (a typo)',
      json: { freezeAfterClosed: true },
      problems: ['freezeAfterClosed: unknown key'],
    },
    {
      case: 'an unknown key inside a requirement rule',
      json: { requirements: [{ fromStag: 'qualifiedtobuy', require: { partner: true } }] },
      problems: ['requirements.0.fromStag: unknown key'],
    },
    {
      case: 'unknown keys in a scope and in require',
      json: { requirements: [{ scope: { region: ['EMEA'] }, require: { partner: true, split: true } }] },
      problems: ['requirements.0.scope.region: unknown key', 'requirements.0.require.split: unknown key'],
    },
    {
      case: 'overlapping segments',
      json: {
        segments: [
          { name: 'smb', minAmount: 0, maxAmount: 25_000 },
          { name: 'mid_market', minAmount: 20_000, maxAmount: 100_000 },
        ],
      },
      problems: ['segments.1: segment "mid_market" [20000, 100000) overlaps segment "smb" [0, 25000)'],
    },
    {
      case: 'a segment overlapping an unbounded one',
      json: {
        segments: [
          { name: 'enterprise', minAmount: 100_000 },
          { name: 'strategic', minAmount: 500_000, maxAmount: 1_000_000 },
        ],
      },
      problems: ['segments.1: segment "strategic" [500000, 1000000) overlaps segment "enterprise" [100000, ∞)'],
    },
    {
      case: 'an empty amount band',
      json: { segments: [{ name: 'odd', minAmount: 10, maxAmount: 10 }] },
      problems: ['segments.0.maxAmount: minAmount must be below maxAmount'],
    },
    {
      case: 'a segment name used twice',
      json: {
        segments: [
          { name: 'smb', minAmount: 0, maxAmount: 10 },
          { name: 'smb', minAmount: 10, maxAmount: 20 },
        ],
      },
      problems: ['segments.1.name: segment name "smb" is used twice'],
    },
    {
      case: 'an unknown fromStage',
      json: { requirements: [{ fromStage: 'contract_sent', require: { splits: true } }] },
      problems: ['requirements.0.fromStage: unknown stage "contract_sent" (not in stageOrder.default)'],
    },
    {
      case: 'a fromStage one of the covered pipelines lacks',
      json: { stageOrder: twoPipelines, requirements: [{ fromStage: 'qualifiedtobuy', require: { partner: true } }] },
      problems: ['requirements.0.fromStage: unknown stage "qualifiedtobuy" (not in stageOrder.partner)'],
    },
    {
      case: 'an unknown scoped stage',
      json: {
        stageOrder: twoPipelines,
        requirements: [{ scope: { pipelines: ['partner'], stages: ['contractsent'] }, require: { partner: true } }],
      },
      problems: ['requirements.0.scope.stages.0: unknown stage "contractsent" (not in stageOrder.partner)'],
    },
    {
      case: 'an unknown scoped pipeline',
      json: { requirements: [{ scope: { pipelines: ['sales'] }, require: { partner: true } }] },
      problems: ['requirements.0.scope.pipelines.0: unknown pipeline "sales" (not in stageOrder)'],
    },
    {
      case: 'an unknown scoped segment',
      json: { requirements: [{ scope: { segments: ['enterprize'] }, require: { partner: true } }] },
      problems: ['requirements.0.scope.segments.0: unknown segment "enterprize"'],
    },
    {
      case: 'an empty scope list',
      json: { requirements: [{ scope: { regions: [] }, require: { partner: true } }] },
      problems: ['requirements.0.scope.regions: must list at least one value (omit the key to match everything)'],
    },
    {
      case: 'a rule that requires nothing',
      json: { requirements: [{ require: {} }] },
      problems: ['requirements.0.require: requires nothing; set at least one of partner, sourcedPartner, role, splits'],
    },
    {
      case: 'a stage listed twice in a pipeline',
      json: { stageOrder: { default: ['a', 'b', 'a'] }, requirements: [] },
      problems: ['stageOrder.default.2: stage "a" is listed twice'],
    },
    {
      case: 'a default pipeline without a stage order',
      json: { stageOrder: { sales: ['a'] }, defaultPipeline: 'default', requirements: [] },
      problems: ['defaultPipeline: unknown pipeline "default" (not in stageOrder)'],
    },
    {
      case: 'renewal counted as new business',
      json: { newBusinessDealTypes: ['new_business', 'renewal'] },
      problems: ['newBusinessDealTypes.1: renewal deals never count as new business'],
    },
    {
      case: 'a wrong type',
      json: { freezeAfterClose: 'yes' },
      problems: ['freezeAfterClose: Invalid input: expected boolean, received string'],
    },
    {
      case: 'a document that is not an object',
      json: [],
      problems: ['(root): Invalid input: expected object, received array'],
    },
    {
      case: 'a typo and an overlap at once (both reported)',
      json: {
        freezeAfterClosed: true,
        segments: [
          { name: 'a', minAmount: 0, maxAmount: 10 },
          { name: 'b', minAmount: 5 },
        ],
      },
      problems: ['freezeAfterClosed: unknown key', 'segments.1: segment "b" [5, ∞) overlaps segment "a" [0, 10)'],
    },
  ])('given $case, when parsing, then the problems are listed exactly', ({ json, problems }) => {
    expect(problemsOf(json)).toEqual(problems);
  });

  it('given malformed JSON text, when parsing, then an invalid_input error says so', () => {
    expect(() => parseAttributionRules('{"freezeAfterClose": tru')).toThrow(InvalidInputError);
    expect(problemsOf('{"freezeAfterClose": tru')[0]).toMatch(/^\(root\): not valid JSON \(/);
  });

  it('given one problem, when parsing, then the message names it and the code is invalid_input', () => {
    const error = (() => {
      try {
        parseAttributionRules({ freezeAfterClosed: true });
      } catch (e) {
        return e as InvalidInputError;
      }
      throw new Error('expected a rejection');
    })();
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('invalid attribution rules (1 problem): freezeAfterClosed: unknown key');
  });
});
