import type { SeededRandom } from '../../src/shared/seeded-random.ts';
import type { DemoPartnerRole, Region } from './demo-catalogue.ts';

/**
 * The demo portal's history (issue #13): what makes nine quarters of deals look like a real partner programme to the
 * Operator OS (SPEC §2.5, §5), kept apart from the record-building steps (demo-roster.ts, demo-deals.ts). Pure
 * decisions on one `SeededRandom`; the generator calls them in a fixed order, so a seed still gives one portal.
 *
 * - **Time**: deals are created over the 820 days before the as-of day (eight complete quarters and change, so a
 *   quarterly trend has something in every period), a little more each month (the vendor grows).
 * - **Partners ramp up**: registrations spread over the history (a veteran cohort before it); a partner's first deal
 *   comes some weeks after it registers, then its volume grows over months. Partner-led volume follows the roster's
 *   capacity, so the share of partner deals grows as the programme does.
 * - **Partners fade**: some slide to a trickle of deals for months, then stop, at different times, so the dormant
 *   roster moves from quarter to quarter, decay shows in several quarters, and a named partner or two is decaying at
 *   the end of the last complete quarter.
 *   Part of the self-serve roster never brings a deal at all (the archive list).
 * - **Sellers differ by region**: EMEA sellers bring partners in and record their roles; in APAC most do not. Seller
 *   activation by region shows it.
 * - **The lift is real and confounded**: a partner raises the win rate inside every segment (co-sell most), while
 *   partner deals skew enterprise, where win rates are higher (enterprise deals are qualified before they are
 *   entered; SMB pipeline is mostly low-intent inbound). The crude attached-vs-unattached difference therefore
 *   overstates the stratified (Mantel–Haenszel) lift, which is what the metric exists to show.
 */

export const DAY_MS = 86_400_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** How far back deals go: nine quarters and a bit, so eight complete quarters exist before any as-of day. */
export const HISTORY_DAYS = 820;

/** Deal volume grows over the history: the creation rate at the end is this many times the rate at the start. */
const VOLUME_GROWTH = 1.6;

/** A creation instant in [start, end): density rising linearly by VOLUME_GROWTH (inverse-CDF sampling, one draw). */
export function sampleCreatedAt(dice: SeededRandom, start: number, end: number): number {
  const a = 1;
  const b = VOLUME_GROWTH - 1;
  const r = dice.next();
  const u = b === 0 ? r : (-a + Math.sqrt(a * a + 2 * b * r * (a + b / 2))) / b;
  return start + Math.floor(u * (end - start));
}

// --- segments and the win model -------------------------------------------------------------------------------

export type Segment = 'smb' | 'mid' | 'ent';

export const SEGMENT_MIX: ReadonlyArray<readonly [Segment, number]> = [
  ['smb', 0.5],
  ['mid', 0.35],
  ['ent', 0.15],
];

export const SEGMENT_AMOUNT: Readonly<Record<Segment, { median: number; cycleDays: readonly [number, number] }>> = {
  smb: { median: 9_000, cycleDays: [14, 60] },
  mid: { median: 42_000, cycleDays: [40, 120] },
  ent: { median: 185_000, cycleDays: [90, 270] },
};

/**
 * Win rate without a partner, per segment. Enterprise highest: the confounder. With PARTNER_SHARE skewing partner
 * deals to enterprise, the crude lift comes out a few points above the stratified one.
 */
export const WIN_RATE: Readonly<Record<Segment, number>> = { smb: 0.17, mid: 0.26, ent: 0.42 };

/** What a partner adds to the win probability inside a segment, by the strongest role it plays (co-sell most). */
export const PARTNER_LIFT: Readonly<Record<DemoPartnerRole | 'unlabeled', number>> = {
  cosell: 0.22,
  sourced: 0.15,
  reseller: 0.12,
  influenced: 0.1,
  referral: 0.1,
  // The seller did not record a role; the partner still helped.
  unlabeled: 0.12,
};

