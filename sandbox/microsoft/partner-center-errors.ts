import { randomUUID } from 'node:crypto';

/**
 * The two error dialects the Microsoft stand-in speaks.
 *
 * - Partner Center REST (the referrals API): `{code, description, data[], source}`, the schema the Partner Center
 *   error-codes page documents for its REST APIs. The referrals pages only list status codes (400/401/403/404/409/
 *   412/415/429/5xx), not a body, so the shape is borrowed from the wider Partner Center API (BEHAVIOR quirk).
 *   Validation failures put one `{field, message}` per problem in `data`, so a client can show each field.
 * - Entra ID token endpoint: `{error, error_description: "AADSTS…: …\r\nTrace ID…", error_codes[], timestamp,
 *   trace_id, correlation_id, error_uri}`, the example on Entra's AADSTS reference page.
 */

export interface PartnerCenterErrorBody {
  code: string;
  description: string;
  data: unknown[];
  source: string;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class PartnerCenterHttpError extends Error {
  readonly body: PartnerCenterErrorBody;

  constructor(
    readonly status: number,
    code: string,
    description: string,
    data: unknown[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.name = 'PartnerCenterHttpError';
    this.body = { code, description, data, source: 'PartnerCenter.Referrals' };
  }
}

export const badRequest = (description: string, problems: readonly FieldProblem[] = []) =>
  new PartnerCenterHttpError(400, 'BadRequest', description, [...problems]);

export const notFound = (description: string) => new PartnerCenterHttpError(404, 'NotFound', description);

export const conflict = (description: string) => new PartnerCenterHttpError(409, 'Conflict', description);

export const preconditionFailed = (description: string) =>
  new PartnerCenterHttpError(412, 'PreconditionFailed', description);

export const tooManyRequests = (retryAfterSeconds: number) =>
  new PartnerCenterHttpError(
    429,
    'TooManyRequests',
    `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.`,
    [],
    { 'Retry-After': String(retryAfterSeconds) },
  );

/**
 * 401 with a `WWW-Authenticate` challenge (RFC 6750 §3): no error code when the request carried no token at all,
 * `invalid_token` when it carried one that is unknown or expired. The real API's challenge text is not documented.
 */
export function unauthorized(reason: 'missing' | 'invalid' | 'expired'): PartnerCenterHttpError {
  const realm = 'realm="api.partner.microsoft.com"';
  const challenge =
    reason === 'missing'
      ? `Bearer ${realm}`
      : `Bearer ${realm}, error="invalid_token", error_description="${reason === 'expired' ? 'The access token is expired' : 'The access token is not valid'}"`;
  const description =
    reason === 'missing'
      ? 'Authorization header with a Bearer token is required.'
      : reason === 'expired'
        ? 'The access token has expired.'
        : 'The access token is not valid for this resource.';
  return new PartnerCenterHttpError(401, 'Unauthorized', description, [], { 'WWW-Authenticate': challenge });
}

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  /** `bad_token` for an expired or revoked refresh token: MSAL then throws InteractionRequiredAuthError. */
  suberror?: string;
}

export class EntraHttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly suberror?: string,
  ) {
    super(`AADSTS${aadsts}: ${detail}`);
    this.name = 'EntraHttpError';
  }

  body(now: number, correlationId: string = randomUUID()): EntraErrorBody {
    const traceId = randomUUID();
    // Entra's own format: "YYYY-MM-DD hh:mm:ssZ", the same instant in the description and the field.
    const timestamp = `${new Date(now).toISOString().slice(0, 19).replace('T', ' ')}Z`;
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.detail}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
      ...(this.suberror === undefined ? {} : { suberror: this.suberror }),
    };
  }
}
