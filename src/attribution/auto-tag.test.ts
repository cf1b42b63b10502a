import { describe, expect, it } from 'vitest';
import { closedDeal, type InputOverrides, influenced, makeInput } from './attribution.fixtures.ts';
import { DEFAULT_ATTRIBUTION_RULES, parseAttributionRules } from './attribution-rules.ts';
import { decideAutoTag } from './auto-tag.ts';

const approved = (partnerId: string) => ({ partnerId, status: 'approved' as const });

describe('decideAutoTag', () => {
  it.each([
    {
      case: 'one approved registration',
      input: { deal: { leadSource: null }, registrations: [approved('101')] },
      decision: {
        kind: 'tag',
        tag: { partnerId: '101', role: 'sourced', reason: 'Partner 101 holds the approved registration' },
      },
    },
    {
      case: 'two approved registrations from the same partner',
      input: { registrations: [approved('101'), approved('101')] },
      decision: {
        kind: 'tag',
        tag: { partnerId: '101', role: 'sourced', reason: 'Partner 101 holds the approved registration' },
      },
    },
    {
      case: 'one approved and one rejected registration',
      input: { registrations: [approved('101'), { partnerId: '102', status: 'rejected' }] },
      decision: {
        kind: 'tag',
        tag: { partnerId: '101', role: 'sourced', reason: 'Partner 101 holds the approved registration' },
      },
    },
    {
      case: 'two approved registrations from different partners',
      input: { registrations: [approved('102'), approved('101')], accountPartnerIds: ['101'] },
      decision: {
        kind: 'conflict',
        candidates: ['101', '102'],
        issue:
          'Approved registrations from 2 partners (partner 101, partner 102); only one partner can hold the registration',
      },
    },
    {
      case: 'one approved registration and another partner on the account',
      input: { registrations: [approved('101')], accountPartnerIds: ['102'] },
      decision: {
        kind: 'tag',
        tag: { partnerId: '101', role: 'sourced', reason: 'Partner 101 holds the approved registration' },
      },
    },
    {
      case: 'one partner on the account and a partner lead source',
      input: { accountPartnerIds: ['101'] },
      decision: {
        kind: 'tag',
        tag: {
          partnerId: '101',
          role: 'sourced',
          reason: 'Partner 101 is the only partner of the account and the lead source is a partner',
        },
      },
    },
    {
      case: 'one partner on the account and only a co-sell motion',
      input: { deal: { leadSource: 'Website' }, hasCoSellMotion: true, accountPartnerIds: ['101', '101'] },
      decision: {
        kind: 'tag',
        tag: { partnerId: '101', role: 'influenced', reason: 'Partner 101 is the only partner of the account' },
      },
    },
    {
      case: 'two partners on the account',
      input: { accountPartnerIds: ['102', '101'] },
      decision: {
        kind: 'conflict',
        candidates: ['101', '102'],
        issue: 'Cannot auto-tag: the account has 2 partners (partner 101, partner 102); tag the one on this deal',
      },
    },
    {
      case: 'a closed deal with one approved registration',
      input: { deal: closedDeal(true), registrations: [approved('101')] },
      decision: { kind: 'none', reason: 'the deal is closed and frozen' },
    },
    {
      case: 'a closed deal with one partner on the account',
      input: { deal: closedDeal(false), accountPartnerIds: ['101'] },
      decision: { kind: 'none', reason: 'the deal is closed and frozen' },
    },
    {
      case: 'a deal that is not partner-involved with one partner on the account',
      input: { deal: { leadSource: 'Website' }, accountPartnerIds: ['101'] },
      decision: { kind: 'none', reason: 'the deal is not partner-involved' },
    },
    {
      case: 'a partner already tagged',
      input: { deal: { partners: [influenced('102')] }, registrations: [approved('101')] },
      decision: { kind: 'none', reason: 'a partner is already tagged' },
    },
    {
      case: 'a partner associated without a role and one on the account',
      input: { unlabeledPartnerIds: ['103'], accountPartnerIds: ['101'] },
      decision: { kind: 'none', reason: 'partners are associated without a role' },
    },
    {
      case: 'a pending registration and one partner on the account',
      input: { registrations: [{ partnerId: '102', status: 'pending' }], accountPartnerIds: ['101'] },
      decision: { kind: 'none', reason: 'a registration is pending approval' },
    },
    {
      case: 'no candidate at all',
      input: {},
      decision: { kind: 'none', reason: 'no candidate partner' },
    },
  ])('given $case, when deciding, then $decision.kind', ({ input, decision }) => {
    expect(decideAutoTag(makeInput(input as InputOverrides), DEFAULT_ATTRIBUTION_RULES)).toEqual(decision);
  });

  it.each([
    {
      case: 'auto-tag from registrations off, one approved registration and one account partner',
      rules: { autoTag: { fromApprovedRegistration: false } },
      input: { registrations: [approved('101')], accountPartnerIds: ['102'] },
      decision: { kind: 'none', reason: 'auto-tag from registrations is off' },
    },
    {
      case: 'auto-tag from the account off',
      rules: { autoTag: { fromSingleAccountPartner: false } },
      input: { accountPartnerIds: ['101'] },
      decision: { kind: 'none', reason: 'auto-tag from the account is off' },
    },
    {
      case: 'freeze after close off and a closed deal with one approved registration',
      rules: { freezeAfterClose: false },
      input: { deal: closedDeal(true), registrations: [approved('101')] },
      decision: {
        kind: 'tag',
        tag: { partnerId: '101', role: 'sourced', reason: 'Partner 101 holds the approved registration' },
      },
    },
  ])('given $case, when deciding, then $decision.kind', ({ rules, input, decision }) => {
    expect(decideAutoTag(makeInput(input as InputOverrides), parseAttributionRules(rules))).toEqual(decision);
  });
});
