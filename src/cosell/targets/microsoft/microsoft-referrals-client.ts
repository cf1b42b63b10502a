import { randomUUID } from 'node:crypto';
import {
  type AccountInfo,
  AuthError,
  ConfidentialClientApplication,
  CryptoProvider,
  type ICachePlugin,
  InteractionRequiredAuthError,
  LogLevel,
  ServerError,
  type TokenCacheContext,
} from '@azure/msal-node';
import { z } from 'zod';
import { type Clock, systemClock } from '../../../shared/clock.ts';
import { AppError, InvalidInputError } from '../../../shared/errors.ts';
import { type RetryDecision, retryAfterMs } from '../../../shared/retry-after.ts';
import {
  type MicrosoftFieldIssue,
  type MicrosoftPatchOperation,
  type MicrosoftReferral,
  type MicrosoftReferralBody,
  microsoftFieldIssue,
  microsoftReferralSchema,
  normalizeMicrosoftField,
} from './microsoft-referral.ts';

/**
 * The only place that speaks to Microsoft Partner Center's referrals API and to Entra ID (through `@azure/msal-node`;
 * there is no official JS SDK for referrals, so the API itself is plain `fetch`). One client per tenant connection:
 * the MSAL app, its token cache and the single refresh flight live in the instance.
 *
 * Auth is App + User (the only kind the referrals API takes): an admin signs a Partner Center user with the Referrals
 * admin (or user) role in once through the auth-code flow; after that MSAL refreshes through the cached refresh
 * token. The cache is the caller's (sealed in the database): it is handed in serialized and every change is saved
 * through `saveCache` before MSAL returns the token that came with it, because Entra rotates refresh tokens.
 *
 * No retries here beyond one: a 401 is answered by refreshing and sending again once. Everything else fails with a
 * typed error the caller gives to `classifyMicrosoftError` (retry later, fix the data, reconnect, or give up).
 */

/** Production: the referrals API (create-a-referral). The stand-in answers at `<its url>/v1.0/engagements`. */
export const MICROSOFT_REFERRALS_API_BASE_URL = 'https://api.partner.microsoft.com/v1.0/engagements';

/**
 * `.default` asks for every permission the Entra app was granted on the Partner Center API (`user_impersonation`), as
 * the referrals docs' samples do; MSAL adds `openid profile offline_access` itself, and `offline_access` is what
 * brings the refresh token back.
 */
export const PARTNER_CENTER_SCOPES: readonly string[] = ['https://api.partner.microsoft.com/.default'];

/** Each call gives up after this long without an answer (then it is `microsoft_unreachable`, retried later). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * MSAL's `auth` options as plain data, so the caller decides where tokens come from: production Entra
 * (`msalAuthOptionsForEntra`) or, in sandbox mode and tests, the stand-in's options (sandbox/microsoft/msal-config.ts),
 * which add `knownAuthorities` and `authorityMetadata` so MSAL never goes looking for Entra's discovery documents.
 */
export interface MicrosoftAuthOptions {
  clientId: string;
  clientSecret: string;
  authority: string;
  knownAuthorities?: string[];
  authorityMetadata?: string;
  cloudDiscoveryMetadata?: string;
}

/** Production Entra ID for PartnerLoop's app in the partner's tenant: MSAL discovers the endpoints itself. */
export function msalAuthOptionsForEntra(app: {
  clientId: string;
  clientSecret: string;
  tenantId: string;
}): MicrosoftAuthOptions {
  return {
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    authority: `https://login.microsoftonline.com/${app.tenantId}`,
  };
}

/** A PKCE pair for the sign-in: the challenge goes in `authorizeUrl`, the verifier (kept server-side) in `redeemCode`. */
export async function createPkcePair(): Promise<{ verifier: string; challenge: string }> {
  return new CryptoProvider().generatePkceCodes();
}

