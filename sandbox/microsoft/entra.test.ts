import {
  AuthError,
  type AuthenticationResult,
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  LogLevel,
} from '@azure/msal-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { type MicrosoftReferralsStandIn, startMicrosoftReferrals } from './microsoft-referrals.ts';
import { msalAuthOptionsForEntra, msalAuthOptionsForStandIn, PARTNER_CENTER_API_SCOPES } from './msal-config.ts';

/**
 * The stand-in's Entra endpoints driven by the real `@azure/msal-node` ConfidentialClientApplication, configured only
 * through `msalAuthOptions()` (no custom network client): sign-in by auth code with PKCE, refresh-token rotation,
 * client authentication, revocation.
 */

const REDIRECT_URI = 'http://localhost:5005/auth/microsoft/callback';
const scopes = [...PARTNER_CENTER_API_SCOPES];
const quietLogger = { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} } };

let clock: ManualClock;
let standIn: MicrosoftReferralsStandIn;

beforeEach(async () => {
  clock = new ManualClock();
  standIn = await startMicrosoftReferrals({ clock });
});

afterEach(async () => {
  await standIn.close();
});

function msalClient(overrides: { clientSecret?: string } = {}): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { ...standIn.msalAuthOptions(), ...overrides },
    system: quietLogger,
  });
}

/** The browser's part: open MSAL's sign-in URL, follow nothing, read `code` and `state` off the redirect. */
async function signInCode(client: ConfidentialClientApplication, state: string) {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await client.getAuthCodeUrl({
    scopes,
    redirectUri: REDIRECT_URI,
    state,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
  });
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  return {
    location,
    code: location.searchParams.get('code') ?? '',
    verifier: pkce.verifier,
  };
}

async function signIn(client: ConfidentialClientApplication): Promise<AuthenticationResult> {
  const { code, verifier } = await signInCode(client, 'state-1');
  return client.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier });
}

/** The refresh token MSAL keeps in its cache (MSAL never hands it out in an AuthenticationResult). */
function cachedRefreshToken(client: ConfidentialClientApplication): string {
  const cache = JSON.parse(client.getTokenCache().serialize()) as {
    RefreshToken: Record<string, { secret: string }>;
  };
  const entries = Object.values(cache.RefreshToken);
  expect(entries).toHaveLength(1);
  return entries[0]?.secret ?? '';
}

