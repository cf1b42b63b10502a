import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import type { SandboxPortal } from '../sandbox/hubspot/portal/sandbox-portal.ts';
import { SANDBOX_ADMIN_USER_ID } from '../sandbox/hubspot/users.ts';
import { type ListedRoute, listRoutes } from '../sync/platform/http/route-list.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const PORTAL_B = 77_300_002;

/**
 * Mounted routes without cases yet, by path prefix, with why. HOOK: the lead's `reportsRouter`
 * (sync/reports/reports.routes.ts, mounted at /api/reports) goes into CASES below; then remove its line here.
 */
const PENDING: Readonly<Record<string, string>> = {};

/** A stored loop result of portal B only: a period A never has, and a value that must never reach A. */
const B_PERIOD = '2031-Q1';
const B_MARKER = 'portal-b-only-lift';

type Response = { status: number; body: Record<string, unknown> };

/** What each case may use: portal B's records (ids that do not exist in A) and A's own. */
interface Fixtures {
  aPortal: number;
  aTenant: string;
  aDealId: string;
  bDealId: string;
  bPartnerId: string;
  bMotionId: string;
}

interface Case {
  /** Sends the request, correctly signed for portal A (as A's super admin), naming B's record where it can. */
  send(f: Fixtures, fetchA: (method: string, path: string, body?: unknown) => Promise<Response>): Promise<Response>;
  /** `404`: B's record is unknown here. Otherwise a check that the answer is A's own data only. */
  expect: 404 | ((response: Response, f: Fixtures) => void | Promise<void>);
}

const is404 = 404 as const;

/**
 * One case per signed route ("METHOD /mount/path" exactly as mounted). A route mounted without a case fails the test.
 */
