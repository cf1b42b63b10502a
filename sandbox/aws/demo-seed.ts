import type { SellingStore } from './selling-store.ts';

/**
 * Demo data for the AWS stand-in (`seedDemo: true`): partner-referred opportunities in each interesting review state
 * of the AWS catalog, one in the Sandbox catalog, and two pending AWS invitations (one close to expiry). Everything is
 * created through the store's own operations (CreateOpportunity, StartEngagementFromOpportunityTask) at times before
 * `now`, so ids, LastModifiedDate order and review history look like a real account's.
 */

const DAY = 24 * 60 * 60 * 1000;

interface DemoOpportunity {
  company: string;
  domain: string;
  industry: string;
  country: string;
  title: string;
  problem: string;
  amount: string;
  stage: string;
  closeInDays: number;
  ageDays: number;
  review?: { status: 'Submitted' | 'In review' | 'Action Required' | 'Approved' | 'Rejected'; comments?: string };
  catalog?: 'AWS' | 'Sandbox';
}

const OPPORTUNITIES: readonly DemoOpportunity[] = [
  {
    company: 'Northwind Logistics',
    domain: 'northwind-logistics.example',
    industry: 'Transportation and Logistics',
    country: 'US',
    title: 'Northwind route optimisation on AWS',
    problem:
      'Northwind plans delivery routes overnight on premises; the partner moves planning to a SaaS running on AWS.',
    amount: '8000',
    stage: 'Qualified',
    closeInDays: 45,
    ageDays: 9,
  },
  {
    company: 'Contoso Health',
    domain: 'contoso-health.example',
    industry: 'Healthcare',
    country: 'US',
    title: 'Contoso patient portal modernisation',
    problem:
      'Contoso runs its patient portal in a colocation facility and needs HIPAA-ready hosting with elastic capacity.',
    amount: '15000',
    stage: 'Technical Validation',
    closeInDays: 60,
    ageDays: 20,
    review: { status: 'Submitted' },
  },
  {
    company: 'Fabrikam Retail',
    domain: 'fabrikam-retail.example',
    industry: 'Retail',
    country: 'GB',
    title: 'Fabrikam demand forecasting',
    problem: 'Fabrikam forecasts store demand in spreadsheets; the partner brings a forecasting product built on AWS.',
    amount: '6000',
    stage: 'Qualified',
    closeInDays: 30,
    ageDays: 25,
    review: {
      status: 'Action Required',
      comments: 'Please confirm the customer website and give the expected monthly AWS spend per workload.',
    },
  },
  {
    company: 'Tailspin Toys',
    domain: 'tailspin-toys.example',
    industry: 'Consumer Goods',
    country: 'DE',
    title: 'Tailspin e-commerce replatform',
    problem:
      'Tailspin’s web shop cannot absorb holiday peaks; the partner replatforms it on a serverless stack on AWS.',
    amount: '22000',
    stage: 'Business Validation',
    closeInDays: 75,
    ageDays: 40,
    review: { status: 'Approved' },
  },
  {
    company: 'Wide World Importers',
    domain: 'wideworldimporters.example',
    industry: 'Wholesale and Distribution',
    country: 'US',
    title: 'Wide World data lake',
    problem: 'Wide World Importers cannot join ERP and warehouse data; the partner builds an analytics lake on AWS.',
    amount: '12000',
    stage: 'Committed',
    closeInDays: 20,
    ageDays: 60,
    review: { status: 'Approved' },
  },
  {
    company: 'Adventure Works (sandbox)',
    domain: 'adventure-works.example',
    industry: 'Travel',
    country: 'FR',
    title: 'Sandbox: booking engine migration',
    problem:
      'A test opportunity in the Sandbox catalog, invisible to the AWS catalog, for trying the integration safely.',
    amount: '3000',
    stage: 'Prospect',
    closeInDays: 90,
    ageDays: 3,
    catalog: 'Sandbox',
  },
];

export function seedDemoAccount(store: SellingStore, now: number): void {
  OPPORTUNITIES.forEach((demo, index) => {
    const createdAt = now - demo.ageDays * DAY;
    const catalog = demo.catalog ?? 'AWS';
    const created = store.handle(
      'CreateOpportunity',
      {
        Catalog: catalog,
        ClientToken: `demo-seed-${index}`,
        Origin: 'Partner Referral',
        OpportunityType: 'Net New Business',
        PartnerOpportunityIdentifier: `demo-deal-${index + 1}`,
        PrimaryNeedsFromAws: ['Co-Sell - Deal Support'],
        Customer: {
          Account: {
            CompanyName: demo.company,
            WebsiteUrl: `https://${demo.domain}`,
            Industry: demo.industry,
            Address: { CountryCode: demo.country },
          },
        },
        Project: {
          Title: demo.title,
          CustomerBusinessProblem: demo.problem,
          DeliveryModels: ['SaaS or PaaS'],
          ExpectedCustomerSpend: [
            { Amount: demo.amount, CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' },
          ],
        },
        LifeCycle: { Stage: demo.stage, TargetCloseDate: day(now + demo.closeInDays * DAY) },
      },
      createdAt,
    );
    if (!demo.review) return;
    const id = String(created.Id);
    const submittedAt = createdAt + DAY;
    store.handle(
      'StartEngagementFromOpportunityTask',
      {
        Catalog: catalog,
        ClientToken: `demo-seed-submit-${index}`,
        Identifier: id,
        AwsSubmission: { InvolvementType: 'Co-Sell', Visibility: 'Full' },
      },
      submittedAt,
    );
    const opportunity = store.opportunity(id);
    if (opportunity && demo.review.status !== 'Submitted') {
      store.setReview(opportunity, demo.review.status, submittedAt + 2 * DAY, { comments: demo.review.comments });
    }
  });

  store.addInvitation(
    {
      companyName: 'Litware Inc',
      websiteUrl: 'https://litware.example',
      countryCode: 'US',
      industry: 'Software and Internet',
      title: 'Litware observability rollout',
      businessProblem: 'Litware lacks end-to-end tracing across 40 microservices and asked AWS for a partner solution.',
      amount: '9000',
      targetCloseDate: day(now + 50 * DAY),
      createdAt: now - 2 * DAY,
    },
    now,
  );
  store.addInvitation(
    {
      companyName: 'Adatum Corporation',
      websiteUrl: 'https://adatum.example',
      countryCode: 'CA',
      industry: 'Financial Services',
      title: 'Adatum fraud analytics',
      businessProblem:
        'Adatum needs near-real-time fraud scoring on card transactions; AWS suggests a partner product.',
      amount: '18000',
      targetCloseDate: day(now + 80 * DAY),
      createdAt: now - 12 * DAY,
    },
    now,
  );
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
