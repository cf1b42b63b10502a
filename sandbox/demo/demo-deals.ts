import type { SeededRandom } from '../../src/shared/seeded-random.ts';
import type { AttributionGapKind } from './anomaly-kinds.ts';
import {
  DEAL_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY_UNLABELED,
  DEMO_PIPELINES,
  type DemoAssociation,
  type DemoOwner,
  type DemoPartnerRole,
  type DemoPipeline,
  type DemoRecord,
  type DemoStage,
  type DemoTruth,
  LOSS_REASONS,
  PARTNER_ROLE_LABELS,
  PRODUCTS,
  REGISTRATION_STATUS,
  type Region,
} from './demo-catalogue.ts';
import {
  closeTiming,
  DAY_MS as DAY,
  iso,
  isoDate,
  PARTNER_SHARE,
  PartnerCalendar,
  SEGMENT_AMOUNT,
  SEGMENT_MIX,
  SELLER_HABITS,
  type Segment,
  startOfDay,
  WinDraw,
  winProbability,
} from './demo-history.ts';
import type { Company, PartnerProfile, Roster } from './demo-roster.ts';

/**
 * The second step of the demo portal: its deals. `DealBook.fresh` drafts one deal the way a seller would enter it
 * (owner of the customer's region, lead source, partners and their roles, the sales cycle, amount, stage, currency,
 * a registration when a partner sourced it) and plants the dirty data the hygiene rules must catch (missing partner
 * or role, churn in a won stage, lost deals without a reason); `add` files it with its customer and partner
 * associations. Deal ids follow the order drafts are made in.
 */

export interface DealDraft {
  record: DemoRecord;
  customer: Company;
  segment: Segment;
  partners: Array<{ partner: PartnerProfile; role: DemoPartnerRole | null }>;
}

export interface FreshDealInput {
  customer: Company;
  createdAt: number;
  dealtype?: string;
  products?: string[];
  owner?: DemoOwner;
  segment?: Segment;
}

const FIRST_DEAL_ID = 30_000_000_001;
const FIRST_REGISTRATION = 10_001;

export class DealBook {
  readonly deals: DemoRecord[] = [];
  readonly drafts: DealDraft[] = [];
  readonly associations: DemoAssociation[] = [];
  readonly #dice: SeededRandom;
  readonly #roster: Roster;
  readonly #asOfMs: number;
  readonly #truth: DemoTruth;
  readonly #calendar: PartnerCalendar;
  readonly #wins: WinDraw;
  /** When each customer opened its fresh deals (see `pickCustomer`). */
  readonly #openedAt = new Map<Company, number[]>();
  #nextDealId = FIRST_DEAL_ID;
  #nextRegistration = FIRST_REGISTRATION;

  constructor(dice: SeededRandom, roster: Roster, window: { historyStart: number; asOfMs: number }, truth: DemoTruth) {
    this.#dice = dice;
    this.#roster = roster;
    this.#asOfMs = window.asOfMs;
    this.#truth = truth;
    this.#calendar = new PartnerCalendar(roster.partners, window.historyStart, window.asOfMs);
    this.#wins = new WinDraw(dice);
  }

  /** Files a draft: its record, the primary customer association and one association per partner (with its label). */
  add(draft: DealDraft): DealDraft {
    this.drafts.push(draft);
    this.deals.push(draft.record);
    this.associations.push({
      dealId: draft.record.id,
      companyId: draft.customer.record.id,
      typeIds: [DEAL_TO_COMPANY_PRIMARY, DEAL_TO_COMPANY_UNLABELED],
    });
    for (const { partner, role } of draft.partners) {
      const label = role ? PARTNER_ROLE_LABELS.find((entry) => entry.role === role) : undefined;
      this.associations.push({
        dealId: draft.record.id,
        companyId: partner.company.record.id,
        typeIds: label ? [DEAL_TO_COMPANY_UNLABELED, label.typeId] : [DEAL_TO_COMPANY_UNLABELED],
      });
    }
    return draft;
  }

