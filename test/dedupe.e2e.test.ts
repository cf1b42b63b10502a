import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';
import { inboxWatermark, waitForDrained } from './support/webhook-drain.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

type Props = Record<string, string | null>;

describe.each(STORES)('duplicate deals flagged in the CRM ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl, sandbox: { deals: 600, seed: 3, portalId: 62_000_001 } });
  }, 120_000);
  afterAll(async () => ctx?.close());

  const deal = (id: string) => ctx.sandbox.portal.resolve('deals', id) as { id: string; properties: Props };
  const flagged = () =>
    [...ctx.sandbox.portal.records('deals')].filter((d) =>
      ['suspected', 'confirmed'].includes(d.properties.pl_dedupe_status ?? ''),
    );
  const routeCalls = (route: string) => ctx.sandbox.stats().routes[route]?.calls ?? 0;
  const decisions = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from dedupe_decisions`.execute(ctx.service.store.db)).rows[0]!
      .n;

  /** A unique open deal with one company, and a seller's re-entry of it (same name, amount, dates, company). */
  const reenterUniqueDeal = () => {
    const portal = ctx.sandbox.portal;
    const original = [...portal.records('deals')].find(
      (d) =>
        d.properties.pl_dedupe_status === 'unique' &&
        d.properties.hs_is_closed !== 'true' &&
        Number(d.properties.amount ?? 0) > 0 &&
        portal.associationsOf('deals', d.id, 'companies').size === 1,
    )!;
    const [companyId, typeIds] = [...portal.associationsOf('deals', original.id, 'companies')][0]!;
    const copy = portal.create(
      'deals',
      {
        dealname: original.properties.dealname,
        amount: original.properties.amount,
        closedate: original.properties.closedate,
        dealstage: original.properties.dealstage,
        pipeline: original.properties.pipeline,
        dealtype: original.properties.dealtype,
        hubspot_owner_id: original.properties.hubspot_owner_id,
      },
      ctx.sandbox.userActor(),
    );
    portal.associate('deals', copy.id, 'companies', companyId, typeIds, ctx.sandbox.userActor());
    return { original, copy };
  };

  it('given the demo portal, when the first reconcile ran, then its seeded duplicates are flagged and its look-alikes are not', async () => {
    const truth = ctx.sandbox.demo!.truth;
    expect(truth.duplicates.length).toBeGreaterThan(5);
    const all = [...ctx.sandbox.portal.records('deals')];
    expect(all.every((d) => (d.properties.pl_dedupe_status ?? '') !== '')).toBe(true);

    // Recall: seeded clusters whose copies point at a member of their own cluster.
    const caught = truth.duplicates.filter(({ ids }) =>
      ids.some((id) => ids.includes(deal(id).properties.pl_duplicate_of ?? '')),
    );
    // Precision: every flagged deal belongs to a seeded cluster.
    const seeded = new Set(truth.duplicates.flatMap((cluster) => cluster.ids));
    const wrong = flagged().filter((d) => !seeded.has(d.id));
    console.log(
      `dedupe e2e: ${caught.length}/${truth.duplicates.length} seeded clusters flagged, ${wrong.length}/${flagged().length} flagged deals outside them`,
    );
    expect(caught.length / truth.duplicates.length).toBeGreaterThanOrEqual(0.9);
    expect(wrong.length).toBeLessThanOrEqual(Math.ceil(flagged().length * 0.02));
    for (const { ids } of truth.hardNegatives) {
      const [a, b] = ids.map(deal);
      expect(a!.properties.pl_duplicate_of === b!.id || b!.properties.pl_duplicate_of === a!.id).toBe(false);
    }
    // Merging is opt-in: nothing was merged.
    expect(routeCalls('POST /crm/objects/2026-03/deals/merge')).toBe(0);
    const settings = await ctx.signedFetch('GET', '/api/dedupe/settings');
    expect(settings.body).toMatchObject({ merge: { enabled: false, minConfidence: 0.99 } });
  });

  it('given a flagged pair, when the seller says "not a duplicate", then both are written at once, audit-logged, and the next reconcile keeps it', async () => {
    await ctx.idle();
    const pair = flagged().find((d) => {
      const survivor = d.properties.pl_duplicate_of ?? '';
      if (!survivor) return false;
      // A cluster of exactly two: the survivor names no other member.
      return flagged().filter((o) => o.properties.pl_duplicate_of === survivor).length === 1;
    })!;
    const survivorId = pair.properties.pl_duplicate_of!;
    const card = await ctx.signedFetch('GET', `/api/card/deals/${pair.id}`);
    expect(card.body.dedupe).toMatchObject({
      status: expect.stringMatching(/suspected|confirmed/),
      duplicates: [
        {
          otherDealId: survivorId,
          otherDealName: deal(survivorId).properties.dealname,
          kind: expect.stringMatching(/duplicate|registration_conflict/),
          confidence: expect.any(Number),
          reasons: expect.arrayContaining([expect.any(String)]),
          url: `https://app.hubspot.com/contacts/${ctx.portalId}/record/0-3/${survivorId}`,
        },
      ],
    });

    const decided = await ctx.signedFetch(
      'POST',
      `/api/card/deals/${pair.id}/not-duplicate`,
      { otherDealId: survivorId },
      77,
    );
    expect(decided.status).toBe(200);
    expect(decided.body.dedupe).toEqual({ status: 'not_duplicate', duplicates: [] });
    for (const id of [pair.id, survivorId]) {
      // An empty string clears a HubSpot property: it reads back as unset.
      const { pl_dedupe_status, pl_duplicate_of, pl_duplicate_confidence } = deal(id).properties;
      expect([pl_dedupe_status, pl_duplicate_of ?? '', pl_duplicate_confidence ?? '']).toEqual([
        'not_duplicate',
        '',
        '',
      ]);
    }
    const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', pair.id);
    expect(audit.find((entry) => entry.action === 'dedupe.not_duplicate')).toMatchObject({
      actor: 'user:77',
      after: { notDuplicateOf: survivorId },
    });
    // Deciding again is idempotent: one decision, one audit entry.
    await ctx.signedFetch('POST', `/api/card/deals/${survivorId}/not-duplicate`, { otherDealId: pair.id }, 77);
    expect(await decisions()).toBe(1);

    // The nightly reconcile re-clusters every deal: the decision holds and nothing is re-flagged or re-written.
    await ctx.idle();
    const before = routeCalls('POST /crm/objects/2026-03/deals/batch/update');
    const result = await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect(result.deals).toBe(0);
    expect(routeCalls('POST /crm/objects/2026-03/deals/batch/update')).toBe(before);
    expect(deal(pair.id).properties.pl_dedupe_status).toBe('not_duplicate');

    // A later edit (a webhook pass) does not re-flag it either.
    const edited = ctx.sandbox.portal.resolve('deals', pair.id)!;
    const inbox = await inboxWatermark(ctx.service.store.db);
    ctx.sandbox.portal.update('deals', edited, { amount: '12345' }, ctx.sandbox.userActor());
    // Proof the edit's webhook was received and drained (the pass ran) before asserting that nothing changed.
    const drained = await waitForDrained(ctx.service.store.db, {
      tenantId: ctx.tenantId,
      after: inbox,
      objectId: edited.id,
      propertyName: 'amount',
    });
    expect(drained.map((row) => row.propertyValue)).toEqual(['12345']);
    await ctx.idle();
    expect(deal(pair.id).properties.pl_dedupe_status).toBe('not_duplicate');
  }, 60_000);

  it('given a new deal re-entered by another seller, when its webhook is drained, then it is flagged against the original', async () => {
    await ctx.idle();
    const { original, copy } = reenterUniqueDeal();
    await eventually(async () => ['suspected', 'confirmed'].includes(copy.properties.pl_dedupe_status ?? ''), 20_000);
    const survivor = copy.properties.pl_duplicate_of || original.properties.pl_duplicate_of;
    expect([original.id, copy.id]).toContain(survivor);
    // The original is written in the same pass: both sides of the pair carry the flag.
    await eventually(async () => ['suspected', 'confirmed'].includes(original.properties.pl_dedupe_status ?? ''));
  }, 60_000);

  it('given a burst of changed deals (more than one drain round compares inline), when drained, then they are noted and the debounced pass flags the duplicate among them', async () => {
    await ctx.idle();
    const portal = ctx.sandbox.portal;
    const webhooksTo = ctx.sandbox.webhooks;
    webhooksTo.setTarget(undefined); // this test drives the pass itself
    const { original, copy } = reenterUniqueDeal();
    const others = [...portal.records('deals')].filter((d) => !d.archived && d.id !== copy.id && d.id !== original.id);
    const burst = [copy.id, ...others.slice(0, 150).map((d) => d.id)];
    const hubspot = ctx.service.features!;
    await hubspot.sync.applyWebhookWork(ctx.tenantId, { deals: burst, companies: [], aliases: [] });
    // Too many for inline comparison: noted, not yet written.
    const noted = await sql<{ n: number }>`select count(*)::int as n from dedupe_pending`.execute(ctx.service.store.db);
    expect(noted.rows[0]!.n).toBe(burst.length);
    expect(copy.properties.pl_dedupe_status ?? '').toBe('');

    await ctx.service.queue.enqueue('dedupe.refresh', { tenantId: ctx.tenantId }, { key: 'test-burst' });
    await ctx.idle();
    expect(['suspected', 'confirmed']).toContain(copy.properties.pl_dedupe_status);
    expect([original.id, copy.id]).toContain(copy.properties.pl_duplicate_of || original.properties.pl_duplicate_of);
    const left = await sql<{ n: number }>`select count(*)::int as n from dedupe_pending`.execute(ctx.service.store.db);
    expect(left.rows[0]!.n).toBe(0);
    webhooksTo.setTarget(`${ctx.proxy.url}/webhooks/hubspot`);
  }, 60_000);

  it('given bad "not a duplicate" requests, when sent, then each gets the envelope and nothing is written', async () => {
    await ctx.idle();
    const some = [...ctx.sandbox.portal.records('deals')][0]!;
    const before = await decisions();
    ctx.sandbox.resetStats();
    const cases: Array<[string, unknown, number, string]> = [
      [`/api/card/deals/${some.id}/not-duplicate`, {}, 400, 'invalid_input'],
      [`/api/card/deals/${some.id}/not-duplicate`, { otherDealId: 'x; drop table' }, 400, 'invalid_input'],
      [`/api/card/deals/${some.id}/not-duplicate`, { otherDealId: some.id }, 400, 'invalid_input'],
      [`/api/card/deals/${some.id}/not-duplicate`, { otherDealId: '999999999' }, 404, 'not_found'],
      ['/api/card/deals/999999999/not-duplicate', { otherDealId: some.id }, 404, 'not_found'],
      [`/api/card/deals/${some.id}/not-duplicate`, { otherDealId: some.id, extra: 1 }, 400, 'invalid_input'],
    ];
    for (const [path, body, status, code] of cases) {
      const response = await ctx.signedFetch('POST', path, body);
      expect({ path, status: response.status, code: (response.body.error as { code: string })?.code }).toEqual({
        path,
        status,
        code,
      });
      expect(response.body.error).toMatchObject({ message: expect.any(String), details: expect.any(Array) });
    }
    const badSettings = await ctx.signedFetch('PUT', '/api/dedupe/settings', { merge: { enabled: 'yes' } });
    expect(badSettings.status).toBe(400);
    expect(await decisions()).toBe(before);
    // No CRM call: the only HubSpot call allowed is the admin check's read of the acting user's role.
    const { calls, routes } = ctx.sandbox.stats();
    expect(calls - (routes['GET /settings/users/2026-03/:id']?.calls ?? 0)).toBe(0);
    expect((await ctx.signedFetch('GET', '/api/dedupe/settings')).body).toMatchObject({ merge: { enabled: false } });
  });

  it('given merge opted in above a threshold, when the reconcile runs, then confident duplicates are merged in HubSpot with an alias kept', async () => {
    await ctx.idle();
    const put = await ctx.signedFetch('PUT', '/api/dedupe/settings', { merge: { enabled: true, minConfidence: 0.95 } });
    expect(put.status).toBe(200);
    const eligible = flagged().filter(
      (d) => d.properties.pl_duplicate_of && Number(d.properties.pl_duplicate_confidence) >= 0.95,
    );
    const registrationConflicts = await sql<{ deal_id: string }>`
      select deal_id from deal_duplicates where kind = 'registration_conflict'`.execute(ctx.service.store.db);
    const conflictIds = new Set(registrationConflicts.rows.map((row) => row.deal_id));
    const expected = eligible.filter((d) => !conflictIds.has(d.id));
    expect(expected.length).toBeGreaterThan(0);

    const merges = await ctx.service.features!.dedupe.mergeEligible(ctx.tenantId);
    expect(merges).toEqual({ merged: expected.length, failed: 0 });
    expect(routeCalls('POST /crm/objects/2026-03/deals/merge')).toBe(expected.length);
    const mirror = ctx.service.features!.mirror;
    for (const gone of expected) {
      const survivor = ctx.sandbox.portal.resolve('deals', gone.id)!;
      expect(survivor.id).not.toBe(gone.id);
      expect(await mirror.resolveId(ctx.tenantId, 'deals', gone.id)).toBe(survivor.id);
      expect((await mirror.findDeal(ctx.tenantId, gone.id))?.deletedAt).toBeInstanceOf(Date);
    }
    const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', expected[0]!.id);
    expect(audit.find((entry) => entry.action === 'dedupe.merge')).toMatchObject({ actor: 'system:dedupe-merge' });
    // Registration conflicts are never merged: they are a channel decision.
    for (const id of conflictIds) expect(ctx.sandbox.portal.resolve('deals', id)?.id).toBeDefined();
    // Nothing left to merge: a second run merges nothing.
    await ctx.idle();
    expect(await ctx.service.features!.dedupe.mergeEligible(ctx.tenantId)).toEqual({ merged: 0, failed: 0 });
  }, 60_000);
});
