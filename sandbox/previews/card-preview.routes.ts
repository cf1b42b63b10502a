import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Kysely } from 'kysely';
import {
  HUBSPOT_SIGNATURE_V3_HEADER,
  HUBSPOT_TIMESTAMP_HEADER,
  signV3,
} from '../../src/crm/hubspot/hubspot-signature.ts';
import { AppError, InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import { BODY_LIMIT } from '../../sync/platform/http/app.ts';
import { PAGE_HEADERS } from '../../sync/platform/http/html-page.ts';
import type { SignedRoutesOptions } from '../../sync/platform/http/hubspot-signature.middleware.ts';
import type { Logger } from '../../sync/platform/log/logger.ts';
import type { StoreSchema } from '../../sync/platform/store/schema.ts';
import type { Tenant, TenantsRepository } from '../../sync/platform/store/tenants.repo.ts';
import { type PreviewBundle, previewBundle } from './card-preview.bundle.ts';
import { dealPage, type IndexPortal, indexPage } from './card-preview.pages.ts';
import { PreviewDealsRepository } from './preview-deals.repo.ts';

/** Deals listed per portal on the index; the search box narrows the rest. */
export const PREVIEW_INDEX_LIMIT = 200;

/**
 * Header the preview page's fetcher names its portal in; the proxy turns it into the signed `portalId`. Being a custom
 * header, it also keeps other sites out: a cross-origin request carrying it needs a CORS preflight, which the service
 * never grants, and a request without it is refused.
 */
export const PREVIEW_PORTAL_HEADER = 'x-partnerloop-preview-portal';

/** Host names the proxy answers on besides PUBLIC_URL's: loopback only (a DNS-rebound name is refused). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Who the preview acts as: the sandbox demo portal's installing admin (HubSpot user 9000001, see
 * sandbox/hubspot/oauth.ts), so a change made from the preview is audit-logged as `user:9000001`.
 */
export const PREVIEW_USER = { id: '9000001', email: 'admin@demo-vendor.example' } as const;

/** The only service paths the proxy forwards to: the card's API. Everything else is refused (no open proxy). */
const FORWARDED_PREFIX = '/api/card/';
/** The query parameters HubSpot appends to a `hubspot.fetch` call; whatever the page sent for them is dropped. */
const HUBSPOT_APPENDED = ['userId', 'userEmail', 'appId', 'portalId'] as const;
const FORWARDED_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** HubSpot's default `hubspot.fetch` timeout. */
const PROXY_TIMEOUT_MS = 15_000;

export interface CardPreviewDeps extends SignedRoutesOptions {
  /** Where this service listens (loopback); the proxy sends its signed requests there. */
  serviceUrl: string;
  /** HubSpot app id, appended as `appId` like HubSpot does. */
  appId: string | undefined;
  tenants: TenantsRepository;
  db: Kysely<StoreSchema>;
  logger: Logger;
}

/** The preview's request to the service failed before an answer arrived (the service itself is unreachable). */
export class PreviewUpstreamError extends AppError {
  readonly code = 'preview_upstream_unavailable';
}

/**
 * The local card preview, mounted at `/preview` in sandbox mode only (sync/service.ts): a deal index, a page per deal
 * that renders the real PartnerCard from a browser bundle, and `/preview/api/card/*`, a proxy that plays HubSpot's
 * part of `hubspot.fetch` — it signs each request with signature v3 (app secret, `PUBLIC_URL` URI, timestamp),
 * appends `portalId`/`userId`/`userEmail`/`appId`, and forwards it to this service's own `/api/card/...`.
 */
export function cardPreviewRouter(deps: CardPreviewDeps): Router {
  const router = express.Router();
  const deals = new PreviewDealsRepository(deps.db);

  router.get('/', async (req, res) => {
    const query = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    const portals: IndexPortal[] = [];
    for (const tenant of await deps.tenants.listActive('hubspot')) {
      const page = await deals.search(tenant.id, query, PREVIEW_INDEX_LIMIT);
      const mirrored = query === '' ? page.total : (await deals.search(tenant.id, '', 0)).total;
      portals.push({ portalId: tenant.externalId, query, deals: page.deals, total: page.total, mirrored });
    }
    sendHtml(res, indexPage(req.baseUrl, portals, PREVIEW_INDEX_LIMIT));
  });

  serveBundle(router, 'card', previewBundle);

  router.get('/portals/:portalId/deals/:dealId', async (req, res) => {
    const tenant = await installedPortal(deps.tenants, String(req.params.portalId), 'the preview');
    const dealId = String(req.params.dealId);
    // HubSpot gives the card `objectId` as a number: only ids that survive that are previewable.
    if (!/^\d{1,16}$/.test(dealId) || !Number.isSafeInteger(Number(dealId))) {
      throw new InvalidInputError(`deal id must be a HubSpot record id (digits), got "${dealId.slice(0, 40)}"`);
    }
    sendHtml(
      res,
      dealPage({
        base: req.baseUrl,
        portalId: tenant.externalId,
        dealId,
        deal: await deals.find(tenant.id, dealId),
        portalHeader: PREVIEW_PORTAL_HEADER,
      }),
    );
  });

  router.use(
    '/api',
    express.raw({ type: () => true, limit: BODY_LIMIT }),
    signingProxy(deps, (portalId) => installedPortal(deps.tenants, portalId, 'the preview')),
  );
  return router;
}

/** `GET /<name>.js` and `/<name>.css`: a preview's browser bundle, built on first use. */
export function serveBundle(router: Router, name: string, bundle: () => Promise<PreviewBundle>): void {
  router.get(`/${name}.js`, async (_req, res) => {
    const { js } = await bundle();
    res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.type('text/javascript').send(js);
  });
  router.get(`/${name}.css`, async (_req, res) => {
    const { css } = await bundle();
    res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.type('text/css').send(css);
  });
}

/** The sandbox portal a local page names (`who` names the page in the error), when it is installed and active. */
export async function installedPortal(
  tenants: Pick<TenantsRepository, 'find'>,
  portalId: string,
  who: string,
): Promise<Tenant> {
  if (!/^\d{1,20}$/.test(portalId)) throw new InvalidInputError(`${who} names no valid HubSpot portal id`);
  const tenant = await tenants.find(`hubspot:${portalId}`);
  if (tenant?.status !== 'active') {
    throw new NotFoundError(`portal ${portalId} is not an installed sandbox portal`);
  }
  return tenant;
}

export function sendHtml(res: Response, html: string): void {
  res.set(PAGE_HEADERS);
  res.type('html').send(html);
}

/** Where a proxied request goes: `/api` + the path under `/preview/api`, normalised, and only under `/api/card/`. */
export function forwardedUrl(serviceUrl: string, pathAndQuery: string): URL {
  // WHATWG URL parsing resolves `..`, `%2e%2e` and backslashes, so the check below sees the path that is sent.
  const target = new URL(`/api${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`, serviceUrl);
  if (!target.pathname.startsWith(FORWARDED_PREFIX)) {
    throw new NotFoundError(
      `the card preview only forwards the card API (${FORWARDED_PREFIX}…), not ${target.pathname}`,
    );
  }
  return target;
}

/** Refuses a request on any host but PUBLIC_URL's and loopback (a DNS-rebound name included). */
export function servedHostCheck(publicUrl: string, who: string): (req: Request) => void {
  const publicHost = new URL(publicUrl).hostname;
  return (req) => {
    if (req.hostname !== publicHost && !LOOPBACK_HOSTS.has(req.hostname)) {
      throw new NotFoundError(`${who} answers on ${publicHost} and loopback only`);
    }
  };
}

function signingProxy(deps: CardPreviewDeps, portalOf: (portalId: string) => Promise<Tenant>): RequestHandler {
  const now = deps.now ?? Date.now;
  const checkHost = servedHostCheck(deps.publicUrl, 'the card preview');
  return async (req: Request, res: Response) => {
    checkHost(req);
    const target = forwardedUrl(deps.serviceUrl, req.url);
    if (!FORWARDED_METHODS.has(req.method)) {
      throw new NotFoundError(`the card preview does not forward ${req.method} requests`);
    }
    const header = req.get(PREVIEW_PORTAL_HEADER) ?? '';
    const tenant = await portalOf(header);

    // What HubSpot appends, in its place: the page cannot choose the portal, user or app by itself.
    for (const name of HUBSPOT_APPENDED) target.searchParams.delete(name);
    target.searchParams.append('userId', PREVIEW_USER.id);
    target.searchParams.append('userEmail', PREVIEW_USER.email);
    if (deps.appId) target.searchParams.append('appId', deps.appId);
    target.searchParams.append('portalId', tenant.externalId);

    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const timestamp = now();
    // Signed against PUBLIC_URL (what HubSpot signs), sent to the loopback address the service listens on.
    const signature = signV3({
      secret: deps.clientSecret,
      method: req.method,
      uri: `${deps.publicUrl}${target.pathname}${target.search}`,
      body: body ?? '',
      timestamp,
    });
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(target, {
        method: req.method,
        headers: {
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
          [HUBSPOT_SIGNATURE_V3_HEADER]: signature,
          [HUBSPOT_TIMESTAMP_HEADER]: String(timestamp),
        },
        ...(body ? { body: new Uint8Array(body) } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new PreviewUpstreamError('the card preview could not reach the PartnerLoop service', { cause });
    }
    res.status(upstream.status);
    res.set({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const contentType = upstream.headers.get('content-type');
    if (contentType) res.type(contentType);
    if (!upstream.body) {
      res.end();
      return;
    }
    // The service's answer (status, JSON or its error envelope) streams back untouched.
    Readable.fromWeb(upstream.body as NodeReadableStream<Uint8Array>)
      .on('error', (error) => {
        deps.logger.warn({ err: error, path: target.pathname }, 'card preview: the proxied answer broke off');
        res.destroy(error);
      })
      .pipe(res);
  };
}
