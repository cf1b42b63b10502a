import { Connection, OAuth2 } from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { type SalesforceOptions, type SalesforceStandIn, startSalesforce } from './salesforce.ts';

/**
 * The OAuth 2.0 web server flow with PKCE and the session lifecycle, driven by jsforce 3.10.16's own OAuth2 and
 * Connection: install (good and wrong verifier), the login form, 401 → jsforce's automatic refresh → retry (with a
 * rotating refresh token), revocation, the identity URL.
 */

const REDIRECT_URI = 'http://localhost:5010/oauth/salesforce/callback';

let sf: SalesforceStandIn | undefined;
let clock: ManualClock;

async function start(options: SalesforceOptions = {}): Promise<SalesforceStandIn> {
  clock = new ManualClock();
  sf = await startSalesforce({ clock, ...options });
  return sf;
}

afterEach(async () => {
  await sf?.close();
  sf = undefined;
});

function oauth2For(standIn: SalesforceStandIn): OAuth2 {
  return new OAuth2({
    loginUrl: standIn.loginUrl,
    clientId: standIn.clientId,
    clientSecret: standIn.clientSecret,
    redirectUri: REDIRECT_URI,
    useVerifier: true,
  });
}

/** The browser's part: open the authorize URL jsforce built, read `code` and `state` off the redirect. */
async function authorizeCode(oauth2: OAuth2, state = 'state-1'): Promise<URL> {
  // jsforce adds code_challenge but not code_challenge_method; the connector passes S256 itself.
  const url = oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state, code_challenge_method: 'S256' } as never);
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

async function caught(promise: PromiseLike<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('web server flow with PKCE', () => {
  it('given the demo user, when jsforce exchanges the code with its verifier, then the connection is established', async () => {
    const standIn = await start({ seedDemo: true });
    const oauth2 = oauth2For(standIn);
    const callback = await authorizeCode(oauth2);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('state-1');

    const conn = new Connection({ oauth2, version: standIn.apiVersion });
    const userInfo = await conn.authorize(callback.searchParams.get('code') ?? '');

    expect(userInfo).toEqual({
      id: standIn.demoUser.id,
      organizationId: standIn.orgId,
      url: `${standIn.loginUrl}/id/${standIn.orgId}/${standIn.demoUser.id}`,
    });
    expect(conn.instanceUrl).toBe(standIn.url);
    expect(conn.accessToken).toMatch(new RegExp(`^${standIn.orgId.slice(0, 15)}!`));
    expect(conn.refreshToken).toMatch(/^5Aep861/);
    const result = await conn.query<{ Username: string; Profile: { Name: string } }>(
      `SELECT Username, Profile.Name FROM User WHERE Id = '${userInfo.id}'`,
    );
    expect(result.records[0]).toMatchObject({
      Username: standIn.demoUser.username,
      Profile: { Name: 'System Administrator' },
    });
  });

  it('given a verifier that does not match the challenge, when the code is exchanged, then invalid_grant', async () => {
    const standIn = await start();
    const callback = await authorizeCode(oauth2For(standIn));
    // Another OAuth2 instance has its own code verifier.
    const conn = new Connection({ oauth2: oauth2For(standIn), version: standIn.apiVersion });

    const error = await caught(conn.authorize(callback.searchParams.get('code') ?? ''));

    expect(error.name).toBe('invalid_grant');
    expect(error.message).toBe('invalid code verifier');
    expect(conn.accessToken).toBeFalsy();
  });

  it('given a code already exchanged, when it is replayed, then invalid_grant', async () => {
    const standIn = await start();
    const oauth2 = oauth2For(standIn);
    const code = (await authorizeCode(oauth2)).searchParams.get('code') ?? '';
    await oauth2.requestToken(code);

    const error = await caught(oauth2.requestToken(code));

    expect([error.name, error.message]).toEqual(['invalid_grant', 'invalid authorization code']);
  });

  it('given an authorize request without code_challenge, when PKCE is required, then the callback gets invalid_request', async () => {
    const standIn = await start();
    const oauth2 = new OAuth2({ loginUrl: standIn.loginUrl, clientId: standIn.clientId, redirectUri: REDIRECT_URI });
    const response = await fetch(oauth2.getAuthorizationUrl({ state: 's' }), { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'invalid_request',
      error_description: 'missing required code challenge',
      state: 's',
    });
  });

  it('given a callback URL the app does not have, when authorizing, then an error page and no redirect', async () => {
    const standIn = await start({ redirectUris: [REDIRECT_URI] });
    const oauth2 = new OAuth2({
      loginUrl: standIn.loginUrl,
      clientId: standIn.clientId,
      redirectUri: 'https://evil.example/cb',
      useVerifier: true,
    });
    const response = await fetch(oauth2.getAuthorizationUrl({}), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('error=redirect_uri_mismatch');
  });

  it('given autoLogin off, when the user posts the login form, then the redirect carries the code', async () => {
    const standIn = await start({ autoLogin: false, seedDemo: true });
    const oauth2 = oauth2For(standIn);
    const page = await fetch(oauth2.getAuthorizationUrl({ state: 'st', code_challenge_method: 'S256' } as never));
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/services/oauth2/authorize">');
    const hidden = Object.fromEntries(
      [...html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1], match[2]]),
    );

    const wrong = await fetch(`${standIn.loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      body: new URLSearchParams({ ...hidden, username: standIn.demoUser.username, pw: 'nope' }),
      redirect: 'manual',
    });
    expect(await wrong.text()).toContain('Please check your username and password');

    const login = await fetch(`${standIn.loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      body: new URLSearchParams({ ...hidden, username: standIn.demoUser.username, pw: standIn.demoUser.password }),
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    const callback = new URL(login.headers.get('location') ?? '');
    expect(callback.searchParams.get('state')).toBe('st');
    const conn = new Connection({ oauth2, version: standIn.apiVersion });
    await expect(conn.authorize(callback.searchParams.get('code') ?? '')).resolves.toMatchObject({
      id: standIn.demoUser.id,
    });
  });

  it('given scopes without refresh_token, when the code is exchanged, then no refresh token is issued', async () => {
    const standIn = await start();
    const oauth2 = oauth2For(standIn);
    const url = oauth2.getAuthorizationUrl({ scope: 'api', code_challenge_method: 'S256' } as never);
    const callback = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
    const tokens = await oauth2.requestToken(callback.searchParams.get('code') ?? '');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'api', instance_url: standIn.url });
  });
});

