import {
  AwsFundingUsed,
  AwsPartition,
  Channel,
  ClosedLostReason,
  CompetitorName,
  CountryCode,
  CurrencyCode,
  DeliveryModel,
  EngagementInvitationPayloadType,
  ExpectedContractDurationTerm,
  Industry,
  InvitationStatus,
  ListTasksSortName,
  MarketingSource,
  NationalSecurity,
  OpportunityEngagementInvitationSortName,
  OpportunityOrigin,
  OpportunitySortName,
  OpportunityType,
  ParticipantType,
  PaymentFrequency,
  PrimaryNeedFromAws,
  RevenueModel,
  ReviewStatus,
  SalesActivity,
  SalesInvolvementType,
  SortOrder,
  Stage,
  TaskStatus,
  Visibility,
} from '@aws-sdk/client-partnercentral-selling';
import { z } from 'zod';
import { awsErrors, type FieldError, type ValidationErrorCode, type ValidationReason } from './aws-errors.ts';

/**
 * Request shapes of the operations the stand-in serves, with the constraints of the service model (lengths, patterns,
 * enums, required members) and the API reference. Enum values come from the pinned SDK's runtime enum objects, which
 * are generated from that same model, so the stand-in cannot drift from the client's idea of a valid value.
 *
 * A failed parse becomes one `ValidationException` whose `ErrorList` names every failing field as a dotted path
 * (`Customer.Account.WebsiteUrl`, `Project.ExpectedCustomerSpend[0].Amount`) with AWS's codes; business rules that need
 * more than the shape (the clock, the catalog, other fields) live in `selling-rules.ts` and join the same list.
 */

const values = <T extends Record<string, string>>(enumObject: T) =>
  Object.values(enumObject) as [T[keyof T], ...T[keyof T][]];

export const CATALOGS = ['AWS', 'Sandbox'] as const;
export type Catalog = (typeof CATALOGS)[number];

export const REVIEW_STATUSES = values(ReviewStatus);
export type ReviewStatusValue = (typeof REVIEW_STATUSES)[number];
export const STAGES = values(Stage);
export type StageValue = (typeof STAGES)[number];
export const CLOSED_LOST_REASONS = values(ClosedLostReason);
export const INVITATION_STATUSES = values(InvitationStatus);
export type InvitationStatusValue = (typeof INVITATION_STATUSES)[number];
export const TASK_STATUSES = values(TaskStatus);
export type TaskStatusValue = (typeof TASK_STATUSES)[number];
export const INDUSTRIES = values(Industry);
export const COUNTRY_CODES = values(CountryCode);

/** `ExpectedCustomerSpend.CurrencyCode` accepts these two of the ISO list (the API reference; EUR for aws-eusc). */
export const SPEND_CURRENCIES: readonly string[] = ['USD', 'EUR'];

/**
 * `Project.CustomerUseCase` is a plain string in the model; the API reference lists the accepted values.
 */
export const CUSTOMER_USE_CASES = [
  'AI Machine Learning and Analytics',
  'Archiving',
  'Big Data: Data Warehouse/Data Integration/ETL/Data Lake/BI',
  'Blockchain',
  'Business Applications: Mainframe Modernization',
  'Business Applications & Contact Center',
  'Business Applications & SAP Production',
  'Centralized Operations Management',
  'Cloud Management Tools',
  'Cloud Management Tools & DevOps with Continuous Integration & Continuous Delivery (CICD)',
  'Configuration, Compliance & Auditing',
  'Connected Services',
  'Containers & Serverless',
  'Content Delivery & Edge Services',
  'Database',
  'Edge Computing/End User Computing',
  'Energy',
  'Enterprise Governance & Controls',
  'Enterprise Resource Planning',
  'Financial Services',
  'Healthcare and Life Sciences',
  'High Performance Computing',
  'Hybrid Application Platform',
  'Industrial Software',
  'IOT',
  'Manufacturing, Supply Chain and Operations',
  'Media & High performance computing (HPC)',
  'Migration/Database Migration',
  'Monitoring, logging and performance',
  'Monitoring & Observability',
  'Networking',
  'Outpost',
  'SAP',
  'Security & Compliance',
  'Storage & Backup',
  'Training',
  'VMC',
  'VMWare',
  'Web development & DevOps',
] as const;

