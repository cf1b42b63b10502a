import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type Clock, systemClock } from '../src/shared/clock.ts';
import { type DemoPortal, generateDemoPortal } from './demo/demo-portal.ts';
import { type HubSpotErrorBody, SandboxHttpError } from './hubspot/errors.ts';
import {
  DEFAULT_SCOPES,
  DEFAULT_TOKEN_SETTINGS,
  type IssuedTokens,
  oauthRouter,
  type SandboxApp,
  SandboxOAuth,
  type TokenSettings,
} from './hubspot/oauth.ts';
import type { ChangeActor } from './hubspot/portal/portal-changes.ts';
import { SandboxPortal } from './hubspot/portal/sandbox-portal.ts';
import { crmRouter } from './hubspot/routes/crm.routes.ts';
import type { RouteDeps } from './hubspot/routes/crm-request.ts';
import { usersRouter } from './hubspot/users.ts';
import { WebhookDispatcher, type WebhookOptions } from './hubspot/webhooks.ts';
import { controlRoutes } from './kit/control-routes.ts';
import { applyFault, type FaultAction, FaultInjector, type FaultRule } from './kit/faults.ts';
import { DEFAULT_LIMITS, PortalLimiter, rateLimitBody, type SandboxLimits } from './kit/limits.ts';

/**
 * The CRM sandbox: a loopback HTTP server that speaks the HubSpot subset PartnerLoop uses (OAuth, CRM objects,
 * search, properties, associations v4, pipelines, owners, the Settings API's users) with HubSpot's shapes, limits and errors, seeded with a
 * demo portal, able to inject faults, count calls per route, and deliver signed webhooks when records change.
 *
 * `@hubspot/api-client` works against it with `basePath: sandbox.url`; so does any HTTP client.
 */

export interface SandboxPortalSpec {
  portalId?: number;
  seed?: number;
  deals?: number;
  /** The day the demo history ends (YYYY-MM-DD; default the generator's fixed date, for deterministic tests). */
  asOf?: string;
  /** Start with HubSpot's built-in definitions only: no records, pipelines, owners or labels. */
  empty?: boolean;
}

export interface SandboxOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** Seed and size of the default portal's demo data. */
  seed?: number;
  deals?: number;
  portalId?: number;
  /** The day the default portal's demo history ends (`npm start` uses today, so scores are not all dormant). */
  asOf?: string;
  /** The default portal starts empty (no demo data). */
  empty?: boolean;
  /** More portals (tenants) next to the default one. */
  portals?: SandboxPortalSpec[];
  limits?: Partial<SandboxLimits>;
  faults?: FaultRule[];
  faultSeed?: number;
  /** Where signed webhook batches go; unset = no webhooks. */
  webhookTarget?: string;
  webhooks?: Partial<Omit<WebhookOptions, 'target'>>;
  app?: Partial<SandboxApp>;
  tokens?: Partial<TokenSettings>;
  clock?: Clock;
}

export interface RouteStats {
  calls: number;
  statuses: Record<string, number>;
  rateLimited: number;
  injected: number;
}

