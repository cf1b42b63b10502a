import type { Deal, DealPartner, DealType, PartnerRole } from '../../src/model/deal.ts';
import type { SeededRandom } from '../../src/shared/seeded-random.ts';
import type { DuplicateMechanism, HardNegativeType } from './anomaly-kinds.ts';
import {
  DAY_MS,
  dayOf,
  EDITIONS,
  FAMILIES,
  type Intent,
  isoDay,
  LEAD_SOURCES,
  LOSS_REASONS,
  OPEN_STAGES,
  roundTo,
  typo,
} from './labelled-catalogue.ts';
import type { Company, CompanyDirectory } from './labelled-companies.ts';

/**
 * The records of the labelled dedupe world (labelled-deals.ts): a buying event becomes its original deal record and,
 * at the world's duplicate rate, one or two more through the four mechanisms (anomaly-kinds.ts), each with the noise
 * its mechanism brings (a partner's naming, typos, case, rounded or shifted amounts and dates, a second company
 * record, domains as typed). Records created after the as-of day do not exist yet; the world stops at its size.
 */
export interface BuyingEvent {
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

export interface DraftDeal {
  deal: Omit<Deal, 'id'>;
  createdMs: number;
  eventId: string;
  mechanism: DuplicateMechanism | null;
  groups: number[];
}

export class RecordBook {
  readonly drafts: DraftDeal[] = [];
  readonly groups: Array<{ type: HardNegativeType; drafts: DraftDeal[] }> = [];
  readonly #random: SeededRandom;
  readonly #companies: CompanyDirectory;
  readonly #target: number;
  readonly #asOf: number;
  readonly #duplicateRate: number;

  constructor(
    random: SeededRandom,
    companies: CompanyDirectory,
    world: { target: number; asOf: number; duplicateRate: number },
  ) {
    this.#random = random;
    this.#companies = companies;
    this.#target = world.target;
    this.#asOf = world.asOf;
    this.#duplicateRate = world.duplicateRate;
  }

  /** The world has its size: no more records. */
  get full(): boolean {
    return this.drafts.length >= this.#target;
  }

  /** Makes the events a hard-negative group: their records, made and to come, look alike but must stay apart. */
  group(type: HardNegativeType, events: BuyingEvent[]): void {
    const index = this.groups.length;
    this.groups.push({ type, drafts: [] });
    // Records made so far for these events join now; records made later join in draft().
    for (const event of events) {
      event.groups.push(index);
      this.groups[index]?.drafts.push(...event.drafts);
    }
  }

  /** The original record of an event, then (maybe) its duplicates. Returns the original's draft. */
  record(event: BuyingEvent, genericName = false): DraftDeal | undefined {
    if (this.drafts.length >= this.#target) return undefined;
    const original = this.#draft(event, {
      company: event.company,
      name: genericName ? `${event.company.display} - New Business` : this.#dealName(event, 'seller'),
      amount: this.#random.chance(0.03) ? null : event.amount,
      closeDay: this.#random.chance(0.03) ? null : event.closeDay,
      createdDay: event.createdDay,
      skus: this.#random.chance(0.03) ? [] : event.skus,
      partners: event.partners,
      ownerId: event.ownerId,
      type: this.#random.chance(0.85) ? event.intent : null,
      mechanism: null,
    });
    if (original && this.#random.chance(this.#duplicateRate)) {
      this.#duplicate(event, original);
      if (this.#random.chance(0.12)) this.#duplicate(event, original);
    }
    return original;
  }