export const DATE_PATTERN = /^[1-9][0-9]{3}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;
export const OPPORTUNITY_ID_PATTERN = /^O[0-9]{1,19}$/;
export const INVITATION_ID_PATTERN = /^(arn:.*|engi-[0-9a-z]{13})$/;
/** The model's `CompanyWebsiteUrl` pattern (the opportunity's `WebsiteUrl` only has a length; we use it for both). */
export const WEBSITE_PATTERN = /^((http|https):\/\/)??(www[.])??([a-zA-Z0-9]|-)+?([.][a-zA-Z0-9(-|/|=|?)??]+?)+?$/;
const MONEY_PATTERN = /^(0|([1-9][0-9]{0,30}))(\.[0-9]{0,2})?$/;
const EMAIL_PATTERN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const PHONE_PATTERN = /^\+[1-9]\d{1,14}$/;
const CLIENT_TOKEN_PATTERN = /^[!-~]{1,64}$/;

const text = (min: number | undefined, max: number | undefined) => {
  let schema = z.string();
  if (min !== undefined) schema = schema.min(min);
  if (max !== undefined) schema = schema.max(max);
  return schema;
};
const date = z.string().regex(DATE_PATTERN);
/** A `date-time` timestamp on the wire (ISO 8601; epoch seconds accepted too) as epoch milliseconds. */
const timestamp = z.union([z.string(), z.number()]).transform((value, context) => {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) {
    context.addIssue({
      code: 'custom',
      message: 'must be an ISO 8601 date-time',
      params: { code: 'INVALID_STRING_FORMAT' },
    });
    return z.NEVER;
  }
  return ms;
});
/** An absent parent still reports its required children by name (`Customer.Account.CompanyName`, not `Customer`). */
const present = <S extends z.ZodType>(schema: S) => z.preprocess((value) => value ?? {}, schema);

const contact = z.object({
  Email: z.string().max(80).regex(EMAIL_PATTERN).optional(),
  FirstName: text(undefined, 80).optional(),
  LastName: text(undefined, 80).optional(),
  BusinessTitle: text(undefined, 80).optional(),
  Phone: z.string().max(40).regex(PHONE_PATTERN).optional(),
});
export type ContactShape = z.output<typeof contact>;

const address = z.object({
  City: text(undefined, 255).optional(),
  PostalCode: text(undefined, 20).optional(),
  StateOrRegion: text(undefined, 255).optional(),
  CountryCode: z.enum(COUNTRY_CODES),
  StreetAddress: text(undefined, 255).optional(),
});

const account = z.object({
  Industry: z.enum(INDUSTRIES),
  OtherIndustry: text(undefined, 255).optional(),
  CompanyName: text(1, 120),
  WebsiteUrl: text(4, 255).regex(WEBSITE_PATTERN).optional(),
  AwsAccountId: z
    .string()
    .regex(/^([0-9]{12}|\w{1,12})$/)
    .optional(),
  Address: present(address),
  Duns: z
    .string()
    .regex(/^[0-9]{9}$/)
    .optional(),
});

const spend = z.object({
  Amount: z.string().regex(MONEY_PATTERN),
  CurrencyCode: z.enum(values(CurrencyCode)).refine((code) => SPEND_CURRENCIES.includes(code), {
    message: `must be one of ${SPEND_CURRENCIES.join(', ')}`,
    params: { code: 'INVALID_VALUE' },
  }),
  Frequency: z.enum(values(PaymentFrequency)),
  TargetCompany: text(1, 80),
  EstimationUrl: text(4, 255).optional(),
});
export type SpendShape = z.output<typeof spend>;

