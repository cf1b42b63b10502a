import type { z } from 'zod';

/**
 * Typed errors: a literal snake_case `code`, a user-facing `message` (safe to show a seller or print on one CLI
 * line), optional `details`, and the technical `cause` kept separately for logs. The domain says what went wrong, not
 * how a transport answers it: the HTTP edge maps `code` to a status (sync/platform/http/error-envelope.ts) and the CLI to an
 * exit code.
 */
export abstract class AppError extends Error {
  abstract readonly code: string;
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
}

/**
 * Every problem of a failed zod parse, one `"path: message"` line each — the one `details` shape of invalid input:
 * the path is dotted from the input's root (`rules.0.partners`; an element of an input that is itself an array reads
 * `[0].occurredAt`), `(root)` is the input as a whole, and each unknown key is named on its own line
 * (`typo: unknown key`) so the sender sees exactly which key to fix. Settings forms map the lines to their fields.
 */
export function inputProblems(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => `${pathText([...issue.path, key])}: unknown key`);
    return [`${pathText(issue.path) || '(root)'}: ${issue.message}`];
  });
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => {
      if (index === 0) return typeof part === 'number' ? `[${part}]` : String(part);
      return `.${String(part)}`;
    })
    .join('');
}

export interface ParseInputOptions {
  /** What the input is, for the message: `invalid <what> (2 problems): <first problem>`. Default "request". */
  what?: string;
  /**
   * The schema's refinements (`custom` issues) are sentences written for the person who sent the input (the seller
   * reads them in the card): when one is the only problem, it is the whole message.
   */
  sentenceRefinements?: boolean;
}

/**
 * An input checked against its zod schema at the edge (a request body or query, admin JSON, a webhook delivery): the
 * parsed value, or an InvalidInputError whose `details` list every problem (`inputProblems`).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  options: ParseInputOptions = {},
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = inputProblems(parsed.error.issues);
  const [only, ...others] = parsed.error.issues;
  if (options.sentenceRefinements && only?.code === 'custom' && others.length === 0) {
    throw new InvalidInputError(only.message, { cause: parsed.error, details });
  }
  const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
  throw new InvalidInputError(`invalid ${options.what ?? 'request'} (${count}): ${details[0] ?? ''}`, {
    cause: parsed.error,
    details,
  });
}

/** A record or file line that cannot be read; the message names the source and line. */
export class BadRecordError extends AppError {
  readonly code = 'bad_record';

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
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
}

export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
}

export class ConfigError extends AppError {
  readonly code = 'invalid_config';
}

/** A HubSpot request signature that is missing, stale, malformed or wrong (`details` carries the reason). */
export class InvalidSignatureError extends AppError {
  readonly code = 'invalid_signature';
}

/**
 * A state machine (a co-sell motion) asked to take a transition it does not declare: a conflict with its own code, so
 * the card can tell "not allowed from here" from "someone changed it meanwhile"; `details` name from, to and what is
 * allowed.
 */
export class IllegalTransitionError extends AppError {
  readonly code = 'illegal_transition';
}
