import { Client } from '@hubspot/api-client';
import { type Clock, systemClock } from '../../shared/clock.ts';
import type { CredentialStore, OAuthCredentials } from '../crm-credentials.ts';
import { classifyError, type ErrorDecision } from './classify-error.ts';
import { HubSpotApiError, HubSpotDisconnectedError } from './hubspot-errors.ts';
import { PortalRateLimiter } from './rate-limiter.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface CallOptions {
  method: HttpMethod;
  path: string;
  qs?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Search calls have their own per-second limit (and are exempt from the ten-secondly window). */
  kind?: 'general' | 'search';
  /** Safe to repeat after an ambiguous failure (5xx, dropped connection)? 429s are always retried. */
  idempotent: boolean;
  /** Human name for errors and logs: "batch update of deals". */
  operation: string;
  notFoundIsEmpty?: boolean;
}

export interface CallEvent {
  method: HttpMethod;
  path: string;
  status: number | undefined;
  attempt: number;
  ms: number;
  decision?: ErrorDecision['action'];
}

export interface HubSpotClientOptions {
  /** HUBSPOT_API_BASE_URL (the sandbox in tests and `npm start`). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  credentials: CredentialStore;
  limiter?: PortalRateLimiter;
  clock?: Clock;
  /** Tries per call, the first included (default 6). */
  maxAttempts?: number;
  /** Refresh this long before the access token expires (default 5 min). */
  refreshMarginMs?: number;
  random?: () => number;
  /** Every HTTP exchange, for metrics and benchmarks. */
  onCall?: (event: CallEvent) => void;
}

/**
 * One tenant's HubSpot connection: the real SDK (`apiRequest` on the date-based paths) plus pacing under the portal's
 * limits, retries as `classifyError` decides, and token refresh that is single-flight and persisted before use.
 * Create one per tenant and reuse it: pacing and the refresh flight live in the instance.
 */
export class HubSpotClient {
  readonly #options: HubSpotClientOptions;
  readonly #sdk: Client;
  readonly #limiter: PortalRateLimiter;
  readonly #clock: Clock;
  #credentials: OAuthCredentials | undefined;
  #refreshing: Promise<OAuthCredentials> | undefined;

