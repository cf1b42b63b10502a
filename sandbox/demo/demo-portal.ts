import { mulberry32, RandomSource } from '../../src/shared/seeded-random.ts';
import type { PropertyDefinition, PropertyGroupDefinition } from '../hubspot/properties.ts';
import { defineProperty, options } from '../hubspot/properties.ts';
import {
  closeTiming,
  DAY_MS as DAY,
  HISTORY_DAYS,
  PARTNER_SHARE,
  PartnerCalendar,
  type PartnerHistory,
  type PartnerPhase,
  partnerHistory,
  partnerStateAt,
  SEGMENT_AMOUNT,
  SEGMENT_MIX,
  SELLER_HABITS,
  type Segment,
  sampleCreatedAt,
  sellerAffinity,
  WinDraw,
  winProbability,
} from './demo-history.ts';

/**
 * A believable partner-operations portal, generated from a seed. Pure: same options → same portal, no clock, no I/O,
 * so the sandbox, tests and benchmarks (and the dedupe/scoring generators) can share it.
 *
 * What is in it, in HubSpot's own vocabulary:
 * - companies: partner companies (`pl_is_partner=true`, `pl_partner_type` named | self_serve, a `region`) and
 *   customer companies with domains; a few namesakes and subsidiaries (hard negatives for dedupe);
 * - owners (sellers) across regions, each with a habit of tagging partners or not;
 * - deals over two pipelines with amounts, close dates, `lead_source` (incl. "partner"), `dealtype`
 *   (newbusiness / existingbusiness = expansion / renewal / churn), `products` (multi-select, `;`-separated),
 *   partner registrations (`partner_registration_*`), loss reasons (sometimes blank) and churn coded as won;
 * - deal→company associations: the customer (primary + unlabeled) and partners with a role label
 *   (sourced / influenced / cosell / reseller / referral) — or unlabeled when the seller did not say;
 * - duplicates of four kinds and hard negatives, with the truth kept in `truth` for tests and benchmarks;
 * - nine quarters of history that make the Operator OS metrics believable (partners ramping up and fading, regional
 *   seller habits, a confounded partner lift): the decisions live in demo-history.ts.
 */

export const REGIONS = ['NA', 'EMEA', 'APAC', 'LATAM'] as const;
export type Region = (typeof REGIONS)[number];

export const PARTNER_ROLES = ['sourced', 'influenced', 'cosell', 'reseller', 'referral'] as const;
export type DemoPartnerRole = (typeof PARTNER_ROLES)[number];

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

const LOSS_REASONS = ['Price', 'Competitor', 'No decision', 'Timing', 'Product fit', 'Budget cut'] as const;

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

export type DuplicateKind = 'reentry' | 'double_registration' | 'registration_conflict' | 'import_copy';
export type HardNegativeKind =
  | 'renewal_other_year'
  | 'different_product'
  | 'repeat_expansion'
  | 'namesake_company'
  | 'subsidiary';
export type AttributionGapKind = 'missing_partner' | 'missing_role';

export interface DemoPortal {
  portalId: number;
  asOf: string;
  owners: DemoOwner[];
  pipelines: readonly DemoPipeline[];
  companies: DemoRecord[];
  deals: DemoRecord[];
  associations: DemoAssociation[];
  truth: {
    partnerIds: string[];
    customerIds: string[];
    /** Clusters of deal ids that are the same buying event (first id = the original). */
    duplicates: Array<{ ids: string[]; kind: DuplicateKind }>;
    /** Pairs that look alike but must not be merged. */
    hardNegatives: Array<{ ids: [string, string]; kind: HardNegativeKind }>;
    attributionGaps: Array<{ dealId: string; kind: AttributionGapKind }>;
    /** As of the as-of day: partners quiet for over 90 days or never producing (dormant), or down to a trickle. */
    dormantPartnerIds: string[];
    decayingPartnerIds: string[];
  };
}

export interface DemoPortalOptions {
  seed?: number;
  /** Number of deals (default 3,000). Scales to 100k+ in a few seconds. */
  deals?: number;
  portalId?: number;
  /** The day the portal is observed (YYYY-MM-DD); history spans the 820 days before it (demo-history.ts). */
  asOf?: string;
}

export const DEMO_PORTAL_DEFAULTS = { seed: 42, deals: 3_000, portalId: 48_151_623, asOf: '2026-06-30' } as const;

const FIRST_COMPANY_ID = 20_000_000_001;
const FIRST_DEAL_ID = 30_000_000_001;

