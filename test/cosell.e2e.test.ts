import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import { verifyPartnerWebhook } from '../src/cosell/motion-targets.ts';
import { signV3 } from '../src/crm/hubspot/hubspot-signature.ts';
import { COSELL_SWEEP_JOB } from '../sync/cosell/cosell-sweep.job.ts';
import { COSELL_NOTIFY_JOB } from '../sync/cosell/partner-notify.job.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const SECRET = 'whsec_e2e_partner_secret_0123456789';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  verified: boolean;
}

/** The partner's side: records every delivery and checks its `X-PartnerLoop-Signature` over the raw body. */
async function startPartnerReceiver(): Promise<{ url: string; requests: Received[]; close(): Promise<void> }> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const check = verifyPartnerWebhook({
        secrets: SECRET,
        headers: req.headers,
        body,
        nowSeconds: Date.now() / 1000,
      });
      requests.push({ headers: req.headers, body, verified: check.ok });
      res.writeHead(check.ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/partnerloop/events`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(STORES)('co-sell motions end to end ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;
  let receiver: Awaited<ReturnType<typeof startPartnerReceiver>>;
  let dealId: string;
  let partnerId: string;
  let motionId: string;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl });
    receiver = await startPartnerReceiver();
    const partners = [...ctx.sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true');
    partnerId = partners[0]!.id;
    // An open deal nothing marks as partner-involved yet: the motion alone must change that.
    const open = [...ctx.sandbox.portal.records('deals')].filter(
      (deal) =>
        !deal.archived &&
        deal.properties.hs_is_closed !== 'true' &&
        deal.properties.pl_attribution_status === 'not_partner_involved',
    );
    dealId = open[0]!.id;
  }, 90_000);
  afterAll(async () => {
    await receiver?.close();
    await ctx?.close();
  });

  const db = () => ctx.service.store.db;
  const sandboxDeal = (id: string) => [...ctx.sandbox.portal.records('deals')].find((deal) => deal.id === id)!;
  const batchUpdates = () => ctx.sandbox.stats().routes['POST /crm/objects/2026-03/deals/batch/update']?.calls ?? 0;
  const counts = async () => {
    const { rows } = await sql<Record<string, number>>`
      select (select count(*)::int from cosell_motions) as motions,
             (select count(*)::int from cosell_motion_events) as events,
             (select count(*)::int from outbound_deliveries) as deliveries,
             (select count(*)::int from partner_webhook_endpoints) as endpoints,
             (select count(*)::int from audit_log) as audit`.execute(db());
    return rows[0]!;
  };
  const motionRow = (id: string) =>
    db().selectFrom('cosell_motions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A signed `hubspot.fetch`-style call with a raw body (what `signedFetch` cannot send: malformed JSON). */
  async function signedRaw(method: string, path: string, raw: string) {
    const url = `${ctx.proxy.url}${path}?portalId=${ctx.portalId}&userId=1`;
    const timestamp = Date.now();
    const response = await fetch(url, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signV3({
          secret: ctx.sandbox.app.clientSecret,
          method,
          uri: url,
          body: raw,
          timestamp,
        }),
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('given a partner, when an admin configures its webhook, then the endpoint is stored with a sealed secret that is never returned', async () => {
    const put = await ctx.signedFetch('PUT', `/api/cosell/partners/${partnerId}/webhook`, {
      url: receiver.url,
      secret: SECRET,
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ partnerId, url: receiver.url, enabled: true, updatedAt: expect.any(String) });
    const get = await ctx.signedFetch('GET', `/api/cosell/partners/${partnerId}/webhook`);
    expect(get).toEqual({ status: 200, body: put.body });
    const row = await db()
      .selectFrom('partner_webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', ctx.tenantId)
      .executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(SECRET);
    expect(JSON.stringify(await ctx.service.audit.forSubject(ctx.tenantId, 'partner', partnerId))).not.toContain(
      SECRET,
    );
  });

  it('given a configured partner, when a seller starts co-sell from the deal, then the motion is persisted, pl_cosell_status is written and the partner is told exactly once', async () => {
    await ctx.idle();
    const started = await ctx.signedFetch(
      'POST',
      `/api/card/deals/${dealId}/cosell`,
      { partnerId, ask: 'Joint discovery call with the buyer’s data team.', slaDays: 5 },
      42,
    );
    expect(started.status).toBe(201);
    const view = started.body as unknown as CardView;
    expect(view.deal.id).toBe(dealId);
    // A co-sell motion makes the deal partner-involved (attribution rules' default), in the card and in the CRM.
    expect(view.attribution.status).not.toBe('not_partner_involved');
    expect(sandboxDeal(dealId).properties.pl_attribution_status).toBe(view.attribution.status);
    expect(view.motions).toHaveLength(1);
    const [motion] = view.motions;
    expect(motion).toMatchObject({
      state: 'requested',
      partnerId,
      programme: null,
      ownerId: 'user:42',
      aging: false,
      allowedTransitions: ['accepted', 'rejected', 'withdrawn'],
    });
    expect(motion!.history.map((entry) => [entry.from, entry.to, entry.actor])).toEqual([
      [null, 'draft', 'user:42'],
      ['draft', 'requested', 'user:42'],
    ]);
    motionId = motion!.id;

    const row = await motionRow(motionId);
    expect(row).toMatchObject({
      tenant_id: ctx.tenantId,
      deal_id: dealId,
      partner_id: partnerId,
      programme: null,
      ask: 'Joint discovery call with the buyer’s data team.',
      owner_id: 'user:42',
      state: 'requested',
      version: 2,
    });
    const slaDays = (new Date(row.sla_due_at).getTime() - new Date(row.created_at).getTime()) / 86_400_000;
    expect(slaDays).toBe(5);
    // Written to the CRM within the request, not at the next reconcile.
    expect(sandboxDeal(dealId).properties.pl_cosell_status).toBe('requested');

    await eventually(async () => receiver.requests.length >= 1);
    await ctx.idle();
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.verified).toBe(true);
    expect(String(request!.headers['x-partnerloop-signature'])).toMatch(/^v1=[0-9a-f]{64}$/);
    const deliveries = await ctx.service.features!.cosell.deliveries.forMotion(ctx.tenantId, motionId);
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual([['delivered', 1]]);
    expect(request!.headers['x-partnerloop-delivery']).toBe(deliveries[0]!.deliveryId);
    expect(JSON.parse(request!.body)).toMatchObject({
      id: deliveries[0]!.deliveryId,
      type: 'cosell.motion.requested',
      motion: { id: motionId, dealId, partnerId, state: 'requested', ownerId: 'user:42' },
      transition: { from: 'draft', to: 'requested' },
    });

    // The same click again: the open motion is replayed (200), nothing new is written or sent.
    const before = await counts();
    const replay = await ctx.signedFetch(
      'POST',
      `/api/card/deals/${dealId}/cosell`,
      { partnerId, ask: 'Joint discovery call with the buyer’s data team.', slaDays: 5 },
      42,
    );
    expect(replay.status).toBe(200);
    expect((replay.body as unknown as CardView).motions.map((m) => m.id)).toEqual([motionId]);
    expect(await counts()).toEqual(before);

    // The stranded-delivery sweep, a forced second run of the notify job and the hourly co-sell sweep send nothing.
    const cosell = ctx.service.features!.cosell;
    expect(await cosell.service.requeuePendingDeliveries(0, ctx.tenantId)).toBe(0);
    const { deliveryId } = deliveries[0]!;
    await ctx.service.queue.enqueue(
      COSELL_NOTIFY_JOB,
      { tenantId: ctx.tenantId, deliveryId },
      { key: `again:${deliveryId}` },
    );
    await ctx.service.queue.enqueue(
      COSELL_SWEEP_JOB,
      { tenantId: ctx.tenantId, periodKey: 'e2e-1' },
      { key: `${COSELL_SWEEP_JOB}:${ctx.tenantId}:e2e-1` },
    );
    await ctx.idle();
    expect(receiver.requests).toHaveLength(1);
    expect((await cosell.deliveries.forMotion(ctx.tenantId, motionId)).map((d) => d.attempts)).toEqual([1]);
  }, 60_000);

  it('given the requested motion, when the seller accepts it, then pl_cosell_status is accepted in the CRM and the partner hears once more', async () => {
    const accepted = await ctx.signedFetch(
      'POST',
      `/api/card/motions/${motionId}/transition`,
      { to: 'accepted', note: 'Partner confirmed on the call' },
      7,
    );
    expect(accepted.status).toBe(200);
    const [motion] = (accepted.body as unknown as CardView).motions;
    expect(motion).toMatchObject({ id: motionId, state: 'accepted', allowedTransitions: ['active', 'withdrawn'] });
    expect(motion!.history.at(-1)).toMatchObject({
      from: 'requested',
      to: 'accepted',
      actor: 'user:7',
      note: 'Partner confirmed on the call',
    });
    expect(await motionRow(motionId)).toMatchObject({ state: 'accepted', version: 3 });
    expect(sandboxDeal(dealId).properties.pl_cosell_status).toBe('accepted');

    await eventually(async () => receiver.requests.length >= 2);
    await ctx.idle();
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.every((request) => request.verified)).toBe(true);
    expect(JSON.parse(receiver.requests[1]!.body)).toMatchObject({
      type: 'cosell.motion.accepted',
      transition: { from: 'requested', to: 'accepted' },
    });
    const ids = receiver.requests.map((request) => request.headers['x-partnerloop-delivery']);
    expect(new Set(ids).size).toBe(2);

    // The operator's queue now shows it waiting for activation.
    const queue = await ctx.signedFetch('GET', '/api/cosell/queue');
    expect(queue.status).toBe(200);
    expect(queue.body.motions).toEqual([
      expect.objectContaining({
        motionId,
        dealId,
        partnerId,
        state: 'accepted',
        reason: 'awaiting_activation',
        aging: false,
        overdue: false,
      }),
    ]);
  }, 60_000);

  it('given the accepted motion, when a move the state machine does not declare is sent, then 409 illegal_transition and nothing changes', async () => {
    await ctx.idle();
    const before = await counts();
    const row = await motionRow(motionId);
    ctx.sandbox.resetStats();
    const refused = await ctx.signedFetch('POST', `/api/card/motions/${motionId}/transition`, { to: 'draft' });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: {
        code: 'illegal_transition',
        message: 'An accepted co-sell motion cannot move to draft; it can move to active or withdrawn.',
        details: [{ from: 'accepted', to: 'draft', allowed: ['active', 'withdrawn'] }],
      },
    });
    const won = await ctx.signedFetch('POST', `/api/cosell/motions/${motionId}/transition`, { to: 'won' });
    expect(won.status).toBe(409);
    expect((won.body.error as { code: string }).code).toBe('illegal_transition');
    await ctx.idle();
    expect(await counts()).toEqual(before);
    expect(await motionRow(motionId)).toEqual(row);
    expect(ctx.sandbox.stats().calls).toBe(0);
    expect(receiver.requests).toHaveLength(2);
    expect(sandboxDeal(dealId).properties.pl_cosell_status).toBe('accepted');
  });

  it('given a programme motion, when the seller withdraws it, then it is withdrawn, the deal keeps its most relevant status and no partner is told', async () => {
    const other = [...ctx.sandbox.portal.records('deals')].find(
      (deal) => !deal.archived && deal.properties.hs_is_closed !== 'true' && deal.id !== dealId,
    )!;
    const started = await ctx.signedFetch('POST', `/api/card/deals/${other.id}/cosell`, {
      programme: 'AWS ACE',
      ask: 'Register the opportunity with AWS.',
    });
    expect(started.status).toBe(201);
    const [motion] = (started.body as unknown as CardView).motions;
    expect(motion).toMatchObject({ programme: 'AWS ACE', partnerId: null, state: 'requested' });
    expect(other.properties.pl_cosell_status).toBe('requested');

    const withdrawn = await ctx.signedFetch('POST', `/api/card/motions/${motion!.id}/transition`, {
      to: 'withdrawn',
      note: 'Customer declined marketplace purchase',
    });
    expect(withdrawn.status).toBe(200);
    expect((withdrawn.body as unknown as CardView).motions[0]).toMatchObject({
      state: 'withdrawn',
      allowedTransitions: [],
    });
    expect(other.properties.pl_cosell_status).toBe('withdrawn');
    await ctx.idle();
    expect(receiver.requests).toHaveLength(2);
    expect(await ctx.service.features!.cosell.deliveries.forMotion(ctx.tenantId, motion!.id)).toEqual([]);
  }, 60_000);

  describe('bad input writes nothing', () => {
    const unknownMotion = '00000000-0000-4000-8000-000000000000';
    it.each([
      {
        case: 'malformed JSON when starting co-sell',
        send: () => signedRaw('POST', `/api/card/deals/${dealId}/cosell`, '{"partnerId": "1", "ask": '),
        status: 400,
        code: 'malformed_json',
      },
      {
        case: 'malformed JSON on a transition',
        send: () => signedRaw('POST', `/api/card/motions/${motionId}/transition`, '{to: accepted}'),
        status: 400,
        code: 'malformed_json',
      },
      {
        case: 'an unknown deal',
        send: () => ctx.signedFetch('POST', '/api/card/deals/999999999999/cosell', { partnerId, ask: 'Help' }),
        status: 404,
        code: 'not_found',
      },
      {
        case: 'a deal id that is not a HubSpot id',
        send: () => ctx.signedFetch('POST', '/api/card/deals/abc/cosell', { partnerId, ask: 'Help' }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'both a partner and a programme',
        send: () =>
          ctx.signedFetch('POST', `/api/card/deals/${dealId}/cosell`, { partnerId, programme: 'AWS ACE', ask: 'x' }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'neither a partner nor a programme',
        send: () => ctx.signedFetch('POST', `/api/card/deals/${dealId}/cosell`, { ask: 'Help' }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'an unknown field and a wrong type',
        send: () =>
          ctx.signedFetch('POST', `/api/card/deals/${dealId}/cosell`, { partnerId, ask: 'x', slaDays: 'soon', x: 1 }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'a partner that is not in the roster',
        send: () => ctx.signedFetch('POST', `/api/card/deals/${dealId}/cosell`, { partnerId: '1', ask: 'Help' }),
        status: 404,
        code: 'not_found',
      },
      {
        case: 'an unknown motion',
        send: () => ctx.signedFetch('POST', `/api/card/motions/${unknownMotion}/transition`, { to: 'accepted' }),
        status: 404,
        code: 'not_found',
      },
      {
        case: 'a motion id that is not one',
        send: () => ctx.signedFetch('POST', '/api/card/motions/not-a-motion/transition', { to: 'accepted' }),
        status: 404,
        code: 'not_found',
      },
      {
        case: 'a state that does not exist',
        send: () => ctx.signedFetch('POST', `/api/card/motions/${motionId}/transition`, { to: 'paused' }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'an unsigned start',
        send: async () => {
          const response = await fetch(`${ctx.proxy.url}/api/card/deals/${dealId}/cosell?portalId=${ctx.portalId}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ partnerId, ask: 'Help' }),
          });
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        },
        status: 401,
        code: 'invalid_signature',
      },
      {
        case: 'a webhook URL that is not https',
        send: () =>
          ctx.signedFetch('PUT', `/api/cosell/partners/${partnerId}/webhook`, {
            url: 'http://partner.example/hooks',
            secret: SECRET,
          }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'a webhook without a URL',
        send: () => ctx.signedFetch('PUT', `/api/cosell/partners/${partnerId}/webhook`, { secret: SECRET }),
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'a new webhook without a secret',
        send: async () => {
          const partners = [...ctx.sandbox.portal.records('companies')].filter(
            (c) => c.properties.pl_is_partner === 'true' && c.id !== partnerId,
          );
          return ctx.signedFetch('PUT', `/api/cosell/partners/${partners[0]!.id}/webhook`, {
            url: 'https://partner.example/hooks',
          });
        },
        status: 400,
        code: 'invalid_input',
      },
      {
        case: 'reading the webhook of a partner without one',
        send: async () => {
          const partners = [...ctx.sandbox.portal.records('companies')].filter(
            (c) => c.properties.pl_is_partner === 'true' && c.id !== partnerId,
          );
          return ctx.signedFetch('GET', `/api/cosell/partners/${partners[0]!.id}/webhook`);
        },
        status: 404,
        code: 'not_found',
      },
      {
        case: 'a webhook for a company that is not a partner',
        send: () =>
          ctx.signedFetch('PUT', '/api/cosell/partners/1/webhook', {
            url: 'https://partner.example/x',
            secret: SECRET,
          }),
        status: 404,
        code: 'not_found',
      },
    ])('given $case, then $status $code with the envelope', async ({ send, status, code }) => {
      await ctx.idle();
      const before = await counts();
      const row = await motionRow(motionId);
      ctx.sandbox.resetStats();
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.body).toEqual({
        error: { code, message: expect.any(String), details: expect.any(Array) },
      });
      await ctx.idle();
      expect(await counts()).toEqual(before);
      expect(await motionRow(motionId)).toEqual(row);
      expect(ctx.sandbox.stats().calls).toBe(0);
      expect(batchUpdates()).toBe(0);
    });
  });
  it('given the accepted motion past its SLA, when the hourly co-sell sweep runs, then pl_cosell_status carries the aging flag and the queue shows it overdue', async () => {
    await ctx.idle();
    // Time travel in the store: the motion was created 10 days ago with a 5-day SLA.
    const day = 86_400_000;
    await sql`
      update cosell_motions
      set created_at = ${new Date(Date.now() - 10 * day)}, sla_due_at = ${new Date(Date.now() - 5 * day)}
      where id = ${motionId}`.execute(db());
    ctx.sandbox.resetStats();
    await ctx.service.queue.enqueue(
      COSELL_SWEEP_JOB,
      { tenantId: ctx.tenantId, periodKey: 'e2e-2' },
      { key: `${COSELL_SWEEP_JOB}:${ctx.tenantId}:e2e-2` },
    );
    await eventually(async () => sandboxDeal(dealId).properties.pl_cosell_status === 'accepted_aging');
    await ctx.idle();
    // One batch update, for the one deal whose flag flipped (the withdrawn motion's deal has no open motion to age).
    expect(batchUpdates()).toBe(1);
    const queue = await ctx.signedFetch('GET', '/api/cosell/queue');
    expect(queue.body.motions).toEqual([
      expect.objectContaining({ motionId, state: 'accepted', aging: true, overdue: true, hoursToSla: -120 }),
    ]);
    const card = await ctx.signedFetch('GET', `/api/card/deals/${dealId}`);
    expect((card.body as unknown as CardView).motions[0]).toMatchObject({ id: motionId, aging: true });
    expect(receiver.requests).toHaveLength(2);
  }, 60_000);
});
