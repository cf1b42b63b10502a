import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { controlRoutes } from '../kit/control-routes.ts';
import { applyFault, type FaultAction, FaultInjector, type FaultRule } from '../kit/faults.ts';
import { RollingWindow } from '../kit/limits.ts';
import { seedDemoReferrals } from './demo-referrals.ts';
import { entraRouter } from './entra.routes.ts';
import { EntraStandIn, PARTNER_CENTER_SCOPES } from './entra-tokens.ts';
import { msalAuthOptionsForStandIn, type StandInAuthOptions } from './msal-config.ts';
import { EntraHttpError, PartnerCenterHttpError, tooManyRequests } from './partner-center-errors.ts';
import type { ReferralStatus, ReferralSubstatus } from './referral-status.ts';
import type { IncomingReferralInput, Referral } from './referral-store.ts';
import { ReferralStore } from './referral-store.ts';
import { referralsRouter } from './referrals.routes.ts';

/**
 * The Microsoft side of co-sell on loopback (SPEC §5): Partner Center's referrals API (`/v1.0/engagements/referrals`)
 * and the Entra ID token endpoint it trusts, driven by the real clients — `@azure/msal-node` for tokens (configured
 * by `msalAuthOptions()`, see msal-config.ts) and plain `fetch` for the API with `Authorization: Bearer`.
 *
 * Requests pass, in order: fault injection (a proxy failing in front of Microsoft) → Bearer check → the per-minute
 * throttle (429 + Retry-After) → the route. Faults apply to every route, the token endpoint included, so a rule's
 * pattern picks the target (`/v1.0/**`, `POST /*\/oauth2/v2.0/token`).
 */

