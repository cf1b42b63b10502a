import { describe, expect, it } from 'vitest';
import type { DealInput } from '../model/deal.ts';
import { closedDeal, type InputOverrides, influenced, makeInput, sourced } from './attribution.fixtures.ts';
import { evaluateAttribution } from './attribution-engine.ts';
import { HUBSPOT_DEFAULT_STAGES, parseAttributionRules } from './attribution-rules.ts';

// Default rules: partner + role from `qualifiedtobuy`, splits from `contractsent`; the default deal sits at
// `presentationscheduled` with lead source "Partner" and 50,000 (mid-market).

function evaluate(overrides: InputOverrides, rules = parseAttributionRules({})) {
  const { status, issues } = evaluateAttribution(makeInput(overrides), rules);
  return { status, issues };
}

describe('evaluateAttribution: every status', () => {
  it.each([
    {
      case: 'a deal with no partner signal',
      input: { deal: { leadSource: 'Website' } },
      status: 'not_partner_involved',
      issues: [],
    },
    {
      case: 'a partner lead source and a sourced partner',
      input: { deal: { partners: [sourced('101')] } },
      status: 'complete',
      issues: [],
    },
    {
      case: 'a partner lead source and no partner',
      input: {},
      status: 'missing_partner',
      issues: ['Lead source is "Partner" but no partner is tagged'],
    },
    {
      case: 'a co-sell motion and no partner',
      input: { deal: { leadSource: null }, hasCoSellMotion: true },
      status: 'missing_partner',
      issues: ['A co-sell motion exists but no partner is tagged'],
    },
    {
      case: 'a partner associated without a role',
      input: { deal: { leadSource: 'Website' }, unlabeledPartnerIds: ['103'] },
      status: 'missing_role',
      issues: ['Partner 103 is associated without a role'],
    },
    {
      case: 'two partners associated without a role',
      input: { unlabeledPartnerIds: ['104', '103'] },
      status: 'missing_role',
      issues: ['2 partners are associated without a role (partner 103, partner 104)'],
    },
    {
      case: 'influenced splits summing to 90',
      input: { deal: { partners: [influenced('101', 60), influenced('102', 30)] } },
      status: 'invalid_split',
      issues: ['Influenced splits sum to 90%, not 100%'],
    },
    {
      case: 'approved registrations from two partners',
      input: {
        registrations: [
          { partnerId: '102', status: 'approved' },
          { partnerId: '101', status: 'approved' },
        ],
      },
      status: 'conflict',
      issues: [
        'Approved registrations from 2 partners (partner 101, partner 102); only one partner can hold the registration',
      ],
    },
    {
      case: 'two sourced partners without splits',
      input: { deal: { partners: [sourced('101'), sourced('102')] } },
      status: 'conflict',
      issues: [
        '2 partners are tagged as sourced (partner 101, partner 102) without splits; keep one or split 100% between them',
      ],
    },
    {
      case: 'a sourced partner other than the registered one',
      input: { deal: { partners: [sourced('102')] }, registrations: [{ partnerId: '101', status: 'approved' }] },
      status: 'conflict',
      issues: ['Partner 101 holds the approved registration but partner 102 is tagged as sourced'],
    },
  ])('given $case, when evaluated, then the status is $status', ({ input, status, issues }) => {
    expect(evaluate(input as InputOverrides)).toEqual({ status, issues });
  });
});

describe('evaluateAttribution: status precedence', () => {
  it.each([
    {
      case: 'a registration conflict and a partner without a role',
      input: {
        registrations: [
          { partnerId: '101', status: 'approved' },
          { partnerId: '102', status: 'approved' },
        ],
        unlabeledPartnerIds: ['103'],
      },
      status: 'conflict',
      issues: [
        'Approved registrations from 2 partners (partner 101, partner 102); only one partner can hold the registration',
        'Partner 103 is associated without a role',
      ],
    },
    {
      case: 'two sourced partners without splits and a bad influenced split',
      input: { deal: { partners: [sourced('101'), sourced('102'), influenced('103', 50)] } },
      status: 'conflict',
      issues: [
        '2 partners are tagged as sourced (partner 101, partner 102) without splits; keep one or split 100% between them',
        'Influenced splits sum to 50%, not 100%',
      ],
    },
    {
      case: 'a missing role and a bad split',
      input: { deal: { partners: [sourced('101', 50)] }, unlabeledPartnerIds: ['103'] },
      status: 'missing_role',
      issues: ['Partner 103 is associated without a role', 'Sourced splits sum to 50%, not 100%'],
    },
  ])('given $case, when evaluated, then $status wins and every issue is listed', ({ input, status, issues }) => {
    expect(evaluate(input as InputOverrides)).toEqual({ status, issues });
  });

  it('given a missing sourced partner and a bad split, when sourced is required, then missing_partner wins', () => {
    const rules = parseAttributionRules({ requirements: [{ require: { sourcedPartner: true } }] });
    expect(evaluate({ deal: { partners: [influenced('101', 50)] } }, rules)).toEqual({
      status: 'missing_partner',
      issues: [
        'No partner is tagged as sourced (tagged: partner 101 as influenced)',
        'Influenced splits sum to 50%, not 100%',
      ],
    });
  });
});

