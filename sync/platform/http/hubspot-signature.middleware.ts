import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { readV3Headers, type VerifyV3Reason, verifyV3 } from '../../../src/crm/hubspot/hubspot-signature.ts';
import { InvalidSignatureError, NotFoundError } from '../../../src/shared/errors.ts';
import type { Tenant, TenantsRepository } from '../store/tenants.repo.ts';
import { BODY_LIMIT } from './app.ts';
import { type TenantThrottle, throttleSignedPortal } from './tenant-throttle.ts';

const REASONS: Readonly<Record<VerifyV3Reason, string>> = {
  missing_signature: 'the X-HubSpot-Signature-v3 header is missing',
  missing_timestamp: 'the X-HubSpot-Request-Timestamp header is missing',
  invalid_timestamp: 'the X-HubSpot-Request-Timestamp header is not a millisecond timestamp',
  stale_timestamp: 'the request timestamp is older than 5 minutes',
  future_timestamp: 'the request timestamp is in the future',
  signature_mismatch: 'the request signature does not match',
};

export interface SignedRoutesOptions {
  /** HubSpot app client secret (the v3 signing key). */
  clientSecret: string;
  /** The origin HubSpot signs against (`PUBLIC_URL`): the service may sit behind a proxy that rewrites the host. */
  publicUrl: string;
  now?: () => number;
  /** The per-portal request budget of the signed API (`signedApi`); webhooks are not throttled. */
  throttle?: TenantThrottle | undefined;
}

export interface SignedApiDeps extends SignedRoutesOptions {
  tenants: TenantsRepository;
}

/**
 * The guard of every `/api` router, in order: signature v3 over the raw bytes, the signed portal's request budget
 * (429 with `Retry-After`), then the tenant from the signed `portalId` (404 for a portal that is not installed).
 * Handlers after it read the tenant with `tenantOf(res)` and scope every read and write to it.
 */
export function signedApi(deps: SignedApiDeps, options: { allowDisconnected?: boolean } = {}): RequestHandler[] {
  return [
    ...signedRequest(deps),
    ...(deps.throttle ? [throttleSignedPortal(deps.throttle)] : []),
    signedTenant(deps.tenants, options),
  ];
}

/**
 * The body of a signed route, read as raw bytes first (the signature covers them exactly) and parsed as JSON only
 * after the signature holds, so an unsigned caller learns nothing about our parser and nothing is touched.
 */
export function signedRequest(options: SignedRoutesOptions): RequestHandler[] {
  const now = options.now ?? Date.now;
  const readRaw = express.raw({
    type: () => true,
    limit: BODY_LIMIT,
    verify: (req, _res, buf) => {
      req.rawBody = buf;
    },
  });
  const verify: RequestHandler = (req, _res, next) => {
    const { signature, timestamp } = readV3Headers(req.headers);
    const result = verifyV3({
      signature,
      timestamp,
      secret: options.clientSecret,
      method: req.method,
      uri: `${options.publicUrl}${req.originalUrl}`,
      rawBody: req.rawBody ?? Buffer.alloc(0),
      now: now(),
    });
    if (!result.ok) {
      next(
        new InvalidSignatureError(`invalid HubSpot signature: ${REASONS[result.reason]}`, { details: [result.reason] }),
      );
      return;
    }
    next();
  };
  return [readRaw, verify, parseJsonBody];
}

/** JSON from the raw bytes kept by `signedRequest` (an empty body is `undefined`). */
function parseJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const raw = req.rawBody;
  req.body = undefined;
  if (!raw || raw.length === 0) {
    next();
    return;
  }
  try {
    req.body = JSON.parse(raw.toString('utf8'));
    next();
  } catch {
    // The same shape body-parser uses, so the error middleware answers `malformed_json` like everywhere else.
    next(
      Object.assign(new SyntaxError('request body is not valid JSON'), { type: 'entity.parse.failed', status: 400 }),
    );
  }
}

/**
 * The tenant of a signed `hubspot.fetch` call: HubSpot appends `portalId` to the URL before signing, so it is signed
 * data. Nothing else (body fields, other headers) can choose the tenant. Use after `signedRequest`.
 */
export function signedTenant(
  tenants: TenantsRepository,
  options: { allowDisconnected?: boolean } = {},
): RequestHandler {
  return async (req, res, next) => {
    const portalId = typeof req.query.portalId === 'string' ? req.query.portalId : undefined;
    if (!portalId || !/^\d{1,20}$/.test(portalId)) {
      next(new InvalidSignatureError('the signed request does not name a HubSpot portal', { details: ['portal_id'] }));
      return;
    }
    const tenant = await tenants.findRecent(`hubspot:${portalId}`);
    if (!tenant || (tenant.status !== 'active' && !options.allowDisconnected)) {
      next(new NotFoundError(`portal ${portalId} has not installed PartnerLoop (or has disconnected it)`));
      return;
    }
    res.locals.tenant = tenant;
    res.locals.userId = signedUserId(req);
    next();
  };
}

/**
 * The acting HubSpot user of a signed `hubspot.fetch` call: HubSpot appends `userId` to the URL before signing, so it
 * is signed data. Anything else (a body field, a header, a repeated parameter) is not a user.
 */
export function signedUserId(req: Request): string | undefined {
  const value = req.query.userId;
  return typeof value === 'string' && /^\d{1,20}$/.test(value) ? value : undefined;
}

/** The tenant `signedTenant` resolved. */
export function tenantOf(res: Response): Tenant {
  const tenant = res.locals.tenant as Tenant | undefined;
  if (!tenant) throw new Error('signedTenant middleware is missing on this route');
  return tenant;
}

/**
 * The acting CRM user, as the request's guard verified it: the signed `userId` of a HubSpot call, or the user the
 * org's own Apex names on a Salesforce card call (sync/card/salesforce-card.middleware.ts). Never from the body.
 */
export function userIdOf(res: Response): string | undefined {
  const userId = res.locals.userId as unknown;
  return typeof userId === 'string' ? userId : undefined;
}

/** Who did it, for the audit log: `user:<CRM user id>`, or `user:unknown` when the CRM named nobody. */
export function actorOf(res: Response): string {
  return `user:${userIdOf(res) ?? 'unknown'}`;
}
