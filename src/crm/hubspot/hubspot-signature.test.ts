import { describe, expect, it } from 'vitest';
import { hubspotSignedUri, readV3Headers, signV3, verifyV3 } from './hubspot-signature.ts';

/*
 * Vectors derived by hand from HubSpot's documented algorithm (request-validation guide): the source string is
 * method + URI (with HubSpot's listed escapes decoded) + raw body + timestamp, HMAC-SHA256 with the client secret,
 * base64. Each expected value was computed outside this code base with
 *   printf '%s' "<source string>" | openssl dgst -sha256 -hmac '<secret>' -binary | base64
 */
const vectors = [
  {
    name: 'the documentation-style POST example',
    secret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
    method: 'POST',
    uri: 'https://www.example.com/webhook_uri',
    body: '{"example_field":"example_value"}',
    timestamp: 1_700_000_000_000,
    // source: POSThttps://www.example.com/webhook_uri{"example_field":"example_value"}1700000000000
    signature: 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=',
  },
  {
    name: 'a GET whose query carries encoded characters',
    secret: 'demo-secret',
    method: 'GET',
    uri: 'https://app.example.com/webhooks/hubspot?email=a%40b.com&list=%5B1%2C2%5D&q=x%3Ay%20z&t=%3d',
    body: '',
    timestamp: 1_700_000_000_000,
    // source: GEThttps://app.example.com/webhooks/hubspot?email=a@b.com&list=%5B1,2%5D&q=x:y%20z&t=%3d1700000000000
    // (%40 %2C %3A decoded; %5B %5D %20 and the lower-case %3d are not in HubSpot's list and stay encoded)
    signature: 'Fv1cQa5rtmtg3ANbif4ns3lVc9l953Z4Ka7TtljX8xY=',
  },
  {
    name: 'a UTF-8 body (bytes, not UTF-16 code units, are signed)',
    secret: 'demo-secret',
    method: 'POST',
    uri: 'https://partnerloop.example/api/deals/42/partners?portalId=123',
    body: '{"name":"Müller GmbH — Köln"}',
    timestamp: 1_712_345_678_901,
    signature: 'eacDF2mpftrePXESopIJ5OD0q/J0LTCz14LcRcWbTks=',
  },
] as const;

describe('signV3', () => {
  it.each(vectors)('given $name, when signed, then it matches the hand-derived signature', (vector) => {
    expect(signV3(vector)).toBe(vector.signature);
  });

  it('given a raw body as bytes, when signed, then it equals signing the same text', () => {
    const vector = vectors[2];
    expect(signV3({ ...vector, body: Buffer.from(vector.body, 'utf8') })).toBe(vector.signature);
  });

  it('given a lower-case method, when signed, then the method is upper-cased as HubSpot sends it', () => {
    const vector = vectors[0];
    expect(signV3({ ...vector, method: 'post' })).toBe(vector.signature);
  });
});

describe('hubspotSignedUri', () => {
  it.each([
    ['https://x.test/a%3Ab%2Fc%3Fd%40e', 'https://x.test/a:b/c?d@e'],
    ['https://x.test/?v=%21%24%27%28%29%2A%2C%3B', "https://x.test/?v=!$'()*,;"],
    ['https://x.test/?v=%20%26%3D%23%25', 'https://x.test/?v=%20%26%3D%23%25'],
    ['https://x.test/?v=%3a%2f', 'https://x.test/?v=%3a%2f'],
    ['https://x.test/path#fragment', 'https://x.test/path'],
  ])('given %s, when prepared for signing, then it becomes %s', (input, expected) => {
    expect(hubspotSignedUri(input)).toBe(expected);
  });
});

describe('verifyV3', () => {
  const vector = vectors[1];
  const base = {
    signature: vector.signature,
    timestamp: String(vector.timestamp),
    secret: vector.secret,
    method: vector.method,
    uri: vector.uri,
    rawBody: vector.body,
    now: vector.timestamp + 1_000,
  };

  it('given a valid signature within the window, when verified, then it is ok', () => {
    expect(verifyV3(base)).toEqual({ ok: true });
  });

  it('given the URI with the escapes already decoded, when verified, then it is still ok', () => {
    const decoded = 'https://app.example.com/webhooks/hubspot?email=a@b.com&list=%5B1,2%5D&q=x:y%20z&t=%3d';
    expect(verifyV3({ ...base, uri: decoded })).toEqual({ ok: true });
  });

  it.each([
    ['no signature header', { signature: undefined }, 'missing_signature'],
    ['an empty signature header', { signature: '  ' }, 'missing_signature'],
    ['no timestamp header', { timestamp: undefined }, 'missing_timestamp'],
    ['a non-numeric timestamp', { timestamp: '17e11' }, 'invalid_timestamp'],
    ['a timestamp 5 minutes and 1 ms old', { now: vector.timestamp + 300_001 }, 'stale_timestamp'],
    ['a timestamp 2 minutes in the future', { now: vector.timestamp - 120_000 }, 'future_timestamp'],
    ['another secret', { secret: 'other-secret' }, 'signature_mismatch'],
    ['a body changed by one byte', { rawBody: ' ' }, 'signature_mismatch'],
    ['another method', { method: 'POST' }, 'signature_mismatch'],
    ['an http origin instead of https', { uri: vector.uri.replace('https:', 'http:') }, 'signature_mismatch'],
    ['a signature without its padding', { signature: vector.signature.replace(/=+$/, '') }, 'signature_mismatch'],
    ['a signature of another length', { signature: 'AAAA' }, 'signature_mismatch'],
  ] as const)('given %s, when verified, then it fails with %s', (_name, change, reason) => {
    expect(verifyV3({ ...base, ...change })).toEqual({ ok: false, reason });
  });

  it('given a timestamp exactly 5 minutes old, when verified, then it is still accepted', () => {
    expect(verifyV3({ ...base, now: vector.timestamp + 300_000 })).toEqual({ ok: true });
  });

  it('given a custom max age, when the request is older, then it is stale', () => {
    expect(verifyV3({ ...base, maxAgeMs: 500 })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('given repeated header values, when verified, then it refuses to guess', () => {
    expect(verifyV3({ ...base, signature: [vector.signature, vector.signature] })).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });
});

describe('readV3Headers', () => {
  it('given headers in any case, when read, then both values are found', () => {
    expect(readV3Headers({ 'X-HubSpot-Signature-V3': 'sig', 'x-hubspot-request-timestamp': '1', other: 'x' })).toEqual({
      signature: 'sig',
      timestamp: '1',
    });
  });
});
