import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceStandIn, startSalesforce } from '../sandbox/salesforce/salesforce.ts';
import {
  exchangeSalesforceCode,
  type SalesforceApp,
  salesforceAuthorizeUrl,
} from '../src/crm/salesforce/salesforce-oauth.ts';
import { InvalidInputError } from '../src/shared/errors.ts';

const REDIRECT_URI = 'https://partnerloop.example.com/oauth/salesforce/callback';

/** The install's OAuth half against the stand-in, through jsforce's own OAuth2: PKCE kept server-side. */
describe('Salesforce sign-in with PKCE (jsforce against the stand-in)', () => {
  let standIn: SalesforceStandIn;
  let app: SalesforceApp;

  beforeAll(async () => {
    standIn = await startSalesforce({ redirectUris: [REDIRECT_URI] });
    app = {
      loginUrl: standIn.loginUrl,
      clientId: standIn.clientId,
      clientSecret: standIn.clientSecret,
      redirectUri: REDIRECT_URI,
    };
  });
  afterAll(async () => standIn?.close());

  /** The admin's browser: the stand-in signs the demo user in and redirects back with the code. */
  async function consent(url: string): Promise<URL> {
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location') ?? '');
  }

  it('given the stored verifier, when the code is exchanged, then the org, user and instance come from Salesforce', async () => {
    const { url, verifier } = salesforceAuthorizeUrl(app, 'state-1');
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url).not.toContain(verifier);
    const back = await consent(url);
    expect(back.searchParams.get('state')).toBe('state-1');
    const installation = await exchangeSalesforceCode(app, { code: back.searchParams.get('code') ?? '', verifier });
    expect(installation).toMatchObject({
      orgId: standIn.orgId,
      userId: standIn.demoUser.id,
      instanceUrl: standIn.url,
    });
    expect(installation.refreshToken.length).toBeGreaterThan(10);
  });

  it('given another verifier, when the code is exchanged, then Salesforce refuses it and the error says so', async () => {
    const { url } = salesforceAuthorizeUrl(app, 'state-2');
    const back = await consent(url);
    const other = salesforceAuthorizeUrl(app, 'state-3').verifier;
    const refused = await exchangeSalesforceCode(app, {
      code: back.searchParams.get('code') ?? '',
      verifier: other,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect(String((refused as Error).message)).toContain('invalid_grant');
  });
});
