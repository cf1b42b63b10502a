import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';
import { inboxWatermark, waitForDrained } from './support/webhook-drain.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

describe.each(STORES)('attribution enforced on the live deal ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl });
  }, 90_000);
  afterAll(async () => ctx?.close());

  const batchUpdates = () => ctx.sandbox.stats().routes['POST /crm/objects/2026-03/deals/batch/update']?.calls ?? 0;
  const partnerIds = () =>
    [...ctx.sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true').map((c) => c.id);

  it('given the demo portal installed, when the first reconcile ran, then every deal carries an attribution status', async () => {
    const deals = [...ctx.sandbox.portal.records('deals')];
    expect(deals.every((deal) => (deal.properties.pl_attribution_status ?? '') !== '')).toBe(true);
    const coverage = await ctx.signedFetch('GET', '/api/attribution/coverage');
    expect(coverage.status).toBe(200);
    expect(coverage.body).toMatchObject({ tenantId: ctx.tenantId, partnerInvolved: expect.any(Number) });
    expect(Number(coverage.body.partnerInvolved)).toBeGreaterThan(0);
  });

  it('given a partner-sourced deal without a partner, when created in HubSpot, then it is missing_partner within one webhook cycle; tagging makes it complete, audit-logged; a second identical event writes nothing', async () => {
    const portal = ctx.sandbox.portal;
    const deal = portal.create(
      'deals',
      {
        dealname: 'Globex platform rollout',
        dealstage: 'qualifiedtobuy',
        pipeline: 'default',
        lead_source: 'partner',
        amount: '48000',
      },
      ctx.sandbox.userActor(),
    );
    await eventually(async () => deal.properties.pl_attribution_status === 'missing_partner');
    expect(deal.properties.pl_attribution_issues).toMatch(/partner/i);

    const partnerId = partnerIds()[0]!;
    const tagged = await ctx.signedFetch(
      'POST',
      `/api/card/deals/${deal.id}/partners`,
      { partnerId, role: 'sourced' },
      42,
    );
    expect(tagged.status).toBe(200);
    const attribution = tagged.body.attribution as { status: string; partners: Array<Record<string, unknown>> };
    expect(attribution.status).toBe('complete');
    expect(attribution.partners).toEqual([expect.objectContaining({ partnerId, role: 'sourced', splitPct: null })]);
    // In the CRM: the labelled association exists, and the status and sourced partner were written back.
    const labels = portal.associationTypesOf('deals', 'companies');
    const linked = portal.associationsOf('deals', deal.id, 'companies').get(partnerId) ?? [];
    expect(linked.map((typeId) => labels.find((t) => t.typeId === typeId)?.label)).toContain('Sourced');
    expect(deal.properties.pl_attribution_status).toBe('complete');
    expect(deal.properties.pl_sourced_partner).toBe(partnerId);

    const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', deal.id);
    expect(audit.find((entry) => entry.action === 'attribution.tag')).toMatchObject({
      actor: 'user:42',
      before: [],
      after: [{ partnerId, role: 'sourced', splitPct: null }],
    });

    // Another event about the same deal (a seller re-saves the amount): re-read, nothing to write.
    await ctx.idle();
    const before = batchUpdates();
    const inbox = await inboxWatermark(ctx.service.store.db);
    portal.update('deals', deal, { amount: '48000.00' }, ctx.sandbox.userActor());
    // Proof the event was received and drained (re-read, compared) before asserting that it wrote nothing.
    const drained = await waitForDrained(ctx.service.store.db, {
      tenantId: ctx.tenantId,
      after: inbox,
      objectId: deal.id,
      propertyName: 'amount',
    });
    expect(drained.map((row) => row.propertyValue)).toEqual(['48000.00']);
    await ctx.idle();
    expect(batchUpdates()).toBe(before);
  }, 60_000);

  it('given an invalid split, when tagging, then 400 with the envelope and nothing is written', async () => {
    const deal = [...ctx.sandbox.portal.records('deals')].find((d) => d.properties.hs_is_closed !== 'true')!;
    await ctx.idle();
    ctx.sandbox.resetStats();
    const response = await ctx.signedFetch('POST', `/api/card/deals/${deal.id}/partners`, {
      partnerId: partnerIds()[0],
      role: 'influenced',
      splitPct: 150,
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'invalid_input', message: expect.stringContaining('splitPct'), details: expect.any(Array) },
    });
    const unknownRole = await ctx.signedFetch('POST', `/api/card/deals/${deal.id}/partners`, {
      partnerId: partnerIds()[0],
      role: 'kingmaker',
    });
    expect(unknownRole.status).toBe(400);
    expect(ctx.sandbox.stats().calls).toBe(0);
  });

  it('given a closed deal, when a seller changes its partners without an override, then 409 attribution_frozen', async () => {
    const closed = [...ctx.sandbox.portal.records('deals')].find(
      (d) => d.properties.hs_is_closed === 'true' && !d.archived,
    )!;
    const response = await ctx.signedFetch('POST', `/api/card/deals/${closed.id}/partners`, {
      partnerId: partnerIds()[1],
      role: 'referral',
    });
    expect(response.status).toBe(409);
    expect((response.body.error as { code: string }).code).toBe('attribution_frozen');
  });

  it('given rules, when an admin sends invalid ones, then 400 names each problem and the rules stay as they were', async () => {
    const before = await ctx.signedFetch('GET', '/api/attribution/rules');
    const bad = await ctx.signedFetch('PUT', '/api/attribution/rules', { requirements: [{ fromStag: 'x' }] });
    expect(bad.status).toBe(400);
    expect((bad.body.error as { details: string[] }).details.join('\n')).toContain('fromStag');
    expect((await ctx.signedFetch('GET', '/api/attribution/rules')).body).toEqual(before.body);
  });

  it('given statuses cleared in HubSpot on some deals, when reconciled, then the CRM writes equal the deals whose status changed', async () => {
    await ctx.idle();
    const portal = ctx.sandbox.portal;
    const victims = [...portal.records('deals')].filter((d) => !d.archived).slice(10, 17);
    for (const deal of victims) portal.update('deals', deal, { pl_attribution_status: '' }, ctx.sandbox.userActor());
    await ctx.idle();
    const result = await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect(result.deals).toBe(victims.length);
    expect(result.calls).toBe(1);
    const again = await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect(again).toMatchObject({ deals: 0, calls: 0 });
  }, 60_000);
});