describe('evaluateAttribution: stage boundaries (partner required from qualifiedtobuy)', () => {
  it.each([
    {
      case: 'just before the boundary',
      deal: { stage: 'appointmentscheduled' },
      status: 'complete',
      issues: ['Not yet required (from stage "qualifiedtobuy"): Lead source is "Partner" but no partner is tagged'],
    },
    {
      case: 'at the boundary',
      deal: { stage: 'qualifiedtobuy' },
      status: 'missing_partner',
      issues: ['Lead source is "Partner" but no partner is tagged'],
    },
    {
      case: 'just after the boundary',
      deal: { stage: 'presentationscheduled' },
      status: 'missing_partner',
      issues: ['Lead source is "Partner" but no partner is tagged'],
    },
    {
      case: 'closed lost (past every boundary, frozen)',
      deal: closedDeal(false),
      status: 'missing_partner',
      issues: [
        'Lead source is "Partner" but no partner is tagged; the deal is closed, so only an admin override can tag one',
      ],
    },
    {
      case: 'at a stage the pipeline does not list',
      deal: { stage: 'custom_stage' },
      status: 'complete',
      issues: [
        'Stage "custom_stage" is not in the stage order of pipeline "default"; stage-based requirements are not checked',
      ],
    },
  ])('given a partner lead source and no partner $case, when evaluated, then $status', ({ deal, status, issues }) => {
    expect(evaluate({ deal })).toEqual({ status, issues });
  });

  it('given a pipeline without a stage order, when evaluated, then a note says requirements are not checked', () => {
    expect(evaluate({ pipeline: 'p99' })).toEqual({
      status: 'complete',
      issues: ['Pipeline "p99" has no configured stage order; stage-based requirements are not checked'],
    });
  });

  it('given no pipeline and no default pipeline, when evaluated, then a note says requirements are not checked', () => {
    const rules = parseAttributionRules({ defaultPipeline: null });
    expect(evaluate({ pipeline: null }, rules)).toEqual({
      status: 'complete',
      issues: ['The deal has no pipeline; stage-based requirements are not checked'],
    });
  });

  it('given no pipeline, when evaluated, then the default pipeline applies', () => {
    expect(evaluate({ pipeline: null }).status).toBe('missing_partner');
  });

  it('given a partner without a role before the boundary, when evaluated, then a note announces the requirement', () => {
    expect(evaluate({ deal: { stage: 'appointmentscheduled' }, unlabeledPartnerIds: ['103'] })).toEqual({
      status: 'complete',
      issues: ['Not yet required (from stage "qualifiedtobuy"): Partner 103 is associated without a role'],
    });
  });
});

