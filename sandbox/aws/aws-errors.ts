/**
 * AWS JSON 1.0 errors as the stand-in sends them: an HTTP status, a JSON body whose `__type` names the error shape, a
 * lower-case `message`, and the shape's own members (`Reason`, `ErrorList` for ValidationException). The SDK reads
 * `__type` first (then `code`, then the `x-amzn-ErrorType` header), drops any `namespace#` prefix, and builds the
 * modelled class of that name (`ValidationException`, `ConflictException`, …); an unmodelled name such as
 * `InvalidSignatureException` becomes a `PartnerCentralSellingServiceException` with that `name`.
 *
 * Statuses follow the service model's `@httpError` traits (ValidationException 400, AccessDeniedException 403,
 * ResourceNotFoundException 404, ConflictException 409, ThrottlingException 429, InternalServerException 500) and AWS's
 * common errors for the signature checks (403).
 */

export type ValidationErrorCode =
  | 'REQUIRED_FIELD_MISSING'
  | 'INVALID_ENUM_VALUE'
  | 'INVALID_STRING_FORMAT'
  | 'INVALID_VALUE'
  | 'NOT_ENOUGH_VALUES'
  | 'TOO_MANY_VALUES'
  | 'INVALID_RESOURCE_STATE'
  | 'DUPLICATE_KEY_VALUE'
  | 'VALUE_OUT_OF_RANGE'
  | 'ACTION_NOT_PERMITTED';

export type ValidationReason = 'REQUEST_VALIDATION_FAILED' | 'BUSINESS_VALIDATION_FAILED';

/** One entry of `ValidationException.ErrorList`, exactly as it goes on the wire. */
export interface FieldError {
  FieldName: string;
  Message: string;
  Code: ValidationErrorCode;
}

export class AwsServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Members of the error shape next to `message` (e.g. `Reason`, `ErrorList`). */
    readonly members: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = type;
  }

  body(): Record<string, unknown> {
    return { __type: this.type, message: this.message, ...this.members };
  }
}

export const awsErrors = {
  validation(reason: ValidationReason, errors: readonly FieldError[], message?: string): AwsServiceError {
    const names = errors.map((error) => error.FieldName).join(', ');
    const text =
      message ??
      (errors.length === 1
        ? `The request failed validation: ${errors[0]?.Message ?? names}`
        : `The request failed validation on ${errors.length} fields: ${names}`);
    return new AwsServiceError(400, 'ValidationException', text, { Reason: reason, ErrorList: [...errors] });
  },
  conflict(message: string): AwsServiceError {
    return new AwsServiceError(409, 'ConflictException', message);
  },
  notFound(message: string): AwsServiceError {
    return new AwsServiceError(404, 'ResourceNotFoundException', message);
  },
  accessDenied(message: string): AwsServiceError {
    return new AwsServiceError(403, 'AccessDeniedException', message);
  },
  throttling(message = 'Rate exceeded'): AwsServiceError {
    return new AwsServiceError(429, 'ThrottlingException', message);
  },
  internal(message = 'An internal error occurred. Try again later.'): AwsServiceError {
    return new AwsServiceError(500, 'InternalServerException', message);
  },
  serviceUnavailable(status = 503): AwsServiceError {
    return new AwsServiceError(status, 'ServiceUnavailableException', 'The service is unavailable. Try again later.');
  },
  unknownOperation(target: string | undefined): AwsServiceError {
    return new AwsServiceError(400, 'UnknownOperationException', `Unknown operation ${target ?? '(no X-Amz-Target)'}`);
  },
  serialization(message: string): AwsServiceError {
    return new AwsServiceError(400, 'SerializationException', message);
  },
};
