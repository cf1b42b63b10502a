import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import { type AwsPartnerCentralStandIn, startAwsPartnerCentral } from '../sandbox/aws/aws-partner-central.ts';
import type { DailyResult } from '../sync/reports/operator-loops.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const DAY_MS = 86_400_000;
const CLOSE = '2027-02-26';

interface InvitationBody {
  invitationId: string;
  status: string;
  dealId: string | null;
  dealCreated: boolean | null;
  opportunityId: string | null;
  expiresAt: string | null;
  lastError: string | null;
}

/** Inbound AWS referrals: listed by the poll, accepted on an admin's word, each one deal — found or made — once. */
describe.each(STORES)('AWS invitations end to end ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;
  let aws: AwsPartnerCentralStandIn;
  let known: { dealId: string; invitationId: string };
  let fresh: string;
  let expired: string;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl, sandboxMode: true });
    aws = await startAwsPartnerCentral();
    const connected = await ctx.signedFetch('PUT', '/api/programmes/aws', {
      catalog: 'Sandbox',
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
      endpoint: aws.url,
      countryCode: 'US',
    });
    expect(connected.status).toBe(200);

    // One the CRM already has: the same customer, domain, spend and close date as an open deal — the only deal of
    // its company still open, so the match is unambiguous (the demo seeds look-alike deals for the dedupe engine elsewhere).
    const companies = new Map([...ctx.sandbox.portal.records('companies')].map((c) => [c.id, c]));
    const live = [...ctx.sandbox.portal.records('deals')].filter(
      (candidate) => !candidate.archived && candidate.properties.hs_is_closed !== 'true',
    );
    // The customer account of a deal: its associated company that is not a partner.
    const customerOf = (dealId: string) =>
      [...ctx.sandbox.portal.associatedIds('deals', dealId, 'companies')]
        .map((id) => companies.get(id)!)
        .find((company) => company.properties.pl_is_partner !== 'true');
    const perCustomer = new Map<string, number>();
    for (const candidate of live) {
      const customer = customerOf(candidate.id);
      if (customer) perCustomer.set(customer.id, (perCustomer.get(customer.id) ?? 0) + 1);
    }
    const deal = live.find((candidate) => {
      const customer = customerOf(candidate.id);
      return (
        Number(candidate.properties.amount) >= 12_000 &&
        customer !== undefined &&
        perCustomer.get(customer.id) === 1 &&
        (customer.properties.domain ?? '') !== ''
      );
    })!;
    ctx.sandbox.portal.update('deals', deal, { closedate: CLOSE }, ctx.sandbox.userActor());
    await ctx.idle();
    const company = customerOf(deal.id)!;
    known = {
      dealId: deal.id,
      invitationId: aws.addInvitation({
        catalog: 'Sandbox',
        companyName: String(company.properties.name),
        websiteUrl: `https://${company.properties.domain}`,
        countryCode: 'US',
        title: String(deal.properties.dealname),
        businessProblem: 'The customer is consolidating its data estate on AWS this year.',
        amount: (Number(deal.properties.amount) / 12).toFixed(2),
        targetCloseDate: CLOSE,
      }),
    };
    fresh = aws.addInvitation({
      catalog: 'Sandbox',
      companyName: 'Quillfeather Orbital Logistics',
      websiteUrl: 'https://quillfeather-orbital.example',
      countryCode: 'US',
      title: 'Quillfeather ground-station analytics',
      businessProblem: 'Telemetry from twelve ground stations must land in one analytics platform.',
      amount: 7_500,
      targetCloseDate: CLOSE,
    });
    expired = aws.addInvitation({
      catalog: 'Sandbox',
      companyName: 'Stalewater Mills',
      websiteUrl: 'https://stalewater.example',
      countryCode: 'US',
      title: 'Stalewater ERP move',
      businessProblem: 'An ERP migration AWS offered three weeks ago and nobody answered.',
      amount: 2_000,
      targetCloseDate: CLOSE,
      createdAt: Date.now() - 16 * DAY_MS,
    });
  }, 120_000);
  afterAll(async () => {
    await aws?.close();
    await ctx?.close();
  });

  const invitations = async () => {
    const answer = await ctx.signedFetch('GET', '/api/programmes/invitations');
    expect(answer.status).toBe(200);
    return new Map((answer.body.invitations as InvitationBody[]).map((row) => [row.invitationId, row]));
  };
  const accept = (id: string, userId?: number) =>
    ctx.signedFetch('POST', `/api/programmes/aws/invitations/${id}/accept`, undefined, userId);
  const dealCount = () => [...ctx.sandbox.portal.records('deals')].filter((deal) => !deal.archived).length;
  const accepted = (id: string) => eventually(async () => (await invitations()).get(id)?.status === 'accepted', 20_000);

  it('given AWS sent three invitations, when the poll runs, then each is listed with its expiry and status', async () => {
    const polled = await ctx.signedFetch('POST', '/api/programmes/aws/poll');
    expect(polled.body).toMatchObject({ invitations: 3 });
    const rows = await invitations();
    expect(rows.get(known.invitationId)).toMatchObject({ status: 'pending', dealId: null });
    expect(rows.get(fresh)).toMatchObject({ status: 'pending', customerName: 'Quillfeather Orbital Logistics' });
    expect(rows.get(expired)).toMatchObject({ status: 'expired' });
    expect(Date.parse(rows.get(fresh)!.expiresAt!)).toBeGreaterThan(Date.now() + 14 * DAY_MS);

    // The daily queue lists the two still open, soonest to expire first, and not the expired one.
    await ctx.service.features!.reports.loops.run(ctx.tenantId, 'daily', { reason: 'test' });
    const daily = await ctx.service.features!.reports.results.current<DailyResult>(ctx.tenantId, 'daily');
    expect(daily!.result.counts.invitations).toBe(2);
    expect(daily!.result.invitations!.map((row) => [row.invitationId, row.daysLeft])).toEqual(
      [
        [known.invitationId, 15],
        [fresh, 15],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('given a non-admin or an expired invitation, when accepting, then it is refused in words and nothing is sent to AWS', async () => {
    const before = aws.stats().byOperation.StartEngagementByAcceptingInvitationTask ?? 0;
    expect((await accept(fresh, 42)).status).toBe(403);
    const late = await accept(expired);
    expect(late.status).toBe(409);
    expect(JSON.stringify(late.body)).toContain('expired');
    expect((await accept('engi-nosuchthing01')).status).toBe(404);
    expect(aws.stats().byOperation.StartEngagementByAcceptingInvitationTask ?? 0).toBe(before);
    expect((await invitations()).get(fresh)?.status).toBe('pending');
  });

  it('given the CRM already has the deal, when the invitation is accepted, then that deal is linked, no deal is made, and the card shows the AWS record', async () => {
    const deals = dealCount();
    const answer = await accept(known.invitationId);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('accepting');
    await accepted(known.invitationId);
    await ctx.idle();
    const row = (await invitations()).get(known.invitationId)!;
    expect(row).toMatchObject({ dealId: known.dealId, dealCreated: false });
    expect(row.opportunityId).toMatch(/^O\d+/);
    expect(dealCount()).toBe(deals);
    const card = await ctx.signedFetch('GET', `/api/card/deals/${known.dealId}`);
    const motion = (card.body as unknown as CardView).motions.find((m) => m.cloud?.externalId === row.opportunityId);
    expect(motion).toMatchObject({ programme: 'AWS ACE', cloud: { programme: 'aws_ace' } });
    expect(aws.stats().byOperation.CreateOpportunity ?? 0).toBe(0);
    await eventually(async () => {
      const deal = [...ctx.sandbox.portal.records('deals')].find((d) => d.id === known.dealId)!;
      return deal.properties.pl_aws_opportunity_id === row.opportunityId;
    });
  });

  it('given a customer the CRM lacks, when accepted twice, then exactly one deal is created with its AWS id', async () => {
    const deals = dealCount();
    expect((await accept(fresh)).status).toBe(202);
    await accepted(fresh);
    const again = await accept(fresh);
    expect(again.status).toBe(200);
    await ctx.idle();
    const row = (await invitations()).get(fresh)!;
    expect(row.dealCreated).toBe(true);
    expect(dealCount()).toBe(deals + 1);
    const created = [...ctx.sandbox.portal.records('deals')].find((d) => d.id === row.dealId)!;
    expect(created.properties).toMatchObject({
      dealname: 'Quillfeather ground-station analytics',
      amount: '90000',
      closedate: expect.stringContaining(CLOSE),
      pl_aws_opportunity_id: row.opportunityId,
    });
    expect(aws.stats().byOperation.StartEngagementByAcceptingInvitationTask).toBe(2);

    // A crash after the CRM made the deal but before its id was stored: the next poll resumes the acceptance, and
    // finds the deal the first try made by its AWS id.
    await ctx.service.store.db
      .updateTable('programme_invitations')
      .set({ status: 'accepting', deal_id: null, deal_created: null })
      .where('tenant_id', '=', ctx.tenantId)
      .where('invitation_id', '=', fresh)
      .execute();
    const polled = await ctx.signedFetch('POST', '/api/programmes/aws/poll');
    expect(polled.body).toMatchObject({ acceptancesResumed: 1 });
    await ctx.idle();
    expect((await invitations()).get(fresh)).toMatchObject({
      status: 'accepted',
      dealId: row.dealId,
      dealCreated: false,
    });
    expect(dealCount()).toBe(deals + 1);
    expect(aws.stats().byOperation.StartEngagementByAcceptingInvitationTask).toBe(2);
  });
});