describe('evaluateAttribution: splits (required from contractsent)', () => {
  const at = (stage: string, partners: NonNullable<DealInput['partners']>) => evaluate({ deal: { stage, partners } });

  it.each([
    { case: '33.33 × 3 = 99.99', partners: [influenced('1', 33.33), influenced('2', 33.33), influenced('3', 33.33)] },
    { case: '99.99', partners: [influenced('1', 60), influenced('2', 39.99)] },
    { case: '100', partners: [influenced('1', 60), influenced('2', 40)] },
    { case: '100.01', partners: [influenced('1', 60), influenced('2', 40.01)] },
    { case: 'one partner at 100', partners: [sourced('1', 100)] },
    { case: 'one partner of a role without split', partners: [sourced('1')] },
    { case: '0 and 100', partners: [influenced('1', 0), influenced('2', 100)] },
    {
      case: 'two roles each summing to 100',
      partners: [sourced('1', 70), sourced('2', 30), influenced('3', 50), influenced('4', 50)],
    },
  ])('given splits of $case, when evaluated at contractsent, then the deal is complete', ({ partners }) => {
    expect(at('contractsent', partners)).toEqual({ status: 'complete', issues: [] });
  });

  it.each([
    {
      case: '99.98',
      partners: [influenced('1', 60), influenced('2', 39.98)],
      issues: ['Influenced splits sum to 99.98%, not 100%'],
    },
    {
      case: '100.02',
      partners: [influenced('1', 60), influenced('2', 40.02)],
      issues: ['Influenced splits sum to 100.02%, not 100%'],
    },
    {
      case: 'one partner at 50',
      partners: [sourced('1', 50)],
      issues: ['Sourced splits sum to 50%, not 100%'],
    },
    {
      case: 'a split missing on one partner',
      partners: [influenced('1', 60), influenced('2')],
      issues: ['Influenced splits are incomplete: partner 2 has no split; give every influenced partner a split'],
    },
    {
      case: 'splits missing on two partners',
      partners: [influenced('1', 100), influenced('2'), influenced('3')],
      issues: [
        'Influenced splits are incomplete: partner 2, partner 3 have no split; give every influenced partner a split',
      ],
    },
    {
      case: 'one role right and the other wrong (judged per role)',
      partners: [sourced('1', 50), sourced('2', 50), influenced('3', 70), influenced('4', 20)],
      issues: ['Influenced splits sum to 90%, not 100%'],
    },
    {
      case: 'no splits on a role held by two partners',
      partners: [influenced('1'), influenced('2')],
      issues: [
        '2 partners are tagged as influenced (partner 1, partner 2) without splits; give each a split so they sum to 100%',
      ],
    },
  ])('given splits of $case, when evaluated at contractsent, then invalid_split', ({ partners, issues }) => {
    expect(at('contractsent', partners)).toEqual({ status: 'invalid_split', issues });
  });

  it.each([
    {
      case: 'above 100',
      splitPct: 120,
      issue: 'The sourced split of partner 1 is 120%; a split is between 0% and 100%',
    },
    { case: 'negative', splitPct: -5, issue: 'The sourced split of partner 1 is -5%; a split is between 0% and 100%' },
  ])('given a split $case, when evaluated, then invalid_split names it', ({ splitPct, issue }) => {
    const input = makeInput();
    input.deal = { ...input.deal, partners: [{ partnerId: '1', role: 'sourced', splitPct }] };
    expect(evaluateAttribution(input)).toMatchObject({ status: 'invalid_split', issues: [issue] });
  });

  it('given a wrong split sum before the splits boundary, when evaluated, then it is invalid all the same', () => {
    expect(at('qualifiedtobuy', [influenced('1', 60), influenced('2', 30)])).toEqual({
      status: 'invalid_split',
      issues: ['Influenced splits sum to 90%, not 100%'],
    });
  });

  it('given two influenced partners without splits before the boundary, when evaluated, then only a note', () => {
    expect(at('decisionmakerboughtin', [influenced('1'), influenced('2')])).toEqual({
      status: 'complete',
      issues: [
        'Not yet required (from stage "contractsent"): 2 partners are tagged as influenced (partner 1, partner 2) without splits; give each a split so they sum to 100%',
      ],
    });
  });
});

