import { dealNameIntent } from '../dedupe/deal-normalization.ts';
import { type Deal, type DealPartner, PARTNER_ROLES } from '../model/deal.ts';
import type { AttributionInput, HygieneFinding } from './attribution-model.ts';
import { compareIds, formatPct, partnerLabel } from './attribution-model.ts';
import { type AttributionRules, DEFAULT_ATTRIBUTION_RULES } from './attribution-rules.ts';

/**
 * Hygiene rules of the attribution engine (SPEC §2.1): loss reasons, churn and renewals kept out of new-business wins,
 * and attribution frozen after close. Findings are separate from the attribution status: a deal can be perfectly
 * attributed and still be dirty.
 */

/** The intent a deal name states (renewal, churn, …), when the rules let the name speak. */
function namedIntent(deal: Deal, rules: AttributionRules) {
  return rules.inferIntentFromDealName ? dealNameIntent(deal.name) : null;
}

/** Whether the deal's type (or its absence) puts it among new-business deals under the rules. */
function typedAsNewBusiness(deal: Deal, rules: AttributionRules): boolean {
  return deal.type === null ? rules.countUntypedAsNewBusiness : rules.newBusinessDealTypes.includes(deal.type);
}

/**
 * Whether a deal counts as a new-business win in reports: won, of a type that counts as new business, and not named
 * as a renewal or churn (such a deal is mistyped; it is flagged by hygiene and kept out until it is fixed).
 */
export function countsAsNewBusinessWin(deal: Deal, rules: AttributionRules = DEFAULT_ATTRIBUTION_RULES): boolean {
  if (!deal.isClosed || !deal.isWon || !typedAsNewBusiness(deal, rules)) return false;
  const intent = namedIntent(deal, rules);
  return intent !== 'renewal' && intent !== 'churn';
}

export function hygieneFindings(
  input: Pick<AttributionInput, 'deal' | 'partnersAtClose' | 'partnerNames'>,
  rules: AttributionRules,
): HygieneFinding[] {
  const { deal } = input;
  const findings: HygieneFinding[] = [];
  const typeText = deal.type === null ? 'it has no type' : `it is typed ${deal.type}`;
  // The name's intent matters only for a deal typed as new business (the costly part of a pass's hygiene otherwise).
  const intent = typedAsNewBusiness(deal, rules) ? namedIntent(deal, rules) : null;

  if (rules.requireLossReason && deal.isClosed && !deal.isWon && !deal.lossReason?.trim()) {
    findings.push({ code: 'closed_lost_without_reason', message: 'Closed lost without a loss reason' });
  }
  if (deal.isClosed && deal.isWon) {
    if (deal.type === 'churn') {
      findings.push({
        code: 'churn_counted_as_win',
        message: 'Deal is typed churn but marked won; a churn is never a new-business win',
      });
    } else if (intent === 'churn') {
      findings.push({
        code: 'churn_counted_as_win',
        message: `Deal name says churn but ${typeText} and it is marked won; it is not counted as a new-business win`,
      });
    }
  }
  // Flagged at every stage, not only once won: a mistyped renewal also inflates new-business pipeline.
  if (intent === 'renewal') {
    findings.push({
      code: 'renewal_counted_as_new_business',
      message: `Deal name says renewal but ${typeText}; renewals are not new business`,
    });
  }
  if (deal.isClosed && rules.freezeAfterClose && input.partnersAtClose) {
    const changes = describeAttributionChanges(input.partnersAtClose, deal.partners, input.partnerNames);
    if (changes.length > 0) {
      findings.push({
        code: 'attribution_changed_after_close',
        message: `Attribution changed after close without an admin override: ${changes.join('; ')}`,
      });
    }
  }
  return findings;
}

export interface AttributionOverride {
  /** The admin making the change; the caller has checked that this user is an admin. */
  actor: string;
  /** Why; audit-logged with the change. */
  reason: string;
}

export type AttributionChangeDecision =
  | { outcome: 'allowed'; changes: string[]; override: AttributionOverride | null }
  | { outcome: 'rejected'; code: 'attribution_changed_after_close'; message: string; changes: string[] };

/**
 * Whether a change of a deal's partners may be written. Open deals change freely; a closed deal is frozen (when the
 * rules freeze after close) unless an admin override names its actor and a non-empty reason, which the caller then
 * audit-logs with the returned changes. A write that changes nothing is always allowed (retries are idempotent).
 */
export function checkAttributionChange(
  before: readonly DealPartner[],
  after: readonly DealPartner[],
  deal: Deal,
  override?: AttributionOverride | null,
  rules: AttributionRules = DEFAULT_ATTRIBUTION_RULES,
): AttributionChangeDecision {
  const changes = describeAttributionChanges(before, after);
  if (changes.length === 0 || !(deal.isClosed && rules.freezeAfterClose)) {
    return { outcome: 'allowed', changes, override: null };
  }
  const reject = (message: string): AttributionChangeDecision => ({
    outcome: 'rejected',
    code: 'attribution_changed_after_close',
    message,
    changes,
  });
  if (!override) {
    return reject('Attribution is frozen because the deal is closed; an admin override with a reason is required');
  }
  const actor = override.actor.trim();
  const reason = override.reason.trim();
  if (!actor) return reject('An attribution override must name the admin making it');
  if (!reason) return reject('An attribution override needs a reason');
  return { outcome: 'allowed', changes, override: { actor, reason } };
}

/**
 * The differences between two partner lists, one sentence each, ordered by partner id then role: "added partner 2
 * as influenced", "removed partner 1 as sourced", "changed the sourced split of partner 1 from 60% to 40%".
 */
export function describeAttributionChanges(
  before: readonly DealPartner[],
  after: readonly DealPartner[],
  names?: Readonly<Record<string, string>>,
): string[] {
  const old = byPartnerAndRole(before);
  const now = byPartnerAndRole(after);
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort(compareKeys);
  const changes: string[] = [];
  for (const key of keys) {
    const was = old.get(key);
    const is = now.get(key);
    const label = partnerLabel((was ?? is)!.partnerId, names);
    const role = (was ?? is)!.role;
    if (!was) changes.push(`added ${label} as ${role}`);
    else if (!is) changes.push(`removed ${label} as ${role}`);
    else if (was.splitPct !== is.splitPct) {
      changes.push(`changed the ${role} split of ${label} from ${pct(was.splitPct)} to ${pct(is.splitPct)}`);
    }
  }
  if (changes.length === 0 && canonical(before) !== canonical(after)) changes.push('changed duplicate partner entries');
  return changes;
}

const SEPARATOR = '\u0000';

function byPartnerAndRole(partners: readonly DealPartner[]): Map<string, DealPartner> {
  return new Map(partners.map((p) => [`${p.partnerId}${SEPARATOR}${p.role}`, p]));
}

function compareKeys(a: string, b: string): number {
  const [aId = '', aRole = ''] = a.split(SEPARATOR);
  const [bId = '', bRole = ''] = b.split(SEPARATOR);
  return compareIds(aId, bId) || roleIndex(aRole) - roleIndex(bRole);
}

function roleIndex(role: string): number {
  return (PARTNER_ROLES as readonly string[]).indexOf(role);
}

function canonical(partners: readonly DealPartner[]): string {
  return partners
    .map((p) => `${p.partnerId}${SEPARATOR}${p.role}${SEPARATOR}${p.splitPct ?? ''}`)
    .sort()
    .join('\n');
}

function pct(value: number | null): string {
  return value === null ? 'none' : formatPct(value);
}
