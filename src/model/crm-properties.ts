import { ATTRIBUTION_STATUSES } from './attribution.ts';
import { AGING_COSELL_STATUSES, COSELL_STATUSES } from './cosell.ts';
import { DEDUPE_STATUSES } from './dedupe.ts';
import { PARTNER_TIERS, PARTNER_TYPES } from './partner.ts';
import { ROSTER_ACTIONS } from './roster-action.ts';

/**
 * The catalogue of CRM properties PartnerLoop provisions and writes (SPEC §4.5), declared once: HubSpot's property
 * definitions (`src/crm/hubspot/hubspot-provisioning.ts`) and every writer's list of the properties it owns derive
 * from it. Names are HubSpot internal names (group `partnerloop`); Salesforce uses the same names as `PL_…__c`.
 * The order is the display order in the CRM, and the order writers read and write their properties in.
 */

/** The record a property sits on: the deal, or the partner (a company with `pl_is_partner = true`). */
export type CrmPropertyObject = 'deal' | 'partner';

/**
 * What a property holds, CRM-neutral: `text` one line, `long_text` several, `number`, `date` (a day), `choice` one
 * of `options`, `flag` true/false. The CRM adapters map these to their own types.
 */
export type CrmPropertyKind = 'text' | 'long_text' | 'number' | 'date' | 'choice' | 'flag';

/** The part of PartnerLoop that writes a property; null = provisioned for people to set, PartnerLoop only reads it. */
export type CrmPropertyWriter = 'attribution' | 'dedupe' | 'deal_fit' | 'cosell' | 'cloud' | 'partner_score' | 'roster';

export interface CrmPropertyOption {
  value: string;
  label: string;
}

export interface CrmPropertyDefinition {
  name: `pl_${string}`;
  object: CrmPropertyObject;
  writer: CrmPropertyWriter | null;
  kind: CrmPropertyKind;
  label: string;
  description: string;
  /** The values of a `choice`, in display order. */
  options?: readonly CrmPropertyOption[];
}

function humanize(value: string): string {
  const words = value.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Options from a list of values, labelled by `humanize` unless `labels` says otherwise. */
function choices(values: readonly string[], labels: Readonly<Record<string, string>> = {}): CrmPropertyOption[] {
  return values.map((value) => ({ value, label: labels[value] ?? humanize(value) }));
}

const COSELL_STATUS_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(AGING_COSELL_STATUSES).map(([state, aging]) => [aging, `${humanize(state)} (aging)`]),
);

