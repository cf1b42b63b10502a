import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPartnerCentralStandIn, startAwsPartnerCentral } from '../sandbox/aws/aws-partner-central.ts';
import type { StoredRecord as SandboxRecord } from '../sandbox/hubspot/portal/object-table.ts';
import { CLOUD_MISMATCH_CSV_COLUMNS } from '../src/cosell/cloud-reconciliation.ts';
import { AwsAceClient } from '../src/cosell/targets/aws-ace/aws-ace-client.ts';
import { type AwsOpportunityBody, awsClientToken } from '../src/cosell/targets/aws-ace/aws-opportunity.ts';
import type { PeriodResult } from '../sync/reports/operator-loops.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const FUTURE_CLOSE = '2027-03-31';

/**
 * The weekly cross-cloud reconciliation on a stand-in portal built for it: six AWS-side records that each disagree
 * with the CRM in one known way, one that agrees, and one co-sell the cloud never got. The loop must list exactly
 * the six mismatches and the CRM-only one — nothing from the hundreds of demo deals around them.
 */
describe.each(STORES)('weekly cross-cloud reconciliation ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;
  let aws: AwsPartnerCentralStandIn;
  let client: AwsAceClient;
  const expected: Array<[kind: string, dealId: string | null, opportunityId: string | null]> = [];

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl, sandboxMode: true });
    aws = await startAwsPartnerCentral();
    client = new AwsAceClient({
      catalog: 'Sandbox',
      region: aws.region,
      endpoint: aws.url,
      credentials: aws.credentials,
    });
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await aws?.close();
    await ctx?.close();
  });

  const portal = () => ctx.sandbox.portal;
  const deals = () => [...portal().records('deals')].filter((deal) => !deal.archived);
  const amountOf = (deal: SandboxRecord) => Number(deal.properties.amount);
  /** An ACE opportunity as someone at the partner typed it into Partner Central for this deal. */
  const typedIntoAce = async (
    deal: { id: string; name: string; amount: number; closeDate: string },
    partnerId = deal.id,
  ): Promise<string> => {
    const body: AwsOpportunityBody = {
      Origin: 'Partner Referral',
      OpportunityType: 'Net New Business',
      PartnerOpportunityIdentifier: partnerId,
      PrimaryNeedsFromAws: ['Co-Sell - Architectural Validation'],
      Customer: {
        Account: {
          CompanyName: deal.name,
          WebsiteUrl: `https://${deal.id}.example.com`,
          Industry: 'Software and Internet',
          Address: { CountryCode: 'US' },
        },
      },
      Project: {
        Title: deal.name,
        CustomerBusinessProblem: 'The customer needs to move its analytics to a managed platform this year.',
        DeliveryModels: ['SaaS or PaaS'],
        ExpectedCustomerSpend: [
          {
            Amount: (deal.amount / 12).toFixed(2),
            CurrencyCode: 'USD',
            Frequency: 'Monthly',
            TargetCompany: 'AWS',
          },
        ],
      },
      LifeCycle: { Stage: 'Qualified', TargetCloseDate: deal.closeDate },
    } as AwsOpportunityBody;
    const created = await client.create(
      body,
      awsClientToken({ tenantId: 'someone-else', dealId: partnerId, operation: 'create', attempt: 1 }),
    );
    return created.id;
  };

  it('given a stand-in portal seeded with one mismatch of each kind, when the weekly loop runs, then exactly those are listed', async () => {
    const open = deals().filter(
      (deal) => deal.properties.hs_is_closed !== 'true' && amountOf(deal) > 10_000 && deal.properties.dealname,
    );
    const won = deals().find(
      (deal) => deal.properties.hs_is_closed_won === 'true' && amountOf(deal) > 10_000 && deal.properties.closedate,
    )!;
    const [matching, amount, date, closed, crmOnly] = open;
    for (const deal of [matching, amount, date, closed, crmOnly]) {
      portal().update('deals', deal!, { closedate: FUTURE_CLOSE, deal_currency_code: 'USD' }, ctx.sandbox.userActor());
    }
    await ctx.idle();
    const view = (deal: SandboxRecord, overrides: { amount?: number; closeDate?: string } = {}) => ({
      id: deal.id,
      name: deal.properties.dealname as string,
      amount: overrides.amount ?? amountOf(deal),
      closeDate: overrides.closeDate ?? FUTURE_CLOSE,
    });

    // A co-sell with AWS started before AWS was connected: the CRM says co-sell, the cloud never heard of it.
    const started = await ctx.signedFetch('POST', `/api/card/deals/${crmOnly!.id}/cosell`, {
      programme: 'AWS ACE',
      ask: 'The customer wants AWS to validate the architecture before the board meets.',
    });
    expect(started.status).toBe(201);
    expected.push(['crm_only', crmOnly!.id, null]);

    const connected = await ctx.signedFetch('PUT', '/api/programmes/aws', {
      catalog: 'Sandbox',
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
      endpoint: aws.url,
      countryCode: 'US',
      industry: 'Software and Internet',
    });
    expect(connected.status).toBe(200);

    await typedIntoAce(view(matching!));
    expected.push(['amount_drift', amount!.id, await typedIntoAce(view(amount!, { amount: amountOf(amount!) * 2 }))]);
    expected.push(['close_date_drift', date!.id, await typedIntoAce(view(date!, { closeDate: '2027-06-30' }))]);
    const lost = await typedIntoAce(view(closed!));
    aws.setStage(lost, 'Closed Lost', { closedLostReason: 'Customer Deficiency' });
    expected.push(['closed_one_side', closed!.id, lost]);
    // Won in the CRM, lost at AWS: both closed, opposite outcomes.
    const wonDay = String(won.properties.closedate).slice(0, 10);
    const wonLost = await typedIntoAce(view(won, { closeDate: FUTURE_CLOSE }));
    aws.setField(wonLost, 'LifeCycle.TargetCloseDate', wonDay);
    aws.setStage(wonLost, 'Closed Lost', { closedLostReason: 'Customer Deficiency' });
    expected.push(['stage_drift', won.id, wonLost]);
    // Typed in at AWS for a customer the CRM has never heard of, with a reference that names no deal.
    const stray = await typedIntoAce(
      { id: 'zq-77', name: 'Zyxqor Glacial Fisheries Cooperative', amount: 48_000, closeDate: FUTURE_CLOSE },
      'SF-0000077',
    );
    expected.push(['cloud_only', null, stray]);

    const polled = await ctx.signedFetch('POST', '/api/programmes/aws/poll');
    expect(polled.status).toBe(200);
    await ctx.idle();
    const mirrored = await ctx.service.features!.cloud.records.opportunities(ctx.tenantId);
    expect(mirrored).toHaveLength(6);

    await ctx.service.features!.reports.loops.run(ctx.tenantId, 'weekly', { reason: 'test' });
    const stored = await ctx.service.features!.reports.results.current<PeriodResult>(ctx.tenantId, 'weekly');
    const cloud = stored!.result.weekly!.cloud!;
    expect(cloud.programmes).toEqual(['aws_ace']);
    expect(cloud.opportunities).toBe(6);
    expect(cloud.matched).toBe(5);
    const listed = cloud.mismatches.map((m) => [m.kind, m.dealId, m.opportunityId]);
    expect(listed.sort()).toEqual([...expected].sort());
    const amountRow = cloud.mismatches.find((m) => m.kind === 'amount_drift')!;
    expect(amountRow).toMatchObject({ matchedBy: 'crm_id', drift: 0.5 });
    expect(amountRow.url).toContain(amount!.id);
    expect(cloud.mismatches.find((m) => m.kind === 'cloud_only')!.url).toBeNull();
  });

  it('given the stored week, then the export has the stable columns, one row per mismatch, and the home shows them', async () => {
    const csv = await ctx.signedFetch('GET', '/api/reports/loops/weekly?format=csv&list=cloudMismatches');
    expect(csv.status).toBe(200);
    const lines = String(csv.body.text).trimEnd().split('\n');
    expect(lines[0]).toBe(CLOUD_MISMATCH_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + expected.length);
    expect(lines.some((line) => line.includes('Zyxqor Glacial Fisheries Cooperative'))).toBe(true);

    const home = await ctx.signedFetch('GET', '/api/reports/home/sections/reconciliation');
    expect(home.status).toBe(200);
    const cloud = home.body.cloud as { total: number; byKind: Record<string, number>; rows: { total: number } };
    expect(cloud.total).toBe(expected.length);
    expect(cloud.byKind).toEqual({
      cloud_only: 1,
      crm_only: 1,
      stage_drift: 1,
      closed_one_side: 1,
      close_date_drift: 1,
      amount_drift: 1,
    });
    expect(cloud.rows.total).toBe(expected.length);
    expect(Object.keys((home.body.exports as { links: Record<string, string> }).links)).toContain('cloudMismatches');
    const page = await ctx.signedFetch('GET', '/api/reports/home/lists/cloudMismatches?offset=0&limit=2');
    expect(page.status).toBe(200);
    expect((page.body.rows as unknown[]).length).toBe(2);
    expect(page.body.total).toBe(expected.length);
  });

  it('given nothing changed at AWS, when the poll runs again, then the mirror keeps one row per opportunity', async () => {
    await eventually(async () => (await ctx.signedFetch('POST', '/api/programmes/aws/poll')).status === 200);
    const mirrored = await ctx.service.features!.cloud.records.opportunities(ctx.tenantId);
    expect(mirrored).toHaveLength(6);
  });
});
