import { describe, expect, it, vi } from 'vitest';
import {
  buildPartnerWebhookRequest,
  classifyDeliveryFailure,
  classifyDeliveryResponse,
  createPartnerWebhookTarget,
  type MotionEvent,
  type NotifiedMotion,
  PARTNER_WEBHOOK_HEADERS,
  partnerWebhookBody,
  partnerWebhookSignature,
  shouldNotifyPartner,
  verifyPartnerWebhook,
} from './motion-targets.ts';

// Vectors computed outside the code under test:
//   printf '%s' "$TIMESTAMP.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
const SECRET = 'whsec_test_partner_secret_0001';
const TIMESTAMP = 1_773_136_800; // 2026-03-10T10:00:00Z
const SHORT_BODY = '{"id":"0b6f3c1e-8f4a-4c59-9d2e-6a1f2b3c4d5e","type":"cosell.motion.requested"}';
const SHORT_SIGNATURE = 'v1=2a1b7b42b47170780b9af2d62c9c6aa964db6b03cc2b8618c1098f1bc6144781';

const DELIVERY_ID = '0b6f3c1e-8f4a-4c59-9d2e-6a1f2b3c4d5e';
const MOTION: NotifiedMotion = {
  tenantId: 'hubspot:1001',
  id: '5f0c2a52-3f1e-4b7e-9a41-2d7c1b9e8a10',
  dealId: 'd-42',
  partnerId: 'p-acme',
  programme: null,
  ask: 'Joint discovery call with the Globex data team before 15 March.',
  ownerId: 'u-77',
  state: 'requested',
  slaDueAt: '2026-03-10T09:30:00.000Z',
  createdAt: '2026-03-03T09:30:00.000Z',
};
const EVENT: MotionEvent = {
  deliveryId: DELIVERY_ID,
  type: 'cosell.motion.requested',
  occurredAt: '2026-03-03T09:30:00.000Z',
  from: 'draft',
  to: 'requested',
};
const FULL_BODY =
  '{"id":"0b6f3c1e-8f4a-4c59-9d2e-6a1f2b3c4d5e","type":"cosell.motion.requested","occurredAt":"2026-03-03T09:30:00.000Z",' +
  '"motion":{"id":"5f0c2a52-3f1e-4b7e-9a41-2d7c1b9e8a10","dealId":"d-42","partnerId":"p-acme","programme":null,' +
  '"state":"requested","ask":"Joint discovery call with the Globex data team before 15 March.","ownerId":"u-77",' +
  '"slaDueAt":"2026-03-10T09:30:00.000Z","createdAt":"2026-03-03T09:30:00.000Z"},' +
  '"transition":{"from":"draft","to":"requested"}}';
const FULL_SIGNATURE = 'v1=ecc7f88879573975f924d9b2320dccf28e358b5c005e7e3a6dbf561a3d4803a9';

describe('partner webhook signing', () => {
  it('given the fixed vectors, when signed, then the signatures match openssl', () => {
    expect(partnerWebhookSignature(SECRET, String(TIMESTAMP), SHORT_BODY)).toBe(SHORT_SIGNATURE);
    expect(partnerWebhookSignature(SECRET, String(TIMESTAMP), Buffer.from(SHORT_BODY))).toBe(SHORT_SIGNATURE);
  });

  it('given a motion event, when the body is built, then it is exactly the documented JSON (no notes, no actors)', () => {
    expect(partnerWebhookBody(MOTION, EVENT)).toBe(FULL_BODY);
  });

  it('given a motion event, when the request is built, then headers carry the delivery id, the timestamp and the signature', () => {
    const request = buildPartnerWebhookRequest({
      url: 'https://partner.example/hooks/partnerloop',
      secret: SECRET,
      deliveryId: DELIVERY_ID,
      timestampSeconds: TIMESTAMP + 0.999,
      body: FULL_BODY,
    });
    expect(request).toEqual({
      url: 'https://partner.example/hooks/partnerloop',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'PartnerLoop-Webhooks/1',
        'X-PartnerLoop-Delivery': DELIVERY_ID,
        'X-PartnerLoop-Timestamp': '1773136800',
        'X-PartnerLoop-Signature': FULL_SIGNATURE,
      },
      body: FULL_BODY,
    });
  });
});