/** The tenant's MSAL token cache as the store keeps it: serialized JSON, and where each change goes. */
export interface MicrosoftTokenCacheStore {
  /** The cache as last saved; null before the first sign-in. */
  cache: string | null;
  /** Persists the whole serialized cache (it holds the refresh token: seal it). Awaited before the token is used. */
  saveCache(serialized: string): Promise<void>;
}

/** A tenant's Microsoft connection, secrets already unsealed. */
export interface MicrosoftReferralsConnection {
  auth: MicrosoftAuthOptions;
  tokenCache: MicrosoftTokenCacheStore;
  /** The signed-in integration user (`redeemCode`'s answer); unset = the one account in the cache. */
  homeAccountId?: string | null | undefined;
  /** Default `MICROSOFT_REFERRALS_API_BASE_URL`; the stand-in's `…/v1.0/engagements` in sandbox mode and tests. */
  baseUrl?: string | undefined;
  /** Reads `Retry-After` dates against it; default the system clock. */
  clock?: Clock | undefined;
}

export interface MicrosoftSignedInUser {
  homeAccountId: string;
  username: string;
}

/** One page of `changedPages`. */
export interface MicrosoftReferralPage {
  referrals: MicrosoftReferral[];
  /** The newest `updatedDateTime` on the page (as served): the checkpoint may move to it once the page is stored. */
  newestUpdate: string | null;
}

/** A field problem as Partner Center lists it in a 400's `data`. */
export interface MicrosoftFieldProblem {
  field: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: typed, with a literal code and words a seller or admin can read; the provider's own text stays in fields.
// ---------------------------------------------------------------------------------------------------------------

/** Partner Center answered a call with an error status. */
export class MicrosoftRequestError extends AppError {
  readonly code = 'microsoft_request_failed';
  readonly providerCode: string | null;
  readonly providerMessage: string | null;
  readonly problems: readonly MicrosoftFieldProblem[];
  /** The `Retry-After` header as sent, and when the answer arrived (to read a date form against). */
  readonly retryAfter: string | null;
  readonly receivedAt: number;

  constructor(
    readonly status: number,
    readonly operation: string,
    answer: {
      providerCode?: string | null;
      providerMessage?: string | null;
      problems?: readonly MicrosoftFieldProblem[];
      retryAfter?: string | null;
      receivedAt: number;
    },
    options: { cause?: unknown } = {},
  ) {
    super(`Microsoft Partner Center could not complete ${operation} (HTTP ${status})`, {
      ...options,
      details: answer.problems ?? [],
    });
    this.providerCode = answer.providerCode ?? null;
    this.providerMessage = answer.providerMessage ?? null;
    this.problems = answer.problems ?? [];
    this.retryAfter = answer.retryAfter ?? null;
    this.receivedAt = answer.receivedAt;
  }
}

/** No answer at all: refused, reset or timed out connection (a create may still have landed: look it up). */
export class MicrosoftUnreachableError extends AppError {
  readonly code = 'microsoft_unreachable';