const NAME_HEADS = [
  'Blue',
  'North',
  'Bright',
  'Iron',
  'Silver',
  'Quantum',
  'Atlas',
  'Nova',
  'Pine',
  'Summit',
  'Harbor',
  'Cedar',
  'Vertex',
  'Orbit',
  'Lumen',
  'Granite',
  'Falcon',
  'Maple',
  'River',
  'Stone',
  'Crimson',
  'Golden',
  'Polar',
  'Echo',
  'Sterling',
  'Aurora',
  'Beacon',
  'Cobalt',
  'Delta',
  'Ember',
  'Frontier',
  'Glacier',
  'Horizon',
  'Indigo',
  'Juniper',
  'Keystone',
  'Lighthouse',
  'Meridian',
  'Northwind',
  'Oakridge',
  'Pioneer',
  'Redwood',
  'Sapphire',
  'Tidal',
  'Union',
  'Vanguard',
  'Willow',
  'Zenith',
  'Alder',
  'Birch',
  'Canyon',
  'Dune',
  'Evergreen',
  'Fjord',
  'Helix',
  'Ivory',
  'Jade',
  'Kestrel',
  'Lynx',
  'Mosaic',
] as const;
const NAME_MIDDLES = [
  '',
  '',
  '',
  '',
  'Bay',
  'Ridge',
  'Valley',
  'Point',
  'Field',
  'Peak',
  'Creek',
  'Lake',
  'Park',
  'Gate',
  'Hill',
  'Brook',
  'Coast',
  'Port',
  'Cross',
  'Mill',
  'Spring',
  'Wood',
  'Shore',
  'Rock',
  'Grove',
  'Haven',
  'Crest',
  'Forge',
  'Line',
  'Path',
  'Bridge',
] as const;
const NAME_TAILS = [
  'Labs',
  'Systems',
  'Logistics',
  'Health',
  'Foods',
  'Analytics',
  'Dynamics',
  'Works',
  'Networks',
  'Software',
  'Energy',
  'Capital',
  'Retail',
  'Robotics',
  'Media',
  'Biotech',
  'Motors',
  'Textiles',
  'Security',
  'Insurance',
  'Pharma',
  'Freight',
  'Studios',
  'Materials',
  'Telecom',
  'Hospitality',
  'Aerospace',
  'Agritech',
  'Fintech',
  'Clinics',
  'Learning',
  'Foods Group',
  'Manufacturing',
  'Holdings',
  'Travel',
  'Apparel',
  'Utilities',
  'Devices',
  'Games',
  'Legal',
] as const;
const PARTNER_TAILS = [
  'Consulting',
  'Solutions',
  'Group',
  'Advisors',
  'Digital',
  'Integrators',
  'Cloud Partners',
  'Systems Integration',
  'Resellers',
  'Technologies',
  'Services',
  'Partners',
] as const;
const SUFFIXES: Readonly<Record<Region, readonly string[]>> = {
  NA: ['Inc.', 'LLC', 'Corp.', 'Inc.', ''],
  EMEA: ['GmbH', 'Ltd', 'SA', 'BV', 'AG', 'SAS', 'plc'],
  APAC: ['Pty Ltd', 'Pte. Ltd.', 'K.K.', 'Ltd', 'Limited'],
  LATAM: ['S.A.', 'Ltda.', 'S.A. de C.V.', 'SpA'],
};
const TLDS: Readonly<Record<Region, readonly string[]>> = {
  NA: ['com', 'com', 'io', 'co'],
  EMEA: ['de', 'co.uk', 'fr', 'nl', 'com', 'eu'],
  APAC: ['com.au', 'sg', 'co.jp', 'com', 'co.nz'],
  LATAM: ['com.br', 'mx', 'cl', 'com'],
};
const COUNTRIES: Readonly<Record<Region, readonly string[]>> = {
  NA: ['United States', 'United States', 'Canada'],
  EMEA: ['Germany', 'United Kingdom', 'France', 'Netherlands', 'Spain', 'Sweden'],
  APAC: ['Australia', 'Singapore', 'Japan', 'New Zealand', 'India'],
  LATAM: ['Brazil', 'Mexico', 'Chile', 'Colombia'],
};
const INDUSTRIES = ['Technology', 'Healthcare', 'Retail', 'Manufacturing', 'Financial Services', 'Logistics', 'Media'];
const FIRST_NAMES = [
  'Ava',
  'Liam',
  'Noah',
  'Mia',
  'Sofia',
  'Lucas',
  'Emma',
  'Mateo',
  'Hana',
  'Kenji',
  'Priya',
  'Arjun',
  'Chloe',
  'Jonas',
  'Lena',
  'Omar',
  'Fatima',
  'Diego',
  'Camila',
  'Ethan',
  'Zoe',
  'Ivan',
  'Elena',
  'Marco',
  'Yuki',
  'Grace',
] as const;
const LAST_NAMES = [
  'Smith',
  'Garcia',
  'Müller',
  'Rossi',
  'Tanaka',
  'Patel',
  'Johnson',
  'Dubois',
  'Silva',
  'Kowalski',
  'Nguyen',
  'Andersen',
  'Okafor',
  'Haddad',
  'Chen',
  'Brown',
  'Santos',
  'Schmidt',
  'Lopez',
  'Kim',
  "O'Brien",
  'Novak',
] as const;

