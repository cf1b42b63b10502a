import type { Deal, DealPartner, PartnerRole } from '../../src/model/deal.ts';
import { SeededRandom } from '../../src/shared/seeded-random.ts';
import type { DuplicateMechanism, HardNegativeType } from './anomaly-kinds.ts';
import {
  COUNTRIES,
  type Country,
  DAY_MS,
  dayOf,
  EDITIONS,
  FAMILIES,
  type Intent,
  roundTo,
  SUBSIDIARY_QUALIFIERS,
} from './labelled-catalogue.ts';
import { type Company, CompanyDirectory } from './labelled-companies.ts';
import { type BuyingEvent, type DraftDeal, RecordBook } from './labelled-records.ts';

/**
 * A seeded, labelled world of deals for the dedupe engine: its tests and benchmark, and the weight calibration
 * (bench/dedupe/calibrate-weights.ts). Canonical interchange records, unlike the demo portal's HubSpot records; the
 * anomalies are named alike (anomaly-kinds.ts).
 *
 * Accounts live through realistic histories (new business, yearly renewals, repeat expansions, cross-sell, concurrent
 * purchases of other products), some companies have namesakes abroad or subsidiaries with their own domain, and a share
 * of buying events is recorded more than once through the four mechanisms of SPEC §2.2. Every record carries the noise
 * CRMs really hold: typos, legal-suffix swaps, case, accents, domains with protocols or missing, amounts rounded or
 * off by up to 8 %, close dates up to 40 days off, duplicate company records with other ids, missing types/products.
 *
 * This file makes the accounts' histories (the buying events); labelled-companies.ts the companies, sellers and
 * partners; labelled-records.ts the deal records of each event, duplicates and noise included.
 */
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

export function generateLabelledDeals(options: GenerateLabelledDealsOptions): LabelledDeals {
  return new WorldGenerator(options).generate();
}

class WorldGenerator {
  private readonly random: SeededRandom;
  private readonly target: number;
  private readonly asOf: number;
  private readonly companies: CompanyDirectory;
  private readonly records: RecordBook;
  private nextEvent = 1;

  constructor(options: GenerateLabelledDealsOptions) {
    this.random = new SeededRandom(options.seed);
    this.target = Math.max(0, Math.floor(options.deals));
    this.asOf = dayOf(options.asOf ?? '2026-06-30');
    this.companies = new CompanyDirectory(this.random, this.target);
    this.records = new RecordBook(this.random, this.companies, {
      target: this.target,
      asOf: this.asOf,
      duplicateRate: options.duplicateRate ?? 0.12,
    });
  }

  generate(): LabelledDeals {
    while (!this.records.full) this.account();
    const kept = this.records.drafts.slice(0, this.target);
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
    for (const group of this.records.groups) {
      const dealIds = group.drafts.map((draft) => ids.get(draft)).filter((id): id is string => id !== undefined);
      if (dealIds.length >= 2) hardNegatives.push({ type: group.type, dealIds });
    }
    return { deals, truth: { labels, hardNegatives } };
  }

  // ---- account histories -----------------------------------------------------------------------------------------

  private account(): void {
    const country = this.random.weighted(COUNTRIES);
    const company = this.companies.company(country, this.companies.freshDisplayName(country));
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
    const firstDraft = this.records.record(first);

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
      const secondDraft = this.records.record(concurrent, generic);
      if (generic && firstDraft) firstDraft.deal.name = `${company.display} - New Business`;
      if (firstDraft && secondDraft) this.records.group('concurrent_products', [first, concurrent]);
    }

    const series: BuyingEvent[] = [first];
    if (this.random.chance(0.65)) {
      let amount = first.amount;
      for (let year = 1; ; year += 1) {
        const close = start + 365 * year + this.random.int(-20, 20);
        if (close > this.asOf + 200) break;
        amount = roundTo(amount * this.random.between(0.97, 1.1), 100);
        const renewal = this.event(company, 'renewal', families, close, first.units, amount);
        this.records.record(renewal);
        series.push(renewal);
      }
      if (series.length >= 2) this.records.group('renewal_other_year', series);
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
      this.records.record(expansion);
      expansions.push(expansion);
      when += this.random.int(75, 240);
    }
    if (expansions.length >= 2) this.records.group('repeat_expansion', expansions);

    if (this.random.chance(0.2)) {
      const other = this.distinctFamilies(1, families);
      const crossSell = this.event(
        company,
        'new_business',
        other,
        start + this.random.int(150, 900),
        this.random.int(10, 300),
      );
      if (crossSell.closeDay <= this.asOf + 200) this.records.record(crossSell);
    }
    if (this.random.chance(0.5) && !this.records.full) {
      // A few more unrelated opportunities, mostly long before or after.
      const other = this.random.chance(0.5) ? families : this.distinctFamilies(1);
      const extra = this.event(
        company,
        'new_business',
        other,
        start + this.random.int(-900, -150),
        this.random.int(10, 300),
      );
      this.records.record(extra);
    }
    return first;
  }

  /** Same name, another company: abroad (other legal form, currency, region) or at home with another domain. */
  private namesake(company: Company, first: BuyingEvent): void {
    const abroad = this.random.chance(0.7);
    const country = abroad ? this.otherCountry(company.country) : company.country;
    const twin = this.companies.company(
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
    this.records.record(event);
    this.records.group('namesake', [first, event]);
    if (this.random.chance(0.5)) this.history(twin, first.closeDay + this.random.int(-700, 700));
  }

  /** A subsidiary with its own company record and domain, buying the same thing at the same time as its parent. */
  private subsidiary(parent: Company, first: BuyingEvent): void {
    const abroad = this.random.chance(0.4);
    const country = abroad ? this.otherCountry(parent.country) : parent.country;
    const qualifier = this.random.pick(SUBSIDIARY_QUALIFIERS);
    const display = `${parent.display} ${qualifier}`;
    if (!this.companies.claimName(display)) return;
    const child = this.companies.company(country, display);
    const event = this.event(
      child,
      'new_business',
      first.families,
      first.closeDay + this.random.int(-30, 30),
      first.units,
      roundTo(first.amount * this.random.between(0.7, 1.3), 100),
    );
    this.records.record(event);
    this.records.group('subsidiary', [first, event]);
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
        intent === 'new_business' && this.random.chance(0.6) ? this.companies.anyPartner(company) : company.partner;
      partners.push({ partnerId, role, splitPct: null });
    } else if (this.random.chance(0.15)) {
      partners.push({ partnerId: this.companies.anyPartner(company), role: 'influenced', splitPct: null });
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
      ownerId: this.random.chance(0.8) ? company.ownerId : this.companies.ownerIn(company.country.region),
      groups: [],
      drafts: [],
    };
    this.nextEvent += 1;
    return event;
  }
}
