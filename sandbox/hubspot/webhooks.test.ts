import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readV3Headers, verifyV3 } from '../../src/crm/hubspot/hubspot-signature.ts';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { type Sandbox, startSandbox } from '../server.ts';

/** A tiny webhook receiver that checks every request with verifyV3, as the service's endpoint will. */
class Receiver {
  readonly batches: Array<{ events: Array<Record<string, unknown>>; verified: boolean; reason?: string }> = [];
  /** Statuses to answer with, in order; then 204. */
  script: number[] = [];
  private server: Server | undefined;
  url = '';
  origin = '';

  constructor(
    private readonly secret: string,
    private readonly clock: ManualClock,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const check = verifyV3({
          ...readV3Headers(req.headers),
          secret: this.secret,
          method: req.method ?? 'POST',
          // The URI HubSpot signs is the full target URL: origin + path + query.
          uri: `${this.origin}${req.url ?? ''}`,
          rawBody: raw,
          now: this.clock.now(),
        });
        this.batches.push({
          events: JSON.parse(raw.toString('utf8')) as Array<Record<string, unknown>>,
          verified: check.ok,
          ...(check.ok ? {} : { reason: check.reason }),
        });
        res.statusCode = this.script.shift() ?? 204;
        res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.url = `${this.origin}/hooks?app=partnerloop`;
  }

  events(): Array<Record<string, unknown>> {
    return this.batches.flatMap((batch) => batch.events);
  }

  reset(): void {
    this.batches.length = 0;
    this.script = [];
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('sandbox webhooks', () => {
  const clock = new ManualClock();
  let sandbox: Sandbox;
  let receiver: Receiver;
  let token: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status).toBeLessThan(300);
    return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
  };

  beforeAll(async () => {
    receiver = new Receiver('sandbox-client-secret-0000', clock);
    await receiver.start();
    sandbox = await startSandbox({
      deals: 200,
      clock,
      webhookTarget: receiver.url,
      webhooks: { batchDelayMs: 5, retryBaseMs: 5 },
    });
    token = sandbox.issueToken().accessToken;
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.stop();
  });
  afterEach(async () => {
    await sandbox.webhooks.flush();
    receiver.reset();
    sandbox.webhooks.options.style = 'object';
  });

  const dealIds = () => sandbox.demo?.deals.map((deal) => deal.id) ?? [];

  it('given a deal updated through the API, when webhooks flush, then a signed object.propertyChange batch arrives with the app as source', async () => {
    const dealId = dealIds()[0] ?? '';
    await api('PATCH', `/crm/objects/2026-03/deals/${dealId}`, { properties: { description: 'hello' } });
    await sandbox.webhooks.flush();

    expect(receiver.batches).toHaveLength(1);
    expect(receiver.batches[0]?.verified).toBe(true);
    expect(receiver.events()).toEqual([
      expect.objectContaining({
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-3',
        objectId: Number(dealId),
        propertyName: 'description',
        propertyValue: 'hello',
        portalId: sandbox.portal.portalId,
        appId: sandbox.app.appId,
        attemptNumber: 0,
        // HubSpot sends the app its own writes: the consumer recognises them by source and skips the echo.
        changeSource: 'INTEGRATION',
        sourceId: String(sandbox.app.appId),
        occurredAt: clock.now(),
      }),
    ]);
    expect(typeof receiver.events()[0]?.eventId).toBe('number');
  });

  it('given a value written again unchanged, when webhooks flush, then no event is sent', async () => {
    const dealId = dealIds()[1] ?? '';
    await api('PATCH', `/crm/v3/objects/deals/${dealId}`, { properties: { description: 'same' } });
    await sandbox.webhooks.flush();
    receiver.reset();
    await api('PATCH', `/crm/v3/objects/deals/${dealId}`, { properties: { description: 'same' } });
    await sandbox.webhooks.flush();
    expect(receiver.events()).toEqual([]);
  });

  it('given 150 property changes, when delivered, then they come in batches of at most 100', async () => {
    const ids = dealIds().slice(0, 75);
    for (const chunk of [ids.slice(0, 50), ids.slice(50)]) {
      await api('POST', '/crm/v3/objects/deals/batch/update', {
        inputs: chunk.map((id) => ({ id, properties: { description: `bulk ${id}`, amount: '777' } })),
      });
    }
    await sandbox.webhooks.flush();
    expect(receiver.events()).toHaveLength(150);
    expect(Math.max(...receiver.batches.map((batch) => batch.events.length))).toBeLessThanOrEqual(100);
    expect(receiver.batches.every((batch) => batch.verified)).toBe(true);
    expect(new Set(receiver.events().map((event) => event.eventId)).size).toBe(150);
  });

  it('given a receiver that fails once, when the batch is retried, then it arrives again with attemptNumber 1 and a fresh valid signature', async () => {
    receiver.script = [500];
    await api('PATCH', `/crm/v3/objects/deals/${dealIds()[2]}`, { properties: { description: 'retry me' } });
    await sandbox.webhooks.flush();
    expect(receiver.batches.map((batch) => batch.events[0]?.attemptNumber)).toEqual([0, 1]);
    expect(receiver.batches.map((batch) => batch.verified)).toEqual([true, true]);
    expect(receiver.batches[1]?.events[0]?.eventId).toBe(receiver.batches[0]?.events[0]?.eventId);
    expect(sandbox.webhooks.deliveries.slice(-2).map((delivery) => delivery.status)).toEqual([500, 204]);
  });

  it('given a receiver that answers 401 (bad signature), when delivered, then HubSpot-style it is not retried', async () => {
    receiver.script = [401];
    await api('PATCH', `/crm/v3/objects/deals/${dealIds()[3]}`, { properties: { description: 'refused' } });
    await sandbox.webhooks.flush();
    expect(receiver.batches).toHaveLength(1);
    expect(sandbox.webhooks.deliveries.at(-1)).toMatchObject({ status: 401, attempt: 0 });
  });

  it('given creation, association, merge and deletion, when delivered, then each has its event type', async () => {
    const created = await api('POST', '/crm/v3/objects/deals', {
      properties: { dealname: 'New one', pipeline: 'default', dealstage: 'qualifiedtobuy' },
    });
    const newId = String(created?.id);
    const partnerId = sandbox.demo?.truth.partnerIds[0] ?? '';
    await api('POST', '/crm/v4/associations/deals/companies/batch/create', {
      inputs: [
        {
          from: { id: newId },
          to: { id: partnerId },
          types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 101 }],
        },
      ],
    });
    await api('POST', '/crm/v3/objects/deals/merge', { primaryObjectId: dealIds()[5], objectIdToMerge: dealIds()[6] });
    await api('DELETE', `/crm/v3/objects/deals/${newId}`);
    await sandbox.webhooks.flush();

    const types = receiver.events().map((event) => `${event.subscriptionType}:${event.objectTypeId}`);
    expect(types).toEqual(
      expect.arrayContaining([
        'object.creation:0-3',
        'object.associationChange:0-3',
        'object.associationChange:0-2',
        'object.merge:0-3',
        'object.deletion:0-3',
      ]),
    );
    const association = receiver
      .events()
      .find(
        (event) =>
          event.subscriptionType === 'object.associationChange' &&
          event.associationTypeId === 101 &&
          event.fromObjectTypeId === '0-3',
      );
    expect(association).toMatchObject({
      fromObjectId: Number(newId),
      toObjectId: Number(partnerId),
      associationRemoved: false,
    });
    const merge = receiver.events().find((event) => event.subscriptionType === 'object.merge');
    expect(merge).toMatchObject({ primaryObjectId: Number(dealIds()[5]), mergedObjectIds: [Number(dealIds()[6])] });
    expect(receiver.events().find((event) => event.subscriptionType === 'object.creation')).toMatchObject({
      changeFlag: 'CREATED',
    });
  });

  it('given the legacy style, when a company changes in the UI, then a company.propertyChange with CRM_UI as source arrives', async () => {
    sandbox.webhooks.options.style = 'legacy';
    const company = sandbox.portal.require('companies', sandbox.demo?.truth.customerIds[0] ?? '');
    sandbox.portal.update('companies', company, { industry: 'Robotics' }, sandbox.userActor(123));
    await sandbox.webhooks.flush();
    expect(receiver.events()).toEqual([
      expect.objectContaining({
        subscriptionType: 'company.propertyChange',
        propertyName: 'industry',
        propertyValue: 'Robotics',
        changeSource: 'CRM_UI',
        sourceId: 'userId:123',
      }),
    ]);
    expect(receiver.events()[0]).not.toHaveProperty('objectTypeId');
  });

  it('given a receiver signature check at the wrong URL, when verified, then it fails (the URI is part of what is signed)', async () => {
    await api('PATCH', `/crm/v3/objects/deals/${dealIds()[7]}`, { properties: { description: 'uri' } });
    await sandbox.webhooks.flush();
    const batch = receiver.batches[0];
    expect(batch?.verified).toBe(true);
    const check = verifyV3({
      signature: 'x',
      timestamp: String(clock.now()),
      secret: 'sandbox-client-secret-0000',
      method: 'POST',
      uri: 'http://127.0.0.1:1/elsewhere',
      rawBody: JSON.stringify(batch?.events),
      now: clock.now(),
    });
    expect(check).toEqual({ ok: false, reason: 'signature_mismatch' });
  });
});