describe('verifyPartnerWebhook', () => {
  const good = {
    [PARTNER_WEBHOOK_HEADERS.signature]: SHORT_SIGNATURE,
    [PARTNER_WEBHOOK_HEADERS.timestamp]: String(TIMESTAMP),
    [PARTNER_WEBHOOK_HEADERS.delivery]: DELIVERY_ID,
  };
  const lower = Object.fromEntries(Object.entries(good).map(([key, value]) => [key.toLowerCase(), value]));

  it.each([
    { case: 'the signed request', headers: good, body: SHORT_BODY, now: TIMESTAMP, expected: 'ok' },
    { case: "node's lower-cased headers", headers: lower, body: SHORT_BODY, now: TIMESTAMP, expected: 'ok' },
    { case: 'a Headers object', headers: new Headers(good), body: SHORT_BODY, now: TIMESTAMP, expected: 'ok' },
    { case: 'the raw body as bytes', headers: good, body: Buffer.from(SHORT_BODY), now: TIMESTAMP, expected: 'ok' },
    {
      case: 'a body changed by one byte',
      headers: good,
      body: SHORT_BODY.replace('requested', 'requestee'),
      now: TIMESTAMP,
      expected: 'mismatch',
    },
    {
      case: 'a re-serialised body',
      headers: good,
      body: JSON.stringify(JSON.parse(SHORT_BODY), null, 1),
      now: TIMESTAMP,
      expected: 'mismatch',
    },
    {
      case: 'another timestamp',
      headers: { ...good, 'X-PartnerLoop-Timestamp': String(TIMESTAMP + 1) },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'mismatch',
    },
    { case: '300 s old', headers: good, body: SHORT_BODY, now: TIMESTAMP + 300, expected: 'ok' },
    { case: '301 s old', headers: good, body: SHORT_BODY, now: TIMESTAMP + 301, expected: 'stale' },
    { case: '301 s in the future', headers: good, body: SHORT_BODY, now: TIMESTAMP - 301, expected: 'stale' },
    {
      case: 'no signature',
      headers: { ...good, 'X-PartnerLoop-Signature': undefined },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'missing_header',
    },
    {
      case: 'no delivery id',
      headers: { ...good, 'X-PartnerLoop-Delivery': undefined },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'missing_header',
    },
    {
      case: 'a non-numeric timestamp',
      headers: { ...good, 'X-PartnerLoop-Timestamp': '2026-03-10' },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'malformed',
    },
    {
      case: 'an unknown scheme',
      headers: { ...good, 'X-PartnerLoop-Signature': SHORT_SIGNATURE.replace('v1=', 'v0=') },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'malformed',
    },
    {
      case: 'a truncated signature',
      headers: { ...good, 'X-PartnerLoop-Signature': SHORT_SIGNATURE.slice(0, -2) },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'malformed',
    },
    {
      case: 'the right signature among several',
      headers: { ...good, 'X-PartnerLoop-Signature': `v1=${'0'.repeat(64)}, ${SHORT_SIGNATURE}` },
      body: SHORT_BODY,
      now: TIMESTAMP,
      expected: 'ok',
    },
  ])('given $case, then the result is $expected', ({ headers, body, now, expected }) => {
    const result = verifyPartnerWebhook({ secrets: SECRET, headers, body, nowSeconds: now });
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
    if (result.ok) expect(result).toEqual({ ok: true, deliveryId: DELIVERY_ID, timestampSeconds: TIMESTAMP });
  });

  it('given a wrong secret, then it is a mismatch; given it among rotated secrets, then the right one verifies', () => {
    const base = { headers: good, body: SHORT_BODY, nowSeconds: TIMESTAMP };
    expect(verifyPartnerWebhook({ ...base, secrets: 'whsec_other_secret_000000' })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyPartnerWebhook({ ...base, secrets: ['whsec_other_secret_000000', SECRET] }).ok).toBe(true);
  });

  it('given a request built by our signer, then our verifier accepts it within a custom tolerance', () => {
    const request = buildPartnerWebhookRequest({
      url: 'https://x.example',
      secret: SECRET,
      deliveryId: DELIVERY_ID,
      timestampSeconds: TIMESTAMP,
      body: FULL_BODY,
    });
    const verify = (now: number) =>
      verifyPartnerWebhook({
        secrets: SECRET,
        headers: request.headers,
        body: request.body,
        nowSeconds: now,
        toleranceSeconds: 60,
      });
    expect(verify(TIMESTAMP + 60).ok).toBe(true);
    expect(verify(TIMESTAMP + 61)).toEqual({ ok: false, reason: 'stale' });
  });
});

describe('classifyDeliveryResponse', () => {
  const NOW_MS = Date.parse('2026-03-10T10:00:00Z');
  it.each([
    { status: 200, expected: { status: 'delivered', httpStatus: 200 } },
    { status: 202, expected: { status: 'delivered', httpStatus: 202 } },
    { status: 204, expected: { status: 'delivered', httpStatus: 204 } },
    {
      status: 301,
      expected: { status: 'failed', error: 'partner endpoint answered HTTP 301 (redirects are not followed)' },
    },
    { status: 400, expected: { status: 'failed', error: 'partner endpoint answered HTTP 400' } },
    { status: 401, expected: { status: 'failed', error: 'partner endpoint answered HTTP 401' } },
    { status: 404, expected: { status: 'failed', error: 'partner endpoint answered HTTP 404' } },
    { status: 410, expected: { status: 'failed', error: 'partner endpoint answered HTTP 410' } },
    { status: 408, expected: { status: 'retry', error: 'partner endpoint answered HTTP 408' } },
    { status: 429, expected: { status: 'retry', error: 'partner endpoint answered HTTP 429' } },
    {
      status: 429,
      retryAfter: '120',
      expected: { status: 'retry', error: 'partner endpoint answered HTTP 429', retryAfterSeconds: 120 },
    },
    {
      status: 503,
      retryAfter: 'Tue, 10 Mar 2026 10:01:30 GMT',
      expected: { status: 'retry', error: 'partner endpoint answered HTTP 503', retryAfterSeconds: 90 },
    },
    { status: 503, retryAfter: 'soon', expected: { status: 'retry', error: 'partner endpoint answered HTTP 503' } },
    { status: 500, expected: { status: 'retry', error: 'partner endpoint answered HTTP 500' } },
  ])('given HTTP $status (Retry-After $retryAfter), then $expected.status', ({ status, retryAfter, expected }) => {
    expect(classifyDeliveryResponse(status, retryAfter ?? null, NOW_MS)).toEqual(expected);
  });
});

