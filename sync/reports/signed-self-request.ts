import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Response } from 'express';
import {
  HUBSPOT_SIGNATURE_V3_HEADER,
  HUBSPOT_TIMESTAMP_HEADER,
  signV3,
} from '../../src/crm/hubspot/hubspot-signature.ts';
import { AppError } from '../../src/shared/errors.ts';
import type { Logger } from '../platform/log/logger.ts';

/** The query parameters HubSpot appends to every `hubspot.fetch` call; a caller's own values for them are dropped. */
const HUBSPOT_APPENDED = ['userId', 'userEmail', 'appId', 'portalId'] as const;
/** HubSpot's default `hubspot.fetch` timeout. */
const TIMEOUT_MS = 15_000;

export interface SelfSigning {
  /** Where this service listens (loopback); the request goes there. */
  serviceUrl: string;
  /** The origin HubSpot signs against (`PUBLIC_URL`); the signature covers this URI. */
  publicUrl: string;
  /** The app's client secret, the signature v3 key. */
  clientSecret: string;
  appId: string | undefined;
  now?: () => number;
}

export interface SelfRequest {
  method: string;
  /** `/api/...` with its query. */
  pathAndQuery: string;
  portalId: string;
  user?: { id: string; email?: string } | undefined;
  body?: Buffer | undefined;
}

/** The service could not reach itself (it is stopping, or its port is gone). */
export class SelfRequestError extends AppError {
  readonly code = 'service_unavailable';
}

/**
 * A request to this service's own signed API exactly as HubSpot would send it for a `hubspot.fetch` call: the
 * portal, user and app appended to the query, signature v3 over the PUBLIC_URL URI, body and a fresh timestamp. Used
 * where the service itself stands in for HubSpot: the pre-signed CSV export links and the sandbox's local pages.
 */
export async function signedSelfRequest(signing: SelfSigning, request: SelfRequest): Promise<globalThis.Response> {
  const target = new URL(request.pathAndQuery, signing.serviceUrl);
  for (const name of HUBSPOT_APPENDED) target.searchParams.delete(name);
  if (request.user) {
    target.searchParams.append('userId', request.user.id);
    if (request.user.email) target.searchParams.append('userEmail', request.user.email);
  }
  if (signing.appId) target.searchParams.append('appId', signing.appId);
  target.searchParams.append('portalId', request.portalId);
  const timestamp = (signing.now ?? Date.now)();
  const body = request.body && request.body.length > 0 ? request.body : undefined;
  const signature = signV3({
    secret: signing.clientSecret,
    method: request.method,
    uri: `${signing.publicUrl}${target.pathname}${target.search}`,
    body: body ?? '',
    timestamp,
  });
  try {
    return await fetch(target, {
      method: request.method,
      headers: {
        accept: 'application/json, text/csv',
        ...(body ? { 'content-type': 'application/json' } : {}),
        [HUBSPOT_SIGNATURE_V3_HEADER]: signature,
        [HUBSPOT_TIMESTAMP_HEADER]: String(timestamp),
      },
      ...(body ? { body: new Uint8Array(body) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (cause) {
    throw new SelfRequestError('the PartnerLoop service could not be reached', { cause });
  }
}

/** Streams an upstream answer back untouched: status, content type (and disposition), body. */
export function relay(upstream: globalThis.Response, res: Response, logger: Logger, what: string): void {
  res.status(upstream.status);
  res.set({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  const contentType = upstream.headers.get('content-type');
  if (contentType) res.type(contentType);
  const disposition = upstream.headers.get('content-disposition');
  if (disposition) res.set('content-disposition', disposition);
  if (!upstream.body) {
    res.end();
    return;
  }
  Readable.fromWeb(upstream.body as NodeReadableStream<Uint8Array>)
    .on('error', (error) => {
      logger.warn({ err: error, what }, 'a relayed answer broke off');
      res.destroy(error);
    })
    .pipe(res);
}
