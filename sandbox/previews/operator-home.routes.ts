import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { NotFoundError } from '../../src/shared/errors.ts';
import { BODY_LIMIT } from '../../sync/platform/http/app.ts';
import type { Logger } from '../../sync/platform/log/logger.ts';
import type { TenantsRepository } from '../../sync/platform/store/tenants.repo.ts';
import { relay, type SelfSigning, signedSelfRequest } from '../../sync/reports/signed-self-request.ts';
import {
  installedPortal,
  PREVIEW_PORTAL_HEADER,
  PREVIEW_USER,
  sendHtml,
  serveBundle,
  servedHostCheck,
} from './card-preview.routes.ts';
import { operatorBundle } from './operator-home.bundle.ts';
import { operatorPage, waitingPage } from './operator-home.pages.ts';

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
    const tenant = await installedPortal(deps.tenants, String(req.params.portalId), 'the operator home');
    await sendHomePage(deps, res, tenant.externalId);
  });
  serveBundle(router, 'home', operatorBundle);
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
  sendHtml(
    res,
    chosen === undefined
      ? waitingPage(cardPreviewBase)
      : operatorPage({ base, cardPreviewBase, portalId: chosen, portals, portalHeader: PREVIEW_PORTAL_HEADER }),
  );
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
  const checkHost = servedHostCheck(deps.publicUrl, 'the operator home');
  return async (req: Request, res: Response) => {
    checkHost(req);
    const pathAndQuery = operatorForwardedPath(req.url, req.method);
    const tenant = await installedPortal(deps.tenants, req.get(PREVIEW_PORTAL_HEADER) ?? '', 'the operator home');
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