interface Company {
  record: DemoRecord;
  region: Region;
  short: string;
}

interface PartnerProfile {
  /** Position in the roster (and in the partner calendar). */
  index: number;
  company: Company;
  named: boolean;
  weight: number;
  history: PartnerHistory;
}

interface DealDraft {
  record: DemoRecord;
  customer: Company;
  segment: Segment;
  partners: Array<{ partner: PartnerProfile; role: DemoPartnerRole | null }>;
}

export function generateDemoPortal(options: DemoPortalOptions = {}): DemoPortal {
  const seed = options.seed ?? DEMO_PORTAL_DEFAULTS.seed;
  const dealCount = Math.max(0, Math.floor(options.deals ?? DEMO_PORTAL_DEFAULTS.deals));
  const portalId = options.portalId ?? DEMO_PORTAL_DEFAULTS.portalId;
  const asOf = options.asOf ?? DEMO_PORTAL_DEFAULTS.asOf;
  const asOfMs = Date.parse(`${asOf}T00:00:00.000Z`);
  if (Number.isNaN(asOfMs)) throw new Error(`asOf must be a date YYYY-MM-DD, got "${asOf}"`);
  const historyStart = asOfMs - HISTORY_DAYS * DAY;
  const dice = new RandomSource(mulberry32(seed));

  let nextCompanyId = FIRST_COMPANY_ID;
  let nextDealId = FIRST_DEAL_ID;
  let nextRegistration = 10_001;
  const companies: DemoRecord[] = [];
  const deals: DemoRecord[] = [];
  const associations: DemoAssociation[] = [];
  const truth: DemoPortal['truth'] = {
    partnerIds: [],
    customerIds: [],
    duplicates: [],
    hardNegatives: [],
    attributionGaps: [],
    dormantPartnerIds: [],
    decayingPartnerIds: [],
  };
  const usedNames = new Set<string>();

  // --- owners -------------------------------------------------------------------------------------------------
  const ownerCount = clamp(Math.round(dealCount / 150), 8, 120);
  const owners: DemoOwner[] = [];
  for (let i = 0; i < ownerCount; i++) {
    const firstName = dice.pick(FIRST_NAMES);
    const lastName = dice.pick(LAST_NAMES);
    const regionIndex = i % REGIONS.length;
    const region = REGIONS[regionIndex] ?? 'NA';
    const sellersInRegion = Math.floor((ownerCount - regionIndex - 1) / REGIONS.length) + 1;
    owners.push({
      id: String(70_000_001 + i),
      userId: 9_000_001 + i,
      email: `${slug(firstName)}.${slug(lastName)}${i}@demo-vendor.example`,
      firstName,
      lastName,
      region,
      // Habits differ by region (EMEA sellers work with partners, most APAC sellers do not): activation by region.
      partnerAffinity: sellerAffinity(dice, region, Math.floor(i / REGIONS.length), sellersInRegion),
    });
  }
  const ownersByRegion = new Map<Region, DemoOwner[]>(REGIONS.map((region) => [region, []]));
  for (const owner of owners) ownersByRegion.get(owner.region)?.push(owner);

  // --- companies ----------------------------------------------------------------------------------------------
  const newCompanyRecord = (properties: Record<string, string>, createdAt: number): DemoRecord => {
    const id = String(nextCompanyId++);
    const record: DemoRecord = {
      id,
      properties: {
        ...properties,
        createdate: iso(createdAt),
        hs_lastmodifieddate: iso(createdAt),
        hs_object_id: id,
      },
      createdAt,
      updatedAt: createdAt,
    };
    companies.push(record);
    return record;
  };

  const uniqueName = (make: () => string): string => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const candidate = make();
      if (!usedNames.has(candidate)) {
        usedNames.add(candidate);
        return candidate;
      }
    }
    let counter = 2;
    const base = make();
    while (usedNames.has(`${base} ${counter}`)) counter++;
    const name = `${base} ${counter}`;
    usedNames.add(name);
    return name;
  };

  const partnerCount = clamp(Math.round(dealCount / 80), 12, 600);
  const partners: PartnerProfile[] = [];
  for (let i = 0; i < partnerCount; i++) {
    const region = dice.weighted(REGION_WEIGHTS);
    const short = uniqueName(() => `${dice.pick(NAME_HEADS)} ${dice.pick(PARTNER_TAILS)}`);
    const named = i < Math.max(3, Math.round(partnerCount * 0.18));
    const phase: PartnerPhase = named
      ? // Named partners mostly hold up; a few fade, now or earlier (the re-engagement list).
        ((['steady', 'fading_now', 'steady', 'faded', 'fading_now', 'steady'] as const)[i % 6] ?? 'steady')
      : dice.weighted<PartnerPhase>([
          ['steady', 0.35],
          ['silent', 0.3],
          ['faded', 0.25],
          ['fading_now', 0.1],
        ]);
    const history = partnerHistory(dice, { named, phase, historyStart, asOfMs });
    const record = newCompanyRecord(
      {
        name: `${short} ${dice.pick(SUFFIXES[region])}`.trim(),
        domain: `${slug(short)}.${dice.pick(TLDS[region])}`,
        country: dice.pick(COUNTRIES[region]),
        industry: 'Professional Services',
        region,
        pl_is_partner: 'true',
        pl_partner_type: named ? 'named' : 'self_serve',
      },
      history.registeredAt,
    );
    const profile: PartnerProfile = {
      index: i,
      company: { record, region, short },
      named,
      weight: named ? 8 + dice.next() * 8 : 0.5 + dice.next() * 1.5,
      history,
    };
    partners.push(profile);
    truth.partnerIds.push(record.id);
    const state = partnerStateAt(history, asOfMs);
    if (state.dormant) truth.dormantPartnerIds.push(record.id);
    if (state.decaying) truth.decayingPartnerIds.push(record.id);
  }
  const calendar = new PartnerCalendar(partners, historyStart, asOfMs);
  const wins = new WinDraw(dice);

  const customerCount = clamp(Math.round(dealCount / 4), 20, 1_000_000);
  const customers: Company[] = [];
  const lookalikes: Array<{ original: Company; twin: Company; kind: 'namesake_company' | 'subsidiary' }> = [];
  const newCustomer = (region: Region, short: string, domainBase: string, createdAt: number): Company => {
    const record = newCompanyRecord(
      {
        name: `${short} ${dice.pick(SUFFIXES[region])}`.trim(),
        domain: `${domainBase}.${dice.pick(TLDS[region])}`,
        country: dice.pick(COUNTRIES[region]),
        industry: dice.pick(INDUSTRIES),
        region,
      },
      createdAt,
    );
    truth.customerIds.push(record.id);
    return { record, region, short };
  };
  for (let i = 0; i < customerCount; i++) {
    const region = dice.weighted(REGION_WEIGHTS);
    const short = uniqueName(
      () => `${dice.pick(NAME_HEADS)}${suffixWord(dice.pick(NAME_MIDDLES))} ${dice.pick(NAME_TAILS)}`,
    );
    // The book of business was imported before the history starts: a customer exists before its first deal.
    const createdAt = historyStart - dice.int(30, 600) * DAY;
    const customer = newCustomer(region, short, slug(short), createdAt);
    customers.push(customer);
    // Hard negatives among companies: a namesake on another domain, a subsidiary with its own domain.
    const lookalike = dice.next();
    if (lookalike < 0.01) {
      const otherRegion = dice.pick(REGIONS.filter((r) => r !== region));
      const twin = newCustomer(otherRegion, short, `${slug(short)}-${slug(otherRegion)}`, createdAt + 30 * DAY);
      customers.push(twin);
      lookalikes.push({ original: customer, twin, kind: 'namesake_company' });
    } else if (lookalike < 0.02) {
      const subsidiary = `${short} ${dice.pick(['Deutschland', 'Japan', 'UK', 'Brasil', 'Nordics'])}`;
      usedNames.add(subsidiary);
      const twin = newCustomer(dice.pick(REGIONS), subsidiary, slug(subsidiary), createdAt + 60 * DAY);
      customers.push(twin);
      lookalikes.push({ original: customer, twin, kind: 'subsidiary' });
    }
  }

  // --- deals --------------------------------------------------------------------------------------------------
  const drafts: DealDraft[] = [];

  const pickOwner = (region: Region): DemoOwner => {
    const local = ownersByRegion.get(region) ?? [];
    // Sellers work their own region's territory (a region without sellers falls back to anyone).
    return dice.pick(local.length > 0 ? local : owners);
  };

  const pickPartner = (at: number, exclude?: PartnerProfile): PartnerProfile | undefined => {
    const index = calendar.pick(dice, at, exclude?.index);
    return index === undefined ? undefined : partners[index];
  };

  const addDeal = (draft: DealDraft): DealDraft => {
    drafts.push(draft);
    deals.push(draft.record);
    associations.push({
      dealId: draft.record.id,
      companyId: draft.customer.record.id,
      typeIds: [DEAL_TO_COMPANY_PRIMARY, DEAL_TO_COMPANY_UNLABELED],
    });
    for (const { partner, role } of draft.partners) {
      const label = role ? PARTNER_ROLE_LABELS.find((entry) => entry.role === role) : undefined;
      associations.push({
        dealId: draft.record.id,
        companyId: partner.company.record.id,
        typeIds: label ? [DEAL_TO_COMPANY_UNLABELED, label.typeId] : [DEAL_TO_COMPANY_UNLABELED],
      });
    }
    return draft;
  };

  interface FreshDealInput {
    customer: Company;
    createdAt: number;
    dealtype?: string;
    products?: string[];
    owner?: DemoOwner;
    segment?: Segment;
  }

  const freshDeal = (input: FreshDealInput): DealDraft => {
    const { customer, createdAt } = input;
    const segment = input.segment ?? dice.weighted(SEGMENT_MIX);
    const owner = input.owner ?? pickOwner(customer.region);
    const dealtype =
      input.dealtype ??
      dice.weighted([
        ['newbusiness', 0.55],
        ['existingbusiness', 0.22],
        ['renewal', 0.18],
        ['churn', 0.05],
      ]);
    const products = input.products ?? pickProducts(dice);
    // Partners bring deals in proportion to the roster's strength that day: the programme's volume grows with it.
    const capacity = calendar.capacity(createdAt);
    const leadSource = dice.weighted<string | null>([
      ['partner', PARTNER_SHARE[segment] * 0.9 * capacity],
      ['inbound', 0.25],
      ['outbound', 0.2],
      ['event', 0.1],
      ['web', 0.13],
      ['customer_referral', 0.05],
      [null, 0.04],
    ]);

    // Partners: sourced when the lead came from one (sometimes not recorded: a gap), otherwise influence of some kind.
    const attached: Array<{ partner: PartnerProfile; role: DemoPartnerRole | null }> = [];
    const partnerLed = leadSource === 'partner';
    let gap: AttributionGapKind | null = null;
    if (partnerLed) {
      const partner = dice.chance(0.88) ? pickPartner(createdAt) : undefined;
      if (partner) attached.push({ partner, role: 'sourced' });
      else gap = 'missing_partner';
    }
    // Sellers who work with partners bring one in on their own deals; how often depends on the region's habits.
    const bringsPartner =
      PARTNER_SHARE[segment] *
      0.6 *
      capacity *
      SELLER_HABITS[owner.region].bringsPartners *
      Math.sign(owner.partnerAffinity);
    if ((partnerLed && gap === null && dice.chance(0.15)) || (!partnerLed && dice.chance(bringsPartner))) {
      const partner = pickPartner(createdAt, attached[0]?.partner);
      if (partner) {
        attached.push({
          partner,
          role: dice.weighted<DemoPartnerRole>([
            ['influenced', 0.45],
            ['cosell', 0.25],
            ['reseller', 0.2],
            ['referral', 0.1],
          ]),
        });
      }
    }
    const roles = attached.map((entry) => entry.role);
    // A seller who does not record roles leaves the association unlabeled.
    for (const entry of attached) {
      if (!dice.chance(owner.partnerAffinity)) {
        entry.role = null;
        gap ??= 'missing_role';
      }
    }

    const { closed, closeAt } = closeTiming(dice, segment, createdAt, asOfMs);
    const amount = dice.chance(0.02)
      ? null
      : roundAmount(SEGMENT_AMOUNT[segment].median * Math.exp(dice.normal() * 0.55));
    // The partner's effect is on what happened, whether or not the seller recorded its role.
    const won =
      closed &&
      wins.won(winProbability(segment, roles), {
        closeAt,
        amount,
        attached: attached.some((entry) => entry.role !== null),
        newBusiness: dealtype === 'newbusiness' || dealtype === 'existingbusiness',
      });
    const pipeline = partnerLed && dice.chance(0.6) ? DEMO_PIPELINES[1] : DEMO_PIPELINES[0];
    if (!pipeline) throw new Error('pipelines missing');
    const stage = pickStage(dice, pipeline, closed, won);
    const currency = currencyFor(dice, customer.region);
    const year = new Date(closeAt).getUTCFullYear();

    const properties: Record<string, string> = {
      dealname: dealName(customer.short, products, dealtype, year),
      closedate: iso(startOfDay(closeAt)),
      pipeline: pipeline.id,
      dealstage: stage.id,
      hubspot_owner_id: owner.id,
      dealtype,
      deal_currency_code: currency,
      region: customer.region,
      products: products.join(';'),
      hs_is_closed: String(stage.isClosed),
      hs_is_closed_won: String(stage.isWon),
    };
    if (amount !== null) properties.amount = String(amount);
    if (leadSource) properties.lead_source = leadSource;
    if (stage.isClosed && !stage.isWon && dice.chance(0.7)) properties.closed_lost_reason = dice.pick(LOSS_REASONS);
    // Dirty data the hygiene rules must catch: churn recorded in a won stage.
    if (dealtype === 'churn' && stage.isClosed && !stage.isWon && dice.chance(0.4)) {
      const wonStage = pipeline.stages.find((candidate) => candidate.isWon);
      if (wonStage) {
        properties.dealstage = wonStage.id;
        properties.hs_is_closed_won = 'true';
        delete properties.closed_lost_reason;
      }
    }
    const sourced = attached.find((entry) => entry.role === 'sourced' || (partnerLed && entry === attached[0]));
    if (sourced && dice.chance(0.5)) {
      addRegistration(properties, sourced.partner, createdAt, dice.weighted(REGISTRATION_STATUS));
    }

    const updatedAt = Math.min(asOfMs, closed ? closeAt : createdAt + dice.int(0, 30) * DAY);
    const draft = makeDraft(properties, createdAt, updatedAt, customer, segment, attached);
    if (gap) truth.attributionGaps.push({ dealId: draft.record.id, kind: gap });
    return draft;
  };

  const addRegistration = (
    properties: Record<string, string>,
    partner: PartnerProfile,
    createdAt: number,
    status: string,
  ) => {
    properties.partner_registration_id = `REG-${nextRegistration++}`;
    properties.partner_registration_status = status;
    properties.partner_registration_partner_id = partner.company.record.id;
    properties.partner_registration_date = isoDate(createdAt - dice.int(0, 7) * DAY);
  };

  const makeDraft = (
    properties: Record<string, string>,
    createdAt: number,
    updatedAt: number,
    customer: Company,
    segment: Segment,
    partnersOfDeal: DealDraft['partners'],
  ): DealDraft => {
    const id = String(nextDealId++);
    properties.createdate = iso(createdAt);
    properties.hs_lastmodifieddate = iso(updatedAt);
    properties.hs_object_id = id;
    return { record: { id, properties, createdAt, updatedAt }, customer, segment, partners: partnersOfDeal };
  };

  const duplicateClusters = new Map<string, { ids: string[]; kind: DuplicateKind }>();
  const recordDuplicate = (original: DealDraft, copy: DealDraft, kind: DuplicateKind) => {
    let cluster = duplicateClusters.get(original.record.id);
    if (!cluster) {
      cluster = { ids: [original.record.id], kind };
      duplicateClusters.set(original.record.id, cluster);
      truth.duplicates.push(cluster);
    }
    cluster.ids.push(copy.record.id);
    duplicateClusters.set(copy.record.id, cluster);
  };

  const duplicateOf = (original: DealDraft): DealDraft => {
    const source = original.record.properties;
    const sourced = original.partners.find((entry) => entry.role === 'sourced')?.partner;
    const kind = dice.weighted<DuplicateKind>([
      ['reentry', 0.35],
      ['double_registration', sourced ? 0.2 : 0],
      ['registration_conflict', 0.2],
      ['import_copy', 0.25],
    ]);
    const createdAt = Math.min(
      asOfMs - DAY,
      original.record.createdAt + dice.int(0, 21) * DAY + dice.int(0, 86_399) * 1000,
    );
    const properties: Record<string, string> = { ...source };
    for (const key of ['createdate', 'hs_lastmodifieddate', 'hs_object_id']) delete properties[key];
    let partnersOfCopy: DealDraft['partners'] = original.partners.map((entry) => ({ ...entry }));
    const shiftClose = (days: number) => {
      const closedate = source.closedate ? Date.parse(source.closedate) : asOfMs;
      properties.closedate = iso(startOfDay(closedate + days * DAY));
    };
    const jitterAmount = (spread: number) => {
      if (source.amount)
        properties.amount = String(roundAmount(Number(source.amount) * (1 + (dice.next() * 2 - 1) * spread)));
    };
    switch (kind) {
      case 'reentry': {
        // Re-entered by a colleague of the same territory, who did not see the first one.
        const other = owners.filter(
          (owner) => owner.id !== source.hubspot_owner_id && owner.region === original.customer.region,
        );
        properties.hubspot_owner_id = dice.pick(other.length > 0 ? other : owners).id;
        properties.dealname = nameVariant(dice, source.dealname ?? original.customer.short);
        jitterAmount(0.05);
        shiftClose(dice.int(-14, 14));
        if (dice.chance(0.5)) partnersOfCopy = [];
        break;
      }
      case 'double_registration': {
        properties.dealname = nameVariant(dice, source.dealname ?? original.customer.short);
        if (sourced) addRegistration(properties, sourced, createdAt, 'pending');
        partnersOfCopy = sourced ? [{ partner: sourced, role: 'sourced' }] : partnersOfCopy;
        break;
      }
      case 'registration_conflict': {
        const rival = pickPartner(createdAt, sourced) ?? partners[0];
        properties.dealname = nameVariant(dice, source.dealname ?? original.customer.short);
        jitterAmount(0.1);
        shiftClose(dice.int(-30, 30));
        if (rival) {
          addRegistration(properties, rival, createdAt, dice.chance(0.5) ? 'pending' : 'approved');
          partnersOfCopy = [{ partner: rival, role: 'sourced' }];
          properties.lead_source = 'partner';
        }
        break;
      }
      case 'import_copy': {
        properties.dealname = dice.chance(0.5)
          ? (source.dealname ?? '').toUpperCase()
          : `${source.dealname ?? ''}${dice.pick([' (1)', ' - copy', '  ', ' (import)'])}`;
        break;
      }
    }
    // Keep the copy's dates consistent: a closed deal closes between its creation and the as-of day, an open one later.
    if (properties.closedate) {
      const closeAt = Date.parse(properties.closedate);
      const [earliest, latest] =
        properties.hs_is_closed === 'true' ? [startOfDay(createdAt), asOfMs - DAY] : [asOfMs, Number.POSITIVE_INFINITY];
      properties.closedate = iso(Math.min(latest, Math.max(earliest, closeAt)));
    }
    const copy = makeDraft(properties, createdAt, createdAt, original.customer, original.segment, partnersOfCopy);
    recordDuplicate(original, copy, kind);
    return copy;
  };

  /** A look-alike of `original` that is not a duplicate; twin-company kinds first add a deal of their own. */
  const hardNegativeOf = (original: DealDraft, room: number): DealDraft | undefined => {
    const source = original.record.properties;
    const kind = dice.weighted<HardNegativeKind>([
      ['renewal_other_year', 0.3],
      ['different_product', 0.25],
      ['repeat_expansion', 0.25],
      ['namesake_company', 0.1],
      ['subsidiary', 0.1],
    ]);
    const owner = owners.find((candidate) => candidate.id === source.hubspot_owner_id);
    // A follow-up that would fall after the as-of day has not happened yet.
    const later = (days: number): number | undefined => {
      const at = original.record.createdAt + days * DAY;
      return at < asOfMs - DAY ? at : undefined;
    };
    let related: DealDraft;
    switch (kind) {
      case 'renewal_other_year': {
        const createdAt = later(dice.int(330, 400));
        if (createdAt === undefined) return undefined;
        related = freshDeal({
          customer: original.customer,
          createdAt,
          dealtype: 'renewal',
          products: (source.products ?? 'core_platform').split(';'),
          segment: original.segment,
          ...(owner ? { owner } : {}),
        });
        break;
      }
      case 'different_product': {
        const used = new Set((source.products ?? '').split(';'));
        const other = PRODUCTS.map(([value]) => value).filter((value) => !used.has(value));
        related = freshDeal({
          customer: original.customer,
          createdAt: original.record.createdAt + dice.int(0, 5) * DAY,
          products: [dice.pick(other.length > 0 ? other : ['support_plus'])],
          segment: original.segment,
          ...(owner ? { owner } : {}),
        });
        break;
      }
      case 'repeat_expansion': {
        const createdAt = later(dice.int(90, 200));
        if (createdAt === undefined) return undefined;
        related = freshDeal({
          customer: original.customer,
          createdAt,
          dealtype: 'existingbusiness',
          products: (source.products ?? 'core_platform').split(';'),
          segment: original.segment,
          ...(owner ? { owner } : {}),
        });
        break;
      }
      case 'namesake_company':
      case 'subsidiary': {
        const pairs = lookalikes.filter((pair) => pair.kind === kind);
        if (pairs.length === 0 || room < 2) return undefined;
        const pair = dice.pick(pairs);
        const products = (source.products ?? 'core_platform').split(';');
        const first = addDeal(
          freshDeal({
            customer: pair.original,
            createdAt: original.record.createdAt,
            products,
            segment: original.segment,
          }),
        );
        related = freshDeal({
          customer: pair.twin,
          createdAt: first.record.createdAt + dice.int(0, 20) * DAY,
          products,
          segment: first.segment,
        });
        truth.hardNegatives.push({ ids: [first.record.id, related.record.id], kind });
        return related;
      }
    }
    truth.hardNegatives.push({ ids: [original.record.id, related.record.id], kind });
    return related;
  };

  // Customers are reused with a skew (a few big accounts buy often), like a real book of business.
  // A customer rarely opens a second deal within weeks of the last one; when the CRM shows that, it is usually a
  // duplicate. Keeping fresh deals of one customer apart keeps the seeded duplicates the only near-twins.
  const openedAt = new Map<Company, number[]>();
  const pickCustomer = (createdAt: number): Company => {
    let customer: Company | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const index = Math.floor(customers.length * dice.next() ** 1.6);
      customer = customers[Math.min(index, customers.length - 1)] ?? dice.pick(customers);
      const near = openedAt.get(customer)?.some((at) => Math.abs(at - createdAt) < 45 * DAY);
      if (!near) break;
    }
    const chosen = customer ?? dice.pick(customers);
    openedAt.set(chosen, [...(openedAt.get(chosen) ?? []), createdAt]);
    return chosen;
  };

  while (deals.length < dealCount) {
    const recent =
      drafts.length > 20 ? drafts[drafts.length - 1 - dice.int(0, Math.min(drafts.length - 1, 400))] : undefined;
    const roll = dice.next();
    if (recent && roll < 0.03) {
      addDeal(duplicateOf(recent));
      continue;
    }
    if (recent && roll < 0.05) {
      const related = hardNegativeOf(recent, dealCount - deals.length);
      if (related) {
        addDeal(related);
        continue;
      }
    }
    const createdAt = sampleCreatedAt(dice, historyStart, asOfMs - 5 * DAY);
    addDeal(freshDeal({ customer: pickCustomer(createdAt), createdAt }));
  }

  return { portalId, asOf, owners, pipelines: DEMO_PIPELINES, companies, deals, associations, truth };
}