describe('sandbox webhooks at close', () => {
  it('given a delivery waiting to retry after a failure, when the sandbox closes, then close returns at once and the retry is never sent', async () => {
    const clock = new ManualClock();
    const receiver = new Receiver('sandbox-client-secret-0000', clock);
    await receiver.start();
    // A minute's backoff: without the close waking the waiting retry, close() would wait on it forever.
    const sandbox = await startSandbox({
      deals: 5,
      clock,
      webhookTarget: receiver.url,
      webhooks: { batchDelayMs: 5, retryBaseMs: 60_000, retryMaxMs: 60_000 },
    });
    try {
      receiver.script = [503];
      const dealId = sandbox.demo?.deals[0]?.id ?? '';
      const deal = [...sandbox.portal.records('deals')].find((record) => record.id === dealId);
      if (!deal) throw new Error('no demo deal');
      sandbox.portal.update('deals', deal, { description: 'fails once' }, sandbox.userActor());
      // Proof the first attempt ran and failed: the retry is now waiting on its backoff.
      await vi.waitFor(() => expect(sandbox.webhooks.deliveries.map((d) => d.status)).toEqual([503]), {
        timeout: 5_000,
      });
    } finally {
      const closed = await Promise.race([
        sandbox.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
      ]);
      await receiver.stop();
      expect(closed).toBe('closed');
    }
    expect(receiver.batches).toHaveLength(1);
    expect(sandbox.webhooks.deliveries).toHaveLength(1);
  });
});
