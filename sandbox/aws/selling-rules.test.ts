import { describe, expect, it } from 'vitest';
import { AwsServiceError } from './aws-errors.ts';
import {
  actionRequiredViolations,
  INVITATION_LIFETIME_MS,
  invitationStatusAt,
  nextModified,
  opportunityRuleIssues,
} from './selling-rules.ts';
import { type OpportunityBody, parseRequest } from './selling-schemas.ts';

const body: OpportunityBody = {
  PartnerOpportunityIdentifier: 'deal-1',
  Customer: {
    Account: {
      CompanyName: 'Acme',
      WebsiteUrl: 'https://acme.example',
      Industry: 'Retail',
      Address: { CountryCode: 'US', City: 'Seattle' },
    },
  },
  Project: {
    Title: 'Acme on AWS',
    CustomerBusinessProblem: 'Acme needs elastic capacity for its shop.',
    ExpectedCustomerSpend: [{ Amount: '1000', CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' }],
  },
  LifeCycle: { Stage: 'Qualified', TargetCloseDate: '2026-09-30' },
};

describe('opportunityRuleIssues', () => {
  const context = { catalog: 'AWS', today: '2026-06-30', creating: true };
  it.each([
    ['a complete opportunity', {}, []],
    [
      'no website',
      { NationalSecurity: 'No', website: undefined },
      ['Customer.Account.WebsiteUrl:REQUIRED_FIELD_MISSING'],
    ],
    ['no website under national security', { NationalSecurity: 'Yes', industry: 'Government', website: undefined }, []],
    ['national security outside Government', { NationalSecurity: 'Yes' }, ['NationalSecurity:INVALID_VALUE']],
    ['industry Other without a name', { industry: 'Other' }, ['Customer.Account.OtherIndustry:REQUIRED_FIELD_MISSING']],
    ['an AWS referral on the AWS catalog', { Origin: 'AWS Referral' }, ['Origin:INVALID_VALUE']],
    ['yesterday as close date', { close: '2026-06-29' }, ['LifeCycle.TargetCloseDate:INVALID_VALUE']],
    ['today as close date', { close: '2026-06-30' }, []],
    ['Closed Lost without a reason', { stage: 'Closed Lost' }, ['LifeCycle.ClosedLostReason:REQUIRED_FIELD_MISSING']],
  ] as const)('given %s, then %j', (_case, change, expected) => {
    const input = {
      Catalog: 'AWS',
      ...('NationalSecurity' in change ? { NationalSecurity: change.NationalSecurity } : {}),
      ...('Origin' in change ? { Origin: change.Origin } : {}),
      Customer: {
        Account: {
          CompanyName: 'Acme',
          Industry: 'industry' in change ? change.industry : 'Retail',
          ...('website' in change ? {} : { WebsiteUrl: 'https://acme.example' }),
        },
      },
      LifeCycle: {
        Stage: 'stage' in change ? change.stage : 'Qualified',
        TargetCloseDate: 'close' in change ? change.close : '2026-09-30',
      },
    };
    const issues = opportunityRuleIssues(input, context).map((issue) => `${issue.FieldName}:${issue.Code}`);
    expect(issues).toEqual(expected);
  });
});

describe('actionRequiredViolations', () => {
  it.each([
    ['the website and close date', { website: 'https://acme.test', close: '2026-10-31' }, []],
    ['a spend amount and a new spend line', { spend: ['2000', '500'] }, []],
    ['the title', { title: 'Renamed' }, ['Project.Title']],
    [
      'the company name and stage',
      { company: 'Acme Inc', stage: 'Committed' },
      ['Customer.Account.CompanyName', 'LifeCycle.Stage'],
    ],
    ['only the read-only review status', { review: 'Approved' }, []],
  ] as const)('given a change of %s, then %j are refused', (_case, change, expected) => {
    const next: OpportunityBody = structuredClone(body);
    if ('website' in change) next.Customer.Account.WebsiteUrl = change.website;
    if ('close' in change) next.LifeCycle.TargetCloseDate = change.close;
    if ('title' in change) next.Project.Title = change.title;
    if ('company' in change) next.Customer.Account.CompanyName = change.company;
    if ('stage' in change) next.LifeCycle.Stage = change.stage;
    if ('review' in change) next.LifeCycle.ReviewStatus = change.review;
    if ('spend' in change) {
      next.Project.ExpectedCustomerSpend = change.spend.map((Amount) => ({
        Amount,
        CurrencyCode: 'USD',
        Frequency: 'Monthly',
        TargetCompany: 'AWS',
      }));
    }
    const refused = actionRequiredViolations(body, next);
    expect(refused.map((error) => error.FieldName)).toEqual(expected);
    expect(refused.every((error) => error.Code === 'ACTION_NOT_PERMITTED')).toBe(true);
  });
});

describe('invitationStatusAt', () => {
  const created = Date.UTC(2026, 5, 1);
  const expires = created + INVITATION_LIFETIME_MS;
  it.each([
    ['PENDING', expires - 1, 'PENDING'],
    ['PENDING', expires, 'EXPIRED'],
    ['ACCEPTED', expires + 1, 'ACCEPTED'],
    ['REJECTED', expires + 1, 'REJECTED'],
  ] as const)('given %s at %i, then %s', (stored, now, expected) => {
    expect(invitationStatusAt(stored, expires, now)).toBe(expected);
  });
});

describe('nextModified', () => {
  it('given two changes in the same millisecond, when stamped, then the second is one millisecond later', () => {
    expect(nextModified(1_000, 1_000)).toBe(1_001);
    expect(nextModified(1_000, 5_000)).toBe(5_000);
  });
});

describe('parseRequest', () => {
  it('given a list request with out-of-range and unknown values, when parsed, then every field is named with its code', () => {
    let error: unknown;
    try {
      parseRequest('ListOpportunities', {
        Catalog: 'Marketplace',
        MaxResults: 0,
        LifeCycleStage: ['Won'],
        Identifier: Array.from({ length: 21 }, (_, index) => `O${index + 1}`),
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AwsServiceError);
    const errorList = ((error as AwsServiceError).members.ErrorList ?? []) as Array<{
      FieldName: string;
      Code: string;
    }>;
    expect(errorList.map((entry) => `${entry.FieldName}:${entry.Code}`)).toEqual([
      'Catalog:INVALID_ENUM_VALUE',
      'MaxResults:VALUE_OUT_OF_RANGE',
      'Identifier:TOO_MANY_VALUES',
      'LifeCycleStage[0]:INVALID_ENUM_VALUE',
    ]);
  });
});