/** How often a deal of each segment is partner-led when the roster is at full strength (before seller habits). */
export const PARTNER_SHARE: Readonly<Record<Segment, number>> = { smb: 0.16, mid: 0.4, ent: 0.85 };

export function winProbability(segment: Segment, roles: ReadonlyArray<DemoPartnerRole | null>): number {
  let lift = 0;
  for (const role of roles) lift = Math.max(lift, PARTNER_LIFT[role ?? 'unlabeled']);
  return Math.min(0.95, WIN_RATE[segment] + lift);
}

/** The default amount bands of the attribution rules (SPEC §2.5), as the report will see the deal. */
function reportedBand(amount: number | null): string {
  if (amount === null) return 'unknown';
  return amount < 25_000 ? 'smb' : amount < 100_000 ? 'mid_market' : 'enterprise';
}

/**
 * Won or lost, with the sampling noise taken out per cell: deals the quarterly report puts side by side (new business
 * or not, closing in the same calendar quarter, in the same amount band, with a partner recorded or not) win their
 * expected share give or take one deal (error diffusion from a random start). Which deal wins still follows the draw
 * order, so single deals look as random as before; what goes is the binomial noise that, at ~60 partner deals a
 * quarter, would now and then hide the lift or flip its confounding in one quarter of a 3,000-deal demo. The report's
 * confidence interval still shows how little one quarter proves; weeks and months keep most of their noise.
 */
export class WinDraw {
  readonly #carry = new Map<string, number>();
  readonly #dice: SeededRandom;

  constructor(dice: SeededRandom) {
    this.#dice = dice;
  }

