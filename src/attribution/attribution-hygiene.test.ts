import { describe, expect, it } from 'vitest';
import type { DealInput } from '../model/deal.ts';
import { closedDeal, influenced, makeDeal, makeInput, sourced } from './attribution.fixtures.ts';
import {
  checkAttributionChange,
  countsAsNewBusinessWin,
  describeAttributionChanges,
  hygieneFindings,
} from './attribution-hygiene.ts';
import { type AttributionRulesInput, parseAttributionRules } from './attribution-rules.ts';

function findings(
  deal: Partial<DealInput>,
  rules: AttributionRulesInput = {},
  partnersAtClose?: DealInput['partners'],
) {
  const input = makeInput({ deal });
  const atClose = partnersAtClose ? makeDeal({ partners: partnersAtClose }).partners : undefined;
  return hygieneFindings({ ...input, partnersAtClose: atClose }, parseAttributionRules(rules));
}

describe('hygieneFindings', () => {
  it.each([
    {
      case: 'a closed lost deal without a loss reason',
      deal: closedDeal(false, { lossReason: null }),
      expected: [{ code: 'closed_lost_without_reason', message: 'Closed lost without a loss reason' }],
    },
    {
      case: 'a closed lost deal with a blank loss reason',
      deal: closedDeal(false, { lossReason: '   ' }),
      expected: [{ code: 'closed_lost_without_reason', message: 'Closed lost without a loss reason' }],
    },
    { case: 'a closed lost deal with a loss reason', deal: closedDeal(false), expected: [] },
    { case: 'an open deal without a loss reason', deal: {}, expected: [] },
    {
      case: 'a won deal typed churn',
      deal: closedDeal(true, { type: 'churn' }),
      expected: [
        {
          code: 'churn_counted_as_win',
          message: 'Deal is typed churn but marked won; a churn is never a new-business win',
        },
      ],
    },
    { case: 'a lost deal typed churn', deal: closedDeal(false, { type: 'churn' }), expected: [] },
    {
      case: 'a won deal named as churn but typed new business',
      deal: closedDeal(true, { name: 'Acme seat churn Q3' }),
      expected: [
        {
          code: 'churn_counted_as_win',
          message:
            'Deal name says churn but it is typed new_business and it is marked won; it is not counted as a new-business win',
        },
      ],
    },
    {
      case: 'an open deal named as a renewal but typed new business',
      deal: { name: 'Acme renewal 2026' },
      expected: [
        {
          code: 'renewal_counted_as_new_business',
          message: 'Deal name says renewal but it is typed new_business; renewals are not new business',
        },
      ],
    },
    {
      case: 'a won untyped deal named as a renewal',
      deal: closedDeal(true, { name: 'Acme renewal 2026', type: null }),
      expected: [
        {
          code: 'renewal_counted_as_new_business',
          message: 'Deal name says renewal but it has no type; renewals are not new business',
        },
      ],
    },
    {
      case: 'a won deal named and typed as a renewal',
      deal: closedDeal(true, { name: 'Acme renewal', type: 'renewal' }),
      expected: [],
    },
    {
      case: 'a closed deal whose partners changed since close',
      deal: closedDeal(true, { partners: [sourced('102')] }),
      atClose: [sourced('101')],
      expected: [
        {
          code: 'attribution_changed_after_close',
          message:
            'Attribution changed after close without an admin override: removed partner 101 as sourced; added partner 102 as sourced',
        },
      ],
    },
    {
      case: 'a closed deal whose partners are as at close',
      deal: closedDeal(true, { partners: [sourced('101'), influenced('102')] }),
      atClose: [influenced('102'), sourced('101')],
      expected: [],
    },
    {
      case: 'an open deal whose partners changed',
      deal: { partners: [sourced('102')] },
      atClose: [sourced('101')],
      expected: [],
    },
  ])('given $case, when checked, then the findings are as expected', ({ deal, atClose, expected }) => {
    expect(findings(deal, {}, atClose)).toEqual(expected);
  });

  it.each([
    {
      case: 'loss reasons not required',
      rules: { requireLossReason: false },
      deal: closedDeal(false, { lossReason: null }),
    },
    { case: 'names not read', rules: { inferIntentFromDealName: false }, deal: { name: 'Acme renewal 2026' } },
    {
      case: 'untyped deals not counted',
      rules: { countUntypedAsNewBusiness: false },
      deal: closedDeal(true, { name: 'Acme renewal 2026', type: null }),
    },
    {
      case: 'no freeze after close',
      rules: { freezeAfterClose: false },
      deal: closedDeal(true, { partners: [sourced('102')] }),
      atClose: [sourced('101')],
    },
  ])('given $case, when checked, then the rule is switched off', ({ rules, deal, atClose }) => {
    expect(findings(deal, rules, atClose)).toEqual([]);
  });
});