const project = z.object({
  DeliveryModels: z.array(z.enum(values(DeliveryModel))).optional(),
  ExpectedCustomerSpend: z.array(spend).max(10).optional(),
  ExpectedContractDuration: z
    .object({ Term: z.enum(values(ExpectedContractDurationTerm)), Value: z.string() })
    .optional(),
  Title: text(1, 255),
  ApnPrograms: z.array(z.string()).optional(),
  CustomerBusinessProblem: text(20, 2000),
  CustomerUseCase: z.enum(CUSTOMER_USE_CASES).optional(),
  RelatedOpportunityIdentifier: z.string().regex(OPPORTUNITY_ID_PATTERN).optional(),
  SalesActivities: z.array(z.enum(values(SalesActivity))).optional(),
  CompetitorName: z.enum(values(CompetitorName)).optional(),
  OtherCompetitorNames: text(undefined, 255).optional(),
  OtherSolutionDescription: text(undefined, 255).optional(),
  AdditionalComments: text(1, 255).optional(),
  AwsPartition: z.enum(values(AwsPartition)).optional(),
});

const lifeCycle = z.object({
  Stage: z.enum(STAGES).optional(),
  ClosedLostReason: z.enum(CLOSED_LOST_REASONS).optional(),
  NextSteps: text(undefined, 255).optional(),
  TargetCloseDate: date,
  NextStepsHistory: z
    .array(z.object({ Value: z.string(), Time: z.string() }))
    .max(50)
    .optional(),
  // Read-only members: accepted on input (clients echo GetOpportunity back) and ignored.
  ReviewStatus: z.enum(REVIEW_STATUSES).optional(),
  ReviewComments: z.string().optional(),
  ReviewStatusReason: z.string().optional(),
});

const marketing = z.object({
  CampaignName: z.string().optional(),
  Source: z.enum(values(MarketingSource)).optional(),
  UseCases: z.array(z.string()).optional(),
  Channels: z.array(z.enum(values(Channel))).optional(),
  AwsFundingUsed: z.enum(values(AwsFundingUsed)).optional(),
});

const softwareRevenue = z.object({
  DeliveryModel: z.enum(values(RevenueModel)).optional(),
  Value: z.object({ Amount: z.string().regex(MONEY_PATTERN), CurrencyCode: z.enum(values(CurrencyCode)) }).optional(),
  EffectiveDate: date.optional(),
  ExpirationDate: date.optional(),
});

/** The partner-editable document: what CreateOpportunity sets and UpdateOpportunity replaces. */
const opportunityBody = {
  PrimaryNeedsFromAws: z.array(z.enum(values(PrimaryNeedFromAws))).optional(),
  NationalSecurity: z.enum(values(NationalSecurity)).optional(),
  PartnerOpportunityIdentifier: text(undefined, 64).optional(),
  Customer: present(z.object({ Account: present(account), Contacts: z.array(contact).optional() })),
  Project: present(project),
  OpportunityType: z.enum(values(OpportunityType)).optional(),
  Marketing: marketing.optional(),
  SoftwareRevenue: softwareRevenue.optional(),
  LifeCycle: present(lifeCycle),
};
const opportunityBodySchema = z.object(opportunityBody);
export type OpportunityBody = z.output<typeof opportunityBodySchema>;

const catalog = z.enum(CATALOGS);
const opportunityId = z.string().regex(OPPORTUNITY_ID_PATTERN);
const clientToken = z.string().regex(CLIENT_TOKEN_PATTERN);
const pageSize = (max: number) => z.number().int().min(1).max(max).optional();
const sort = <T extends readonly [string, ...string[]]>(names: T) =>
  z.object({ SortOrder: z.enum(values(SortOrder)), SortBy: z.enum(names) }).optional();