const REGION_WEIGHTS: ReadonlyArray<readonly [Region, number]> = [
  ['NA', 0.45],
  ['EMEA', 0.3],
  ['APAC', 0.17],
  ['LATAM', 0.08],
];
const REGISTRATION_STATUS: ReadonlyArray<readonly [string, number]> = [
  ['approved', 0.7],
  ['pending', 0.2],
  ['rejected', 0.1],
];

function pickProducts(dice: RandomSource): string[] {
  const count = dice.weighted([
    [1, 0.6],
    [2, 0.3],
    [3, 0.1],
  ]);
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(dice.pick(PRODUCTS)[0]);
  return [...chosen];
}

function pickStage(dice: RandomSource, pipeline: DemoPipeline, closed: boolean, won: boolean): DemoStage {
  if (closed) {
    const stage = pipeline.stages.find((candidate) => candidate.isClosed && candidate.isWon === won);
    if (!stage) throw new Error(`pipeline ${pipeline.id} lacks a closed stage`);
    return stage;
  }
  return dice.pick(pipeline.stages.filter((candidate) => !candidate.isClosed));
}

function currencyFor(dice: RandomSource, region: Region): string {
  if (region === 'EMEA')
    return dice.weighted([
      ['EUR', 0.6],
      ['GBP', 0.25],
      ['USD', 0.15],
    ]);
  if (region === 'APAC') return dice.chance(0.4) ? 'AUD' : 'USD';
  if (region === 'LATAM') return dice.chance(0.3) ? 'BRL' : 'USD';
  return 'USD';
}