  won(
    probability: number,
    deal: { closeAt: number; amount: number | null; attached: boolean; newBusiness: boolean },
  ): boolean {
    const date = new Date(deal.closeAt);
    const quarter = `${date.getUTCFullYear()}Q${Math.floor(date.getUTCMonth() / 3)}`;
    const key = `${quarter}:${reportedBand(deal.amount)}:${deal.attached}:${deal.newBusiness}`;
    const carry = (this.#carry.get(key) ?? this.#dice.next()) + probability;
    const won = carry >= 1;
    this.#carry.set(key, won ? carry - 1 : carry);
    return won;
  }
}

/**
 * When a deal closes (or is expected to): the segment's sales cycle from its creation. A deal whose cycle ends
 * before the as-of day is closed then, except the few a seller left open with the close date pushed past the as-of
 * day (stale pipeline); every other deal is open with its expected close date ahead. So a closed deal's close date
 * lies between its creation and the as-of day, and an open deal's lies after the as-of day.
 */
export function closeTiming(
  dice: SeededRandom,
  segment: Segment,
  createdAt: number,
  asOfMs: number,
): { closed: boolean; closeAt: number } {
  const [minCycle, maxCycle] = SEGMENT_AMOUNT[segment].cycleDays;
  const closeAt = createdAt + dice.int(minCycle, maxCycle) * DAY_MS;
  if (closeAt < asOfMs - DAY_MS && !dice.chance(0.03)) return { closed: true, closeAt };
  return { closed: false, closeAt: Math.max(closeAt, asOfMs + dice.int(7, 120) * DAY_MS) };
}

// --- sellers ---------------------------------------------------------------------------------------------------

/**
 * Seller habits per region: the share of sellers who never bring a partner in or record one (the inactive sellers
 * activation counts), how reliably the others record a partner's role, and how often they bring one in.
 */
export const SELLER_HABITS: Readonly<
  Record<Region, { inactiveShare: number; affinity: readonly [number, number]; bringsPartners: number }>
> = {
  EMEA: { inactiveShare: 0, affinity: [0.85, 1], bringsPartners: 1.5 },
  NA: { inactiveShare: 0.25, affinity: [0.7, 0.95], bringsPartners: 1 },
  LATAM: { inactiveShare: 0.4, affinity: [0.6, 0.9], bringsPartners: 0.8 },
  APAC: { inactiveShare: 0.6, affinity: [0.45, 0.75], bringsPartners: 0.5 },
};

/**
 * The affinity (how often roles get recorded; 0 = never works with partners) of the k-th of n sellers of a region: the
 * last ones, the region's inactive share of n rounded, are inactive, so each region's share holds at any portal size.
 */
export function sellerAffinity(
  dice: SeededRandom,
  region: Region,
  indexInRegion: number,
  sellersInRegion: number,
): number {
  const habit = SELLER_HABITS[region];
  const inactive = Math.round(sellersInRegion * habit.inactiveShare);
  const draw = dice.between(habit.affinity[0], habit.affinity[1]);
  return indexInRegion >= sellersInRegion - inactive ? 0 : draw;
}

// --- partner lifecycles ----------------------------------------------------------------------------------------

export interface PartnerHistory {
  registeredAt: number;
  /** No deal before this instant: a partner needs some weeks to bring its first one. */
  firstDealFrom: number;
  /** From firstDealFrom, activity grows to full over this many ms. */
  rampMs: number;
  /**
   * A fading partner's activity slides from full at fadeFrom down to a trickle (this share of full) over FADE_MS,
   * stays a trickle, and stops at stopAt. Infinity for the others.
   */
  fadeFrom: number;
  trickle: number;
  stopAt: number;
  /** Registered, never brought a deal. */
  silent: boolean;
}

export type PartnerPhase = 'steady' | 'fading_now' | 'faded' | 'silent';

/** How long a fading partner takes to slide from full activity to a trickle. */
const FADE_MS = 45 * DAY_MS;

/**
 * One partner's lifecycle. Named partners are mostly veterans; the self-serve roster keeps signing up across the
 * history and part of it never produces. `phase` places a fading partner's decline: one fading now slid to a trickle
 * six or seven months before the as-of day and still brings the odd deal; one that already faded went quiet for good
 * somewhere in the history.
 *
 * Why a slide to a trickle rather than a smooth taper to zero: the engine calls a partner decaying when its last 90
 * days' rate is under half the rate of the 180 days before, and dormant after 90 days without a deal. A smooth taper
 * holds the first without tripping the second for only a few weeks; a trickle holds it for about four months (from
 * ~2 to ~7 months after the slide), so the end of the last complete quarter always falls inside it.
 */
export function partnerHistory(
  dice: SeededRandom,
  input: { named: boolean; phase: PartnerPhase; historyStart: number; asOfMs: number },
): PartnerHistory {
  const { named, phase, historyStart, asOfMs } = input;
  const veteran = dice.chance(named ? 0.55 : 0.2);
  // Fading partners need a track record before they fade: they registered early in the history.
  const latest = phase === 'steady' || phase === 'silent' ? asOfMs - 45 * DAY_MS : historyStart + 120 * DAY_MS;
  const registeredAt = veteran
    ? historyStart - dice.int(30, 420) * DAY_MS
    : historyStart + Math.floor((dice.next() * (latest - historyStart)) / DAY_MS) * DAY_MS;
  const firstDealFrom = registeredAt + dice.int(named ? 21 : 28, named ? 49 : 84) * DAY_MS;
  const rampMs = dice.int(named ? 90 : 120, named ? 180 : 300) * DAY_MS;
  const trickle = dice.between(0.2, 0.3);
  const trickleMs = dice.int(240, 300) * DAY_MS;
  let fadeFrom = Number.POSITIVE_INFINITY;
  let stopAt = Number.POSITIVE_INFINITY;
  if (phase === 'fading_now') {
    fadeFrom = asOfMs - dice.int(185, 215) * DAY_MS;
    stopAt = fadeFrom + FADE_MS + trickleMs;
  } else if (phase === 'faded') {
    const matured = firstDealFrom + rampMs + 60 * DAY_MS;
    const room = Math.max(0, asOfMs - 90 * DAY_MS - FADE_MS - trickleMs - matured);
    fadeFrom = matured + Math.floor((dice.next() * room) / DAY_MS) * DAY_MS;
    stopAt = fadeFrom + FADE_MS + trickleMs;
  }
  return { registeredAt, firstDealFrom, rampMs, fadeFrom, trickle, stopAt, silent: phase === 'silent' };
}

/** How active a partner is at an instant, 0..1: ramping up after its first weeks; sliding to a trickle, then none. */
export function activityLevel(history: PartnerHistory, at: number): number {
  if (history.silent || at < history.firstDealFrom || at >= history.stopAt) return 0;
  const ramp = Math.min(1, (at - history.firstDealFrom) / history.rampMs);
  if (at < history.fadeFrom) return ramp;
  const slid = Math.min(1, (at - history.fadeFrom) / FADE_MS);
  return ramp * (1 - slid * (1 - history.trickle));
}

/**
 * The roster's availability by day, for picking which partner brings a deal: one row of cumulative weight ×
 * activity per day of the history, so a pick is one draw and a binary search, at any portal size.
 */
export class PartnerCalendar {
  readonly #start: number;
  readonly #days: number;
  readonly #count: number;
  readonly #cumulative: Float64Array;
  readonly #peak: number;