  /** A new deal as a seller enters it; an attribution gap it carries goes into the truth. */
  fresh(input: FreshDealInput): DealDraft {
    const dice = this.#dice;
    const asOfMs = this.#asOfMs;
    const { customer, createdAt } = input;
    const segment = input.segment ?? dice.weighted(SEGMENT_MIX);
    const owner = input.owner ?? this.pickOwner(customer.region);
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
    const capacity = this.#calendar.capacity(createdAt);
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
    const attached: DealDraft['partners'] = [];
    const partnerLed = leadSource === 'partner';
    let gap: AttributionGapKind | null = null;
    if (partnerLed) {
      const partner = dice.chance(0.88) ? this.pickPartner(createdAt) : undefined;
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
      const partner = this.pickPartner(createdAt, attached[0]?.partner);
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
      this.#wins.won(winProbability(segment, roles), {
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
      this.register(properties, sourced.partner, createdAt, dice.weighted(REGISTRATION_STATUS));
    }

    const updatedAt = Math.min(asOfMs, closed ? closeAt : createdAt + dice.int(0, 30) * DAY);
    const draft = this.draft(properties, createdAt, updatedAt, customer, segment, attached);
    if (gap) this.#truth.attributionGaps.push({ dealId: draft.record.id, kind: gap });
    return draft;
  }

  /** Writes a partner registration (the next REG- number) into the deal's properties. */
  register(properties: Record<string, string>, partner: PartnerProfile, createdAt: number, status: string): void {
    properties.partner_registration_id = `REG-${this.#nextRegistration++}`;
    properties.partner_registration_status = status;
    properties.partner_registration_partner_id = partner.company.record.id;
    properties.partner_registration_date = isoDate(createdAt - this.#dice.int(0, 7) * DAY);
  }

  /** Gives the properties the next deal id and HubSpot's system dates. */
  draft(
    properties: Record<string, string>,
    createdAt: number,
    updatedAt: number,
    customer: Company,
    segment: Segment,
    partnersOfDeal: DealDraft['partners'],
  ): DealDraft {
    const id = String(this.#nextDealId++);
    properties.createdate = iso(createdAt);
    properties.hs_lastmodifieddate = iso(updatedAt);
    properties.hs_object_id = id;
    return { record: { id, properties, createdAt, updatedAt }, customer, segment, partners: partnersOfDeal };
  }

  /** Sellers work their own region's territory (a region without sellers falls back to anyone). */
  pickOwner(region: Region): DemoOwner {
    const local = this.#roster.ownersByRegion.get(region) ?? [];
    return this.#dice.pick(local.length > 0 ? local : this.#roster.owners);
  }

  /** A partner active at `at`, by weight × activity, never `exclude`. */
  pickPartner(at: number, exclude?: PartnerProfile): PartnerProfile | undefined {
    const index = this.#calendar.pick(this.#dice, at, exclude?.index);
    return index === undefined ? undefined : this.#roster.partners[index];
  }

  /**
   * Customers are reused with a skew (a few big accounts buy often), like a real book of business.
   * A customer rarely opens a second deal within weeks of the last one; when the CRM shows that, it is usually a
   * duplicate. Keeping fresh deals of one customer apart keeps the seeded duplicates the only near-twins.
   */
  pickCustomer(createdAt: number): Company {
    const dice = this.#dice;
    const { customers } = this.#roster;
    let customer: Company | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const index = Math.floor(customers.length * dice.next() ** 1.6);
      customer = customers[Math.min(index, customers.length - 1)] ?? dice.pick(customers);
      const near = this.#openedAt.get(customer)?.some((at) => Math.abs(at - createdAt) < 45 * DAY);
      if (!near) break;
    }
    const chosen = customer ?? dice.pick(customers);
    this.#openedAt.set(chosen, [...(this.#openedAt.get(chosen) ?? []), createdAt]);
    return chosen;
  }
}

export function roundAmount(value: number): number {
  return Math.max(100, Math.round(value / 100) * 100);
}

function pickProducts(dice: SeededRandom): string[] {
  const count = dice.weighted([
    [1, 0.6],
    [2, 0.3],
    [3, 0.1],
  ]);
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(dice.pick(PRODUCTS)[0]);
  return [...chosen];
}

function pickStage(dice: SeededRandom, pipeline: DemoPipeline, closed: boolean, won: boolean): DemoStage {
  if (closed) {
    const stage = pipeline.stages.find((candidate) => candidate.isClosed && candidate.isWon === won);
    if (!stage) throw new Error(`pipeline ${pipeline.id} lacks a closed stage`);
    return stage;
  }
  return dice.pick(pipeline.stages.filter((candidate) => !candidate.isClosed));
}

function currencyFor(dice: SeededRandom, region: Region): string {
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
