import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPartnerCentralStandIn, startAwsPartnerCentral } from '../sandbox/aws/aws-partner-central.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';

const CLOSE = '2027-05-28';
const ASK = 'The customer needs AWS architects to validate a multi-region analytics design before the board meets.';

/**
 * Every AWS co-sell lands exactly once while one AWS call in ten fails: throttled (429), a server error (500), or —
 * the hard one — handled by AWS with the answer lost on the way back, so the client cannot know its create landed.
 */
describe('AWS co-sell under injected faults', () => {
  let ctx: InstalledService;
  let aws: AwsPartnerCentralStandIn;
  let dealIds: string[];

  beforeAll(async () => {
    ctx = await startInstalledService({ sandboxMode: true });
    aws = await startAwsPartnerCentral({
      faultSeed: 7,
      faults: [
        { route: '/CreateOpportunity', probability: 0.1, action: 'lose_response' },
        { route: '/StartEngagementFromOpportunityTask', probability: 0.1, action: 'lose_response' },
        { route: '/**', probability: 0.05, action: { type: 'status', status: 429 } },
        { route: '/**', probability: 0.05, action: 500 },
      ],
    });
    const connected = await ctx.signedFetch('PUT', '/api/programmes/aws', {
      catalog: 'Sandbox',
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
      endpoint: aws.url,
      countryCode: 'US',
      industry: 'Software and Internet',
    });
    expect(connected.status).toBe(200);
    const companies = new Map([...ctx.sandbox.portal.records('companies')].map((c) => [c.id, c]));
    const open = [...ctx.sandbox.portal.records('deals')].filter((deal) => {
      if (deal.archived || deal.properties.hs_is_closed === 'true' || !(Number(deal.properties.amount) > 0)) {
        return false;
      }
      return [...ctx.sandbox.portal.associatedIds('deals', deal.id, 'companies')].some(
        (id) => companies.get(id)?.properties.pl_is_partner !== 'true' && companies.get(id)?.properties.domain,
      );
    });
    for (const deal of open) {
      ctx.sandbox.portal.update(
        'deals',
        deal,
        { closedate: CLOSE, deal_currency_code: 'USD' },
        ctx.sandbox.userActor(),
      );
    }
    dealIds = open.map((deal) => deal.id);
    await ctx.idle();
  }, 120_000);
  afterAll(async () => {
    await aws?.close();
    await ctx?.close();
  });

  it('given 10 % of AWS calls failing, when sellers start co-sell on every open deal, then each deal has exactly one submitted opportunity', async () => {
    expect(dealIds.length).toBeGreaterThanOrEqual(8);
    for (const dealId of dealIds) {
      const started = await ctx.signedFetch('POST', `/api/card/deals/${dealId}/cosell`, {
        programme: 'AWS ACE',
        ask: ASK,
      });
      expect(started.status).toBe(201);
    }
    await ctx.idle();
    const cloud = ctx.service.features!.cloud;
    const unsent = async () =>
      (await cloud.opportunities.forDeals(ctx.tenantId, dealIds)).filter((row) => row.phase !== 'submitted');
    // The hourly poll is what mends a send cut short; run it until nothing is left (bounded: faults are 10 %).
    for (let pass = 0; pass < 15 && (await unsent()).length > 0; pass += 1) {
      await ctx.signedFetch('POST', '/api/programmes/aws/poll');
      await ctx.idle();
    }
    expect(await unsent()).toEqual([]);
    // One more poll reads AWS's side back (ListOpportunities under the same faults) and changes nothing.
    for (let pass = 0; pass < 5; pass += 1) {
      if ((await ctx.signedFetch('POST', '/api/programmes/aws/poll')).status === 200) break;
    }
    await ctx.idle();
    const stats = aws.stats();
    expect(stats.injected).toBeGreaterThan(0);
    expect(stats.byOperation.ListOpportunities).toBeGreaterThan(0);
    // Some answers were lost or refused, so some calls were made again: the retries are what the test is about.
    expect(
      stats.byOperation.CreateOpportunity! + stats.byOperation.StartEngagementFromOpportunityTask!,
    ).toBeGreaterThan(2 * dealIds.length);

    const created = aws.opportunities('Sandbox');
    const perDeal = new Map<string, number>();
    for (const opportunity of created) {
      const id = opportunity.PartnerOpportunityIdentifier ?? '';
      perDeal.set(id, (perDeal.get(id) ?? 0) + 1);
    }
    expect([...perDeal.keys()].sort()).toEqual([...dealIds].sort());
    expect([...perDeal.values()].every((count) => count === 1)).toBe(true);
    const rows = await cloud.opportunities.forDeals(ctx.tenantId, dealIds);
    expect(new Set(rows.map((row) => row.external_id)).size).toBe(dealIds.length);
    for (const row of rows) {
      const opportunity = aws.opportunity(row.external_id!);
      expect(opportunity?.PartnerOpportunityIdentifier).toBe(row.deal_id);
      expect(opportunity?.LifeCycle?.ReviewStatus).toBe('Submitted');
    }
  }, 120_000);
});
