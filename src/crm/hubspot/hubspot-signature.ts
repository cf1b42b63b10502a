import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HubSpot request signature v3 (webhooks, `hubspot.fetch` from cards, CRM cards): base64 of
 * HMAC-SHA256(client secret, method + URI + raw body + timestamp), timestamp in milliseconds from the
 * `X-HubSpot-Request-Timestamp` header. Source: developers.hubspot.com/docs/apps/developer-platform/build-apps/
 * authentication/request-validation (see docs/BEHAVIOR.md). Pure: node:crypto only, no SDK.
 */

export const HUBSPOT_SIGNATURE_V3_HEADER = 'x-hubspot-signature-v3';
export const HUBSPOT_TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
/** HubSpot tells receivers to reject requests whose timestamp is older than five minutes. */
export const HUBSPOT_SIGNATURE_MAX_AGE_MS = 300_000;
/** Clock skew we tolerate the other way; HubSpot does not document one, a far-future timestamp is a forgery. */
export const HUBSPOT_SIGNATURE_MAX_FUTURE_MS = 60_000;

/**
 * The only escapes HubSpot decodes before signing, exactly as its documentation lists them (upper-case hex).
 * Everything else — `%20`, `%26`, `%3D`, lower-case escapes — stays as it is in the URI.
 */
const DECODED_ESCAPES: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};
const ESCAPE_PATTERN = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/g;

/** The URI as HubSpot signs it: full origin + path + query, with the listed escapes decoded, no fragment. */
export function hubspotSignedUri(uri: string): string {
  const hash = uri.indexOf('#');
  const withoutFragment = hash === -1 ? uri : uri.slice(0, hash);
  return withoutFragment.replace(ESCAPE_PATTERN, (sequence) => DECODED_ESCAPES[sequence] ?? sequence);
}

export interface SignV3Input {
  secret: string;
  method: string;
  /** Full URI: origin + path + query, as the request was addressed (e.g. `https://app.example.com/webhooks?x=1`). */
  uri: string;
  /** The raw request body exactly as sent (empty string for GET). */
  body: string | Uint8Array;
  /** Milliseconds since the epoch, as sent in `X-HubSpot-Request-Timestamp`. */
  timestamp: number | string;
}

/** The HMAC of method + URI + body + timestamp, fed in parts (the same bytes as their concatenation, no copies). */
function signatureBytes(input: SignV3Input): Buffer {
  const hmac = createHmac('sha256', input.secret).update(`${input.method.toUpperCase()}${hubspotSignedUri(input.uri)}`);
  if (typeof input.body === 'string') hmac.update(input.body);
  else hmac.update(input.body);
  return hmac.update(String(input.timestamp)).digest();
}

/** The `X-HubSpot-Signature-v3` value for a request. */
export function signV3(input: SignV3Input): string {
  return signatureBytes(input).toString('base64');
}

export type VerifyV3Reason =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'signature_mismatch';

export type VerifyV3Result = { ok: true } | { ok: false; reason: VerifyV3Reason };

type HeaderValue = string | readonly string[] | undefined;

export interface VerifyV3Input {
  /** `X-HubSpot-Signature-v3` header value. */
  signature: HeaderValue;
  /** `X-HubSpot-Request-Timestamp` header value (milliseconds). */
  timestamp: HeaderValue;
  secret: string;
  method: string;
  /** Full URI the request was sent to: the public origin (`PUBLIC_URL`) + path + query. */
  uri: string;
  rawBody: string | Uint8Array;
  /** Current time in milliseconds (injected so tests use a fixed clock). */
  now: number;
  maxAgeMs?: number;
  maxFutureMs?: number;
}

function single(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return value.length === 1 ? value[0] : undefined;
}

/** Picks the v3 signature headers out of a Node/Express header object (names are case-insensitive). */
export function readV3Headers(headers: Readonly<Record<string, HeaderValue>>): {
  signature: string | undefined;
  timestamp: string | undefined;
} {
  let signature: string | undefined;
  let timestamp: string | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === HUBSPOT_SIGNATURE_V3_HEADER) signature = single(value);
    else if (lower === HUBSPOT_TIMESTAMP_HEADER) timestamp = single(value);
  }
  return { signature, timestamp };
}

/**
 * Checks a v3 signature: timestamp present, an integer, not older than `maxAgeMs` (5 min) nor further in the future
 * than `maxFutureMs`, and an HMAC equal in constant time. Returns the first reason it fails; never throws.
 */
export function verifyV3(input: VerifyV3Input): VerifyV3Result {
  const signature = single(input.signature)?.trim();
  if (!signature) return { ok: false, reason: 'missing_signature' };
  const timestampText = single(input.timestamp)?.trim();
  if (!timestampText) return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{1,16}$/.test(timestampText)) return { ok: false, reason: 'invalid_timestamp' };
  const timestamp = Number(timestampText);
  const maxAgeMs = input.maxAgeMs ?? HUBSPOT_SIGNATURE_MAX_AGE_MS;
  const maxFutureMs = input.maxFutureMs ?? HUBSPOT_SIGNATURE_MAX_FUTURE_MS;
  if (input.now - timestamp > maxAgeMs) return { ok: false, reason: 'stale_timestamp' };
  if (timestamp - input.now > maxFutureMs) return { ok: false, reason: 'future_timestamp' };

  const expected = signatureBytes({
    secret: input.secret,
    method: input.method,
    uri: input.uri,
    body: input.rawBody,
    timestamp: timestampText,
  });
  // Compare the canonical base64 text, so a value that merely decodes to the same bytes (padding, junk) fails too.
  const given = Buffer.from(signature, 'utf8');
  const wanted = Buffer.from(expected.toString('base64'), 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return { ok: false, reason: 'signature_mismatch' };
  }
  return { ok: true };
}
