import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import { BODY_LIMIT } from '../http/app.ts';
import type { Logger } from '../log/logger.ts';
import { relay, type SelfSigning, signedSelfRequest } from '../reports/signed-self-request.ts';
import type { Tenant, TenantsRepository } from '../store/tenants.repo.ts';
import { PREVIEW_PORTAL_HEADER, PREVIEW_USER } from './card-preview.routes.ts';
import { operatorBundle } from './operator-home.bundle.ts';
import { operatorPage, type StatusPageInput, statusPage, waitingPage } from './operator-home.pages.ts';

/**
 * What the operator home's signing proxy forwards: the operator API, the card endpoints its deal levers use (the
 * deal view, start co-sell, move a motion), and the scoring config with the match-rules preview for the partner-match
 * rules lever. Anything else — other settings, disconnect, admin routes — is refused.
 */
export const OPERATOR_FORWARDED: ReadonlyArray<{ prefix: string; methods: readonly string[] }> = [
  { prefix: '/api/reports/', methods: ['GET', 'POST', 'PUT'] },
  { prefix: '/api/card/deals/', methods: ['GET', 'POST'] },
  { prefix: '/api/card/motions/', methods: ['POST'] },
  { prefix: '/api/scoring/config', methods: ['GET', 'PUT'] },
  { prefix: '/api/scoring/match-rules/preview', methods: ['POST'] },
];

/** Host names the proxy answers on besides PUBLIC_URL's: loopback only (a DNS-rebound name is refused). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export interface OperatorHomePreviewDeps extends SelfSigning {
  tenants: Pick<TenantsRepository, 'find' | 'listActive'>;
  logger: Logger;
  /** Where the operator home lives (`/operator`): its bundle and proxy. */
  base?: string;
  /** Where the local card preview lives (`/preview`): deal links open there. */
  cardPreviewBase?: string;
}

/**
 * The local operator home (sandbox mode only, like the card preview): `GET /` (mounted at `/operator`) and
 * `/portals/{portalId}` render the real OperatorHome from a browser bundle; `/api/*` is a proxy that plays HubSpot's
 * part of `hubspot.fetch` — it appends the portal (from the page's header), the preview user and the app, signs with
 * signature v3 and forwards to this service's own operator API. Nothing secret reaches the browser.
 */
export function operatorHomePreviewRouter(deps: OperatorHomePreviewDeps): Router {
  const router = express.Router();
  const base = deps.base ?? '/operator';
  router.get('/', (_req, res) => sendHomePage(deps, res, undefined));
  router.get('/portals/:portalId', async (req, res) => {
    const tenant = await installedPortal(deps.tenants, String(req.params.portalId));
    await sendHomePage(deps, res, tenant.externalId);
  });
  router.get('/home.js', async (_req, res) => {
    const bundle = await operatorBundle();
    res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.type('text/javascript').send(bundle.js);
  });
  router.get('/home.css', async (_req, res) => {
    const bundle = await operatorBundle();
    res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.type('text/css').send(bundle.css);
  });
  router.use('/api', express.raw({ type: () => true, limit: BODY_LIMIT }), signingProxy(deps, base));
  return router;
}

/** `GET /` in sandbox mode: the operator home itself (the same page as `/operator`). */
export function operatorHomeRootRouter(deps: OperatorHomePreviewDeps): Router {
  const router = express.Router();
  router.get('/', (_req, res) => sendHomePage(deps, res, undefined));
  return router;
}

async function sendHomePage(deps: OperatorHomePreviewDeps, res: Response, portalId: string | undefined) {
  const base = deps.base ?? '/operator';
  const cardPreviewBase = deps.cardPreviewBase ?? '/preview';
  const portals = (await deps.tenants.listActive('hubspot')).map((tenant) => tenant.externalId);
  const chosen = portalId ?? portals[0];
  res.set(PAGE_HEADERS);
  if (chosen === undefined) {
    res.type('html').send(waitingPage(cardPreviewBase));
    return;
  }
  res
    .type('html')
    .send(operatorPage({ base, cardPreviewBase, portalId: chosen, portals, portalHeader: PREVIEW_PORTAL_HEADER }));
}

async function installedPortal(tenants: Pick<TenantsRepository, 'find'>, portalId: string): Promise<Tenant> {
  if (!/^\d{1,20}$/.test(portalId)) throw new InvalidInputError('the operator home names no valid HubSpot portal id');
  const tenant = await tenants.find(`hubspot:${portalId}`);
  if (tenant?.status !== 'active') throw new NotFoundError(`portal ${portalId} is not an installed sandbox portal`);
  return tenant;
}

/** Where a proxied request goes: `/api` + the path under `<base>/api`, normalised, and only on the allowed prefixes. */
export function operatorForwardedPath(pathAndQuery: string, method: string): string {
  const target = new URL(`/api${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`, 'http://service.invalid');
  const rule = OPERATOR_FORWARDED.find((candidate) => target.pathname.startsWith(candidate.prefix));
  if (!rule?.methods.includes(method)) {
    throw new NotFoundError(
      `the operator home only forwards ${OPERATOR_FORWARDED.map((r) => `${r.methods.join('|')} ${r.prefix}…`).join(', ')}; not ${method} ${target.pathname}`,
    );
  }
  return `${target.pathname}${target.search}`;
}

function signingProxy(deps: OperatorHomePreviewDeps, base: string): RequestHandler {
  const publicHost = new URL(deps.publicUrl).hostname;
  return async (req: Request, res: Response) => {
    if (req.hostname !== publicHost && !LOOPBACK_HOSTS.has(req.hostname)) {
      throw new NotFoundError(`the operator home answers on ${publicHost} and loopback only`);
    }
    const pathAndQuery = operatorForwardedPath(req.url, req.method);
    const tenant = await installedPortal(deps.tenants, req.get(PREVIEW_PORTAL_HEADER) ?? '');
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const upstream = await signedSelfRequest(deps, {
      method: req.method,
      pathAndQuery,
      portalId: tenant.externalId,
      user: PREVIEW_USER,
      body,
    });
    relay(upstream, res, deps.logger, `${base}/api${pathAndQuery}`);
  };
}

export interface StatusPageDeps extends Omit<StatusPageInput, 'tenants'> {
  tenants: Pick<TenantsRepository, 'listActive'> | undefined;
}

/**
 * `GET /` outside sandbox mode: a small HTML status page for a browser (what runs here, where the pages are, health
 * links); a client that asks for JSON gets `{service, status}`.
 */
export function statusPageRouter(deps: StatusPageDeps): Router {
  const router = express.Router();
  router.get('/', async (req, res) => {
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ service: 'partnerloop', status: 'ok', sandbox: false });
      return;
    }
    const tenants = deps.tenants ? (await deps.tenants.listActive('hubspot')).length : 0;
    res.set({ ...PAGE_HEADERS, 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
    res.type('html').send(statusPage({ ...deps, tenants }));
  });
  return router;
}
