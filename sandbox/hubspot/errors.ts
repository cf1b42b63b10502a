import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error body (`Error` schema of the public OpenAPI specs): `status: "error"`, a human `message`, a
 * `correlationId`, a `category` and optional `errors[]`, `context`, `links`. Rate-limit errors use the older shape
 * with `errorType` and `policyName` (the SDK's retry decorator reads `policyName`).
 */
export interface HubSpotErrorBody {
  status: string;
  message: string;
  correlationId: string;
  category?: string;
  subCategory?: string;
  errors?: Array<{ message: string; code?: string; in?: string; context?: Record<string, string[]> }>;
  context?: Record<string, string[]>;
  links?: Record<string, string>;
  errorType?: string;
  policyName?: string;
  groupName?: string;
  requestId?: string;
  [extra: string]: unknown;
}

export class SandboxHttpError extends Error {
  readonly body: HubSpotErrorBody;

  constructor(
    readonly status: number,
    body: Partial<HubSpotErrorBody> & { message: string },
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.message);
    this.name = 'SandboxHttpError';
    const { status: bodyStatus, message, correlationId, ...rest } = body;
    this.body = { status: bodyStatus ?? 'error', message, correlationId: correlationId ?? randomUUID(), ...rest };
  }
}

export function validationError(message: string, extras: Partial<HubSpotErrorBody> = {}): SandboxHttpError {
  return new SandboxHttpError(400, { message, category: 'VALIDATION_ERROR', ...extras });
}

export function notFoundError(message = 'resource not found', context?: Record<string, string[]>): SandboxHttpError {
  return new SandboxHttpError(404, { message, category: 'OBJECT_NOT_FOUND', ...(context ? { context } : {}) });
}

export function conflictError(message: string): SandboxHttpError {
  return new SandboxHttpError(409, { message, category: 'CONFLICT' });
}

/** One invalid property value, in the form HubSpot embeds in "Property values were not valid: [...]". */
export interface PropertyProblem {
  name: string;
  error: string;
  message: string;
}

export function propertyValuesError(problems: readonly PropertyProblem[]): SandboxHttpError {
  const detail = problems.map((problem) => ({
    isValid: false,
    message: problem.message,
    error: problem.error,
    name: problem.name,
  }));
  return validationError(`Property values were not valid: ${JSON.stringify(detail)}`, {
    errors: problems.map((problem) => ({
      message: problem.message,
      code: problem.error,
      context: { propertyName: [problem.name] },
    })),
  });
}
