import type { Deal, DealPartner, DealType, PartnerRole } from '../../model/deal.ts';
import { SeededRandom } from '../../shared/seeded-random.ts';

/**
 * A seeded, labelled world of deals for the dedupe engine: tests, the benchmark, and the CRM sandbox's demo data.
 *
 * Accounts live through realistic histories (new business, yearly renewals, repeat expansions, cross-sell, concurrent
 * purchases of other products), some companies have namesakes abroad or subsidiaries with their own domain, and a share
 * of buying events is recorded more than once through the four mechanisms of SPEC §2.2. Every record carries the noise
 * CRMs really hold: typos, legal-suffix swaps, case, accents, domains with protocols or missing, amounts rounded or
 * off by up to 8 %, close dates up to 40 days off, duplicate company records with other ids, missing types/products.
 */
export const DUPLICATE_MECHANISMS = ['reentry', 'double_registration', 'registration_conflict', 'import_copy'] as const;
export type DuplicateMechanism = (typeof DUPLICATE_MECHANISMS)[number];

export const HARD_NEGATIVE_TYPES = [
  'renewal_other_year',
  'concurrent_products',
  'repeat_expansion',
  'namesake',
  'subsidiary',
] as const;
export type HardNegativeType = (typeof HARD_NEGATIVE_TYPES)[number];

export interface DealLabel {
  dealId: string;
  /** Records with the same event id are the same buying event. */
  eventId: string;
  /** How this record came to duplicate its event; null for the first (original) record. */
  mechanism: DuplicateMechanism | null;
}

/** Deals that look alike but are different events (except the duplicates of one of them, which share its event). */
export interface HardNegativeGroup {
  type: HardNegativeType;
  dealIds: string[];
}

export interface DedupeTruth {
  labels: DealLabel[];
  hardNegatives: HardNegativeGroup[];
}

export interface LabelledDeals {
  deals: Deal[];
  truth: DedupeTruth;
}

export interface GenerateLabelledDealsOptions {
  seed: number;
  /** Exact number of deal records to produce. */
  deals: number;
  /** Share of buying events recorded more than once (default 0.12). */
  duplicateRate?: number;
  /** The "today" of the world, YYYY-MM-DD (default 2026-06-30): later close dates are open deals. */
  asOf?: string;
}

interface Country {
  code: string;
  region: string;
  currency: string;
  tld: string;
  forms: readonly string[];
  accents: boolean;
  /** Units of the local currency per USD (prices are local). */
  rate: number;
}

const COUNTRIES: ReadonlyArray<readonly [Country, number]> = [
  [
    { code: 'US', region: 'NA', currency: 'USD', tld: 'com', forms: ['Inc', 'LLC', 'Corp'], rate: 1, accents: false },
    44,
  ],
  [{ code: 'CA', region: 'NA', currency: 'CAD', tld: 'ca', forms: ['Inc', 'Ltd'], rate: 1.35, accents: false }, 5],
  [
    {
      code: 'GB',
      region: 'EMEA',
      currency: 'GBP',
      tld: 'co.uk',
      forms: ['Ltd', 'Limited', 'plc'],
      rate: 0.8,
      accents: false,
    },
    10,
  ],
  [{ code: 'DE', region: 'EMEA', currency: 'EUR', tld: 'de', forms: ['GmbH', 'AG'], rate: 0.92, accents: true }, 10],
  [{ code: 'FR', region: 'EMEA', currency: 'EUR', tld: 'fr', forms: ['SA', 'SAS'], rate: 0.92, accents: true }, 7],
  [{ code: 'NL', region: 'EMEA', currency: 'EUR', tld: 'nl', forms: ['B.V.', 'BV'], rate: 0.92, accents: false }, 5],
  [{ code: 'ES', region: 'EMEA', currency: 'EUR', tld: 'es', forms: ['S.L.', 'SA'], rate: 0.92, accents: true }, 4],
  [{ code: 'BR', region: 'LATAM', currency: 'BRL', tld: 'com.br', forms: ['Ltda'], rate: 5, accents: true }, 5],
  [{ code: 'JP', region: 'APAC', currency: 'JPY', tld: 'co.jp', forms: ['K.K.'], rate: 150, accents: false }, 4],
  [{ code: 'AU', region: 'APAC', currency: 'AUD', tld: 'com.au', forms: ['Pty Ltd'], rate: 1.5, accents: false }, 6],
];

