import { AppError } from '../../shared/errors.ts';
import { retryAfterMs } from '../../shared/retry-after.ts';
import { type ApiUsage, allowanceWaitMs } from './salesforce-pacer.ts';

/**
 * What to do about a failed Salesforce call, and why a record was refused. Pure: an error in (what jsforce throws, a
 * raw REST error array, or a per-record SaveResult error), the repo's retry decision out — the same shape as the
 * HubSpot classifier's (`TimedRetryDecision`: every retry says how long to wait), so one client loop serves both. A
 * `fail` may carry more: `dailyLimit` (reschedule, do not spin), `disconnected` (the tenant must reconnect),
 * `forbidden` (a missing permission: the port's `isForbidden`), and `refusal` (this record goes to the error inbox, in
 * plain words; the rest of the work carries on).
 *
 * How jsforce 3.10.16 surfaces errors (read from its `http-api.ts`, `oauth2.ts`, `request.ts`):
 * - REST errors are an `HttpApiError` whose `name` and `errorCode` are Salesforce's code (`INVALID_SESSION_ID`) and
 *   whose `data` is the error object `{ errorCode, message, fields }`. Several errors become one `MULTIPLE_API_ERRORS`
 *   with the array in `data`. A body that is not an error array becomes `ERROR_HTTP_<status>`. The HTTP status itself
 *   is not on the error: it comes from the code, or from the caller when it knows it.
 * - Token endpoint errors are plain `Error`s named by the OAuth `error` (`invalid_grant`), the description as message.
 * - Network failures are node-fetch `FetchError`s (`code` ECONNRESET, ETIMEDOUT, …) or an `AbortError` on timeout.
 * - On a 401 jsforce refreshes by itself only when it holds an OAuth client; PartnerLoop refreshes (single-flight, the
 *   rotated token persisted first), so `INVALID_SESSION_ID` reaches this classifier.
 */

/** One error of Salesforce's error array, or of a per-record SaveResult (`statusCode` there, `errorCode` in REST). */
export interface SalesforceErrorItem {
  code: string;
  message: string;
  fields: string[];
}

