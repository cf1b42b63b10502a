import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/testing/manual-clock.ts';
import { HubSpotClient } from './hubspot-client.ts';
import { HubSpotApiError, HubSpotDisconnectedError } from './hubspot-errors.ts';
import { HubSpotObjects } from './hubspot-objects.ts';
import { PortalRateLimiter } from './rate-limiter.ts';
import { memoryCredentials } from './testing/memory-credentials.ts';

const BASE = 'https://hubspot.test';
const FRESH = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: 10_000_000, scopes: ['crm.objects.deals.read'] };

function setup(credentials = FRESH, clock = new ManualClock(1_000_000)) {
  const creds = memoryCredentials(credentials);
  const client = new HubSpotClient({
    baseUrl: BASE,
    clientId: 'cid',
    clientSecret: 'csecret',
    credentials: creds.store,
    clock,
    random: () => 0.5,
    limiter: new PortalRateLimiter({ tenSecondly: 110, windowMs: 10_000, searchPerSecond: 5 }, clock),
  });
  return { client, objects: new HubSpotObjects(client), creds, clock };
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('HubSpotClient against recorded HubSpot shapes (nock)', () => {
  it('given two pages of deals, when listed, then both are read with limit, after and properties on the wire', async () => {
    const { objects } = setup();
    nock(BASE, { reqheaders: { authorization: 'Bearer at-1' } })
      .get('/crm/objects/2026-03/deals')
      .query({ limit: '100', properties: 'dealname,amount', archived: 'false' })
      .reply(200, {
        results: [{ id: '1', properties: { dealname: 'A' } }],
        paging: { next: { after: 'c2', link: 'x' } },
      })
      .get('/crm/objects/2026-03/deals')
      .query({ limit: '100', after: 'c2', properties: 'dealname,amount', archived: 'false' })
      .reply(200, { results: [{ id: '2', properties: { dealname: 'B' } }] });
    const pages: string[][] = [];
    for await (const page of objects.listAll('deals', ['dealname', 'amount'])) pages.push(page.map((r) => r.id));
    expect(pages).toEqual([['1'], ['2']]);
  });

  it('given a 500 then a 200, when a batch update runs, then it is retried once after a backoff and the same payload is sent', async () => {
    const { objects, clock } = setup();
    const bodies: unknown[] = [];
    nock(BASE)
      .post('/crm/objects/2026-03/deals/batch/update', (body) => bodies.push(body) > 0)
      .reply(500, { status: 'error', message: 'internal', correlationId: 'c-1' })
      .post('/crm/objects/2026-03/deals/batch/update', (body) => bodies.push(body) > 0)
      .reply(200, { status: 'COMPLETE', results: [] });
    await objects.batchUpdate('deals', [{ id: '1', properties: { pl_attribution_status: 'complete' } }]);
    expect(bodies).toEqual([
      { inputs: [{ id: '1', properties: { pl_attribution_status: 'complete' } }] },
      { inputs: [{ id: '1', properties: { pl_attribution_status: 'complete' } }] },
    ]);
    expect(clock.sleeps).toEqual([375]);
  });

  it('given 250 updates, when written, then three calls carry 100, 100 and 50 inputs in order', async () => {
    const { objects } = setup();
    const sizes: number[] = [];
    const firstIds: string[] = [];
    nock(BASE)
      .post('/crm/objects/2026-03/companies/batch/update')
      .times(3)
      .reply(200, (_uri, body) => {
        const inputs = (body as { inputs: Array<{ id: string }> }).inputs;
        sizes.push(inputs.length);
        firstIds.push(inputs[0]?.id ?? '');
        return { status: 'COMPLETE', results: [] };
      });
    const inputs = Array.from({ length: 250 }, (_, i) => ({ id: String(i), properties: { pl_partner_tier: 'core' } }));
    expect(await objects.batchUpdate('companies', inputs)).toBe(3);
    expect(sizes).toEqual([100, 100, 50]);
    expect(firstIds).toEqual(['0', '100', '200']);
  });

  it('given a 429 with Retry-After, when reading, then the client waits exactly that long and succeeds', async () => {
    const { objects, clock } = setup();
    nock(BASE)
      .get('/crm/objects/2026-03/deals/7')
      .query(true)
      .reply(
        429,
        {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          policyName: 'TEN_SECONDLY_ROLLING',
        },
        { 'Retry-After': '2' },
      )
      .get('/crm/objects/2026-03/deals/7')
      .query(true)
      .reply(200, { id: '7', properties: {} });
    expect(await objects.read('deals', '7', ['dealname'])).toEqual({ id: '7', properties: {} });
    expect(clock.sleeps).toContain(2000);
  });

  it('given the daily limit, when called, then it fails at once marked dailyLimit (no retry storm)', async () => {
    const { objects } = setup();
    nock(BASE)
      .get('/crm/objects/2026-03/deals/7')
      .query(true)
      .reply(429, { status: 'error', policyName: 'DAILY', message: 'daily' });
    const error = await objects.read('deals', '7', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({
      dailyLimit: true,
      status: 429,
      message: 'HubSpot daily API limit reached; the work is rescheduled',
    });
  });

  it('given a 401, when called, then the token is refreshed (form body on the wire), persisted, and the call retried with it', async () => {
    const { objects, creds } = setup();
    const order: string[] = [];
    nock(BASE)
      .get('/crm/objects/2026-03/deals/9')
      .query(true)
      .matchHeader('authorization', 'Bearer at-1')
      .reply(401, { status: 'error', category: 'EXPIRED_AUTHENTICATION', message: 'expired' })
      .post('/oauth/v1/token', (body) => {
        order.push('refresh');
        return (
          body.grant_type === 'refresh_token' &&
          body.refresh_token === 'rt-1' &&
          body.client_id === 'cid' &&
          body.client_secret === 'csecret'
        );
      })
      .reply(200, { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 1800, token_type: 'bearer' })
      .get('/crm/objects/2026-03/deals/9')
      .query(true)
      .matchHeader('authorization', 'Bearer at-2')
      .reply(200, () => {
        order.push(`retried after ${creds.saves.length} save(s)`);
        return { id: '9', properties: {} };
      });
    expect(await objects.read('deals', '9', [])).toEqual({ id: '9', properties: {} });
    expect(order).toEqual(['refresh', 'retried after 1 save(s)']);
    expect(creds.saves).toEqual([
      {
        accessToken: 'at-2',
        refreshToken: 'rt-2',
        expiresAt: 1_000_000 + 1_800_000,
        scopes: ['crm.objects.deals.read'],
      },
    ]);
  });

  it('given an expired token and five concurrent calls, when they run, then exactly one refresh happens', async () => {
    const { objects, creds } = setup({ ...FRESH, expiresAt: 0 });
    nock(BASE)
      .post('/oauth/v1/token')
      .once()
      .reply(200, { access_token: 'at-2', refresh_token: 'rt-1', expires_in: 1800 });
    nock(BASE)
      .get(/\/crm\/objects\/2026-03\/deals\/\d/)
      .query(true)
      .matchHeader('authorization', 'Bearer at-2')
      .times(5)
      .reply(200, { id: 'x', properties: {} });
    await Promise.all([1, 2, 3, 4, 5].map((i) => objects.read('deals', String(i), [])));
    expect(creds.saves).toHaveLength(1);
  });

  it('given a revoked refresh token, when refreshing, then the tenant is marked disconnected and the error says reinstall', async () => {
    const { objects, creds } = setup({ ...FRESH, expiresAt: 0 });
    nock(BASE)
      .post('/oauth/v1/token')
      .reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
    const error = await objects.read('deals', '1', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotDisconnectedError);
    expect((error as Error).message).toBe('HubSpot access was revoked; reinstall the app to reconnect');
    expect(creds.disconnects).toHaveLength(1);
  });

  it('given a merge answered 502, then it is not retried (not idempotent) and fails with a safe message', async () => {
    const { objects } = setup();
    nock(BASE)
      .post('/crm/objects/2026-03/deals/merge', { primaryObjectId: '1', objectIdToMerge: '2' })
      .once()
      .reply(502, 'Bad gateway');
    await expect(objects.merge('deals', '1', '2')).rejects.toThrow(
      'HubSpot could not complete merge of deals (HTTP 502)',
    );
  });

  it('given a dropped connection on a read, then it is retried and succeeds', async () => {
    // A real loopback socket is destroyed: nock 14's replyWithError never settles node-fetch v2 (docs/BEHAVIOR.md).
    let hits = 0;
    const server = createServer((req, res) => {
      hits += 1;
      if (hits === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '3', properties: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const clock = new ManualClock(1_000_000);
      const client = new HubSpotClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId: 'cid',
        clientSecret: 'cs',
        credentials: memoryCredentials(FRESH).store,
        clock,
        random: () => 0.5,
      });
      expect(await new HubSpotObjects(client).read('deals', '3', [])).toEqual({ id: '3', properties: {} });
      expect(hits).toBe(2);
      expect(clock.sleeps).toEqual([375]);
    } finally {
      nock.disableNetConnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('given a missing record, when read singly, then the result is undefined', async () => {
    const { objects } = setup();
    nock(BASE).get('/crm/objects/2026-03/deals/404').query(true).reply(404, { status: 'error', message: 'not found' });
    expect(await objects.read('deals', '404', [])).toBeUndefined();
  });
});
