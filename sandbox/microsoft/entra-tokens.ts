import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../src/shared/clock.ts';
import { EntraHttpError, unauthorized } from './partner-center-errors.ts';

/**
 * Entra ID (the Microsoft identity platform v2.0 endpoints) as the stand-in plays it for one tenant, one app and one
 * signed-in user: an authorize endpoint that signs the demo user in at once, and a token endpoint with the
 * `authorization_code` (PKCE optional) and `refresh_token` grants, client-secret authentication, AADSTS-style errors,
 * an unsigned id_token and `client_info` (what MSAL reads to build the account), and Bearer checks for the
 * referrals API.
 *
 * Refresh tokens rotate: every refresh answers with a new one. Real Entra does not revoke the old token when it
 * hands out a new one ("Refresh tokens replace themselves with a fresh token upon every use. The Microsoft identity
 * platform doesn't revoke old refresh tokens", refresh-tokens page); the stand-in retires it by default so a client
 * that forgets to persist the newest token fails in tests. `retireUsedRefreshTokens: false` restores Entra's rule.
 */

export const PARTNER_CENTER_RESOURCE = 'https://api.partner.microsoft.com';
export const PARTNER_CENTER_SCOPES = {
  default: `${PARTNER_CENTER_RESOURCE}/.default`,
  userImpersonation: `${PARTNER_CENTER_RESOURCE}/user_impersonation`,
} as const;
const RESOURCE_SCOPES = new Set<string>(Object.values(PARTNER_CENTER_SCOPES));
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
/** Path segments that stand for "the user's home tenant" in an authority; anything else must be the tenant id. */
export const TENANT_ALIASES = new Set(['common', 'organizations']);

export interface EntraApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Allowed redirect URIs; empty = any absolute http(s) URI (tests run on random ports). */
  redirectUris: readonly string[];
}

export interface EntraUser {
  username: string;
  name: string;
  /** The user's object id (`oid`), also MSAL's `uid` in client_info. */
  oid: string;
}

export interface EntraSettings {
  accessTokenSeconds: number;
  authCodeSeconds: number;
  retireUsedRefreshTokens: boolean;
}

interface AuthCode {
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain';
  nonce: string | undefined;
  expiresAt: number;
  used: boolean;
}

export interface AccessTokenRecord {
  scopes: string[];
  expiresAt: number;
  oid: string;
}

interface RefreshTokenRecord {
  scopes: string[];
  state: 'active' | 'rotated' | 'revoked';
}

/** The v2.0 token endpoint's success body (numbers, not the v1 endpoint's strings). */
export interface TokenResponse {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info: string;
}