  constructor(
    readonly operation: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Microsoft Partner Center did not answer ${operation}; it is tried again later`, options);
  }
}

/** The signed-in user's grant is gone (refresh token revoked or expired, nobody signed in): an admin reconnects. */
export class MicrosoftDisconnectedError extends AppError {
  readonly code = 'microsoft_disconnected';
}

/** Entra refused or failed a token request for another reason (the app's secret, an outage). */
export class MicrosoftSignInError extends AppError {
  readonly code = 'microsoft_sign_in_failed';

  constructor(
    readonly errorCode: string,
    readonly status: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(`Microsoft sign-in failed (${errorCode})`, options);
  }
}

/** The tenant's token cache could not be saved: the token that came with the change is not used. */
export class MicrosoftTokenCacheError extends AppError {
  readonly code = 'microsoft_token_cache_failed';
}

/** An MSAL or network failure as one of the errors above; ours, and anything else (a bug), pass through unchanged. */
export function asMicrosoftError(error: unknown, operation: string): Error {
  if (error instanceof AppError) return error;
  if (
    error instanceof InteractionRequiredAuthError ||
    (error instanceof AuthError && error.errorCode === 'invalid_grant')
  ) {
    return new MicrosoftDisconnectedError(
      'The Microsoft Partner Center connection has expired or was revoked: an admin must connect it again.',
      { cause: error },
    );
  }
  if (error instanceof AuthError) {
    if (error.errorCode === 'network_error') return new MicrosoftUnreachableError(operation, { cause: error });
    return new MicrosoftSignInError(error.errorCode, error instanceof ServerError ? error.status : undefined, {
      cause: error,
    });
  }
  // fetch rejects with a TypeError ("fetch failed") or, on our timeout, a DOMException named TimeoutError.
  if (error instanceof TypeError || (error instanceof Error && /^(TimeoutError|AbortError)$/.test(error.name))) {
    return new MicrosoftUnreachableError(operation, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** What a failed Microsoft call means: the shape every adapter's classifier returns, plus field errors and reconnect. */
export type MicrosoftCallDecision =
  | RetryDecision
  | { action: 'invalid'; issues: MicrosoftFieldIssue[]; reason: string }
  | { action: 'reauthorize'; reason: string };

/** Fields of a 400 that are ours to fix, not the seller's: query options and the patch document's own structure. */
const isRequestShape = (field: string) => /^(\$|\[|\(root\)$)/.test(field);

/**
 * Pure: a failure as a decision. Throttling (429 + `Retry-After`), 408, 5xx, network and a token cache that could not
 * be saved are retried later; a 400 that names fields is the seller's to fix (in words); a revoked or expired grant
 * needs an admin to reconnect; a 401 even after a refresh, 403, 404, a closed (read-only) referral's 409 and a stale
 * `If-Match` (412) are final for this call and say why.
 */
export function classifyMicrosoftError(error: unknown): MicrosoftCallDecision {
  const known = asMicrosoftError(error, 'the call');
  if (known instanceof MicrosoftDisconnectedError) return { action: 'reauthorize', reason: known.message };
  if (known instanceof MicrosoftUnreachableError) return { action: 'retry', reason: known.message };
  if (known instanceof MicrosoftTokenCacheError) {
    return { action: 'retry', reason: 'the Microsoft token cache could not be saved; tried again later' };
  }
  if (known instanceof MicrosoftSignInError) return classifySignIn(known);
  if (!(known instanceof MicrosoftRequestError))
    return { action: 'fail', reason: `unexpected failure: ${known.message}` };

  const { status } = known;
  const waitMs = retryAfterMs(known.retryAfter, known.receivedAt);
  const wait = waitMs === undefined ? {} : { waitMs };
  if (status === 429) return { action: 'retry', ...wait, reason: 'Microsoft Partner Center throttled the call' };
  if (status === 408 || status >= 500) {
    return { action: 'retry', ...wait, reason: `Microsoft Partner Center answered ${status}` };
  }
  if (status === 400) {
    if (known.problems.some((problem) => isRequestShape(problem.field))) {
      return { action: 'fail', reason: `Microsoft refused the request itself: ${problemsText(known.problems)}` };
    }
    const issues =
      known.problems.length > 0
        ? known.problems.map((problem) => microsoftFieldIssue(problem.field, problem.message))
        : [{ field: 'referral', message: `Microsoft refused the referral: ${known.providerMessage ?? 'invalid'}.` }];
    return { action: 'invalid', issues, reason: 'Microsoft validation failed' };
  }
  const reasons: Readonly<Record<number, string>> = {
    401: 'Microsoft refused the access token even after a refresh: the signed-in user may have lost access to Partner Center',
    403: 'the signed-in Microsoft user lacks the Referrals admin or Referrals user role in Partner Center',
    404: 'the referral is not in Partner Center (deleted, or not visible to the signed-in user)',
    409: 'the referral is closed in Partner Center and read-only: it can no longer be changed',
    412: 'the referral changed in Partner Center since it was read: read it again before updating',
  };
  return { action: 'fail', reason: reasons[status] ?? `Microsoft Partner Center answered ${status}` };
}

function classifySignIn(error: MicrosoftSignInError): MicrosoftCallDecision {
  if (
    error.errorCode === 'temporarily_unavailable' ||
    error.errorCode === 'server_error' ||
    (error.status !== undefined && (error.status === 429 || error.status >= 500))
  ) {
    return { action: 'retry', reason: `Microsoft sign-in is unavailable (${error.errorCode})` };
  }
  if (error.errorCode === 'invalid_client' || error.errorCode === 'unauthorized_client') {
    return {
      action: 'fail',
      reason:
        "Entra ID refused PartnerLoop's app: check the client id and secret of the Microsoft connection (secrets expire)",
    };
  }
  return { action: 'fail', reason: error.message };
}

function problemsText(problems: readonly MicrosoftFieldProblem[]): string {
  return problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
}

// ---------------------------------------------------------------------------------------------------------------
// Answers as Partner Center writes them, checked at the edge.
// ---------------------------------------------------------------------------------------------------------------

/** `{code, description, data[], source}`, Partner Center's REST error body; `data` holds field problems on a 400. */
const errorBodySchema = z.looseObject({
  code: z.string().nullish(),
  description: z.string().nullish(),
  data: z.array(z.unknown()).nullish(),
});
const problemSchema = z.looseObject({ field: z.string(), message: z.string() });

const listPageSchema = z.looseObject({
  value: z.array(microsoftReferralSchema),
  '@odata.nextLink': z.string().nullish(),
});

async function requestError(response: Response, operation: string, receivedAt: number): Promise<MicrosoftRequestError> {
  const text = await response.text().catch(() => '');
  let parsed: z.output<typeof errorBodySchema> | undefined;
  try {
    const result = errorBodySchema.safeParse(JSON.parse(text));
    parsed = result.success ? result.data : undefined;
  } catch {
    parsed = undefined;
  }
  const problems = (parsed?.data ?? []).flatMap((entry) => {
    const problem = problemSchema.safeParse(entry);
    return problem.success
      ? [{ field: normalizeMicrosoftField(problem.data.field), message: problem.data.message }]
      : [];
  });
  return new MicrosoftRequestError(response.status, operation, {
    providerCode: parsed?.code ?? null,
    providerMessage: parsed?.description ?? (text.slice(0, 500) || null),
    problems,
    retryAfter: response.headers.get('retry-after'),
    receivedAt,
  });
}

/** `'…'` with quotes doubled: an OData string literal. */
const odataString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** A query string with `%20` for spaces (OData servers differ on `+`). */
function queryString(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

export class MicrosoftReferralsClient {
  readonly #msal: ConfidentialClientApplication;
  readonly #collection: string;
  readonly #clock: Clock;
  #homeAccountId: string | null;
  /** The access token last handed out, to tell "expired under us" from "already refreshed by another call". */
  #current: string | undefined;
  #flight: Promise<string> | undefined;

  constructor(connection: MicrosoftReferralsConnection) {
    this.#collection = `${(connection.baseUrl ?? MICROSOFT_REFERRALS_API_BASE_URL).replace(/\/+$/, '')}/referrals`;
    this.#clock = connection.clock ?? systemClock;
    this.#homeAccountId = connection.homeAccountId ?? null;
    const store = connection.tokenCache;
    // The newest serialized state. MSAL clears its memory and reloads it through `beforeCacheAccess` before every
    // silent lookup, so the plugin, not MSAL's memory, is where the cache lives between calls.
    let latest = store.cache;
    const cachePlugin: ICachePlugin = {
      beforeCacheAccess: async (context: TokenCacheContext) => {
        if (latest) context.tokenCache.deserialize(latest);
      },
      // MSAL awaits this before it returns the token that came with the change, so a rotated refresh token is
      // persisted before the access token is used; if saving fails, the call fails and that token is not used.
      // `latest` moves on regardless: the refresh token the old one was exchanged for is the one to use next.
      afterCacheAccess: async (context: TokenCacheContext) => {
        if (!context.cacheHasChanged) return;
        latest = context.tokenCache.serialize();
        try {
          await store.saveCache(latest);
        } catch (error) {
          throw new MicrosoftTokenCacheError('The Microsoft token cache could not be saved.', { cause: error });
        }
      },
    };
    const { auth } = connection;
    this.#msal = new ConfidentialClientApplication({
      auth: {
        clientId: auth.clientId,
        clientSecret: auth.clientSecret,
        authority: auth.authority,
        ...(auth.knownAuthorities ? { knownAuthorities: [...auth.knownAuthorities] } : {}),
        ...(auth.authorityMetadata ? { authorityMetadata: auth.authorityMetadata } : {}),
        ...(auth.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: auth.cloudDiscoveryMetadata } : {}),
      },
      cache: { cachePlugin },
      // MSAL's own log would print to the console; failures reach the caller as typed errors with MSAL's as cause.
      system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} } },
    });
  }

  /** The Entra sign-in URL for the admin's browser (auth-code flow; PKCE when a challenge is given). */
  async authorizeUrl(request: {
    state: string;
    redirectUri: string;
    codeChallenge?: string | undefined;
  }): Promise<string> {
    try {
      return await this.#msal.getAuthCodeUrl({
        scopes: [...PARTNER_CENTER_SCOPES],
        redirectUri: request.redirectUri,
        state: request.state,
        ...(request.codeChallenge ? { codeChallenge: request.codeChallenge, codeChallengeMethod: 'S256' } : {}),
      });
    } catch (error) {
      throw asMicrosoftError(error, 'the sign-in link');
    }
  }

  /**
   * Redeems the code Entra sent back to the redirect URI: the tokens land in the cache (saved through `saveCache`
   * before this returns) and the signed-in user becomes the one this client acts as. Store `homeAccountId`.
   */
  async redeemCode(request: {
    code: string;
    redirectUri: string;
    codeVerifier?: string | undefined;
  }): Promise<MicrosoftSignedInUser> {
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByCode']>>;
    try {
      result = await this.#msal.acquireTokenByCode({
        code: request.code,
        redirectUri: request.redirectUri,
        scopes: [...PARTNER_CENTER_SCOPES],
        ...(request.codeVerifier ? { codeVerifier: request.codeVerifier } : {}),
      });
    } catch (error) {
      throw asMicrosoftError(error, 'the sign-in');
    }
    if (!result.account) throw new MicrosoftSignInError('no_account', undefined);
    this.#homeAccountId = result.account.homeAccountId;
    this.#current = result.accessToken;
    return { homeAccountId: result.account.homeAccountId, username: result.account.username };
  }

  /**
   * A valid access token, single-flight per instance: concurrent callers share one MSAL call. With `stale` (a token
   * the API refused), a token another caller already refreshed is returned as is; otherwise MSAL is made to redeem
   * the refresh token (a second refresh with the same, already rotated refresh token would fail).
   */
  async #accessToken(stale?: string): Promise<string> {
    while (this.#flight) {
      const token = await this.#flight;
      // A plain cache lookup in flight may hand back the very token the API just refused: then refresh after it.
      if (stale === undefined || token !== stale) return token;
    }
    if (stale !== undefined && this.#current !== undefined && this.#current !== stale) return this.#current;
    const flight = this.#acquire(stale !== undefined).finally(() => {
      this.#flight = undefined;
    });
    this.#flight = flight;
    return flight;
  }

  async #acquire(forceRefresh: boolean): Promise<string> {
    try {
      const account = await this.#account();
      const result = await this.#msal.acquireTokenSilent({ account, scopes: [...PARTNER_CENTER_SCOPES], forceRefresh });
      this.#current = result.accessToken;
      return result.accessToken;
    } catch (error) {
      throw asMicrosoftError(error, 'the token refresh');
    }
  }

  async #account(): Promise<AccountInfo> {
    const cache = this.#msal.getTokenCache();
    const accounts = await cache.getAllAccounts();
    const account = this.#homeAccountId
      ? accounts.find((entry) => entry.homeAccountId === this.#homeAccountId)
      : accounts.length === 1
        ? accounts[0]
        : undefined;
    if (!account) {
      throw new MicrosoftDisconnectedError(
        'No Microsoft user is signed in for Partner Center referrals: an admin must connect it.',
      );
    }
    return account;
  }

  /**
   * One call with the current token. A 401 means the token was refused before anything happened, so even a create
   * is sent again: once, after a refresh through the refresh token (Partner Center may end a token before MSAL's
   * clock says so). A second 401 is final.
   */
  async #send(
    operation: string,
    url: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ) {
    let stale: string | undefined;
    for (;;) {
      const token = await this.#accessToken(stale);
      let response: Response;
      try {
        response = await fetch(url, {
          method: init.method,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            // Partner REST headers: lets Microsoft support find the call in their logs.
            'MS-CorrelationId': randomUUID(),
            ...init.headers,
          },
          ...(init.body === undefined ? {} : { body: init.body }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw asMicrosoftError(error, operation);
      }
      if (response.status === 401 && stale === undefined) {
        await response.arrayBuffer().catch(() => undefined);
        stale = token;
        continue;
      }
      if (!response.ok) throw await requestError(response, operation, this.#clock.now());
      return response;
    }
  }

  async #json(response: Response, operation: string): Promise<unknown> {
    try {
      return await response.json();
    } catch (error) {
      throw asMicrosoftError(error, operation);
    }
  }

  #referral(value: unknown, response: Response, operation: string): MicrosoftReferral {
    const parsed = microsoftReferralSchema.safeParse(value);
    if (!parsed.success) {
      throw new MicrosoftRequestError(
        response.status,
        operation,
        { providerMessage: 'the answer is not a referral', receivedAt: this.#clock.now() },
        { cause: parsed.error },
      );
    }
    // The ETag header and the body's eTag are the same value; keep whichever came.
    const etag = response.headers.get('etag');
    return parsed.data.eTag || !etag ? parsed.data : { ...parsed.data, eTag: etag };
  }

  /** POST: creates the referral (not idempotent: after an unanswered create, `findByExternalReference` first). */
  async create(body: MicrosoftReferralBody): Promise<MicrosoftReferral> {
    const operation = 'creating the referral';
    const response = await this.#send(operation, this.#collection, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    return this.#referral(await this.#json(response, operation), response, operation);
  }

  /** GET by id; the referral's `eTag` is what `update` sends as `If-Match`. */
  async get(id: string): Promise<MicrosoftReferral> {
    const operation = 'reading the referral';
    const response = await this.#send(operation, `${this.#collection}/${encodeURIComponent(id)}`, { method: 'GET' });
    return this.#referral(await this.#json(response, operation), response, operation);
  }

  /**
   * PATCH with a JSON Patch document (`replace`/`add`). `Content-Type: application/json` is what the patch-a-referral
   * page sends. With `etag` the update only applies to the referral as read (412 otherwise). Partner Center may
   * answer 204 without a body even when asked for the representation: then `referral` is null.
   */
  async update(
    id: string,
    operations: readonly MicrosoftPatchOperation[],
    etag?: string | null,
  ): Promise<{ referral: MicrosoftReferral | null; eTag: string | null }> {
    const operation = 'updating the referral';
    const response = await this.#send(operation, `${this.#collection}/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: JSON.stringify(operations),
      headers: {
        'Content-Type': 'application/json',
        Prefer: 'return=representation',
        ...(etag ? { 'If-Match': etag } : {}),
      },
    });
    if (response.status === 204) {
      await response.arrayBuffer().catch(() => undefined);
      return { referral: null, eTag: response.headers.get('etag') };
    }
    const referral = this.#referral(await this.#json(response, operation), response, operation);
    return { referral, eTag: referral.eTag ?? null };
  }