/** A failure read from whatever was thrown or answered. */
export interface SalesforceFailure {
  /** HTTP status when known (given by the caller, or implied by `ERROR_HTTP_<status>`). */
  status: number | undefined;
  /** Salesforce's code (`UNABLE_TO_LOCK_ROW`), an OAuth error (`invalid_grant`), or undefined for a network failure. */
  code: string | undefined;
  message: string;
  fields: string[];
  /** Every error Salesforce listed (the first decides). */
  errors: SalesforceErrorItem[];
  /** Set for a failure before any answer: the request may or may not have been applied. */
  networkCode: string | undefined;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Salesforce's codes are upper snake case; JavaScript's own error names (`TypeError`, `FetchError`) are not. */
const SALESFORCE_CODE = /^[A-Z][A-Z0-9_]*$/;

/** OAuth errors of the token endpoint (RFC 6749 §5.2 and Salesforce's own). */
const OAUTH_CODES = new Set([
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'invalid_request',
  'unauthorized_client',
  'unsupported_grant_type',
  'inactive_user',
  'inactive_org',
]);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An item of an error array: REST says `errorCode`, SaveResults say `statusCode`. */
function errorItem(value: unknown): SalesforceErrorItem | undefined {
  const item = record(value);
  if (!item) return undefined;
  const code = str(item.errorCode) ?? str(item.statusCode);
  if (code === undefined) return undefined;
  const fields = Array.isArray(item.fields) ? item.fields.filter((f): f is string => typeof f === 'string') : [];
  return { code, message: str(item.message) ?? '', fields };
}

function errorItems(value: unknown): SalesforceErrorItem[] {
  if (Array.isArray(value)) return value.flatMap((item) => errorItem(item) ?? []);
  const item = errorItem(value);
  return item ? [item] : [];
}

/**
 * Reads a failure from what was thrown (jsforce `HttpApiError`, OAuth error, `FetchError`, Node system error), from a
 * raw error array (`[{ errorCode, message, fields }]`), or from a response-like `{ status, body }`. `status` is the
 * HTTP status when the caller saw it (jsforce's errors do not carry it).
 */
export function salesforceFailure(error: unknown, status?: number): SalesforceFailure {
  const failure: SalesforceFailure = {
    status,
    code: undefined,
    message: '',
    fields: [],
    errors: [],
    networkCode: undefined,
  };
  const thrown = record(error);
  let errors = Array.isArray(error) ? errorItems(error) : [];
  if (thrown) {
    if (typeof thrown.status === 'number') failure.status ??= thrown.status;
    if (typeof thrown.statusCode === 'number') failure.status ??= thrown.statusCode;
    // jsforce keeps Salesforce's error object (or the array of several) in `data`; a response-like object has `body`;
    // a SaveResult error or a jsforce error without data is an item itself.
    errors = errorItems(thrown.data);
    if (errors.length === 0) errors = errorItems(thrown.body);
    if (errors.length === 0 && thrown.errorCode !== 'MULTIPLE_API_ERRORS') errors = errorItems(thrown);
    const name = str(thrown.name);
    if (errors.length === 0 && name !== undefined && (SALESFORCE_CODE.test(name) || OAUTH_CODES.has(name))) {
      // An OAuth error from the token endpoint is an Error named by its code.
      errors = [{ code: name, message: str(thrown.message) ?? '', fields: [] }];
    }
    const networkCode = str(thrown.code);
    if (networkCode && NETWORK_CODES.has(networkCode)) failure.networkCode = networkCode;
    else if (name === 'FetchError' || name === 'AbortError') {
      failure.networkCode = networkCode ?? (name === 'AbortError' ? 'TIMEOUT' : 'FETCH_FAILED');
    }
  }
  const [first] = errors;
  failure.errors = errors;
  failure.code = first?.code;
  failure.fields = [...new Set(errors.flatMap((item) => item.fields))];
  failure.message =
    errors
      .map((item) => item.message)
      .filter((m) => m !== '')
      .join('; ') ||
    (str(thrown?.message) ?? '');
  const httpStatus = /^ERROR_HTTP_(\d{3})$/.exec(failure.code ?? '');
  if (httpStatus) failure.status ??= Number(httpStatus[1]);
  return failure;
}

// --- record refusals ------------------------------------------------------------------------------------------------

/** Why Salesforce refused one record, for the error inbox. */
export interface RecordRefusal {
  /** The record's id (absent for a refused create). */
  recordId: string | null;
  code: string;
  /** What went wrong, in words an operator can act on, with Salesforce's own message. */
  reason: string;
  fields: string[];
  /** Transient (a lock held by another process): the same write may go through on a later try. */
  retryable: boolean;
  /** Every error Salesforce listed for the record. */
  details: SalesforceErrorItem[];
}

/**
 * Record-level codes in plain words: the record (or its data) is the problem, not the call, so the record goes to the
 * error inbox and the rest of the batch carries on. `fields` is filled in where Salesforce names them.
 */
const REFUSALS: Readonly<Record<string, string>> = {
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'A validation rule in Salesforce rejected the change',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'The value is not one of the picklist values Salesforce allows',
  BAD_VALUE_FOR_RESTRICTED_PICKLIST: 'The value is not one of the picklist values Salesforce allows',
  REQUIRED_FIELD_MISSING: 'A field Salesforce requires is empty',
  DUPLICATE_VALUE: 'Another record already holds this unique value',
  DUPLICATES_DETECTED: 'A duplicate rule in Salesforce blocked the save',
  ENTITY_IS_DELETED: 'The record was deleted in Salesforce',
  ENTITY_IS_LOCKED: 'The record is locked in Salesforce (for example by an approval process)',
  INVALID_CROSS_REFERENCE_KEY: 'A linked record does not exist, or PartnerLoop cannot see it',
  INSUFFICIENT_ACCESS_OR_READONLY: "PartnerLoop's Salesforce user may not edit this record",
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: "PartnerLoop's Salesforce user may not see a linked record",
  INVALID_FIELD_FOR_INSERT_UPDATE: "PartnerLoop's Salesforce user may not write this field",
  CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: 'An automation in Salesforce (trigger or flow) rejected the change',
  FIELD_INTEGRITY_EXCEPTION: 'A value does not fit the field in Salesforce',
  STRING_TOO_LONG: 'A value is longer than the field allows',
  NUMBER_OUTSIDE_VALID_RANGE: 'A number is outside the range the field allows',
  INVALID_TYPE_ON_FIELD_IN_RECORD: 'A value has the wrong type for its field',
  MALFORMED_ID: 'A record id is malformed',
  INVALID_ID_FIELD: 'The record id is not valid',
  UNABLE_TO_LOCK_ROW: 'Another process was editing the record at the same time',
};

/** Transient record-level conditions: retried later rather than left for a person to fix. */
const TRANSIENT_RECORD_CODES = new Set(['UNABLE_TO_LOCK_ROW']);

function refusalOf(recordId: string | null, errors: readonly SalesforceErrorItem[]): RecordRefusal | undefined {
  const [first] = errors;
  if (!first) return undefined;
  const fields = [...new Set(errors.flatMap((item) => item.fields))];
  const words = REFUSALS[first.code] ?? `Salesforce refused the record (${first.code})`;
  const where = fields.length > 0 ? ` (${fields.join(', ')})` : '';
  const said = errors.map((item) => item.message).filter((m) => m !== '');
  return {
    recordId,
    code: first.code,
    reason: `${words}${where}${said.length > 0 ? `: ${said.join('; ')}` : ''}`,
    fields,
    retryable: errors.every((item) => TRANSIENT_RECORD_CODES.has(item.code)),
    details: [...errors],
  };
}

/** One result of an sObject Collections call (a SaveResult / UpsertResult). */
export interface CollectionResult {
  id?: string | null | undefined;
  success: boolean;
  errors?: ReadonlyArray<unknown> | null | undefined;
}

/**
 * The refusal in one per-record result of a Collections call (`allOrNone=false`), or undefined when it succeeded.
 * `recordId` names the record for a failed create, whose result carries no id (results come in request order).
 */
export function recordRefusal(result: CollectionResult, recordId?: string): RecordRefusal | undefined {
  if (result.success) return undefined;
  const errors = errorItems(result.errors ?? []);
  const id = result.id ?? recordId ?? null;
  return (
    refusalOf(id, errors) ?? {
      recordId: id,
      code: 'UNKNOWN',
      reason: 'Salesforce refused the record without saying why',
      fields: [],
      retryable: false,
      details: [],
    }
  );
}

// --- the classifier -------------------------------------------------------------------------------------------------

export interface SalesforceCall {
  /** Which try just failed (1 = the first). */
  attempt: number;
  /** Whether repeating the call cannot change the outcome (reads, updates by id, upserts by external id). */
  idempotent: boolean;
  /** The token was already refreshed for this call: a second INVALID_SESSION_ID is final. */
  refreshed?: boolean;
  /** A read of one record: NOT_FOUND means "gone", not an error. */
  notFoundIsEmpty?: boolean;
  /** HTTP status, when the caller saw the response (jsforce's errors do not carry it). */
  status?: number | undefined;
  /** `Retry-After`, if the response had one. */
  retryAfter?: string | null | undefined;
  /** The org's API usage last seen: lets a spent daily allowance say when to come back. */
  usage?: ApiUsage | undefined;
}

export type SalesforceDecision =
  | { action: 'retry'; waitMs: number; reason: string }
  | { action: 'refresh'; reason: string }
  | {
      action: 'fail';
      reason: string;
      /** The org's daily allowance is spent: reschedule after `waitMs`, never spin. */
      dailyLimit?: boolean;
      /** When to try again (a spent allowance), an estimate. */
      waitMs?: number;
      /** The authorization is gone (refresh token revoked or expired): the tenant must reconnect. */
      disconnected?: boolean;
      /** Salesforce refused to tell or to act for lack of a permission. */
      forbidden?: boolean;
      /** The record is the problem: the error inbox takes it, the rest of the work goes on. */
      refusal?: RecordRefusal;
    }
  | { action: 'ignore'; reason: string };

const BASE_BACKOFF_MS = 500;
/** A lock is held for a transaction (Salesforce waits up to 10 s for one): back off in seconds, not milliseconds. */
const LOCK_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 30_000;
/** With no usage reading, a spent allowance is checked again after an hour (the window rolls; nothing resets). */
export const DAILY_LIMIT_RECHECK_MS = 60 * 60 * 1000;

/** Exponential backoff with jitter: between half and all of min(max, base·2^(attempt-1)). */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = BASE_BACKOFF_MS): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** 401s refreshing cannot cure: the token is valid but not for this API (connected-app policy, missing scope). */
const NOT_A_SESSION_PROBLEM = /not valid for use with the REST API|Connected app is not attached/i;

