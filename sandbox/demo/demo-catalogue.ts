import type { PartnerRole } from '../../src/model/deal.ts';
import type { PropertyDefinition, PropertyGroupDefinition } from '../hubspot/properties.ts';
import { defineProperty, options } from '../hubspot/properties.ts';
import type { AttributionGapKind, DuplicateMechanism, HardNegativeType } from './anomaly-kinds.ts';

/**
 * The demo portal's fixed vocabulary, in HubSpot's own terms: regions, partner roles and their association labels,
 * the association type ids, the two pipelines, products, lead sources, loss reasons, and the custom properties and
 * groups the demo data uses; then the shape of a generated portal. No randomness here: the generator's steps
 * (demo-roster.ts, demo-deals.ts, demo-duplicates.ts) draw from these lists.
 */

export const REGIONS = ['NA', 'EMEA', 'APAC', 'LATAM'] as const;
export type Region = (typeof REGIONS)[number];

/** The partner roles are the domain's (src/model/deal.ts); the demo labels its associations with them. */
export { PARTNER_ROLES } from '../../src/model/deal.ts';
export type DemoPartnerRole = PartnerRole;

/** HubSpot-defined association type ids for deal↔company (associations v4 guide, "association type id values"). */
export const DEAL_TO_COMPANY_PRIMARY = 5;
export const DEAL_TO_COMPANY_UNLABELED = 341;
export const COMPANY_TO_DEAL_PRIMARY = 6;
export const COMPANY_TO_DEAL_UNLABELED = 342;
/** Company↔company: unlabeled (same id both ways) and HubSpot's parent/child pair (changelog 2018-09-11). */
export const COMPANY_TO_COMPANY_UNLABELED = 450;
export const PARENT_TO_CHILD_COMPANY = 13;
export const CHILD_TO_PARENT_COMPANY = 14;

/** USER_DEFINED deal→company labels for partner roles; unpaired labels use one type id in both directions. */
export const PARTNER_ROLE_LABELS: ReadonlyArray<{
  role: DemoPartnerRole;
  typeId: number;
  name: string;
  label: string;
}> = [
  { role: 'sourced', typeId: 101, name: 'sourced', label: 'Sourced' },
  { role: 'influenced', typeId: 102, name: 'influenced', label: 'Influenced' },
  { role: 'cosell', typeId: 103, name: 'cosell', label: 'Co-sell' },
  { role: 'reseller', typeId: 104, name: 'reseller', label: 'Reseller' },
  { role: 'referral', typeId: 105, name: 'referral', label: 'Referral' },
];

export interface DemoStage {
  id: string;
  label: string;
  displayOrder: number;
  probability: number;
  isClosed: boolean;
  isWon: boolean;
}

export interface DemoPipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: DemoStage[];
}

export const DEMO_PIPELINES: readonly DemoPipeline[] = [
  {
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    stages: [
      {
        id: 'appointmentscheduled',
        label: 'Appointment Scheduled',
        displayOrder: 0,
        probability: 0.2,
        isClosed: false,
        isWon: false,
      },
      {
        id: 'qualifiedtobuy',
        label: 'Qualified To Buy',
        displayOrder: 1,
        probability: 0.4,
        isClosed: false,
        isWon: false,
      },
      {
        id: 'presentationscheduled',
        label: 'Presentation Scheduled',
        displayOrder: 2,
        probability: 0.6,
        isClosed: false,
        isWon: false,
      },
      {
        id: 'decisionmakerboughtin',
        label: 'Decision Maker Bought-In',
        displayOrder: 3,
        probability: 0.8,
        isClosed: false,
        isWon: false,
      },
      { id: 'contractsent', label: 'Contract Sent', displayOrder: 4, probability: 0.9, isClosed: false, isWon: false },
      { id: 'closedwon', label: 'Closed Won', displayOrder: 5, probability: 1, isClosed: true, isWon: true },
      { id: 'closedlost', label: 'Closed Lost', displayOrder: 6, probability: 0, isClosed: true, isWon: false },
    ],
  },
  {
    id: 'partner',
    label: 'Partner Pipeline',
    displayOrder: 1,
    stages: [
      {
        id: 'partner_registered',
        label: 'Registered',
        displayOrder: 0,
        probability: 0.1,
        isClosed: false,
        isWon: false,
      },
      { id: 'partner_qualified', label: 'Qualified', displayOrder: 1, probability: 0.3, isClosed: false, isWon: false },
      {
        id: 'partner_proposal',
        label: 'Joint Proposal',
        displayOrder: 2,
        probability: 0.6,
        isClosed: false,
        isWon: false,
      },
      {
        id: 'partner_negotiation',
        label: 'Negotiation',
        displayOrder: 3,
        probability: 0.8,
        isClosed: false,
        isWon: false,
      },
      { id: 'partner_closedwon', label: 'Closed Won', displayOrder: 4, probability: 1, isClosed: true, isWon: true },
      { id: 'partner_closedlost', label: 'Closed Lost', displayOrder: 5, probability: 0, isClosed: true, isWon: false },
    ],
  },
];