export const CRM_PROPERTIES = [
  // --- deal ---------------------------------------------------------------------------------------------------
  {
    name: 'pl_attribution_status',
    object: 'deal',
    writer: 'attribution',
    kind: 'choice',
    label: 'Attribution status',
    description: 'Whether partner attribution on this deal is complete (PartnerLoop).',
    options: choices(ATTRIBUTION_STATUSES, { not_partner_involved: 'Not partner-involved' }),
  },
  {
    name: 'pl_attribution_issues',
    object: 'deal',
    writer: 'attribution',
    kind: 'long_text',
    label: 'Attribution issues',
    description: 'What is missing or wrong in this deal’s partner attribution (PartnerLoop).',
  },
  {
    name: 'pl_sourced_partner',
    object: 'deal',
    writer: 'attribution',
    kind: 'text',
    label: 'Sourced partner',
    description: 'Company record id of the partner that sourced this deal.',
  },
  {
    name: 'pl_influence_partners',
    object: 'deal',
    writer: 'attribution',
    kind: 'text',
    label: 'Influencing partners',
    description: 'Company record ids of the partners that influenced this deal, separated by semicolons.',
  },
  {
    name: 'pl_duplicate_of',
    object: 'deal',
    writer: 'dedupe',
    kind: 'text',
    label: 'Duplicate of',
    description: 'Record id of the deal this one duplicates (the surviving record).',
  },
  {
    name: 'pl_duplicate_confidence',
    object: 'deal',
    writer: 'dedupe',
    kind: 'number',
    label: 'Duplicate confidence',
    description: 'Confidence (0–1) that this deal is a duplicate.',
  },
  {
    name: 'pl_dedupe_status',
    object: 'deal',
    writer: 'dedupe',
    kind: 'choice',
    label: 'Duplicate status',
    description: 'Whether PartnerLoop sees this deal as a duplicate.',
    options: choices(DEDUPE_STATUSES, { not_duplicate: 'Not a duplicate' }),
  },
  {
    name: 'pl_partner_fit_score',
    object: 'deal',
    writer: 'deal_fit',
    kind: 'number',
    label: 'Partner fit score',
    description: 'Fit (0–100) of the best partner for this deal.',
  },
  {
    name: 'pl_next_best_partner',
    object: 'deal',
    writer: 'deal_fit',
    kind: 'text',
    label: 'Next best partner',
    description: 'Company record id of the partner most likely to win this deal.',
  },
  {
    name: 'pl_cosell_status',
    object: 'deal',
    writer: 'cosell',
    kind: 'choice',
    label: 'Co-sell status',
    description:
      'State of the deal’s co-sell motion, flagged “aging” when it waits past most of its SLA (PartnerLoop).',
    options: choices(COSELL_STATUSES, COSELL_STATUS_LABELS),
  },
  {
    name: 'pl_cloud_status',
    object: 'deal',
    writer: 'cloud',
    kind: 'text',
    label: 'Cloud co-sell status',
    description:
      'Where this deal stands with each cloud co-sell programme, e.g. "aws:Approved/Prospect; microsoft:Active/Accepted".',
  },
  {
    name: 'pl_aws_opportunity_id',
    object: 'deal',
    writer: 'cloud',
    kind: 'text',
    label: 'AWS opportunity id',
    description: 'The AWS Partner Central (ACE) opportunity this deal is co-sold as.',
  },
  {
    name: 'pl_microsoft_referral_id',
    object: 'deal',
    writer: 'cloud',
    kind: 'text',
    label: 'Microsoft referral id',
    description: 'The Microsoft Partner Center referral this deal is co-sold as.',
  },
  // --- partner (company) --------------------------------------------------------------------------------------
  {
    name: 'pl_is_partner',
    object: 'partner',
    writer: null,
    kind: 'flag',
    label: 'Is partner',
    description: 'Whether this company is a partner (PartnerLoop).',
  },
  {
    name: 'pl_partner_type',
    object: 'partner',
    writer: 'partner_score',
    kind: 'choice',
    label: 'Partner type',
    description: 'Named or self-serve partner.',
    options: choices(PARTNER_TYPES, { self_serve: 'Self-serve' }),
  },
  {
    name: 'pl_partner_score',
    object: 'partner',
    writer: 'partner_score',
    kind: 'number',
    label: 'Partner score',
    description: 'Partner yield score, 0–100.',
  },
  {
    name: 'pl_partner_tier',
    object: 'partner',
    writer: 'partner_score',
    kind: 'choice',
    label: 'Partner tier',
    description: 'Tier from the partner score and track record.',
    options: choices(PARTNER_TIERS, { long_tail: 'Long tail' }),
  },
  {
    name: 'pl_win_rate',
    object: 'partner',
    writer: 'partner_score',
    kind: 'number',
    label: 'Partner win rate',
    description: 'Win rate corrected for small samples, as a fraction (0–1).',
  },
  {
    name: 'pl_won_revenue',
    object: 'partner',
    writer: 'partner_score',
    kind: 'number',
    label: 'Partner won revenue',
    description: 'Revenue of won deals with this partner.',
  },
  {
    name: 'pl_avg_deal_size',
    object: 'partner',
    writer: 'partner_score',
    kind: 'number',
    label: 'Partner average deal size',
    description: 'Average amount of won deals with this partner.',
  },
  {
    name: 'pl_open_pipeline',
    object: 'partner',
    writer: 'partner_score',
    kind: 'number',
    label: 'Partner open pipeline',
    description: 'Amount of open deals with this partner.',
  },
  {
    name: 'pl_last_opportunity_date',
    object: 'partner',
    writer: 'partner_score',
    kind: 'date',
    label: 'Partner last opportunity',
    description: 'Day of the partner’s latest opportunity.',
  },
  {
    name: 'pl_dormant',
    object: 'partner',
    writer: 'partner_score',
    kind: 'flag',
    label: 'Dormant partner',
    description: 'No new opportunity within the dormancy window (decay is reported by the service).',
  },
  {
    name: 'pl_roster_action',
    object: 'partner',
    writer: 'roster',
    kind: 'choice',
    label: 'Roster action',
    description:
      'What the partnership operator decided for this partner in the PartnerLoop operator home: re-engage or archive.',
    options: choices(ROSTER_ACTIONS, { reengage: 'Re-engage' }),
  },
] as const satisfies readonly CrmPropertyDefinition[];

type CatalogueEntry = (typeof CRM_PROPERTIES)[number];

/** Every property name of the catalogue. */
export type CrmPropertyName = CatalogueEntry['name'];

/** The names a writer owns, e.g. `CrmPropertyNameOf<'dedupe'>` = `'pl_duplicate_of' | …`. */
export type CrmPropertyNameOf<W extends CrmPropertyWriter> = Extract<CatalogueEntry, { writer: W }>['name'];

/** The values a writer sets, as the strings the CRM stores (an empty string clears a property in HubSpot). */
export type CrmPropertyValuesOf<W extends CrmPropertyWriter> = Record<CrmPropertyNameOf<W>, string>;

/** The properties on one kind of record, in catalogue order. */
export function crmPropertiesOf(object: CrmPropertyObject): readonly CrmPropertyDefinition[] {
  return CRM_PROPERTIES.filter((property) => property.object === object);
}

/** The names a writer owns, in catalogue order: what it reads to diff against and what it writes. */
export function crmPropertyNamesOf<W extends CrmPropertyWriter>(writer: W): readonly CrmPropertyNameOf<W>[] {
  return CRM_PROPERTIES.filter((property) => property.writer === writer).map(
    (property) => property.name as CrmPropertyNameOf<W>,
  );
}

/** The one property a single-property writer owns (`pl_cosell_status`, `pl_roster_action`). */
export function crmPropertyNameOf<W extends CrmPropertyWriter>(writer: W): CrmPropertyNameOf<W> {
  const [name, ...others] = crmPropertyNamesOf(writer);
  if (name === undefined || others.length > 0) {
    throw new Error(
      `the ${writer} writer owns ${others.length + (name === undefined ? 0 : 1)} CRM properties, not one`,
    );
  }
  return name;
}
