import { Connection, OAuth2 } from 'jsforce';
import { type Clock, systemClock } from '../../shared/clock.ts';
import {
  classifyError,
  SalesforceApiError,
  type SalesforceDecision,
  SalesforceDisconnectedError,
} from './salesforce-errors.ts';
import { type ApiUsage, apiUsage, type SalesforcePacer } from './salesforce-pacer.ts';

/** jsforce's HTTP transport (its class is not exported from the package root). */
type Transport = Connection['_transport'];

/** One org's OAuth credentials as the token endpoint answers them (Salesforce gives no expiry: sessions time out). */
export interface SalesforceCredentials {
  accessToken: string;
  refreshToken: string;
  /** The org's instance (`instance_url` of the token answer); may move with a refresh. */
  instanceUrl: string;
  /** The 18-character org id (`00D…`). */
  orgId: string;
  /** Epoch milliseconds (`issued_at`). */
  issuedAt: number;
}

/**
 * Where one tenant's Salesforce credentials live (the service implements it on the encrypted tenants table). `save`
 * must be durable before the new access token is used: with Refresh Token Rotation the old refresh token is retired
 * by the refresh itself, so losing the new one disconnects the tenant.
 */
export interface SalesforceCredentialStore {
  load(): Promise<SalesforceCredentials | undefined>;
  save(credentials: SalesforceCredentials): Promise<void>;
  /** The refresh was refused for good (revoked, expired, user deactivated): the tenant must reconnect. */
  markDisconnected(reason: string): Promise<void>;
  /**
   * Runs a refresh while no other replica refreshes this org (with Refresh Token Rotation two refreshes of one token
   * leave one of them holding a retired token). Absent: refreshes are single-flight in this client only.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

export type SalesforceHttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface SalesforceCallOptions {
  method: SalesforceHttpMethod;
  /** Relative to the versioned REST root (`/composite/sobjects`) or absolute from the host (`/services/data/…`). */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to repeat after an ambiguous failure (5xx, dropped connection)? Locks and 429s are retried anyway. */
  idempotent: boolean;
  /** Human name for errors and logs: "update of Opportunity". */
  operation: string;
  /** A NOT_FOUND answers undefined instead of failing (reading one record, describing an object not created yet). */
  notFoundIsEmpty?: boolean;
}

export interface SalesforceCallEvent {
  method: SalesforceHttpMethod;
  path: string;
  attempt: number;
  ms: number;
  decision?: SalesforceDecision['action'];
  /** HTTP status of a failed try (undefined for a network failure). */
  status?: number | undefined;
  code?: string | undefined;
}

export interface SalesforceClientOptions {
  /** The org's instance URL as stored (the credentials' own value wins once loaded). */
  instanceUrl: string;
  /** The login host for refreshes (`SALESFORCE_LOGIN_URL`; the stand-in's URL in tests). */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  /** REST API version without the `v` (default 62.0). */
  apiVersion?: string;
  credentials: SalesforceCredentialStore;
  /** The run's share of the org's daily allowance: fed from every `Sforce-Limit-Info`, asked before every call. */
  pacer?: SalesforcePacer;
  clock?: Clock;
  /** Tries per call, the first included (default 5). */
  maxAttempts?: number;
  random?: () => number;
  onCall?: (event: SalesforceCallEvent) => void;
}

export interface QueryPage<T> {
  records: T[];
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
}

export const DEFAULT_API_VERSION = '62.0';

/** What one HTTP exchange answered, seen at jsforce's transport. */
interface Exchange {
  status: number | undefined;
  headers: Record<string, string>;
}

/**
 * One tenant's Salesforce connection: the real jsforce `Connection` for the HTTP, plus PartnerLoop's own retries
 * (`classifyError`), pacing under the org's daily allowance, and token refresh.
 *
 * jsforce is given no OAuth client on purpose: its built-in refresh (`SessionRefreshDelegate`) assigns the new access
 * token but ignores a rotated refresh token, so the next refresh would send a retired token and disconnect the
 * tenant. Here a 401 reaches `classifyError`, which asks for a refresh; the refresh is single-flight per client and
 * the answer (with the rotated refresh token, when Salesforce sends one) is saved through the store before the retried
 * call goes out.
 */
export class SalesforceClient {
  readonly #options: SalesforceClientOptions;
  readonly #clock: Clock;
  readonly #oauth: OAuth2;
  readonly #conn: Connection;
  #credentials: SalesforceCredentials | undefined;
  #refreshing: Promise<SalesforceCredentials> | undefined;
  #usage: ApiUsage | undefined;
  #calls = 0;

