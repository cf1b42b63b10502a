import { describe, expect, it } from 'vitest';
import type { Deal } from '../../../model/deal.ts';
import { MOTION_STATES } from '../../motion-state-machine.ts';
import {
  closeReferralPatch,
  cloudOpportunityFromMicrosoft,
  dealIdFromExternalReference,
  isReadOnly,
  MICROSOFT_MOTION_TABLE,
  MICROSOFT_REFERRAL_STATUSES,
  MICROSOFT_REFERRAL_SUBSTATUSES,
  type MicrosoftReferralDefaults,
  microsoftCloudStatus,
  microsoftExternalReference,
  microsoftFieldIssue,
  microsoftReferralFromDeal,
  microsoftReferralSchema,
  microsoftTrackedFields,
  motionMovesForMicrosoft,
  motionStateForMicrosoft,
  referralPatch,
} from './microsoft-referral.ts';

const DEFAULTS: MicrosoftReferralDefaults = {
  countryCode: 'us',
  currency: null,
  solutionId: 'SOL-DEMO-0001',
  consent: { shareInfoWithOthers: false, contact: true },
};

function deal(overrides: Partial<Deal> = {}): Deal {
  return {
    id: '1001',
    name: 'Globex data platform',
    account: { id: 'c1', name: 'Globex', domain: 'globex.com' },
    amount: 120_000,
    currency: 'USD',
    closeDate: '2027-03-31',
    createdAt: '2026-11-01T00:00:00Z',
    stage: 'qualifiedtobuy',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    ownerId: null,
    region: null,
    leadSource: null,
    products: [],
    partners: [],
    lossReason: null,
    ...overrides,
  } as Deal;
}

const ASK = 'Globex wants an Azure landing zone and a Microsoft architect in the February workshop.';
const TODAY = '2026-12-05';
const REFERENCE = microsoftExternalReference({ tenantId: 'hubspot:1', dealId: '1001', motionId: 'm-1', attempt: 1 });
const source = (overrides: Partial<Deal> = {}) => ({
  deal: deal(overrides),
  ask: ASK,
  today: TODAY,
  externalReferenceId: REFERENCE,
});

