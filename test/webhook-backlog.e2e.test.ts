import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signV3 } from '../src/crm/hubspot/hubspot-signature.ts';
import { CLOCK_SKEW_MS } from '../src/crm/hubspot/hubspot-webhook-events.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually } from './support/test-stores.ts';

/**
 * No double work (issue #20): a webhook backlog that a finished reconcile already read is drained without re-reading
 * its records, while events from after the reconcile's read are re-read as always. HubSpot's late deliveries are
 * played by signed batches posted to the real route (the sandbox's own deliveries are held meanwhile).
 */
describe('a webhook backlog after a reconcile (PGlite)', () => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({ sandbox: { deals: 60, seed: 19 } });
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
  });

  async function deliver(events: Array<{ dealId: string; occurredAt: number; eventId: number }>) {
    const body = JSON.stringify(
      events.map((event) => ({
        eventId: event.eventId,
        subscriptionId: 1,
        portalId: ctx.portalId,
        appId: ctx.sandbox.app.appId,
        occurredAt: event.occurredAt,
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-3',
        objectId: Number(event.dealId),
        propertyName: 'dealname',
        propertyValue: 'x',
        changeSource: 'CRM_UI',
        attemptNumber: 0,
      })),
    );
    const url = `${ctx.proxy.url}/webhooks/hubspot`;
    const timestamp = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signV3({
          secret: ctx.sandbox.app.clientSecret,
          method: 'POST',
          uri: url,
          body,
          timestamp,
        }),
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body,
    });
    expect(response.status).toBe(200);
  }

  const unprocessed = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from webhook_events where processed_at is null`.execute(
        ctx.service.store.db,
      )
    ).rows[0]?.n;
  const dealReads = () =>
    Object.entries(ctx.sandbox.stats().routes)
      .filter(([route]) => route.includes('/deals/batch/read'))
      .reduce((sum, [, stats]) => sum + stats.calls, 0);

  it('given a change the reconcile read, when its event arrives late, then it is processed without a CRM call; a change after the read is re-read', async () => {
    await ctx.idle();
    // HubSpot's deliveries are held: the events below arrive when the test posts them.
    ctx.sandbox.webhooks.setTarget(undefined);
    const [early, late] = [...ctx.sandbox.portal.records('deals')];
    if (!early || !late) throw new Error('no deals');
    ctx.sandbox.portal.update('deals', early, { dealname: 'Renamed before the reconcile' }, ctx.sandbox.userActor());
    const readStarted = Date.now();
    await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect((await ctx.service.features!.mirror.findDeal(ctx.tenantId, early.id))?.deal.name).toBe(
      'Renamed before the reconcile',
    );

    // The early change's event, delivered late (it happened before the read began, beyond the clock skew).
    ctx.sandbox.resetStats();
    await deliver([{ dealId: early.id, occurredAt: readStarted - CLOCK_SKEW_MS - 60_000, eventId: 7_000_001 }]);
    await eventually(async () => (await unprocessed()) === 0);
    await ctx.idle();
    expect(dealReads()).toBe(0);
    expect(ctx.sandbox.stats().calls).toBe(0);

    // A change after the read: its event is re-read and lands in the mirror.
    ctx.sandbox.portal.update('deals', late, { dealname: 'Renamed after the reconcile' }, ctx.sandbox.userActor());
    await deliver([{ dealId: late.id, occurredAt: Date.now(), eventId: 7_000_002 }]);
    await eventually(
      async () =>
        (await ctx.service.features!.mirror.findDeal(ctx.tenantId, late.id))?.deal.name ===
        'Renamed after the reconcile',
    );
    await ctx.idle();
    expect(await unprocessed()).toBe(0);
    expect(dealReads()).toBe(1);
  }, 60_000);
});
