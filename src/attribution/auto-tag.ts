import type { AttributionInput, AutoTag } from './attribution-model.ts';
import { capitalize, partnerLabel, partnerList, uniqueSorted } from './attribution-model.ts';
import type { AttributionRules } from './attribution-rules.ts';
import {
  approvedRegistrationPartners,
  type PartnerInvolvement,
  partnerInvolvement,
  unlabeledPartners,
} from './partner-involvement.ts';

export type AutoTagDecision =
  | { kind: 'tag'; tag: AutoTag }
  /** Two or more candidates: never guess, the seller picks. `issue` names every candidate. */
  | { kind: 'conflict'; candidates: string[]; issue: string }
  | { kind: 'none'; reason: string };

/**
 * Tags a partner on a partner-involved deal only when the answer is unambiguous (SPEC §2.1), in this order:
 *
 * 1. Never on a frozen (closed) deal, on a deal that is not partner-involved, or on one that already has a tagged
 *    partner (the seller's tag wins; a disagreement with a registration is a conflict the engine reports).
 * 2. Approved registrations: from two or more partners → conflict; from exactly one → that partner, role `sourced`
 *    (registering the deal is what sourcing means). This applies even when partners are associated without a role.
 *    With auto-tag from registrations switched off, an approved registration still blocks the account fallback.
 * 3. Otherwise, when partners are associated without a role, nothing: the deal already names its partners and the
 *    seller gives them roles; a partner of the account is a weaker signal than one on the deal.
 * 4. A pending registration blocks the account fallback: the answer is not settled yet.
 * 5. Partners of the account: two or more → conflict; exactly one → that partner, role `sourced` when the lead source
 *    is a partner lead source (the lead came from the account's partner), else `influenced` (the partner is around
 *    the deal, but nothing says it brought it).
 */
export function decideAutoTag(
  input: AttributionInput,
  rules: AttributionRules,
  involvement: PartnerInvolvement = partnerInvolvement(input, rules),
): AutoTagDecision {
  const { deal, partnerNames } = input;
  if (deal.isClosed && rules.freezeAfterClose) return { kind: 'none', reason: 'the deal is closed and frozen' };
  if (!involvement.involved) return { kind: 'none', reason: 'the deal is not partner-involved' };
  if (deal.partners.length > 0) return { kind: 'none', reason: 'a partner is already tagged' };

  const approved = approvedRegistrationPartners(input);
  const [registered] = approved;
  if (registered !== undefined) {
    if (!rules.autoTag.fromApprovedRegistration) return { kind: 'none', reason: 'auto-tag from registrations is off' };
    if (approved.length > 1) {
      return { kind: 'conflict', candidates: approved, issue: registrationConflictIssue(approved, partnerNames) };
    }
    const reason = `${capitalize(partnerLabel(registered, partnerNames))} holds the approved registration`;
    return { kind: 'tag', tag: { partnerId: registered, role: 'sourced', reason } };
  }

  if (unlabeledPartners(input).length > 0) return { kind: 'none', reason: 'partners are associated without a role' };
  if (input.registrations.some((r) => r.status === 'pending')) {
    return { kind: 'none', reason: 'a registration is pending approval' };
  }
  if (!rules.autoTag.fromSingleAccountPartner) return { kind: 'none', reason: 'auto-tag from the account is off' };

  const candidates = uniqueSorted(input.accountPartnerIds);
  const [only] = candidates;
  if (candidates.length > 1) {
    const issue =
      `Cannot auto-tag: the account has ${candidates.length} partners (${partnerList(candidates, partnerNames)}); ` +
      'tag the one on this deal';
    return { kind: 'conflict', candidates, issue };
  }
  if (only === undefined) return { kind: 'none', reason: 'no candidate partner' };
  const role = involvement.partnerLeadSource ? 'sourced' : 'influenced';
  const why = involvement.partnerLeadSource ? ' and the lead source is a partner' : '';
  const reason = `${capitalize(partnerLabel(only, partnerNames))} is the only partner of the account${why}`;
  return { kind: 'tag', tag: { partnerId: only, role, reason } };
}

export function registrationConflictIssue(
  partnerIds: readonly string[],
  names?: Readonly<Record<string, string>>,
): string {
  return (
    `Approved registrations from ${partnerIds.length} partners (${partnerList(partnerIds, names)}); ` +
    'only one partner can hold the registration'
  );
}