  /**
   * The referral carrying our external reference, or null: how a create cut short (no answer, or a crash before its
   * id was stored) is found again instead of sent twice. Should two exist, the first created is the one.
   */
  async findByExternalReference(reference: string): Promise<MicrosoftReferral | null> {
    const query = queryString({
      $filter: `externalReferenceId eq ${odataString(reference)}`,
      $orderby: 'createdDateTime asc',
      $top: '1',
    });
    for await (const page of this.#pages('finding the referral by reference', `${this.#collection}?${query}`)) {
      return page.referrals[0] ?? null;
    }
    return null;
  }

  /**
   * Every referral changed after `after` (an ISO instant; null = all), page by page, oldest change first, following
   * `@odata.nextLink`. The caller stores each page before moving its checkpoint to `newestUpdate`.
   */
  changedPages(after: string | null): AsyncGenerator<MicrosoftReferralPage> {
    const params: Record<string, string> = { $orderby: 'updatedDateTime asc' };
    if (after !== null) {
      const ms = Date.parse(after);
      if (Number.isNaN(ms)) throw new InvalidInputError(`changedSince needs an ISO instant, got '${after}'`);
      // An OData date-time literal is unquoted.
      params.$filter = `updatedDateTime gt ${new Date(ms).toISOString()}`;
    }
    return this.#pages('listing changed referrals', `${this.#collection}?${queryString(params)}`);
  }

