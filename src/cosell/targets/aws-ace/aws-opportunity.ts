import { createHash } from 'node:crypto';
import type { Deal } from '../../../model/deal.ts';
import type { CloudOpportunity } from '../../cloud-reconciliation.ts';
import { MOTION_TRANSITIONS, type MotionState } from '../../motion-state-machine.ts';

/**
 * The pure half of the AWS Partner Central (ACE) target: a CRM deal and its co-sell ask as an ACE Opportunity,
 * checked before anything is sent (each failure in words the seller can act on), the idempotency tokens, and what
 * AWS's review status and stage mean for the motion. No SDK calls here: `aws-ace-client.ts` sends.
 *
 * Field rules follow the Partner Central Selling API reference (CreateOpportunity, Opportunity data types); the
 * stand-in in `sandbox/aws/` enforces the same, so a rule we miss shows up as the API's own `ErrorList`.
 */

export const AWS_CATALOGS = ['AWS', 'Sandbox'] as const;
export type AwsCatalog = (typeof AWS_CATALOGS)[number];

/** ReviewStatus strings, exactly as AWS spells them (`In review` has a lower-case r). */
export const AWS_REVIEW_STATUSES = [
  'Pending Submission',
  'Submitted',
  'In review',
  'Action Required',
  'Approved',
  'Rejected',
] as const;
export type AwsReviewStatus = (typeof AWS_REVIEW_STATUSES)[number];

export const AWS_STAGES = [
  'Prospect',
  'Qualified',
  'Technical Validation',
  'Business Validation',
  'Committed',
  'Launched',
  'Closed Lost',
] as const;
export type AwsStage = (typeof AWS_STAGES)[number];

/** While AWS reviews, the opportunity is read-only: updates are held and sent once the review ends. */
export const AWS_LOCKED_REVIEW_STATUSES: readonly AwsReviewStatus[] = ['Submitted', 'In review', 'Rejected'];

/** Per-tenant settings that fill what a CRM deal does not carry. */
export interface AwsOpportunityDefaults {
  catalog: AwsCatalog;
  /** ISO 3166-1 alpha-2 of the customer when the deal does not say (most tenants sell in one country). */
  countryCode: string | null;
  /** An ACE `Industry` value (e.g. `Software and Internet`). */
  industry: string | null;
  /** An ACE `CustomerUseCase` value (e.g. `Business Applications & Contact Center`); optional for AWS. */
  customerUseCase: string | null;
  /** ACE `DeliveryModels` values, e.g. `SaaS or PaaS`. */
  deliveryModels: readonly string[];
}

/** What one co-sell with AWS sends: the deal as the mirror holds it and the seller's ask (the business problem). */
export interface AwsOpportunitySource {
  deal: Deal;
  /** The motion's ask: sent as `Project.CustomerBusinessProblem`. */
  ask: string;
  /** The day the check is made (YYYY-MM-DD): a target close date before it is refused by AWS. */
  today: string;
}

/** One problem with a deal as AWS would see it: the ACE field and the words the seller reads on the card. */
export interface AwsFieldIssue {
  field: string;
  message: string;
}

/** The part of `CreateOpportunityRequest` / `UpdateOpportunityRequest` we own (the SDK's shapes, plain JSON). */
export interface AwsOpportunityBody {
  Origin: 'Partner Referral';
  OpportunityType: 'Net New Business' | 'Expansion' | 'Flat Renewal';
  PartnerOpportunityIdentifier: string;
  PrimaryNeedsFromAws: string[];
  Customer: {
    Account: {
      CompanyName: string;
      WebsiteUrl: string;
      Industry: string;
      Address: { CountryCode: string };
    };
  };
  Project: {
    Title: string;
    CustomerBusinessProblem: string;
    DeliveryModels: string[];
    ExpectedCustomerSpend: Array<{
      Amount: string;
      CurrencyCode: 'USD' | 'EUR';
      Frequency: 'Monthly';
      TargetCompany: 'AWS';
    }>;
    CustomerUseCase?: string;
  };
  LifeCycle: { Stage: AwsStage; TargetCloseDate: string; ClosedLostReason?: string };
}

