// Where the card finds the sync service. Nothing secret lives here: HubSpot signs every `hubspot.fetch` request and
// appends the portal and user ids itself, and the service verifies the signature.

/** Origin of the PartnerLoop sync service; must also be listed in the card's `permittedUrls.fetch`. */
export const DEFAULT_API_BASE = 'https://partnerloop.example.com';

/**
 * The config-profile variable naming the service origin (`extensions/hsprofile.*.json`, also used for
 * `permittedUrls.fetch` and the OAuth redirect). HubSpot hands profile variables to the card in `context.variables`
 * (`BaseContext.variables` in @hubspot/ui-extensions 0.17), so each profile's card talks to its own service.
 */
export const SERVICE_ORIGIN_VARIABLE = 'SERVICE_ORIGIN';

/**
 * The service origin from the profile variables: an absolute http(s) origin, else DEFAULT_API_BASE (no variable, or
 * an unresolved `${SERVICE_ORIGIN}` placeholder, or anything that is not an origin).
 */
export function apiBaseFrom(variables: Readonly<Record<string, unknown>> | undefined): string {
  const value = variables?.[SERVICE_ORIGIN_VARIABLE];
  if (typeof value !== 'string') return DEFAULT_API_BASE;
  const origin = value.trim().replace(/\/+$/, '');
  return /^https?:\/\/[^\s/?#]+$/.test(origin) ? origin : DEFAULT_API_BASE;
}

/** Per-request timeout passed to `hubspot.fetch` (HubSpot's own default is 15 s). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Shortest roster search the card sends. */
export const PARTNER_SEARCH_MIN_CHARS = 2;

/** Bounds for the co-sell SLA the seller may ask for. */
export const SLA_DAYS_MIN = 1;
export const SLA_DAYS_MAX = 90;

/** Longest co-sell ask the card accepts. */
export const COSELL_ASK_MAX_CHARS = 1000;