  constructor(options: HubSpotClientOptions) {
    this.#options = options;
    // No SDK-side retries or limiter: their decorators are process-wide singletons and would stack with ours.
    this.#sdk = new Client({ basePath: options.baseUrl, numberOfApiCallRetries: 0 });
    this.#limiter = options.limiter ?? new PortalRateLimiter();
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Resolves once `calls` general requests could start at once within the portal's window, at no more than its refill
   * rate (see `whenFree`).
   */
  whenCallsFree(calls: number): Promise<void> {
    return this.#limiter.general.whenFree(calls);
  }

  /** Performs one logical call; returns the parsed JSON body (undefined for 204 or an ignored 404). */
  async call<T>(options: CallOptions): Promise<T | undefined> {
    const maxAttempts = this.#options.maxAttempts ?? 6;
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      const limiter = options.kind === 'search' ? this.#limiter.search : this.#limiter.general;
      await limiter.acquire();
      const token = await this.accessToken();
      this.#sdk.setAccessToken(token);
      const started = this.#clock.now();
      let status: number | undefined;
      let body: unknown;
      let retryAfter: string | null = null;
      let intervalMs: string | null = null;
      let networkCode: string | undefined;
      try {
        const response = await this.#sdk.apiRequest({
          method: options.method,
          path: options.path,
          ...(options.qs ? { qs: definedOnly(options.qs) } : {}),
          ...(options.body === undefined ? {} : { body: options.body }),
        });
        status = response.status;
        if (options.kind !== 'search') {
          const remaining = Number(response.headers.get('x-hubspot-ratelimit-remaining') ?? Number.NaN);
          const max = Number(response.headers.get('x-hubspot-ratelimit-max') ?? Number.NaN);
          limiter.observeRemaining(remaining, max);
        }
        const text = await response.text();
        body = text === '' ? undefined : safeJson(text);
        if (response.ok) {
          this.#options.onCall?.({
            method: options.method,
            path: options.path,
            status,
            attempt,
            ms: this.#clock.now() - started,
          });
          return body as T | undefined;
        }
        retryAfter = response.headers.get('retry-after');
        intervalMs = response.headers.get('x-hubspot-ratelimit-interval-milliseconds');
      } catch (error) {
        networkCode = networkCodeOf(error);
      }
      const decision = classifyError(
        {
          status,
          body,
          retryAfter,
          intervalMs,
          networkCode,
          attempt,
          idempotent: options.idempotent,
          refreshed,
          ...(options.notFoundIsEmpty ? { notFoundIsEmpty: true } : {}),
        },
        { now: this.#clock.now(), ...(this.#options.random ? { random: this.#options.random } : {}) },
      );
      this.#options.onCall?.({
        method: options.method,
        path: options.path,
        status,
        attempt,
        ms: this.#clock.now() - started,
        decision: decision.action,
      });
      switch (decision.action) {
        case 'ignore':
          return undefined;
        case 'refresh':
          refreshed = true;
          await this.refresh(token);
          continue;
        case 'retry':
          if (attempt < maxAttempts) {
            await this.#clock.sleep(decision.waitMs);
            continue;
          }
          throw this.#failure(options, status, body, decision.reason);
        case 'fail':
          throw this.#failure(options, status, body, decision.reason, decision.dailyLimit);
      }
    }
  }

  #failure(options: CallOptions, status: number | undefined, body: unknown, reason: string, dailyLimit = false) {
    const provider =
      typeof body === 'object' && body !== null ? (body as { message?: unknown; correlationId?: unknown }) : {};
    return new HubSpotApiError(
      status,
      options.operation,
      typeof provider.message === 'string' ? provider.message : reason,
      typeof provider.correlationId === 'string' ? provider.correlationId : undefined,
      { dailyLimit },
    );
  }

  /** A valid access token, refreshed first when it expires within the margin. */
  async accessToken(): Promise<string> {
    this.#credentials ??= await this.#options.credentials.load();
    const credentials = this.#credentials;
    if (!credentials) throw new HubSpotDisconnectedError('this HubSpot account is not connected; reinstall the app');
    const margin = this.#options.refreshMarginMs ?? 5 * 60_000;
    if (credentials.expiresAt - margin > this.#clock.now()) return credentials.accessToken;
    return (await this.refresh(credentials.accessToken)).accessToken;
  }

  /**
   * Refreshes the access token once, however many calls ask at the same time. `staleToken` is the token the caller
   * saw fail: if another flight already replaced it, that result is used instead of refreshing again.
   */
  refresh(staleToken: string): Promise<OAuthCredentials> {
    if (
      this.#credentials &&
      this.#credentials.accessToken !== staleToken &&
      this.#credentials.expiresAt > this.#clock.now()
    ) {
      return Promise.resolve(this.#credentials);
    }
    this.#refreshing ??= this.#refreshNow().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshNow(): Promise<OAuthCredentials> {
    const current = (await this.#options.credentials.load()) ?? this.#credentials;
    if (!current) throw new HubSpotDisconnectedError('this HubSpot account is not connected; reinstall the app');
    let response: { accessToken: string; refreshToken: string; expiresIn: number };
    try {
      response = await this.#sdk.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        this.#options.clientId,
        this.#options.clientSecret,
        current.refreshToken,
      );
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      if (status === 400 || status === 401) {
        // Another replica may have refreshed first and HubSpot rotated the token: its stored result wins.
        const latest = await this.#options.credentials.load();
        if (latest && latest.refreshToken !== current.refreshToken) {
          this.#credentials = latest;
          return latest;
        }
        // invalid_grant: the refresh token was revoked (uninstall) — reconnecting is the only way back.
        await this.#options.credentials.markDisconnected(
          'HubSpot refused the refresh token (app uninstalled or access revoked)',
        );
        this.#credentials = undefined;
        throw new HubSpotDisconnectedError('HubSpot access was revoked; reinstall the app to reconnect', {
          cause: error,
        });
      }
      throw new HubSpotApiError(
        typeof status === 'number' ? status : undefined,
        'token refresh',
        undefined,
        undefined,
        { cause: error },
      );
    }
    const next: OAuthCredentials = {
      accessToken: response.accessToken,
      // HubSpot may rotate the refresh token; keep the new one when given.
      refreshToken: response.refreshToken || current.refreshToken,
      expiresAt: this.#clock.now() + response.expiresIn * 1000,
      scopes: current.scopes,
    };
    await this.#options.credentials.save(next); // durable before first use
    this.#credentials = next;
    return next;
  }
}

function definedOnly(qs: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(qs)) if (value !== undefined) out[key] = String(value);
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function networkCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, errno, type } = error as { code?: unknown; errno?: unknown; type?: unknown };
    if (typeof code === 'string') return code;
    if (typeof errno === 'string') return errno;
    if (typeof type === 'string') return type;
  }
  return 'unknown';
}