/** Whole-call codes that mean a missing permission or feature, not a bad record. */
const FORBIDDEN_CODES = new Set([
  'INSUFFICIENT_ACCESS',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'FUNCTIONALITY_NOT_ENABLED',
  'INSUFFICIENT_PRIVILEGES',
]);

export function classifyError(
  error: unknown,
  call: SalesforceCall = { attempt: 1, idempotent: false },
  options: { now?: number; random?: () => number } = {},
): SalesforceDecision {
  const now = options.now ?? Date.now();
  const random = options.random ?? Math.random;
  const failure = salesforceFailure(error, call.status);
  const { code, status } = failure;
  const hinted = retryAfterMs(call.retryAfter, now);

  if (failure.networkCode !== undefined && code === undefined) {
    // No answer: the request may have been applied. Only a call that is safe to repeat is repeated.
    if (!call.idempotent) {
      return { action: 'fail', reason: `network error (${failure.networkCode}) on a call that is not safe to repeat` };
    }
    return { action: 'retry', waitMs: backoffMs(call.attempt, random), reason: `network error ${failure.networkCode}` };
  }

  if (code !== undefined && OAUTH_CODES.has(code)) {
    if (code === 'invalid_grant' || code === 'inactive_user' || code === 'inactive_org') {
      return {
        action: 'fail',
        reason: `Salesforce no longer accepts PartnerLoop's authorization (${code}): reconnect the org`,
        disconnected: true,
      };
    }
    return { action: 'fail', reason: `Salesforce refused PartnerLoop's OAuth client (${code})` };
  }

  if (code === 'INVALID_SESSION_ID' || (status === 401 && code === undefined)) {
    if (NOT_A_SESSION_PROBLEM.test(failure.message)) {
      return {
        action: 'fail',
        reason: 'the session is not valid for the REST API (connected-app policy)',
        forbidden: true,
      };
    }
    return call.refreshed
      ? { action: 'fail', reason: 'access token rejected again after a refresh' }
      : { action: 'refresh', reason: 'access token expired or revoked' };
  }

  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // Salesforce uses one code for two limits. Too many long-running requests at once clears in seconds; the 24-hour
    // allowance does not, so an unrecognised message is taken as the allowance (waiting beats spinning).
    if (/concurrent/i.test(failure.message)) {
      return {
        action: 'retry',
        waitMs: hinted ?? backoffMs(call.attempt, random, LOCK_BACKOFF_MS),
        reason: 'too many long-running requests in the org',
      };
    }
    const waitMs = call.usage ? allowanceWaitMs(call.usage, 1) || DAILY_LIMIT_RECHECK_MS : DAILY_LIMIT_RECHECK_MS;
    return { action: 'fail', reason: "the org's daily API allowance is spent", dailyLimit: true, waitMs };
  }

  if (code === 'UNABLE_TO_LOCK_ROW') {
    // Nothing was written (the transaction rolled back), so even a create is safe to repeat.
    return {
      action: 'retry',
      waitMs: hinted ?? backoffMs(call.attempt, random, LOCK_BACKOFF_MS),
      reason: 'record locked by another process',
    };
  }

  if (status === 429) {
    return { action: 'retry', waitMs: hinted ?? backoffMs(call.attempt, random), reason: 'rate limited' };
  }

  if (code === 'SERVER_UNAVAILABLE' || (status !== undefined && status >= 500)) {
    if (!call.idempotent) {
      return {
        action: 'fail',
        reason: `Salesforce unavailable (${code ?? `HTTP ${status}`}) on a call that is not safe to repeat`,
      };
    }
    return {
      action: 'retry',
      waitMs: hinted ?? backoffMs(call.attempt, random),
      reason: `Salesforce unavailable (${code ?? `HTTP ${status}`})`,
    };
  }

  if (code === 'NOT_FOUND' || (status === 404 && code === undefined)) {
    return call.notFoundIsEmpty
      ? { action: 'ignore', reason: 'record not found' }
      : { action: 'fail', reason: `not found: ${failure.message || 'the resource does not exist'}` };
  }

  if (code === 'INVALID_QUERY_LOCATOR') {
    // Query cursors expire when left unread; the read must restart from its checkpoint, not repeat this page.
    return { action: 'fail', reason: 'the query cursor expired; the read restarts from its checkpoint' };
  }

  if (code !== undefined && REFUSALS[code] !== undefined) {
    const refusal = refusalOf(null, failure.errors) as RecordRefusal;
    return { action: 'fail', reason: refusal.reason, refusal };
  }

  if ((code !== undefined && FORBIDDEN_CODES.has(code)) || status === 403) {
    return { action: 'fail', reason: `Salesforce refused: ${failure.message || code || 'HTTP 403'}`, forbidden: true };
  }

  return {
    action: 'fail',
    reason: `Salesforce answered ${code ?? (status ? `HTTP ${status}` : 'an error')}${failure.message ? `: ${failure.message}` : ''}`,
  };
}