export interface SandboxStats {
  calls: number;
  /** 429s the sandbox sent because a limit was exceeded (not injected ones). */
  rateLimited: number;
  /** Requests that got an injected fault (status, drop or latency). */
  injected: number;
  routes: Record<string, RouteStats>;
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:52133` — the `basePath` for the SDK, `HUBSPOT_API_BASE_URL` for the app. */
  url: string;
  port: number;
  app: SandboxApp;
  /** The default portal, its state readable and writable by tests. */
  portal: SandboxPortal;
  portals: ReadonlyMap<number, SandboxPortal>;
  /** The generated demo data of the default portal (truth included), when seeded. */
  demo: DemoPortal | undefined;
  oauth: SandboxOAuth;
  limits: SandboxLimits;
  faults: FaultInjector;
  webhooks: WebhookDispatcher;
  clock: Clock;
  /** A ready access + refresh token for a portal (default portal, all app scopes, standard lifetime). */
  issueToken(options?: { portalId?: number; lifetimeMs?: number; scopes?: string[] }): IssuedTokens;
  /** Adds a portal (tenant) at run time. */
  addPortal(spec: SandboxPortalSpec): SandboxPortal;
  /** Makes a change as a HubSpot user in the UI would (webhooks say `changeSource: CRM_UI`). */
  userActor(userId?: number): ChangeActor;
  stats(): SandboxStats;
  resetStats(): void;
  close(): Promise<void>;
}

const DEFAULT_APP: SandboxApp = {
  clientId: 'sandbox-client-id-0000',
  clientSecret: 'sandbox-client-secret-0000',
  appId: 4_242_424,
  redirectUris: [],
};

/** `/crm/v3/objects/deals/30000000001` → `/crm/v3/objects/deals/:id`; tokens and numbers become placeholders. */
export function routeKey(method: string, path: string): string {
  const segments = path.split('/').map((segment, index, all) => {
    if (/^\d+$/.test(segment)) return ':id';
    const previous = all[index - 1];
    if (previous === 'access-tokens' || previous === 'refresh-tokens') return ':token';
    return segment;
  });
  return `${method.toUpperCase()} ${segments.join('/')}`;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const app: SandboxApp = { ...DEFAULT_APP, ...options.app };
  const tokenSettings: TokenSettings = { ...DEFAULT_TOKEN_SETTINGS, ...options.tokens };
  const faults = new FaultInjector(options.faults ?? [], options.faultSeed ?? 1);
  const portals = new Map<number, SandboxPortal>();
  const limiters = new Map<number, PortalLimiter>();
  const webhooks = new WebhookDispatcher({ ...options.webhooks, target: options.webhookTarget }, app, clock);

  const demoFor = (spec: SandboxPortalSpec): DemoPortal | undefined =>
    spec.empty
      ? undefined
      : generateDemoPortal({
          ...(spec.seed === undefined ? {} : { seed: spec.seed }),
          ...(spec.deals === undefined ? {} : { deals: spec.deals }),
          ...(spec.portalId === undefined ? {} : { portalId: spec.portalId }),
          ...(spec.asOf === undefined ? {} : { asOf: spec.asOf }),
        });
  const createPortal = (spec: SandboxPortalSpec, demo: DemoPortal | undefined): SandboxPortal => {
    const portalId = spec.portalId ?? demo?.portalId ?? 48_151_623 + portals.size;
    if (portals.has(portalId)) throw new Error(`portal ${portalId} already exists`);
    const portal = new SandboxPortal({ portalId, clock, ...(demo ? { demo } : {}) });
    portals.set(portalId, portal);
    limiters.set(portalId, new PortalLimiter(limits));
    portal.onChange((change) => webhooks.record(portalId, change));
    return portal;
  };
  const addPortal = (spec: SandboxPortalSpec) => createPortal(spec, demoFor(spec));

  const defaultSpec: SandboxPortalSpec = {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.deals === undefined ? {} : { deals: options.deals }),
    ...(options.portalId === undefined ? {} : { portalId: options.portalId }),
    ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
    ...(options.empty ? { empty: true } : {}),
  };
  const defaultDemo = demoFor(defaultSpec);
  const defaultPortal = createPortal(defaultSpec, defaultDemo);
  for (const spec of options.portals ?? []) addPortal(spec);

  const oauth = new SandboxOAuth(app, tokenSettings, clock, (portalId) => portals.has(portalId));

  // --- stats ---------------------------------------------------------------------------------------------------
  let stats: SandboxStats = { calls: 0, rateLimited: 0, injected: 0, routes: {} };
  const routeStats = (key: string): RouteStats => {
    let entry = stats.routes[key];
    if (!entry) {
      entry = { calls: 0, statuses: {}, rateLimited: 0, injected: 0 };
      stats.routes[key] = entry;
    }
    return entry;
  };

  const expressApp = express();
  expressApp.disable('x-powered-by');
  expressApp.set('etag', false);

  expressApp.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/_sandbox')) {
      next();
      return;
    }
    const key = routeKey(req.method, req.path);
    stats.calls++;
    const entry = routeStats(key);
    entry.calls++;
    res.on('finish', () => {
      const status = String(res.statusCode);
      entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
      if (res.statusCode === 429 && !res.locals.injected) {
        stats.rateLimited++;
        entry.rateLimited++;
      }
    });
    res.setHeader('x-hubspot-correlation-id', randomUUID());

    const fault = faults.next(req.method, req.path);
    if (!fault || fault.type === 'pass') {
      next();
      return;
    }
    stats.injected++;
    entry.injected++;
    res.locals.injected = true;
    applyFault(fault, req, res, next, (injected) => injectedStatus(injected, res, app.appId, defaultPortal.portalId));
  });

  // Sandbox controls (not HubSpot): stats and faults for benchmarks running in another process.
  expressApp.use(
    controlRoutes({
      stats: () => stats,
      resetStats: () => {
        stats = { calls: 0, rateLimited: 0, injected: 0, routes: {} };
      },
      faults,
    }),
  );

  expressApp.use(
    oauthRouter({
      oauth,
      defaultPortalId: () => defaultPortal.portalId,
      hubDomain: (portalId) => portals.get(portalId)?.hubDomain ?? `${portalId}.hubspot.example`,
    }),
  );

  // --- CRM: Bearer auth → rate limits → JSON body → routes -------------------------------------------------------
  const authenticate = (req: Request, res: Response, next: NextFunction) => {
    const token = oauth.authenticate(req.get('authorization'));
    const portal = portals.get(token.portalId);
    if (!portal) throw new SandboxHttpError(401, { message: 'Unknown portal', category: 'INVALID_AUTHENTICATION' });
    res.locals.portal = portal;
    res.locals.scopes = token.scopes;
    res.locals.actor = { changeSource: 'INTEGRATION', sourceId: String(app.appId) } satisfies ChangeActor;
    const limiter = limiters.get(portal.portalId);
    const kind =
      req.method === 'POST' && /\/search\/?$/.test(req.path)
        ? 'search'
        : limits.exemptAssociationsFromTenSecondly &&
            /^\/crm\/(v4\/associations|associations\/2026-03)\//.test(req.originalUrl)
          ? 'exempt'
          : 'general';
    const outcome = limiter?.check(kind, clock.now());
    if (outcome) for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
    if (outcome && !outcome.allowed && outcome.policy) {
      const retryAfter = limits.sendRetryAfter
        ? { 'Retry-After': String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000))) }
        : {};
      throw new SandboxHttpError(429, rateLimitBody(outcome.policy, app.appId, portal.portalId), retryAfter);
    }
    next();
  };
  const json = express.json({
    limit: limits.maxBodyBytes,
    type: ['application/json', 'application/*+json', 'text/json'],
  });
  const deps: RouteDeps = { clock, limits };
  const crm = express.Router();
  crm.use('/crm', authenticate, json);
  crm.use(crmRouter(deps));
  expressApp.use(crm);
  // Settings API (user provisioning): the role lookups behind the service's admin checks; same auth and limits.
  expressApp.use(['/settings/users/2026-03', '/settings/v3/users'], authenticate, usersRouter());

  expressApp.use((req: Request, res: Response) => {
    sendError(
      res,
      new SandboxHttpError(404, { message: `No route for ${req.method} ${req.path}`, category: 'OBJECT_NOT_FOUND' }),
    );
  });
  expressApp.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toSandboxError(error, limits.maxBodyBytes));
  });

  const server = await listen(expressApp, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    app,
    portal: defaultPortal,
    portals,
    demo: defaultDemo,
    oauth,
    limits,
    faults,
    webhooks,
    clock,
    issueToken: (issue = {}) =>
      oauth.issue(
        {
          portalId: issue.portalId ?? defaultPortal.portalId,
          userId: 9_000_001,
          user: 'admin@demo-vendor.example',
          scopes: issue.scopes ?? [...DEFAULT_SCOPES],
        },
        issue.lifetimeMs,
      ),
    addPortal,
    userActor: (userId = 9_000_001) => ({ changeSource: 'CRM_UI', sourceId: `userId:${userId}` }),
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = { calls: 0, rateLimited: 0, injected: 0, routes: {} };
    },
    close: async () => {
      await webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** An injected status in HubSpot's shapes: its 429 body names the rolling window, the rest the category. */
function injectedStatus(
  fault: Extract<FaultAction, { type: 'status' }>,
  res: Response,
  appId: number,
  portalId: number,
): void {
  if (fault.body !== undefined) {
    res.status(fault.status).json(fault.body);
    return;
  }
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  const error =
    fault.status === 429
      ? new SandboxHttpError(429, rateLimitBody('TEN_SECONDLY_ROLLING', appId, portalId), headers)
      : new SandboxHttpError(
          fault.status,
          {
            message: fault.status >= 500 ? 'internal error' : `injected ${fault.status}`,
            category: fault.status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR',
          },
          headers,
        );
  sendError(res, error);
}

function toSandboxError(error: unknown, maxBodyBytes: number): SandboxHttpError {
  if (error instanceof SandboxHttpError) return error;
  const type = (error as { type?: unknown })?.type;
  if (type === 'entity.too.large') {
    return new SandboxHttpError(413, {
      message: `The request body is larger than the ${maxBodyBytes} bytes allowed.`,
      category: 'VALIDATION_ERROR',
    });
  }
  if (type === 'entity.parse.failed') {
    const detail = error instanceof Error ? error.message : 'malformed JSON';
    return new SandboxHttpError(400, {
      message: `Invalid input JSON on line 1: ${detail}`,
      category: 'VALIDATION_ERROR',
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SandboxHttpError(500, { message: `internal error: ${message}`, category: 'INTERNAL_ERROR' });
}

function sendError(res: Response, error: SandboxHttpError): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body: HubSpotErrorBody = error.body;
  res.status(error.status).json(body);
}
