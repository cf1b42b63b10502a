import type { AttributionStatus } from '../model/attribution.ts';
import type { Deal, DealPartner, PartnerRole } from '../model/deal.ts';

/**
 * What the attribution engine reads and returns. The input is the canonical deal plus the few facts about it that live
 * outside the deal record (registrations, account partners, unlabelled associations, a co-sell motion); an adapter
 * gathers them, the engine only decides. The statuses are a list of the model (`src/model/attribution.ts`).
 */

export { ATTRIBUTION_STATUSES, type AttributionStatus } from '../model/attribution.ts';

/**
 * The status of a deal is the first of these that applies. `not_partner_involved` ends evaluation; among the problems
 * of a partner-involved deal, a contradiction (`conflict`) outranks what is missing, a missing partner outranks a
 * missing role (no role can be given to a partner that is not there), and a wrong split is the least severe because
 * the partners and roles it splits are already right.
 */
export const STATUS_PRECEDENCE: readonly AttributionStatus[] = [
  'not_partner_involved',
  'conflict',
  'missing_partner',
  'missing_role',
  'invalid_split',
  'complete',
];

export type RegistrationStatus = 'pending' | 'approved' | 'rejected';

export interface Registration {
  partnerId: string;
  status: RegistrationStatus;
}

export interface AttributionInput {
  /** The canonical deal; `deal.partners` are the partners tagged with a role (and optional split). */
  deal: Deal;
  /** Pipeline id of the deal; null when the CRM has none (the rules' `defaultPipeline` is assumed). */
  pipeline: string | null;
  /** Deal registrations naming this deal. */
  registrations: readonly Registration[];
  /** Partner companies associated with the deal's account (not tagged on the deal). */
  accountPartnerIds: readonly string[];
  /**
   * Partners associated with the deal without a role label. Ids that are also tagged in `deal.partners` are ignored:
   * HubSpot keeps an unlabelled association next to every labelled one.
   */
  unlabeledPartnerIds: readonly string[];
  /** A co-sell motion (open or not) exists for the deal. */
  hasCoSellMotion: boolean;
  /** The partners recorded when the deal closed (the service's store), to detect edits made after close in the CRM. */
  partnersAtClose?: readonly DealPartner[] | undefined;
  /** Display names of partners, for the issue texts; an id without a name reads "partner <id>". */
  partnerNames?: Readonly<Record<string, string>> | undefined;
}

export const HYGIENE_CODES = [
  'closed_lost_without_reason',
  'churn_counted_as_win',
  'renewal_counted_as_new_business',
  'attribution_changed_after_close',
] as const;
export type HygieneCode = (typeof HYGIENE_CODES)[number];

export interface HygieneFinding {
  code: HygieneCode;
  /** Human-readable, for the seller. */
  message: string;
}

export interface AutoTag {
  partnerId: string;
  role: PartnerRole;
  reason: string;
}

export interface AttributionResult {
  status: AttributionStatus;
  /** Human-readable problems for the seller, most severe first; notes on requirements not yet enforced come last. */
  issues: string[];
  partnerInvolved: boolean;
  involvementReasons: string[];
  hygiene: HygieneFinding[];
  /** The deal is closed and its attribution is frozen (changes need an admin override). */
  frozen: boolean;
  /** A tag the writer should apply; the status and issues already assume it is applied. */
  autoTag?: AutoTag;
}

/** Orders ids naturally: numeric CRM ids by value, anything else by code unit; deterministic across locales. */
export function compareIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function uniqueSorted(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareIds);
}

export function partnerLabel(partnerId: string, names?: Readonly<Record<string, string>>): string {
  const name = names?.[partnerId]?.trim();
  return name ? name : `partner ${partnerId}`;
}

export function partnerList(partnerIds: readonly string[], names?: Readonly<Record<string, string>>): string {
  return partnerIds.map((id) => partnerLabel(id, names)).join(', ');
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A percentage as the seller typed it: at most four decimals, no trailing zeros. */
export function formatPct(value: number): string {
  return `${Math.round(value * 10_000) / 10_000}%`;
}
