import { describe, expect, it } from 'vitest';
import { PreviewBundleError } from '../../../sandbox/previews/card-preview.bundle.ts';
import { PreviewUpstreamError } from '../../../sandbox/previews/card-preview.routes.ts';
import { HubSpotApiError, HubSpotDisconnectedError } from '../../../src/crm/hubspot/hubspot-errors.ts';
import { HubSpotProvisioningError } from '../../../src/crm/hubspot/hubspot-provisioning.ts';
import {
  type AppError,
  BadRecordError,
  ConfigError,
  ConflictError,
  IllegalTransitionError,
  InvalidInputError,
  InvalidSignatureError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
} from '../../../src/shared/errors.ts';
import { AttributionFrozenError } from '../../attribution/attribution.service.ts';
import { SelfRequestError } from '../../reports/signed-self-request.ts';
import { AdminRequiredError } from '../../roles/admin-roles.ts';
import { JobLeaseBusyError, JobLeaseLostError } from '../jobs/job-leases.ts';
import { httpStatusOf } from './error-envelope.ts';

describe('httpStatusOf', () => {
  it.each<[AppError, number]>([
    [new InvalidInputError('x'), 400],
    [new BadRecordError('deals.csv', 2, 'x'), 400],
    [new InvalidSignatureError('x'), 401],
    [new UnauthorizedError('x'), 401],
    [new AdminRequiredError('x'), 403],
    [new NotFoundError('x'), 404],
    [new ConflictError('x'), 409],
    [new IllegalTransitionError('x'), 409],
    [new AttributionFrozenError('x'), 409],
    [new HubSpotDisconnectedError('x'), 409],
    [new JobLeaseBusyError('x'), 409],
    [new JobLeaseLostError('x'), 409],
    [new PayloadTooLargeError('x'), 413],
    [new RateLimitedError('x'), 429],
    [new ConfigError('x'), 500],
    [new PreviewBundleError('x'), 500],
    [new HubSpotApiError(503, 'read', undefined, undefined), 502],
    [new HubSpotProvisioningError('x'), 502],
    [new SelfRequestError('x'), 502],
    [new PreviewUpstreamError('x'), 502],
  ])('given a %s, then the edge answers %i', (error, status) => {
    expect(httpStatusOf(error)).toBe(status);
  });

  it('given an error that is not an AppError, or a code the table does not know, then 500', () => {
    class NewError extends InvalidInputError {
      override readonly code = 'brand_new' as 'invalid_input';
    }
    expect(httpStatusOf(new Error('boom'))).toBe(500);
    expect(httpStatusOf(new NewError('x'))).toBe(500);
  });
});
