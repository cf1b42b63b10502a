import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../src/shared/clock.ts';
import { errors, oauthError } from './salesforce-errors.ts';

/**
 * Salesforce's OAuth 2.0 web server flow as the stand-in plays it for one connected app (External Client App) and
 * the org's users (OAuth 2.0 Web Server Flow for Web App Integration; Proof Key for Code Exchange):
 *
 * - `GET /services/oauth2/authorize` (response_type=code, client_id, redirect_uri, state, scope, code_challenge,
 *   code_challenge_method=S256). The demo user is already signed in and approves at once (a redirect with `code`
 *   and `state`), or — with `autoLogin: false` — answers a login form that `POST /services/oauth2/authorize` completes.
 * - `POST /services/oauth2/token`, form-encoded: `authorization_code` (client secret, redirect_uri equal to the one
 *   of the code, `code_verifier` whose SHA-256 is the code's challenge) and `refresh_token` (optionally rotating:
 *   each refresh answers a new refresh token and retires the old one — the partner mandate's Refresh Token Rotation).
 *   Success: `{access_token, refresh_token?, signature, scope, instance_url, id, token_type: 'Bearer', issued_at}`
 *   where `id` is the identity URL `…/id/<orgId>/<userId>` and `signature` = base64(HMAC-SHA256(client secret,
 *   id + issued_at)). Failures: 400 `{error, error_description}` (invalid_grant for a bad code, verifier or refresh
 *   token; invalid_client_id; invalid_client; redirect_uri_mismatch; unsupported_grant_type).
 * - A refresh token is only issued when the granted scopes include `refresh_token` or `offline_access` (or `full`).
 * - `POST|GET /services/oauth2/revoke` revokes a token; a revoked refresh token takes its access tokens with it.
 * - Access tokens expire after a period of inactivity (Session Settings' timeout, two hours by default); the REST API
 *   then answers 401 `INVALID_SESSION_ID` "Session expired or invalid", which is what makes jsforce refresh.
 */

export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** Callback URLs of the app; empty = any absolute http(s) URL (tests run on random ports). */
  redirectUris: readonly string[];
  /** Scopes granted when the authorize request names none (the app's selected OAuth scopes). */
  defaultScopes: readonly string[];
}

export interface OAuthSettings {
  /** Inactivity after which an access token stops working (Salesforce's default session timeout: 2 hours). */
  accessTokenTtlMs: number;
  rotateRefreshTokens: boolean;
  /** Lifetime of an authorization code (single use). */
  authCodeTtlMs: number;
  /** Refuse authorize requests without a code_challenge ("Require PKCE" on the app or org). */
  requirePkce: boolean;
}

export interface OAuthUser {
  id: string;
  username: string;
  password: string;
}

interface AuthCode {
  userId: string;
  scopes: string[];
  redirectUri: string;
  challenge: string | undefined;
  expiresAt: number;
  used: boolean;
}

export interface Session {
  token: string;
  userId: string;
  scopes: string[];
  lastUsedAt: number;
  revoked: boolean;
  /** The refresh token this access token came from (revoking it revokes the session). */
  family: string | undefined;
}

interface RefreshGrant {
  token: string;
  userId: string;
  scopes: string[];
  active: boolean;
  family: string;
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  signature: string;
  scope: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
}

