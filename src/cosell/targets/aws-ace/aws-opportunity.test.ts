import { describe, expect, it } from 'vitest';
import type { Deal } from '../../../model/deal.ts';
import {
  type AwsOpportunityDefaults,
  awsClientToken,
  awsOpportunityFromDeal,
  motionPath,
  motionStateForAws,
  websiteUrl,
} from './aws-opportunity.ts';

const DEFAULTS: AwsOpportunityDefaults = {
  catalog: 'Sandbox',
  countryCode: 'us',
  industry: 'Software and Internet',
  customerUseCase: null,
  deliveryModels: ['SaaS or PaaS'],
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

const ASK = 'Globex needs to move its nightly batch analytics to a managed lakehouse before Q2.';
const TODAY = '2026-12-05';

describe('awsOpportunityFromDeal', () => {
  it('given a complete deal, when mapped, then the ACE body carries customer, project, monthly spend and close date', () => {
    const mapped = awsOpportunityFromDeal({ deal: deal(), ask: ASK, today: TODAY }, DEFAULTS);
    expect(mapped).toEqual({
      ok: true,
      body: {
        Origin: 'Partner Referral',
        OpportunityType: 'Net New Business',
        PartnerOpportunityIdentifier: '1001',
        PrimaryNeedsFromAws: ['Co-Sell - Deal Support'],
        Customer: {
          Account: {
            CompanyName: 'Globex',
            WebsiteUrl: 'https://globex.com',
            Industry: 'Software and Internet',
            Address: { CountryCode: 'US' },
          },
        },
        Project: {
          Title: 'Globex data platform',
          CustomerBusinessProblem: ASK,
          DeliveryModels: ['SaaS or PaaS'],
          ExpectedCustomerSpend: [
            { Amount: '10000.00', CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' },
          ],
        },
        LifeCycle: { Stage: 'Prospect', TargetCloseDate: '2027-03-31' },
      },
    });
  });

  it.each([
    ['no domain', { account: { id: 'c1', name: 'Globex', domain: null } }, 'Customer.Account.WebsiteUrl', /website/],
    ['no amount', { amount: null }, 'Project.ExpectedCustomerSpend', /amount/],
    [
      'a GBP amount',
      { currency: 'GBP' },
      'Project.ExpectedCustomerSpend.CurrencyCode',
      /USD or EUR; this deal is in GBP/,
    ],
    ['no close date', { closeDate: null }, 'LifeCycle.TargetCloseDate', /close date is required/],
    ['a past close date', { closeDate: '2026-01-31' }, 'LifeCycle.TargetCloseDate', /2026-01-31/],
  ])('given a deal with %s, when mapped, then the seller reads which field AWS needs', (_, overrides, field, words) => {
    const mapped = awsOpportunityFromDeal({ deal: deal(overrides as Partial<Deal>), ask: ASK, today: TODAY }, DEFAULTS);
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(mapped.issues).toHaveLength(1);
    expect(mapped.issues[0]!.field).toBe(field);
    expect(mapped.issues[0]!.message).toMatch(words);
  });

  it('given a short ask and no country, when mapped, then every problem is listed at once', () => {
    const mapped = awsOpportunityFromDeal(
      { deal: deal(), ask: 'Help us', today: TODAY },
      { ...DEFAULTS, countryCode: null },
    );
    expect(mapped.ok ? [] : mapped.issues.map((issue) => issue.field)).toEqual([
      'Customer.Account.Address.CountryCode',
      'Project.CustomerBusinessProblem',
    ]);
  });
});

describe('awsClientToken', () => {
  it('given the same tenant, deal, operation and attempt, then the token repeats; any change makes another', () => {
    const base = { tenantId: 'hubspot:1', dealId: '1001', operation: 'create', attempt: 1 };
    expect(awsClientToken(base)).toBe(awsClientToken({ ...base }));
    expect(awsClientToken(base)).toMatch(/^pl-[0-9a-f]{40}$/);
    const others = [
      { ...base, tenantId: 'hubspot:2' },
      { ...base, dealId: '1002' },
      { ...base, operation: 'submit' },
      { ...base, attempt: 2 },
    ].map(awsClientToken);
    expect(new Set([awsClientToken(base), ...others]).size).toBe(5);
  });
});

describe('motionStateForAws and motionPath', () => {
  it.each([
    ['Pending Submission', 'Prospect', 'requested'],
    ['Submitted', 'Prospect', 'requested'],
    ['In review', 'Prospect', 'requested'],
    ['Action Required', 'Prospect', 'requested'],
    ['Approved', 'Prospect', 'accepted'],
    ['Approved', 'Qualified', 'accepted'],
    ['Approved', 'Technical Validation', 'active'],
    ['Approved', 'Committed', 'active'],
    ['Approved', 'Launched', 'won'],
    ['Approved', 'Closed Lost', 'lost'],
    ['Rejected', 'Prospect', 'rejected'],
  ])('given review %s at stage %s, then the motion is %s', (review, stage, state) => {
    expect(motionStateForAws(review, stage)).toBe(state);
  });

  it('given a requested motion that AWS launched, then the path is accepted, active, won; a closed motion stays', () => {
    expect(motionPath('requested', 'won')).toEqual(['accepted', 'active', 'won']);
    expect(motionPath('requested', 'requested')).toEqual([]);
    expect(motionPath('withdrawn', 'accepted')).toEqual([]);
    expect(motionPath('accepted', 'lost')).toEqual(['active', 'lost']);
  });
});

describe('websiteUrl', () => {
  it.each([
    ['globex.com', 'https://globex.com'],
    ['https://WWW.Globex.com/about', 'https://www.globex.com'],
    ['localhost', null],
    ['', null],
    [null, null],
  ])('given %s, then %s', (input, expected) => {
    expect(websiteUrl(input)).toBe(expected);
  });
});
