import { describe, expect, it } from 'vitest';
import type { DealInput } from '../model/deal.ts';
import { influenced, makeDeal, sourced } from './attribution.fixtures.ts';
import type { AttributionResult } from './attribution-model.ts';
import { attributionProperties } from './attribution-properties.ts';

const result = (overrides: Partial<AttributionResult> = {}): AttributionResult => ({
  status: 'complete',
  issues: [],
  partnerInvolved: true,
  involvementReasons: [],
  hygiene: [],
  frozen: false,
  ...overrides,
});

describe('attributionProperties', () => {
  it('given a complete deal, when mapped, then every property is a deterministic string', () => {
    const deal = makeDeal({ partners: [sourced('101'), influenced('10'), influenced('9'), influenced('10')] });
    expect(attributionProperties(result(), deal)).toEqual({
      pl_attribution_status: 'complete',
      pl_attribution_issues: '',
      pl_sourced_partner: '101',
      pl_influence_partners: '9;10',
    });
  });

  it('given several issues, when mapped, then they are joined by newlines in order', () => {
    const issues = ['Lead source is "Partner" but no partner is tagged', 'Not yet required (from stage "x"): …'];
    expect(attributionProperties(result({ status: 'missing_partner', issues }), makeDeal())).toEqual({
      pl_attribution_status: 'missing_partner',
      pl_attribution_issues: 'Lead source is "Partner" but no partner is tagged\nNot yet required (from stage "x"): …',
      pl_sourced_partner: '',
      pl_influence_partners: '',
    });
  });

  it.each([
    {
      case: 'an auto-tag as sourced',
      autoTag: { partnerId: '7', role: 'sourced' as const, reason: 'r' },
      partners: [],
      sourced: '7',
      influence: '',
    },
    {
      case: 'an auto-tag as influenced',
      autoTag: { partnerId: '7', role: 'influenced' as const, reason: 'r' },
      partners: [influenced('8')],
      sourced: '',
      influence: '7;8',
    },
  ])('given $case, when mapped, then the tag is reflected', ({ autoTag, partners, sourced: s, influence }) => {
    const props = attributionProperties(result({ autoTag }), makeDeal({ partners }));
    expect([props.pl_sourced_partner, props.pl_influence_partners]).toEqual([s, influence]);
  });

  it.each([
    { case: 'two sourced partners without splits', partners: [sourced('1'), sourced('2')], expected: '' },
    { case: 'sourced splits 40/60', partners: [sourced('1', 40), sourced('2', 60)], expected: '2' },
    { case: 'sourced splits tied 50/50', partners: [sourced('1', 50), sourced('2', 50)], expected: '' },
    { case: 'the same sourced partner twice', partners: [sourced('3'), sourced('3')], expected: '3' },
    { case: 'no sourced partner', partners: [influenced('1')], expected: '' },
  ] satisfies { case: string; partners: DealInput['partners']; expected: string }[])(
    'given $case, when mapped, then pl_sourced_partner is "$expected"',
    ({ partners, expected }) => {
      expect(attributionProperties(result(), makeDeal({ partners })).pl_sourced_partner).toBe(expected);
    },
  );
});