describe('evaluateAttribution: scoping by segment, region, pipeline and stage', () => {
  // Each rule requires a sourced partner; the deal has only an influenced one, so a matching rule → missing_partner.
  const rules = parseAttributionRules({
    stageOrder: { default: [...HUBSPOT_DEFAULT_STAGES], partner: ['p_new', 'p_qualified', 'p_won', 'p_lost'] },
    requirements: [
      { name: 'mid-market', scope: { segments: ['mid_market'] }, require: { sourcedPartner: true } },
      { name: 'emea', scope: { regions: ['EMEA'] }, require: { sourcedPartner: true } },
      {
        name: 'partner pipeline',
        scope: { pipelines: ['partner'] },
        fromStage: 'p_qualified',
        require: { sourcedPartner: true },
      },
      { name: 'contract', scope: { stages: ['contractsent'] }, require: { sourcedPartner: true } },
    ],
  });
  const missing = {
    status: 'missing_partner',
    issues: ['No partner is tagged as sourced (tagged: partner 101 as influenced)'],
  };
  const complete = { status: 'complete', issues: [] };
  const base = { partners: [influenced('101')], amount: 10_000, region: null, stage: 'presentationscheduled' };

  it.each([
    { case: 'an amount just below the band', deal: { amount: 24_999.99 }, expected: complete },
    { case: 'an amount exactly at the band minimum', deal: { amount: 25_000 }, expected: missing },
    { case: 'an amount just below the band maximum', deal: { amount: 99_999.99 }, expected: missing },
    { case: 'an amount exactly at the band maximum', deal: { amount: 100_000 }, expected: complete },
    { case: 'no amount', deal: { amount: null }, expected: complete },
    { case: 'the scoped region', deal: { region: 'EMEA' }, expected: missing },
    { case: 'the scoped region in another case', deal: { region: 'emea' }, expected: missing },
    { case: 'another region', deal: { region: 'NA' }, expected: complete },
    { case: 'the scoped stage', deal: { stage: 'contractsent' }, expected: missing },
    { case: 'the stage before the scoped one', deal: { stage: 'decisionmakerboughtin' }, expected: complete },
  ])('given $case, when evaluated, then the scoped rule applies only when it matches', ({ deal, expected }) => {
    expect(evaluate({ deal: { ...base, ...deal } }, rules)).toEqual(expected);
  });

  it.each([
    {
      case: 'the scoped pipeline before its boundary',
      pipeline: 'partner',
      stage: 'p_new',
      expected: {
        status: 'complete',
        issues: [
          'Not yet required (from stage "p_qualified"): No partner is tagged as sourced (tagged: partner 101 as influenced)',
        ],
      },
    },
    { case: 'the scoped pipeline at its boundary', pipeline: 'partner', stage: 'p_qualified', expected: missing },
    { case: 'another pipeline', pipeline: 'default', stage: 'presentationscheduled', expected: complete },
  ])('given $case, when evaluated, then the pipeline rule applies accordingly', ({ pipeline, stage, expected }) => {
    expect(evaluate({ pipeline, deal: { ...base, stage } }, rules)).toEqual(expected);
  });

  it('given sourced required and only an unlabelled partner besides, when evaluated, then missing_role asks for it', () => {
    const sourcedOnly = parseAttributionRules({ requirements: [{ require: { sourcedPartner: true } }] });
    expect(evaluate({ deal: { partners: [influenced('101')] }, unlabeledPartnerIds: ['103'] }, sourcedOnly)).toEqual({
      status: 'missing_role',
      issues: ['No partner is tagged as sourced; partner 103 has no role yet'],
    });
  });
});

describe('evaluateAttribution: auto-tag and involvement', () => {
  it('given one approved registration and no partner, when evaluated, then it auto-tags and counts as complete', () => {
    const result = evaluateAttribution(
      makeInput({ deal: { leadSource: 'Website' }, registrations: [{ partnerId: '101', status: 'approved' }] }),
    );
    expect(result).toMatchObject({
      status: 'complete',
      issues: [],
      partnerInvolved: true,
      involvementReasons: ['approved registration (partner 101)'],
      autoTag: { partnerId: '101', role: 'sourced', reason: 'Partner 101 holds the approved registration' },
    });
  });

  it('given the registered partner associated without a role, when auto-tagged, then its role is no longer missing', () => {
    const result = evaluateAttribution(
      makeInput({ unlabeledPartnerIds: ['101'], registrations: [{ partnerId: '101', status: 'approved' }] }),
    );
    expect(result).toMatchObject({ status: 'complete', issues: [], autoTag: { partnerId: '101', role: 'sourced' } });
  });

  it('given two partners on the account, when evaluated, then conflict names both and nothing is tagged', () => {
    const result = evaluateAttribution(makeInput({ accountPartnerIds: ['102', '101'] }));
    expect(result.status).toBe('conflict');
    expect(result.issues).toEqual([
      'Cannot auto-tag: the account has 2 partners (partner 101, partner 102); tag the one on this deal',
    ]);
    expect(result.autoTag).toBeUndefined();
  });

  it('given a closed deal with one approved registration, when evaluated, then it is frozen and not auto-tagged', () => {
    const result = evaluateAttribution(
      makeInput({
        deal: { ...closedDeal(true), leadSource: 'Website' },
        registrations: [{ partnerId: '101', status: 'approved' }],
      }),
    );
    expect(result).toMatchObject({
      status: 'missing_partner',
      frozen: true,
      issues: [
        'Partner 101 holds an approved registration but is not tagged; the deal is closed, so only an admin override can tag one',
      ],
    });
    expect(result.autoTag).toBeUndefined();
  });

  it('given every involvement signal, when evaluated, then each reason is listed in a fixed order', () => {
    const result = evaluateAttribution(
      makeInput({
        deal: { partners: [sourced('101')] },
        unlabeledPartnerIds: ['102'],
        registrations: [{ partnerId: '101', status: 'approved' }],
        hasCoSellMotion: true,
      }),
    );
    expect(result.involvementReasons).toEqual([
      'lead source "Partner"',
      'partner associated (partner 101, partner 102)',
      'approved registration (partner 101)',
      'co-sell motion',
    ]);
  });

  it.each([
    { case: 'a lead source in another case', input: { deal: { leadSource: ' partner REFERRAL ' } }, involved: true },
    {
      case: 'a pending registration only',
      input: { deal: { leadSource: null }, registrations: [{ partnerId: '1', status: 'pending' }] },
      involved: false,
    },
    {
      case: 'a rejected registration only',
      input: { deal: { leadSource: null }, registrations: [{ partnerId: '1', status: 'rejected' }] },
      involved: false,
    },
    {
      case: 'a partner on the account only',
      input: { deal: { leadSource: null }, accountPartnerIds: ['1'] },
      involved: false,
    },
  ])('given $case, when evaluated, then partner-involved is $involved', ({ input, involved }) => {
    expect(evaluateAttribution(makeInput(input as InputOverrides)).partnerInvolved).toBe(involved);
  });

  it('given partner association switched off, when a partner is tagged on a non-partner lead, then not involved', () => {
    const rules = parseAttributionRules({ involvement: { partnerAssociation: false } });
    expect(evaluate({ deal: { leadSource: 'Website', partners: [sourced('1')] } }, rules).status).toBe(
      'not_partner_involved',
    );
  });

  it('given a pending registration counted as involvement, when no partner, then missing_partner says so', () => {
    const rules = parseAttributionRules({ involvement: { registrationStatuses: ['approved', 'pending'] } });
    expect(
      evaluate({ deal: { leadSource: null }, registrations: [{ partnerId: '1', status: 'pending' }] }, rules),
    ).toEqual({
      status: 'missing_partner',
      issues: ['A registration is pending approval but no partner is tagged'],
    });
  });
});

