import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, IllegalTransitionError, InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import { STORE_KINDS } from '../../test/support/test-stores.ts';
import { httpStatusOf } from '../platform/http/error-envelope.ts';
import { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Store } from '../platform/store/database.ts';
import { countRows, seedDeals, seedPartners, seedTenant, testCipher } from './cosell.fixtures.ts';
import { partnerEndpointRequest, startMotionRequest, transitionMotionRequest } from './cosell-requests.ts';
import { CoSellMotionsRepository, MOTION_SUBJECT, type MotionActor } from './motions.repo.ts';
import { OutboundDeliveriesRepository } from './outbound-deliveries.repo.ts';
import { PartnerEndpointsRepository } from './partner-endpoints.repo.ts';

const NOW = new Date('2026-03-03T09:30:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const SECRET = 'whsec_partner_secret_for_tests';
const seller = { actor: 'Dana Seller', ownerId: 'u-77', now: NOW };

describe.each(STORE_KINDS)('co-sell motions on $name', (kind) => {
  let store: Store;
  let motions: CoSellMotionsRepository;
  let endpoints: PartnerEndpointsRepository;
  let deliveries: OutboundDeliveriesRepository;
  let audit: AuditLogRepository;
  let tenant: string;
  let other: string;

  // Requests are validated at the edge (cosell-requests.ts, as CoSellService and the operator route do): the
  // repository is driven with what the edge hands it.
  const startMotion = async (tenantId: string, dealId: string, body: unknown, who: typeof seller) =>
    motions.start(tenantId, dealId, startMotionRequest(body), who);
  const transitionMotion = async (tenantId: string, motionId: string, body: unknown, who: MotionActor) =>
    motions.transition(tenantId, motionId, transitionMotionRequest(body), who);
  const setEndpoint = async (tenantId: string, partnerId: string, body: unknown, actor: string) =>
    endpoints.set(tenantId, partnerId, partnerEndpointRequest(body), actor);

  beforeAll(async () => {
    store = await kind.open();
    let sequence = 0;
    // Sequential ids make the queue's last tie-break (the id) predictable.
    const newId = () => `00000000-0000-4000-8000-${(++sequence).toString(16).padStart(12, '0')}`;
    motions = new CoSellMotionsRepository(store.db, { newId });
    endpoints = new PartnerEndpointsRepository(store.db, testCipher());
    deliveries = new OutboundDeliveriesRepository(store.db);
    audit = new AuditLogRepository(store.db);
    tenant = await seedTenant(store, '5001');
    other = await seedTenant(store, '5002');
    await seedDeals(store, tenant, [
      { id: 'd-open', name: 'Globex data platform', amount: 50_000 },
      { id: 'd-big', name: 'Initech expansion', amount: 250_000 },
      { id: 'd-small', name: 'Hooli pilot', amount: 5_000 },
      { id: 'd-dup', amount: 1 },
      { id: 'd-race', amount: 1 },
      { id: 'd-race2', amount: 1 },
      { id: 'd-hook', amount: 1 },
      { id: 'd-closed', amount: 80_000, isClosed: true },
    ]);
    await seedDeals(store, other, [{ id: 'd-theirs', amount: 1 }]);
    await seedPartners(store, tenant, {
      'p-acme': 'Acme Cloud Partners',
      'p-beta': 'Beta Integrators',
      'p-hook': 'Hooked Partners',
    });
    await seedPartners(store, other, { 'p-acme': 'Their Acme' });
    await setEndpoint(tenant, 'p-hook', { url: 'https://hooks.example/partnerloop', secret: SECRET }, 'admin:1');
  });
  afterAll(async () => {
    await store?.close();
  });

  describe('start', () => {
    it.each([
      { case: 'no body', body: null, message: /invalid co-sell request/ },
      { case: 'no target', body: { ask: 'Help' }, message: /^Choose a partner or name a programme\.$/ },
      {
        case: 'both a partner and a programme',
        body: { partnerId: 'p-acme', programme: 'AWS ACE', ask: 'Help' },
        message: /not both/,
      },
      { case: 'a blank ask', body: { partnerId: 'p-acme', ask: '   ' }, message: /ask: Describe what you are asking/ },
      { case: 'an ask of 2001 characters', body: { partnerId: 'p-acme', ask: 'x'.repeat(2001) }, message: /ask/ },
      { case: 'an SLA of 0 days', body: { partnerId: 'p-acme', ask: 'Help', slaDays: 0 }, message: /slaDays/ },
      { case: 'an SLA of 91 days', body: { partnerId: 'p-acme', ask: 'Help', slaDays: 91 }, message: /slaDays/ },
      { case: 'an SLA of 2.5 days', body: { partnerId: 'p-acme', ask: 'Help', slaDays: 2.5 }, message: /slaDays/ },
      { case: 'an unknown field', body: { partnerId: 'p-acme', ask: 'Help', tenantId: 'x' }, message: /invalid/ },
      { case: 'a numeric partner id', body: { partnerId: 42, ask: 'Help' }, message: /partnerId/ },
    ])('given $case, when started, then it is a 400 and nothing is written', async ({ body, message }) => {
      const before = await countRows(store, 'cosell_motions');
      const attempt = startMotion(tenant, 'd-open', body, seller);
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toThrow(message);
      expect(await countRows(store, 'cosell_motions')).toBe(before);
    });

    it.each([
      { case: 'an unknown deal', dealId: 'd-nope', body: { partnerId: 'p-acme', ask: 'Help' }, error: NotFoundError },
      {
        case: "another tenant's deal",
        dealId: 'd-theirs',
        body: { partnerId: 'p-acme', ask: 'Help' },
        error: NotFoundError,
      },
      {
        case: 'an unknown partner',
        dealId: 'd-open',
        body: { partnerId: 'p-nope', ask: 'Help' },
        error: NotFoundError,
      },
      { case: 'a closed deal', dealId: 'd-closed', body: { partnerId: 'p-acme', ask: 'Help' }, error: ConflictError },
    ])('given $case, when started, then it is refused and nothing is written', async ({ dealId, body, error }) => {
      const before = await countRows(store, 'cosell_motions');
      await expect(startMotion(tenant, dealId, body, seller)).rejects.toBeInstanceOf(error);
      expect(await countRows(store, 'cosell_motions')).toBe(before);
    });

    it('given a partner and an ask, when started, then it is requested with a two-step history, the SLA and an audit entry', async () => {
      const {
        motion,
        created,
        deliveries: sent,
      } = await startMotion(
        tenant,
        'd-open',
        { partnerId: 'p-acme', ask: '  Joint discovery call  ', slaDays: 5 },
        seller,
      );
      expect(created).toBe(true);
      expect(sent).toEqual([]); // p-acme has no webhook endpoint
      expect(motion).toMatchObject({
        tenantId: tenant,
        dealId: 'd-open',
        partnerId: 'p-acme',
        programme: null,
        ask: 'Joint discovery call',
        ownerId: 'u-77',
        state: 'requested',
        version: 2,
        slaDueAt: new Date(NOW.getTime() + 5 * DAY),
        createdAt: NOW,
        updatedAt: NOW,
      });
      expect(motion.history).toEqual([
        { at: NOW, from: null, to: 'draft', actor: 'Dana Seller', note: null },
        { at: NOW, from: 'draft', to: 'requested', actor: 'Dana Seller', note: null },
      ]);
      expect(await motions.get(tenant, motion.id)).toEqual(motion);
      const entries = await audit.forSubject(tenant, MOTION_SUBJECT, motion.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: 'Dana Seller',
        action: 'cosell.motion.start',
        after: { dealId: 'd-open', partnerId: 'p-acme', state: 'requested', version: 2 },
      });
    });

    it('given a programme without an SLA, when started as a draft, then it is a draft due in the default 7 days', async () => {
      const { motion } = await startMotion(
        tenant,
        'd-open',
        { programme: 'AWS ACE', ask: 'Register in ACE', asDraft: true },
        seller,
      );
      expect(motion).toMatchObject({ state: 'draft', version: 1, partnerId: null, programme: 'AWS ACE' });
      expect(motion.slaDueAt).toEqual(new Date(NOW.getTime() + 7 * DAY));
      expect(motion.history).toHaveLength(1);
    });

    it('given an open motion, when the same start is sent again, then it is replayed; a different ask is a 409', async () => {
      const body = { partnerId: 'p-beta', ask: 'Intro to the CFO' };
      const first = await startMotion(tenant, 'd-dup', body, seller);
      const rows = await countRows(store, 'cosell_motion_events');
      const again = await startMotion(tenant, 'd-dup', body, seller);
      expect(again).toEqual({ motion: first.motion, created: false, deliveries: [] });
      expect(await countRows(store, 'cosell_motion_events')).toBe(rows);
      await expect(
        startMotion(tenant, 'd-dup', { partnerId: 'p-beta', ask: 'Something else' }, seller),
      ).rejects.toThrow(/already has an open co-sell motion with this partner/);

      await transitionMotion(tenant, first.motion.id, { to: 'withdrawn' }, seller);
      const fresh = await startMotion(tenant, 'd-dup', { partnerId: 'p-beta', ask: 'Something else' }, seller);
      expect(fresh.created).toBe(true);
      expect(fresh.motion.id).not.toBe(first.motion.id);
    });

    it('given two identical starts at once, when both commit, then one motion exists and both answer with it', async () => {
      const body = { partnerId: 'p-acme', ask: 'Race me' };
      const [a, b] = await Promise.all([
        startMotion(tenant, 'd-race', body, seller),
        startMotion(tenant, 'd-race', body, seller),
      ]);
      expect(a.motion.id).toBe(b.motion.id);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(await motions.listForDeal(tenant, 'd-race')).toHaveLength(1);
    });
  });

  describe('transition', () => {
    it('given a requested motion, when accepted with a note, then state, version, history and audit move together', async () => {
      const { motion } = await startMotion(tenant, 'd-open', { partnerId: 'p-beta', ask: 'Co-pitch' }, seller);
      const later = new Date(NOW.getTime() + DAY);
      const { motion: accepted } = await transitionMotion(
        tenant,
        motion.id,
        { to: 'accepted', note: ' Partner said yes on the call ' },
        { actor: 'Beta Integrators', now: later },
      );
      expect(accepted).toMatchObject({ state: 'accepted', version: 3, updatedAt: later });
      expect(accepted.history.at(-1)).toEqual({
        at: later,
        from: 'requested',
        to: 'accepted',
        actor: 'Beta Integrators',
        note: 'Partner said yes on the call',
      });
      expect(await motions.get(tenant, motion.id)).toEqual(accepted);
      const entries = await audit.forSubject(tenant, MOTION_SUBJECT, motion.id);
      expect(entries.at(-1)).toMatchObject({
        actor: 'Beta Integrators',
        action: 'cosell.motion.transition',
        before: { state: 'requested', version: 2 },
        after: { state: 'accepted', version: 3 },
        reason: 'Partner said yes on the call',
      });
    });

    it('given a requested motion, when marked won, then it is a 409 illegal_transition and nothing is written', async () => {
      const { motion } = await startMotion(tenant, 'd-small', { partnerId: 'p-acme', ask: 'Help' }, seller);
      const counts = [await countRows(store, 'cosell_motion_events'), await countRows(store, 'audit_log')];
      const attempt = transitionMotion(tenant, motion.id, { to: 'won' }, seller);
      await expect(attempt).rejects.toBeInstanceOf(IllegalTransitionError);
      await expect(attempt).rejects.toMatchObject({
        code: 'illegal_transition',
        message: 'A requested co-sell motion cannot move to won; it can move to accepted, rejected or withdrawn.',
      });
      expect(httpStatusOf(await attempt.catch((e: unknown) => e))).toBe(409);
      expect(await motions.get(tenant, motion.id)).toEqual(motion);
      expect([await countRows(store, 'cosell_motion_events'), await countRows(store, 'audit_log')]).toEqual(counts);
    });

    it.each([
      { case: 'an unknown state', body: { to: 'paused' } },
      { case: 'a note over 2000 characters', body: { to: 'accepted', note: 'x'.repeat(2001) } },
      { case: 'an unknown field', body: { to: 'accepted', by: 'me' } },
    ])('given $case, when transitioned, then it is a 400', async ({ body }) => {
      const [motion] = await motions.listForDeal(tenant, 'd-small');
      await expect(transitionMotion(tenant, motion?.id ?? '', body, seller)).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('given a stale expected version, when transitioned, then it is a 409 conflict and nothing changes', async () => {
      const [motion] = await motions.listForDeal(tenant, 'd-small');
      if (!motion) throw new Error('fixture missing');
      const attempt = transitionMotion(tenant, motion.id, { to: 'accepted', expectedVersion: 1 }, seller);
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      await expect(attempt).rejects.toMatchObject({ code: 'conflict' });
      expect(httpStatusOf(await attempt.catch((e: unknown) => e))).toBe(409);
      expect((await motions.get(tenant, motion.id)).version).toBe(motion.version);
      const { motion: moved } = await transitionMotion(
        tenant,
        motion.id,
        { to: 'accepted', expectedVersion: motion.version },
        seller,
      );
      expect(moved.version).toBe(motion.version + 1);
    });

    it('given two different transitions at once, when both run, then exactly one wins and the other is a 409', async () => {
      const { motion } = await startMotion(tenant, 'd-race2', { partnerId: 'p-beta', ask: 'Race' }, seller);
      const results = await Promise.allSettled([
        transitionMotion(tenant, motion.id, { to: 'accepted' }, { actor: 'a', now: NOW }),
        transitionMotion(tenant, motion.id, { to: 'rejected' }, { actor: 'b', now: NOW }),
      ]);
      const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(httpStatusOf(lost[0])).toBe(409);
      const stored = await motions.get(tenant, motion.id);
      expect(stored).toEqual(won[0]?.motion);
      expect(stored).toMatchObject({ version: 3 });
      expect(stored.history).toHaveLength(3);
      // Leave nothing open behind for the queue below.
      if (stored.state === 'accepted') await transitionMotion(tenant, motion.id, { to: 'withdrawn' }, seller);
    });

    it("given another tenant's motion or a malformed id, when read or moved, then it is a 404", async () => {
      const [motion] = await motions.listForDeal(tenant, 'd-open');
      if (!motion) throw new Error('fixture missing');
      await expect(motions.get(other, motion.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(transitionMotion(other, motion.id, { to: 'withdrawn' }, seller)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(motions.get(tenant, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);
      expect(await motions.find(tenant, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect((await motions.get(tenant, motion.id)).state).toBe(motion.state);
    });
  });

  describe('reads', () => {
    it('given several motions on a deal, when listed, then newest first with each history', async () => {
      const list = await motions.listForDeal(tenant, 'd-open');
      expect(list.map((motion) => [motion.partnerId ?? motion.programme, motion.state])).toEqual([
        ['p-beta', 'accepted'],
        ['AWS ACE', 'draft'],
        ['p-acme', 'requested'],
      ]);
      expect(list.map((motion) => motion.history.length)).toEqual([3, 1, 2]);
    });

    it('given open motions, when the queue is read at a fixed time, then it is ordered by urgency then deal value', async () => {
      await startMotion(tenant, 'd-big', { partnerId: 'p-acme', ask: 'Big ask' }, seller);
      const now = new Date(NOW.getTime() + 4.5 * DAY);
      const queue = await motions.queue(tenant, now);
      expect(
        queue.map((entry) => [
          entry.dealName,
          entry.partnerName ?? entry.motion.programme,
          entry.reason,
          entry.timing.aging,
        ]),
      ).toEqual([
        // due in 12 h (5-day SLA): aging (90% gone)
        ['Globex data platform', 'Acme Cloud Partners', 'awaiting_partner_answer', true],
        // the rest are due in 2.5 days, one step: larger deal first, then the older id
        ['Initech expansion', 'Acme Cloud Partners', 'awaiting_partner_answer', false],
        ['Globex data platform', 'AWS ACE', 'draft_not_requested', false],
        ['Globex data platform', 'Beta Integrators', 'awaiting_activation', false],
        ['Hooli pilot', 'Acme Cloud Partners', 'awaiting_activation', false],
        ['Deal d-dup', 'Beta Integrators', 'awaiting_partner_answer', false],
        ['Deal d-race', 'Acme Cloud Partners', 'awaiting_partner_answer', false],
      ]);
      expect(queue[1]?.dealAmount).toBe(250_000);
      const otherQueue = await motions.queue(other, now);
      expect(otherQueue).toEqual([]);
    });

    it('given motions on several deals, when statuses are read, then each deal gets its most relevant state', async () => {
      const all = await motions.statusesForDeals(tenant, 'all', NOW);
      expect(Object.fromEntries(all)).toEqual({
        'd-open': 'accepted',
        'd-big': 'requested',
        'd-race2': expect.stringMatching(/^(withdrawn|rejected)$/),
        'd-small': 'accepted',
        'd-dup': 'requested',
        'd-race': 'requested',
      });
      const some = await motions.statusesForDeals(tenant, ['d-open', 'd-closed', 'd-nope'], NOW);
      expect(Object.fromEntries(some)).toEqual({ 'd-open': 'accepted' });
      expect((await motions.statusesForDeals(other, 'all', NOW)).size).toBe(0);
    });

    it('given the same motions a month later, when statuses are read, then open ones carry the aging flag', async () => {
      const later = await motions.statusesForDeals(tenant, 'all', new Date(NOW.getTime() + 30 * DAY));
      expect(Object.fromEntries(later)).toEqual({
        'd-open': 'accepted_aging',
        'd-big': 'requested_aging',
        'd-race2': expect.stringMatching(/^(withdrawn|rejected)$/),
        'd-small': 'accepted_aging',
        'd-dup': 'requested_aging',
        'd-race': 'requested_aging',
      });
    });

    it('given motions, then the deals with any motion and the deals with an open one are known', async () => {
      expect([...(await motions.dealsWithMotions(tenant, ['d-open', 'd-race2', 'd-closed', 'd-open']))].sort()).toEqual(
        ['d-open', 'd-race2'],
      );
      expect(await motions.dealsWithOpenMotions(tenant)).toEqual(['d-big', 'd-dup', 'd-open', 'd-race', 'd-small']);
      expect((await motions.dealsWithMotions(other, ['d-open'])).size).toBe(0);
      expect(await motions.dealsWithOpenMotions(other)).toEqual([]);
    });
  });

  describe('partner endpoints and the outbox', () => {
    it('given a configured endpoint, then the row holds only ciphertext bound to the tenant and reads back decrypted', async () => {
      const raw = await store.db
        .selectFrom('partner_webhook_endpoints')
        .selectAll()
        .where('tenant_id', '=', tenant)
        .where('partner_id', '=', 'p-hook')
        .executeTakeFirstOrThrow();
      expect(raw.secret).toMatch(/^v1\./);
      expect(raw.secret).not.toContain(SECRET);
      expect(await endpoints.get(tenant, 'p-hook')).toEqual({
        partnerId: 'p-hook',
        url: 'https://hooks.example/partnerloop',
        secret: SECRET,
        enabled: true,
      });
      await store.db
        .insertInto('partner_webhook_endpoints')
        .values({ ...raw, tenant_id: other })
        .execute();
      await expect(endpoints.get(other, 'p-hook')).rejects.toThrow();
      const trail = await audit.forSubject(tenant, 'partner', 'p-hook');
      expect(JSON.stringify(trail)).not.toContain(SECRET);
      expect(trail[0]).toMatchObject({ action: 'cosell.partner_endpoint.set', after: { secretChanged: true } });
    });

    it('given an endpoint update without a secret, then the URL changes and the secret is kept', async () => {
      await setEndpoint(tenant, 'p-hook', { url: 'https://hooks.example/v2' }, 'admin:1');
      expect(await endpoints.get(tenant, 'p-hook')).toMatchObject({ url: 'https://hooks.example/v2', secret: SECRET });
      expect((await endpoints.list(tenant)).map((view) => Object.keys(view).sort())).toEqual([
        ['enabled', 'partnerId', 'updatedAt', 'url'],
      ]);
    });

    it.each([
      { case: 'a new endpoint without a secret', partnerId: 'p-acme', body: { url: 'https://a.example' } },
      { case: 'a short secret', partnerId: 'p-acme', body: { url: 'https://a.example', secret: 'short' } },
      { case: 'plain http to a remote host', partnerId: 'p-acme', body: { url: 'http://a.example', secret: SECRET } },
      { case: 'credentials in the URL', partnerId: 'p-acme', body: { url: 'https://u:p@a.example', secret: SECRET } },
      { case: 'not a URL', partnerId: 'p-acme', body: { url: 'hooks', secret: SECRET } },
    ])('given $case, then it is a 400 and nothing is stored', async ({ partnerId, body }) => {
      await expect(setEndpoint(tenant, partnerId, body, 'admin:1')).rejects.toBeInstanceOf(InvalidInputError);
      expect(await endpoints.get(tenant, partnerId)).toBeUndefined();
    });

    it('given a partner with an endpoint, when a motion starts, then exactly one pending delivery is written with it', async () => {
      const { motion, deliveries: refs } = await startMotion(
        tenant,
        'd-hook',
        { partnerId: 'p-hook', ask: 'Joint webinar' },
        seller,
      );
      expect(refs).toEqual([{ tenantId: tenant, deliveryId: expect.any(String), target: 'partner_webhook' }]);
      const [delivery] = await deliveries.forMotion(tenant, motion.id);
      expect(delivery).toMatchObject({
        deliveryId: refs[0]?.deliveryId,
        status: 'pending',
        attempts: 0,
        target: 'partner_webhook',
        payload: {
          motion: { id: motion.id, state: 'requested', partnerId: 'p-hook', ask: 'Joint webinar' },
          event: { deliveryId: refs[0]?.deliveryId, type: 'cosell.motion.requested', from: 'draft', to: 'requested' },
        },
      });
      const { deliveries: more } = await transitionMotion(tenant, motion.id, { to: 'accepted' }, seller);
      expect(more).toHaveLength(1);
      expect((await deliveries.forMotion(tenant, motion.id)).map((d) => d.payload.event.type)).toEqual([
        'cosell.motion.requested',
        'cosell.motion.accepted',
      ]);
    });

    it('given a draft for a partner with an endpoint, when withdrawn unsent, then the partner is never told', async () => {
      const [open] = await motions.listForDeal(tenant, 'd-hook');
      if (!open) throw new Error('fixture missing');
      await transitionMotion(tenant, open.id, { to: 'withdrawn' }, seller);
      const { motion, deliveries: refs } = await startMotion(
        tenant,
        'd-hook',
        { partnerId: 'p-hook', ask: 'Maybe later', asDraft: true },
        seller,
      );
      expect(refs).toEqual([]);
      const { deliveries: none } = await transitionMotion(tenant, motion.id, { to: 'withdrawn' }, seller);
      expect(none).toEqual([]);
      expect(await deliveries.forMotion(tenant, motion.id)).toEqual([]);
    });

    it('given a disabled endpoint, when a motion changes, then no delivery is written', async () => {
      await setEndpoint(tenant, 'p-hook', { url: 'https://hooks.example/v2', enabled: false }, 'admin:1');
      const { motion, deliveries: refs } = await startMotion(
        tenant,
        'd-small',
        { partnerId: 'p-hook', ask: 'Quiet' },
        seller,
      );
      expect(refs).toEqual([]);
      expect(await deliveries.forMotion(tenant, motion.id)).toEqual([]);
    });
  });
});