  /** `changedPages` collected: every referral changed after `after`, oldest change first. */
  async changedSince(after: string | null): Promise<MicrosoftReferral[]> {
    const found: MicrosoftReferral[] = [];
    for await (const page of this.changedPages(after)) found.push(...page.referrals);
    return found;
  }

  /** One cheap read that proves the connection works (the grant, the user's Partner Center role). */
  async check(): Promise<void> {
    const operation = 'checking the connection';
    const response = await this.#send(operation, `${this.#collection}?${queryString({ $top: '1' })}`, {
      method: 'GET',
    });
    await response.arrayBuffer().catch(() => undefined);
  }

  async *#pages(operation: string, first: string): AsyncGenerator<MicrosoftReferralPage> {
    const origin = new URL(this.#collection);
    let url: string | null = first;
    while (url !== null) {
      const response = await this.#send(operation, url, { method: 'GET' });
      const parsed = listPageSchema.safeParse(await this.#json(response, operation));
      if (!parsed.success) {
        throw new MicrosoftRequestError(
          response.status,
          operation,
          { providerMessage: 'the answer is not a page of referrals', receivedAt: this.#clock.now() },
          { cause: parsed.error },
        );
      }
      const referrals = parsed.data.value;
      const newest = referrals.reduce<string | null>(
        (latest, referral) =>
          latest === null || Date.parse(referral.updatedDateTime) > Date.parse(latest)
            ? referral.updatedDateTime
            : latest,
        null,
      );
      yield { referrals, newestUpdate: newest };
      const next = parsed.data['@odata.nextLink'] ?? null;
      // The bearer token goes wherever nextLink points: only ever back to the referrals collection.
      if (next !== null && !next.startsWith(`${origin.origin}${origin.pathname}?`)) {
        throw new MicrosoftRequestError(response.status, operation, {
          providerMessage: `the next page link leaves the referrals API: ${next}`,
          receivedAt: this.#clock.now(),
        });
      }
      url = next;
    }
  }
}
