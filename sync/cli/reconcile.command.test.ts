import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server.ts';
import { cli } from '../../test/support/cli-harness.ts';
import { openStore } from '../platform/store/database.ts';
import { migrateToLatest } from '../platform/store/migrate.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { TokenCipher } from '../platform/store/token-cipher.ts';

const KEY = Buffer.alloc(32, 4);

describe('partnerloop reconcile --portal', () => {
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'pl-reconcile-'));
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sandbox = await startSandbox({ deals: 250, seed: 11, portalId: 61_000_001 });
    env = {
      DATA_DIR: dir,
      HUBSPOT_CLIENT_ID: sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
      HUBSPOT_API_BASE_URL: sandbox.url,
      TOKEN_ENCRYPTION_KEY: KEY.toString('base64'),
      LOG_LEVEL: 'silent',
    };
    const store = await openStore({ dataDir: join(dir, 'pglite') });
    await migrateToLatest(store.db);
    const tenants = new TenantsRepository(store.db, new TokenCipher(KEY));
    await tenants.connect('hubspot', '61000001', { ...sandbox.issueToken(), scopes: [] });
    await tenants.connect('hubspot', '61000002', { ...sandbox.issueToken(), scopes: [] });
    await tenants.disconnect('hubspot:61000002', 'HubSpot refused the refresh token');
    await store.close();
  }, 60_000);

  afterAll(async () => {
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given an installed portal, when reconciled, then one JSON line counts every deal and partner read at the minimum calls', async () => {
    const result = await cli(['reconcile', '--portal', '61000001'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const counts = JSON.parse(result.stdout) as Record<string, number | string>;
    const partners = [...sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true');
    expect(counts).toMatchObject({
      tenantId: 'hubspot:61000001',
      dealsRead: sandbox.portal.count('deals'),
      partnersRead: partners.length,
      deletedDeals: 0,
      // Company and deal pages, one deal→company association batch, one partner→company association batch.
      readCalls: Math.ceil(sandbox.portal.count('companies') / 100) + Math.ceil(250 / 100) + 1 + 1,
    });
    // Attribution (and the other writers) written back: deals and partner companies, in batches of 100, only where
    // something changed.
    expect(Number(counts.deals)).toBeGreaterThan(0);
    expect(counts.calls).toBe(Math.ceil(Number(counts.deals) / 100) + Math.ceil(Number(counts.companies) / 100));
    const statuses = [...sandbox.portal.records('deals')].map((d) => d.properties.pl_attribution_status);
    expect(statuses.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);

    // A second reconcile finds nothing to change: zero writes.
    const again = JSON.parse((await cli(['reconcile', '--portal', '61000001'], env)).stdout) as Record<string, number>;
    expect(again).toMatchObject({ deals: 0, companies: 0, calls: 0 });
  }, 60_000);

  it.each([
    [['reconcile'], 'partnerloop reconcile: --portal <id> is required: the HubSpot portal (hub) id\n'],
    [
      ['reconcile', '--portal', '123'],
      'partnerloop reconcile: portal 123 has not installed PartnerLoop (no tenant hubspot:123)\n',
    ],
    [
      ['reconcile', '--org', '00D5L0000001PLSUA2'],
      'partnerloop reconcile: Salesforce org 00D5L0000001PLSUA2 has not installed PartnerLoop (no tenant salesforce:00D5L0000001PLSUA2)\n',
    ],
    [
      ['reconcile', '--org', 'acme'],
      'partnerloop reconcile: --org <id> must be a Salesforce org id (00D…, 15 or 18 characters)\n',
    ],
    [
      ['reconcile', '--portal', '123', '--org', '00D5L0000001PLSUA2'],
      'partnerloop reconcile: give exactly one of --portal <HubSpot portal id>, --org <Salesforce org id>, --tenant <provider:id>\n',
    ],
  ])('given %j, when run, then a one-line error and exit 2', async (argv, message) => {
    const result = await cli(argv, env);
    expect(result).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('given a disconnected portal, when reconciled, then the error names when and why', async () => {
    const result = await cli(['reconcile', '--portal', '61000002'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^partnerloop reconcile: portal 61000002 is disconnected since \d{4}-\d\d-\d\dT[\d:.]+Z: HubSpot refused the refresh token; reinstall the app\n$/,
    );
  });
});
