import { AppError } from '../../shared/errors.ts';

/** A HubSpot call that failed for good. `message` is safe to show; provider text stays in `providerMessage`. */
export class HubSpotApiError extends AppError {
  readonly code = 'crm_request_failed';

  constructor(
    readonly status: number | undefined,
    readonly operation: string,
    readonly providerMessage: string | undefined,
    readonly correlationId: string | undefined,
    options: { cause?: unknown; dailyLimit?: boolean } = {},
  ) {
    super(
      options.dailyLimit
        ? 'HubSpot daily API limit reached; the work is rescheduled'
        : `HubSpot could not complete ${operation}${status ? ` (HTTP ${status})` : ''}`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.dailyLimit = options.dailyLimit === true;
  }

  readonly dailyLimit: boolean;
}

/** The tenant's HubSpot authorization is gone (refresh refused): it must reinstall. */
export class HubSpotDisconnectedError extends AppError {
  readonly code = 'crm_disconnected';
}

/** Whether HubSpot refused to tell (403: a scope the install lacks), as opposed to failing. */
export function isHubSpotForbidden(error: unknown): boolean {
  return error instanceof HubSpotApiError && error.status === 403;
}
