import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { SalesforceCredentials } from '../../src/crm/salesforce/salesforce-client.ts';
import { JUNCTION_FIELDS, JUNCTION_OBJECT } from '../../src/crm/salesforce/salesforce-fields.ts';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { type DemoPortal, generateDemoPortal } from '../demo/demo-portal.ts';
import { controlRoutes } from '../kit/control-routes.ts';
import { applyFault, type FaultAction, FaultInjector, type FaultRule } from '../kit/faults.ts';
import { ApiUsage } from './api-usage.ts';
import {
  DEMO_USER_PASSWORD,
  demoPicklists,
  PARTNER_JUNCTION,
  type PartnerJunctionNames,
  type PartnerLink,
  seedAdminOnly,
  seedDemoOrg,
  seedProfiles,
  writePartnerLinks,
} from './demo-org.ts';
import { SalesforceOrg } from './org/salesforce-org.ts';
import { collectionsRouter } from './routes/collections.routes.ts';
import { dataRouter } from './routes/data.routes.ts';
import { oauthRouter } from './routes/oauth.routes.ts';
import type { RestLocals, RouteContext } from './routes/route-context.ts';
import { toolingRouter } from './routes/tooling.routes.ts';
import { apiError, errors, RecordWriteError, SalesforceHttpError } from './salesforce-errors.ts';
import { to18 } from './salesforce-ids.ts';
import { SalesforceOAuth, type TokenResponse } from './salesforce-oauth.ts';
import { QueryCursors } from './soql/query-cursors.ts';
import { SoqlError } from './soql/soql-parser.ts';

/**
 * The Salesforce stand-in (SPEC §5): a loopback server that speaks the subset of Salesforce's REST API PartnerLoop's
 * connector uses, driven in tests by the real jsforce 3.10.16 client:
 *
 *   const oauth2 = new OAuth2({ loginUrl: sf.loginUrl, clientId: sf.clientId, clientSecret: sf.clientSecret,
 *                               redirectUri, useVerifier: true });
 *   const conn = new Connection({ oauth2, instanceUrl: sf.url, accessToken, refreshToken, version: sf.apiVersion });
 *
 * Served at the origin root (jsforce's Bulk 2.0 URLs drop any path prefix), as both the login host and the instance:
 * OAuth 2.0 web server flow with PKCE and optional refresh-token rotation (salesforce-oauth.ts), the identity URL,
 * `/services/data/` versions, and under `/services/data/vXX.X/`: query/queryAll/queryMore, describe, sObject CRUD and
 * upsert, sObject Collections, limits, get-updated/deleted and the Tooling API's CustomField/CustomObject
 * provisioning. Every REST call counts against the org's rolling-24-hour API allowance and answers
 * `Sforce-Limit-Info: api-usage=n/m`; past the allowance the answer is 403 REQUEST_LIMIT_EXCEEDED (no Retry-After).
 *
 * Per request, in order: fault injection (a proxy failing in front of Salesforce) → [REST] API version →
 * authentication (401 INVALID_SESSION_ID) → the API allowance → the route. Faults match `req.path`:
 * `{ route: 'POST /services/data/*\/composite/sobjects', script: [503, 'pass'] }`.
 */

export interface SalesforceOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** The one clock: SystemModstamp, token inactivity, the API allowance's 24 hours, query cursor expiry. */
  clock?: Clock;
  faults?: FaultRule[];
  faultSeed?: number;
  /** The HubSpot demo portal's story in Salesforce terms (demo-org.ts); `{deals}` sizes it (100k builds in seconds). */
  seedDemo?:
    | boolean
    | {
        deals?: number;
        seed?: number;
        asOf?: string;
        /**
         * Write the demo's partner links as junction rows the moment provisioning has created PartnerLoop's junction
         * (its opportunity, partner, role and split fields), as if the sellers had recorded them: `npm start`'s demo
         * org then shows partners on its deals like the HubSpot demo portal.
         */
        linksAtProvisioning?: boolean;
      };
  /** API requests per rolling 24 hours (default 100,000, an Enterprise org's base allocation). */
  dailyApiLimit?: number;
  /** Each refresh answers a new refresh token and retires the old one (Refresh Token Rotation). Default false. */
  rotateRefreshTokens?: boolean;
  /** Inactivity after which an access token stops working (default 2 hours, Salesforce's default timeout). */
  accessTokenTtlMs?: number;
  /** Refuse authorize requests without a PKCE code_challenge (default true: the partner OAuth mandate). */
  requirePkce?: boolean;
  /** The demo user is signed in and approves at once (default); false answers a login form first. */
  autoLogin?: boolean;
  clientId?: string;
  clientSecret?: string;
  /** The connected app's callback URLs; empty (default) = any http(s) URL. */
  redirectUris?: string[];
  /** The API version the connector is expected to use (default 62.0). */
  apiVersion?: string;
}

