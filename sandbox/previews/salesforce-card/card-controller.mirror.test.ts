import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/shared/errors.ts';
import {
  APEX_METHODS,
  apexCallout,
  apexMessageFor,
  BUSY_MESSAGE,
  UNREACHABLE_MESSAGE,
  UNVERIFIED_MESSAGE,
} from './card-controller.mirror.ts';

const CONTROLLER = fileURLToPath(
  new URL(
    '../../../extensions/salesforce/force-app/main/default/classes/PartnerLoopCardController.cls',
    import.meta.url,
  ),
);
const OPP = '0065L000000001xQAA';
const OPP15 = '0065L000000001x';
const PARTNER = '0015L0000000042QAA';
const OTHER = '0065L000000002yQAA';

/** The refusal an input gets, as the seller reads it. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    // ApexUserError (the class's own sentences) is an InvalidInputError, as is a parameter of the wrong type.
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
  throw new Error('the input was accepted');
}

describe('PartnerLoopCardController mirror: each method is one service call', () => {
  it('given the Apex class, then the mirror knows exactly its @AuraEnabled methods', () => {
    const source = readFileSync(CONTROLLER, 'utf8');
    const declared = [...source.matchAll(/@AuraEnabled\s+public static String (\w+)\(/g)].map((match) => match[1]);
    expect([...APEX_METHODS].sort()).toEqual(declared.sort());
  });

  it.each([
    ['getCard', { opportunityId: OPP }, { method: 'GET', path: `/deals/${OPP}`, body: null }],
    ['getCard', { opportunityId: ` ${OPP15} ` }, { method: 'GET', path: `/deals/${OPP15}`, body: null }],
    ['searchPartners', { query: '  acme corp ' }, { method: 'GET', path: '/partners?q=acme+corp', body: null }],
    ['searchPartners', { query: 'a&b=c/ü' }, { method: 'GET', path: '/partners?q=a%26b%3Dc%2F%C3%BC', body: null }],
    [
      'searchPartners',
      { query: 'x'.repeat(150) },
      { method: 'GET', path: `/partners?q=${'x'.repeat(100)}`, body: null },
    ],
    [
      'tagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'sourced', splitPct: null },
      { method: 'POST', path: `/deals/${OPP}/partners`, body: { partnerId: PARTNER, role: 'sourced' } },
    ],
    [
      'tagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'influenced', splitPct: 33.5 },
      {
        method: 'POST',
        path: `/deals/${OPP}/partners`,
        body: { partnerId: PARTNER, role: 'influenced', splitPct: 33.5 },
      },
    ],
    [
      'untagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'cosell', overrideReason: null },
      { method: 'DELETE', path: `/deals/${OPP}/partners/${PARTNER}/cosell`, body: null },
    ],
    [
      'untagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'cosell', overrideReason: '  finance asked  ' },
      {
        method: 'DELETE',
        path: `/deals/${OPP}/partners/${PARTNER}/cosell`,
        body: { override: { reason: 'finance asked' } },
      },
    ],
    [
      'markNotDuplicate',
      { opportunityId: OPP, otherDealId: OTHER },
      { method: 'POST', path: `/deals/${OPP}/not-duplicate`, body: { otherDealId: OTHER } },
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: PARTNER, programme: null, ask: ' Intro to the CIO ', slaDays: 5 },
      {
        method: 'POST',
        path: `/deals/${OPP}/cosell`,
        body: { partnerId: PARTNER, ask: 'Intro to the CIO', slaDays: 5 },
      },
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: '  ', programme: ' AWS ACE ', ask: 'Co-sell', slaDays: null },
      { method: 'POST', path: `/deals/${OPP}/cosell`, body: { programme: 'AWS ACE', ask: 'Co-sell' } },
    ],
    [
      'transitionMotion',
      { motionId: ' 3f1c-motion_9 ', toState: 'accepted', note: null },
      { method: 'POST', path: '/motions/3f1c-motion_9/transition', body: { to: 'accepted' } },
    ],
    [
      'transitionMotion',
      { motionId: 'm1', toState: 'won', note: ' signed ' },
      { method: 'POST', path: '/motions/m1/transition', body: { to: 'won', note: 'signed' } },
    ],
  ] as const)('given %s(%j), then it calls %j', (method, params, callout) => {
    expect(apexCallout(method, params)).toEqual(callout);
  });
});

describe('PartnerLoopCardController mirror: a bad input is refused with the class’s sentence, before any call', () => {
  it.each([
    ['getCard', { opportunityId: null }, 'opportunityId must be a Salesforce record id (15 or 18 letters and digits).'],
    ['getCard', {}, 'opportunityId must be a Salesforce record id (15 or 18 letters and digits).'],
    [
      'getCard',
      { opportunityId: '006/../../settings' },
      'opportunityId must be a Salesforce record id (15 or 18 letters and digits).',
    ],
    ['searchPartners', { query: ' a ' }, 'Type at least 2 characters to search.'],
    ['searchPartners', { query: null }, 'Type at least 2 characters to search.'],
    [
      'tagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'owner', splitPct: null },
      'role must be one of sourced, influenced, cosell, reseller, referral.',
    ],
    [
      'tagPartner',
      { opportunityId: OPP, partnerId: 'acme', role: 'sourced', splitPct: null },
      'partnerId must be a Salesforce record id (15 or 18 letters and digits).',
    ],
    [
      'tagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'sourced', splitPct: 101 },
      'Enter a split from 0 to 100 %, or leave it empty.',
    ],
    [
      'untagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'sourced', overrideReason: 'no' },
      'Give a reason of 3 to 500 characters for the override.',
    ],
    [
      'markNotDuplicate',
      { opportunityId: OPP, otherDealId: '' },
      'otherDealId must be a Salesforce record id (15 or 18 letters and digits).',
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: PARTNER, programme: 'AWS', ask: 'x', slaDays: null },
      'A co-sell motion goes to a partner or to a programme: name exactly one.',
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: null, programme: ' ', ask: 'x', slaDays: null },
      'A co-sell motion goes to a partner or to a programme: name exactly one.',
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: null, programme: 'p'.repeat(201), ask: 'x', slaDays: null },
      'Keep the programme name under 200 characters.',
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: PARTNER, programme: null, ask: '  ', slaDays: null },
      'Describe what you are asking the partner for.',
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: PARTNER, programme: null, ask: 'a'.repeat(1001), slaDays: null },
      'Keep the ask under 1000 characters.',
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: PARTNER, programme: null, ask: 'x', slaDays: 91 },
      'The SLA is a whole number of days from 1 to 90.',
    ],
    ['transitionMotion', { motionId: 'm/1', toState: 'won', note: null }, 'motionId must be a PartnerLoop motion id.'],
    [
      'transitionMotion',
      { motionId: 'm1', toState: 'closed', note: null },
      'toState must be one of draft, requested, accepted, rejected, active, won, lost, withdrawn.',
    ],
    [
      'transitionMotion',
      { motionId: 'm1', toState: 'won', note: 'n'.repeat(2001) },
      'Keep the note under 2000 characters.',
    ],
  ] as const)('given %s(%j), then "%s"', (method, params, message) => {
    expect(refusal(() => apexCallout(method, params))).toBe(message);
  });

  it.each([
    ['getCard', { opportunityId: 42 }, 'opportunityId'],
    ['tagPartner', { opportunityId: OPP, partnerId: PARTNER, role: 'sourced', splitPct: '25' }, 'splitPct'],
    ['startCoSell', { opportunityId: OPP, partnerId: PARTNER, ask: 'x', slaDays: 1.5 }, 'slaDays'],
    ['getCard', { opportunityId: OPP, recordId: OPP }, 'recordId: unknown key'],
  ] as const)(
    'given %s with a parameter Apex cannot take (%j), then it is refused naming %s',
    (method, params, named) => {
      expect(refusal(() => apexCallout(method, params))).toContain(named);
    },
  );
});

describe('PartnerLoopCardController mirror: what the seller reads for a non-2xx answer', () => {
  const envelope = (message: string) => JSON.stringify({ error: { code: 'x', message, details: [] } });
  it.each([
    [401, envelope('the org key is not valid'), UNVERIFIED_MESSAGE],
    [404, envelope('deal 006 is not in PartnerLoop\nsecond line'), 'deal 006 is not in PartnerLoop'],
    [409, envelope(`  ${'y'.repeat(400)}  `), `${'y'.repeat(297)}...`],
    [429, '', BUSY_MESSAGE],
    [429, envelope('slow down, org 00D'), 'slow down, org 00D'],
    [502, '<html>Bad gateway</html>', UNREACHABLE_MESSAGE],
    [500, envelope(''), UNREACHABLE_MESSAGE],
    [418, '{"message":"not an envelope"}', 'PartnerLoop could not complete this request (HTTP 418).'],
  ])('given HTTP %i with %s, then "%s"', (status, body, message) => {
    expect(apexMessageFor(status, body)).toBe(message);
  });
});