export type AuthorizeOutcome = { redirect: string };

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The OpenID discovery document of the stand-in tenant; MSAL gets it as `authorityMetadata` (msal-config.ts). */
export function entraOpenIdConfiguration(baseUrl: string, tenantId: string) {
  const root = `${baseUrl}/${tenantId}`;
  return {
    issuer: `${root}/v2.0`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    token_endpoint: `${root}/oauth2/v2.0/token`,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['pairwise'],
    // The stand-in's id_tokens are unsigned; nothing in the app should verify them.
    id_token_signing_alg_values_supported: ['none'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256', 'plain'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'oid', 'tid', 'preferred_username', 'nonce'],
  };
}

export class EntraStandIn {
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    readonly app: EntraApp,
    readonly user: EntraUser,
    readonly settings: EntraSettings,
    private readonly clock: Clock,
    /** The stand-in's base URL, known only once it listens. */
    private readonly baseUrl: () => string,
  ) {}

  /** Throws unless `tenant` (the authority's path segment) names this tenant or an alias for it. */
  checkTenant(tenant: string): void {
    if (tenant.toLowerCase() === this.app.tenantId || TENANT_ALIASES.has(tenant.toLowerCase())) return;
    throw new EntraHttpError(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }

  /**
   * GET /{tenant}/oauth2/v2.0/authorize: the demo user is already signed in and consents, so the answer is a
   * redirect to `redirect_uri` with `code` and `state`. An unknown client or redirect URI cannot be redirected to and
   * throws (Entra shows an error page); every other problem goes back to the redirect URI as `error`.
   */
  authorize(query: Readonly<Record<string, string | undefined>>): AuthorizeOutcome {
    const clientId = query.client_id ?? '';
    if (clientId !== this.app.clientId) throw unknownClient(clientId);
    const redirectUri = query.redirect_uri ?? '';
    if (!/^https?:\/\/[^/]/i.test(redirectUri) || !this.redirectAllowed(redirectUri)) {
      throw new EntraHttpError(
        400,
        'invalid_request',
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
      );
    }
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
      if (query.state !== undefined) target.searchParams.set('state', query.state);
      return { redirect: target.toString() };
    };
    const refuse = (error: string, aadsts: number, detail: string) =>
      back({ error, error_description: `AADSTS${aadsts}: ${detail}` });

    if (query.response_type !== 'code') {
      return refuse(
        'unsupported_response_type',
        700054,
        `response_type '${query.response_type ?? ''}' is not enabled for the application.`,
      );
    }
    if (query.response_mode !== undefined && query.response_mode !== 'query') {
      return refuse(
        'invalid_request',
        900144,
        `response_mode '${query.response_mode}' is not supported by the stand-in; use query.`,
      );
    }
    const scopes = splitScopes(query.scope);
    const scopeProblem = checkScopes(scopes);
    if (scopeProblem) return refuse('invalid_scope', 70011, scopeProblem);
    const method = query.code_challenge_method ?? (query.code_challenge ? 'plain' : undefined);
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return refuse('invalid_request', 50148, `code_challenge_method '${method}' is not supported.`);
    }
    const code = `${randomBytes(32).toString('base64url')}`;
    this.codes.set(code, {
      redirectUri,
      scopes,
      codeChallenge: query.code_challenge,
      codeChallengeMethod: method ?? 'plain',
      nonce: query.nonce === '' ? undefined : query.nonce,
      expiresAt: this.clock.now() + this.settings.authCodeSeconds * 1000,
      used: false,
    });
    return back({ code, session_state: randomUUID() });
  }

  /** POST /{tenant}/oauth2/v2.0/token (form-encoded): the client is authenticated first, then the grant. */
  token(form: Readonly<Record<string, unknown>>, authorization: string | undefined): TokenResponse {
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const basic = parseBasic(authorization);
    const clientId = field('client_id') ?? basic?.clientId;
    if (!clientId) throw missingParameter('client_id');
    if (clientId !== this.app.clientId) throw unknownClient(clientId);
    const secret = field('client_secret') ?? basic?.secret;
    if (secret === undefined) {
      throw new EntraHttpError(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    if (!sameSecret(secret, this.app.clientSecret)) {
      throw new EntraHttpError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }

    const grantType = field('grant_type');
    if (!grantType) throw missingParameter('grant_type');
    if (grantType === 'authorization_code') return this.redeemCode(field);
    if (grantType === 'refresh_token') return this.redeemRefreshToken(field);
    throw new EntraHttpError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }

  private redeemCode(field: (name: string) => string | undefined): TokenResponse {
    const value = field('code');
    if (!value) throw missingParameter('code');
    const code = this.codes.get(value);
    if (!code) throw invalidGrant(70000, "The provided value for the 'code' parameter is not valid.");
    if (code.used) {
      throw invalidGrant(
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    }
    if (code.expiresAt <= this.clock.now()) throw invalidGrant(70008, 'The provided authorization code is expired.');
    if (field('redirect_uri') !== code.redirectUri) {
      throw invalidGrant(
        70000,
        "The provided value for the 'redirect_uri' does not match the one the code was issued to.",
      );
    }
    if (code.codeChallenge !== undefined) {
      const verifier = field('code_verifier') ?? '';
      const expected =
        code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!verifier || expected !== code.codeChallenge) {
        throw invalidGrant(
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
      }
    }
    const requested = field('scope') === undefined ? code.scopes : splitScopes(field('scope'));
    const scopeProblem = checkScopes(requested);
    if (scopeProblem) throw new EntraHttpError(400, 'invalid_scope', 70011, scopeProblem);
    code.used = true;
    return this.issue(requested, code.nonce);
  }

  private redeemRefreshToken(field: (name: string) => string | undefined): TokenResponse {
    const value = field('refresh_token');
    if (!value) throw missingParameter('refresh_token');
    const record = this.refreshTokens.get(value);
    if (!record) throw invalidGrant(9002313, 'Invalid request. Request is malformed or invalid.');
    // Entra marks a dead refresh token with `suberror: bad_token`; MSAL turns that into InteractionRequiredAuthError
    // and drops the token from its cache.
    if (record.state === 'revoked') {
      throw invalidGrant(
        50173,
        'The provided grant has expired due to it being revoked, a fresh auth token is needed.',
        'bad_token',
      );
    }
    if (record.state === 'rotated') {
      throw invalidGrant(
        70000,
        'The refresh token was already used and has been replaced by a newer one (the stand-in retires used refresh tokens).',
        'bad_token',
      );
    }
    const requested = field('scope') === undefined ? record.scopes : splitScopes(field('scope'));
    const scopeProblem = checkScopes(requested);
    if (scopeProblem) throw new EntraHttpError(400, 'invalid_scope', 70011, scopeProblem);
    if (this.settings.retireUsedRefreshTokens) record.state = 'rotated';
    return this.issue(requested, undefined);
  }

  /** Mints tokens for the demo user; also the control API's shortcut past the authorize step. */
  issue(scopes: readonly string[], nonce: string | undefined): TokenResponse {
    const now = this.clock.now();
    const lifetime = this.settings.accessTokenSeconds;
    const resourceScopes = scopes.filter((scope) => RESOURCE_SCOPES.has(scope));
    const accessToken = `plmsft.${randomBytes(32).toString('base64url')}`;
    this.accessTokens.set(accessToken, {
      scopes: resourceScopes,
      expiresAt: now + lifetime * 1000,
      oid: this.user.oid,
    });
    const response: TokenResponse = {
      token_type: 'Bearer',
      // Echoes the requested resource scopes (Entra would name the granted permission, user_impersonation).
      scope: resourceScopes.join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
      client_info: base64url({ uid: this.user.oid, utid: this.app.tenantId }),
    };
    if (scopes.includes('offline_access')) {
      const refreshToken = `plmsft-rt.${randomBytes(48).toString('base64url')}`;
      this.refreshTokens.set(refreshToken, { scopes: [...scopes], state: 'active' });
      response.refresh_token = refreshToken;
    }
    if (scopes.includes('openid')) response.id_token = this.idToken(now, nonce);
    return response;
  }

  private idToken(now: number, nonce: string | undefined): string {
    const seconds = Math.floor(now / 1000);
    const claims = {
      aud: this.app.clientId,
      iss: `${this.baseUrl()}/${this.app.tenantId}/v2.0`,
      iat: seconds,
      nbf: seconds,
      exp: seconds + 3600,
      name: this.user.name,
      oid: this.user.oid,
      preferred_username: this.user.username,
      sub: createHash('sha256').update(`${this.user.oid}:${this.app.clientId}`).digest('base64url').slice(0, 43),
      tid: this.app.tenantId,
      ver: '2.0',
      ...(nonce === undefined ? {} : { nonce }),
    };
    // Unsigned (alg "none", empty signature): MSAL only decodes the payload; there are no keys to verify against.
    return `${base64url({ typ: 'JWT', alg: 'none' })}.${base64url(claims)}.`;
  }

  /** The access token behind `Authorization: Bearer …`, or the 401 the referrals API answers with. */
  authenticate(header: string | undefined): AccessTokenRecord {
    if (!header) throw unauthorized('missing');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const record = match?.[1] ? this.accessTokens.get(match[1]) : undefined;
    if (!record || record.scopes.length === 0) throw unauthorized('invalid');
    if (record.expiresAt <= this.clock.now()) throw unauthorized('expired');
    return record;
  }

  /** Every refresh token stops working (an admin revoked the user's sessions); access tokens live on until expiry. */
  revokeRefreshTokens(): number {
    let revoked = 0;
    for (const record of this.refreshTokens.values()) {
      if (record.state === 'active') revoked++;
      record.state = 'revoked';
    }
    return revoked;
  }

  private redirectAllowed(uri: string): boolean {
    return this.app.redirectUris.length === 0 || this.app.redirectUris.includes(uri);
  }
}

function splitScopes(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

/** A reason the scopes cannot be granted, or undefined. Only the Partner Center API is known to this tenant. */
function checkScopes(scopes: readonly string[]): string | undefined {
  const foreign = scopes.filter((scope) => !OIDC_SCOPES.has(scope) && !RESOURCE_SCOPES.has(scope));
  if (foreign.length > 0) {
    return `The provided value for the input parameter 'scope' is not valid. The scope ${foreign.join(' ')} is not valid.`;
  }
  if (!scopes.some((scope) => RESOURCE_SCOPES.has(scope))) {
    return `The provided value for the input parameter 'scope' is not valid. Ask for ${PARTNER_CENTER_SCOPES.default} or ${PARTNER_CENTER_SCOPES.userImpersonation}.`;
  }
  if (scopes.includes(PARTNER_CENTER_SCOPES.default) && scopes.includes(PARTNER_CENTER_SCOPES.userImpersonation)) {
    return `The provided value for the input parameter 'scope' is not valid. ${PARTNER_CENTER_SCOPES.default} cannot be combined with other scopes of the same resource.`;
  }
  return undefined;
}

function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const missingParameter = (name: string) =>
  new EntraHttpError(
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );

const invalidGrant = (aadsts: number, detail: string, suberror?: string) =>
  new EntraHttpError(400, 'invalid_grant', aadsts, detail, {}, suberror);

const unknownClient = (clientId: string) =>
  new EntraHttpError(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant.`,
  );