/** Legal-form spellings people swap for one another (the noise, not a different company). */
const FORM_VARIANTS: Readonly<Record<string, readonly string[]>> = {
  Inc: ['Inc.', ', Inc.', 'Incorporated', 'INC', 'LLC', 'Corp'],
  LLC: ['L.L.C.', 'Inc', 'llc'],
  Corp: ['Corp.', 'Corporation', 'Inc'],
  Ltd: ['Ltd.', 'Limited', 'LTD'],
  Limited: ['Ltd', 'Ltd.'],
  plc: ['PLC', 'Plc'],
  GmbH: ['Gmbh', 'GMBH'],
  AG: ['A.G.'],
  SA: ['S.A.', 'sa'],
  SAS: ['S.A.S.'],
  'B.V.': ['BV', 'B.V'],
  BV: ['B.V.'],
  'S.L.': ['SL'],
  Ltda: ['Ltda.', 'LTDA'],
  'K.K.': ['KK'],
  'Pty Ltd': ['Pty. Ltd.', 'PTY LTD', 'Pty Limited'],
};

const SYLLABLES = (
  'ka lo vi ne tra dor mex zen qua ri sol ta ven ix ar bel cor den fa gal hel ion jun kor lum mar nor ' +
  'ob pax quin ros sar tel ul vor wex xen yar zo bra cel dra el fin gro har is ja kel lin mo nu'
).split(' ');
const FIRST_WORDS = (
  'Apex Summit Blue North River Pine Cedar Atlas Nova Orion Vertex Pioneer Harbor Silver Golden Iron ' +
  'Granite Crescent Falcon Eagle Maple Oak Redwood Sierra Coastal Prairie Meridian Beacon Bright Clear ' +
  'Delta Echo Frontier Global Horizon Keystone Liberty Lighthouse Mosaic Northstar Pacific Peak ' +
  'Pinnacle Quantum Radiant Sapphire Sterling Stonebridge Sunrise Trinity Unity Vanguard Westfield ' +
  'Willow Zenith Alpine Aurora Bayside Canyon Cobalt Copper Crown Evergreen Fairway Glacier Highland ' +
  'Ivory Juniper Lakeside Lumen Magnolia Metro Midland Noble Oasis Onyx Paragon Polar Prime Raven Ridge ' +
  'Sable Seaside Signal Spruce Starlight Tidewater Titan Union Valley Vista Whitestone Bluebird Birch ' +
  'Compass Harvest Legacy Orchard Riverbend'
).split(' ');
const INDUSTRY_WORDS = (
  'Systems Solutions Technologies Labs Health Logistics Analytics Foods Energy Capital Robotics ' +
  'Software Networks Biotech Partners Industries Media Consulting Dynamics Manufacturing Retail ' +
  'Insurance Pharma Motors Hospitality Security Cloud Data Digital Engineering Financial Group ' +
  'Interactive Medical Materials Marine Brewing Apparel Telecom Utilities Ventures Works Supply ' +
  'Aerospace Education Realty Freight Textiles Chemicals'
).split(' ');
const SUBSIDIARY_QUALIFIERS = (
  'Europe|UK|Germany|Health|Financial Services|Labs|Americas|Asia Pacific|Japan|Services|Government|' +
  'Federal|Nordics|Iberia|Benelux|Canada|Retail|Logistics|Ventures|Research'
).split('|');
const FAMILIES = [
  { name: 'Analytics', unitPrice: 420 },
  { name: 'Security', unitPrice: 610 },
  { name: 'Data Platform', unitPrice: 880 },
  { name: 'Integrations', unitPrice: 240 },
  { name: 'Observability', unitPrice: 530 },
  { name: 'Collaboration', unitPrice: 180 },
  { name: 'Payments', unitPrice: 350 },
  { name: 'Identity', unitPrice: 300 },
  { name: 'Backup', unitPrice: 150 },
  { name: 'Workflow', unitPrice: 270 },
  { name: 'AI Assistant', unitPrice: 720 },
  { name: 'Field Service', unitPrice: 390 },
] as const;
const EDITIONS = ['Starter', 'Pro', 'Enterprise', 'Professional'];
const OPEN_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
];
const LOSS_REASONS = ['Price', 'Chose a competitor', 'No budget', 'Timing', 'No decision'];
const LEAD_SOURCES = ['Partner', 'Inbound', 'Outbound', 'Event', 'Referral'];
const KEYBOARD = 'qwertyuiopasdfghjklzxcvbnm';

type Intent = 'new_business' | 'expansion' | 'renewal';