export type AwsMapping = { ok: true; body: AwsOpportunityBody } | { ok: false; issues: AwsFieldIssue[] };

const BUSINESS_PROBLEM_MIN = 20;
const BUSINESS_PROBLEM_MAX = 2000;
const TITLE_MAX = 255;

/** `acme.com`, `https://www.acme.com/x` → `https://acme.com` form; null when it is not a host name. */
export function websiteUrl(domain: string | null): string | null {
  const trimmed = domain?.trim() ?? '';
  if (trimmed === '') return null;
  try {
    const url = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
    if (!url.hostname.includes('.')) return null;
    return `https://${url.hostname.toLowerCase()}`;
  } catch {
    return null;
  }
}

function opportunityType(deal: Deal): AwsOpportunityBody['OpportunityType'] {
  if (deal.type === 'expansion') return 'Expansion';
  if (deal.type === 'renewal') return 'Flat Renewal';
  return 'Net New Business';
}

/** The ACE stage a CRM deal is at: open deals are prospects until AWS works them; closed ones are launched or lost. */
export function awsStageOf(deal: Deal): AwsStage {
  if (deal.isClosed) return deal.isWon ? 'Launched' : 'Closed Lost';
  return 'Prospect';
}

/**
 * The deal as an ACE opportunity, or every reason AWS would refuse it, in the seller's words. The deal amount is
 * taken as annual contract value and sent as monthly expected AWS spend (amount / 12), the way ACE asks for it.
 */
