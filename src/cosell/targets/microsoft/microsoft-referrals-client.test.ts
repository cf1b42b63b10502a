import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// biome-ignore lint/style/noRestrictedImports: a test drives the real MSAL and fetch against the loopback stand-in
import { startMicrosoftReferrals } from '../../../../sandbox/microsoft/microsoft-referrals.ts';
import type { Deal } from '../../../model/deal.ts';
import { ManualClock } from '../../../shared/testing/manual-clock.ts';
import {
  closeReferralPatch,
  isReadOnly,
  type MicrosoftReferralBody,
  microsoftExternalReference,
  microsoftReferralFromDeal,
  microsoftTrackedFields,
  motionStateForMicrosoft,
  referralPatch,
} from './microsoft-referral.ts';
import {
  classifyMicrosoftError,
  createPkcePair,
  MicrosoftDisconnectedError,
  MicrosoftReferralsClient,
  MicrosoftRequestError,
  MicrosoftSignInError,
  MicrosoftTokenCacheError,
  MicrosoftUnreachableError,
  msalAuthOptionsForEntra,
} from './microsoft-referrals-client.ts';

/**
 * The client driven against the Microsoft stand-in (sandbox/microsoft) with the real `@azure/msal-node` and `fetch`:
 * the stand-in's Entra endpoints issue, rotate and revoke tokens, its referrals API validates and stores what we
 * send, so the assertions read the stored referrals (the outbound payload) rather than our own answers.
 * The stand-in's clock is manual (access tokens expire on it); MSAL keeps real time, so an expiry on the stand-in is
 * seen by the client as a 401 on a token MSAL still believes valid.
 */

const REDIRECT_URI = 'http://localhost:5005/oauth/microsoft/callback';
const HOUR = 3600 * 1000;
const LIST_ROUTE = 'GET /v1.0/engagements/referrals';
const ONE_ROUTE = 'GET /v1.0/engagements/referrals/:id';

type MicrosoftReferralsStandIn = Awaited<ReturnType<typeof startMicrosoftReferrals>>;

let clock: ManualClock;
let standIn: MicrosoftReferralsStandIn;

beforeEach(async () => {
  clock = new ManualClock();
  standIn = await startMicrosoftReferrals({ clock });
});

afterEach(async () => {
  await standIn.close();
});

interface SavedCache {
  cache: string | null;
  saves: string[];
  /** What happened, in order: `save` and the API calls the stand-in had counted at that moment. */
  events: string[];
  saveCache(serialized: string): Promise<void>;
}

function cacheStore(initial: string | null = null): SavedCache {
  const store: SavedCache = {
    cache: initial,
    saves: [],
    events: [],
    async saveCache(serialized) {
      store.cache = serialized;
      store.saves.push(serialized);
      store.events.push(`save after ${standIn.stats().byRoute[ONE_ROUTE] ?? 0} reads`);
    },
  };
  return store;
}

function clientFor(store: SavedCache, homeAccountId?: string): MicrosoftReferralsClient {
  return new MicrosoftReferralsClient({
    auth: standIn.msalAuthOptions(),
    tokenCache: store,
    homeAccountId,
    baseUrl: `${standIn.url}/v1.0/engagements`,
    clock,
  });
}