interface Company {
  id: string;
  /** Name as on the company record, legal form included. */
  name: string;
  /** How people refer to it in deal names ("Nova Systems"). */
  display: string;
  form: string;
  domain: string | null;
  country: Country;
  ownerId: string;
  partner: string;
}

interface BuyingEvent {
  eventId: string;
  company: Company;
  intent: Intent;
  families: number[];
  skus: string[];
  units: number;
  amount: number;
  closeDay: number;
  createdDay: number;
  year: number;
  quarter: number;
  partners: DealPartner[];
  ownerId: string;
  groups: number[];
  drafts: DraftDeal[];
}

interface DraftDeal {
  deal: Omit<Deal, 'id'>;
  createdMs: number;
  eventId: string;
  mechanism: DuplicateMechanism | null;
  groups: number[];
}

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export function generateLabelledDeals(options: GenerateLabelledDealsOptions): LabelledDeals {
  return new WorldGenerator(options).generate();
}

class WorldGenerator {
  private readonly random: SeededRandom;
  private readonly target: number;
  private readonly duplicateRate: number;
  private readonly asOf: number;
  private readonly usedCores = new Set<string>();
  private readonly usedDomains = new Set<string>();
  private readonly ownersByRegion = new Map<string, string[]>();
  private readonly partnersByRegion = new Map<string, string[]>();
  private readonly groups: Array<{ type: HardNegativeType; drafts: DraftDeal[] }> = [];
  private readonly drafts: DraftDeal[] = [];
  private nextAccount = 100_000;
  private nextEvent = 1;

  constructor(options: GenerateLabelledDealsOptions) {
    this.random = new SeededRandom(options.seed);
    this.target = Math.max(0, Math.floor(options.deals));
    this.duplicateRate = options.duplicateRate ?? 0.12;
    this.asOf = dayOf(options.asOf ?? '2026-06-30');
    const owners = Math.max(8, Math.ceil(this.target / 400));
    const partners = Math.max(12, Math.ceil(this.target / 150));
    const regions = ['NA', 'EMEA', 'APAC', 'LATAM'];
    for (let i = 0; i < owners; i += 1) push(this.ownersByRegion, regions[i % 4] as string, `${1_000 + i}`);
    for (let i = 0; i < partners; i += 1) push(this.partnersByRegion, regions[i % 4] as string, `${500_000 + i}`);
  }

  generate(): LabelledDeals {
    while (this.drafts.length < this.target) this.account();
    const kept = this.drafts.slice(0, this.target);
    // Ids follow creation order, as CRM ids do; the file order is shuffled so duplicates are not neighbours.
    const byCreation = kept
      .map((draft, index) => ({ draft, index }))
      .sort((x, y) => x.draft.createdMs - y.draft.createdMs || x.index - y.index);
    const ids = new Map<DraftDeal, string>();
    for (const [rank, { draft }] of byCreation.entries()) {
      ids.set(draft, String(10_000_001 + rank * 3 + this.random.int(0, 2)));
    }
    const shuffled = this.random.shuffle([...kept]);
    const deals: Deal[] = shuffled.map((draft) => ({ id: ids.get(draft) as string, ...draft.deal }));
    const labels: DealLabel[] = shuffled.map((draft) => ({
      dealId: ids.get(draft) as string,
      eventId: draft.eventId,
      mechanism: draft.mechanism,
    }));
    const hardNegatives: HardNegativeGroup[] = [];
    for (const group of this.groups) {
      const dealIds = group.drafts.map((draft) => ids.get(draft)).filter((id): id is string => id !== undefined);
      if (dealIds.length >= 2) hardNegatives.push({ type: group.type, dealIds });
    }
    return { deals, truth: { labels, hardNegatives } };
  }

  // ---- companies -------------------------------------------------------------------------------------------------

  private company(country: Country, display: string, domainHint?: string): Company {
    // Plenty of company records carry no legal form at all.
    const form = this.random.chance(0.25) ? '' : this.random.pick(country.forms);
    const id = String(this.nextAccount);
    this.nextAccount += this.random.int(1, 7);
    const region = country.region;
    return {
      id,
      name: form === '' ? display : `${display} ${form}`,
      display,
      form,
      domain: this.random.chance(0.1) ? null : this.domainFor(domainHint ?? display, country),
      country,
      ownerId: this.random.pick(this.ownersByRegion.get(region) ?? ['1000']),
      partner: this.random.pick(this.partnersByRegion.get(region) ?? ['500000']),
    };
  }