export function awsOpportunityFromDeal(source: AwsOpportunitySource, defaults: AwsOpportunityDefaults): AwsMapping {
  const { deal } = source;
  const issues: AwsFieldIssue[] = [];
  const companyName = deal.account.name.trim();
  if (companyName === '') {
    issues.push({ field: 'Customer.Account.CompanyName', message: 'Customer company name is required by AWS.' });
  }
  const website = websiteUrl(deal.account.domain);
  if (website === null) {
    issues.push({
      field: 'Customer.Account.WebsiteUrl',
      message: `Customer website is required by AWS: give ${companyName || 'the company'} a domain in the CRM.`,
    });
  }
  const country = defaults.countryCode?.trim().toUpperCase() ?? '';
  if (!/^[A-Z]{2}$/.test(country)) {
    issues.push({
      field: 'Customer.Account.Address.CountryCode',
      message: 'Customer country is required by AWS: set the default country in the AWS programme settings.',
    });
  }
  const industry = defaults.industry?.trim() ?? '';
  if (industry === '') {
    issues.push({
      field: 'Customer.Account.Industry',
      message: 'Customer industry is required by AWS: set the default industry in the AWS programme settings.',
    });
  }
  const title = deal.name.trim();
  if (title.length > TITLE_MAX) {
    issues.push({
      field: 'Project.Title',
      message: `The deal name is longer than AWS allows (${TITLE_MAX} characters).`,
    });
  }
  const problem = source.ask.trim();
  if (problem.length < BUSINESS_PROBLEM_MIN) {
    issues.push({
      field: 'Project.CustomerBusinessProblem',
      message: `Describe the customer's business problem in at least ${BUSINESS_PROBLEM_MIN} characters: the co-sell ask is sent to AWS as the business problem.`,
    });
  } else if (problem.length > BUSINESS_PROBLEM_MAX) {
    issues.push({
      field: 'Project.CustomerBusinessProblem',
      message: `The co-sell ask is longer than AWS allows for the business problem (${BUSINESS_PROBLEM_MAX} characters).`,
    });
  }
  if (deal.amount === null || deal.amount <= 0) {
    issues.push({
      field: 'Project.ExpectedCustomerSpend',
      message: 'Expected customer spend is required by AWS: give the deal an amount.',
    });
  }
  const currency = deal.currency ?? 'USD';
  if (currency !== 'USD' && currency !== 'EUR') {
    issues.push({
      field: 'Project.ExpectedCustomerSpend.CurrencyCode',
      message: `AWS takes expected spend in USD or EUR; this deal is in ${currency}.`,
    });
  }
  if (deal.closeDate === null) {
    issues.push({ field: 'LifeCycle.TargetCloseDate', message: 'A close date is required by AWS: give the deal one.' });
  } else if (!deal.isClosed && deal.closeDate < source.today) {
    issues.push({
      field: 'LifeCycle.TargetCloseDate',
      message: `AWS needs a target close date from today on; the deal's close date is ${deal.closeDate}.`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };

  const stage = awsStageOf(deal);
  return {
    ok: true,
    body: {
      Origin: 'Partner Referral',
      OpportunityType: opportunityType(deal),
      PartnerOpportunityIdentifier: deal.id,
      PrimaryNeedsFromAws: ['Co-Sell - Deal Support'],
      Customer: {
        Account: {
          CompanyName: companyName,
          WebsiteUrl: website as string,
          Industry: industry,
          Address: { CountryCode: country },
        },
      },
      Project: {
        Title: title,
        CustomerBusinessProblem: problem,
        DeliveryModels: [...defaults.deliveryModels],
        ExpectedCustomerSpend: [
          {
            Amount: ((deal.amount as number) / 12).toFixed(2),
            CurrencyCode: currency as 'USD' | 'EUR',
            Frequency: 'Monthly',
            TargetCompany: 'AWS',
          },
        ],
        ...(defaults.customerUseCase ? { CustomerUseCase: defaults.customerUseCase } : {}),
      },
      LifeCycle: {
        Stage: stage,
        TargetCloseDate: deal.closeDate as string,
        ...(stage === 'Closed Lost' ? { ClosedLostReason: 'Other' } : {}),
      },
    },
  };
}

/**
 * The `ClientToken` of one call for one deal: derived from tenant, deal, operation and attempt, so a run that crashed
 * after AWS created the opportunity sends the same token again and gets the same opportunity back (the SDK's own
 * default is a random token per call, which a restarted process cannot repeat). `attempt` moves on only when AWS
 * refused the previous body for good, because the same token with a different body is a conflict.
 */
export function awsClientToken(input: {
  tenantId: string;
  dealId: string;
  operation: string;
  attempt: number;
}): string {
  const digest = createHash('sha256')
    .update(`${input.tenantId}\u0000${input.dealId}\u0000${input.operation}\u0000${input.attempt}`)
    .digest('hex');
  return `pl-${digest.slice(0, 40)}`;
}

/**
 * What an opportunity's review status and stage mean for the motion: AWS approving is the programme accepting;
 * AWS working the deal (validation stages, committed) makes it active; launched is won, closed lost is lost; a
 * rejected review is the programme declining. Anything still in review leaves the motion requested.
 */
export function motionStateForAws(reviewStatus: string | null, stage: string | null): MotionState {
  if (stage === 'Launched') return 'won';
  if (stage === 'Closed Lost') return 'lost';
  if (reviewStatus === 'Rejected') return 'rejected';
  if (reviewStatus !== 'Approved') return 'requested';
  if (stage === 'Technical Validation' || stage === 'Business Validation' || stage === 'Committed') return 'active';
  return 'accepted';
}

/**
 * The legal moves from `from` to `to` along the motion's state machine (shortest path), e.g. requested → won is
 * requested → accepted → active → won; [] when `to` is `from` or cannot be reached (a closed motion stays closed).
 */
export function motionPath(from: MotionState, to: MotionState): MotionState[] {
  if (from === to) return [];
  const previous = new Map<MotionState, MotionState>();
  const queue: MotionState[] = [from];
  while (queue.length > 0) {
    const state = queue.shift() as MotionState;
    for (const next of MOTION_TRANSITIONS[state] as readonly MotionState[]) {
      if (next === from || previous.has(next)) continue;
      previous.set(next, state);
      if (next === to) {
        const path: MotionState[] = [to];
        let at = state;
        while (at !== from) {
          path.unshift(at);
          at = previous.get(at) as MotionState;
        }
        return path;
      }
      queue.push(next);
    }
  }
  return [];
}

/** One programme's entry of `pl_cloud_status`: `aws:Approved/Prospect`. */
export function cloudStatusEntry(programme: 'aws' | 'microsoft', status: string, detail: string | null): string {
  return detail ? `${programme}:${status}/${detail}` : `${programme}:${status}`;
}

/** The fields of an approved opportunity we keep in step with the deal (the rest is AWS's or the seller's in ACE). */
export function awsTrackedFields(body: AwsOpportunityBody): Record<string, string> {
  return {
    amount: body.Project.ExpectedCustomerSpend[0]?.Amount ?? '',
    currency: body.Project.ExpectedCustomerSpend[0]?.CurrencyCode ?? '',
    closeDate: body.LifeCycle.TargetCloseDate,
    stage: body.LifeCycle.Stage,
    title: body.Project.Title,
  };
}

/** The fields of an ACE `OpportunitySummary` (as `ListOpportunities` answers it) the reconciliation reads. */
export interface AwsOpportunitySummaryFields {
  Id: string;
  PartnerOpportunityIdentifier?: string | undefined;
  LastModifiedDate?: Date | undefined;
  CreatedDate?: Date | undefined;
  LifeCycle?:
    | { Stage?: string | undefined; ReviewStatus?: string | undefined; TargetCloseDate?: string | undefined }
    | undefined;
  Customer?:
    | { Account?: { CompanyName?: string | undefined; WebsiteUrl?: string | undefined } | undefined }
    | undefined;
  Project?:
    | {
        ExpectedCustomerSpend?:
          | Array<{
              Amount?: string | undefined;
              CurrencyCode?: string | undefined;
              Frequency?: string | undefined;
              TargetCompany?: string | undefined;
            }>
          | undefined;
      }
    | undefined;
}

/**
 * An ACE opportunity in the reconciliation's neutral form. AWS's expected spend is monthly (`Frequency: Monthly`) while
 * a deal's amount is its contract value: the reverse of `awsOpportunityFromDeal` (×12) makes them comparable. The
 * summary carries no project title, so the customer's name stands in for it (BEHAVIOR.md).
 */
export function cloudOpportunityFromAws(summary: AwsOpportunitySummaryFields): CloudOpportunity {
  const spend = (summary.Project?.ExpectedCustomerSpend ?? []).filter((s) => s.Amount !== undefined);
  const monthly = spend.reduce((sum, s) => sum + Number(s.Amount), 0);
  const stage = summary.LifeCycle?.Stage ?? null;
  const account = summary.Customer?.Account;
  const modified = summary.LastModifiedDate ?? summary.CreatedDate ?? new Date(0);
  return {
    programme: 'aws_ace',
    id: summary.Id,
    crmDealId: summary.PartnerOpportunityIdentifier || null,
    customerName: account?.CompanyName ?? '',
    customerDomain: domainOf(account?.WebsiteUrl ?? null),
    title: account?.CompanyName ?? summary.Id,
    amount: spend.length > 0 && Number.isFinite(monthly) ? Math.round(monthly * 12 * 100) / 100 : null,
    currency: spend[0]?.CurrencyCode ?? null,
    closeDate: summary.LifeCycle?.TargetCloseDate ?? null,
    outcome: stage === 'Launched' ? 'won' : stage === 'Closed Lost' ? 'lost' : 'open',
    stage: [stage, summary.LifeCycle?.ReviewStatus].filter(Boolean).join(' / ') || 'Unknown',
    createdAt: summary.CreatedDate?.toISOString() ?? null,
    lastModifiedAt: modified.toISOString(),
  };
}

function domainOf(url: string | null): string | null {
  const site = websiteUrl(url);
  return site === null ? null : site.slice('https://'.length).replace(/^www\./, '');
}
