import type { AttributionInput } from './attribution-model.ts';
import { partnerList, uniqueSorted } from './attribution-model.ts';
import type { AttributionRules } from './attribution-rules.ts';

export interface PartnerInvolvement {
  involved: boolean;
  /** Why, in a fixed order: lead source, association, registration, co-sell motion. */
  reasons: string[];
  /** The lead source is one of the configured partner lead sources. */
  partnerLeadSource: boolean;
}

/**
 * Whether a deal is partner-involved (SPEC §2.1). A partner of the deal's *account* alone does not make the deal
 * partner-involved: an account-level relationship says nothing about this buying event. It only names the candidate
 * for auto-tagging once the deal is involved for another reason.
 */
export function partnerInvolvement(input: AttributionInput, rules: AttributionRules): PartnerInvolvement {
  const { deal } = input;
  const { involvement } = rules;
  const reasons: string[] = [];

  const leadSource = deal.leadSource?.trim() ?? '';
  const partnerLeadSource =
    leadSource !== '' && involvement.leadSources.some((s) => s.trim().toLowerCase() === leadSource.toLowerCase());
  if (partnerLeadSource) reasons.push(`lead source "${leadSource}"`);

  const associated = uniqueSorted([...deal.partners.map((p) => p.partnerId), ...input.unlabeledPartnerIds]);
  if (involvement.partnerAssociation && associated.length > 0) {
    reasons.push(`partner associated (${partnerList(associated, input.partnerNames)})`);
  }

  for (const status of ['approved', 'pending'] as const) {
    if (!involvement.registrationStatuses.includes(status)) continue;
    const ids = input.registrations.filter((r) => r.status === status).map((r) => r.partnerId);
    if (ids.length > 0) reasons.push(`${status} registration (${partnerList(uniqueSorted(ids), input.partnerNames)})`);
  }

  if (involvement.coSellMotion && input.hasCoSellMotion) reasons.push('co-sell motion');

  return { involved: reasons.length > 0, reasons, partnerLeadSource };
}

/** Distinct partners holding an approved registration for the deal, in id order. */
export function approvedRegistrationPartners(input: AttributionInput): string[] {
  return uniqueSorted(input.registrations.filter((r) => r.status === 'approved').map((r) => r.partnerId));
}

/** Partners associated without a role that are not also tagged (HubSpot keeps an unlabelled association per label). */
export function unlabeledPartners(input: AttributionInput): string[] {
  const tagged = new Set(input.deal.partners.map((p) => p.partnerId));
  return uniqueSorted(input.unlabeledPartnerIds.filter((id) => !tagged.has(id)));
}