  private freshDisplayName(country: Country): string {
    for (;;) {
      const style = this.random.next();
      let name: string;
      if (style < 0.4) name = this.coined(country);
      else if (style < 0.65) name = `${this.coined(country)} ${this.random.pick(INDUSTRY_WORDS)}`;
      else if (style < 0.9) name = `${this.random.pick(FIRST_WORDS)} ${this.random.pick(INDUSTRY_WORDS)}`;
      else name = `${this.random.pick(FIRST_WORDS)} ${this.coined(country)} ${this.random.pick(INDUSTRY_WORDS)}`;
      const core = fold(name);
      if (!this.usedCores.has(core)) {
        this.usedCores.add(core);
        return name;
      }
    }
  }

  private coined(country: Country): string {
    const parts = this.random.int(2, 3);
    let word = '';
    for (let i = 0; i < parts; i += 1) word += this.random.pick(SYLLABLES);
    if (country.accents && this.random.chance(0.35)) {
      const accents: Record<string, string> = { e: 'é', u: 'ü', o: 'ö', a: 'á', n: 'ñ' };
      const positions = [...word].flatMap((char, index) => (accents[char] ? [index] : []));
      if (positions.length > 0) {
        const at = this.random.pick(positions);
        word = word.slice(0, at) + accents[word[at] as string] + word.slice(at + 1);
      }
    }
    return word.charAt(0).toUpperCase() + word.slice(1);
  }

  private domainFor(name: string, country: Country): string {
    const base = fold(name).replace(/ /g, this.random.chance(0.2) ? '-' : '');
    const tld = this.random.chance(0.75) ? country.tld : this.random.pick(['com', 'io', 'net', 'co']);
    let domain = `${base}.${tld}`;
    for (let n = 2; this.usedDomains.has(domain); n += 1) domain = `${base}${n}.${tld}`;
    this.usedDomains.add(domain);
    return domain;
  }

  /** Another company record for the same company (created by an import, a partner or a hurried seller). */
  private duplicateCompanyRecord(company: Company, domainKept: number): Company {
    const id = String(this.nextAccount);
    this.nextAccount += this.random.int(1, 7);
    const domain = company.domain !== null && this.random.chance(domainKept) ? company.domain : null;
    return { ...company, id, name: this.noisyCompanyName(company), domain };
  }

  private noisyCompanyName(company: Company): string {
    let display = company.display;
    let form: string = company.form;
    const roll = this.random.next();
    if (roll < 0.35) form = this.random.chance(0.3) ? '' : this.random.pick(FORM_VARIANTS[form] ?? [form]);
    if (this.random.chance(0.25)) display = typo(this.random, display);
    if (this.random.chance(0.3)) display = fold(display, true);
    let name = form === '' ? display : form.startsWith(',') ? `${display}${form}` : `${display} ${form}`;
    const casing = this.random.next();
    if (casing < 0.12) name = name.toUpperCase();
    else if (casing < 0.2) name = name.toLowerCase();
    return name;
  }

  // ---- account histories -----------------------------------------------------------------------------------------

  private account(): void {
    const country = this.random.weighted(COUNTRIES);
    const company = this.company(country, this.freshDisplayName(country));
    const start = this.random.int(this.asOf - 5 * 365, this.asOf + 60);
    const firstDeal = this.history(company, start);
    const roll = this.random.next();
    if (roll < 0.05) this.namesake(company, firstDeal);
    else if (roll < 0.1) this.subsidiary(company, firstDeal);
  }

