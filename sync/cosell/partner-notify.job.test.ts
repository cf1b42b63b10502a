import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPartnerWebhookTarget, verifyPartnerWebhook } from '../../src/cosell/motion-targets.ts';
import { eventually, STORE_KINDS } from '../../test/support/test-stores.ts';
import { type JobContext, JobQueue } from '../platform/jobs/job-queue.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { Store } from '../platform/store/database.ts';
import { seedDeals, seedPartners, seedTenant, testCipher } from './cosell.fixtures.ts';
import { partnerEndpointRequest } from './cosell-requests.ts';
import { CoSellService } from './cosell-service.ts';
import { CoSellMotionsRepository, type DeliveryRef } from './motions.repo.ts';
import { OutboundDeliveriesRepository } from './outbound-deliveries.repo.ts';
import { PartnerEndpointsRepository } from './partner-endpoints.repo.ts';
import { COSELL_NOTIFY_JOB, DeliveryRetryError, enqueueDeliveries, partnerNotifyJob } from './partner-notify.job.ts';

const SECRET = 'whsec_receiver_secret_0123456789';
const logger = createLogger('silent');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A partner's webhook receiver on loopback: answers with the scripted statuses (then 200), records every request. */
class Receiver {
  readonly requests: Received[] = [];
  script: number[] = [];
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = this.script.shift() ?? 200;
        res.end(res.statusCode < 300 ? 'ok' : 'internal stack trace from the partner');
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/partnerloop/hook`;
  }

  reset(statuses: number[] = []) {
    this.requests.length = 0;
    this.script = statuses;
  }

  async stop() {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

function context(key: string, attempt: number): JobContext {
  return { jobId: `job-${attempt}`, key, attempt, logger, enqueue: async () => null };
}

describe.each(STORE_KINDS)('cosell.notify on $name', (kind) => {
  let store: Store;
  let motions: CoSellMotionsRepository;
  let deliveries: OutboundDeliveriesRepository;
  let endpoints: PartnerEndpointsRepository;
  let tenant: string;
  const receiver = new Receiver();
  let job: ReturnType<typeof partnerNotifyJob>;
  let dealSeq = 0;

  /** A fresh motion for p-hook on its own deal; returns its one delivery. */
  async function startMotion(): Promise<DeliveryRef> {
    dealSeq += 1;
    const dealId = `d-${dealSeq}`;
    await seedDeals(store, tenant, [{ id: dealId, amount: 10_000 }]);
    const { deliveries: refs } = await motions.start(
      tenant,
      dealId,
      { partnerId: 'p-hook', ask: 'Joint discovery call' },
      { actor: 'Dana Seller', ownerId: 'u-77' },
    );
    expect(refs).toHaveLength(1);
    return refs[0] as DeliveryRef;
  }

  const run = (ref: DeliveryRef, attempt: number) =>
    job.handle({ tenantId: ref.tenantId, deliveryId: ref.deliveryId }, context(ref.deliveryId, attempt));

  beforeAll(async () => {
    store = await kind.open();
    motions = new CoSellMotionsRepository(store.db);
    deliveries = new OutboundDeliveriesRepository(store.db);
    endpoints = new PartnerEndpointsRepository(store.db, testCipher());
    tenant = await seedTenant(store, '7001');
    await seedPartners(store, tenant, { 'p-hook': 'Hooked Partners' });
    const url = await receiver.start();
    await endpoints.set(tenant, 'p-hook', partnerEndpointRequest({ url, secret: SECRET }), 'admin:1');
    job = partnerNotifyJob({
      deliveries,
      targets: [createPartnerWebhookTarget({ endpointFor: (t, p) => endpoints.get(t, p) })],
      retryLimit: 3,
      retryDelaySeconds: 1,
    });
  });
  afterEach(() => receiver.reset());
  afterAll(async () => {
    await receiver.stop();
    await store?.close();
  });

  it('given one motion start, when the job runs twice, then the partner receives exactly one signed delivery', async () => {
    const ref = await startMotion();
    const enqueued: Array<{ name: string; data: unknown; key: string }> = [];
    await enqueueDeliveries(
      async (name, data, options) => {
        enqueued.push({ name, data, key: options.key });
        return 'id';
      },
      [ref],
    );
    expect(enqueued).toEqual([
      { name: COSELL_NOTIFY_JOB, data: { tenantId: tenant, deliveryId: ref.deliveryId }, key: ref.deliveryId },
    ]);

    expect(await run(ref, 0)).toEqual({ status: 'delivered', attempts: 1 });
    expect(await run(ref, 0)).toEqual({ status: 'skipped', reason: 'already_settled' });
    expect(receiver.requests).toHaveLength(1);

    const [request] = receiver.requests;
    if (!request) throw new Error('no request');
    expect(
      verifyPartnerWebhook({
        secrets: SECRET,
        headers: request.headers,
        body: request.body,
        nowSeconds: Date.now() / 1000,
      }),
    ).toMatchObject({ ok: true, deliveryId: ref.deliveryId });
    expect(
      verifyPartnerWebhook({
        secrets: 'whsec_some_other_secret_000',
        headers: request.headers,
        body: request.body,
        nowSeconds: Date.now() / 1000,
      }),
    ).toEqual({ ok: false, reason: 'mismatch' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toMatchObject({
      id: ref.deliveryId,
      type: 'cosell.motion.requested',
      motion: { partnerId: 'p-hook', state: 'requested', ask: 'Joint discovery call' },
      transition: { from: 'draft', to: 'requested' },
    });
    expect(await deliveries.find(tenant, ref.deliveryId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastError: null,
      deliveredAt: expect.any(Date),
    });
  });

  it('given a 500 then a 200, when retried, then it is delivered once, with the same delivery id both times', async () => {
    const ref = await startMotion();
    receiver.reset([500]);
    await expect(run(ref, 0)).rejects.toBeInstanceOf(DeliveryRetryError);
    expect(await deliveries.find(tenant, ref.deliveryId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'partner endpoint answered HTTP 500',
    });
    expect(await run(ref, 1)).toEqual({ status: 'delivered', attempts: 2 });
    expect(await run(ref, 2)).toEqual({ status: 'skipped', reason: 'already_settled' });
    expect(receiver.requests.map((r) => r.headers['x-partnerloop-delivery'])).toEqual([ref.deliveryId, ref.deliveryId]);
    expect(await deliveries.find(tenant, ref.deliveryId)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastError: null,
    });
  });

  it.each([400, 404, 410])(
    'given a final %i, when run, then it is recorded failed and never sent again',
    async (status) => {
      const ref = await startMotion();
      receiver.reset([status]);
      expect(await run(ref, 0)).toEqual({
        status: 'failed',
        attempts: 1,
        error: `partner endpoint answered HTTP ${status}`,
      });
      expect(await run(ref, 1)).toEqual({ status: 'skipped', reason: 'already_settled' });
      expect(receiver.requests).toHaveLength(1);
      expect(await deliveries.find(tenant, ref.deliveryId)).toMatchObject({ status: 'failed', deliveredAt: null });
    },
  );

  it.each([408, 429, 503])(
    'given %i, when run, then it is kept pending for pg-boss to retry, and the retry delivers',
    async (status) => {
      const ref = await startMotion();
      receiver.reset([status]);
      await expect(run(ref, 0)).rejects.toThrow(`partner endpoint answered HTTP ${status}`);
      expect((await deliveries.find(tenant, ref.deliveryId))?.status).toBe('pending');
      expect(await run(ref, 1)).toEqual({ status: 'delivered', attempts: 2 });
    },
  );

  it('given 5xx on every attempt, when the last retry fails, then the delivery is given up and recorded failed', async () => {
    const ref = await startMotion();
    receiver.reset([502, 502, 502, 502]);
    for (const attempt of [0, 1, 2]) await expect(run(ref, attempt)).rejects.toBeInstanceOf(DeliveryRetryError);
    expect(await run(ref, 3)).toEqual({
      status: 'failed',
      attempts: 4,
      error: 'gave up after 4 attempts: partner endpoint answered HTTP 502',
    });
    expect(receiver.requests).toHaveLength(4);
  });

  it('given the endpoint was disabled after the change, when run, then nothing is sent and it fails', async () => {
    const ref = await startMotion();
    const url = (await endpoints.get(tenant, 'p-hook'))?.url ?? '';
    await endpoints.set(tenant, 'p-hook', partnerEndpointRequest({ url, enabled: false }), 'admin:1');
    try {
      expect(await run(ref, 0)).toMatchObject({
        status: 'failed',
        error: 'no enabled webhook endpoint for the partner',
      });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await endpoints.set(tenant, 'p-hook', partnerEndpointRequest({ url, enabled: true }), 'admin:1');
    }
  });

  it('given an unknown delivery id, when run, then it is skipped', async () => {
    expect(
      await job.handle({ tenantId: tenant, deliveryId: '00000000-0000-4000-8000-000000000000' }, context('k', 0)),
    ).toEqual({ status: 'skipped', reason: 'unknown_delivery' });
  });

  describe('through pg-boss and the service', () => {
    let queue: JobQueue;
    let service: CoSellService;
    const changed: string[] = [];

    beforeAll(async () => {
      queue = await JobQueue.start(
        { executor: store.executor, logger, schema: 'pgboss_cosell', pollingIntervalSeconds: 0.5 },
        [job],
      );
      await queue.work();
      service = new CoSellService({
        motions,
        deliveries,
        enqueue: queue.enqueue,
        logger,
        onMotionChanged: async (tenantId, dealId) => {
          changed.push(`${tenantId}/${dealId}`);
        },
      });
    });
    afterAll(async () => {
      await queue?.stop(5_000);
    });

    it('given a 500 then a 200, when a motion starts through the service, then pg-boss retries and it is delivered once', async () => {
      dealSeq += 1;
      const dealId = `d-${dealSeq}`;
      await seedDeals(store, tenant, [{ id: dealId, amount: 1 }]);
      receiver.reset([500]);
      const { motion, created } = await service.start(
        tenant,
        dealId,
        { partnerId: 'p-hook', ask: 'Co-sell through pg-boss' },
        { actor: 'Dana Seller', ownerId: 'u-77' },
      );
      expect(created).toBe(true);
      expect(motion).toMatchObject({ state: 'requested', partnerName: 'Hooked Partners', aging: false });
      expect(changed).toEqual([`${tenant}/${dealId}`]);

      const [delivery] = await deliveries.forMotion(tenant, motion.id);
      if (!delivery) throw new Error('no delivery');
      await eventually(
        async () => (await deliveries.find(tenant, delivery.deliveryId))?.status === 'delivered',
        30_000,
      );
      expect(receiver.requests).toHaveLength(2);
      // The row is marked inside the handler; pg-boss completes the job just after it returns.
      await eventually(
        async () => (await queue.jobState(COSELL_NOTIFY_JOB, delivery.deliveryId))?.state === 'completed',
        30_000,
      );
      expect(await queue.jobState(COSELL_NOTIFY_JOB, delivery.deliveryId)).toEqual({
        state: 'completed',
        retryCount: 1,
      });

      // Enqueueing the same delivery again (a replayed request, the pending sweep) adds no job and sends nothing.
      expect(
        await queue.enqueue(
          COSELL_NOTIFY_JOB,
          { tenantId: tenant, deliveryId: delivery.deliveryId },
          { key: delivery.deliveryId },
        ),
      ).toBeNull();
      const replay = await service.start(
        tenant,
        dealId,
        { partnerId: 'p-hook', ask: 'Co-sell through pg-boss' },
        { actor: 'Dana Seller', ownerId: 'u-77' },
      );
      expect(replay).toEqual({ motion, created: false });
      expect(changed).toHaveLength(1);
      expect(receiver.requests).toHaveLength(2);
    });

    it('given a transition through the service, then the card shape comes back and one more delivery is made', async () => {
      const [motion] = await service.cardMotions(tenant, `d-${dealSeq}`);
      if (!motion) throw new Error('no motion');
      const { motion: moved, dealId } = await service.transition(
        tenant,
        motion.id,
        { to: 'accepted', note: 'Yes' },
        { actor: 'Partner' },
      );
      expect(dealId).toBe(`d-${dealSeq}`);
      expect(moved).toMatchObject({ state: 'accepted', allowedTransitions: ['active', 'withdrawn'] });
      expect(moved.history.at(-1)).toMatchObject({ from: 'requested', to: 'accepted', actor: 'Partner', note: 'Yes' });
      await eventually(async () => receiver.requests.length === 1);
      expect(JSON.parse(receiver.requests[0]?.body ?? '{}')).toMatchObject({ type: 'cosell.motion.accepted' });
      // The receiver answers before the handler marks the row: wait for every delivery of the motion to settle.
      await eventually(async () =>
        (await deliveries.forMotion(tenant, motion.id)).every((d) => d.status === 'delivered'),
      );
      expect(await service.requeuePendingDeliveries(0)).toBe(0);
    });
  });
});
