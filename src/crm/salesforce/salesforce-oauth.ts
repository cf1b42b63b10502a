import { OAuth2 } from 'jsforce';
import { InvalidInputError } from '../../shared/errors.ts';

/**
 * The install half of Salesforce OAuth (the web-server flow with PKCE, through jsforce 3.10.16): the authorize URL
 * with its verifier, and the code exchange that tells which org and instance the tokens belong to. jsforce makes one
 * verifier per `OAuth2` instance, so the verifier is returned to the caller to keep server-side (in the store, sealed,
 * with the `state`) and given back to a fresh instance at the callback. Source: Salesforce "OAuth 2.0 Web Server Flow
 * for Web App Integration"; jsforce `lib/oauth2.js`. See docs/BEHAVIOR.md.
 */

export interface SalesforceApp {
  /** `https://login.salesforce.com`, `https://test.salesforce.com` (sandboxes), or a stand-in's URL. */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** `api` for the REST API, `refresh_token` so PartnerLoop keeps working when the admin is gone. */
export const SALESFORCE_SCOPES = ['api', 'refresh_token'] as const;

/** What a finished sign-in gives: the org, the user who consented, the instance and the tokens. */
export interface SalesforceInstallation {
  orgId: string;
  userId: string;
  instanceUrl: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds, from the token response's `issued_at`. */
  issuedAt: number;
}

function oauth2(app: SalesforceApp, useVerifier: boolean): OAuth2 {
  return new OAuth2({
    loginUrl: app.loginUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    useVerifier,
  });
}

/** The consent URL and the PKCE verifier to keep until the callback (never sent to the browser). */
export function salesforceAuthorizeUrl(app: SalesforceApp, state: string): { url: string; verifier: string } {
  const client = oauth2(app, true);
  const verifier = client.codeVerifier;
  if (!verifier) throw new Error('jsforce did not create a PKCE verifier');
  // jsforce adds `code_challenge` but not its method; Salesforce assumes S256, said explicitly all the same.
  const url = client.getAuthorizationUrl({
    scope: SALESFORCE_SCOPES.join(' '),
    state,
    code_challenge_method: 'S256',
  } as Parameters<OAuth2['getAuthorizationUrl']>[0]);
  return { url, verifier };
}

/**
 * Exchanges the code (with the stored verifier) for tokens. The org and user come from the token response's identity
 * URL (`…/id/<orgId>/<userId>`), never from the callback's query string.
 */
export async function exchangeSalesforceCode(
  app: SalesforceApp,
  input: { code: string; verifier: string },
): Promise<SalesforceInstallation> {
  const client = oauth2(app, false);
  client.codeVerifier = input.verifier;
  let answer: { access_token: string; refresh_token?: string; instance_url: string; id: string; issued_at: string };
  try {
    answer = (await client.requestToken(input.code)) as typeof answer;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'error';
    const message = (error as Error).message ?? '';
    throw new InvalidInputError(`Salesforce refused the sign-in (${name}): ${message.slice(0, 200)}; start again`, {
      cause: error,
    });
  }
  const identity = /\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})\/?$/.exec(answer.id ?? '');
  if (!identity?.[1] || !identity[2]) throw new Error(`Salesforce answered an unexpected identity URL: ${answer.id}`);
  if (!answer.refresh_token) {
    throw new InvalidInputError(
      'Salesforce issued no refresh token: the connected app must allow the refresh_token scope; fix it and start again',
    );
  }
  return {
    orgId: identity[1],
    userId: identity[2],
    instanceUrl: answer.instance_url,
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    issuedAt: Number(answer.issued_at) || Date.now(),
  };
}