  constructor(options: SalesforceClientOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#oauth = new OAuth2({
      loginUrl: options.loginUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
    });
    // No oauth2/refreshToken here: jsforce must not refresh behind our back (see the class comment).
    this.#conn = new Connection({
      instanceUrl: options.instanceUrl,
      version: options.apiVersion ?? DEFAULT_API_VERSION,
    });
  }

  /** The org's usage as the last response reported it. */
  get usage(): ApiUsage | undefined {
    return this.#usage;
  }

  /** Salesforce requests this client sent (every try counts; refreshes excluded). */
  get calls(): number {
    return this.#calls;
  }

  get apiVersion(): string {
    return this.#options.apiVersion ?? DEFAULT_API_VERSION;
  }

  /** One REST call with retries as `classifyError` decides; answers the parsed body (undefined for an ignored 404). */
  async request<T>(options: SalesforceCallOptions): Promise<T | undefined> {
    return this.#run(options, (transport) =>
      this.#conn.request<T>(
        {
          method: options.method,
          url: options.path,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          headers: {
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...options.headers,
          },
        },
        // jsforce 3.10.16 retries GET/PUT/DELETE on 420/429/5xx and network errors by itself (5 times, real sleeps,
        // outside our clock and our classifier): off, so `classifyError` is the one retry policy. The transport is
        // jsforce's own, watched: jsforce's errors carry neither the HTTP status nor the headers.
        { retry: { maxRetries: 0 }, transport },
      ),
    );
  }

  /**
   * A SOQL read paged by hand: `query`, then `queryMore` on `nextRecordsUrl` until done (not jsforce's autoFetch, which
   * holds every row, nor Bulk 2.0, whose multi-page results break in jsforce 3.10.x). `onPage` sees each page as it
   * arrives (checkpoints, progress); answers the number of calls made.
   */
  async query<T>(
    soql: string,
    onPage: (page: QueryPage<T>) => void | Promise<void>,
    options: { batchSize?: number; operation?: string; tooling?: boolean } = {},
  ): Promise<number> {
    const operation = options.operation ?? 'a query';
    const root = options.tooling ? '/tooling' : '';
    const headers: Record<string, string> =
      options.batchSize === undefined ? {} : { 'Sforce-Query-Options': `batchSize=${options.batchSize}` };
    let page = await this.request<QueryPage<T>>({
      method: 'GET',
      path: `${root}/query?q=${encodeURIComponent(soql)}`,
      headers,
      idempotent: true,
      operation,
    });
    let calls = 1;
    for (;;) {
      if (!page) throw new SalesforceApiError(operation, undefined, 'empty query answer');
      await onPage(page);
      const next = page.nextRecordsUrl;
      if (page.done || next === undefined) return calls;
      page = await this.request<QueryPage<T>>({ method: 'GET', path: next, headers, idempotent: true, operation });
      calls += 1;
    }
  }

  /** Every record of a (small) query, paged by hand. */
  async queryRecords<T>(soql: string, operation?: string): Promise<{ records: T[]; calls: number }> {
    const records: T[] = [];
    const calls = await this.query<T>(
      soql,
      (page) => {
        records.push(...page.records);
      },
      operation === undefined ? {} : { operation },
    );
    return { records, calls };
  }

  /** jsforce's transport, watched: the answer's status and headers land in `exchange`. */
  #watchedTransport(exchange: Exchange): Pick<Transport, 'httpRequest'> {
    const transport = this.#conn._transport;
    return {
      httpRequest: (req, options) => {
        const pending = transport.httpRequest(req, options);
        pending.then(
          (response) => {
            exchange.status = response.statusCode;
            exchange.headers = response.headers ?? {};
          },
          () => undefined,
        );
        return pending;
      },
    };
  }

  async #run<T>(
    options: SalesforceCallOptions,
    send: (transport: Pick<Transport, 'httpRequest'>) => Promise<T>,
  ): Promise<T | undefined> {
    const maxAttempts = this.#options.maxAttempts ?? 5;
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      const pacer = this.#options.pacer;
      if (pacer && !pacer.take()) {
        // The run's share of the org's allowance is spent: stop here and reschedule, never spin.
        const plan = pacer.plan(1);
        throw new SalesforceApiError(options.operation, 'REQUEST_LIMIT_EXCEEDED', plan.reason, {
          dailyLimit: true,
          waitMs: plan.waitMs,
        });
      }
      const credentials = await this.#session();
      const started = this.#clock.now();
      const exchange: Exchange = { status: undefined, headers: {} };
      this.#calls += 1;
      try {
        const result = await send(this.#watchedTransport(exchange));
        this.#observe(exchange);
        this.#options.onCall?.({
          method: options.method,
          path: options.path,
          attempt,
          ms: this.#clock.now() - started,
        });
        return result;
      } catch (error) {
        this.#observe(exchange);
        const decision = classifyError(
          error,
          {
            attempt,
            idempotent: options.idempotent,
            refreshed,
            ...(options.notFoundIsEmpty ? { notFoundIsEmpty: true } : {}),
            status: exchange.status,
            retryAfter: exchange.headers['retry-after'],
            usage: this.#usage,
          },
          { now: this.#clock.now(), ...(this.#options.random ? { random: this.#options.random } : {}) },
        );
        this.#options.onCall?.({
          method: options.method,
          path: options.path,
          attempt,
          ms: this.#clock.now() - started,
          decision: decision.action,
          status: exchange.status,
          code: codeOf(error),
        });
        switch (decision.action) {
          case 'ignore':
            return undefined;
          case 'refresh':
            refreshed = true;
            await this.refresh(credentials.accessToken);
            continue;
          case 'retry':
            if (attempt < maxAttempts) {
              await this.#clock.sleep(decision.waitMs);
              continue;
            }
            throw this.#failure(options, error, decision.reason, exchange.status);
          case 'fail':
            if (decision.disconnected) await this.#disconnect(decision.reason, error);
            throw this.#failure(options, error, decision.reason, exchange.status, decision);
        }
      }
    }
  }

  /** `Sforce-Limit-Info` of every answer (errors too) into the last usage and the pacer. */
  #observe(exchange: Exchange): void {
    const usage = apiUsage(exchange.headers['sforce-limit-info']);
    if (!usage) return;
    this.#usage = usage;
    this.#options.pacer?.observe(usage);
  }

  #failure(
    options: SalesforceCallOptions,
    error: unknown,
    reason: string,
    status: number | undefined,
    decision?: Extract<SalesforceDecision, { action: 'fail' }>,
  ): SalesforceApiError {
    return new SalesforceApiError(options.operation, codeOf(error), reason, {
      cause: error,
      dailyLimit: decision?.dailyLimit === true,
      forbidden: decision?.forbidden === true,
      status,
      waitMs: decision?.waitMs,
    });
  }

  async #disconnect(reason: string, cause: unknown): Promise<never> {
    await this.#options.credentials.markDisconnected(reason);
    this.#credentials = undefined;
    throw new SalesforceDisconnectedError('Salesforce access was revoked; reconnect the org in PartnerLoop', {
      cause,
    });
  }

  /** The current session, loaded once; the connection carries its token and instance. */
  async #session(): Promise<SalesforceCredentials> {
    this.#credentials ??= await this.#options.credentials.load();
    const credentials = this.#credentials;
    if (!credentials) {
      throw new SalesforceDisconnectedError('this Salesforce org is not connected; connect it in PartnerLoop');
    }
    this.#apply(credentials);
    return credentials;
  }

  #apply(credentials: SalesforceCredentials): void {
    this.#conn.accessToken = credentials.accessToken;
    this.#conn.instanceUrl = credentials.instanceUrl;
  }

  /**
   * Refreshes the session once, however many calls ask at the same time. `staleToken` is the token the caller saw
   * refused: if another flight already replaced it, that result is used instead of refreshing again.
   */
  refresh(staleToken: string): Promise<SalesforceCredentials> {
    if (this.#credentials && this.#credentials.accessToken !== staleToken) {
      return Promise.resolve(this.#credentials);
    }
    const store = this.#options.credentials;
    const refresh = () => this.#refreshNow(staleToken);
    this.#refreshing ??= (store.exclusive ? store.exclusive(refresh) : refresh()).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshNow(staleToken: string): Promise<SalesforceCredentials> {
    const current = (await this.#options.credentials.load()) ?? this.#credentials;
    if (!current) {
      throw new SalesforceDisconnectedError('this Salesforce org is not connected; connect it in PartnerLoop');
    }
    // Another replica refreshed while this one waited for the lock: its stored session is the one to use.
    if (current.accessToken !== staleToken) {
      this.#credentials = current;
      this.#apply(current);
      return current;
    }
    let answer: { access_token: string; refresh_token?: string; instance_url?: string; issued_at?: string };
    try {
      answer = (await this.#oauth.refreshToken(current.refreshToken)) as typeof answer;
    } catch (error) {
      const decision = classifyError(error, { attempt: 1, idempotent: false });
      if (decision.action === 'fail' && decision.disconnected) {
        // Another replica may have refreshed first and rotated the token: its stored result wins.
        const latest = await this.#options.credentials.load();
        if (latest && latest.refreshToken !== current.refreshToken) {
          this.#credentials = latest;
          return latest;
        }
        return this.#disconnect(decision.reason, error);
      }
      throw new SalesforceApiError('token refresh', undefined, decision.reason, { cause: error });
    }
    const issuedAt = Number(answer.issued_at);
    const next: SalesforceCredentials = {
      accessToken: answer.access_token,
      // With Refresh Token Rotation Salesforce answers a new refresh token and retires the old one.
      refreshToken: answer.refresh_token || current.refreshToken,
      instanceUrl: answer.instance_url || current.instanceUrl,
      orgId: current.orgId,
      issuedAt: Number.isFinite(issuedAt) ? issuedAt : this.#clock.now(),
    };
    await this.#options.credentials.save(next); // durable before first use
    this.#credentials = next;
    this.#apply(next);
    return next;
  }
}

/** Salesforce's error code on what jsforce threw (`errorCode`, or the error's name for OAuth errors). */
function codeOf(error: unknown): string | undefined {
  const thrown = (typeof error === 'object' && error !== null ? error : {}) as { errorCode?: unknown; name?: unknown };
  if (typeof thrown.errorCode === 'string') return thrown.errorCode;
  return typeof thrown.name === 'string' ? thrown.name : undefined;
}
