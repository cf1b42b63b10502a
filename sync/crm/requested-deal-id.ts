import { InvalidInputError } from '../../src/shared/errors.ts';

/**
 * A deal id as a request names it (a path segment or a body field), checked at the edge before any store read:
 * HubSpot's numeric ids; anything else is invalid input, never a lookup.
 */
export function requestedDealId(raw: string): string {
  if (!/^\d{1,20}$/.test(raw)) throw new InvalidInputError(`"${raw.slice(0, 40)}" is not a HubSpot deal id`);
  return raw;
}
