import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsPartnerCentralStandIn,
  DEMO_ROLE_ARN,
  startAwsPartnerCentral,
} from '../sandbox/aws/aws-partner-central.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';

/**
 * Connecting AWS the production way: the customer creates an IAM role that trusts PartnerLoop's AWS account and
 * requires the tenant's external id; PartnerLoop assumes it (STS AssumeRole) for every call. The connection is tried
 * before it is stored, so a role that cannot be assumed is refused at once, in words.
 */
describe('AWS connection through an assumed IAM role', () => {
  let ctx: InstalledService;
  let aws: AwsPartnerCentralStandIn;
  let externalId: string;

  beforeAll(async () => {
    aws = await startAwsPartnerCentral();
    ctx = await startInstalledService({
      sandboxMode: true,
      env: {
        AWS_ACCESS_KEY_ID: aws.serviceCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.serviceCredentials.secretAccessKey,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    await aws?.close();
  });

  const connect = (roleArn: string) =>
    ctx.signedFetch('PUT', '/api/programmes/aws', {
      catalog: 'Sandbox',
      roleArn,
      endpoint: aws.url,
      countryCode: 'US',
      industry: 'Software and Internet',
    });

  it('given no connection yet, then the external id the trust policy must require is shown, stable and per tenant', async () => {
    const first = await ctx.signedFetch('GET', '/api/programmes');
    const again = await ctx.signedFetch('GET', '/api/programmes');
    const [awsView] = first.body.programmes as Array<{ connected: boolean; externalId: string }>;
    expect(awsView).toMatchObject({ connected: false });
    expect(awsView!.externalId).toMatch(/^partnerloop-[A-Za-z0-9_-]{32}$/);
    expect((again.body.programmes as Array<{ externalId: string }>)[0]!.externalId).toBe(awsView!.externalId);
    externalId = awsView!.externalId;
  });

  it('given a role whose trust policy lacks the external id, when connecting, then it is refused in words and nothing is stored', async () => {
    aws.trustRole(DEMO_ROLE_ARN, 'someone-elses-external-id');
    const refused = await connect(DEMO_ROLE_ARN);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('external id');
    expect(aws.sts.calls).toBeGreaterThan(0);
    const rows = await ctx.service.store.db.selectFrom('programme_connections').selectAll().execute();
    expect(rows).toEqual([]);
    const both = await ctx.signedFetch('PUT', '/api/programmes/aws', {
      roleArn: DEMO_ROLE_ARN,
      accessKeyId: aws.credentials.accessKeyId,
      secretAccessKey: aws.credentials.secretAccessKey,
    });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain('either roleArn or an access key pair');
  });

  it('given the trust policy requires the external id, when connected, then co-sell runs on the assumed role and no key is stored', async () => {
    aws.trustRole(DEMO_ROLE_ARN, externalId);
    const refusedBefore = aws.stats().statuses['403'] ?? 0;
    const connected = await connect(DEMO_ROLE_ARN);
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ connected: true, credential: DEMO_ROLE_ARN, externalId });
    const row = await ctx.service.store.db
      .selectFrom('programme_connections')
      .selectAll()
      .where('tenant_id', '=', ctx.tenantId)
      .executeTakeFirstOrThrow();
    expect(row.credentials).not.toContain(DEMO_ROLE_ARN);
    expect(row.credentials).not.toContain(aws.serviceCredentials.secretAccessKey);

    const polled = await ctx.signedFetch('POST', '/api/programmes/aws/poll');
    expect(polled.status).toBe(200);
    // Every Selling API call went out signed with the assumed session, never with PartnerLoop's own key.
    expect(aws.stats().byOperation.ListOpportunities).toBeGreaterThanOrEqual(2);
    expect(aws.stats().statuses['403'] ?? 0).toBe(refusedBefore);
  });

  it('given the role is no longer trusted, when the poll runs, then it fails with the reason recorded on the connection', async () => {
    aws.trustRole(DEMO_ROLE_ARN, 'rotated-by-the-customer');
    aws.sts.expireAll();
    const polled = await ctx.signedFetch('POST', '/api/programmes/aws/poll');
    expect(polled.status).toBe(409);
    expect(JSON.stringify(polled.body)).toContain('assume the IAM role');
    const view = await ctx.signedFetch('GET', '/api/programmes');
    const [awsView] = view.body.programmes as Array<{ lastError: string | null }>;
    expect(awsView!.lastError).toContain('external id');
  });
});