  /** New business, yearly renewals, repeat expansions, a cross-sell; returns the first deal's event. */
  private history(company: Company, start: number): BuyingEvent {
    const families = this.random.chance(0.8) ? [this.familyIndex()] : this.distinctFamilies(2);
    const first = this.event(company, 'new_business', families, start, this.random.int(20, 400));
    const firstDraft = this.record(first);

    if (this.random.chance(0.12)) {
      // Another product bought at the same time: a different event.
      const other = this.distinctFamilies(1, families);
      const concurrent = this.event(
        company,
        'new_business',
        other,
        start + this.random.int(-20, 20),
        this.random.int(20, 400),
      );
      const generic = this.random.chance(0.3);
      const secondDraft = this.record(concurrent, generic);
      if (generic && firstDraft) firstDraft.deal.name = `${company.display} - New Business`;
      if (firstDraft && secondDraft) this.group('concurrent_products', [first, concurrent]);
    }

    const series: BuyingEvent[] = [first];
    if (this.random.chance(0.65)) {
      let amount = first.amount;
      for (let year = 1; ; year += 1) {
        const close = start + 365 * year + this.random.int(-20, 20);
        if (close > this.asOf + 200) break;
        amount = roundTo(amount * this.random.between(0.97, 1.1), 100);
        const renewal = this.event(company, 'renewal', families, close, first.units, amount);
        this.record(renewal);
        series.push(renewal);
      }
      if (series.length >= 2) this.group('renewal_other_year', series);
    }

    const expansions: BuyingEvent[] = [];
    const count = this.random.weighted([
      [0, 45],
      [1, 30],
      [2, 15],
      [3, 10],
    ] as const);
    let when = start + this.random.int(60, 240);
    for (let i = 0; i < count; i += 1) {
      if (when > this.asOf + 150) break;
      const family = this.random.pick(families);
      const expansion = this.event(company, 'expansion', [family], when, this.random.int(5, 150));
      this.record(expansion);
      expansions.push(expansion);
      when += this.random.int(75, 240);
    }
    if (expansions.length >= 2) this.group('repeat_expansion', expansions);

    if (this.random.chance(0.2)) {
      const other = this.distinctFamilies(1, families);
      const crossSell = this.event(
        company,
        'new_business',
        other,
        start + this.random.int(150, 900),
        this.random.int(10, 300),
      );
      if (crossSell.closeDay <= this.asOf + 200) this.record(crossSell);
    }
    if (this.random.chance(0.5) && this.drafts.length < this.target) {
      // A few more unrelated opportunities, mostly long before or after.
      const other = this.random.chance(0.5) ? families : this.distinctFamilies(1);
      const extra = this.event(
        company,
        'new_business',
        other,
        start + this.random.int(-900, -150),
        this.random.int(10, 300),
      );
      this.record(extra);
    }
    return first;
  }

  /** Same name, another company: abroad (other legal form, currency, region) or at home with another domain. */
  private namesake(company: Company, first: BuyingEvent): void {
    const abroad = this.random.chance(0.7);
    const country = abroad ? this.otherCountry(company.country) : company.country;
    const twin = this.company(
      country,
      company.display,
      abroad ? company.display : `${company.display} ${this.random.pick(['group', 'hq', 'global', 'online'])}`,
    );
    if (!abroad) {
      const forms = country.forms.filter((form) => form !== company.form);
      if (forms.length > 0) {
        twin.form = this.random.pick(forms);
        twin.name = `${twin.display} ${twin.form}`;
      }
    }
    const event = this.event(
      twin,
      'new_business',
      first.families,
      first.closeDay + this.random.int(-30, 30),
      first.units,
      roundTo(first.amount * this.random.between(0.8, 1.2), 100),
    );
    this.record(event);
    this.group('namesake', [first, event]);
    if (this.random.chance(0.5)) this.history(twin, first.closeDay + this.random.int(-700, 700));
  }

  /** A subsidiary with its own company record and domain, buying the same thing at the same time as its parent. */
  private subsidiary(parent: Company, first: BuyingEvent): void {
    const abroad = this.random.chance(0.4);
    const country = abroad ? this.otherCountry(parent.country) : parent.country;
    const qualifier = this.random.pick(SUBSIDIARY_QUALIFIERS);
    const display = `${parent.display} ${qualifier}`;
    const core = fold(display);
    if (this.usedCores.has(core)) return;
    this.usedCores.add(core);
    const child = this.company(country, display);
    const event = this.event(
      child,
      'new_business',
      first.families,
      first.closeDay + this.random.int(-30, 30),
      first.units,
      roundTo(first.amount * this.random.between(0.7, 1.3), 100),
    );
    this.record(event);
    this.group('subsidiary', [first, event]);
  }

  private otherCountry(country: Country): Country {
    for (;;) {
      const other = this.random.weighted(COUNTRIES);
      if (other.code !== country.code) return other;
    }
  }

  private familyIndex(): number {
    return this.random.int(0, FAMILIES.length - 1);
  }

  private distinctFamilies(count: number, exclude: readonly number[] = []): number[] {
    const chosen: number[] = [];
    while (chosen.length < count) {
      const family = this.familyIndex();
      if (!chosen.includes(family) && !exclude.includes(family)) chosen.push(family);
    }
    return chosen.sort((a, b) => a - b);
  }