describe('evaluateAttribution: determinism and details', () => {
  it('given partner names, when issues mention partners, then they use the names', () => {
    const result = evaluateAttribution(
      makeInput({ unlabeledPartnerIds: ['103'], partnerNames: { '103': 'Northwind Partners' } }),
    );
    expect(result.issues).toEqual(['Northwind Partners is associated without a role']);
  });

  it('given HubSpot unlabelled associations next to labelled ones, when evaluated, then they are not missing a role', () => {
    expect(evaluate({ deal: { partners: [sourced('101')] }, unlabeledPartnerIds: ['101'] })).toEqual({
      status: 'complete',
      issues: [],
    });
  });

  it('given the same partners in another order, when evaluated, then the result is identical', () => {
    const a = makeInput({ deal: { partners: [influenced('9', 50), influenced('10', 30), sourced('2')] } });
    const b = makeInput({ deal: { partners: [sourced('2'), influenced('10', 30), influenced('9', 50)] } });
    expect(evaluateAttribution(a)).toEqual(evaluateAttribution(b));
    expect(evaluateAttribution(a)).toEqual(evaluateAttribution(a));
  });

  it('given a missing sourced partner, when the partners come in another order, then the issue reads the same', () => {
    const rules = parseAttributionRules({ requirements: [{ require: { sourcedPartner: true } }] });
    const cosell = { partnerId: '9', role: 'cosell' as const };
    const expected = {
      status: 'missing_partner',
      issues: ['No partner is tagged as sourced (tagged: partner 9 as cosell, partner 10 as influenced)'],
    };
    expect(evaluate({ deal: { partners: [influenced('10'), cosell] } }, rules)).toEqual(expected);
    expect(evaluate({ deal: { partners: [cosell, influenced('10')] } }, rules)).toEqual(expected);
  });

  it('given a closed lost deal without a reason, when evaluated, then hygiene reports it next to the status', () => {
    const result = evaluateAttribution(
      makeInput({ deal: { ...closedDeal(false), lossReason: null, partners: [sourced('1')] } }),
    );
    expect(result.status).toBe('complete');
    expect(result.frozen).toBe(true);
    expect(result.hygiene).toEqual([
      { code: 'closed_lost_without_reason', message: 'Closed lost without a loss reason' },
    ]);
  });

  it('given a deal that is not partner-involved, when evaluated, then hygiene is still judged', () => {
    const result = evaluateAttribution(makeInput({ deal: { ...closedDeal(true), leadSource: null, type: 'churn' } }));
    expect(result.status).toBe('not_partner_involved');
    expect(result.hygiene.map((f) => f.code)).toEqual(['churn_counted_as_win']);
  });
});