  constructor(partners: ReadonlyArray<{ weight: number; history: PartnerHistory }>, start: number, end: number) {
    this.#start = start;
    this.#days = Math.max(1, Math.ceil((end - start) / DAY_MS));
    this.#count = partners.length;
    this.#cumulative = new Float64Array(this.#days * this.#count);
    let peak = 0;
    for (let day = 0; day < this.#days; day++) {
      const at = start + day * DAY_MS + DAY_MS / 2;
      let sum = 0;
      for (let i = 0; i < this.#count; i++) {
        const partner = partners[i] as { weight: number; history: PartnerHistory };
        sum += partner.weight * activityLevel(partner.history, at);
        this.#cumulative[day * this.#count + i] = sum;
      }
      peak = Math.max(peak, sum);
    }
    this.#peak = peak;
  }

  #day(at: number): number {
    return Math.min(this.#days - 1, Math.max(0, Math.floor((at - this.#start) / DAY_MS)));
  }

  /** The roster's capacity to bring deals at an instant, relative to its best day (0..1). */
  capacity(at: number): number {
    if (this.#count === 0 || this.#peak === 0) return 0;
    const day = this.#day(at);
    return (this.#cumulative[day * this.#count + this.#count - 1] as number) / this.#peak;
  }

  /** A partner active at `at`, by weight × activity (index into the list given), never `exclude`; undefined if none. */
  pick(dice: SeededRandom, at: number, exclude?: number): number | undefined {
    if (this.#count === 0) return undefined;
    const row = this.#day(at) * this.#count;
    const cumulative = (index: number) => (index < 0 ? 0 : (this.#cumulative[row + index] as number));
    // Drawing from the roster without the excluded partner's share, then stepping over it: one draw, exact.
    const excluded = exclude === undefined ? 0 : cumulative(exclude) - cumulative(exclude - 1);
    const total = cumulative(this.#count - 1) - excluded;
    if (total <= 0) return undefined;
    let roll = dice.next() * total;
    if (exclude !== undefined && roll >= cumulative(exclude - 1)) roll += excluded;
    let low = 0;
    let high = this.#count - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative(middle) > roll) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

/**
 * The truth about a partner as of an instant, in the scoring engine's terms (SPEC §2.3 with the default 90-day
 * window): dormant when nothing can have come for more than 90 days, decaying from its slide until it stops.
 */
export function partnerStateAt(history: PartnerHistory, at: number): { dormant: boolean; decaying: boolean } {
  const quietSince = history.silent ? history.registeredAt : history.stopAt;
  const dormant = at - Math.max(quietSince, history.registeredAt) > 90 * DAY_MS;
  return { dormant, decaying: !dormant && at >= history.fadeFrom && at < history.stopAt };
}
