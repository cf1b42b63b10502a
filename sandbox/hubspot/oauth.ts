import { randomBytes, randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Clock } from '../../src/shared/clock.ts';
import { loadHubSpotAppProject } from '../../sync/providers/hubspot/hubspot-app-project.ts';
import { SandboxHttpError } from './errors.ts';

/**
 * HubSpot's OAuth 2.0 authorization-code flow as the sandbox plays it: an auto-approving consent screen, the
 * token endpoint (authorization_code and refresh_token grants, form-encoded), token metadata, and Bearer checks on
 * every CRM call. Shapes follow PublicApiSpecs/Auth/Oauth (v1 and 2026-03); error bodies follow the v1 token
 * endpoint (`{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token",…}`).
 */

export interface SandboxApp {
  clientId: string;
  clientSecret: string;
  appId: number;
  /** Allowed redirect URIs; empty = any http(s) URI (handy for tests on random ports). */
  redirectUris: string[];
}

export interface TokenSettings {
  /** Access token lifetime; HubSpot's is 30 minutes (`expires_in: 1800`). */
  accessTokenLifetimeMs: number;
  /** Issue a new refresh token on every refresh and retire the old one. HubSpot's v1 endpoint keeps it. */
  rotateRefreshTokens: boolean;
  authCodeLifetimeMs: number;
}

export const DEFAULT_TOKEN_SETTINGS: TokenSettings = {
  accessTokenLifetimeMs: 30 * 60_000,
  rotateRefreshTokens: false,
  authCodeLifetimeMs: 10 * 60_000,
};

/**
 * The scopes the app asks for (required + optional, from `extensions/app/app-hsmeta.json` via the project loader, so
 * there is one list); the sandbox grants them unless the authorize call asks for others.
 */
export const DEFAULT_SCOPES: readonly string[] = (() => {
  const project = loadHubSpotAppProject();
  return Object.freeze([...project.requiredScopes, ...project.optionalScopes]);
})();

export interface Grant {
  portalId: number;
  userId: number;
  user: string;
  scopes: string[];
}

interface AccessToken extends Grant {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

interface RefreshToken extends Grant {
  token: string;
  active: boolean;
}

interface AuthCode extends Grant {
  code: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  expiresAt: number;
}

function tokenError(status: string, message: string, httpStatus = 400): SandboxHttpError {
  return new SandboxHttpError(httpStatus, { status, message });
}

export class SandboxOAuth {
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();

  constructor(
    readonly app: SandboxApp,
    readonly settings: TokenSettings,
    private readonly clock: Clock,
    private readonly portalExists: (portalId: number) => boolean,
  ) {}

