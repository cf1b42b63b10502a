import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from './aws-errors.ts';

/**
 * Server-side check of an AWS Signature Version 4 `Authorization` header, written from the SigV4 algorithm with
 * node:crypto (independent of the SDK's signer, so a signing bug on either side shows up): parse the header, look the
 * access key up, check the credential scope (date, region, service), rebuild the canonical request from the headers
 * the client says it signed, and compare HMACs in constant time.
 *
 * Failures are the 403s AWS JSON services answer: `MissingAuthenticationTokenException` (no header),
 * `IncompleteSignatureException` (a part missing), `UnrecognizedClientException` (unknown access key),
 * `InvalidSignatureException` (wrong scope or signature). The request time is not compared with the clock (AWS allows
 * 15 minutes of skew; a stand-in on a manual clock would refuse every real-time signature).
 */

export interface SignedRequest {
  method: string;
  /** Raw path and query as received, e.g. `/` or `/a%20b?x=1`. */
  url: string;
  /** Lower-case header names (Node's `IncomingMessage.headers`). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SigV4Scope {
  region: string;
  service: string;
}

export type SigV4Outcome = { ok: true; accessKeyId: string } | { ok: false; error: AwsServiceError };

const ALGORITHM = 'AWS4-HMAC-SHA256';

export function verifySigV4(
  request: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  scope: SigV4Scope,
): SigV4Outcome {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parsed = parseAuthorization(authorization);
  if (!parsed) {
    return fail(
      'IncompleteSignatureException',
      `Authorization header requires '${ALGORITHM}' with Credential, SignedHeaders and Signature parameters.`,
    );
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return fail('IncompleteSignatureException', 'The request must carry an X-Amz-Date header (YYYYMMDDTHHMMSSZ).');
  }
  if (!parsed.signedHeaders.includes('host')) {
    return fail('IncompleteSignatureException', "SignedHeaders must include 'host'.");
  }
  const secret = secretFor(parsed.accessKeyId);
  if (secret === undefined)
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (parsed.date !== amzDate.slice(0, 8)) {
    return fail('InvalidSignatureException', `Credential date ${parsed.date} does not match X-Amz-Date ${amzDate}.`);
  }
  if (parsed.region !== scope.region) {
    return fail('InvalidSignatureException', `Credential should be scoped to a valid region, not '${parsed.region}'.`);
  }
  if (parsed.service !== scope.service) {
    return fail('InvalidSignatureException', `Credential should be scoped to the service '${scope.service}'.`);
  }
  if (parsed.terminator !== 'aws4_request') {
    return fail('InvalidSignatureException', "Credential should be scoped with the terminator 'aws4_request'.");
  }

  const bodyHash = sha256Hex(request.body);
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== bodyHash) {
    return fail('InvalidSignatureException', 'The provided x-amz-content-sha256 does not match the request body.');
  }
  const canonical = canonicalRequest(request, parsed.signedHeaders, declaredHash ?? bodyHash);
  const credentialScope = `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonical)].join('\n');
  const key = signingKey(secret, parsed.date, parsed.region, parsed.service);
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(parsed.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(
      'InvalidSignatureException',
      'The request signature does not match the one computed from the request and your secret access key.',
    );
  }
  return { ok: true, accessKeyId: parsed.accessKeyId };
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) return undefined;
  const parts = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    parts.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (credential?.length !== 5 || !signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    return undefined;
  }
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: signedHeaders.split(';').map((name) => name.trim().toLowerCase()),
    signature,
  };
}

/** The canonical request of SigV4: method, URI, query, signed headers with values, their names, payload hash. */
export function canonicalRequest(
  request: SignedRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
  const headers = signedHeaders.map((name) => {
    const value = request.headers[name];
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
  });
  return [
    request.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    headers.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** Non-S3 services encode each path segment once more on top of the encoding it arrived with. */
function canonicalUri(rawPath: string): string {
  if (rawPath === '' || rawPath === '/') return '/';
  return rawPath
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const equals = pair.indexOf('=');
      const key = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
      const value = equals < 0 ? '' : decodeURIComponent(pair.slice(equals + 1));
      return [rfc3986(key), rfc3986(value)] as const;
    });
  pairs.sort(([keyA, valueA], [keyB, valueB]) => (keyA === keyB ? (valueA < valueB ? -1 : 1) : keyA < keyB ? -1 : 1));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date, 'utf8').digest();
  const kRegion = createHmac('sha256', kDate).update(region, 'utf8').digest();
  const kService = createHmac('sha256', kRegion).update(service, 'utf8').digest();
  return createHmac('sha256', kService).update('aws4_request', 'utf8').digest();
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function fail(type: string, message: string): SigV4Outcome {
  return { ok: false, error: new AwsServiceError(403, type, message) };
}
