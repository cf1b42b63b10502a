// Where the card finds the sync service. Nothing secret lives here: HubSpot signs every `hubspot.fetch` request and
// appends the portal and user ids itself, and the service verifies the signature.

/** Origin of the PartnerLoop sync service; must also be listed in the card's `permittedUrls.fetch`. */
export const DEFAULT_API_BASE = 'https://partnerloop.example.com';

/** Per-request timeout passed to `hubspot.fetch` (HubSpot's own default is 15 s). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Shortest roster search the card sends. */
export const PARTNER_SEARCH_MIN_CHARS = 2;

/** Bounds for the co-sell SLA the seller may ask for. */
export const SLA_DAYS_MIN = 1;
export const SLA_DAYS_MAX = 90;

/** Longest co-sell ask the card accepts. */
export const COSELL_ASK_MAX_CHARS = 1000;
