// What the PartnerLoop card's components share: the contract's lists, the seller's words for each value, and how an
// answer from Apex becomes a CardView or a sentence. Pure functions only, so every component formats alike.
// The lists are src/model's and the labels the HubSpot card's (extensions/app/cards/card-format.ts): an LWC bundle
// cannot import from outside force-app, so extensions/salesforce/card-contract.test.ts checks both stay the same.

/** `PARTNER_ROLES` of src/model/deal.ts. */
export const PARTNER_ROLES = ['sourced', 'influenced', 'cosell', 'reseller', 'referral'];

/** `MOTION_STATES` of src/model/cosell.ts. */
export const MOTION_STATES = ['draft', 'requested', 'accepted', 'rejected', 'active', 'won', 'lost', 'withdrawn'];

export const ROLE_LABELS = {
  sourced: 'Sourced',
  influenced: 'Influenced',
  cosell: 'Co-sell',
  reseller: 'Reseller',
  referral: 'Referral',
};

export const ATTRIBUTION_STATUS = {
  complete: { label: 'Attribution complete', variant: 'success' },
  missing_partner: { label: 'Partner missing', variant: 'danger' },
  missing_role: { label: 'Partner role missing', variant: 'danger' },
  invalid_split: { label: 'Splits do not add up', variant: 'warning' },
  conflict: { label: 'Conflicting partners', variant: 'warning' },
  not_partner_involved: { label: 'Not partner-involved', variant: 'default' },
};

export const DEDUPE_STATUS = {
  unique: { label: 'No duplicates', variant: 'success' },
  suspected: { label: 'Possible duplicate', variant: 'warning' },
  confirmed: { label: 'Confirmed duplicate', variant: 'danger' },
  not_duplicate: { label: 'Marked not a duplicate', variant: 'default' },
};

export const MOTION_STATE = {
  draft: { label: 'Draft', variant: 'default' },
  requested: { label: 'Requested', variant: 'info' },
  accepted: { label: 'Accepted', variant: 'info' },
  rejected: { label: 'Rejected', variant: 'danger' },
  active: { label: 'Active', variant: 'info' },
  won: { label: 'Won', variant: 'success' },
  lost: { label: 'Lost', variant: 'danger' },
  withdrawn: { label: 'Withdrawn', variant: 'default' },
};

/** The verb on the button that moves a motion into a state. */
export const TRANSITION_ACTIONS = {
  draft: { label: 'Back to draft', destructive: false },
  requested: { label: 'Send request', destructive: false },
  accepted: { label: 'Accept', destructive: false },
  rejected: { label: 'Reject', destructive: true },
  active: { label: 'Mark active', destructive: false },
  won: { label: 'Mark won', destructive: false },
  lost: { label: 'Mark lost', destructive: true },
  withdrawn: { label: 'Withdraw', destructive: true },
};

/** The same bounds as the service's and the HubSpot card's (extensions/app/cards/card-config.ts, card-api.ts). */
export const PARTNER_SEARCH_MIN_CHARS = 2;
export const SPLIT_PCT_MIN = 0;
export const SPLIT_PCT_MAX = 100;
export const SLA_DAYS_MIN = 1;
export const SLA_DAYS_MAX = 90;
export const COSELL_ASK_MAX_CHARS = 1000;

export const UNREACHABLE_MESSAGE = 'PartnerLoop could not be reached. Check your connection and try again.';
export const UNREADABLE_MESSAGE = 'PartnerLoop sent an answer the card could not read. Reload the page and try again.';

const MAX_MESSAGE_CHARS = 300;

/** lightning-badge has no variant: the SLDS theme class gives each status its colour. */
const BADGE_CLASSES = {
  success: 'slds-theme_success',
  danger: 'slds-theme_error',
  warning: 'slds-theme_warning',
  info: 'slds-badge_lightest',
  default: '',
};

export function badgeClass(variant) {
  return BADGE_CLASSES[variant] ?? '';
}

export function roleLabel(role) {
  return ROLE_LABELS[role] ?? role;
}

export function formatSplit(splitPct) {
  return splitPct === null || splitPct === undefined ? '—' : `${formatNumber(splitPct)}%`;
}

export function formatScore(score) {
  return score === null || score === undefined ? '—' : formatNumber(Math.round(score));
}

export function formatTier(tier) {
  if (tier === null || tier === undefined || tier === '') return '—';
  const words = tier.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A 0–1 confidence as a whole percentage. */
export function formatConfidence(confidence) {
  return `${Math.round(Math.min(Math.max(confidence, 0), 1) * 100)}%`;
}

/** ISO timestamp → `YYYY-MM-DD HH:mm UTC`; unparseable input is shown as sent. */
export function formatTimestamp(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** ISO timestamp → `YYYY-MM-DD` (UTC). */
export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

function formatNumber(value) {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(value);
}

/** A 2xx answer that is not what the contract promises: the card shows UNREADABLE_MESSAGE for it. */
export class UnreadableAnswerError extends Error {
  constructor(what) {
    super(`${what} does not match the card contract`);
    this.name = 'UnreadableAnswerError';
  }
}

function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnreadableAnswerError(what);
  }
}

/** The CardView in an Apex answer (a JSON string); a shallow shape check, enough that rendering cannot crash. */
export function parseCardView(text) {
  const value = parseJson(text, 'card view');
  const ok =
    isRecord(value) &&
    isRecord(value.deal) &&
    typeof value.deal.id === 'string' &&
    isRecord(value.attribution) &&
    typeof value.attribution.status === 'string' &&
    Array.isArray(value.attribution.partners) &&
    Array.isArray(value.attribution.issues) &&
    isRecord(value.dedupe) &&
    Array.isArray(value.dedupe.duplicates) &&
    Array.isArray(value.motions) &&
    value.motions.every(
      (motion) => isRecord(motion) && Array.isArray(motion.allowedTransitions) && Array.isArray(motion.history),
    );
  if (!ok) throw new UnreadableAnswerError('card view');
  return value;
}

/** The roster partners in an Apex answer of searchPartners (`{"partners":[…]}`). */
export function parseRoster(text) {
  const value = parseJson(text, 'partner search');
  if (!isRecord(value) || !Array.isArray(value.partners)) throw new UnreadableAnswerError('partner search');
  return value.partners;
}

/**
 * Whatever an Apex call or its parsing threw, the sentence the seller may read: the controller's AuraHandledException
 * message (the service's own envelope message, or its sentence for a timeout), never a stack.
 */
export function errorMessageOf(error) {
  if (error instanceof UnreadableAnswerError) return UNREADABLE_MESSAGE;
  const message = error?.body?.message;
  if (typeof message === 'string' && message.trim() !== '') return oneLine(message);
  return UNREACHABLE_MESSAGE;
}

/** First line only, bounded: a message never becomes a stack dump in the card. */
function oneLine(text) {
  const first = (text.split('\n')[0] ?? '').trim();
  return first.length > MAX_MESSAGE_CHARS ? `${first.slice(0, MAX_MESSAGE_CHARS - 1)}…` : first;
}