export interface SalesforceStats {
  calls: number;
  /** Calls per `METHOD /path` with ids, versions and locators as placeholders, with their statuses. */
  byRoute: Record<string, { calls: number; statuses: Record<string, number> }>;
  /** Calls per operation (`query`, `queryMore`, `collections.update`, `tooling.create`, `oauth.token.refresh_token`…). */
  byOperation: Record<string, number>;
  /** The API allowance as `Sforce-Limit-Info` reports it. */
  apiUsage: { used: number; max: number };
  /** 403 REQUEST_LIMIT_EXCEEDED answers the allowance sent (not injected ones). */
  limitRefused: number;
  /** 401 INVALID_SESSION_ID answers (expired, revoked or unknown tokens). */
  sessionRefused: number;
  /** Requests that met an injected fault. */
  injected: number;
}

export interface DemoUser {
  id: string;
  username: string;
  password: string;
}

export interface SalesforceStandIn {
  /** The instance URL (`instance_url` of token answers): `http://127.0.0.1:<port>`. */
  url: string;
  /** The login host for OAuth (`oauth2.loginUrl`): the same server. */
  loginUrl: string;
  port: number;
  clientId: string;
  clientSecret: string;
  /** The first configured callback URL, when the app has any. */
  redirectUri: string | undefined;
  demoUser: DemoUser;
  /** The 18-character org id (`00D…`). */
  orgId: string;
  apiVersion: string;
  apiVersions: readonly string[];
  org: SalesforceOrg;
  oauth: SalesforceOAuth;
  faults: FaultInjector;
  clock: Clock;
  /** The generated HubSpot demo portal the org was seeded from (truth included), when seeded. */
  demo: DemoPortal | undefined;
  /** The demo's deal↔partner links, waiting for the junction object (see `seedPartnerLinks`). */
  partnerLinks: readonly PartnerLink[];
  /** Writes `partnerLinks` as junction rows once provisioning created the junction (names default to PARTNER_JUNCTION). */
  seedPartnerLinks(names?: Partial<PartnerJunctionNames>): { created: number; failed: number };
  /** The Salesforce id of a HubSpot demo record (deal, company or owner id). */
  salesforceId(hubspotId: string): string | undefined;
  /** Tokens for the demo user without the browser step. */
  issueTokens(options?: { scopes?: string[]; userId?: string }): TokenResponse;
  /** The demo user's fresh session as PartnerLoop stores one (what an install would have saved). */
  session(): SalesforceCredentials;
  /** Every access token times out at once (refresh tokens stay valid). */
  expireSessions(): number;
  /** An admin revokes the connected app: refresh tokens and sessions stop working. */
  revokeTokens(): number;
  stats(): SalesforceStats;
  resetStats(): void;
  close(): Promise<void>;
}

const DEFAULTS = {
  clientId: '3MVG9PartnerLoopStandInConnectedAppConsumerKey0000000000000000000000000000000000000',
  clientSecret: 'PARTNERLOOPSTANDINCONSUMERSECRET0000000000000000000000000000000001',
  orgId: to18('00D5L0000001PLS'),
  orgName: 'Demo Vendor Ltd',
  dailyApiLimit: 100_000,
  accessTokenTtlMs: 2 * 60 * 60_000,
  authCodeTtlMs: 15 * 60_000,
  apiVersion: '62.0',
  scopes: ['api', 'refresh_token', 'id'],
} as const;

/** 41.0 (oldest supported) … 66.0; jsforce 3.10.16 defaults to 50.0. */
export const API_VERSIONS: readonly string[] = Array.from({ length: 26 }, (_, index) => `${41 + index}.0`);