export const PRODUCTS: ReadonlyArray<readonly [value: string, label: string]> = [
  ['core_platform', 'Core Platform'],
  ['analytics', 'Analytics'],
  ['integrations_hub', 'Integrations Hub'],
  ['security_suite', 'Security Suite'],
  ['data_cloud', 'Data Cloud'],
  ['support_plus', 'Support Plus'],
];

export const LEAD_SOURCES: ReadonlyArray<readonly [value: string, label: string]> = [
  ['partner', 'Partner'],
  ['inbound', 'Inbound'],
  ['outbound', 'Outbound'],
  ['event', 'Event'],
  ['web', 'Web'],
  ['customer_referral', 'Customer Referral'],
];

export const LOSS_REASONS = ['Price', 'Competitor', 'No decision', 'Timing', 'Product fit', 'Budget cut'] as const;

/** Portal-defined (custom) properties the demo data uses, plus the two partner flags of SPEC §4.5. */
export function demoCustomProperties(): { deals: PropertyDefinition[]; companies: PropertyDefinition[] } {
  const regionOptions = options(REGIONS.map((region) => [region, region] as const));
  return {
    deals: [
      defineProperty({
        name: 'lead_source',
        label: 'Lead Source',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'dealinformation',
        options: options(LEAD_SOURCES),
      }),
      defineProperty({
        name: 'region',
        label: 'Region',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'dealinformation',
        options: regionOptions,
      }),
      defineProperty({
        name: 'products',
        label: 'Products',
        type: 'enumeration',
        fieldType: 'checkbox',
        groupName: 'dealinformation',
        options: options(PRODUCTS),
      }),
      defineProperty({
        name: 'partner_registration_id',
        label: 'Partner registration ID',
        type: 'string',
        fieldType: 'text',
        groupName: 'dealinformation',
      }),
      defineProperty({
        name: 'partner_registration_status',
        label: 'Partner registration status',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'dealinformation',
        options: options([
          ['pending', 'Pending'],
          ['approved', 'Approved'],
          ['rejected', 'Rejected'],
        ]),
      }),
      defineProperty({
        name: 'partner_registration_partner_id',
        label: 'Registering partner (company ID)',
        type: 'string',
        fieldType: 'text',
        groupName: 'dealinformation',
      }),
      defineProperty({
        name: 'partner_registration_date',
        label: 'Partner registration date',
        type: 'date',
        fieldType: 'date',
        groupName: 'dealinformation',
      }),
    ],
    companies: [
      defineProperty({
        name: 'region',
        label: 'Region',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'companyinformation',
        options: regionOptions,
      }),
      defineProperty({
        name: 'pl_is_partner',
        label: 'Is partner',
        type: 'bool',
        fieldType: 'booleancheckbox',
        groupName: 'partnerloop',
        options: options([
          ['true', 'Yes'],
          ['false', 'No'],
        ]),
      }),
      defineProperty({
        name: 'pl_partner_type',
        label: 'Partner type',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'partnerloop',
        options: options([
          ['named', 'Named'],
          ['self_serve', 'Self-serve'],
        ]),
      }),
    ],
  };
}

export function demoCustomGroups(): { deals: PropertyGroupDefinition[]; companies: PropertyGroupDefinition[] } {
  const partnerloop = { name: 'partnerloop', label: 'PartnerLoop', displayOrder: 1, archived: false };
  return { deals: [], companies: [partnerloop] };
}

/** How companies (partners and customers) spread over the regions. */
export const REGION_WEIGHTS: ReadonlyArray<readonly [Region, number]> = [
  ['NA', 0.45],
  ['EMEA', 0.3],
  ['APAC', 0.17],
  ['LATAM', 0.08],
];
/** How partner registrations on sourced deals stand. */
export const REGISTRATION_STATUS: ReadonlyArray<readonly [string, number]> = [
  ['approved', 0.7],
  ['pending', 0.2],
  ['rejected', 0.1],
];

// --- the portal's shape ---------------------------------------------------------------------------------------------

export interface DemoRecord {
  id: string;
  /** HubSpot property values: always strings; absent = no value. */
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface DemoOwner {
  id: string;
  userId: number;
  email: string;
  firstName: string;
  lastName: string;
  region: Region;
  /** How likely this seller records a partner's role (0 = never labels, the "inactive seller"). */
  partnerAffinity: number;
}

export interface DemoAssociation {
  dealId: string;
  companyId: string;
  typeIds: number[];
}

export interface DemoPortal {
  portalId: number;
  asOf: string;
  owners: DemoOwner[];
  pipelines: readonly DemoPipeline[];
  companies: DemoRecord[];
  deals: DemoRecord[];
  associations: DemoAssociation[];
  truth: DemoTruth;
}

/** What the generator planted, for tests and benchmarks to check the engines against. */
export interface DemoTruth {
  partnerIds: string[];
  customerIds: string[];
  /** Clusters of deal ids that are the same buying event (first id = the original). */
  duplicates: Array<{ ids: string[]; kind: DuplicateMechanism }>;
  /** Pairs that look alike but must not be merged. */
  hardNegatives: Array<{ ids: [string, string]; kind: HardNegativeType }>;
  attributionGaps: Array<{ dealId: string; kind: AttributionGapKind }>;
  /** As of the as-of day: partners quiet for over 90 days or never producing (dormant), or down to a trickle. */
  dormantPartnerIds: string[];
  decayingPartnerIds: string[];
}