  private event(
    company: Company,
    intent: Intent,
    families: number[],
    closeDay: number,
    units: number,
    amount?: number,
  ): BuyingEvent {
    const unitPrice = families.reduce((sum, family) => sum + (FAMILIES[family]?.unitPrice ?? 300), 0);
    const close = new Date(closeDay * DAY_MS);
    const registered = this.random.chance(0.45);
    const partners: DealPartner[] = [];
    if (registered) {
      const role = this.random.weighted<PartnerRole>([
        ['sourced', 55],
        ['referral', 20],
        ['reseller', 25],
      ]);
      const partnerId =
        intent === 'new_business' && this.random.chance(0.6) ? this.anyPartner(company) : company.partner;
      partners.push({ partnerId, role, splitPct: null });
    } else if (this.random.chance(0.15)) {
      partners.push({ partnerId: this.anyPartner(company), role: 'influenced', splitPct: null });
    }
    const event: BuyingEvent = {
      eventId: `e${this.nextEvent}`,
      company,
      intent,
      families,
      skus: families.map((family) => `${FAMILIES[family]?.name} ${this.random.pick(EDITIONS)}`),
      units,
      amount: amount ?? roundTo(units * unitPrice * company.country.rate * this.random.between(0.85, 1.15), 100),
      closeDay,
      createdDay: closeDay - this.random.int(14, 150),
      year: close.getUTCFullYear(),
      quarter: Math.floor(close.getUTCMonth() / 3) + 1,
      partners,
      ownerId: this.random.chance(0.8) ? company.ownerId : this.ownerIn(company.country.region),
      groups: [],
      drafts: [],
    };
    this.nextEvent += 1;
    return event;
  }

  private anyPartner(company: Company): string {
    return this.random.pick(this.partnersByRegion.get(company.country.region) ?? [company.partner]);
  }

  private ownerIn(region: string, not?: string): string {
    const owners = this.ownersByRegion.get(region) ?? ['1000'];
    for (let i = 0; i < 10; i += 1) {
      const owner = this.random.pick(owners);
      if (owner !== not) return owner;
    }
    return `${Number(not ?? '1000') + 1}`;
  }

  private group(type: HardNegativeType, events: BuyingEvent[]): void {
    const index = this.groups.length;
    this.groups.push({ type, drafts: [] });
    // Records made so far for these events join now; records made later join in draft().
    for (const event of events) {
      event.groups.push(index);
      this.groups[index]?.drafts.push(...event.drafts);
    }
  }

  // ---- records ---------------------------------------------------------------------------------------------------

  /** The original record of an event, then (maybe) its duplicates. Returns the original's draft. */
  private record(event: BuyingEvent, genericName = false): DraftDeal | undefined {
    if (this.drafts.length >= this.target) return undefined;
    const original = this.draft(event, {
      company: event.company,
      name: genericName ? `${event.company.display} - New Business` : this.dealName(event, 'seller'),
      amount: this.random.chance(0.03) ? null : event.amount,
      closeDay: this.random.chance(0.03) ? null : event.closeDay,
      createdDay: event.createdDay,
      skus: this.random.chance(0.03) ? [] : event.skus,
      partners: event.partners,
      ownerId: event.ownerId,
      type: this.random.chance(0.85) ? event.intent : null,
      mechanism: null,
    });
    if (original && this.random.chance(this.duplicateRate)) {
      this.duplicate(event, original);
      if (this.random.chance(0.12)) this.duplicate(event, original);
    }
    return original;
  }

