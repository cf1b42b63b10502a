import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox/server.ts';
import { roleFromLabel } from '../src/crm/hubspot/hubspot-portal-reader.ts';
import { COMPANY_PROPERTIES, DEAL_PROPERTIES, ROLE_LABELS } from '../src/crm/hubspot/hubspot-provisioning.ts';
import { loadConfig } from '../sync/platform/config/env.ts';
import { createLogger } from '../sync/platform/log/logger.ts';
import { loadHubSpotAppProject } from '../sync/providers/hubspot/hubspot-app-project.ts';
import { type Service, startService } from '../sync/service.ts';
import { type RecordingProxy, startRecordingProxy } from './support/recording-proxy.ts';
import { createTempDatabase, eventually, TEST_DATABASE_URL, type TempDatabase } from './support/test-stores.ts';
import { inboxWatermark, waitForDrained } from './support/webhook-drain.ts';

const PORTAL_B = 77_000_002;

/** Signs like HubSpot's documented v3 algorithm, computed here with node:crypto rather than our signer. */
function hubspotSign(secret: string, method: string, uri: string, body: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

describe.each(STORES)('install, provisioning and webhooks against the sandbox ($name)', ({ databaseUrl }) => {
  let sandbox: Sandbox;
  let service: Service;
  let proxy: RecordingProxy;
  let database: TempDatabase | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pl-install-'));
  const portalA = 77_000_001;

  beforeAll(async () => {
    sandbox = await startSandbox({
      deals: 60,
      seed: 5,
      portalId: portalA,
      portals: [{ portalId: PORTAL_B, deals: 20, seed: 9 }],
    });
    database = databaseUrl ? await createTempDatabase(databaseUrl) : undefined;
    // The service sits behind a reverse proxy whose origin is PUBLIC_URL: what HubSpot signs against.
    proxy = await startRecordingProxy(() => service.url);
    const config = loadConfig(
      {
        PORT: '0',
        PUBLIC_URL: proxy.url,
        DATA_DIR: dir,
        ...(database ? { DATABASE_URL: database.url } : {}),
        HUBSPOT_CLIENT_ID: sandbox.app.clientId,
        HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
        HUBSPOT_APP_ID: String(sandbox.app.appId),
        HUBSPOT_API_BASE_URL: sandbox.url,
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
        LOG_LEVEL: 'silent',
      },
      { sandbox: false },
    );
    service = await startService(config, {
      logger: createLogger('silent'),
      schedules: false,
      testing: {
        queue: { pollingIntervalSeconds: 0.5 },
        scoring: { debounceSeconds: 1 },
        dedupe: { debounceSeconds: 1 },
      },
    });
    sandbox.webhooks.setTarget(`${proxy.url}/webhooks/hubspot`);
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await sandbox?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until no job is queued or running (installs, reconciles and drains all done). */
  async function idle(): Promise<void> {
    await eventually(async () => {
      const busy = await sql<{ n: number }>`
        select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(
        service.store.db,
      );
      return busy.rows[0]!.n === 0;
    }, 60_000);
  }

  /** An admin's browser: our install URL → HubSpot consent (auto-approved by the sandbox) → our callback. */
  async function install(portalId: number): Promise<Response> {
    const start = await fetch(`${proxy.url}/oauth/hubspot/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const consent = new URL(start.headers.get('location') ?? '');
    consent.searchParams.set('portalId', String(portalId));
    const approved = await fetch(consent, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    return fetch(approved.headers.get('location') ?? '', { redirect: 'manual' });
  }

  it('given the install link, when followed, then HubSpot is asked for exactly the project scopes with a state and our callback', async () => {
    const start = await fetch(`${proxy.url}/oauth/hubspot/install`, { redirect: 'manual' });
    const location = new URL(start.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${sandbox.url}/oauth/authorize`);
    expect(location.searchParams.get('client_id')).toBe(sandbox.app.clientId);
    expect(location.searchParams.get('redirect_uri')).toBe(`${proxy.url}/oauth/hubspot/callback`);
    expect(location.searchParams.get('scope')?.split(' ')).toEqual(loadHubSpotAppProject().requiredScopes);
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('given an install, when the callback returns, then the tenant holds encrypted tokens, the portal is provisioned and reconciled', async () => {
    const callback = await install(portalA);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain(`portal ${portalA} is connected`);

    const tenantId = `hubspot:${portalA}`;
    const row = await service.store.db
      .selectFrom('tenants')
      .select(['status', 'credentials'])
      .where('id', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
    const credentials = await service.tenants.credentials(tenantId);
    expect(credentials?.accessToken).toBeTruthy();
    expect(row.credentials).not.toContain(credentials?.accessToken);
    expect(row.credentials).not.toContain(credentials?.refreshToken);

    // Provisioning: every property of SPEC §4.5 and every role label now exist in the portal.
    const portal = sandbox.portals.get(portalA)!;
    await eventually(async () => {
      const deals = portal.definitions('deals');
      const companies = portal.definitions('companies');
      return DEAL_PROPERTIES.every((p) => deals.has(p.name)) && COMPANY_PROPERTIES.every((p) => companies.has(p.name));
    });
    const roles = new Set(
      portal.associationTypesOf('deals', 'companies').map((t) => (t.label ? roleFromLabel(t.label) : undefined)),
    );
    for (const label of ROLE_LABELS) expect(roles.has(label.role)).toBe(true);
    expect(portal.groups('deals').has('partnerloop')).toBe(true);

    // The first reconcile mirrors every deal.
    const counts = await eventually(async () => {
      const c = await service.features!.mirror.counts(tenantId);
      return c.deals === portal.count('deals') ? c : undefined;
    });
    expect(counts.partners).toBeGreaterThan(0);
    const audit = await service.audit.forSubject(tenantId, 'tenant', tenantId);
    expect(audit.map((entry) => entry.action)).toContain('portal.provision');
  }, 60_000);

  it('given the same state, when the callback is replayed, then 400 and nothing changes', async () => {
    const start = await fetch(`${proxy.url}/oauth/hubspot/install`, { redirect: 'manual' });
    const approved = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    const callbackUrl = approved.headers.get('location') ?? '';
    expect((await fetch(callbackUrl)).status).toBe(200);
    const replay = await fetch(callbackUrl);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toContain('state');
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'not-a-state-we-issued');
    expect((await fetch(forged)).status).toBe(400);
  }, 30_000);

  it('given a seller edits a deal in HubSpot, when the signed webhook arrives, then the job refreshes it; a redelivery changes nothing', async () => {
    const tenantId = `hubspot:${portalA}`;
    const portal = sandbox.portals.get(portalA)!;
    const deal = [...portal.records('deals')][0]!;
    const deliveredBefore = proxy.recorded.filter((r) => r.path === '/webhooks/hubspot').length;
    const watermark = await inboxWatermark(service.store.db);
    portal.update('deals', deal, { dealname: 'Renamed by a seller' }, sandbox.userActor());

    const mirrored = await eventually(async () => {
      const found = await service.features!.mirror.findDeal(tenantId, deal.id);
      return found?.deal.name === 'Renamed by a seller' ? found : undefined;
    });
    expect(mirrored.deal.id).toBe(deal.id);
    // The rename's batch among those delivered since (under load an echo of an earlier write can come first).
    const parse = (batch: { body: Buffer }) =>
      JSON.parse(batch.body.toString('utf8')) as Array<Record<string, unknown>>;
    const delivery = proxy.recorded
      .filter((r) => r.path === '/webhooks/hubspot')
      .slice(deliveredBefore)
      .find((batch) => parse(batch).some((e) => e.propertyName === 'dealname' && String(e.objectId) === deal.id));
    if (!delivery) throw new Error('no webhook batch carried the rename');
    const events = parse(delivery);
    await eventually(async () => (await service.providers.hubspot!.inbox.countPending(tenantId)) === 0);
    await idle();

    const inboxBefore = await sql<{ n: number }>`select count(*)::int as n from webhook_events`.execute(
      service.store.db,
    );
    const jobsBefore = await sql<{
      n: number;
    }>`select count(*)::int as n from pgboss.job where name = 'hubspot.webhooks.drain'`.execute(service.store.db);
    sandbox.resetStats();
    const again = await proxy.replay(delivery);
    expect(again.status).toBe(200);
    const replayedAnswer = await again.json();
    expect(replayedAnswer).toMatchObject({ accepted: 0, duplicates: events.length > 0 ? expect.any(Number) : 0 });
    const inboxAfter = await sql<{ n: number }>`select count(*)::int as n from webhook_events`.execute(
      service.store.db,
    );
    const jobsAfter = await sql<{
      n: number;
    }>`select count(*)::int as n from pgboss.job where name = 'hubspot.webhooks.drain'`.execute(service.store.db);
    expect(inboxAfter.rows[0]!.n).toBe(inboxBefore.rows[0]!.n);
    expect(jobsAfter.rows[0]!.n).toBe(jobsBefore.rows[0]!.n);
    // Proof the replay was received and nothing is left to run before asserting that it called nothing: the route
    // answered for every event, the rename is stored once and processed, and no drain is queued or running.
    expect(replayedAnswer).toMatchObject({ received: events.length });
    const drained = await waitForDrained(service.store.db, {
      tenantId,
      after: watermark,
      objectId: deal.id,
      propertyName: 'dealname',
    });
    expect(drained.map((row) => row.propertyValue)).toEqual(['Renamed by a seller']);
    await idle();
    expect(sandbox.stats().calls).toBe(0);
  }, 60_000);

  it('given a deal merged in HubSpot, when the merge event is drained, then the merged id is an alias of the survivor and gone from the mirror', async () => {
    const tenantId = `hubspot:${portalA}`;
    const portal = sandbox.portals.get(portalA)!;
    const [primary, merged] = [...portal.records('deals')].filter((r) => !r.archived).slice(1, 3);
    portal.merge('deals', primary!.id, merged!.id, sandbox.userActor());
    await eventually(async () => (await service.features!.mirror.findDeal(tenantId, merged!.id))?.deletedAt != null);
    expect(await service.features!.mirror.resolveId(tenantId, 'deals', merged!.id)).toBe(primary!.id);
    expect((await service.features!.mirror.findDeal(tenantId, primary!.id))?.deletedAt).toBeNull();
  }, 30_000);

  it('given a deal deleted in HubSpot, when the deletion event is drained, then the mirror marks it deleted', async () => {
    const tenantId = `hubspot:${portalA}`;
    const portal = sandbox.portals.get(portalA)!;
    const victim = [...portal.records('deals')].filter((r) => !r.archived)[5]!;
    portal.archive('deals', victim, sandbox.userActor());
    await eventually(async () => (await service.features!.mirror.findDeal(tenantId, victim.id))?.deletedAt != null);
  }, 30_000);

  it('given portal B installed too, when a request signed for portal A is tampered to name portal B, then 401 and B is untouched', async () => {
    expect((await install(PORTAL_B)).status).toBe(200);
    const secret = sandbox.app.clientSecret;
    const signedGet = async (pathAndQuery: string, signedAs = pathAndQuery) => {
      const timestamp = Date.now();
      return fetch(`${proxy.url}${pathAndQuery}`, {
        headers: {
          'x-hubspot-signature-v3': hubspotSign(secret, 'GET', `${proxy.url}${signedAs}`, '', timestamp),
          'x-hubspot-request-timestamp': String(timestamp),
        },
      });
    };
    const own = await signedGet(`/api/settings/connection?portalId=${portalA}&userId=1`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ tenantId: `hubspot:${portalA}`, portalId: String(portalA) });

    const tampered = await signedGet(
      `/api/settings/connection?portalId=${PORTAL_B}&userId=1`,
      `/api/settings/connection?portalId=${portalA}&userId=1`,
    );
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');

    // Signed data is the only source of the tenant: a body naming B on a request signed for A changes A only.
    const timestamp = Date.now();
    const body = JSON.stringify({ portalId: PORTAL_B });
    // 9000001: the portal's super admin (disconnecting is an admin's action).
    const path = `/api/settings/disconnect?portalId=${portalA}&userId=9000001`;
    const disconnect = await fetch(`${proxy.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': hubspotSign(secret, 'POST', `${proxy.url}${path}`, body, timestamp),
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body,
    });
    expect(disconnect.status).toBe(200);
    expect((await service.tenants.get(`hubspot:${PORTAL_B}`)).status).toBe('active');
    const a = await service.tenants.get(`hubspot:${portalA}`);
    expect(a.status).toBe('disconnected');
    expect(a.disconnectReason).toBe('disconnected by user:9000001');
    expect(await service.tenants.credentials(`hubspot:${portalA}`)).toBeUndefined();
    const raw = await service.store.db
      .selectFrom('tenants')
      .select('credentials')
      .where('id', '=', `hubspot:${portalA}`)
      .executeTakeFirstOrThrow();
    expect(raw.credentials).toBeNull();

    // The disconnect is visible to the portal's settings page, with its reason.
    const status = await signedGet(`/api/settings/connection?portalId=${portalA}&userId=1`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      status: 'disconnected',
      disconnectReason: 'disconnected by user:9000001',
    });
  }, 60_000);
});
