import type { SeededRandom } from '../../src/shared/seeded-random.ts';
import type { HardNegativeType } from './anomaly-kinds.ts';
import {
  type DemoOwner,
  type DemoRecord,
  type DemoTruth,
  REGION_WEIGHTS,
  REGIONS,
  type Region,
} from './demo-catalogue.ts';
import {
  DAY_MS as DAY,
  iso,
  type PartnerHistory,
  type PartnerPhase,
  partnerHistory,
  partnerStateAt,
  sellerAffinity,
} from './demo-history.ts';
import {
  COUNTRIES,
  FIRST_NAMES,
  INDUSTRIES,
  LAST_NAMES,
  NAME_HEADS,
  NAME_MIDDLES,
  NAME_TAILS,
  PARTNER_TAILS,
  SUFFIXES,
  slug,
  suffixWord,
  TLDS,
} from './demo-names.ts';

/**
 * The first step of the demo portal: who is in it. Sellers (owners) per region with their partner habits, the partner
 * roster with each partner's lifecycle (demo-history.ts), and the customers, a few with a look-alike company (a
 * namesake abroad, a subsidiary) for the dedupe hard negatives. The steps draw in this order: owners, partners,
 * customers.
 */

export interface Company {
  record: DemoRecord;
  region: Region;
  short: string;
}

export interface PartnerProfile {
  /** Position in the roster (and in the partner calendar). */
  index: number;
  company: Company;
  named: boolean;
  weight: number;
  history: PartnerHistory;
}

/** A customer and a different company that looks like it. */
export interface Lookalike {
  original: Company;
  twin: Company;
  kind: Extract<HardNegativeType, 'namesake' | 'subsidiary'>;
}

export interface Roster {
  owners: DemoOwner[];
  ownersByRegion: Map<Region, DemoOwner[]>;
  /** Every company record, partners first, in id order. */
  companies: DemoRecord[];
  partners: PartnerProfile[];
  customers: Company[];
  lookalikes: Lookalike[];
}

export interface RosterWindow {
  dealCount: number;
  historyStart: number;
  asOfMs: number;
}

const FIRST_COMPANY_ID = 20_000_000_001;

/** Owners, partners and customers for a portal of `dealCount` deals; partner and customer ids go into `truth`. */
export function generateRoster(dice: SeededRandom, window: RosterWindow, truth: DemoTruth): Roster {
  const owners = generateOwners(dice, window.dealCount);
  const ownersByRegion = new Map<Region, DemoOwner[]>(REGIONS.map((region) => [region, []]));
  for (const owner of owners) ownersByRegion.get(owner.region)?.push(owner);
  const book = new CompanyBook();
  const partners = generatePartners(dice, book, window, truth);
  const { customers, lookalikes } = generateCustomers(dice, book, window, truth);
  return { owners, ownersByRegion, companies: book.companies, partners, customers, lookalikes };
}

function generateOwners(dice: SeededRandom, dealCount: number): DemoOwner[] {
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
  return owners;
}

/** Company records in id order, and the names already taken (two companies never share a name by accident). */
class CompanyBook {
  readonly companies: DemoRecord[] = [];
  readonly #usedNames = new Set<string>();
  #nextId = FIRST_COMPANY_ID;

  add(properties: Record<string, string>, createdAt: number): DemoRecord {
    const id = String(this.#nextId++);
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
    this.companies.push(record);
    return record;
  }

  /** A name `make` has not given before; after 20 tries, its next one with a number. */
  uniqueName(make: () => string): string {
    for (let attempt = 0; attempt < 20; attempt++) {
      const candidate = make();
      if (!this.#usedNames.has(candidate)) {
        this.#usedNames.add(candidate);
        return candidate;
      }
    }
    let counter = 2;
    const base = make();
    while (this.#usedNames.has(`${base} ${counter}`)) counter++;
    const name = `${base} ${counter}`;
    this.#usedNames.add(name);
    return name;
  }

  /** Takes a name made elsewhere (a subsidiary's), so no later company gets it. */
  reserve(name: string): void {
    this.#usedNames.add(name);
  }
}

function generatePartners(
  dice: SeededRandom,
  book: CompanyBook,
  { dealCount, historyStart, asOfMs }: RosterWindow,
  truth: DemoTruth,
): PartnerProfile[] {
  const partnerCount = clamp(Math.round(dealCount / 80), 12, 600);
  const partners: PartnerProfile[] = [];
  for (let i = 0; i < partnerCount; i++) {
    const region = dice.weighted(REGION_WEIGHTS);
    const short = book.uniqueName(() => `${dice.pick(NAME_HEADS)} ${dice.pick(PARTNER_TAILS)}`);
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
    const record = book.add(
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
  return partners;
}

function generateCustomers(
  dice: SeededRandom,
  book: CompanyBook,
  { dealCount, historyStart }: RosterWindow,
  truth: DemoTruth,
): { customers: Company[]; lookalikes: Lookalike[] } {
  const customerCount = clamp(Math.round(dealCount / 4), 20, 1_000_000);
  const customers: Company[] = [];
  const lookalikes: Lookalike[] = [];
  const newCustomer = (region: Region, short: string, domainBase: string, createdAt: number): Company => {
    const record = book.add(
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
    const short = book.uniqueName(
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
      lookalikes.push({ original: customer, twin, kind: 'namesake' });
    } else if (lookalike < 0.02) {
      const subsidiary = `${short} ${dice.pick(['Deutschland', 'Japan', 'UK', 'Brasil', 'Nordics'])}`;
      book.reserve(subsidiary);
      const twin = newCustomer(dice.pick(REGIONS), subsidiary, slug(subsidiary), createdAt + 60 * DAY);
      customers.push(twin);
      lookalikes.push({ original: customer, twin, kind: 'subsidiary' });
    }
  }
  return { customers, lookalikes };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