const CASES: Readonly<Record<string, Case>> = {
  // --- settings (tenant-wide) ---
  'GET /api/settings/connection': {
    send: (_f, fetchA) => fetchA('GET', '/api/settings/connection'),
    expect: (r, f) =>
      expect(r).toMatchObject({ status: 200, body: { tenantId: f.aTenant, portalId: String(f.aPortal) } }),
  },
  'POST /api/settings/disconnect': {
    // A body naming B changes nothing: the tenant is the signed portal. Runs last (it disconnects A).
    send: (_f, fetchA) =>
      fetchA('POST', '/api/settings/disconnect', { portalId: PORTAL_B, tenantId: `hubspot:${PORTAL_B}` }),
    expect: (r, f) => expect(r).toEqual({ status: 200, body: { tenantId: f.aTenant, status: 'disconnected' } }),
  },
  // --- the card ---
  'GET /api/card/deals/:dealId': { send: (f, fetchA) => fetchA('GET', `/api/card/deals/${f.bDealId}`), expect: is404 },
  'GET /api/card/partners': {
    send: (_f, fetchA) => fetchA('GET', '/api/card/partners?q='),
    expect: (r, f) => {
      expect(r.status).toBe(200);
      expect((r.body.partners as Array<{ id: string }>).map((p) => p.id)).not.toContain(f.bPartnerId);
    },
  },
  'POST /api/card/deals/:dealId/partners': {
    send: (f, fetchA) =>
      fetchA('POST', `/api/card/deals/${f.bDealId}/partners`, { partnerId: f.bPartnerId, role: 'sourced' }),
    expect: is404,
  },
  'DELETE /api/card/deals/:dealId/partners/:partnerId/:role': {
    send: (f, fetchA) => fetchA('DELETE', `/api/card/deals/${f.bDealId}/partners/${f.bPartnerId}/sourced`),
    expect: is404,
  },
  'POST /api/card/deals/:dealId/not-duplicate': {
    send: (f, fetchA) => fetchA('POST', `/api/card/deals/${f.bDealId}/not-duplicate`, { otherDealId: f.aDealId }),
    expect: is404,
  },
  'POST /api/card/deals/:dealId/cosell': {
    send: (f, fetchA) =>
      fetchA('POST', `/api/card/deals/${f.bDealId}/cosell`, { partnerId: f.bPartnerId, ask: 'Joint pitch' }),
    expect: is404,
  },
  'POST /api/card/motions/:motionId/transition': {
    send: (f, fetchA) => fetchA('POST', `/api/card/motions/${f.bMotionId}/transition`, { to: 'withdrawn' }),
    expect: is404,
  },
  // --- co-sell operators ---
  'GET /api/cosell/queue': {
    send: (_f, fetchA) => fetchA('GET', '/api/cosell/queue'),
    expect: (r, f) => {
      expect(r.body.tenantId).toBe(f.aTenant);
      expect((r.body.motions as Array<{ motionId: string }>).map((m) => m.motionId)).not.toContain(f.bMotionId);
    },
  },
  'POST /api/cosell/motions/:motionId/transition': {
    send: (f, fetchA) => fetchA('POST', `/api/cosell/motions/${f.bMotionId}/transition`, { to: 'withdrawn' }),
    expect: is404,
  },
  'GET /api/cosell/partners/:partnerId/webhook': {
    send: (f, fetchA) => fetchA('GET', `/api/cosell/partners/${f.bPartnerId}/webhook`),
    expect: is404,
  },
  'PUT /api/cosell/partners/:partnerId/webhook': {
    send: (f, fetchA) =>
      fetchA('PUT', `/api/cosell/partners/${f.bPartnerId}/webhook`, {
        url: 'https://attacker.example/hooks',
        secret: 'attacker-secret-0123456789',
      }),
    expect: is404,
  },
  // --- programme connections: A's own only (A is not connected; a refused connect writes nothing) ---
  'GET /api/programmes/': {
    send: (_f, fetchA) => fetchA('GET', '/api/programmes'),
    expect: (r) =>
      expect(r).toMatchObject({ status: 200, body: { programmes: [{ programme: 'aws_ace', connected: false }, {}] } }),
  },
  'PUT /api/programmes/aws': {
    // Invalid on purpose: a connected A would make the poll below call AWS itself.
    send: (_f, fetchA) => fetchA('PUT', '/api/programmes/aws', { accessKeyId: 'short' }),
    expect: (r) => expect(r.status).toBe(400),
  },
  'POST /api/programmes/aws/poll': {
    // A is not connected: nothing to poll, said in words (B's connection state never leaks into A's answer).
    send: (_f, fetchA) => fetchA('POST', '/api/programmes/aws/poll'),
    expect: (r) => expect(r).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } }),
  },
  'POST /api/programmes/microsoft/connect': {
    // A's own sign-in URL; the state it carries names A (the callback takes the tenant from it, never from a request).
    send: (_f, fetchA) =>
      fetchA('POST', '/api/programmes/microsoft/connect', { entraTenantId: 'contoso.onmicrosoft.com' }),
    expect: (r) => expect(r.status).toBe(409),
  },
  'POST /api/programmes/microsoft/poll': {
    send: (_f, fetchA) => fetchA('POST', '/api/programmes/microsoft/poll'),
    expect: (r) => expect(r).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } }),
  },
  'GET /api/programmes/invitations': {
    send: (_f, fetchA) => fetchA('GET', '/api/programmes/invitations'),
    expect: (r) => expect(r).toMatchObject({ status: 200, body: { invitations: [] } }),
  },
  'POST /api/programmes/aws/invitations/:invitationId/accept': {
    send: (_f, fetchA) => fetchA('POST', '/api/programmes/aws/invitations/engi-b0000000000001/accept'),
    expect: (r) => expect(r.status).toBe(404),
  },
  // --- error inbox: A's own entries only; B's refused record cannot be retried from A ---
  'GET /api/errors/': {
    send: (_f, fetchA) => fetchA('GET', '/api/errors'),
    expect: (r) => expect(r).toMatchObject({ status: 200, body: { total: 0, entries: [] } }),
  },
  'POST /api/errors/:source/:objectType/:recordId/retry': {
    send: (f, fetchA) => fetchA('POST', `/api/errors/aws_ace/cosell_motion/${f.bMotionId}/retry`, {}),
    expect: 404,
  },
  // --- tenant-wide settings: A reads and writes its own; B's distinct values never show ---
  'GET /api/dedupe/settings': {
    send: (_f, fetchA) => fetchA('GET', '/api/dedupe/settings'),
    expect: (r) => expect(r.body.matchThreshold).not.toBe(0.97),
  },
  'PUT /api/dedupe/settings': {
    send: (_f, fetchA) => fetchA('PUT', '/api/dedupe/settings', { matchThreshold: 0.91 }),
    expect: (r) => expect(r).toMatchObject({ status: 200, body: { matchThreshold: 0.91 } }),
  },
  'GET /api/attribution/rules': {
    send: (_f, fetchA) => fetchA('GET', '/api/attribution/rules'),
    expect: (r) => expect(r).toMatchObject({ status: 200, body: { requireLossReason: true } }),
  },
  'PUT /api/attribution/rules': {
    send: (_f, fetchA) => fetchA('PUT', '/api/attribution/rules', { countUntypedAsNewBusiness: false }),
    expect: (r) => expect(r).toMatchObject({ status: 200, body: { countUntypedAsNewBusiness: false } }),
  },
  'GET /api/attribution/coverage': {
    send: (_f, fetchA) => fetchA('GET', '/api/attribution/coverage'),
    expect: (r, f) => expect(r).toMatchObject({ status: 200, body: { tenantId: f.aTenant } }),
  },
  'GET /api/scoring/config': {
    send: (_f, fetchA) => fetchA('GET', '/api/scoring/config'),
    expect: (r) => expect((r.body.activity as { dormantAfterDays: number }).dormantAfterDays).not.toBe(33),
  },
  'PUT /api/scoring/config': {
    send: (_f, fetchA) => fetchA('PUT', '/api/scoring/config', { activity: { dormantAfterDays: 120 } }),
    expect: (r) => expect(r).toMatchObject({ status: 200, body: { activity: { dormantAfterDays: 120 } } }),
  },
  // --- the operator API (stored loop results) ---
  'GET /api/reports/loops': {
    send: (_f, fetchA) => fetchA('GET', '/api/reports/loops'),
    expect: (r, f) => {
      expect(r).toMatchObject({ status: 200, body: { tenantId: f.aTenant } });
      expect(JSON.stringify(r.body)).not.toContain(B_MARKER);
    },
  },
  'GET /api/reports/loops/:loop': {
    send: (_f, fetchA) => fetchA('GET', `/api/reports/loops/quarterly?period=${B_PERIOD}`),
    expect: is404,
  },
  'GET /api/reports/loops/:loop/versions': {
    send: (_f, fetchA) => fetchA('GET', `/api/reports/loops/quarterly/versions?period=${B_PERIOD}`),
    expect: is404,
  },
  'GET /api/reports/trend': {
    send: (_f, fetchA) => fetchA('GET', '/api/reports/trend?metric=lift&period=quarter&periods=52'),
    expect: (r) => {
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain(B_MARKER);
    },
  },
  'POST /api/reports/loops/:loop/run': {
    // A body naming B is refused (strict), and a run is always the signed portal's own.
    send: (_f, fetchA) => fetchA('POST', '/api/reports/loops/quarterly/run', { tenantId: `hubspot:${PORTAL_B}` }),
    expect: (r) => expect(r).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } }),
  },
  // --- the operator home (reads the stored loops; the roster lever writes a partner company) ---
  'GET /api/reports/home/': {
    send: (_f, fetchA) => fetchA('GET', '/api/reports/home'),
    expect: (r, f) => {
      expect(r).toMatchObject({ status: 200, body: { tenantId: f.aTenant } });
      expect(JSON.stringify(r.body)).not.toContain(B_MARKER);
    },
  },
  'GET /api/reports/home/sections/:section': {
    send: (_f, fetchA) => fetchA('GET', '/api/reports/home/sections/lift'),
    expect: (r) => {
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain(B_MARKER);
    },
  },
  'GET /api/reports/home/lists/:list': {
    send: (_f, fetchA) => fetchA('GET', `/api/reports/home/lists/reengage?period=${B_PERIOD}`),
    expect: (r) => {
      expect([200, 404]).toContain(r.status);
      expect(JSON.stringify(r.body)).not.toContain(B_MARKER);
    },
  },
  'PUT /api/reports/home/roster/:partnerId': {
    send: (f, fetchA) => fetchA('PUT', `/api/reports/home/roster/${f.bPartnerId}`, { action: 'archive' }),
    expect: is404,
  },
  'POST /api/scoring/match-rules/preview': {
    // Excluding B's partner everywhere changes nothing in A, and no B deal or partner can appear in A's preview.
    send: (f, fetchA) =>
      fetchA('POST', '/api/scoring/match-rules/preview', {
        rules: [{ action: 'exclude', partners: { ids: [f.bPartnerId] } }],
      }),
    expect: (r, f) => {
      expect(r).toMatchObject({ status: 200, body: { tenantId: f.aTenant, changed: 0, changes: [] } });
      expect(JSON.stringify(r.body)).not.toContain(f.bDealId);
    },
  },
  'GET /api/scoring/partners': {
    send: (_f, fetchA) => fetchA('GET', '/api/scoring/partners'),
    expect: (r, f) => {
      expect(r.body.tenantId).toBe(f.aTenant);
      expect((r.body.partners as Array<{ partnerId: string }>).map((p) => p.partnerId)).not.toContain(f.bPartnerId);
    },
  },
};