function dealName(short: string, products: readonly string[], dealtype: string, year: number): string {
  const labels = products.slice(0, 2).map((value) => PRODUCTS.find(([candidate]) => candidate === value)?.[1] ?? value);
  const product = labels.length > 0 ? labels[0] : 'Platform';
  const more = labels.length > 1 ? ` & ${labels[1]}` : '';
  switch (dealtype) {
    case 'existingbusiness':
      return `${short} - ${product}${more} expansion`;
    case 'renewal':
      return `${short} - ${product}${more} renewal ${year}`;
    case 'churn':
      return `${short} - ${product}${more} churn`;
    default:
      return `${short} - ${product}${more}`;
  }
}

/** How the same deal gets re-typed by another person: case, punctuation, abbreviations, word order. */
function nameVariant(dice: RandomSource, name: string): string {
  const variants = [
    () => name.toLowerCase(),
    () => name.replace(' - ', ' – '),
    () => name.replace(' - ', ': '),
    () => {
      const dash = name.indexOf(' - ');
      return dash === -1 ? `${name} deal` : `${name.slice(0, dash)} ${name.slice(dash + 3)} deal`;
    },
    () => `${name} (new)`,
    () => name.replace(/\b(\w)\w+\b/, '$1.'),
    () => name.replace(/\s+/g, '  '),
  ];
  return dice.pick(variants)();
}

function roundAmount(value: number): number {
  return Math.max(100, Math.round(value / 100) * 100);
}

function suffixWord(word: string): string {
  return word ? word.toLowerCase() : '';
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 40);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}