  authorize(input: { clientId: string; redirectUri: string; scopes: string[]; grant: Omit<Grant, 'scopes'> }): string {
    if (input.clientId !== this.app.clientId) throw tokenError('BAD_CLIENT_ID', 'missing or unknown client_id');
    if (!/^https?:\/\//.test(input.redirectUri))
      throw tokenError('BAD_REDIRECT_URI', 'redirect_uri must be an absolute URL');
    if (this.app.redirectUris.length > 0 && !this.app.redirectUris.includes(input.redirectUri)) {
      throw tokenError('BAD_REDIRECT_URI', 'redirect_uri is not one of the app redirect URLs');
    }
    const code = randomUUID();
    this.codes.set(code, {
      ...input.grant,
      scopes: input.scopes,
      code,
      redirectUri: input.redirectUri,
      expiresAt: this.clock.now() + this.settings.authCodeLifetimeMs,
      used: false,
    });
    return code;
  }

  /** Mints an access + refresh token pair for a portal, as if an install just happened. */
  issue(grant: Grant, lifetimeMs = this.settings.accessTokenLifetimeMs): IssuedTokens {
    const refresh: RefreshToken = { ...grant, token: randomUUID(), active: true };
    this.refreshTokens.set(refresh.token, refresh);
    return this.mintAccess(grant, refresh.token, lifetimeMs);
  }

  private mintAccess(
    grant: Grant,
    refreshToken: string,
    lifetimeMs = this.settings.accessTokenLifetimeMs,
  ): IssuedTokens {
    const now = this.clock.now();
    // HubSpot access tokens are opaque base64-ish strings starting with "C"; nothing should parse them.
    const token = `C${randomBytes(36).toString('base64url')}`;
    const access: AccessToken = {
      ...grant,
      scopes: [...grant.scopes],
      token,
      issuedAt: now,
      expiresAt: now + lifetimeMs,
    };
    this.accessTokens.set(token, access);
    return { accessToken: token, refreshToken, expiresIn: Math.round(lifetimeMs / 1000), expiresAt: access.expiresAt };
  }

  exchange(form: Record<string, unknown>): IssuedTokens & { grant: Grant } {
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const grantType = field('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw tokenError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    if (field('client_id') !== this.app.clientId) throw tokenError('BAD_CLIENT_ID', 'missing or unknown client_id');
    if (field('client_secret') !== this.app.clientSecret) {
      throw tokenError('BAD_CLIENT_SECRET', 'missing or invalid client_secret');
    }
    if (grantType === 'authorization_code') {
      const code = this.codes.get(field('code') ?? '');
      if (!code || code.used) throw tokenError('BAD_AUTH_CODE', 'missing or unknown auth code');
      if (code.expiresAt <= this.clock.now()) throw tokenError('EXPIRED_AUTH_CODE', 'auth code is expired');
      if (field('redirect_uri') !== code.redirectUri) {
        throw tokenError('BAD_REDIRECT_URI', 'redirect_uri does not match the one used to request the code');
      }
      code.used = true;
      const grant: Grant = { portalId: code.portalId, userId: code.userId, user: code.user, scopes: code.scopes };
      return { ...this.issue(grant), grant };
    }
    const refresh = this.refreshTokens.get(field('refresh_token') ?? '');
    if (!refresh?.active || !this.portalExists(refresh.portalId)) {
      throw tokenError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
    }
    const grant: Grant = {
      portalId: refresh.portalId,
      userId: refresh.userId,
      user: refresh.user,
      scopes: refresh.scopes,
    };
    if (!this.settings.rotateRefreshTokens) return { ...this.mintAccess(grant, refresh.token), grant };
    refresh.active = false;
    return { ...this.issue(grant), grant };
  }

  /** The grant behind a Bearer token, or the 401 HubSpot answers with. */
  authenticate(header: string | undefined): AccessToken {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const token = match?.[1] ? this.accessTokens.get(match[1]) : undefined;
    if (!token || !this.portalExists(token.portalId)) {
      throw new SandboxHttpError(401, {
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        category: 'INVALID_AUTHENTICATION',
      });
    }
    const now = this.clock.now();
    if (token.expiresAt <= now) {
      const ago = Math.floor((now - token.expiresAt) / 1000);
      throw new SandboxHttpError(401, {
        message: `The OAuth token used to make this call expired ${ago} second(s) ago.`,
        category: 'EXPIRED_AUTHENTICATION',
        context: { 'expire time': [new Date(token.expiresAt).toISOString()] },
      });
    }
    return token;
  }

  accessTokenInfo(token: string): AccessToken | undefined {
    const access = this.accessTokens.get(token);
    return access && access.expiresAt > this.clock.now() ? access : undefined;
  }

  refreshTokenInfo(token: string): RefreshToken | undefined {
    const refresh = this.refreshTokens.get(token);
    return refresh?.active ? refresh : undefined;
  }

  /** Seconds an access token has left (0 when expired). */
  secondsLeft(token: { expiresAt: number }): number {
    return Math.max(0, Math.floor((token.expiresAt - this.clock.now()) / 1000));
  }

  revokeRefreshToken(token: string): boolean {
    const refresh = this.refreshTokens.get(token);
    if (!refresh?.active) return false;
    refresh.active = false;
    return true;
  }

  /** Uninstall: every token of the portal stops working. */
  revokePortal(portalId: number): void {
    for (const token of this.accessTokens.values()) if (token.portalId === portalId) token.expiresAt = 0;
    for (const token of this.refreshTokens.values()) if (token.portalId === portalId) token.active = false;
  }
}

export interface OAuthRouterContext {
  oauth: SandboxOAuth;
  defaultPortalId: () => number;
  hubDomain: (portalId: number) => string;
}

export function oauthRouter(context: OAuthRouterContext): Router {
  const router = express.Router();
  const { oauth } = context;
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  // The consent screen lives on app.hubspot.com in real life; here it approves at once and redirects.
  router.get('/oauth/authorize', (req: Request, res: Response) => {
    const query = req.query as Record<string, string | undefined>;
    const portalId = query.portalId ? Number(query.portalId) : context.defaultPortalId();
    const scopes = (query.scope ?? '')
      .split(/[\s+]+/)
      .concat((query.optional_scope ?? '').split(/[\s+]+/))
      .filter(Boolean);
    const code = oauth.authorize({
      clientId: query.client_id ?? '',
      redirectUri: query.redirect_uri ?? '',
      scopes: scopes.length > 0 ? scopes : [...DEFAULT_SCOPES],
      grant: { portalId, userId: 9_000_001, user: 'admin@demo-vendor.example' },
    });
    const target = new URL(query.redirect_uri ?? '');
    target.searchParams.set('code', code);
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    res.redirect(302, target.toString());
  });

  const tokenHandler = (dated: boolean) => (req: Request, res: Response) => {
    const issued = oauth.exchange((req.body ?? {}) as Record<string, unknown>);
    res.status(200).json({
      token_type: 'bearer',
      refresh_token: issued.refreshToken,
      access_token: issued.accessToken,
      expires_in: issued.expiresIn,
      ...(dated
        ? {
            hub_id: issued.grant.portalId,
            user_id: issued.grant.userId,
            scopes: issued.grant.scopes,
            token_use: 'access_token',
          }
        : {}),
    });
  };
  router.post('/oauth/v1/token', form, tokenHandler(false));
  router.post('/oauth/2026-03/token', form, tokenHandler(true));

  router.get('/oauth/v1/access-tokens/:token', (req: Request, res: Response) => {
    const token = oauth.accessTokenInfo(String(req.params.token));
    if (!token)
      throw new SandboxHttpError(404, { message: 'Token not found or expired', category: 'OBJECT_NOT_FOUND' });
    res.json({
      token: token.token,
      user: token.user,
      hub_domain: context.hubDomain(token.portalId),
      scopes: token.scopes,
      hub_id: token.portalId,
      app_id: oauth.app.appId,
      expires_in: oauth.secondsLeft(token),
      user_id: token.userId,
      token_type: 'access',
    });
  });

  router.get('/oauth/v1/refresh-tokens/:token', (req: Request, res: Response) => {
    const token = oauth.refreshTokenInfo(String(req.params.token));
    if (!token) throw new SandboxHttpError(404, { message: 'Token not found', category: 'OBJECT_NOT_FOUND' });
    res.json({
      token: token.token,
      user: token.user,
      hub_domain: context.hubDomain(token.portalId),
      scopes: token.scopes,
      hub_id: token.portalId,
      client_id: oauth.app.clientId,
      user_id: token.userId,
      token_type: 'refresh',
    });
  });

  router.delete('/oauth/v1/refresh-tokens/:token', (req: Request, res: Response) => {
    oauth.revokeRefreshToken(String(req.params.token));
    res.status(204).end();
  });

  router.post('/oauth/2026-03/token/introspect', form, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (body.client_id !== oauth.app.clientId || body.client_secret !== oauth.app.clientSecret) {
      throw tokenError('BAD_CLIENT_ID', 'missing or invalid client credentials', 401);
    }
    const token = oauth.accessTokenInfo(body.token ?? '');
    if (!token) {
      res.json({ active: false });
      return;
    }
    res.json({
      active: true,
      token: token.token,
      token_type: 'access',
      token_use: 'access_token',
      client_id: oauth.app.clientId,
      app_id: oauth.app.appId,
      hub_id: token.portalId,
      hub_domain: context.hubDomain(token.portalId),
      user_id: token.userId,
      user: token.user,
      scopes: token.scopes,
      expires_in: oauth.secondsLeft(token),
      is_private_distribution: false,
      signed_access_token: {
        expiresAt: token.expiresAt,
        scopes: token.scopes.join(' '),
        hubId: token.portalId,
        appId: oauth.app.appId,
      },
    });
  });

  router.post('/oauth/2026-03/token/revoke', form, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    oauth.revokeRefreshToken(body.token ?? '');
    res.status(200).end();
  });

  return router;
}