describe('sessions', () => {
  it('given an expired session, when jsforce queries, then it refreshes once, emits refresh and retries', async () => {
    const standIn = await start({ rotateRefreshTokens: true, seedDemo: true });
    const oauth2 = oauth2For(standIn);
    const conn = new Connection({ oauth2, version: standIn.apiVersion });
    await conn.authorize((await authorizeCode(oauth2)).searchParams.get('code') ?? '');
    const firstAccess = conn.accessToken;
    const firstRefresh = conn.refreshToken;
    const refreshed: Array<{ accessToken: string; refreshToken: string | undefined }> = [];
    conn.on('refresh', (accessToken: string, res: { refresh_token?: string }) => {
      refreshed.push({ accessToken, refreshToken: res.refresh_token });
      // jsforce 3 ignores a rotated refresh token; whoever holds the connection must keep it.
      if (res.refresh_token) conn.refreshToken = res.refresh_token;
    });

    clock.advance(2 * 60 * 60_000);
    const result = await conn.query('SELECT COUNT() FROM Opportunity');

    expect(result.totalSize).toBe(3_000);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]?.accessToken).not.toBe(firstAccess);
    expect(conn.accessToken).toBe(refreshed[0]?.accessToken);
    expect(refreshed[0]?.refreshToken).toMatch(/^5Aep861/);
    expect(refreshed[0]?.refreshToken).not.toBe(firstRefresh);
    expect(standIn.stats().byOperation['oauth.token.refresh_token']).toBe(1);
    expect(standIn.stats().byRoute['GET /services/data/:version/query']?.statuses).toEqual({ '200': 1, '401': 1 });

    // The rotated-out refresh token is dead; the kept one works for the next refresh.
    await expect(oauth2.refreshToken(firstRefresh ?? '')).rejects.toMatchObject({ name: 'invalid_grant' });
    standIn.expireSessions();
    await expect(conn.query('SELECT COUNT() FROM Account')).resolves.toMatchObject({ totalSize: 798 });
    expect(refreshed).toHaveLength(2);
  });

  it('given an expired token, when the REST API is called, then 401 INVALID_SESSION_ID in an error array', async () => {
    const standIn = await start();
    const token = standIn.issueTokens().access_token;
    clock.advance(2 * 60 * 60_000);
    const response = await fetch(`${standIn.url}/services/data/v62.0/limits`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect(standIn.stats().sessionRefused).toBe(1);
  });

  it('given activity, when less than the timeout passes between calls, then the session stays alive', async () => {
    const standIn = await start();
    const conn = new Connection({ instanceUrl: standIn.url, accessToken: standIn.issueTokens().access_token });
    for (let hour = 0; hour < 4; hour++) {
      clock.advance(90 * 60_000);
      await conn.limits();
    }
    expect(standIn.stats().sessionRefused).toBe(0);
  });

  it('given a revoked refresh token, when jsforce tries to refresh, then the call fails and nothing is retried', async () => {
    const standIn = await start();
    const oauth2 = oauth2For(standIn);
    const conn = new Connection({ oauth2, version: standIn.apiVersion });
    await conn.authorize((await authorizeCode(oauth2)).searchParams.get('code') ?? '');
    await oauth2.revokeToken(conn.refreshToken ?? '');

    const error = await caught(conn.query('SELECT Id FROM Account'));

    expect(error.message).toBe('Unable to refresh session due to: expired access/refresh token');
    await expect(oauth2.revokeToken('not-a-token')).rejects.toMatchObject({ name: 'unsupported_token_type' });
  });

  it('given a session, when jsforce asks for the identity, then the user and org come back', async () => {
    const standIn = await start({ seedDemo: true });
    const oauth2 = oauth2For(standIn);
    const conn = new Connection({ oauth2, version: standIn.apiVersion });
    await conn.authorize((await authorizeCode(oauth2)).searchParams.get('code') ?? '');
    const identity = await conn.identity();
    expect(identity).toMatchObject({
      user_id: standIn.demoUser.id,
      organization_id: standIn.orgId,
      username: standIn.demoUser.username,
      active: true,
    });
    // The identity URL and the token endpoint are not REST API calls.
    expect(standIn.stats().apiUsage.used).toBe(0);
  });
});
