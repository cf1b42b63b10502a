import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../../src/shared/errors.ts';
import type { Logger } from '../log/logger.ts';

export interface ErrorEnvelope {
  error: { code: string; message: string; details: unknown[] };
}

export function envelope(code: string, message: string, details: readonly unknown[] = []): ErrorEnvelope {
  return { error: { code, message, details: [...details] } };
}

/**
 * The HTTP status of each error code — the one place a domain error becomes a status. Codes are stable contract
 * strings (SPEC §4.3); a code not listed is a 500. Errors outside `AppError` never reach this table.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // The caller's input or state: 4xx.
  invalid_input: 400,
  bad_record: 400,
  invalid_signature: 401,
  unauthorized: 401,
  admin_required: 403,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  attribution_frozen: 409,
  crm_disconnected: 409,
  job_lease_busy: 409,
  job_lease_lost: 409,
  payload_too_large: 413,
  rate_limited: 429,
  // Ours or a system behind us: 5xx.
  invalid_config: 500,
  preview_bundle_failed: 500,
  crm_request_failed: 502,
  crm_provisioning_failed: 502,
  service_unavailable: 502,
  preview_upstream_unavailable: 502,
};

/** The status an error is answered with: its code's (`HTTP_STATUS_BY_CODE`), 500 for anything else. */
export function httpStatusOf(error: unknown): number {
  return error instanceof AppError ? (HTTP_STATUS_BY_CODE[error.code] ?? 500) : 500;
}

/** body-parser signals its failures with a `type` and a `status`; map them onto our codes. */
function bodyParserError(error: unknown): { status: number; code: string; message: string } | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  switch ((error as { type: unknown }).type) {
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: 'request body is larger than 1 MB' };
    case 'entity.parse.failed':
      return { status: 400, code: 'malformed_json', message: 'request body is not valid JSON' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: 'unsupported body encoding' };
    case 'request.aborted':
      return { status: 400, code: 'request_aborted', message: 'request was aborted' };
    default:
      return undefined;
  }
}

/** The one place errors become HTTP responses: typed errors keep their code; anything else is a 500 without internals. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error instanceof AppError) {
      const status = httpStatusOf(error);
      if (status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
      res.status(status).json(envelope(error.code, error.message, error.details));
      return;
    }
    const parserError = bodyParserError(error);
    if (parserError) {
      res.status(parserError.status).json(envelope(parserError.code, parserError.message));
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled request error');
    res.status(500).json(envelope('internal_error', 'something went wrong on our side; it has been logged'));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(envelope('not_found', `no route for ${req.method} ${req.path}`));
};