describe('classifyDeliveryFailure', () => {
  const NOW_MS = Date.parse('2026-03-10T10:00:00Z');
  it.each([
    {
      failure: { status: undefined, networkError: 'TimeoutError: signal timed out' },
      expected: { action: 'retry', reason: 'partner endpoint unreachable (TimeoutError: signal timed out)' },
    },
    {
      failure: { status: 503, retryAfter: 'Tue, 10 Mar 2026 10:00:01 GMT' },
      expected: { action: 'retry', waitMs: 1_000, reason: 'partner endpoint answered HTTP 503' },
    },
    {
      failure: { status: 429, retryAfter: '2' },
      expected: { action: 'retry', waitMs: 2_000, reason: 'partner endpoint answered HTTP 429' },
    },
    {
      failure: { status: 422, retryAfter: '2' },
      expected: { action: 'fail', reason: 'partner endpoint answered HTTP 422' },
    },
  ])('given $failure, then the shared decision is $expected.action', ({ failure, expected }) => {
    expect(classifyDeliveryFailure(failure, NOW_MS)).toEqual(expected);
  });
});

describe('shouldNotifyPartner', () => {
  it.each([
    { from: null, to: 'draft', notify: false },
    { from: 'draft', to: 'requested', notify: true },
    { from: 'draft', to: 'withdrawn', notify: false },
    { from: 'requested', to: 'accepted', notify: true },
    { from: 'requested', to: 'rejected', notify: true },
    { from: 'requested', to: 'withdrawn', notify: true },
    { from: 'accepted', to: 'active', notify: true },
    { from: 'active', to: 'won', notify: true },
    { from: 'active', to: 'lost', notify: true },
    { from: 'active', to: 'withdrawn', notify: true },
  ] as const)('given $from → $to, then notify=$notify', ({ from, to, notify }) => {
    expect(shouldNotifyPartner(from, to)).toBe(notify);
  });
});

describe('partner_webhook target', () => {
  const endpoint = { partnerId: 'p-acme', url: 'https://partner.example/hook', secret: SECRET, enabled: true };

  it('given an endpoint answering 200, when notified, then one signed POST is sent and it is delivered', async () => {
    const fetchMock = vi.fn(
      async (_url: string | URL | Request, _init?: RequestInit) => new Response('ok', { status: 200 }),
    );
    const target = createPartnerWebhookTarget({
      endpointFor: async () => endpoint,
      fetch: fetchMock as typeof fetch,
      now: () => TIMESTAMP * 1000,
    });
    expect(await target.notify(MOTION, EVENT)).toEqual({ status: 'delivered', httpStatus: 200 });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe('https://partner.example/hook');
    expect(init).toMatchObject({
      method: 'POST',
      body: FULL_BODY,
      redirect: 'manual',
      headers: { 'X-PartnerLoop-Signature': FULL_SIGNATURE, 'X-PartnerLoop-Timestamp': String(TIMESTAMP) },
    });
  });

  it.each([
    { case: 'no endpoint', found: undefined, expected: 'no enabled webhook endpoint for the partner' },
    {
      case: 'a disabled endpoint',
      found: { ...endpoint, enabled: false },
      expected: 'no enabled webhook endpoint for the partner',
    },
  ])('given $case, then it fails without sending', async ({ found, expected }) => {
    const fetchMock = vi.fn();
    const target = createPartnerWebhookTarget({ endpointFor: async () => found, fetch: fetchMock as typeof fetch });
    expect(await target.notify(MOTION, EVENT)).toEqual({ status: 'failed', error: expected });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('given a network error, then it asks for a retry and does not throw', async () => {
    const fetchMock = vi.fn(async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    });
    const target = createPartnerWebhookTarget({ endpointFor: async () => endpoint, fetch: fetchMock as typeof fetch });
    expect(await target.notify(MOTION, EVENT)).toEqual({
      status: 'retry',
      error: 'partner endpoint unreachable (TypeError: fetch failed: connect ECONNREFUSED 127.0.0.1:9)',
    });
  });

  it('given a programme motion, then there is no partner to notify', async () => {
    const target = createPartnerWebhookTarget({ endpointFor: async () => endpoint, fetch: vi.fn() as typeof fetch });
    expect(await target.notify({ ...MOTION, partnerId: null, programme: 'aws' }, EVENT)).toEqual({
      status: 'failed',
      error: 'the motion has no partner to notify',
    });
  });
});
