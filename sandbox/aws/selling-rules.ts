import type { FieldError } from './aws-errors.ts';
import {
  type Catalog,
  DATE_PATTERN,
  type InvitationStatusValue,
  type OpportunityBody,
  type ReviewStatusValue,
  type RuleIssue,
} from './selling-schemas.ts';

/**
 * The pure decisions of the stand-in: business validation of an opportunity, what may change while AWS asks for
 * action, what a submission needs, which review statuses lock the record, and an invitation's status at a given time.
 * Each is a function of its inputs (the clock's day passed in), tested with tables in `selling-rules.test.ts`.
 */

/** Statuses in which `UpdateOpportunity` is refused: AWS is reviewing, or has rejected the opportunity. */
export const UPDATE_LOCKED_STATUSES: readonly ReviewStatusValue[] = ['Submitted', 'In review', 'Rejected'];

/** Statuses from which `StartEngagementFromOpportunityTask` may (re)submit the opportunity. */
export const SUBMITTABLE_STATUSES: readonly ReviewStatusValue[] = ['Pending Submission', 'Action Required'];

/**
 * The fields AWS opens while the review status is `Action Required` (API reference, "Working with opportunity
 * updates"; the page spells the country `Address.Country`, the field is `Address.CountryCode`). Array indices are
 * dropped before matching: `Project.ExpectedCustomerSpend[1].Amount` is `Project.ExpectedCustomerSpend.Amount`.
 */
export const ACTION_REQUIRED_EDITABLE: readonly string[] = [
  'Customer.Account.Address.City',
  'Customer.Account.Address.CountryCode',
  'Customer.Account.Address.PostalCode',
  'Customer.Account.Address.StateOrRegion',
  'Customer.Account.Address.StreetAddress',
  'Customer.Account.WebsiteUrl',
  'LifeCycle.TargetCloseDate',
  'Project.ExpectedCustomerSpend',
  'Project.ExpectedCustomerSpend.Amount',
  'Project.ExpectedCustomerSpend.CurrencyCode',
  'Project.ExpectedCustomerSpend.EstimationUrl',
  'Project.ExpectedCustomerSpend.Frequency',
  'Project.ExpectedCustomerSpend.TargetCompany',
  'Project.CustomerBusinessProblem',
  'PartnerOpportunityIdentifier',
];

/** LifeCycle members only AWS sets; a client echoing them back changes nothing. */
export const READ_ONLY_LIFECYCLE = ['ReviewStatus', 'ReviewComments', 'ReviewStatusReason'] as const;

/** An engagement invitation not accepted within 15 days expires (ListEngagementInvitations reference). */
export const INVITATION_LIFETIME_MS = 15 * 24 * 60 * 60 * 1000;

interface RuleContext {
  catalog: unknown;
  /** The clock's day, `YYYY-MM-DD` (UTC). */
  today: string;
  /** CreateOpportunity also checks `Origin`. */
  creating: boolean;
}

/**
 * Business rules of CreateOpportunity / UpdateOpportunity, checked on the raw request (so they join the shape errors
 * in one `ErrorList`): the website unless national security, the origin on the AWS catalog, a target close date not in
 * the past, a reason for Closed Lost, a name for industry Other, national security only for Government.
 */
export function opportunityRuleIssues(input: unknown, context: RuleContext): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const business = (FieldName: string, Code: FieldError['Code'], Message: string) =>
    issues.push({ FieldName, Code, Message, business: true });
  const nationalSecurity = at(input, 'NationalSecurity');
  const industry = at(input, 'Customer', 'Account', 'Industry');
  const website = at(input, 'Customer', 'Account', 'WebsiteUrl');
  if ((website === undefined || website === '') && nationalSecurity !== 'Yes') {
    business(
      'Customer.Account.WebsiteUrl',
      'REQUIRED_FIELD_MISSING',
      'Customer.Account.WebsiteUrl is required unless NationalSecurity is Yes.',
    );
  }
  if (nationalSecurity === 'Yes' && typeof industry === 'string' && industry !== 'Government') {
    business('NationalSecurity', 'INVALID_VALUE', 'NationalSecurity can be Yes only when the industry is Government.');
  }
  if (industry === 'Other' && !at(input, 'Customer', 'Account', 'OtherIndustry')) {
    business(
      'Customer.Account.OtherIndustry',
      'REQUIRED_FIELD_MISSING',
      'Customer.Account.OtherIndustry is required when the industry is Other.',
    );
  }
  if (context.creating && context.catalog === 'AWS') {
    const origin = at(input, 'Origin');
    if (origin !== undefined && origin !== 'Partner Referral') {
      business('Origin', 'INVALID_VALUE', 'Origin must be Partner Referral on the AWS catalog.');
    }
  }
  const closeDate = at(input, 'LifeCycle', 'TargetCloseDate');
  if (typeof closeDate === 'string' && DATE_PATTERN.test(closeDate) && closeDate < context.today) {
    business('LifeCycle.TargetCloseDate', 'INVALID_VALUE', `LifeCycle.TargetCloseDate ${closeDate} is in the past.`);
  }
  if (at(input, 'LifeCycle', 'Stage') === 'Closed Lost' && !at(input, 'LifeCycle', 'ClosedLostReason')) {
    business(
      'LifeCycle.ClosedLostReason',
      'REQUIRED_FIELD_MISSING',
      'LifeCycle.ClosedLostReason is required when the stage is Closed Lost.',
    );
  }
  return issues;
}