  private duplicate(event: BuyingEvent, original: DraftDeal): void {
    if (this.drafts.length >= this.target) return;
    const registrant = event.partners.find((partner) => partner.role !== 'influenced');
    const mechanism: DuplicateMechanism = registrant
      ? this.random.weighted<DuplicateMechanism>([
          ['reentry', 20],
          ['double_registration', 30],
          ['registration_conflict', 30],
          ['import_copy', 20],
        ])
      : this.random.weighted<DuplicateMechanism>([
          ['reentry', 55],
          ['import_copy', 45],
        ]);
    const noisyAmount = () => {
      if (this.random.chance(0.05)) return null;
      const roll = this.random.next();
      if (roll < 0.4) return event.amount;
      if (roll < 0.7)
        return roundTo(
          event.amount,
          event.amount >= 50_000 ? this.random.pick([1000, 5000]) : event.amount >= 10_000 ? 1000 : 100,
        );
      return roundTo(event.amount * this.random.between(0.92, 1.08), 100);
    };
    const noisyClose = () => {
      if (this.random.chance(0.05)) return null;
      const roll = this.random.next();
      if (roll < 0.45) return event.closeDay;
      const sign = this.random.chance(0.5) ? -1 : 1;
      return event.closeDay + sign * (roll < 0.8 ? this.random.int(1, 10) : this.random.int(11, 40));
    };
    const noisySkus = () => {
      const roll = this.random.next();
      if (roll < 0.05) return [];
      if (roll < 0.15)
        return event.skus.map((sku) => `${sku.split(' ').slice(0, -1).join(' ')} ${this.random.pick(EDITIONS)}`);
      return event.skus;
    };
    const type = () => (this.random.chance(0.8) ? event.intent : null);

    if (mechanism === 'import_copy') {
      const source = original.deal;
      const company = this.random.chance(0.5) ? this.duplicateCompanyRecord(event.company, 0.8) : event.company;
      let name = source.name;
      const roll = this.random.next();
      if (roll < 0.1) name = name.toUpperCase();
      else if (roll < 0.2) name = `${name.replace(/ - /g, '-')} `.trim();
      this.draft(event, {
        company,
        name,
        amount: this.random.chance(0.85)
          ? source.amount
          : source.amount === null
            ? null
            : roundTo(source.amount, source.amount >= 10_000 ? 1000 : 100),
        closeDay: this.random.chance(0.9)
          ? source.closeDate === null
            ? null
            : dayOf(source.closeDate)
          : event.closeDay + this.random.int(-5, 5),
        createdDay: Math.floor(original.createdMs / DAY_MS) + this.random.int(30, 400),
        skus: source.products,
        partners: this.random.chance(0.3) ? [] : source.partners,
        ownerId: this.random.chance(0.6) ? (source.ownerId ?? '999') : '999',
        type: source.type,
        mechanism,
      });
      return;
    }

    let company = event.company;
    let partners: DealPartner[] = event.partners;
    let ownerId = event.ownerId;
    let style: 'seller' | 'partner' = 'seller';
    if (mechanism === 'reentry') {
      if (this.random.chance(0.2)) company = this.duplicateCompanyRecord(event.company, 0.6);
      ownerId = this.ownerIn(event.company.country.region, event.ownerId);
      partners = this.random.chance(0.5) ? event.partners : [];
    } else {
      if (this.random.chance(0.35)) company = this.duplicateCompanyRecord(event.company, 0.6);
      style = 'partner';
      if (mechanism === 'registration_conflict') {
        const other = this.anyPartnerExcept(event.company, registrant?.partnerId ?? '');
        partners = [
          {
            partnerId: other,
            role: this.random.pick<PartnerRole>(['sourced', 'referral', 'reseller']),
            splitPct: null,
          },
        ];
      } else if (registrant) {
        partners = [registrant];
      }
      if (this.random.chance(0.5)) ownerId = this.ownerIn(event.company.country.region, event.ownerId);
    }
    let name = this.dealName(event, style);
    if (this.random.chance(0.15)) name = typo(this.random, name);
    const casing = this.random.next();
    if (casing < 0.08) name = name.toUpperCase();
    else if (casing < 0.16) name = name.toLowerCase();
    this.draft(event, {
      company,
      name,
      amount: noisyAmount(),
      closeDay: noisyClose(),
      createdDay: Math.floor(original.createdMs / DAY_MS) + this.random.int(mechanism === 'reentry' ? 1 : 0, 60),
      skus: noisySkus(),
      partners,
      ownerId,
      type: type(),
      mechanism,
    });
  }

  private anyPartnerExcept(company: Company, partnerId: string): string {
    for (let i = 0; i < 10; i += 1) {
      const candidate = this.anyPartner(company);
      if (candidate !== partnerId) return candidate;
    }
    return String(Number(partnerId) + 1);
  }