/** The admin's browser: open the sign-in URL, read `code` and `state` off the stand-in's redirect. */
async function browserSignIn(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

async function signedIn(store = cacheStore()): Promise<{ client: MicrosoftReferralsClient; store: SavedCache }> {
  const client = clientFor(store);
  const pkce = await createPkcePair();
  const url = await client.authorizeUrl({ state: 's-1', redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge });
  const back = await browserSignIn(url);
  await client.redeemCode({
    code: back.searchParams.get('code') ?? '',
    redirectUri: REDIRECT_URI,
    codeVerifier: pkce.verifier,
  });
  return { client, store };
}

function refreshTokenIn(cache: string | null): string {
  const parsed = JSON.parse(cache ?? '{}') as { RefreshToken?: Record<string, { secret: string }> };
  const secrets = Object.values(parsed.RefreshToken ?? {}).map((entry) => entry.secret);
  expect(secrets).toHaveLength(1);
  return secrets[0] ?? '';
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

function deal(overrides: Partial<Deal> = {}): Deal {
  return {
    id: '1001',
    name: 'Globex – Azure landing zone',
    account: { id: 'c1', name: 'Globex', domain: 'globex.com' },
    amount: 120_000,
    currency: 'USD',
    closeDate: '2027-03-31',
    createdAt: '2026-06-01T00:00:00Z',
    stage: 'qualifiedtobuy',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    ownerId: null,
    region: null,
    leadSource: null,
    products: [],
    partners: [],
    lossReason: null,
    ...overrides,
  } as Deal;
}

function referralBody(motionId = 'm-1', overrides: Partial<Deal> = {}): MicrosoftReferralBody {
  const mapped = microsoftReferralFromDeal(
    {
      deal: deal(overrides),
      ask: 'Globex needs a Microsoft architect for the landing zone design review in February.',
      today: '2026-06-30',
      externalReferenceId: microsoftExternalReference({ tenantId: 'hubspot:1', dealId: '1001', motionId, attempt: 1 }),
      contact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@globex.com' },
    },
    {
      countryCode: 'US',
      currency: null,
      solutionId: 'SOL-DEMO-0001',
      consent: { shareInfoWithOthers: true, contact: true },
    },
  );
  if (!mapped.ok) throw new Error(`fixture deal does not map: ${JSON.stringify(mapped.issues)}`);
  return mapped.body;
}

describe('sign-in (auth code with PKCE)', () => {
  it('given an admin signs in through the URL, when the code is redeemed, then the demo user is connected, the cache is saved with a refresh token, and a new client from that cache calls the API', async () => {
    const store = cacheStore();
    const client = clientFor(store);
    const pkce = await createPkcePair();

    const url = new URL(
      await client.authorizeUrl({ state: 'csrf-1', redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge }),
    );
    const back = await browserSignIn(url.toString());
    const user = await client.redeemCode({
      code: back.searchParams.get('code') ?? '',
      redirectUri: REDIRECT_URI,
      codeVerifier: pkce.verifier,
    });

    expect(url.searchParams.get('code_challenge')).toBe(pkce.challenge);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(back.searchParams.get('state')).toBe('csrf-1');
    expect(user.username).toBe(standIn.demoUser.username);
    expect(user.homeAccountId).toBe(`${standIn.demoUser.oid}.${standIn.entraTenantId}`);
    expect(store.saves).toHaveLength(1);
    expect(refreshTokenIn(store.cache)).toMatch(/^plmsft-rt\./);

    const later = clientFor(cacheStore(store.cache), user.homeAccountId);
    await later.check();
    expect(standIn.stats().byRoute[LIST_ROUTE]).toBe(1);
  });

  it('given a PKCE verifier that does not match, when the code is redeemed, then the admin must sign in again', async () => {
    const client = clientFor(cacheStore());
    const pkce = await createPkcePair();
    const back = await browserSignIn(
      await client.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge }),
    );

    const error = await failure(
      client.redeemCode({
        code: back.searchParams.get('code') ?? '',
        redirectUri: REDIRECT_URI,
        codeVerifier: 'x'.repeat(43),
      }),
    );

    expect(error).toBeInstanceOf(MicrosoftDisconnectedError);
    expect(classifyMicrosoftError(error)).toMatchObject({ action: 'reauthorize' });
  });

  it('given nobody ever signed in, when the API is called, then it is a reconnect, and no call reached the API', async () => {
    const error = await failure(clientFor(cacheStore()).get('00000000-0000-4000-8000-000000000000'));

    expect(error).toBeInstanceOf(MicrosoftDisconnectedError);
    expect(classifyMicrosoftError(error)).toMatchObject({ action: 'reauthorize' });
    expect(standIn.stats().calls).toBe(0);
  });

  it('given production settings, then MSAL is pointed at Entra for the tenant and nothing else', () => {
    expect(msalAuthOptionsForEntra({ clientId: 'c', clientSecret: 's', tenantId: 't-1' })).toEqual({
      clientId: 'c',
      clientSecret: 's',
      authority: 'https://login.microsoftonline.com/t-1',
    });
  });
});