describe('countsAsNewBusinessWin', () => {
  it.each([
    { case: 'won new business', deal: closedDeal(true), rules: {}, counts: true },
    { case: 'won expansion', deal: closedDeal(true, { type: 'expansion' }), rules: {}, counts: true },
    { case: 'won untyped', deal: closedDeal(true, { type: null }), rules: {}, counts: true },
    { case: 'won renewal', deal: closedDeal(true, { type: 'renewal' }), rules: {}, counts: false },
    { case: 'won churn', deal: closedDeal(true, { type: 'churn' }), rules: {}, counts: false },
    { case: 'lost new business', deal: closedDeal(false), rules: {}, counts: false },
    { case: 'open new business', deal: {}, rules: {}, counts: false },
    {
      case: 'won new business named as a renewal',
      deal: closedDeal(true, { name: 'Acme Renewal FY26' }),
      rules: {},
      counts: false,
    },
    {
      case: 'won new business named as churn',
      deal: closedDeal(true, { name: 'Acme churned seats' }),
      rules: {},
      counts: false,
    },
    {
      case: 'won new business named as a renewal, names not read',
      deal: closedDeal(true, { name: 'Acme Renewal FY26' }),
      rules: { inferIntentFromDealName: false },
      counts: true,
    },
    {
      case: 'won untyped, untyped not counted',
      deal: closedDeal(true, { type: null }),
      rules: { countUntypedAsNewBusiness: false },
      counts: false,
    },
    {
      case: 'won expansion, only new_business counted',
      deal: closedDeal(true, { type: 'expansion' }),
      rules: { newBusinessDealTypes: ['new_business'] },
      counts: false,
    },
  ])('given a $case deal, when counted, then it counts: $counts', ({ deal, rules, counts }) => {
    expect(countsAsNewBusinessWin(makeDeal(deal), parseAttributionRules(rules))).toBe(counts);
  });
});

describe('checkAttributionChange', () => {
  const before = makeDeal({ partners: [sourced('101', 60), sourced('102', 40)] }).partners;
  const after = makeDeal({ partners: [sourced('101', 50), sourced('102', 50)] }).partners;
  const changes = [
    'changed the sourced split of partner 101 from 60% to 50%',
    'changed the sourced split of partner 102 from 40% to 50%',
  ];
  const frozenMessage = 'Attribution is frozen because the deal is closed; an admin override with a reason is required';

  it.each([
    {
      case: 'an open deal',
      deal: {},
      override: undefined,
      decision: { outcome: 'allowed', changes, override: null },
    },
    {
      case: 'a closed deal without override',
      deal: closedDeal(true),
      override: undefined,
      decision: { outcome: 'rejected', code: 'attribution_changed_after_close', message: frozenMessage, changes },
    },
    {
      case: 'a closed deal with an override without reason',
      deal: closedDeal(true),
      override: { actor: 'admin-1', reason: '  ' },
      decision: {
        outcome: 'rejected',
        code: 'attribution_changed_after_close',
        message: 'An attribution override needs a reason',
        changes,
      },
    },
    {
      case: 'a closed deal with an override without actor',
      deal: closedDeal(true),
      override: { actor: '', reason: 'Partner disputed the split' },
      decision: {
        outcome: 'rejected',
        code: 'attribution_changed_after_close',
        message: 'An attribution override must name the admin making it',
        changes,
      },
    },
    {
      case: 'a closed deal with an admin override and a reason',
      deal: closedDeal(false),
      override: { actor: ' admin-1 ', reason: ' Partner disputed the split ' },
      decision: { outcome: 'allowed', changes, override: { actor: 'admin-1', reason: 'Partner disputed the split' } },
    },
  ])('given $case, when the split changes, then it is $decision.outcome', ({ deal, override, decision }) => {
    expect(checkAttributionChange(before, after, makeDeal(deal), override)).toEqual(decision);
  });

  it('given a closed deal and the same partners in another order, when checked, then it is allowed as a no-op', () => {
    expect(checkAttributionChange(before, [...before].reverse(), makeDeal(closedDeal(true)))).toEqual({
      outcome: 'allowed',
      changes: [],
      override: null,
    });
  });

  it('given rules that do not freeze, when a closed deal changes, then it is allowed without override', () => {
    const rules = parseAttributionRules({ freezeAfterClose: false });
    expect(checkAttributionChange(before, after, makeDeal(closedDeal(true)), null, rules).outcome).toBe('allowed');
  });
});

describe('describeAttributionChanges', () => {
  it('given additions, removals and split changes, when described, then one sentence each in partner order', () => {
    const before = makeDeal({ partners: [sourced('10'), influenced('9', 100), influenced('2')] }).partners;
    const after = makeDeal({ partners: [sourced('10'), sourced('9'), influenced('9'), influenced('11')] }).partners;
    expect(describeAttributionChanges(before, after, { '11': 'Globex' })).toEqual([
      'removed partner 2 as influenced',
      'added partner 9 as sourced',
      'changed the influenced split of partner 9 from 100% to none',
      'added Globex as influenced',
    ]);
  });
});