  private dealName(event: BuyingEvent, style: 'seller' | 'partner'): string {
    const account = this.random.chance(0.15) ? event.company.name : event.company.display;
    const product = this.random.chance(0.7)
      ? (FAMILIES[event.families[0] as number]?.name ?? 'Platform')
      : (event.skus[0] ?? 'Platform');
    const yy = String(event.year % 100).padStart(2, '0');
    const templates: Record<Intent, string[]> = {
      new_business: [
        `${account} - ${product}`,
        `${account} ${product} New Logo`,
        `${account} | ${product} | FY${yy}`,
        `${account} - New Business`,
        `${product} for ${account}`,
        `${account} - ${product} ${event.year}`,
        `${account} ${product} deal`,
      ],
      expansion: [
        `${account} - ${product} Expansion`,
        `${account} ${product} Upsell ${event.units} seats`,
        `${account} - Expansion Q${event.quarter}`,
        `${account}: add ${event.units} seats`,
        `${account} - Expansion`,
        `${account} ${product} upgrade`,
      ],
      renewal: [
        `${account} - Renewal ${event.year}`,
        `${account} ${product} Renewal FY${yy}`,
        `${account} Renewal`,
        `${account} - ${product} renewal`,
        `${product} renewal - ${account}`,
      ],
    };
    if (style === 'partner') {
      const tag = this.random.pick(['Deal Reg', 'Registration', 'Opp', 'Reg']);
      const intentWord = event.intent === 'renewal' ? ' Renewal' : event.intent === 'expansion' ? ' Expansion' : '';
      return this.random.pick([
        `${account} / ${product}${intentWord} / ${tag}`,
        `${tag}: ${account} ${product}${intentWord}`,
        `${account} ${product}${intentWord} (${tag})`,
      ]);
    }
    return this.random.pick(templates[event.intent]);
  }

  private draft(
    event: BuyingEvent,
    fields: {
      company: Company;
      name: string;
      amount: number | null;
      closeDay: number | null;
      createdDay: number;
      skus: string[];
      partners: DealPartner[];
      ownerId: string;
      type: DealType | null;
      mechanism: DuplicateMechanism | null;
    },
  ): DraftDeal | undefined {
    // A record the CRM does not hold yet: created after the world's "today".
    if (fields.createdDay > this.asOf) return undefined;
    const closed = fields.closeDay !== null ? fields.closeDay <= this.asOf : event.closeDay <= this.asOf;
    const won = closed && this.random.chance(event.intent === 'renewal' ? 0.85 : 0.55);
    const createdMs = fields.createdDay * DAY_MS + this.random.int(8 * 3600, 19 * 3600) * 1000;
    const draft: DraftDeal = {
      deal: {
        name: fields.name,
        account: {
          id: fields.company.id,
          name: fields.company.name,
          domain: this.domainAsTyped(fields.company.domain),
        },
        amount: fields.amount,
        currency: fields.company.country.currency,
        closeDate: fields.closeDay === null ? null : isoDay(fields.closeDay),
        createdAt: new Date(createdMs).toISOString(),
        stage: closed ? (won ? 'closedwon' : 'closedlost') : this.random.pick(OPEN_STAGES),
        isClosed: closed,
        isWon: won,
        type: fields.type,
        ownerId: fields.ownerId,
        region: fields.company.country.region,
        leadSource: fields.partners.length > 0 ? 'Partner' : this.random.pick(LEAD_SOURCES),
        products: fields.skus,
        partners: fields.partners,
        lossReason: closed && !won && this.random.chance(0.6) ? this.random.pick(LOSS_REASONS) : null,
      },
      createdMs,
      eventId: event.eventId,
      mechanism: fields.mechanism,
      groups: event.groups,
    };
    this.drafts.push(draft);
    event.drafts.push(draft);
    for (const group of event.groups) this.groups[group]?.drafts.push(draft);
    return draft;
  }

  /** Domains as people type them: with protocol, `www.`, capitals, a trailing slash. */
  private domainAsTyped(domain: string | null): string | null {
    if (domain === null) return null;
    const roll = this.random.next();
    if (roll < 0.7) return domain;
    if (roll < 0.8) return `www.${domain}`;
    if (roll < 0.88) return `https://www.${domain}/`;
    if (roll < 0.94) return `http://${domain}`;
    return domain.toUpperCase();
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

/** Lower-case ASCII fold used for keys and domains (and, with keepCase, to strip accents the way exports do). */
function fold(value: string, keepCase = false): string {
  const ascii = value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return keepCase ? ascii : ascii.toLowerCase();
}

/** One keyboard slip in a word of four letters or more: drop, double, swap or replace a letter. */
function typo(random: SeededRandom, text: string): string {
  const words = [...text.matchAll(/[A-Za-z]{4,}/g)];
  if (words.length === 0) return text;
  const word = random.pick(words);
  const start = (word.index ?? 0) + 1;
  const at = random.int(start, start + (word[0]?.length ?? 2) - 2);
  const kind = random.int(0, 3);
  if (kind === 0) return text.slice(0, at) + text.slice(at + 1);
  if (kind === 1) return text.slice(0, at) + text.charAt(at) + text.slice(at);
  if (kind === 2) return text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
  return text.slice(0, at) + random.pick([...KEYBOARD]) + text.slice(at + 1);
}