/*
 * SPEC §7: no request signed for portal A can read or change portal B's data — deals, partners, motions, settings,
 * reports — tested per route. The routes come from the mounted routers, so a new signed route without a case here
 * fails this test.
 */
describe.each(STORES)('tenant isolation on every signed route ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;
  let fixtures: Fixtures;
  let routes: ListedRoute[];

  beforeAll(async () => {
    ctx = await startInstalledService({
      databaseUrl,
      sandbox: { deals: 60, seed: 7, portals: [{ portalId: PORTAL_B, deals: 200, seed: 9 }] },
    });
    await ctx.installPortal(PORTAL_B);
    routes = listRoutes(ctx.service.routes.filter((mount) => mount.path.startsWith('/api')));

    // Portal B's records, with ids portal A does not have (both demo portals number from the same first ids).
    const a = ctx.sandbox.portal;
    const b = ctx.sandbox.portals.get(PORTAL_B)!;
    const fetchB = (method: string, path: string, body?: unknown) =>
      ctx.signedFetch(method, path, body, SANDBOX_ADMIN_USER_ID, PORTAL_B);
    const bPartner = b.create(
      'companies',
      { name: 'Beta-only Alliances', domain: 'beta-only.example', pl_is_partner: 'true', pl_partner_type: 'named' },
      ctx.sandbox.userActor(),
    );
    // The creation webhook puts the new partner in B's roster.
    await eventually(async () =>
      (await ctx.service.features!.mirror.livePartners(`hubspot:${PORTAL_B}`)).some((p) => p.id === bPartner.id),
    );
    await ctx.idle();
    const bDeal = [...b.records('deals')].find(
      (d) => !d.archived && d.properties.hs_is_closed !== 'true' && !hasRecord(a, 'deals', d.id),
    )!;
    expect(hasRecord(a, 'companies', bPartner.id)).toBe(false);
    const started = await fetchB('POST', `/api/card/deals/${bDeal.id}/cosell`, {
      partnerId: bPartner.id,
      ask: 'Joint pitch',
    });
    expect(started).toMatchObject({ status: 201 });
    const bMotionId = (started.body as unknown as CardView).motions[0]!.id;
    expect(
      (
        await fetchB('PUT', `/api/cosell/partners/${bPartner.id}/webhook`, {
          url: 'https://beta-partner.example/hooks',
          secret: 'beta-partner-secret-0123',
        })
      ).status,
    ).toBe(200);
    // B's settings hold values A's answers must never show.
    expect((await fetchB('PUT', '/api/dedupe/settings', { matchThreshold: 0.97 })).status).toBe(200);
    expect((await fetchB('PUT', '/api/attribution/rules', { requireLossReason: false })).status).toBe(200);
    expect((await fetchB('PUT', '/api/scoring/config', { activity: { dormantAfterDays: 33 } })).status).toBe(200);
    // B's operator loops hold a period and a value A never has.
    await ctx.service.features!.reports.results.save(
      `hubspot:${PORTAL_B}`,
      'quarterly',
      B_PERIOD,
      { start: '2031-01-01', end: '2031-04-01' },
      { lift: { estimate: B_MARKER } },
      'isolation fixture',
    );
    // B's error inbox holds a refused record A must neither see nor retry.
    await ctx.service.features!.inbox.record(
      { tenantId: `hubspot:${PORTAL_B}`, source: 'aws_ace', objectType: 'cosell_motion', recordId: bMotionId },
      { reason: 'B marker refusal', dealId: bDeal.id },
    );
    await ctx.idle();
    const aDeal = [...a.records('deals')].find((d) => !d.archived)!;
    fixtures = {
      aPortal: ctx.portalId,
      aTenant: ctx.tenantId,
      aDealId: aDeal.id,
      bDealId: bDeal.id,
      bPartnerId: bPartner.id,
      bMotionId,
    };
  }, 120_000);
  afterAll(async () => ctx?.close());

  function hasRecord(portal: SandboxPortal, type: 'deals' | 'companies', id: string): boolean {
    return [...portal.records(type)].some((record) => record.id === id);
  }

  /** Everything of B a request could change: tenant row, its store rows, and its CRM records and associations. */
  async function stateOfB() {
    const tenantId = `hubspot:${PORTAL_B}`;
    const tenant = await ctx.service.tenants.get(tenantId);
    const rows = await sql<Record<string, unknown>>`
      select
        (select count(*)::int from audit_log where tenant_id = ${tenantId}) as audit,
        (select coalesce(json_agg(json_build_array(id, state, version) order by id), '[]'::json)
           from cosell_motions where tenant_id = ${tenantId}) as motions,
        (select count(*)::int from cosell_motion_events where tenant_id = ${tenantId}) as motion_events,
        (select coalesce(json_agg(json_build_array(partner_id, url, enabled, secret) order by partner_id), '[]'::json)
           from partner_webhook_endpoints where tenant_id = ${tenantId}) as endpoints,
        (select count(*)::int from deal_partner_splits where tenant_id = ${tenantId}) as splits,
        (select count(*)::int from dedupe_decisions where tenant_id = ${tenantId}) as decisions,
        (select count(*)::int from crm_deals where tenant_id = ${tenantId} and deleted_at is null) as deals,
        (select count(*)::int from operator_loop_results where tenant_id = ${tenantId}) as loop_results`.execute(
      ctx.service.store.db,
    );
    const crm = createHash('sha256');
    const portal = ctx.sandbox.portals.get(PORTAL_B)!;
    for (const type of ['deals', 'companies'] as const) {
      for (const record of portal.records(type)) {
        crm.update(
          JSON.stringify([record.id, record.properties, [...portal.associationsOf(type, record.id, 'companies')]]),
        );
      }
    }
    return { status: tenant.status, settings: tenant.settings, ...rows.rows[0], crm: crm.digest('hex') };
  }

  it('given the mounted routers, then every signed /api route has an isolation case (or is listed as pending)', () => {
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    expect(keys.length).toBeGreaterThanOrEqual(Object.keys(CASES).length);
    const pending = (key: string) => Object.keys(PENDING).some((prefix) => key.split(' ')[1]!.startsWith(prefix));
    expect(keys.filter((key) => !(key in CASES) && !pending(key))).toEqual([]);
    // A case whose route is gone is stale: the table follows the routers.
    expect(Object.keys(CASES).filter((key) => !keys.includes(key))).toEqual([]);
  });

  it('given requests signed for portal A naming portal B’s deal, partner, motion or settings, when sent on every route, then 404 or A’s own data, and B is unchanged', async () => {
    const before = await stateOfB();
    const fetchA = (method: string, path: string, body?: unknown) => ctx.signedFetch(method, path, body);
    // Disconnecting A comes last: every other case needs A connected.
    const ordered = [...routes].sort(
      (x, y) => Number(x.path.endsWith('/disconnect')) - Number(y.path.endsWith('/disconnect')),
    );
    let ran = 0;
    for (const route of ordered) {
      const key = `${route.method} ${route.path}`;
      const testCase = CASES[key];
      if (!testCase) continue; // pending (asserted above)
      const response = await testCase.send(fixtures, fetchA);
      if (testCase.expect === 404) {
        expect.soft({ key, status: response.status, code: (response.body.error as { code?: string })?.code }).toEqual({
          key,
          status: 404,
          code: 'not_found',
        });
      } else {
        await testCase.expect(response, fixtures);
      }
      ran += 1;
    }
    expect(ran).toBe(Object.keys(CASES).length);
    await ctx.idle();
    expect(await stateOfB()).toEqual(before);
    expect((await ctx.service.tenants.get(`hubspot:${PORTAL_B}`)).status).toBe('active');
  }, 120_000);
});