export const schemas = {
  CreateOpportunity: z.object({
    Catalog: catalog,
    ClientToken: z.string().min(1),
    Origin: z.enum(values(OpportunityOrigin)).optional(),
    OpportunityTeam: z.array(contact).max(1).optional(),
    ...opportunityBody,
  }),
  UpdateOpportunity: z.object({
    Catalog: catalog,
    Identifier: opportunityId,
    LastModifiedDate: timestamp,
    ...opportunityBody,
  }),
  GetOpportunity: z.object({ Catalog: catalog, Identifier: opportunityId }),
  ListOpportunities: z.object({
    Catalog: catalog,
    MaxResults: pageSize(100),
    NextToken: z.string().optional(),
    Sort: sort(values(OpportunitySortName)),
    LastModifiedDate: z
      .object({ AfterLastModifiedDate: timestamp.optional(), BeforeLastModifiedDate: timestamp.optional() })
      .optional(),
    CreatedDate: z
      .object({ AfterCreatedDate: timestamp.optional(), BeforeCreatedDate: timestamp.optional() })
      .optional(),
    TargetCloseDate: z
      .object({ AfterTargetCloseDate: date.optional(), BeforeTargetCloseDate: date.optional() })
      .optional(),
    Identifier: z.array(opportunityId).max(20).optional(),
    LifeCycleStage: z.array(z.enum(STAGES)).max(10).optional(),
    LifeCycleReviewStatus: z.array(z.enum(REVIEW_STATUSES)).max(10).optional(),
    CustomerCompanyName: z.array(z.string()).max(10).optional(),
  }),
  StartEngagementFromOpportunityTask: z.object({
    Catalog: catalog,
    ClientToken: clientToken,
    Identifier: opportunityId,
    AwsSubmission: present(
      z.object({
        InvolvementType: z.enum(values(SalesInvolvementType)),
        Visibility: z.enum(values(Visibility)).optional(),
      }),
    ),
  }),
  ListEngagementFromOpportunityTasks: z.object({
    Catalog: catalog,
    MaxResults: pageSize(1000),
    NextToken: z.string().min(1).max(2048).optional(),
    Sort: sort(values(ListTasksSortName)),
    TaskStatus: z.array(z.enum(TASK_STATUSES)).min(1).max(3).optional(),
    TaskIdentifier: z.array(z.string()).min(1).max(10).optional(),
    OpportunityIdentifier: z.array(opportunityId).min(1).max(10).optional(),
    EngagementIdentifier: z.array(z.string()).min(1).max(10).optional(),
  }),
  ListEngagementInvitations: z.object({
    Catalog: catalog,
    MaxResults: pageSize(100),
    NextToken: z.string().optional(),
    Sort: sort(values(OpportunityEngagementInvitationSortName)),
    PayloadType: z.array(z.enum(values(EngagementInvitationPayloadType))).optional(),
    ParticipantType: z.enum(values(ParticipantType)),
    Status: z.array(z.enum(INVITATION_STATUSES)).min(1).max(10).optional(),
    EngagementIdentifier: z.array(z.string()).min(1).max(10).optional(),
    SenderAwsAccountId: z.array(z.string()).min(1).max(10).optional(),
  }),
  GetEngagementInvitation: z.object({
    Catalog: catalog,
    Identifier: text(1, 255).regex(INVITATION_ID_PATTERN),
  }),
  StartEngagementByAcceptingInvitationTask: z.object({
    Catalog: catalog,
    ClientToken: clientToken,
    Identifier: text(1, 255).regex(INVITATION_ID_PATTERN),
  }),
  ListEngagementByAcceptingInvitationTasks: z.object({
    Catalog: catalog,
    MaxResults: pageSize(1000),
    NextToken: z.string().min(1).max(2048).optional(),
    Sort: sort(values(ListTasksSortName)),
    TaskStatus: z.array(z.enum(TASK_STATUSES)).min(1).max(3).optional(),
    TaskIdentifier: z.array(z.string()).min(1).max(10).optional(),
    OpportunityIdentifier: z.array(opportunityId).min(1).max(10).optional(),
    EngagementInvitationIdentifier: z.array(z.string()).min(1).max(10).optional(),
  }),
  RejectEngagementInvitation: z.object({
    Catalog: catalog,
    Identifier: text(1, 255).regex(INVITATION_ID_PATTERN),
    RejectionReason: z
      .string()
      .regex(/^[\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD]{1,80}$/)
      .optional(),
  }),
  GetAwsOpportunitySummary: z.object({ Catalog: catalog, RelatedOpportunityIdentifier: opportunityId }),
} as const;