// --- errors the adapter throws ----------------------------------------------------------------------------------------

/** A Salesforce call that failed for good. `message` is safe to show; Salesforce's text stays in `providerMessage`. */
export class SalesforceApiError extends AppError {
  readonly code = 'crm_request_failed';
  readonly dailyLimit: boolean;
  readonly forbidden: boolean;
  /** A spent daily allowance: when the work may run again (the job queue reschedules it then). */
  readonly rescheduleAfterMs: number | undefined;

  constructor(
    readonly operation: string,
    readonly salesforceCode: string | undefined,
    readonly providerMessage: string | undefined,
    options: {
      cause?: unknown;
      dailyLimit?: boolean;
      forbidden?: boolean;
      status?: number | undefined;
      /** With `dailyLimit`: the estimate of when the allowance covers the work again (default an hour). */
      waitMs?: number | undefined;
    } = {},
  ) {
    super(
      options.dailyLimit
        ? "Salesforce's daily API allowance is spent; the work is rescheduled"
        : `Salesforce could not complete ${operation}${salesforceCode ? ` (${salesforceCode})` : ''}`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.dailyLimit = options.dailyLimit === true;
    this.forbidden = options.forbidden === true;
    this.rescheduleAfterMs = this.dailyLimit ? options.waitMs || DAILY_LIMIT_RECHECK_MS : undefined;
    this.status = options.status;
  }

  readonly status: number | undefined;
}

/** The tenant's Salesforce authorization is gone (refresh refused): it must reconnect. */
export class SalesforceDisconnectedError extends AppError {
  readonly code = 'crm_disconnected';
}

/** Whether Salesforce refused to tell (a missing permission), as opposed to failing. */
export function isSalesforceForbidden(error: unknown): boolean {
  return error instanceof SalesforceApiError && error.forbidden;
}
