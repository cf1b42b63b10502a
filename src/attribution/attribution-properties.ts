import type { CrmPropertyValuesOf } from '../model/crm-properties.ts';
import type { Deal, DealPartner } from '../model/deal.ts';
import type { AttributionResult } from './attribution-model.ts';
import { compareIds, uniqueSorted } from './attribution-model.ts';

/**
 * The CRM property values (SPEC §4.5; Salesforce prefixes `PL_…__c`) an attribution result sets on its deal, as the
 * strings the CRM stores. Pure and deterministic, so the writer compares them with the record's current values and
 * writes only what changed. An empty string clears a property in HubSpot.
 */
export type AttributionProperties = CrmPropertyValuesOf<'attribution'>;

export function attributionProperties(result: AttributionResult, deal: Deal): AttributionProperties {
  // The values describe the deal as the writer leaves it: with the auto-tag applied.
  const partners: DealPartner[] = result.autoTag
    ? [...deal.partners, { partnerId: result.autoTag.partnerId, role: result.autoTag.role, splitPct: null }]
    : [...deal.partners];
  return {
    pl_attribution_status: result.status,
    pl_attribution_issues: result.issues.join('\n'),
    pl_sourced_partner: primarySourcedPartner(partners),
    pl_influence_partners: uniqueSorted(partners.filter((p) => p.role === 'influenced').map((p) => p.partnerId)).join(
      ';',
    ),
  };
}

/**
 * The single sourced partner: the only one, or among several the one with the strictly largest split. With no clear
 * answer (several sourced partners without splits, or tied splits) the property stays empty rather than guessing.
 */
function primarySourcedPartner(partners: readonly DealPartner[]): string {
  const sourced = partners.filter((p) => p.role === 'sourced');
  const ids = uniqueSorted(sourced.map((p) => p.partnerId));
  if (ids.length <= 1) return ids[0] ?? '';
  const ranked = [...sourced].sort(
    (a, b) => (b.splitPct ?? -1) - (a.splitPct ?? -1) || compareIds(a.partnerId, b.partnerId),
  );
  const [first, second] = ranked;
  if (!first || first.splitPct === null) return '';
  return second && second.splitPct === first.splitPct ? '' : first.partnerId;
}
