import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import { SALES_ROLE_ID, SANDBOX_ADMIN_USER_ID } from '../sandbox/hubspot/users.ts';
import { USERS_API } from '../src/crm/hubspot/hubspot-users.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const ADMIN = SANDBOX_ADMIN_USER_ID;
const USER_LOOKUP = `GET ${USERS_API}/:id`;
const CRM_WRITE = /batch\/(create|update|upsert|archive|labels\/archive)$|\/merge$|^(PATCH|PUT|DELETE) /;

/*
 * SPEC §2.6: admin-only actions check the acting HubSpot user's role (read from HubSpot, cached), not just the
 * signature. Each admin route: a super admin succeeds; a plain user of the same portal gets 403 `admin_required`
 * after HubSpot was asked about them (the check ran) and nothing is written — store, queue or CRM.
 */
describe.each(STORES)('admin-only actions ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;
  let partnerId: string;
  let closedDeal: { id: string };
  let nextUser = 9_100_000;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl });
    partnerId = [...ctx.sandbox.portal.records('companies')].find((c) => c.properties.pl_is_partner === 'true')!.id;
    closedDeal = [...ctx.sandbox.portal.records('deals')].find(
      (d) =>
        d.properties.hs_is_closed === 'true' &&
        !ctx.sandbox.portal.associationsOf('deals', d.id, 'companies').has(partnerId),
    )!;
  }, 90_000);
  afterAll(async () => ctx?.close());

  /** A new plain user of the portal (a seller with a permission set, not a super admin): HubSpot must be asked. */
  function plainUser(): number {
    nextUser += 1;
    ctx.sandbox.portal.users.set(String(nextUser), {
      id: String(nextUser),
      email: `seller${nextUser}@demo-vendor.example`,
      firstName: 'Sam',
      lastName: 'Seller',
      superAdmin: false,
      roleIds: [SALES_ROLE_ID],
    });
    return nextUser;
  }

  const lookups = () => ctx.sandbox.stats().routes[USER_LOOKUP]?.calls ?? 0;
  const crmWrites = () =>
    Object.entries(ctx.sandbox.stats().routes)
      .filter(([route]) => CRM_WRITE.test(route))
      .reduce((sum, [, stats]) => sum + stats.calls, 0);
  const labels = () => {
    const types = ctx.sandbox.portal.associationTypesOf('deals', 'companies');
    const typeIds = ctx.sandbox.portal.associationsOf('deals', closedDeal.id, 'companies').get(partnerId) ?? [];
    return typeIds.map((typeId) => types.find((type) => type.typeId === typeId)?.label).filter(Boolean);
  };

  /** Everything an admin route may write: tenant settings and status, audit, endpoints, splits, queued jobs, CRM. */
  async function written() {
    const tenant = await ctx.service.tenants.get(ctx.tenantId);
    const counts = await sql<Record<string, unknown>>`
      select
        (select count(*)::int from audit_log where tenant_id = ${ctx.tenantId}) as audit,
        (select count(*)::int from partner_webhook_endpoints where tenant_id = ${ctx.tenantId}) as endpoints,
        (select count(*)::int from deal_partner_splits where tenant_id = ${ctx.tenantId}) as splits,
        (select count(*)::int from pgboss.job) as jobs`.execute(ctx.service.store.db);
    return {
      status: tenant.status,
      settings: tenant.settings,
      ...counts.rows[0],
      crmWrites: crmWrites(),
      labels: labels(),
    };
  }

  const cases = [
    {
      route: 'PUT /api/attribution/rules',
      send: (userId: number) => ctx.signedFetch('PUT', '/api/attribution/rules', { requireLossReason: false }, userId),
      applied: async () =>
        expect((await ctx.service.tenants.get(ctx.tenantId)).settings.attributionRules).toMatchObject({
          requireLossReason: false,
        }),
    },
    {
      route: 'PUT /api/dedupe/settings',
      send: (userId: number) => ctx.signedFetch('PUT', '/api/dedupe/settings', { matchThreshold: 0.93 }, userId),
      applied: async () =>
        expect((await ctx.signedFetch('GET', '/api/dedupe/settings')).body).toMatchObject({ matchThreshold: 0.93 }),
    },
    {
      route: 'PUT /api/scoring/config',
      send: (userId: number) =>
        ctx.signedFetch('PUT', '/api/scoring/config', { activity: { dormantAfterDays: 120 } }, userId),
      applied: async () =>
        expect((await ctx.signedFetch('GET', '/api/scoring/config')).body).toMatchObject({
          activity: { dormantAfterDays: 120 },
        }),
    },
    {
      route: 'POST /api/scoring/match-rules/preview (reads only, but shows every open deal: admin-only)',
      send: (userId: number) =>
        ctx.signedFetch(
          'POST',
          '/api/scoring/match-rules/preview',
          { rules: [{ action: 'exclude', partners: { tiers: ['strategic'] } }] },
          userId,
        ),
      applied: async () => {
        const preview = await ctx.signedFetch('POST', '/api/scoring/match-rules/preview', { rules: [] });
        expect(preview.body).toMatchObject({ tenantId: ctx.tenantId, changed: 0, changes: [] });
      },
    },
    {
      route: 'PUT /api/cosell/partners/:partnerId/webhook',
      send: (userId: number) =>
        ctx.signedFetch(
          'PUT',
          `/api/cosell/partners/${partnerId}/webhook`,
          { url: 'https://partner.example/hooks', secret: 'a-partner-secret-of-some-length' },
          userId,
        ),
      applied: async () =>
        expect((await ctx.signedFetch('GET', `/api/cosell/partners/${partnerId}/webhook`)).body).toMatchObject({
          url: 'https://partner.example/hooks',
        }),
    },
    {
      route: "POST /api/card/deals/:dealId/partners (override of a closed deal's attribution)",
      send: (userId: number) =>
        ctx.signedFetch(
          'POST',
          `/api/card/deals/${closedDeal.id}/partners`,
          { partnerId, role: 'referral', override: { reason: 'Referral paperwork arrived after close' } },
          userId,
        ),
      applied: async () => {
        expect(labels()).toContain('Referral');
        const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', closedDeal.id);
        expect(audit.at(-1)).toMatchObject({
          action: 'attribution.tag',
          actor: `user:${ADMIN}`,
          reason: 'Referral paperwork arrived after close',
        });
      },
    },
    {
      route: "DELETE /api/card/deals/:dealId/partners/:partnerId/:role (override of a closed deal's attribution)",
      send: (userId: number) =>
        ctx.signedFetch(
          'DELETE',
          `/api/card/deals/${closedDeal.id}/partners/${partnerId}/referral`,
          { override: { reason: 'Tagged on the wrong deal' } },
          userId,
        ),
      applied: async () => expect(labels()).not.toContain('Referral'),
    },
  ];

  it.each(cases)(
    'given $route, when a plain user sends it, then 403 admin_required after HubSpot was asked, and nothing is written; a super admin succeeds',
    async ({ send, applied }) => {
      await ctx.idle();
      const before = await written();
      const asked = lookups();

      const refused = await send(plainUser());
      expect(refused).toEqual({
        status: 403,
        body: {
          error: {
            code: 'admin_required',
            message: expect.stringContaining('super admin'),
            details: expect.any(Array),
          },
        },
      });
      // The route ran its role check: HubSpot was asked about this user, and answered "not an admin".
      expect(lookups()).toBe(asked + 1);
      expect(await written()).toEqual(before);

      const accepted = await send(ADMIN);
      expect(accepted.status).toBe(200);
      await applied();
      await ctx.idle();
    },
    60_000,
  );

  it('given a user the portal does not have, when an admin route is sent, then 403 and nothing is written', async () => {
    await ctx.idle();
    const before = await written();
    const response = await ctx.signedFetch('PUT', '/api/dedupe/settings', { matchThreshold: 0.5 }, 424242);
    expect(response.status).toBe(403);
    expect((response.body.error as { code: string }).code).toBe('admin_required');
    expect(await written()).toEqual(before);
  });

  it('given a plain user, when reading settings and working the card, then every read and ordinary action is open', async () => {
    const user = plainUser();
    for (const path of [
      '/api/attribution/rules',
      '/api/attribution/coverage',
      '/api/dedupe/settings',
      '/api/scoring/config',
      '/api/scoring/partners',
      '/api/cosell/queue',
      `/api/cosell/partners/${partnerId}/webhook`,
      '/api/settings/connection',
      `/api/card/deals/${closedDeal.id}`,
      '/api/card/partners?q=',
    ]) {
      expect({ path, status: (await ctx.signedFetch('GET', path, undefined, user)).status }).toEqual({
        path,
        status: 200,
      });
    }
    // Tagging an open deal needs no override, so no admin: the seller's everyday action.
    const open = [...ctx.sandbox.portal.records('deals')].find(
      (d) =>
        d.properties.hs_is_closed !== 'true' &&
        !ctx.sandbox.portal.associationsOf('deals', d.id, 'companies').has(partnerId),
    )!;
    const tagged = await ctx.signedFetch(
      'POST',
      `/api/card/deals/${open.id}/partners`,
      { partnerId, role: 'influenced' },
      user,
    );
    expect(tagged.status).toBe(200);
    expect((tagged.body as unknown as CardView).attribution.partners).toContainEqual(
      expect.objectContaining({ partnerId, role: 'influenced' }),
    );
    // A closed deal without an override stays frozen for everyone (409, not 403: there is nothing to authorize).
    const frozen = await ctx.signedFetch(
      'POST',
      `/api/card/deals/${closedDeal.id}/partners`,
      { partnerId, role: 'cosell' },
      user,
    );
    expect(frozen.status).toBe(409);
    await ctx.idle();
  }, 60_000);

  it('given POST /api/settings/disconnect, when a plain user sends it, then 403 and the tenant stays connected; a super admin disconnects it', async () => {
    await ctx.idle();
    const before = await written();
    const asked = lookups();
    const refused = await ctx.signedFetch('POST', '/api/settings/disconnect', undefined, plainUser());
    expect(refused.status).toBe(403);
    expect((refused.body.error as { code: string }).code).toBe('admin_required');
    expect(lookups()).toBe(asked + 1);
    expect(await written()).toEqual(before);
    expect(await ctx.service.tenants.credentials(ctx.tenantId)).toBeDefined();

    const accepted = await ctx.signedFetch('POST', '/api/settings/disconnect', undefined, ADMIN);
    expect(accepted).toEqual({ status: 200, body: { tenantId: ctx.tenantId, status: 'disconnected' } });
    expect((await ctx.service.tenants.get(ctx.tenantId)).disconnectReason).toBe(`disconnected by user:${ADMIN}`);
  }, 60_000);
});