  #duplicate(event: BuyingEvent, original: DraftDeal): void {
    if (this.drafts.length >= this.#target) return;
    const registrant = event.partners.find((partner) => partner.role !== 'influenced');
    const mechanism: DuplicateMechanism = registrant
      ? this.#random.weighted<DuplicateMechanism>([
          ['reentry', 20],
          ['double_registration', 30],
          ['registration_conflict', 30],
          ['import_copy', 20],
        ])
      : this.#random.weighted<DuplicateMechanism>([
          ['reentry', 55],
          ['import_copy', 45],
        ]);
    const noisyAmount = () => {
      if (this.#random.chance(0.05)) return null;
      const roll = this.#random.next();
      if (roll < 0.4) return event.amount;
      if (roll < 0.7)
        return roundTo(
          event.amount,
          event.amount >= 50_000 ? this.#random.pick([1000, 5000]) : event.amount >= 10_000 ? 1000 : 100,
        );
      return roundTo(event.amount * this.#random.between(0.92, 1.08), 100);
    };
    const noisyClose = () => {
      if (this.#random.chance(0.05)) return null;
      const roll = this.#random.next();
      if (roll < 0.45) return event.closeDay;
      const sign = this.#random.chance(0.5) ? -1 : 1;
      return event.closeDay + sign * (roll < 0.8 ? this.#random.int(1, 10) : this.#random.int(11, 40));
    };
    const noisySkus = () => {
      const roll = this.#random.next();
      if (roll < 0.05) return [];
      if (roll < 0.15)
        return event.skus.map((sku) => `${sku.split(' ').slice(0, -1).join(' ')} ${this.#random.pick(EDITIONS)}`);
      return event.skus;
    };
    const type = () => (this.#random.chance(0.8) ? event.intent : null);

    if (mechanism === 'import_copy') {
      const source = original.deal;
      const company = this.#random.chance(0.5) ? this.#companies.duplicateRecord(event.company, 0.8) : event.company;
      let name = source.name;
      const roll = this.#random.next();
      if (roll < 0.1) name = name.toUpperCase();
      else if (roll < 0.2) name = `${name.replace(/ - /g, '-')} `.trim();
      this.#draft(event, {
        company,
        name,
        amount: this.#random.chance(0.85)
          ? source.amount
          : source.amount === null
            ? null
            : roundTo(source.amount, source.amount >= 10_000 ? 1000 : 100),
        closeDay: this.#random.chance(0.9)
          ? source.closeDate === null
            ? null
            : dayOf(source.closeDate)
          : event.closeDay + this.#random.int(-5, 5),
        createdDay: Math.floor(original.createdMs / DAY_MS) + this.#random.int(30, 400),
        skus: source.products,
        partners: this.#random.chance(0.3) ? [] : source.partners,
        ownerId: this.#random.chance(0.6) ? (source.ownerId ?? '999') : '999',
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
      if (this.#random.chance(0.2)) company = this.#companies.duplicateRecord(event.company, 0.6);
      ownerId = this.#companies.ownerIn(event.company.country.region, event.ownerId);
      partners = this.#random.chance(0.5) ? event.partners : [];
    } else {
      if (this.#random.chance(0.35)) company = this.#companies.duplicateRecord(event.company, 0.6);
      style = 'partner';
      if (mechanism === 'registration_conflict') {
        const other = this.#companies.anyPartnerExcept(event.company, registrant?.partnerId ?? '');
        partners = [
          {
            partnerId: other,
            role: this.#random.pick<PartnerRole>(['sourced', 'referral', 'reseller']),
            splitPct: null,
          },
        ];
      } else if (registrant) {
        partners = [registrant];
      }
      if (this.#random.chance(0.5)) ownerId = this.#companies.ownerIn(event.company.country.region, event.ownerId);
    }
    let name = this.#dealName(event, style);
    if (this.#random.chance(0.15)) name = typo(this.#random, name);
    const casing = this.#random.next();
    if (casing < 0.08) name = name.toUpperCase();
    else if (casing < 0.16) name = name.toLowerCase();
    this.#draft(event, {
      company,
      name,
      amount: noisyAmount(),
      closeDay: noisyClose(),
      createdDay: Math.floor(original.createdMs / DAY_MS) + this.#random.int(mechanism === 'reentry' ? 1 : 0, 60),
      skus: noisySkus(),
      partners,
      ownerId,
      type: type(),
      mechanism,
    });
  }

  #dealName(event: BuyingEvent, style: 'seller' | 'partner'): string {
    const account = this.#random.chance(0.15) ? event.company.name : event.company.display;
    const product = this.#random.chance(0.7)
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
      const tag = this.#random.pick(['Deal Reg', 'Registration', 'Opp', 'Reg']);
      const intentWord = event.intent === 'renewal' ? ' Renewal' : event.intent === 'expansion' ? ' Expansion' : '';
      return this.#random.pick([
        `${account} / ${product}${intentWord} / ${tag}`,
        `${tag}: ${account} ${product}${intentWord}`,
        `${account} ${product}${intentWord} (${tag})`,
      ]);
    }
    return this.#random.pick(templates[event.intent]);
  }

  #draft(
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
    if (fields.createdDay > this.#asOf) return undefined;
    const closed = fields.closeDay !== null ? fields.closeDay <= this.#asOf : event.closeDay <= this.#asOf;
    const won = closed && this.#random.chance(event.intent === 'renewal' ? 0.85 : 0.55);
    const createdMs = fields.createdDay * DAY_MS + this.#random.int(8 * 3600, 19 * 3600) * 1000;
    const draft: DraftDeal = {
      deal: {
        name: fields.name,
        account: {
          id: fields.company.id,
          name: fields.company.name,
          domain: this.#domainAsTyped(fields.company.domain),
        },
        amount: fields.amount,
        currency: fields.company.country.currency,
        closeDate: fields.closeDay === null ? null : isoDay(fields.closeDay),
        createdAt: new Date(createdMs).toISOString(),
        stage: closed ? (won ? 'closedwon' : 'closedlost') : this.#random.pick(OPEN_STAGES),
        isClosed: closed,
        isWon: won,
        type: fields.type,
        ownerId: fields.ownerId,
        region: fields.company.country.region,
        leadSource: fields.partners.length > 0 ? 'Partner' : this.#random.pick(LEAD_SOURCES),
        products: fields.skus,
        partners: fields.partners,
        lossReason: closed && !won && this.#random.chance(0.6) ? this.#random.pick(LOSS_REASONS) : null,
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
  #domainAsTyped(domain: string | null): string | null {
    if (domain === null) return null;
    const roll = this.#random.next();
    if (roll < 0.7) return domain;
    if (roll < 0.8) return `www.${domain}`;
    if (roll < 0.88) return `https://www.${domain}/`;
    if (roll < 0.94) return `http://${domain}`;
    return domain.toUpperCase();
  }
}