describe('microsoftReferralFromDeal', () => {
  it('given a complete deal, when mapped, then the referral carries the customer, consents, value, close date, ask and our reference', () => {
    const mapped = microsoftReferralFromDeal(
      {
        ...source(),
        contact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@globex.com', phoneNumber: ' ' },
        customer: { city: 'Redmond', size: '51to250employees' },
      },
      DEFAULTS,
    );

    expect(mapped).toEqual({
      ok: true,
      body: {
        name: 'Globex data platform',
        externalReferenceId: REFERENCE,
        type: 'Shared',
        qualification: 'SalesQualified',
        status: 'New',
        substatus: 'Pending',
        customerProfile: {
          name: 'Globex',
          address: { country: 'US', city: 'Redmond' },
          size: '51to250employees',
          team: [{ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@globex.com' }],
        },
        consent: {
          consentToToShareInfoWithOthers: false,
          consentToContact: true,
          consentToShareReferralWithMicrosoftSellers: true,
        },
        details: { notes: ASK, dealValue: 120_000, currency: 'USD', closingDateTime: '2027-03-31T00:00:00Z' },
        target: [{ type: 'SolutionProfile', id: 'SOL-DEMO-0001' }],
      },
    });
  });

  it('given the company record has a country, when mapped, then it wins over the tenant default; no solution sends no target', () => {
    const mapped = microsoftReferralFromDeal(
      { ...source({ currency: null }), customer: { country: 'de' } },
      { ...DEFAULTS, currency: 'eur', solutionId: null },
    );

    expect(mapped.ok && mapped.body.customerProfile.address).toEqual({ country: 'DE' });
    expect(mapped.ok && mapped.body.details.currency).toBe('EUR');
    expect(mapped.ok && mapped.body.target).toEqual([]);
    expect(mapped.ok && mapped.body.customerProfile.team).toEqual([]);
  });

  it.each([
    ['no amount', { amount: null }, 'details.dealValue', /Deal value is required by Microsoft/],
    ['a negative amount', { amount: -5 }, 'details.dealValue', /zero or more/],
    ['no currency and no default', { currency: null }, 'details.currency', /Currency is required by Microsoft/],
    ['no close date', { closeDate: null }, 'details.closingDateTime', /close date is required by Microsoft/],
    ['a past close date', { closeDate: '2026-01-31' }, 'details.closingDateTime', /in the future.*2026-01-31/],
    ['a close date of today', { closeDate: TODAY }, 'details.closingDateTime', /in the future for Microsoft/],
    [
      'an empty company name',
      { account: { id: 'c1', name: ' ', domain: null } },
      'customerProfile.name',
      /company name is required/,
    ],
  ])(
    'given a deal with %s, when mapped, then the seller reads which field Microsoft needs',
    (_, overrides, field, words) => {
      const mapped = microsoftReferralFromDeal(source(overrides as Partial<Deal>), DEFAULTS);

      expect(mapped.ok).toBe(false);
      if (mapped.ok) return;
      expect(mapped.issues).toHaveLength(1);
      expect(mapped.issues[0]?.field).toBe(field);
      expect(mapped.issues[0]?.message).toMatch(words);
    },
  );

  it('given a closed deal whose close date passed, when mapped for an update, then the date is not refused', () => {
    const mapped = microsoftReferralFromDeal(
      source({ closeDate: '2026-10-01', isClosed: true, isWon: true }),
      DEFAULTS,
    );

    expect(mapped.ok).toBe(true);
  });

  it('given no country anywhere and an empty ask, when mapped, then every problem is listed at once', () => {
    const mapped = microsoftReferralFromDeal({ ...source(), ask: '  ' }, { ...DEFAULTS, countryCode: null });

    expect(mapped.ok ? [] : mapped.issues).toEqual([
      {
        field: 'customerProfile.address.country',
        message:
          'Customer country is required by Microsoft: set the default country in the Microsoft programme settings.',
      },
      {
        field: 'details.notes',
        message: 'Describe what you need from Microsoft: the co-sell ask is sent as the referral notes.',
      },
    ]);
  });

  it('given a country that is not two letters, when mapped, then it is refused like a missing one', () => {
    const mapped = microsoftReferralFromDeal({ ...source(), customer: { country: 'USA' } }, DEFAULTS);

    expect(mapped.ok ? [] : mapped.issues.map((issue) => issue.field)).toEqual(['customerProfile.address.country']);
  });
});

describe('microsoftExternalReference', () => {
  it('given the same tenant, deal, motion and attempt, then the reference repeats; any change makes another', () => {
    const base = { tenantId: 'hubspot:1', dealId: '1001', motionId: 'm-1', attempt: 1 };

    expect(microsoftExternalReference({ ...base })).toBe(REFERENCE);
    expect(REFERENCE).toMatch(/^pl-1001-[0-9a-f]{20}$/);
    const others = [
      { ...base, tenantId: 'hubspot:2' },
      { ...base, dealId: '1002' },
      { ...base, motionId: 'm-2' },
      { ...base, attempt: 2 },
    ].map(microsoftExternalReference);
    expect(new Set([REFERENCE, ...others]).size).toBe(5);
  });

  it.each([
    ['a HubSpot deal id', '1001', '1001'],
    ['a Salesforce id', '006Dn000004aBcDIAU', '006Dn000004aBcDIAU'],
    ["an id with a quote (kept out of the reference, and out of OData's literal)", "10'01", null],
    ['a dashed id (ambiguous inside the reference)', 'a-b', null],
  ])('given %s, then the deal id reads back from the reference when it can', (_, dealId, readBack) => {
    const reference = microsoftExternalReference({ tenantId: 't', dealId, motionId: 'm', attempt: 1 });

    expect(dealIdFromExternalReference(reference)).toBe(readBack);
    expect(reference).not.toContain("'");
  });

  it('given a reference someone else wrote, then no deal id is read from it', () => {
    expect(dealIdFromExternalReference('D365-OPP-42')).toBeNull();
    expect(dealIdFromExternalReference(null)).toBeNull();
  });
});

describe('motionStateForMicrosoft', () => {
  it.each(MICROSOFT_MOTION_TABLE.map((row) => [row.status, row.substatus, row.motion] as const))(
    'given %s/%s, then the motion is %s',
    (status, substatus, motion) => {
      expect(motionStateForMicrosoft(status, substatus)).toBe(motion);
    },
  );

  it('given the table, then it covers every substatus once and names only motion states', () => {
    expect(MICROSOFT_MOTION_TABLE.map((row) => row.substatus).sort()).toEqual(
      [...MICROSOFT_REFERRAL_SUBSTATUSES].sort(),
    );
    for (const row of MICROSOFT_MOTION_TABLE) {
      expect(MICROSOFT_REFERRAL_STATUSES).toContain(row.status);
      expect(MOTION_STATES).toContain(row.motion);
    }
  });

  it.each([
    ['Closed', 'Error', 'rejected'],
    ['Closed', null, 'rejected'],
    ['Active', 'Engaged', 'accepted'],
    ['New', null, 'requested'],
    [null, null, 'requested'],
    ['Archived', 'Whatever', 'requested'],
  ])('given an unlisted %s/%s, then the motion is %s', (status, substatus, motion) => {
    expect(motionStateForMicrosoft(status, substatus)).toBe(motion);
  });

  it.each([
    ['requested', 'Active', 'Accepted', ['accepted']],
    ['requested', 'Closed', 'Won', ['accepted', 'active', 'won']],
    ['accepted', 'Closed', 'Lost', ['active', 'lost']],
    ['requested', 'Closed', 'Expired', ['rejected']],
    ['accepted', 'Closed', 'Declined', []],
    ['withdrawn', 'Active', 'Accepted', []],
    ['accepted', 'Active', 'Accepted', []],
  ] as const)('given a %s motion and a %s/%s referral, then the moves are %j', (from, status, substatus, moves) => {
    expect(motionMovesForMicrosoft(from, status, substatus)).toEqual(moves);
  });

  it('given statuses, then only Closed is read-only and the cloud status entry names the programme', () => {
    expect(MICROSOFT_REFERRAL_STATUSES.filter(isReadOnly)).toEqual(['Closed']);
    expect(isReadOnly(null)).toBe(false);
    expect(microsoftCloudStatus({ status: 'Active', substatus: 'Accepted' })).toBe('microsoft:Active/Accepted');
    expect(microsoftCloudStatus({ status: 'New' })).toBe('microsoft:New');
  });
});

describe('referralPatch and closeReferralPatch', () => {
  const sent = microsoftTrackedFields(
    (microsoftReferralFromDeal(source(), DEFAULTS) as { ok: true; body: Parameters<typeof microsoftTrackedFields>[0] })
      .body,
  );

  it('given the referral as sent, then its tracked fields are the text the sync side stores', () => {
    expect(sent).toEqual({
      name: 'Globex data platform',
      customerName: 'Globex',
      dealValue: '120000',
      currency: 'USD',
      closingDateTime: '2027-03-31T00:00:00Z',
    });
  });

  it.each([
    ['nothing changed', {}, []],
    ['the amount changed', { dealValue: '150000' }, [{ op: 'replace', path: '/details/dealValue', value: 150_000 }]],
    [
      'the close date and the name changed',
      { closingDateTime: '2027-06-30T00:00:00Z', name: 'Globex lakehouse' },
      [
        { op: 'replace', path: '/name', value: 'Globex lakehouse' },
        { op: 'replace', path: '/details/closingDateTime', value: '2027-06-30T00:00:00Z' },
      ],
    ],
    [
      'the customer was renamed',
      { customerName: 'Globex Corp' },
      [{ op: 'replace', path: '/customerProfile/name', value: 'Globex Corp' }],
    ],
  ])('given %s, when diffed, then only changed fields are patched', (_, change, operations) => {
    expect(referralPatch(sent, { ...sent, ...change })).toEqual(operations);
  });

  it('given a field never sent before, when diffed, then it is added rather than replaced', () => {
    const { currency: _currency, ...withoutCurrency } = sent;

    expect(referralPatch(withoutCurrency, sent)).toEqual([{ op: 'add', path: '/details/currency', value: 'USD' }]);
  });

  it.each([
    ['won', undefined, 'Won', 'Won in the CRM'],
    ['lost', 'Budget cut', 'Lost', 'Budget cut'],
    ['withdrawn', null, 'Declined', 'Co-sell withdrawn by the partner'],
  ] as const)(
    'given the motion ends %s, then the referral closes with its substatus and reason',
    (outcome, reason, substatus, words) => {
      expect(closeReferralPatch(outcome, reason)).toEqual([
        { op: 'replace', path: '/status', value: 'Closed' },
        { op: 'replace', path: '/substatus', value: substatus },
        { op: 'replace', path: '/statusReason', value: words },
      ]);
    },
  );
});

describe('referrals read back', () => {
  const answered = microsoftReferralSchema.parse({
    id: '8d2b1f0e-0000-4000-8000-000000000001',
    name: 'Globex data platform',
    externalReferenceId: REFERENCE,
    createdDateTime: '2026-12-01T09:00:00.0000000Z',
    updatedDateTime: '2026-12-02T10:30:00.1234567Z',
    status: 'Closed',
    substatus: 'Won',
    customerProfile: { name: 'Globex', address: { country: 'US' } },
    details: { dealValue: '150000', currency: 'USD', closingDateTime: '2027-03-31T00:00:00Z' },
    somethingNew: { added: 'by Microsoft later' },
  });

  it('given a won referral as the API answers it, then the reconciliation sees the deal, amount, date and outcome', () => {
    expect(cloudOpportunityFromMicrosoft(answered)).toEqual({
      programme: 'microsoft_referrals',
      id: '8d2b1f0e-0000-4000-8000-000000000001',
      crmDealId: '1001',
      customerName: 'Globex',
      customerDomain: null,
      title: 'Globex data platform',
      amount: 150_000,
      currency: 'USD',
      closeDate: '2027-03-31',
      outcome: 'won',
      stage: 'Closed/Won',
      createdAt: '2026-12-01T09:00:00.000Z',
      lastModifiedAt: '2026-12-02T10:30:00.123Z',
    });
  });

  it.each([
    ['Active', 'Accepted', 'open'],
    ['Closed', 'Lost', 'lost'],
    ['Closed', 'Expired', 'lost'],
  ])('given a %s/%s referral, then its outcome is %s', (status, substatus, outcome) => {
    expect(cloudOpportunityFromMicrosoft({ ...answered, status, substatus }).outcome).toBe(outcome);
  });

  it.each([
    [
      'customerProfile.address.country',
      'must be an ISO 3166 two-letter country code',
      'customerProfile.address.country',
      'Microsoft refused the customer country: must be an ISO 3166 two-letter country code.',
    ],
    [
      '/details/dealValue',
      'must be zero or more.',
      'details.dealValue',
      'Microsoft refused the deal value (the deal amount): must be zero or more.',
    ],
    [
      'customerProfile.team.0.email',
      '',
      'customerProfile.team.0.email',
      'Microsoft refused the customer contact: invalid value.',
    ],
  ])('given Microsoft refuses %s, then the seller reads it in words', (field, message, normalized, words) => {
    expect(microsoftFieldIssue(field, message)).toEqual({ field: normalized, message: words });
  });
});