const RELEASES = ['Summer', 'Winter', 'Spring'] as const;

/** `/services/data/v62.0/sobjects/Opportunity/0065L…` → `/services/data/:version/sobjects/Opportunity/:id`. */
export function routeKey(method: string, path: string): string {
  const segments = path.split('/').map((segment, index, all) => {
    if (/^v\d+\.\d$/.test(segment) && all[index - 1] === 'data') return ':version';
    if (/^[A-Za-z0-9]+-\d+$/.test(segment)) return ':locator';
    if (/^(?=[A-Za-z0-9]{0,2}\d)[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/.test(segment)) return ':id';
    return segment;
  });
  return `${method.toUpperCase()} ${segments.join('/')}`;
}

function emptyStats(): Omit<SalesforceStats, 'apiUsage'> {
  return { calls: 0, byRoute: {}, byOperation: {}, limitRefused: 0, sessionRefused: 0, injected: 0 };
}

export async function startSalesforce(options: SalesforceOptions = {}): Promise<SalesforceStandIn> {
  const clock = options.clock ?? systemClock;
  const faults = new FaultInjector(options.faults ?? [], options.faultSeed ?? 1);
  const usage = new ApiUsage(options.dailyApiLimit ?? DEFAULTS.dailyApiLimit);
  const apiVersion = options.apiVersion ?? DEFAULTS.apiVersion;
  let baseUrl = '';

  const seedSpec = options.seedDemo === true ? {} : options.seedDemo || undefined;
  const demo = seedSpec
    ? generateDemoPortal({
        ...(seedSpec.deals === undefined ? {} : { deals: seedSpec.deals }),
        ...(seedSpec.seed === undefined ? {} : { seed: seedSpec.seed }),
        ...(seedSpec.asOf === undefined ? {} : { asOf: seedSpec.asOf }),
      })
    : undefined;
  const org = new SalesforceOrg({
    clock,
    orgId: DEFAULTS.orgId,
    orgName: DEFAULTS.orgName,
    ...(demo ? { picklists: demoPicklists(demo) } : {}),
  });
  const profiles = seedProfiles(org);
  let demoUser: DemoUser;
  let partnerLinks: PartnerLink[] = [];
  let salesforceIds = new Map<string, string>();
  if (demo) {
    const seeded = seedDemoOrg(org, demo, profiles);
    demoUser = { id: seeded.adminUserId, username: seeded.adminUsername, password: DEMO_USER_PASSWORD };
    partnerLinks = seeded.partnerLinks;
    salesforceIds = seeded.salesforceIds;
  } else {
    const admin = seedAdminOnly(org, profiles);
    org.adminUserId = admin.id;
    demoUser = { id: admin.id, username: admin.username, password: DEMO_USER_PASSWORD };
  }

  const oauth = new SalesforceOAuth(
    {
      clientId: options.clientId ?? DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? DEFAULTS.clientSecret,
      redirectUris: options.redirectUris ?? [],
      defaultScopes: DEFAULTS.scopes,
    },
    {
      accessTokenTtlMs: options.accessTokenTtlMs ?? DEFAULTS.accessTokenTtlMs,
      rotateRefreshTokens: options.rotateRefreshTokens ?? false,
      authCodeTtlMs: DEFAULTS.authCodeTtlMs,
      requirePkce: options.requirePkce ?? true,
    },
    clock,
    {
      orgId: org.orgId,
      users: () => [demoUser],
      instanceUrl: () => baseUrl,
      loginUrl: () => baseUrl,
    },
  );
  const context: RouteContext = {
    org,
    oauth,
    clock,
    cursors: new QueryCursors(() => org.ids.next('0r8')),
    usage,
    baseUrl: () => baseUrl,
    apiVersions: API_VERSIONS,
  };

  const seedLinks = (names: Partial<PartnerJunctionNames> = {}) => {
    const result = writePartnerLinks(org, partnerLinks, { ...PARTNER_JUNCTION, ...names }, demoUser.id);
    return { created: result.created, failed: result.failed.length };
  };
  let linksSeeded = !seedSpec?.linksAtProvisioning;
  /** After each Tooling create: once PartnerLoop's junction is complete, the demo's links are written (once). */
  const seedLinksOnceProvisioned = () => {
    if (linksSeeded) return;
    const fields = new Set(org.object(JUNCTION_OBJECT)?.fields.map((field) => field.name));
    const names = [JUNCTION_FIELDS.opportunity, JUNCTION_FIELDS.partner, JUNCTION_FIELDS.role, JUNCTION_FIELDS.split];
    if (!names.every((name) => fields.has(name))) return;
    linksSeeded = true;
    seedLinks({
      object: JUNCTION_OBJECT,
      opportunity: JUNCTION_FIELDS.opportunity,
      partner: JUNCTION_FIELDS.partner,
      role: JUNCTION_FIELDS.role,
      splitPercent: JUNCTION_FIELDS.split,
    });
  };

  let stats = emptyStats();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/_sandbox')) {
      next();
      return;
    }
    stats.calls++;
    const key = routeKey(req.method, req.path);
    const route = stats.byRoute[key] ?? { calls: 0, statuses: {} };
    stats.byRoute[key] = route;
    route.calls++;
    res.on('finish', () => {
      const status = String(res.statusCode);
      route.statuses[status] = (route.statuses[status] ?? 0) + 1;
      const operation = typeof res.locals.operation === 'string' ? res.locals.operation : key;
      stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
      if (operation === 'tooling.create' && res.statusCode < 300) seedLinksOnceProvisioned();
    });
    res.setHeader('X-ReadOnlyMode', 'false');
    const fault = faults.next(req.method, req.path);
    if (!fault || fault.type === 'pass') {
      next();
      return;
    }
    stats.injected++;
    res.locals.injected = true;
    applyFault(fault, req, res, next, (injected) => injectedStatus(injected, req, res));
  });

  // Controls (not Salesforce): stats, faults, validation rules, locks, sessions, the demo's partner links.
  const resetStats = () => {
    stats = emptyStats();
  };
  const statsNow = (): SalesforceStats => ({
    ...structuredClone(stats),
    apiUsage: { used: usage.used(clock.now()), max: usage.max },
  });
  app.use(controlRoutes({ stats: statsNow, resetStats, faults }));
  app.post('/_sandbox/validation-rules/:name', express.json(), (req, res) => {
    const active = (req.body as { active?: unknown } | undefined)?.active;
    org.setValidationRuleActive(String(req.params.name), active !== false);
    res.status(204).end();
  });
  app.post('/_sandbox/locks', express.json(), (req, res) => {
    const body = (req.body ?? {}) as { ids?: string[]; times?: number };
    org.lockRows(body.ids ?? [], body.times);
    res.status(204).end();
  });
  app.delete('/_sandbox/locks', (_req, res) => {
    org.unlockRows();
    res.status(204).end();
  });
  app.post('/_sandbox/sessions/expire', (_req, res) => {
    res.json({ expired: oauth.expireSessions() });
  });
  app.post('/_sandbox/partner-links', (_req, res) => {
    res.json(seedLinks());
  });

  app.use(
    oauthRouter(context, {
      autoLogin: options.autoLogin ?? true,
      signedInUserId: () => demoUser.id,
    }),
  );

  // The versions list: no session needed, not counted against the allowance (no Sforce-Limit-Info).
  app.get(['/services/data', '/services/data/'], (_req, res) => {
    res.locals.operation = 'versions';
    res.json(
      API_VERSIONS.map((version) => {
        const major = Number.parseInt(version, 10);
        // v41.0 was Winter '18; three releases a year.
        const index = major - 41;
        const release = RELEASES[(index + 1) % 3];
        const year = 18 + Math.floor(index / 3);
        return { label: `${release} '${year}`, url: `/services/data/v${version}`, version };
      }),
    );
  });

  app.use('/services/data', (req: Request, res: Response, next: NextFunction) => {
    const version = /^\/v(\d+\.\d)(?:\/|$)/.exec(req.path)?.[1];
    if (!version || !API_VERSIONS.includes(version)) throw errors.notFound();
    let session: RestLocals['session'];
    try {
      session = oauth.authenticate(req.get('authorization'));
    } catch (error) {
      stats.sessionRefused++;
      throw error;
    }
    const decision = usage.tryConsume(clock.now());
    res.setHeader('Sforce-Limit-Info', `api-usage=${decision.used}/${decision.max}`);
    if (!decision.allowed) {
      stats.limitRefused++;
      throw errors.requestLimitExceeded();
    }
    res.locals.session = session;
    res.locals.version = version;
    next();
  });
  const json = express.json({ limit: '50mb', type: ['application/json', 'application/*+json', 'text/json'] });
  const rest = express.Router({ mergeParams: true });
  rest.use(json);
  rest.use(dataRouter(context));
  rest.use(collectionsRouter(context));
  rest.use(toolingRouter(context));
  app.use('/services/data/:version', rest);

  app.use((req: Request) => {
    throw errors.notFound(`The requested resource does not exist (${req.method} ${req.path})`);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toHttpError(error));
  });

  const server = await listen(app, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    loginUrl: baseUrl,
    port: address.port,
    clientId: oauth.app.clientId,
    clientSecret: oauth.app.clientSecret,
    redirectUri: options.redirectUris?.[0],
    demoUser,
    orgId: org.orgId,
    apiVersion,
    apiVersions: API_VERSIONS,
    org,
    oauth,
    faults,
    clock,
    demo,
    get partnerLinks() {
      return partnerLinks;
    },
    seedPartnerLinks: seedLinks,
    salesforceId: (hubspotId) => salesforceIds.get(hubspotId),
    issueTokens: (issue = {}) => oauth.issue(issue.userId ?? demoUser.id, issue.scopes ?? [...DEFAULTS.scopes]),
    session: () => {
      const tokens = oauth.issue(demoUser.id, [...DEFAULTS.scopes]);
      return {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token ?? '',
        instanceUrl: tokens.instance_url,
        orgId: org.orgId,
        issuedAt: Number(tokens.issued_at),
      };
    },
    expireSessions: () => oauth.expireSessions(),
    revokeTokens: () => oauth.revokeAll(),
    stats: statsNow,
    resetStats,
    close: async () => {
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

/** An injected status in the shape the endpoint would answer it (OAuth JSON on the login host, error arrays on REST). */
function injectedError(status: number, path: string): SalesforceHttpError {
  if (path.startsWith('/services/oauth2/')) {
    return new SalesforceHttpError(status, { error: 'unknown_error', error_description: `injected HTTP ${status}` });
  }
  switch (status) {
    case 401:
      return errors.invalidSession();
    case 403:
      return errors.requestLimitExceeded();
    case 404:
      return errors.notFound();
    case 429:
      return apiError(429, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.');
    case 500:
      return apiError(
        500,
        'UNKNOWN_EXCEPTION',
        `An unexpected error occurred. Please include this ErrorId if you contact support: ${randomUUID().slice(0, 18)}`,
      );
    case 502:
    case 503:
    case 504:
      return apiError(status, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable');
    default:
      return apiError(status, 'INJECTED_FAULT', `Injected HTTP ${status}.`);
  }
}

function injectedStatus(fault: Extract<FaultAction, { type: 'status' }>, req: Request, res: Response): void {
  if (fault.body !== undefined) {
    res.status(fault.status).json(fault.body);
    return;
  }
  const error = injectedError(fault.status, req.path);
  // Salesforce sends no Retry-After; a rule may still ask for one to test a client's handling.
  const headers = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  sendError(res, new SalesforceHttpError(error.status, error.body, headers));
}

function toHttpError(error: unknown): SalesforceHttpError {
  if (error instanceof SalesforceHttpError) return error;
  if (error instanceof SoqlError) return apiError(400, error.errorCode, error.message);
  if (error instanceof RecordWriteError) {
    return new SalesforceHttpError(
      400,
      error.errors.map((entry) => ({ message: entry.message, errorCode: entry.statusCode, fields: entry.fields })),
    );
  }
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') {
    const detail = error instanceof Error ? error.message : 'malformed JSON';
    return errors.jsonParser(`Unexpected character in the request body: ${detail}`);
  }
  if (type === 'entity.too.large') return apiError(413, 'REQUEST_ENTITY_TOO_LARGE', 'The request body is too large.');
  const message = error instanceof Error ? error.message : String(error);
  return apiError(500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred: ${message}`);
}

function sendError(res: Response, error: SalesforceHttpError): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json(error.body);
}