describe('create, read, update, close', () => {
  it('given a mapped deal, when it is created, read, patched and closed, then Partner Center holds exactly what was sent, and a patch on the closed referral is refused as read-only', async () => {
    const { client } = await signedIn();
    const body = referralBody();

    const created = await client.create(body);
    const stored = standIn.referral(created.id);
    expect(stored).toMatchObject({
      name: body.name,
      externalReferenceId: body.externalReferenceId,
      type: 'Shared',
      qualification: 'SalesQualified',
      target: [{ type: 'SolutionProfile', id: 'SOL-DEMO-0001' }],
      customerProfile: {
        name: 'Globex',
        address: { country: 'US' },
        team: [{ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@globex.com' }],
      },
      consent: {
        consentToToShareInfoWithOthers: true,
        consentToContact: true,
        consentToShareReferralWithMicrosoftSellers: true,
      },
      details: {
        notes: body.details.notes,
        dealValue: 120_000,
        currency: 'USD',
        closingDateTime: '2027-03-31T00:00:00Z',
      },
    });
    // A partner's own referral is Active/Accepted once Partner Center takes it.
    expect(motionStateForMicrosoft(created.status, created.substatus ?? null)).toBe('accepted');

    const read = await client.get(created.id);
    expect(read.eTag).toBe(stored?.eTag);

    const sent = microsoftTrackedFields(body);
    const changed = microsoftTrackedFields(referralBody('m-1', { amount: 150_000, closeDate: '2027-06-30' }));
    const operations = referralPatch(sent, changed);
    const updated = await client.update(created.id, operations, read.eTag);
    expect(operations.map((operation) => operation.path)).toEqual(['/details/dealValue', '/details/closingDateTime']);
    expect(standIn.referral(created.id)?.details).toMatchObject({
      dealValue: 150_000,
      closingDateTime: '2027-06-30T00:00:00Z',
    });
    expect(updated.eTag).toBe(standIn.referral(created.id)?.eTag);

    const closed = await client.update(created.id, closeReferralPatch('won'), updated.eTag);
    expect(standIn.referral(created.id)).toMatchObject({
      status: 'Closed',
      substatus: 'Won',
      statusReason: 'Won in the CRM',
    });
    expect(closed.referral && isReadOnly(closed.referral.status)).toBe(true);

    const refused = await failure(client.update(created.id, operations));
    expect(refused).toBeInstanceOf(MicrosoftRequestError);
    expect((refused as MicrosoftRequestError).status).toBe(409);
    expect(classifyMicrosoftError(refused)).toEqual({
      action: 'fail',
      reason: 'the referral is closed in Partner Center and read-only: it can no longer be changed',
    });
  });

  it('given a stale eTag, when the referral is patched, then Microsoft refuses it (412) and nothing changes', async () => {
    const { client } = await signedIn();
    const created = await client.create(referralBody());
    await client.update(created.id, [{ op: 'replace', path: '/details/notes', value: 'first' }]);

    const error = await failure(
      client.update(created.id, [{ op: 'replace', path: '/details/notes', value: 'second' }], created.eTag),
    );

    expect((error as MicrosoftRequestError).status).toBe(412);
    expect(classifyMicrosoftError(error)).toMatchObject({
      action: 'fail',
      reason: expect.stringMatching(/read it again/),
    });
    expect(standIn.referral(created.id)?.details.notes).toBe('first');
  });

  it('given a body our checks would have refused, when Microsoft refuses it, then each field comes back in the seller’s words', async () => {
    const { client } = await signedIn();
    const body = referralBody();
    const broken = {
      ...body,
      customerProfile: { ...body.customerProfile, address: { country: 'USA' } },
      details: { ...body.details, currency: 'dollars' },
    };

    const error = await failure(client.create(broken));

    expect(classifyMicrosoftError(error)).toEqual({
      action: 'invalid',
      reason: 'Microsoft validation failed',
      issues: [
        {
          field: 'customerProfile.address.country',
          message: 'Microsoft refused the customer country: must be an ISO 3166 two-letter country code.',
        },
        { field: 'details.currency', message: 'Microsoft refused the currency: must be an ISO 4217 currency code.' },
      ],
    });
    expect(standIn.referrals()).toHaveLength(0);
  });
});

describe('tokens', () => {
  it('given the access token expired at Microsoft, when a call is refused with 401, then the refresh token is redeemed, the rotated cache is saved before the call is sent again, and the newest refresh token is the one persisted', async () => {
    const { client, store } = await signedIn();
    const created = await client.create(referralBody());
    const before = refreshTokenIn(store.cache);
    store.events.length = 0;
    standIn.resetStats();
    clock.advance(HOUR);

    const read = await client.get(created.id);

    expect(read.id).toBe(created.id);
    expect(store.events).toEqual(['save after 1 reads']);
    expect(standIn.stats()).toMatchObject({ tokenRequests: 1, byRoute: { [ONE_ROUTE]: 2 } });
    const after = refreshTokenIn(store.cache);
    expect(after).not.toBe(before);

    // The stand-in retires used refresh tokens: only the persisted newest one can carry a fresh process on.
    clock.advance(HOUR);
    const restarted = clientFor(cacheStore(store.cache));
    expect((await restarted.get(created.id)).id).toBe(created.id);
  });

  it('given two calls refused together after an expiry, when both refresh, then one token request serves both (a second would replay a rotated refresh token)', async () => {
    const { client } = await signedIn();
    const first = await client.create(referralBody('m-1'));
    const second = await client.create(referralBody('m-2'));
    standIn.resetStats();
    clock.advance(HOUR);

    const read = await Promise.all([client.get(first.id), client.get(second.id)]);

    expect(read.map((referral) => referral.id)).toEqual([first.id, second.id]);
    expect(standIn.stats().tokenRequests).toBe(1);
  });

  it('given the cache cannot be saved, when a refresh rotates the token, then the call fails before the new token is used, and is retried later', async () => {
    const { client, store } = await signedIn();
    store.saveCache = async () => {
      throw new Error('database unavailable');
    };
    standIn.resetStats();
    clock.advance(HOUR);

    const error = await failure(client.check());

    expect(error).toBeInstanceOf(MicrosoftTokenCacheError);
    expect(classifyMicrosoftError(error)).toMatchObject({ action: 'retry' });
    expect(standIn.stats().byRoute[LIST_ROUTE]).toBe(1);
  });

  it('given an admin revoked the sessions, when the expired token is refreshed, then the connection needs reauthorizing', async () => {
    const { client } = await signedIn();
    expect(standIn.revokeRefreshTokens()).toBe(1);
    clock.advance(HOUR);

    const error = await failure(client.check());

    expect(error).toBeInstanceOf(MicrosoftDisconnectedError);
    expect((error as MicrosoftDisconnectedError).cause).toBeInstanceOf(InteractionRequiredAuthError);
    expect(classifyMicrosoftError(error)).toEqual({
      action: 'reauthorize',
      reason: 'The Microsoft Partner Center connection has expired or was revoked: an admin must connect it again.',
    });
  });

  it('given Microsoft refuses even the refreshed token, when a call is made, then it is final after one refresh', async () => {
    const { client } = await signedIn();
    standIn.faults.add({ route: LIST_ROUTE, script: [401, 401] });
    standIn.resetStats();

    const error = await failure(client.check());

    expect((error as MicrosoftRequestError).status).toBe(401);
    expect(classifyMicrosoftError(error)).toMatchObject({
      action: 'fail',
      reason: expect.stringMatching(/even after a refresh/),
    });
    expect(standIn.stats()).toMatchObject({ tokenRequests: 1, byRoute: { [LIST_ROUTE]: 2 } });
  });

  it('given the token endpoint fails with 503, when a refresh is needed, then the call is retried later', async () => {
    const { client } = await signedIn();
    standIn.faults.add({ route: 'POST /*/oauth2/v2.0/token', script: [503] });
    clock.advance(HOUR);

    const error = await failure(client.check());

    expect(error).toBeInstanceOf(MicrosoftSignInError);
    expect(classifyMicrosoftError(error)).toMatchObject({ action: 'retry' });
  });
});

describe('throttling and failures', () => {
  it.each([
    [
      '429 with Retry-After',
      { type: 'status' as const, status: 429, retryAfterSeconds: 7 },
      { action: 'retry', waitMs: 7000 },
    ],
    ['503', 503, { action: 'retry' }],
    ['a dropped connection', 'drop' as const, { action: 'retry' }],
    ['403', 403, { action: 'fail', reason: expect.stringMatching(/Referrals admin or Referrals user role/) }],
    ['404', 404, { action: 'fail', reason: expect.stringMatching(/not in Partner Center/) }],
  ])('given the API answers %s, when a referral is read, then the decision is %j', async (_, step, decision) => {
    const { client } = await signedIn();
    standIn.faults.add({ route: 'GET /v1.0/engagements/referrals/*', script: [step] });

    const error = await failure(client.get('00000000-0000-4000-8000-000000000000'));

    expect(classifyMicrosoftError(error)).toMatchObject(decision);
    expect(standIn.stats().injected).toBe(1);
  });

  it.each([
    ['a 429 without Retry-After', new MicrosoftRequestError(429, 'x', { receivedAt: 0 }), { action: 'retry' }],
    [
      'a 503 with an HTTP-date Retry-After',
      new MicrosoftRequestError(503, 'x', { retryAfter: 'Thu, 01 Jan 1970 00:00:30 GMT', receivedAt: 10_000 }),
      { action: 'retry', waitMs: 20_000 },
    ],
    [
      'a 400 about our own query',
      new MicrosoftRequestError(400, 'x', { problems: [{ field: '$filter', message: 'bad' }], receivedAt: 0 }),
      { action: 'fail' },
    ],
    [
      'a 400 without field data',
      new MicrosoftRequestError(400, 'x', { providerMessage: 'Bad thing', receivedAt: 0 }),
      { action: 'invalid', issues: [{ field: 'referral', message: 'Microsoft refused the referral: Bad thing.' }] },
    ],
    [
      'a revoked grant from MSAL',
      new InteractionRequiredAuthError('invalid_grant', '', 'AADSTS50173'),
      { action: 'reauthorize' },
    ],
    ['an Entra outage from MSAL', new ServerError('temporarily_unavailable', '', 'AADSTS90033'), { action: 'retry' }],
    [
      'a rejected client secret',
      new ServerError('invalid_client', '', 'AADSTS7000215'),
      { action: 'fail', reason: expect.stringMatching(/client id and secret/) },
    ],
    ['a network failure', new TypeError('fetch failed'), { action: 'retry' }],
    ['a bug', new RangeError('oops'), { action: 'fail', reason: 'unexpected failure: oops' }],
  ])('given %s, then the decision is %j', (_, error, decision) => {
    expect(classifyMicrosoftError(error)).toMatchObject(decision);
  });
});

describe('finding a referral again', () => {
  it('given the create landed but its answer was lost, when the motion is sent again, then the referral is found by its external reference instead of created twice', async () => {
    const { client } = await signedIn();
    const body = referralBody();
    standIn.faults.add({ route: 'POST /v1.0/engagements/referrals', script: ['lose_response'] });

    const lost = await failure(client.create(body));
    expect(lost).toBeInstanceOf(MicrosoftUnreachableError);
    expect(classifyMicrosoftError(lost)).toMatchObject({ action: 'retry' });

    const found = await client.findByExternalReference(body.externalReferenceId);
    const other = await client.findByExternalReference(referralBody('m-2').externalReferenceId);

    expect(standIn.referrals()).toHaveLength(1);
    expect(found?.id).toBe(standIn.referrals()[0]?.id);
    expect(found?.externalReferenceId).toBe(body.externalReferenceId);
    expect(other).toBeNull();
  });

  it('given a reference with a quote, when it is looked up, then the OData literal is escaped and it matches exactly', async () => {
    const { client } = await signedIn();
    const created = await client.create({ ...referralBody(), externalReferenceId: "crm-o'brien" });

    expect((await client.findByExternalReference("crm-o'brien"))?.id).toBe(created.id);
  });
});

describe('changedSince', () => {
  it('given more changes than a page, when listing after a checkpoint, then every later change comes once, oldest first, across both pages', async () => {
    await standIn.close();
    standIn = await startMicrosoftReferrals({ clock, pageSize: 2 });
    const { client } = await signedIn();
    const before = await client.create(referralBody('m-0'));
    clock.advance(60_000);
    const checkpoint = new Date(clock.now()).toISOString();
    const later: string[] = [];
    for (const motion of ['m-1', 'm-2', 'm-3']) {
      clock.advance(60_000);
      later.push((await client.create(referralBody(motion))).id);
    }
    standIn.resetStats();

    const pages: Array<{ ids: string[]; newest: string | null }> = [];
    for await (const page of client.changedPages(checkpoint)) {
      pages.push({ ids: page.referrals.map((referral) => referral.id), newest: page.newestUpdate });
    }
    const all = await client.changedSince(checkpoint);

    expect(pages.map((page) => page.ids)).toEqual([later.slice(0, 2), later.slice(2)]);
    expect(pages.map((page) => page.newest)).toEqual(['2026-06-30T12:03:00.0000000Z', '2026-06-30T12:04:00.0000000Z']);
    expect(all.map((referral) => referral.id)).toEqual(later);
    expect(all.map((referral) => referral.id)).not.toContain(before.id);
    expect(standIn.stats().byRoute[LIST_ROUTE]).toBe(4);
    expect((await client.changedSince(null)).map((referral) => referral.id)).toEqual([before.id, ...later]);
  });
});
