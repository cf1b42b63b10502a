import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import { type AwsPartnerCentralStandIn, startAwsPartnerCentral } from '../sandbox/aws/aws-partner-central.ts';
import { AwsAceClient } from '../src/cosell/targets/aws-ace/aws-ace-client.ts';
import {
  type AwsOpportunityBody,
  awsClientToken,
  awsOpportunityFromDeal,
} from '../src/cosell/targets/aws-ace/aws-opportunity.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const ASK = 'The customer must move nightly batch analytics to a managed lakehouse before its Q2 audit.';

describe.each(STORES)('AWS Partner Central co-sell end to end ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;
  let aws: AwsPartnerCentralStandIn;
  let dealId: string;
  let motionId: string;
  let opportunityId: string;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl, sandboxMode: true });
    aws = await startAwsPartnerCentral();
    // An open deal whose company has a domain; its close date is set in the past so AWS would refuse it.
    const companies = new Map([...ctx.sandbox.portal.records('companies')].map((c) => [c.id, c]));
    const open = [...ctx.sandbox.portal.records('deals')].filter((deal) => {
      if (deal.archived || deal.properties.hs_is_closed === 'true') return false;
      const [companyId] = ctx.sandbox.portal.associatedIds('deals', deal.id, 'companies');
      return companyId !== undefined && (companies.get(companyId)?.properties.domain ?? '') !== '';
    });
    const deal = open[0]!;
    dealId = deal.id;
    ctx.sandbox.portal.update(
      'deals',
      deal,
      { closedate: '2026-01-15', amount: '240000', deal_currency_code: 'USD' },
      ctx.sandbox.userActor(),
    );
    await ctx.idle();
  }, 120_000);
  afterAll(async () => {
    await aws?.close();
    await ctx?.close();
  });

  const cloud = () => ctx.service.features!.cloud;
  const sandboxDeal = () => [...ctx.sandbox.portal.records('deals')].find((deal) => deal.id === dealId)!;
  const creates = () => aws.stats().byOperation.CreateOpportunity ?? 0;
  const updates = () => aws.stats().byOperation.UpdateOpportunity ?? 0;
  const poll = async () => {
    const answer = await ctx.signedFetch('POST', '/api/programmes/aws/poll');
    expect(answer.status).toBe(200);
    await ctx.idle();
    return answer.body;
  };
  const cardMotion = async () => {
    const card = await ctx.signedFetch('GET', `/api/card/deals/${dealId}`);
    expect(card.status).toBe(200);
    return (card.body as unknown as CardView).motions.find((motion) => motion.id === motionId)!;
  };

  it('given an admin, when AWS is connected, then the credentials are sealed and never returned; a non-admin is refused', async () => {
    const body = {
      catalog: 'Sandbox',
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
      endpoint: aws.url,
      countryCode: 'us',
      industry: 'Software and Internet',
    };
    const refused = await ctx.signedFetch('PUT', '/api/programmes/aws', body, 42);
    expect(refused.status).toBe(403);
    const connected = await ctx.signedFetch('PUT', '/api/programmes/aws', body);
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({
      programme: 'aws_ace',
      connected: true,
      settings: { catalog: 'Sandbox', countryCode: 'US', endpoint: aws.url },
      credential: `****${aws.credentials.accessKeyId.slice(-4)}`,
    });
    expect(JSON.stringify(connected.body)).not.toContain(aws.credentials.secretAccessKey);
    const row = await ctx.service.store.db
      .selectFrom('programme_connections')
      .selectAll()
      .where('tenant_id', '=', ctx.tenantId)
      .executeTakeFirstOrThrow();
    expect(row.credentials).not.toContain(aws.credentials.secretAccessKey);
    expect(row.credentials).not.toContain(aws.credentials.accessKeyId);

    const bad = await ctx.signedFetch('PUT', '/api/programmes/aws', { ...body, countryCode: 'USA' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('countryCode');
  });

  it('given a deal AWS would refuse, when a seller starts co-sell with AWS ACE, then nothing is sent and the card names the field', async () => {
    const started = await ctx.signedFetch('POST', `/api/card/deals/${dealId}/cosell`, {
      programme: 'AWS ACE',
      ask: ASK,
    });
    expect(started.status).toBe(201);
    motionId = (started.body as unknown as CardView).motions[0]!.id;
    await eventually(
      async () => (await cloud().opportunities.forMotion(ctx.tenantId, 'aws_ace', motionId)) !== undefined,
    );
    await ctx.idle();
    expect(creates()).toBe(0);
    const motion = await cardMotion();
    expect(motion.state).toBe('requested');
    expect(motion.cloud).toMatchObject({ programme: 'aws_ace', status: 'Needs fixes', externalId: null });
    expect(motion.cloud!.issues).toEqual([
      {
        field: 'LifeCycle.TargetCloseDate',
        message: "AWS needs a target close date from today on; the deal's close date is 2026-01-15.",
      },
    ]);
    expect(sandboxDeal().properties.pl_cloud_status).toBe('aws:Needs fixes');
  });

  it('given the refused motion, then the error inbox holds it with the reason; a retry before the fix is refused again, counted', async () => {
    const inbox = await ctx.signedFetch('GET', '/api/errors');
    expect(inbox.status).toBe(200);
    expect(inbox.body).toMatchObject({ total: 1 });
    const [entry] = inbox.body.entries as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({
      source: 'aws_ace',
      objectType: 'cosell_motion',
      recordId: motionId,
      dealId,
      attempts: 1,
      resolvedAt: null,
    });
    expect(String(entry!.reason)).toContain('target close date');
    expect((await ctx.signedFetch('POST', `/api/errors/aws_ace/cosell_motion/${motionId}/retry`, {}, 42)).status).toBe(
      403,
    );
    const retried = await ctx.signedFetch('POST', `/api/errors/aws_ace/cosell_motion/${motionId}/retry`, {});
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'refused', entry: { attempts: 2, resolvedAt: null } });
    expect(creates()).toBe(0);
  });

  it('given the seller fixed the close date, when the poll runs, then one opportunity is created, submitted and written to the deal', async () => {
    ctx.sandbox.portal.update('deals', sandboxDeal(), { closedate: '2027-06-30' }, ctx.sandbox.userActor());
    await ctx.idle();
    await poll();
    expect(creates()).toBe(1);
    const [created] = aws.opportunities('Sandbox').filter((o) => o.PartnerOpportunityIdentifier === dealId);
    expect(created).toBeDefined();
    opportunityId = created!.Id!;
    expect(created).toMatchObject({
      Customer: { Account: { Industry: 'Software and Internet', Address: { CountryCode: 'US' } } },
      Project: {
        CustomerBusinessProblem: ASK,
        ExpectedCustomerSpend: [
          { Amount: '20000.00', CurrencyCode: 'USD', Frequency: 'Monthly', TargetCompany: 'AWS' },
        ],
      },
      LifeCycle: { TargetCloseDate: '2027-06-30', ReviewStatus: 'Submitted' },
    });
    expect(aws.stats().byOperation.StartEngagementFromOpportunityTask).toBe(1);
    const motion = await cardMotion();
    expect(motion.cloud).toMatchObject({ status: 'Submitted', externalId: opportunityId, issues: [] });
    expect(sandboxDeal().properties).toMatchObject({
      pl_cloud_status: 'aws:Submitted/Prospect',
      pl_aws_opportunity_id: opportunityId,
    });
    // The refusal is resolved in the inbox (kept for history), and polling again sends nothing new.
    const open = await ctx.signedFetch('GET', '/api/errors');
    expect(open.body).toMatchObject({ total: 0 });
    const all = await ctx.signedFetch('GET', '/api/errors?status=resolved');
    expect(all.body).toMatchObject({ total: 1, entries: [{ recordId: motionId }] });
    await poll();
    expect(creates()).toBe(1);
    expect(aws.stats().byOperation.StartEngagementFromOpportunityTask).toBe(1);
  });

  it('given AWS is reviewing, when the deal amount changes, then the update is held, and sent once AWS approves', async () => {
    aws.setReviewStatus(opportunityId, 'In review');
    ctx.sandbox.portal.update('deals', sandboxDeal(), { amount: '360000' }, ctx.sandbox.userActor());
    await ctx.idle();
    const held = await poll();
    expect(held).toMatchObject({ changed: 1, moved: 0, held: 1, updated: 0 });
    expect(updates()).toBe(0);
    expect((await cardMotion()).state).toBe('requested');
    expect(sandboxDeal().properties.pl_cloud_status).toBe('aws:In review/Prospect');

    aws.setReviewStatus(opportunityId, 'Approved');
    const approved = await poll();
    expect(approved).toMatchObject({ changed: 1, moved: 1, updated: 1 });
    expect(updates()).toBe(1);
    expect(aws.opportunity(opportunityId)?.Project?.ExpectedCustomerSpend?.[0]?.Amount).toBe('30000.00');
    // The full replace kept what only AWS holds.
    expect(aws.opportunity(opportunityId)?.LifeCycle?.ReviewStatus).toBe('Approved');
    expect(aws.opportunity(opportunityId)?.Project?.CustomerBusinessProblem).toBe(ASK);
    const motion = await cardMotion();
    expect(motion.state).toBe('accepted');
    expect(motion.history.at(-1)).toMatchObject({ from: 'requested', to: 'accepted', actor: 'system:aws_ace' });
    expect(sandboxDeal().properties.pl_cloud_status).toBe('aws:Approved/Prospect');
  });

  it('given AWS launched the opportunity, when the poll runs, then the motion walks to won and the deal says so', async () => {
    aws.setStage(opportunityId, 'Launched');
    const launched = await poll();
    expect(launched).toMatchObject({ changed: 1, moved: 2 });
    const motion = await cardMotion();
    expect(motion.state).toBe('won');
    expect(motion.history.slice(-2).map((entry) => [entry.from, entry.to, entry.actor])).toEqual([
      ['accepted', 'active', 'system:aws_ace'],
      ['active', 'won', 'system:aws_ace'],
    ]);
    expect(sandboxDeal().properties.pl_cloud_status).toBe('aws:Approved/Launched');
    expect(sandboxDeal().properties.pl_cosell_status).toBe('won');
  });

  it('given a crash between the create and storing its id, when the send runs again, then AWS answers the same opportunity and no second one exists', async () => {
    const other = [...ctx.sandbox.portal.records('deals')].find(
      (deal) => !deal.archived && deal.properties.hs_is_closed !== 'true' && deal.id !== dealId,
    )!;
    ctx.sandbox.portal.update(
      'deals',
      other,
      { closedate: '2027-09-30', amount: '120000', deal_currency_code: 'USD' },
      ctx.sandbox.userActor(),
    );
    await ctx.idle();
    const mirrored = await ctx.service.features!.mirror.findDeal(ctx.tenantId, other.id);
    const mapped = awsOpportunityFromDeal(
      {
        deal: { ...mirrored!.deal, account: { ...mirrored!.deal.account, domain: 'example.com' } },
        ask: ASK,
        today: '2026-12-01',
      },
      {
        catalog: 'Sandbox',
        countryCode: 'US',
        industry: 'Software and Internet',
        customerUseCase: null,
        deliveryModels: ['SaaS or PaaS'],
      },
    );
    expect(mapped.ok).toBe(true);
    const body = (mapped as { body: AwsOpportunityBody }).body;
    const token = awsClientToken({ tenantId: ctx.tenantId, dealId: other.id, operation: 'create', attempt: 1 });
    const key = { tenantId: ctx.tenantId, programme: 'aws_ace' as const, motionId: 'crashed-motion' };
    // The process wrote its row and sent the create; AWS created the opportunity; the process died before storing it.
    await cloud().opportunities.begin({ ...key, dealId: other.id, attempt: 1, clientToken: token, request: body });
    const client = new AwsAceClient({
      catalog: 'Sandbox',
      region: aws.region,
      endpoint: aws.url,
      credentials: aws.credentials,
    });
    const first = await client.create(body, token);
    client.destroy();
    const before = creates();

    const outcome = await cloud().aws.send(ctx.tenantId, { id: 'crashed-motion', dealId: other.id, ask: ASK });
    expect(outcome.status).toBe('delivered');
    expect(creates()).toBe(before + 1);
    expect(aws.opportunities('Sandbox').filter((o) => o.PartnerOpportunityIdentifier === other.id)).toHaveLength(1);
    const row = await cloud().opportunities.forMotion(ctx.tenantId, 'aws_ace', 'crashed-motion');
    expect(row).toMatchObject({ external_id: first.id, phase: 'submitted' });
  });
});