export interface MicrosoftReferralsOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  clock?: Clock;
  faults?: FaultRule[];
  faultSeed?: number;
  /**
   * Referrals API calls allowed per rolling minute before 429 + Retry-After. Microsoft publishes no referrals limit;
   * the default, 500, is the figure other Partner Center resources quote. `Infinity` disables it.
   */
  requestsPerMinute?: number;
  /** Access token lifetime (Entra's default for this API: 3600). */
  accessTokenSeconds?: number;
  /** Start with a demo pipeline (demo-referrals.ts). */
  seedDemo?: boolean;
  /** Retire a refresh token once it has been redeemed (default true; real Entra keeps it valid, see entra-tokens.ts). */
  retireUsedRefreshTokens?: boolean;
  /** Referrals per list page (default 100). */
  pageSize?: number;
  /** Allowed redirect URIs; empty (default) = any http(s) URI. */
  redirectUris?: string[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface MicrosoftReferralsStats {
  calls: number;
  /** Calls per `METHOD /path` with ids and the tenant as placeholders. */
  byRoute: Record<string, number>;
  /** 429s the throttle sent (not injected ones). */
  throttled: number;
  /** Requests that met an injected fault. */
  injected: number;
  /** POSTs to the token endpoint, whatever their outcome. */
  tokenRequests: number;
}

export interface DemoUser {
  username: string;
  name: string;
  oid: string;
}

const DEFAULTS = {
  tenantId: 'b8f7c2a4-5d3e-4f61-9a0b-7c1d2e3f4a5b',
  clientId: '6c1e9b2f-3a4d-4e5f-8a7b-9c0d1e2f3a4b',
  clientSecret: 'sandbox-entra-client-secret-0000',
  demoUser: {
    username: 'referrals.admin@demo-vendor.example',
    name: 'Riley Referrals (demo)',
    oid: '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a',
  },
  organization: { id: '7d23e5ca-19dc-4eaa-aac8-5e6b559f0d1d', name: 'Demo Vendor Ltd' },
  requestsPerMinute: 500,
  accessTokenSeconds: 3600,
  pageSize: 100,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENTRA_SEGMENTS = new Set(['oauth2', 'v2.0', 'discovery']);

/** `/v1.0/engagements/referrals/<uuid>` → `…/:id`; `/<tenant>/oauth2/v2.0/token` → `/:tenant/oauth2/v2.0/token`. */
export function routeKey(method: string, path: string): string {
  const segments = path.split('/');
  const keyed = segments.map((segment, index) => {
    if (index === 1 && ENTRA_SEGMENTS.has(segments[2] ?? '')) return ':tenant';
    return UUID.test(segment) ? ':id' : segment;
  });
  return `${method.toUpperCase()} ${keyed.join('/')}`;
}

const isEntraPath = (path: string) => /^\/[^/]+\/(oauth2|v2\.0|discovery)\//.test(path);

export class MicrosoftReferralsStandIn {
  /** Base URL of both the referrals API and the Entra endpoints, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly entraTenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly demoUser: DemoUser;
  readonly faults: FaultInjector;
  readonly clock: Clock;

  readonly stats: () => MicrosoftReferralsStats;
  readonly resetStats: () => void;
  readonly #entra: EntraStandIn;
  readonly #store: ReferralStore;
  readonly #server: Server;

  /** Built by startMicrosoftReferrals once the server listens. */
  constructor(parts: {
    url: string;
    port: number;
    clientSecret: string;
    faults: FaultInjector;
    clock: Clock;
    entra: EntraStandIn;
    store: ReferralStore;
    server: Server;
    stats: () => MicrosoftReferralsStats;
    resetStats: () => void;
  }) {
    this.url = parts.url;
    this.port = parts.port;
    this.entraTenantId = parts.entra.app.tenantId;
    this.clientId = parts.entra.app.clientId;
    this.clientSecret = parts.clientSecret;
    this.demoUser = { ...parts.entra.user };
    this.faults = parts.faults;
    this.clock = parts.clock;
    this.stats = parts.stats;
    this.resetStats = parts.resetStats;
    this.#entra = parts.entra;
    this.#store = parts.store;
    this.#server = parts.server;
  }

  /** The authority string MSAL is given (https: MSAL refuses http authorities; see msal-config.ts). */
  get authority(): string {
    return this.msalAuthOptions().authority;
  }

  /** `auth` options for `new ConfidentialClientApplication({auth: standIn.msalAuthOptions()})`. */
  msalAuthOptions(): StandInAuthOptions {
    return msalAuthOptionsForStandIn({
      url: this.url,
      tenantId: this.entraTenantId,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
    });
  }

  /** The sign-in URL a browser would open; the stand-in answers it with a redirect carrying `code` and `state`. */
  authorizeUrl(
    redirectUri: string,
    state: string,
    options: { scopes?: readonly string[]; codeChallenge?: string; codeChallengeMethod?: 'S256' | 'plain' } = {},
  ): string {
    const target = new URL(`${this.url}/${this.entraTenantId}/oauth2/v2.0/authorize`);
    target.searchParams.set('client_id', this.clientId);
    target.searchParams.set('response_type', 'code');
    target.searchParams.set('redirect_uri', redirectUri);
    target.searchParams.set('response_mode', 'query');
    target.searchParams.set(
      'scope',
      (options.scopes ?? [PARTNER_CENTER_SCOPES.default, 'openid', 'profile', 'offline_access']).join(' '),
    );
    target.searchParams.set('state', state);
    if (options.codeChallenge) {
      target.searchParams.set('code_challenge', options.codeChallenge);
      target.searchParams.set('code_challenge_method', options.codeChallengeMethod ?? 'S256');
    }
    return target.toString();
  }

  /** Tokens for the demo user without the browser step (tests of the API that do not exercise MSAL). */
  issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number } {
    const issued = this.#entra.issue([PARTNER_CENTER_SCOPES.default, 'openid', 'profile', 'offline_access'], undefined);
    return { accessToken: issued.access_token, refreshToken: issued.refresh_token ?? '', expiresIn: issued.expires_in };
  }

  referrals(): readonly Referral[] {
    return this.#store.all();
  }

  referral(id: string): Referral | undefined {
    return this.#store.get(id);
  }

  /** Microsoft's side moves a referral (the co-sell partner accepts, Microsoft closes it); the status table applies. */
  setStatus(id: string, status: ReferralStatus, substatus: ReferralSubstatus, reason?: string): Referral {
    return this.#store.setStatus(id, status, substatus, reason);
  }

  /** An invitation from Microsoft (or another partner) lands: New/Pending, Incoming, expiring in 14 days. */
  addIncomingReferral(input: IncomingReferralInput): string {
    return this.#store.addIncoming(input).id;
  }

  /** Every refresh token is revoked (an admin revoked sessions); the next refresh fails with invalid_grant. */
  revokeRefreshTokens(): number {
    return this.#entra.revokeRefreshTokens();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }
}

export async function startMicrosoftReferrals(
  options: MicrosoftReferralsOptions = {},
): Promise<MicrosoftReferralsStandIn> {
  const clock = options.clock ?? systemClock;
  const faults = new FaultInjector(options.faults ?? [], options.faultSeed ?? 1);
  const throttle = new RollingWindow(options.requestsPerMinute ?? DEFAULTS.requestsPerMinute, 60_000);
  let baseUrl = '';
  const currentBaseUrl = () => baseUrl;

  // Seeding backdates the store's clock one referral at a time; otherwise it is the stand-in's clock.
  let seedingAt: number | undefined;
  const storeClock: Clock = { now: () => seedingAt ?? clock.now(), sleep: (ms) => clock.sleep(ms) };
  const store = new ReferralStore(storeClock, DEFAULTS.organization);
  const clientSecret = options.clientSecret ?? DEFAULTS.clientSecret;
  const entra = new EntraStandIn(
    {
      tenantId: (options.tenantId ?? DEFAULTS.tenantId).toLowerCase(),
      clientId: options.clientId ?? DEFAULTS.clientId,
      clientSecret,
      redirectUris: options.redirectUris ?? [],
    },
    { ...DEFAULTS.demoUser },
    {
      accessTokenSeconds: options.accessTokenSeconds ?? DEFAULTS.accessTokenSeconds,
      authCodeSeconds: 600,
      retireUsedRefreshTokens: options.retireUsedRefreshTokens ?? true,
    },
    clock,
    currentBaseUrl,
  );
  if (options.seedDemo) {
    seedDemoReferrals(store, clock.now(), (ms) => {
      seedingAt = ms;
    });
  }

  let stats: MicrosoftReferralsStats = emptyStats();
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
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    if (req.method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(req.path)) stats.tokenRequests++;
    res.setHeader('Request-ID', randomUUID());
    const fault = faults.next(req.method, req.path);
    if (!fault || fault.type === 'pass') {
      next();
      return;
    }
    stats.injected++;
    applyFault(fault, req, res, next, (injected) => injectedStatus(injected, req, res, clock));
  });

  // Controls (not Microsoft): stats, faults and the Microsoft side's moves, for demos driven from another process.
  app.use(
    controlRoutes({
      stats: () => stats,
      resetStats: () => {
        stats = emptyStats();
      },
      faults,
    }),
  );
  app.post('/_sandbox/referrals/incoming', express.json(), (req, res) => {
    const body = req.body as Partial<IncomingReferralInput> | undefined;
    if (typeof body?.name !== 'string' || typeof body.customerName !== 'string') {
      throw new PartnerCenterHttpError(400, 'BadRequest', 'an incoming referral needs a name and a customerName');
    }
    res.status(201).json(store.addIncoming(body as IncomingReferralInput));
  });
  app.post('/_sandbox/referrals/:id/status', express.json(), (req, res) => {
    const body = req.body as { status: ReferralStatus; substatus: ReferralSubstatus; reason?: string };
    try {
      res.json(store.setStatus(String(req.params.id), body.status, body.substatus, body.reason));
    } catch (error) {
      throw new PartnerCenterHttpError(400, 'BadRequest', error instanceof Error ? error.message : String(error));
    }
  });

  app.use(entraRouter(entra, currentBaseUrl));

  app.use('/v1.0', (req: Request, _res: Response, next: NextFunction) => {
    entra.authenticate(req.get('authorization'));
    const decision = throttle.tryAcquire(clock.now());
    if (!decision.allowed) {
      stats.throttled++;
      throw tooManyRequests(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    }
    next();
  });
  app.use(referralsRouter({ store, baseUrl: currentBaseUrl, pageSize: options.pageSize ?? DEFAULTS.pageSize }));

  app.use((req: Request) => {
    throw new PartnerCenterHttpError(404, 'NotFound', `No resource for ${req.method} ${req.path}.`);
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toHttpError(error, req), clock);
  });

  const server = await listen(app, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return new MicrosoftReferralsStandIn({
    url: baseUrl,
    port: address.port,
    clientSecret,
    faults,
    clock,
    entra,
    store,
    server,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
  });
}

function emptyStats(): MicrosoftReferralsStats {
  return { calls: 0, byRoute: {}, throttled: 0, injected: 0, tokenRequests: 0 };
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** An injected status in the shapes of whichever Microsoft endpoint was called: Entra's, or Partner Center's. */
function injectedStatus(fault: Extract<FaultAction, { type: 'status' }>, req: Request, res: Response, clock: Clock) {
  if (fault.body !== undefined) {
    res.status(fault.status).json(fault.body);
    return;
  }
  const headers: Record<string, string> =
    fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  if (isEntraPath(req.path)) {
    const error = fault.status === 429 || fault.status >= 500 ? 'temporarily_unavailable' : 'invalid_request';
    sendError(res, new EntraHttpError(fault.status, error, 90033, 'injected fault', headers), clock);
    return;
  }
  const error =
    fault.status === 429
      ? new PartnerCenterHttpError(429, 'TooManyRequests', 'Rate limit is exceeded.', [], headers)
      : new PartnerCenterHttpError(
          fault.status,
          fault.status >= 500 ? 'InternalServerError' : 'BadRequest',
          `injected ${fault.status}`,
          [],
          headers,
        );
  sendError(res, error, clock);
}

function toHttpError(error: unknown, req: Request): PartnerCenterHttpError | EntraHttpError {
  if (error instanceof PartnerCenterHttpError || error instanceof EntraHttpError) return error;
  const type = (error as { type?: unknown })?.type;
  const entra = isEntraPath(req.path);
  if (type === 'entity.parse.failed' || type === 'entity.too.large') {
    const status = type === 'entity.too.large' ? 413 : 400;
    const message = error instanceof Error ? error.message : 'malformed body';
    return entra
      ? new EntraHttpError(status, 'invalid_request', 900144, `The request body is malformed: ${message}`)
      : new PartnerCenterHttpError(status, status === 413 ? 'RequestEntityTooLarge' : 'BadRequest', message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return entra
    ? new EntraHttpError(500, 'server_error', 90033, `internal error: ${message}`)
    : new PartnerCenterHttpError(500, 'InternalServerError', `internal error: ${message}`);
}

function sendError(res: Response, error: PartnerCenterHttpError | EntraHttpError, clock: Clock): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json(error instanceof EntraHttpError ? error.body(clock.now()) : error.body);
}
