import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_ADMIN_USER_ID } from '../sandbox/hubspot/users.ts';
import { signV3 } from '../src/crm/hubspot/hubspot-signature.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually } from './support/test-stores.ts';

const PORTAL_B = 77_100_002;
/** A budget small enough to exhaust in a test, refilling too slowly (one token per 12 minutes) to refill during it. */
const BUDGET = { requests: 5, perSeconds: 3_600 };

/*
 * SPEC §7: a tenant over its request budget gets 429 with Retry-After; the others are unaffected. The budget is per
 * signed portal, spent only after the signature holds.
 */
describe('inbound throttling of the signed API', () => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({
      sandbox: { deals: 40, seed: 7, portals: [{ portalId: PORTAL_B, deals: 20, seed: 9 }] },
      apiBudget: BUDGET,
    });
    await ctx.installPortal(PORTAL_B);
  }, 90_000);
  afterAll(async () => ctx?.close());

  /** A signed GET that also returns the headers (`signedFetch` answers status and body only). */
  async function signedGet(path: string, portalId: number, signed = true) {
    const url = `${ctx.proxy.url}${path}?portalId=${portalId}&userId=${SANDBOX_ADMIN_USER_ID}`;
    const timestamp = Date.now();
    const secret = ctx.sandbox.app.clientSecret;
    const response = await fetch(url, {
      headers: signed
        ? {
            'x-hubspot-signature-v3': signV3({ secret, method: 'GET', uri: url, body: '', timestamp }),
            'x-hubspot-request-timestamp': String(timestamp),
          }
        : {},
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
  }

  it('given portal A over its budget, when A asks again while B asks at the same time, then A gets 429 with Retry-After and B is served', async () => {
    // Unsigned requests naming A spend nothing of A's budget: the budget is charged after the signature check.
    for (let i = 0; i < 8; i++)
      expect((await signedGet('/api/settings/connection', ctx.portalId, false)).status).toBe(401);

    for (let i = 0; i < BUDGET.requests; i++) {
      expect((await signedGet('/api/settings/connection', ctx.portalId)).status).toBe(200);
    }
    const [a, b] = await Promise.all([
      signedGet('/api/card/partners', ctx.portalId),
      signedGet('/api/settings/connection', PORTAL_B),
    ]);
    expect(a.status).toBe(429);
    expect(a.body).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringContaining('too many requests'),
        details: [expect.any(Object)],
      },
    });
    expect(a.retryAfter).toMatch(/^\d+$/);
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(a.retryAfter)).toBeLessThanOrEqual(BUDGET.perSeconds / BUDGET.requests);
    expect(b).toMatchObject({ status: 200, body: { tenantId: `hubspot:${PORTAL_B}`, status: 'active' } });

    // Every signed /api router shares the portal's budget; B keeps its own until it spends it.
    for (const path of ['/api/attribution/rules', '/api/cosell/queue', '/api/scoring/config', '/api/dedupe/settings']) {
      expect({ path, status: (await signedGet(path, ctx.portalId)).status }).toEqual({ path, status: 429 });
    }
    for (let i = 0; i < BUDGET.requests - 1; i++)
      expect((await signedGet('/api/attribution/rules', PORTAL_B)).status).toBe(200);
    expect((await signedGet('/api/attribution/rules', PORTAL_B)).status).toBe(429);
  });

  it('given portal A throttled on the API, when HubSpot delivers A’s webhooks, then they are still accepted', async () => {
    expect((await signedGet('/api/settings/connection', ctx.portalId)).status).toBe(429);
    const deal = [...ctx.sandbox.portal.records('deals')][0]!;
    ctx.sandbox.portal.update('deals', deal, { amount: '123456' }, ctx.sandbox.userActor());
    // The signed delivery was accepted and drained: the mirror holds the new amount.
    await eventually(
      async () => (await ctx.service.features!.mirror.findDeal(ctx.tenantId, deal.id))?.deal.amount === 123456,
    );
  }, 60_000);
});