export type OperationName = keyof typeof schemas;
export type OperationInput<O extends OperationName> = z.output<(typeof schemas)[O]>;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(schemas, name);
}

/** A field error found outside the schema (business rules); `business` picks the exception's `Reason`. */
export interface RuleIssue extends FieldError {
  business: boolean;
}

/**
 * The input checked against the operation's schema plus the rule issues found on the raw input: the typed input, or a
 * `ValidationException` listing every problem (`REQUEST_VALIDATION_FAILED` when any is about the request's shape).
 */
export function parseRequest<O extends OperationName>(
  operation: O,
  input: unknown,
  ruleIssues: readonly RuleIssue[] = [],
): OperationInput<O> {
  const parsed = schemas[operation].safeParse(input);
  const shapeErrors = parsed.success ? [] : toFieldErrors(parsed.error.issues, input);
  const errors = dedupe([...shapeErrors, ...ruleIssues.map(({ business: _business, ...error }) => error)]);
  if (errors.length > 0) {
    const reason: ValidationReason =
      shapeErrors.length > 0 || ruleIssues.some((issue) => !issue.business)
        ? 'REQUEST_VALIDATION_FAILED'
        : 'BUSINESS_VALIDATION_FAILED';
    throw awsErrors.validation(reason, errors);
  }
  if (!parsed.success) throw new Error('unreachable: a failed parse always has issues');
  return parsed.data as OperationInput<O>;
}

/** zod issues as AWS field errors: the dotted field name, AWS's code, and a sentence about the field. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[], input: unknown): FieldError[] {
  return issues.map((issue) => {
    const name = fieldName(issue.path);
    const value = valueAt(input, issue.path);
    const [code, message] = describe(issue, value);
    return { FieldName: name || '(request)', Code: code, Message: `${name || 'The request'} ${message}` };
  });
}

function describe(issue: z.core.$ZodIssue, value: unknown): [ValidationErrorCode, string] {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined || value === null
        ? ['REQUIRED_FIELD_MISSING', 'is required.']
        : ['INVALID_VALUE', `must be of type ${issue.expected}.`];
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const list = allowed.length > 8 ? `${allowed.slice(0, 8).join(', ')}, …` : allowed.join(', ');
      return [
        'INVALID_ENUM_VALUE',
        `has an invalid value${typeof value === 'string' ? ` '${value}'` : ''}; valid values: ${list}.`,
      ];
    }
    case 'invalid_format':
      return ['INVALID_STRING_FORMAT', 'has an invalid format.'];
    case 'too_small':
      if (issue.origin === 'array') return ['NOT_ENOUGH_VALUES', `needs at least ${issue.minimum} values.`];
      if (issue.origin === 'string') return ['INVALID_VALUE', `must be at least ${issue.minimum} characters long.`];
      return ['VALUE_OUT_OF_RANGE', `must be at least ${issue.minimum}.`];
    case 'too_big':
      if (issue.origin === 'array') return ['TOO_MANY_VALUES', `accepts at most ${issue.maximum} values.`];
      if (issue.origin === 'string') return ['INVALID_VALUE', `must be at most ${issue.maximum} characters long.`];
      return ['VALUE_OUT_OF_RANGE', `must be at most ${issue.maximum}.`];
    case 'custom': {
      const code = (issue.params as { code?: ValidationErrorCode } | undefined)?.code ?? 'INVALID_VALUE';
      return [code, issue.message];
    }
    default:
      return ['INVALID_VALUE', 'is not valid.'];
  }
}

/** `['Project', 'ExpectedCustomerSpend', 0, 'Amount']` → `Project.ExpectedCustomerSpend[0].Amount`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const part of path) {
    if (typeof part === 'number') name += `[${part}]`;
    else name += name === '' ? String(part) : `.${String(part)}`;
  }
  return name;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function dedupe(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.FieldName}\u0000${error.Code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
