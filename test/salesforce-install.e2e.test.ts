import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceStandIn, startSalesforce } from '../sandbox/salesforce/salesforce.ts';
import { JUNCTION_OBJECT } from '../src/crm/salesforce/salesforce-fields.ts';
import { loadConfig } from '../sync/platform/config/env.ts';
import { createLogger } from '../sync/platform/log/logger.ts';
import { SALESFORCE_POLL_JOB } from '../sync/providers/salesforce/salesforce-poll.job.ts';
import { type Service, startService } from '../sync/service.ts';
import { eventually } from './support/test-stores.ts';

/**
 * A Salesforce org installed the way an admin would: the OAuth web-server flow with PKCE against the stand-in, then
 * the install job provisions PartnerLoop's fields and junction object through the Tooling API and the first reconcile
 * writes attribution to the org's opportunities — the same engines as for a HubSpot portal.
 */
describe('Salesforce install and first reconcile (stand-in)', () => {
  let salesforce: SalesforceStandIn;
  let service: Service;
  let tenantId: string;

  beforeAll(async () => {
    salesforce = await startSalesforce({ seedDemo: { deals: 120, seed: 7 } });
    const config = loadConfig(
      {
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-salesforce-')),
        SALESFORCE_CLIENT_ID: salesforce.clientId,
        SALESFORCE_CLIENT_SECRET: salesforce.clientSecret,
        SALESFORCE_LOGIN_URL: salesforce.loginUrl,
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      },
      { sandbox: true },
    );
    service = await startService(config, {
      logger: createLogger((process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent'),
      schedules: false,
      testing: {
        queue: { pollingIntervalSeconds: 0.5 },
        // Refreshes after a change run within idle(), as within minutes in production.
        scoring: { debounceSeconds: 1 },
        dedupe: { debounceSeconds: 1 },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await salesforce?.close();
  });

  const idle = () =>
    eventually(async () => {
      const busy = await sql<{ n: number }>`
        select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(
        service.store.db,
      );
      return busy.rows[0]!.n === 0;
    }, 90_000);
  const opportunities = () => salesforce.org.records('Opportunity');
  const checkpoint = async () =>
    (
      await service.store.db
        .selectFrom('sync_checkpoints')
        .select('checkpoint')
        .where('tenant_id', '=', tenantId)
        .where('stream', '=', 'salesforce.changes')
        .executeTakeFirst()
    )?.checkpoint as { modstamp: string } | undefined;

  it('given an admin installs through Salesforce with PKCE, then the org becomes a tenant from its own identity', async () => {
    const install = await fetch(`${service.url}/oauth/salesforce/install`, { redirect: 'manual' });
    expect(install.status).toBe(302);
    const authorize = new URL(install.headers.get('location') ?? '');
    expect(authorize.origin).toBe(new URL(salesforce.loginUrl).origin);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get('location') ?? '');
    const landed = await fetch(`${service.url}${callback.pathname}${callback.search}`);
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain(`Salesforce org ${salesforce.orgId} is connected`);
    // The same callback cannot install twice (the state is single-use).
    expect((await fetch(`${service.url}${callback.pathname}${callback.search}`)).status).toBe(400);
    tenantId = `salesforce:${salesforce.orgId}`;
    expect(await service.tenants.find(tenantId)).toMatchObject({ provider: 'salesforce', status: 'active' });
  });

  it('given the install job ran, then the PL_ fields and the junction object exist and the first reconcile wrote attribution', async () => {
    await idle();
    const opportunity = salesforce.org.object('Opportunity');
    expect(opportunity?.fields.some((field) => field.name === 'PL_Attribution_Status__c')).toBe(true);
    expect(salesforce.org.object(JUNCTION_OBJECT)).toBeDefined();
    const statuses = new Set(opportunities().map((record) => record.PL_Attribution_Status__c));
    expect(statuses.size).toBeGreaterThan(1);
    expect([...statuses].every((status) => typeof status === 'string' && status.length > 0)).toBe(true);
  });

  it('given nothing changed, when the org is reconciled again, then nothing is written', async () => {
    const before = salesforce.stats().byOperation['collections.update'] ?? 0;
    const result = await service.features!.sync.reconcile(tenantId);
    expect(result.dealsRead).toBe(opportunities().length);
    expect(result.calls).toBe(0);
    expect(salesforce.stats().byOperation['collections.update'] ?? 0).toBe(before);
  });

  it('given an opportunity changes in Salesforce, when the change poll runs, then it is read by SystemModstamp and applied by id (no full read), and the checkpoint moves on', async () => {
    let run = 0;
    const poll = async () => {
      run += 1;
      await service.queue.enqueue(SALESFORCE_POLL_JOB, { tenantId, periodKey: `test-${run}` }, { key: `test-${run}` });
      await idle();
    };
    await poll(); // the first poll after an install starts from now: the reconcile read everything
    const started = await checkpoint();
    expect(started).toBeDefined();
    const target = opportunities().find((record) => !record.IsClosed)!;
    salesforce.org.update('Opportunity', String(target.Id), { Amount: 424_242 });
    const before = salesforce.stats().byOperation.query ?? 0;
    await eventually(async () => {
      await poll();
      const found = await service.features!.mirror.findDeal(tenantId, String(target.Id));
      return found?.deal.amount === 424_242;
    }, 30_000);
    // Three change queries a poll (opportunities, partner accounts, junction rows) and one read of the changed deal.
    expect((salesforce.stats().byOperation.query ?? 0) - before).toBeLessThan(10 * run);
    expect(Date.parse((await checkpoint())!.modstamp)).toBeGreaterThanOrEqual(Date.parse(started!.modstamp));
  }, 60_000);
});
