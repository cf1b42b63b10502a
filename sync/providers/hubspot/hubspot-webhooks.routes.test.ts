import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config/env.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { type Service, startService } from '../../service.ts';

const SECRET = 'matrix-client-secret';
const PUBLIC_URL = 'https://partnerloop.example.com';
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const PORTAL = 4242;

/** HubSpot's documented v3 algorithm, computed independently of our signer. */
function sign(method: string, uri: string, body: string, timestamp: number, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

function event(overrides: Record<string, unknown> = {}) {
  return {
    eventId: 100,
    subscriptionId: 5,
    portalId: PORTAL,
    appId: 77,
    occurredAt: NOW - 1000,
    subscriptionType: 'object.propertyChange',
    attemptNumber: 0,
    objectId: 123,
    objectTypeId: '0-3',
    propertyName: 'dealname',
    propertyValue: 'New name',
    changeSource: 'CRM_UI',
    sourceId: 'userId:1',
    ...overrides,
  };
}

describe('POST /webhooks/hubspot: signature v3 and the bad-input matrix (SPEC §4.3, §7)', () => {
  let service: Service;
  const dir = mkdtempSync(join(tmpdir(), 'pl-webhooks-'));

  beforeAll(async () => {
    const config = loadConfig(
      {
        PORT: '0',
        PUBLIC_URL,
        DATA_DIR: dir,
        HUBSPOT_CLIENT_ID: 'client',
        HUBSPOT_CLIENT_SECRET: SECRET,
        HUBSPOT_APP_ID: '77',
        // Nothing here may reach a CRM: an unroutable address makes any attempt fail loudly.
        HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9',
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
        LOG_LEVEL: 'silent',
      },
      { sandbox: false },
    );
    service = await startService(config, {
      logger: createLogger('silent'),
      schedules: false,
      worker: false,
      testing: { now: () => NOW },
    });
    await service.tenants.connect('hubspot', String(PORTAL), {
      accessToken: 'a',
      refreshToken: 'r',
      expiresAt: NOW + 3_600_000,
      scopes: [],
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await sql`delete from webhook_events`.execute(service.store.db);
  });

  async function post(
    body: string,
    options: {
      headers?: Record<string, string | undefined>;
      signBody?: string;
      timestamp?: number;
      secret?: string;
      path?: string;
    } = {},
  ) {
    const path = options.path ?? '/webhooks/hubspot';
    const timestamp = options.timestamp ?? NOW;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': sign(
        'POST',
        `${PUBLIC_URL}${path}`,
        options.signBody ?? body,
        timestamp,
        options.secret,
      ),
      'x-hubspot-request-timestamp': String(timestamp),
    };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    const response = await fetch(`${service.url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function stored(): Promise<number> {
    const rows = await sql<{ n: number }>`select count(*)::int as n from webhook_events`.execute(service.store.db);
    return rows.rows[0]!.n;
  }

  async function drainJobs(): Promise<number> {
    const rows = await sql<{ n: number }>`
      select count(*)::int as n from pgboss.job where name = 'hubspot.webhooks.drain'`.execute(service.store.db);
    return rows.rows[0]!.n;
  }

  it('given a valid signed batch, when posted, then 200, the event is stored once and one drain job is queued', async () => {
    const jobs = await drainJobs();
    const body = JSON.stringify([event()]);
    const first = await post(body);
    expect(first).toEqual({ status: 200, body: { received: 1, accepted: 1, duplicates: 0, ignored: 0 } });
    expect(await stored()).toBe(1);
    expect(await drainJobs()).toBe(jobs + 1);
    // HubSpot's redelivery: same events, next attemptNumber, new timestamp and signature.
    const again = await post(JSON.stringify([event({ attemptNumber: 1 })]), { timestamp: NOW + 60_000 });
    expect(again).toEqual({ status: 200, body: { received: 1, accepted: 0, duplicates: 1, ignored: 0 } });
    expect(await stored()).toBe(1);
    expect(await drainJobs()).toBe(jobs + 1);
  });

  it('given a drain job not started yet, when more deliveries bring new events, then they are stored and wait for it; once it runs, the next delivery queues another', async () => {
    // Deliveries arrive several a second and one worker drains at a time: a job per delivery would pile up.
    const started = () =>
      sql`update pgboss.job set state = 'active' where name = 'hubspot.webhooks.drain' and state = 'created'`.execute(
        service.store.db,
      );
    await started();
    const jobs = await drainJobs();
    expect((await post(JSON.stringify([event({ eventId: 301 })]))).body).toMatchObject({ accepted: 1 });
    expect(await drainJobs()).toBe(jobs + 1);
    expect((await post(JSON.stringify([event({ eventId: 302 }), event({ eventId: 303 })]))).body).toMatchObject({
      accepted: 2,
    });
    expect(await stored()).toBe(3);
    expect(await drainJobs()).toBe(jobs + 1);
    // The queued job has been picked up: it may already have read the inbox, so new events need a new job.
    await started();
    expect((await post(JSON.stringify([event({ eventId: 304 })]))).body).toMatchObject({ accepted: 1 });
    expect(await drainJobs()).toBe(jobs + 2);
  });

  const oversized = JSON.stringify([event({ propertyValue: 'x'.repeat(1_100_000) })]);
  const matrix: Array<{
    name: string;
    send: () => ReturnType<typeof post>;
    status: number;
    code: string;
  }> = [
    { name: 'malformed JSON', send: () => post('[{"eventId": 1,'), status: 400, code: 'malformed_json' },
    {
      name: 'a JSON object instead of an array',
      send: () => post(JSON.stringify(event())),
      status: 400,
      code: 'invalid_input',
    },
    { name: 'an empty array', send: () => post('[]'), status: 400, code: 'invalid_input' },
    {
      name: 'more than 100 events',
      send: () => post(JSON.stringify(Array.from({ length: 101 }, (_, i) => event({ eventId: i })))),
      status: 400,
      code: 'invalid_input',
    },
    {
      name: 'an event with a wrong type',
      send: () => post(JSON.stringify([event({ occurredAt: 'yesterday' })])),
      status: 400,
      code: 'invalid_input',
    },
    { name: 'a body over 1 MB', send: () => post(oversized), status: 413, code: 'payload_too_large' },
    {
      name: 'a signature made with the wrong secret',
      send: () => post(JSON.stringify([event()]), { secret: 'not-our-secret' }),
      status: 401,
      code: 'invalid_signature',
    },
    {
      name: 'no signature header',
      send: () => post(JSON.stringify([event()]), { headers: { 'x-hubspot-signature-v3': undefined } }),
      status: 401,
      code: 'invalid_signature',
    },
    {
      name: 'no timestamp header',
      send: () => post(JSON.stringify([event()]), { headers: { 'x-hubspot-request-timestamp': undefined } }),
      status: 401,
      code: 'invalid_signature',
    },
    {
      name: 'a timestamp older than 5 minutes (correctly signed)',
      send: () => post(JSON.stringify([event()]), { timestamp: NOW - 300_001 }),
      status: 401,
      code: 'invalid_signature',
    },
    {
      name: 'a body altered after signing',
      send: () => post(JSON.stringify([event({ objectId: 999 })]), { signBody: JSON.stringify([event()]) }),
      status: 401,
      code: 'invalid_signature',
    },
    {
      name: 'malformed JSON without a valid signature',
      send: () => post('{{{', { signBody: '[]' }),
      status: 401,
      code: 'invalid_signature',
    },
  ];

  it.each(matrix)(
    'given $name, when posted, then $status $code with the envelope and nothing is written',
    async (entry) => {
      const jobs = await drainJobs();
      const response = await entry.send();
      expect(response.status).toBe(entry.status);
      expect(response.body).toEqual({
        error: { code: entry.code, message: expect.any(String), details: expect.any(Array) },
      });
      expect(await stored()).toBe(0);
      expect(await drainJobs()).toBe(jobs);
    },
  );

  it('given a signed query string with encoded characters, when HubSpot decodes them before signing, then it verifies', async () => {
    const body = JSON.stringify([event()]);
    const timestamp = NOW;
    // HubSpot signs with %3A and %40 decoded; the URL on the wire keeps them encoded.
    const wire = '/webhooks/hubspot?source=a%3Ab%40c';
    const signed = `${PUBLIC_URL}/webhooks/hubspot?source=a:b@c`;
    const response = await fetch(`${service.url}${wire}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': sign('POST', signed, body, timestamp),
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body,
    });
    expect(response.status).toBe(200);
  });

  it('given events we do not act on, when posted, then 200 and they are acknowledged but not stored', async () => {
    const body = JSON.stringify([
      event({ eventId: 1, portalId: 999_999 }), // a portal that never installed us
      event({ eventId: 2, propertyName: 'pl_attribution_status' }), // our own output property
      event({ eventId: 3, changeSource: 'INTEGRATION', sourceId: '77' }), // our own write echoed back
      event({ eventId: 4, subscriptionType: 'object.creation', objectTypeId: '0-1' }), // contacts
      event({ eventId: 5, subscriptionType: 'object.somethingNew' }),
    ]);
    const response = await post(body);
    expect(response).toEqual({ status: 200, body: { received: 5, accepted: 0, duplicates: 0, ignored: 5 } });
    expect(await stored()).toBe(0);
  });

  it('given a batch for two portals, when one is not installed, then only the installed portal’s events are stored', async () => {
    const body = JSON.stringify([event({ eventId: 11 }), event({ eventId: 12, portalId: 5151 })]);
    const response = await post(body);
    expect(response.body).toMatchObject({ accepted: 1, ignored: 1 });
    const rows = await sql<{ tenant_id: string }>`select tenant_id from webhook_events`.execute(service.store.db);
    expect(rows.rows).toEqual([{ tenant_id: `hubspot:${PORTAL}` }]);
  });
});