const REFRESH_SCOPES = ['refresh_token', 'offline_access', 'full'];

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class SalesforceOAuth {
  private readonly codes = new Map<string, AuthCode>();
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Token endpoint calls by grant type, for stats. */
  readonly grants = { authorization_code: 0, refresh_token: 0 };

  constructor(
    readonly app: ConnectedApp,
    readonly settings: OAuthSettings,
    private readonly clock: Clock,
    private readonly org: {
      orgId: string;
      users: () => readonly OAuthUser[];
      instanceUrl: () => string;
      loginUrl: () => string;
    },
  ) {}

  identityUrl(userId: string): string {
    return `${this.org.loginUrl()}/id/${this.org.orgId}/${userId}`;
  }

  /** Checks the authorize request; an unknown client or callback cannot be redirected to and throws (error page). */
  checkAuthorize(query: Readonly<Record<string, string | undefined>>): {
    redirectUri: string;
    scopes: string[];
    state: string | undefined;
    challenge: string | undefined;
    error?: { error: string; description: string };
  } {
    if (query.client_id !== this.app.clientId) throw oauthError('invalid_client_id', 'client identifier invalid');
    const redirectUri = query.redirect_uri ?? '';
    if (!this.redirectAllowed(redirectUri))
      throw oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
    const scopes = (query.scope ?? '').split(/[\s+]+/).filter(Boolean);
    const base = {
      redirectUri,
      scopes: scopes.length > 0 ? scopes : [...this.app.defaultScopes],
      state: query.state,
      challenge: query.code_challenge,
    };
    if (query.response_type !== 'code') {
      return { ...base, error: { error: 'unsupported_response_type', description: 'response type not supported' } };
    }
    if (query.code_challenge_method !== undefined && query.code_challenge_method !== 'S256') {
      return { ...base, error: { error: 'invalid_request', description: 'invalid code challenge method' } };
    }
    if (query.code_challenge === undefined && this.settings.requirePkce) {
      return { ...base, error: { error: 'invalid_request', description: 'missing required code challenge' } };
    }
    return base;
  }

  /** The redirect that ends the authorize step for a signed-in user: `code` (or `error`) and `state`. */
  approve(query: Readonly<Record<string, string | undefined>>, userId: string): string {
    const checked = this.checkAuthorize(query);
    const target = new URL(checked.redirectUri);
    if (checked.error) {
      target.searchParams.set('error', checked.error.error);
      target.searchParams.set('error_description', checked.error.description);
    } else {
      const code = `aPrx${randomBytes(24).toString('base64url')}`;
      this.codes.set(code, {
        userId,
        scopes: checked.scopes,
        redirectUri: checked.redirectUri,
        challenge: checked.challenge,
        expiresAt: this.clock.now() + this.settings.authCodeTtlMs,
        used: false,
      });
      target.searchParams.set('code', code);
    }
    if (checked.state !== undefined) target.searchParams.set('state', checked.state);
    return target.toString();
  }

  /** The user a login form names, if the password is theirs. */
  login(username: string | undefined, password: string | undefined): OAuthUser | undefined {
    const user = this.org
      .users()
      .find((candidate) => candidate.username.toLowerCase() === (username ?? '').toLowerCase());
    return user && equal(user.password, password ?? '') ? user : undefined;
  }

  /** POST /services/oauth2/token. */
  token(form: Readonly<Record<string, unknown>>, authorization: string | undefined): TokenResponse {
    const value = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const grantType = value('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw oauthError('unsupported_grant_type', 'grant type not supported');
    }
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    const [basicId, basicSecret] = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
    const clientId = value('client_id') ?? basicId;
    const clientSecret = value('client_secret') ?? basicSecret;
    if (clientId !== this.app.clientId) throw oauthError('invalid_client_id', 'client identifier invalid');

    if (grantType === 'authorization_code') {
      this.grants.authorization_code++;
      if (clientSecret === undefined || !equal(clientSecret, this.app.clientSecret)) {
        throw oauthError('invalid_client', 'invalid client credentials');
      }
      const code = this.codes.get(value('code') ?? '');
      if (!code || code.used) throw oauthError('invalid_grant', 'invalid authorization code');
      if (code.expiresAt <= this.clock.now()) throw oauthError('invalid_grant', 'expired authorization code');
      if (value('redirect_uri') !== code.redirectUri) {
        throw oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
      }
      if (code.challenge !== undefined) {
        const verifier = value('code_verifier');
        if (verifier === undefined || !equal(challengeOf(verifier), code.challenge)) {
          throw oauthError('invalid_grant', 'invalid code verifier');
        }
      }
      code.used = true;
      return this.issue(code.userId, code.scopes);
    }

    this.grants.refresh_token++;
    // The client secret is optional on a refresh for apps that do not require it; when sent it must be right.
    if (clientSecret !== undefined && !equal(clientSecret, this.app.clientSecret)) {
      throw oauthError('invalid_client', 'invalid client credentials');
    }
    const grant = this.refreshTokens.get(value('refresh_token') ?? '');
    if (!grant?.active) throw oauthError('invalid_grant', 'expired access/refresh token');
    if (!this.settings.rotateRefreshTokens) return this.mint(grant.userId, grant.scopes, grant.family, undefined);
    grant.active = false;
    const next = this.newRefreshToken(grant.userId, grant.scopes, grant.family);
    return this.mint(grant.userId, grant.scopes, grant.family, next.token);
  }

  /** Tokens for a user without the browser step (tests, `issueTokens`). */
  issue(userId: string, scopes: readonly string[]): TokenResponse {
    const withRefresh = scopes.some((scope) => REFRESH_SCOPES.includes(scope));
    if (!withRefresh) return this.mint(userId, [...scopes], undefined, undefined);
    const refresh = this.newRefreshToken(userId, [...scopes], undefined);
    return this.mint(userId, [...scopes], refresh.family, refresh.token);
  }

  private newRefreshToken(userId: string, scopes: string[], family: string | undefined): RefreshGrant {
    const token = `5Aep861${randomBytes(32).toString('base64url')}`;
    const grant: RefreshGrant = { token, userId, scopes, active: true, family: family ?? token };
    this.refreshTokens.set(token, grant);
    return grant;
  }

  private mint(
    userId: string,
    scopes: string[],
    family: string | undefined,
    refreshToken: string | undefined,
  ): TokenResponse {
    const now = this.clock.now();
    // Salesforce access tokens are the org id, '!', then an opaque part; nothing should parse them.
    const token = `${this.org.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.sessions.set(token, { token, userId, scopes, lastUsedAt: now, revoked: false, family });
    const id = this.identityUrl(userId);
    const issuedAt = String(now);
    return {
      access_token: token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      signature: createHmac('sha256', this.app.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: scopes.join(' '),
      instance_url: this.org.instanceUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }

  /** The session behind an `Authorization: Bearer …` (or `OAuth …`) header; 401 INVALID_SESSION_ID otherwise. */
  authenticate(header: string | undefined): Session {
    const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header ?? '');
    const session = this.session(match?.[1]);
    if (!session) throw errors.invalidSession();
    session.lastUsedAt = this.clock.now();
    return session;
  }

  /** A live session for a raw token (the identity URL takes `oauth_token` too). */
  session(token: string | undefined): Session | undefined {
    const session = token ? this.sessions.get(token) : undefined;
    if (!session || session.revoked) return undefined;
    if (this.clock.now() - session.lastUsedAt >= this.settings.accessTokenTtlMs) return undefined;
    return session;
  }

  /** POST /services/oauth2/revoke: false when the token is unknown (the endpoint then answers 400). */
  revoke(token: string): boolean {
    const grant = this.refreshTokens.get(token);
    if (grant) {
      if (!grant.active) return false;
      this.revokeFamily(grant.family);
      return true;
    }
    const session = this.sessions.get(token);
    if (!session || session.revoked) return false;
    session.revoked = true;
    return true;
  }

  private revokeFamily(family: string): void {
    for (const grant of this.refreshTokens.values()) if (grant.family === family) grant.active = false;
    for (const session of this.sessions.values()) if (session.family === family) session.revoked = true;
  }

  /** Every session times out at once (as if the org's session timeout passed); refresh tokens stay valid. */
  expireSessions(): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      if (!session.revoked) {
        session.lastUsedAt = Number.NEGATIVE_INFINITY;
        count++;
      }
    }
    return count;
  }

  /** An admin revokes the app's access: every refresh token and session stops working. */
  revokeAll(): number {
    let count = 0;
    for (const grant of this.refreshTokens.values()) {
      if (grant.active) count++;
      grant.active = false;
    }
    for (const session of this.sessions.values()) session.revoked = true;
    return count;
  }

  private redirectAllowed(uri: string): boolean {
    if (this.app.redirectUris.length > 0) return this.app.redirectUris.includes(uri);
    try {
      const url = new URL(uri);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }
}
