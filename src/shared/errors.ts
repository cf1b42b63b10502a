import type { z } from 'zod';

/**
 * Typed errors: a literal snake_case `code`, a user-facing `message` (safe to show a seller or print on one CLI
 * line), optional `details`, and the technical `cause` kept separately for logs. One HTTP middleware and one CLI
 * handler turn these into the error envelope / a one-line message.
 */
export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  readonly details: readonly unknown[];

  constructor(message: string, options: { cause?: unknown; details?: readonly unknown[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
  }
}

/** Input that fails validation: a request body, a file record, a flag. */
export class InvalidInputError extends AppError {
  readonly code = 'invalid_input';
  readonly httpStatus = 400;
}

/** A record or file line that cannot be read; the message names the source and line. */
/** A request body checked against its zod schema: the parsed value, or an InvalidInputError naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  throw new InvalidInputError(`invalid request: ${details[0]}`, { details });
}

export class BadRecordError extends AppError {
  readonly code = 'bad_record';
  readonly httpStatus = 400;

  constructor(
    readonly source: string,
    readonly line: number,
    problem: string,
    options: { cause?: unknown; recordId?: string | undefined } = {},
  ) {
    const record = options.recordId ? ` (record ${options.recordId})` : '';
    super(`${source}:${line}${record}: ${problem}`, options);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
  readonly httpStatus = 404;
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
  readonly httpStatus = 401;
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  readonly httpStatus = 413;
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
  readonly httpStatus = 409;
}

export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
  readonly httpStatus = 429;
}

export class ConfigError extends AppError {
  readonly code = 'invalid_config';
  readonly httpStatus = 500;
}

/** A HubSpot request signature that is missing, stale, malformed or wrong (401; `details` carries the reason). */
export class InvalidSignatureError extends AppError {
  readonly code = 'invalid_signature';
  readonly httpStatus = 401;
}

/**
 * A state machine (a co-sell motion) asked to take a transition it does not declare: 409 like a conflict, with its own
 * code so the card can tell "not allowed from here" from "someone changed it meanwhile"; `details` name from, to and
 * what is allowed.
 */
export class IllegalTransitionError extends AppError {
  readonly code = 'illegal_transition';
  readonly httpStatus = 409;
}
