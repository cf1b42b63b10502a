import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.ts';
import { DEFAULT_SCORING_CONFIG, parseMatchRules, parseScoringConfig, scoringConfigSchema } from './scoring-config.ts';

describe('scoringConfigSchema', () => {
  it('given an empty tenant config, when parsing, then every default applies', () => {
    expect(scoringConfigSchema.parse({})).toEqual(DEFAULT_SCORING_CONFIG);
    expect(DEFAULT_SCORING_CONFIG.activity.dormantAfterDays).toBe(90);
    expect(DEFAULT_SCORING_CONFIG.excludedDealTypes).toEqual(['renewal', 'churn']);
  });

  it('given a partial override, when parsing, then only that value changes', () => {
    const config = scoringConfigSchema.parse({ activity: { dormantAfterDays: 60 }, tiers: { core: { minScore: 60 } } });
    expect(config.activity).toEqual({ ...DEFAULT_SCORING_CONFIG.activity, dormantAfterDays: 60 });
    expect(config.tiers.core).toEqual({ minScore: 60, minClosedDeals: 3 });
    expect(config.weights).toEqual(DEFAULT_SCORING_CONFIG.weights);
  });

  it.each([
    { case: 'an unknown key (a typo)', input: { activity: { dormantAfterDay: 60 } } },
    {
      case: 'all weights zero',
      input: { weights: { winRate: 0, wonRevenue: 0, openPipeline: 0, activity: 0, timeToClose: 0 } },
    },
    { case: 'core above strategic', input: { tiers: { core: { minScore: 80 } } } },
    { case: 'amount bands not increasing', input: { fit: { amountBands: [50_000, 10_000] } } },
    { case: 'a lower quantile of 0.5 or more', input: { shrinkage: { lowerQuantile: 0.5 } } },
    { case: 'an unknown deal type', input: { excludedDealTypes: ['upsell'] } },
  ])('given $case, when parsing, then the config is rejected', ({ input }) => {
    expect(scoringConfigSchema.safeParse(input).success).toBe(false);
  });
});

describe('parseScoringConfig', () => {
  it.each([
    {
      case: 'a typo in a nested key',
      input: { activity: { dormantAfterDay: 60 } },
      detail: 'activity.dormantAfterDay: unknown key',
    },
    { case: 'a negative weight', input: { weights: { winRate: -1 } }, detail: 'weights.winRate:' },
    { case: 'a body that is not an object', input: [1, 2], detail: '(root):' },
    { case: 'no body at all', input: undefined, detail: '(root):' },
  ])('given $case, when parsing, then invalid_input names the path', ({ input, detail }) => {
    let error: unknown;
    try {
      parseScoringConfig(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).details.join('\n')).toContain(detail);
  });

  it('given a valid partial config, when parsing, then the defaults fill the rest', () => {
    expect(parseScoringConfig({ activity: { dormantAfterDays: 60 } }).activity.dormantAfterDays).toBe(60);
    expect(parseScoringConfig({})).toEqual(DEFAULT_SCORING_CONFIG);
  });
});

describe('scoring config: partner-match rules', () => {
  it('given no matchRules, then the defaults are equal weights and no rules', () => {
    expect(DEFAULT_SCORING_CONFIG.matchRules).toEqual({
      dimensionWeights: { amount: 1, region: 1, product: 1 },
      rules: [],
    });
  });

  it.each([
    {
      body: { rules: [{ action: 'prefer', partners: {} }] },
      detail: 'rules.0.partners: names no partner; list ids, types or tiers',
    },
    { body: { rules: [{ action: 'boost', partners: { ids: ['p'] } }] }, detail: 'rules.0.action:' },
    { body: { rules: [{ action: 'exclude', partners: { tiers: ['gold'] } }] }, detail: 'rules.0.partners.tiers.0:' },
    {
      body: { rules: [{ action: 'exclude', scope: { regions: [] }, partners: { ids: ['p'] } }] },
      detail: 'rules.0.scope.regions:',
    },
    {
      body: { dimensionWeights: { amount: 0, region: 0, product: 0 } },
      detail: 'dimensionWeights: at least one weight must be positive',
    },
    { body: { rules: [], typo: 1 }, detail: 'typo: unknown key' },
  ])('given $detail, when parsing the rules, then that path is named', ({ body, detail }) => {
    let details: string[] = [];
    try {
      parseMatchRules(body);
    } catch (error) {
      details = (error as { details: string[] }).details;
    }
    expect(details.some((line) => line.startsWith(detail))).toBe(true);
  });
});