/**
 * What a submission to AWS needs beyond a valid record (`StartEngagementFromOpportunityTask`): a spend estimate, a
 * close date not in the past, an open stage, and the required fields a control-side edit may have removed.
 */
export function submissionIssues(
  body: OpportunityBody,
  nationalSecurity: string | undefined,
  today: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const missing = (FieldName: string) =>
    errors.push({ FieldName, Code: 'REQUIRED_FIELD_MISSING', Message: `${FieldName} is required to submit.` });
  const account = body.Customer.Account;
  if (!account.CompanyName) missing('Customer.Account.CompanyName');
  if (!account.WebsiteUrl && nationalSecurity !== 'Yes') missing('Customer.Account.WebsiteUrl');
  if (!account.Address.CountryCode) missing('Customer.Account.Address.CountryCode');
  if (!body.Project.Title) missing('Project.Title');
  if (!body.Project.CustomerBusinessProblem) missing('Project.CustomerBusinessProblem');
  if ((body.Project.ExpectedCustomerSpend ?? []).length === 0) missing('Project.ExpectedCustomerSpend');
  const closeDate = body.LifeCycle.TargetCloseDate;
  if (!closeDate) missing('LifeCycle.TargetCloseDate');
  else if (closeDate < today) {
    errors.push({
      FieldName: 'LifeCycle.TargetCloseDate',
      Code: 'INVALID_VALUE',
      Message: `LifeCycle.TargetCloseDate ${closeDate} is in the past.`,
    });
  }
  const stage = body.LifeCycle.Stage;
  if (stage === 'Closed Lost' || stage === 'Launched') {
    errors.push({
      FieldName: 'LifeCycle.Stage',
      Code: 'INVALID_VALUE',
      Message: `An opportunity in stage ${stage} cannot be submitted.`,
    });
  }
  return errors;
}

/**
 * Under `Action Required`, every leaf that differs between the stored document and the update must be one AWS opened;
 * the others come back as `ACTION_NOT_PERMITTED`, one entry per field.
 */
export function actionRequiredViolations(stored: OpportunityBody, next: OpportunityBody): FieldError[] {
  const before = leaves(withoutReadOnly(stored));
  const after = leaves(withoutReadOnly(next));
  const changed = new Set<string>();
  for (const [path, value] of after) if (before.get(path) !== value) changed.add(path);
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  return [...changed]
    .filter((path) => !ACTION_REQUIRED_EDITABLE.includes(path.replace(/\[\d+\]/g, '')))
    .sort()
    .map((path) => ({
      FieldName: path,
      Code: 'ACTION_NOT_PERMITTED' as const,
      Message: `${path} cannot be changed while the review status is Action Required.`,
    }));
}

function withoutReadOnly(body: OpportunityBody): unknown {
  const { ReviewStatus: _s, ReviewComments: _c, ReviewStatusReason: _r, ...lifeCycle } = body.LifeCycle;
  return { ...body, LifeCycle: lifeCycle };
}

/** Leaf values by dotted path (`A.B[0].C`); arrays of scalars count as one leaf, compared as JSON. */
export function leaves(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) {
      if (value.length > 0) into.set(prefix, JSON.stringify(value));
      return into;
    }
    value.forEach((item, index) => {
      leaves(item, `${prefix}[${index}]`, into);
    });
    return into;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, into);
    return into;
  }
  if (value !== undefined) into.set(prefix, JSON.stringify(value));
  return into;
}

/** Stored PENDING becomes EXPIRED once the expiration date has passed; the other statuses are final. */
export function invitationStatusAt(
  stored: Exclude<InvitationStatusValue, 'EXPIRED'>,
  expiresAt: number,
  now: number,
): InvitationStatusValue {
  return stored === 'PENDING' && now >= expiresAt ? 'EXPIRED' : stored;
}

/** Every change moves `LastModifiedDate` forward, even two changes in the same millisecond of a manual clock. */
export function nextModified(previous: number, now: number): number {
  return Math.max(now, previous + 1);
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isCatalog(value: unknown): value is Catalog {
  return value === 'AWS' || value === 'Sandbox';
}

function at(input: unknown, ...path: string[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
