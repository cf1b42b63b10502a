import { Client } from '@hubspot/api-client';
import { InvalidInputError } from '../../shared/errors.ts';
import type { OAuthCredentials } from '../crm-credentials.ts';
import { HubSpotApiError } from './hubspot-errors.ts';

/**
 * The install half of HubSpot OAuth (the refresh half lives in HubSpotClient): the authorize URL, the code exchange,
 * and which portal the tokens belong to. Source: HubSpot OAuth guide (authorization code grant, access-token
 * metadata); see docs/BEHAVIOR.md.
 */

export const HUBSPOT_AUTHORIZE_URL = 'https://app.hubspot.com/oauth/authorize';
const HUBSPOT_API_ORIGIN = 'https://api.hubapi.com';

/** Where the consent screen lives: app.hubspot.com for the real API, the sandbox itself otherwise. */
export function authorizeEndpoint(apiBaseUrl: string): string {
  return apiBaseUrl === HUBSPOT_API_ORIGIN ? HUBSPOT_AUTHORIZE_URL : `${apiBaseUrl}/oauth/authorize`;
}

export function authorizeUrl(input: {
  apiBaseUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  optionalScopes?: readonly string[];
  state: string;
}): string {
  const url = new URL(authorizeEndpoint(input.apiBaseUrl));
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', input.scopes.join(' '));
  if (input.optionalScopes && input.optionalScopes.length > 0) {
    url.searchParams.set('optional_scope', input.optionalScopes.join(' '));
  }
  url.searchParams.set('state', input.state);
  return url.toString();
}

export interface Installation {
  portalId: string;
  appId: string;
  user: string | undefined;
  credentials: OAuthCredentials;
}

/**
 * Exchanges an authorization code for tokens, then asks HubSpot which portal (hub) and app they belong to: the
 * portal id comes from HubSpot, never from the callback's query string.
 */
export async function exchangeAuthorizationCode(input: {
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  code: string;
  now?: number;
}): Promise<Installation> {
  const sdk = new Client({ basePath: input.apiBaseUrl, numberOfApiCallRetries: 0 });
  let tokens: { accessToken: string; refreshToken: string; expiresIn: number };
  try {
    tokens = await sdk.oauth.tokensApi.create(
      'authorization_code',
      input.code,
      input.redirectUri,
      input.clientId,
      input.clientSecret,
    );
  } catch (error) {
    const status = (error as { code?: unknown }).code;
    if (status === 400) {
      throw new InvalidInputError(
        'HubSpot refused the authorization code (expired, already used, or for another redirect URL); start the install again',
        { cause: error },
      );
    }
    throw new HubSpotApiError(
      typeof status === 'number' ? status : undefined,
      'authorization code exchange',
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  let info: { hubId: number; appId: number; scopes: string[]; user?: string };
  try {
    info = await sdk.oauth.accessTokensApi.get(tokens.accessToken);
  } catch (error) {
    const status = (error as { code?: unknown }).code;
    throw new HubSpotApiError(
      typeof status === 'number' ? status : undefined,
      'access token lookup',
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  return {
    portalId: String(info.hubId),
    appId: String(info.appId),
    user: info.user,
    credentials: {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: (input.now ?? Date.now()) + tokens.expiresIn * 1000,
      scopes: info.scopes,
    },
  };
}

/** Revokes a refresh token (disconnect). A token HubSpot no longer knows counts as revoked. */
export async function revokeRefreshToken(apiBaseUrl: string, refreshToken: string): Promise<void> {
  const sdk = new Client({ basePath: apiBaseUrl, numberOfApiCallRetries: 0 });
  try {
    await sdk.oauth.refreshTokensApi.archive(refreshToken);
  } catch (error) {
    const status = (error as { code?: unknown }).code;
    if (status === 404 || status === 400) return;
    throw new HubSpotApiError(
      typeof status === 'number' ? status : undefined,
      'refresh token revocation',
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
}
