/**
 * Salesforce's error shapes as the stand-in sends them:
 * - the REST API answers an error with a JSON array of `{message, errorCode, fields?}` (REST API guide, "Status Codes
 *   and Error Responses"); jsforce turns a one-element array into an `HttpApiError` named by `errorCode`;
 * - the OAuth endpoints answer `{error, error_description}` (OAuth 2.0 web server flow, token endpoint errors);
 * - per-record results of sObject Collections carry `{statusCode, message, fields}` (SaveResult errors), which is a
 *   `RecordError` here until it is rendered.
 */

export interface ApiErrorEntry {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** An error answer with its HTTP status and body (an API error array, or an OAuth error object). */
export class SalesforceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(
      Array.isArray(body)
        ? (body as ApiErrorEntry[]).map((entry) => `${entry.errorCode}: ${entry.message}`).join('; ')
        : JSON.stringify(body),
    );
    this.name = 'SalesforceHttpError';
  }
}

/** A REST API error: `[{"message", "errorCode", "fields"}]` with the given status. */
export function apiError(status: number, errorCode: string, message: string, fields?: string[]): SalesforceHttpError {
  return new SalesforceHttpError(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

/** An OAuth endpoint error: `{"error", "error_description"}` (400 unless said otherwise). */
export function oauthError(error: string, description: string, status = 400): SalesforceHttpError {
  return new SalesforceHttpError(status, { error, error_description: description });
}

/** One record's failure inside a save (a SaveResult error before it is rendered). */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** A write refused for one record; the collections routes render it per record, single-record routes as a 400. */
export class RecordWriteError extends Error {
  constructor(readonly errors: RecordError[]) {
    super(errors.map((error) => `${error.statusCode}: ${error.message}`).join('; '));
    this.name = 'RecordWriteError';
  }
}

export function recordError(statusCode: string, message: string, fields: string[] = []): RecordError {
  return { statusCode, message, fields };
}

export const errors = {
  invalidSession: () => apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'),
  notFound: (message = 'The requested resource does not exist') => apiError(404, 'NOT_FOUND', message),
  /** The org's API allowance for the last 24 hours is spent. Salesforce sends no Retry-After. */
  requestLimitExceeded: () => apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
  malformedQuery: (message: string) => apiError(400, 'MALFORMED_QUERY', message),
  invalidType: (name: string) =>
    apiError(
      404,
      'NOT_FOUND',
      `The requested resource does not exist (sObject type '${name}' is not supported in this organization)`,
    ),
  jsonParser: (message: string) => apiError(400, 'JSON_PARSER_ERROR', message),
  methodNotAllowed: (method: string, allowed: string[]) =>
    apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`),
};