async function listStatus(accessToken: string): Promise<number> {
  const response = await fetch(`${standIn.url}/v1.0/engagements/referrals`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  return response.status;
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe('Entra ID stand-in with MSAL Node', () => {
  it('given MSAL configured with the stand-in options, when the auth-code flow runs with PKCE, then the redirect carries code and state and MSAL gets tokens the referrals API accepts', async () => {
    const client = msalClient();
    const { location, code, verifier } = await signInCode(client, 'csrf-7f3a');

    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('csrf-7f3a');
    const result = await client.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier });

    expect(result.account?.username).toBe(standIn.demoUser.username);
    expect(result.account?.tenantId).toBe(standIn.entraTenantId);
    expect(result.scopes).toEqual(scopes);
    expect(result.expiresOn?.getTime()).toBeGreaterThan(Date.now() + 3500 * 1000);
    expect(await listStatus(result.accessToken)).toBe(200);
    // MSAL never fetched discovery documents: everything came from the auth options.
    expect(Object.keys(standIn.stats().byRoute).sort()).toEqual([
      'GET /:tenant/oauth2/v2.0/authorize',
      'GET /v1.0/engagements/referrals',
      'POST /:tenant/oauth2/v2.0/token',
    ]);
  });

  it('given a signed-in client, when it refreshes, then a new refresh token replaces the old one, the old one fails with invalid_grant and the new one works next', async () => {
    const client = msalClient();
    await signIn(client);
    const first = cachedRefreshToken(client);

    const refreshed = await client.acquireTokenByRefreshToken({ refreshToken: first, scopes });
    const second = cachedRefreshToken(client);
    expect(second).not.toBe(first);
    expect(await listStatus(refreshed?.accessToken ?? '')).toBe(200);

    const reused = await rejection(client.acquireTokenByRefreshToken({ refreshToken: first, scopes }));
    expect(reused).toBeInstanceOf(InteractionRequiredAuthError);
    expect(reused.errorCode).toBe('invalid_grant');

    const next = await client.acquireTokenByRefreshToken({ refreshToken: second, scopes });
    expect(await listStatus(next?.accessToken ?? '')).toBe(200);
    expect(cachedRefreshToken(client)).not.toBe(second);
  });

  it('given a signed-in client, when acquireTokenSilent forces a refresh, then MSAL redeems its cached (latest) refresh token', async () => {
    const client = msalClient();
    const signedIn = await signIn(client);
    await client.acquireTokenByRefreshToken({ refreshToken: cachedRefreshToken(client), scopes });
    const latest = cachedRefreshToken(client);
    const account = signedIn.account;
    if (!account) throw new Error('no account after sign-in');

    const silent = await client.acquireTokenSilent({ account, scopes, forceRefresh: true });

    expect(silent.fromCache).toBe(false);
    expect(cachedRefreshToken(client)).not.toBe(latest);
    expect(await listStatus(silent.accessToken)).toBe(200);
  });

  it('given retireUsedRefreshTokens off (Entra’s own rule), when an old refresh token is redeemed again, then it still works', async () => {
    await standIn.close();
    standIn = await startMicrosoftReferrals({ clock, retireUsedRefreshTokens: false });
    const client = msalClient();
    await signIn(client);
    const first = cachedRefreshToken(client);
    await client.acquireTokenByRefreshToken({ refreshToken: first, scopes });

    const again = await client.acquireTokenByRefreshToken({ refreshToken: first, scopes });

    expect(await listStatus(again?.accessToken ?? '')).toBe(200);
  });

  it('given a wrong client secret, when the code is redeemed, then Entra refuses the client with invalid_client (AADSTS7000215) and the code stays usable by the real app', async () => {
    const right = msalClient();
    const { code, verifier } = await signInCode(right, 'state-2');
    const wrong = msalClient({ clientSecret: 'not-the-secret' });

    const error = await rejection(
      wrong.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier }),
    );

    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain('AADSTS7000215');
    const result = await right.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier });
    expect(await listStatus(result.accessToken)).toBe(200);
  });

  it.each([
    ['the PKCE verifier does not match', { verifier: 'x'.repeat(43) }, 'AADSTS501481'],
    [
      'the redirect URI differs from the one signed in with',
      { redirectUri: 'http://localhost:5005/other' },
      'AADSTS70000',
    ],
  ])('given %s, when the code is redeemed, then invalid_grant', async (_case, change, aadsts) => {
    const client = msalClient();
    const { code, verifier } = await signInCode(client, 'state-3');

    const error = await rejection(
      client.acquireTokenByCode({
        code,
        scopes,
        redirectUri: 'redirectUri' in change ? change.redirectUri : REDIRECT_URI,
        codeVerifier: 'verifier' in change ? change.verifier : verifier,
      }),
    );

    expect(error.errorCode).toBe('invalid_grant');
    expect(error.errorMessage).toContain(aadsts);
  });

  it('given a redeemed code, when it is redeemed again, then AADSTS54005', async () => {
    const client = msalClient();
    const { code, verifier } = await signInCode(client, 'state-4');
    await client.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier });

    const error = await rejection(
      client.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier }),
    );

    expect(error.errorMessage).toContain('AADSTS54005');
  });

  it('given revoked refresh tokens, when MSAL refreshes, then interaction is required (invalid_grant, AADSTS50173)', async () => {
    const client = msalClient();
    await signIn(client);
    expect(standIn.revokeRefreshTokens()).toBe(1);

    const error = await rejection(
      client.acquireTokenByRefreshToken({ refreshToken: cachedRefreshToken(client), scopes }),
    );

    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error.errorMessage).toContain('AADSTS50173');
  });

  it('given an access token from MSAL, when its lifetime passes on the stand-in clock, then the API answers 401 and a refresh brings it back', async () => {
    const client = msalClient();
    const signedIn = await signIn(client);
    clock.advance(3600 * 1000);

    expect(await listStatus(signedIn.accessToken)).toBe(401);
    const refreshed = await client.acquireTokenByRefreshToken({ refreshToken: cachedRefreshToken(client), scopes });
    expect(await listStatus(refreshed?.accessToken ?? '')).toBe(200);
  });

  it('given an injected 503 on the token endpoint, when MSAL redeems a code, then MSAL surfaces the server error', async () => {
    const client = msalClient();
    const { code, verifier } = await signInCode(client, 'state-5');
    standIn.faults.add({ route: 'POST /*/oauth2/v2.0/token', script: [503] });

    const error = await rejection(
      client.acquireTokenByCode({ code, scopes, redirectUri: REDIRECT_URI, codeVerifier: verifier }),
    );

    expect(error.errorCode).toBe('temporarily_unavailable');
    expect(standIn.stats()).toMatchObject({ injected: 1, tokenRequests: 1 });
  });

  it('given an unknown redirect URI list, when the browser opens the sign-in URL with another URI, then Entra answers 400 (AADSTS50011) instead of redirecting', async () => {
    await standIn.close();
    standIn = await startMicrosoftReferrals({ clock, redirectUris: [REDIRECT_URI] });

    const response = await fetch(standIn.authorizeUrl('http://evil.example/callback', 's'), { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_codes: number[] }).error_codes).toEqual([50011]);
  });
});

describe('msal-config', () => {
  it('given the stand-in identity, when the auth options are built, then the authority is https on the stand-in host and the endpoints are its http URLs', () => {
    const options = msalAuthOptionsForStandIn({
      url: 'http://127.0.0.1:4100',
      tenantId: 'tenant-1',
      clientId: 'client-1',
      clientSecret: 'secret-1',
    });

    expect(options).toMatchObject({
      authority: 'https://127.0.0.1:4100/tenant-1',
      knownAuthorities: ['127.0.0.1:4100'],
    });
    expect(JSON.parse(options.authorityMetadata)).toMatchObject({
      token_endpoint: 'http://127.0.0.1:4100/tenant-1/oauth2/v2.0/token',
      authorization_endpoint: 'http://127.0.0.1:4100/tenant-1/oauth2/v2.0/authorize',
    });
    expect(msalAuthOptionsForEntra({ tenantId: 'tenant-1', clientId: 'c', clientSecret: 's' }).authority).toBe(
      'https://login.microsoftonline.com/tenant-1',
    );
  });
});
