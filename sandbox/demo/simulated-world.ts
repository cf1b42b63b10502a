import { open } from 'node:fs/promises';
import { DEFAULT_ATTRIBUTION_RULES } from '../../src/attribution/attribution-rules.ts';
import type { Deal, DealPartner, DealType, PartnerRole } from '../../src/model/deal.ts';
import type { Partner, PartnerType } from '../../src/model/partner.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import { SeededRandom } from '../../src/shared/seeded-random.ts';

/**
 * A seeded world of deals with **segment confounding and a known true lift**, for the lift benchmark (SPEC §6) and the
 * 1,000,000-deal `partnerloop report` run.
 *
 * Every deal belongs to a segment — the amount bands of the default attribution rules, plus `unknown` for a null
 * amount, which is how the engine stratifies (SPEC §2.5). Per segment the world fixes a share of deals, the
 * probability that a partner is attached and the base win rate. Partners skew strongly toward enterprise, and
 * enterprise wins more often than SMB, so the crude attached-minus-unattached difference is biased upward. An attached
 * deal wins with probability base(segment) + trueLift: the same risk difference in every stratum, so the
 * Mantel–Haenszel estimand is exactly `trueLift` and the crude difference is `trueLift` plus the confounding
 * (`truth.expectedRawDifference` gives its population value).
 *
 * The noise the engine must see through: renewals (mostly won, partners attached more often) and churn, which never
 * count as new business; open deals; deals created and closed outside the covered quarter; null types; several
 * partners on a deal, named and self-serve. Attachment and winning depend on the segment only, never on time,
 * region, owner or deal type, so no other confounder exists.
 *
 * Records are canonical interchange records: `dealSchema.parse(deal)` returns an equal object, so they can go to the
 * engine directly or be written as JSONL. `deals()` is a generator (each call replays the same sequence) and
 * `writeSimulatedWorld` streams it to disk, so a million-deal world never sits in memory.
 */

export const SIMULATED_SEGMENTS = ['smb', 'mid_market', 'enterprise', 'unknown'] as const;
export type SimulatedSegment = (typeof SIMULATED_SEGMENTS)[number];

export interface SegmentProfile {
  /** Share of all deals in the segment. */
  share: number;
  /** Probability that a deal of the segment has at least one partner. */
  attachRate: number;
  /** Win probability of a closed new-business deal without a partner. */
  baseWinRate: number;
  /** Probability that the first partner on an attached deal is a named (not self-serve) partner. */
  namedShare: number;
  /** Median amount drawn (log-normal, kept inside the band); null for the `unknown` segment (no amount). */
  medianAmount: number | null;
  /** Days from creation to close, uniform in [min, max]. */
  cycleDays: readonly [number, number];
}

/** Partners skew enterprise (attach 8 % of SMB deals, 70 % of enterprise ones) and enterprise wins twice as often. */
export const SEGMENT_PROFILES: Readonly<Record<SimulatedSegment, SegmentProfile>> = {
  smb: { share: 0.52, attachRate: 0.08, baseWinRate: 0.2, namedShare: 0.25, medianAmount: 9_000, cycleDays: [7, 60] },
  mid_market: {
    share: 0.28,
    attachRate: 0.3,
    baseWinRate: 0.3,
    namedShare: 0.6,
    medianAmount: 48_000,
    cycleDays: [30, 120],
  },
  enterprise: {
    share: 0.14,
    attachRate: 0.7,
    baseWinRate: 0.42,
    namedShare: 0.85,
    medianAmount: 220_000,
    cycleDays: [60, 240],
  },
  unknown: {
    share: 0.06,
    attachRate: 0.15,
    baseWinRate: 0.15,
    namedShare: 0.4,
    medianAmount: null,
    cycleDays: [7, 120],
  },
};

export interface SimulatedWorldOptions {
  seed: number;
  /** Exact number of deal records. */
  deals: number;
  /** The world's "today", YYYY-MM-DD (default 2026-07-01): deals closing on or after it are open. */
  asOf?: string | undefined;
  /** Risk difference of an attached deal's win probability over the base rate, in every segment (default 0.06). */
  trueLift?: number | undefined;
  /** Quarters (91-day blocks) of history before as-of in which deals are created (default 8). */
  quarters?: number | undefined;
  /** Roster size (default: one partner per 400 deals, between 40 and 5,000), 30 % of them named. */
  partners?: number | undefined;
}

export type ResolvedWorldOptions = Required<{
  [K in keyof SimulatedWorldOptions]: NonNullable<SimulatedWorldOptions[K]>;
}>;

export interface SegmentTruth extends SegmentProfile {
  /** baseWinRate + trueLift. */
  attachedWinRate: number;
}

export interface SimulatedWorldTruth {
  trueLift: number;
  segments: Readonly<Record<SimulatedSegment, SegmentTruth>>;
  /**
   * The crude attached-minus-unattached win-rate difference in the population (segment mix of all deals): what the
   * raw difference tends to, i.e. trueLift plus the segment confounding.
   */
  expectedRawDifference: number;
}

export interface SimulatedWorld {
  options: ResolvedWorldOptions;
  truth: SimulatedWorldTruth;
  partners: Partner[];
  /** The deals, generated lazily; every call replays the same sequence. */
  deals(): Generator<Deal>;
}

export const SIMULATED_WORLD_DEFAULTS = { asOf: '2026-07-01', trueLift: 0.06, quarters: 8 } as const;

const DAY_MS = 86_400_000;
const QUARTER_DAYS = 91;
const NAMED_PARTNER_SHARE = 0.3;
const AMOUNT_SIGMA = 0.6;
const REGIONS: ReadonlyArray<readonly [string | null, number]> = [
  ['NA', 45],
  ['EMEA', 30],
  ['APAC', 15],
  ['LATAM', 7],
  [null, 3],
];
const DEAL_TYPES: ReadonlyArray<readonly [DealType | null, number]> = [
  ['new_business', 58],
  ['expansion', 17],
  [null, 5],
  ['renewal', 15],
  ['churn', 5],
];
const ROLES: ReadonlyArray<readonly [PartnerRole, number]> = [
  ['sourced', 50],
  ['influenced', 25],
  ['cosell', 10],
  ['reseller', 10],
  ['referral', 5],
];
const OPEN_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin'];
const LEAD_SOURCES = ['inbound', 'outbound', 'partner', 'event'];
const PRODUCTS = ['Core', 'Analytics', 'Payments', 'Support'];
const LOSS_REASONS = ['price', 'competitor', 'no_decision', 'timing'];
const NAME_STEMS = ['Acme', 'Globex', 'Initech', 'Umbra', 'Vertex', 'Nimbus', 'Helix', 'Orbit', 'Quanta', 'Solace'];
const NAME_TAILS = ['Labs', 'Systems', 'Group', 'Holdings', 'Works', 'Digital', 'Partners', 'Logistics'];

export function simulatedWorld(options: SimulatedWorldOptions): SimulatedWorld {
  const resolved = resolveOptions(options);
  const truth = worldTruth(resolved.trueLift);
  const asOfDay = Date.parse(`${resolved.asOf}T00:00:00Z`) / DAY_MS;
  const roster = generateRoster(resolved, asOfDay);
  return {
    options: resolved,
    truth,
    partners: roster.partners,
    deals: () => generateDeals(resolved, truth, roster, asOfDay),
  };
}

/**
 * Streams the world to `dealsPath` and `partnersPath` as JSONL (one canonical record a line), in chunks of about a
 * megabyte, never holding the deals in memory.
 */
export async function writeSimulatedWorld(
  world: SimulatedWorld,
  paths: { dealsPath: string; partnersPath: string },
): Promise<{ deals: number; dealBytes: number }> {
  await writeLines(paths.partnersPath, world.partners);
  return writeLines(paths.dealsPath, world.deals()).then(({ records, bytes }) => ({
    deals: records,
    dealBytes: bytes,
  }));
}

async function writeLines(path: string, records: Iterable<unknown>): Promise<{ records: number; bytes: number }> {
  const CHUNK_CHARS = 1 << 20;
  const handle = await open(path, 'w');
  let count = 0;
  let bytes = 0;
  try {
    let chunk = '';
    for (const record of records) {
      chunk += `${JSON.stringify(record)}\n`;
      count += 1;
      if (chunk.length >= CHUNK_CHARS) {
        bytes += (await handle.write(chunk)).bytesWritten;
        chunk = '';
      }
    }
    if (chunk !== '') bytes += (await handle.write(chunk)).bytesWritten;
  } finally {
    await handle.close();
  }
  return { records: count, bytes };
}

function resolveOptions(options: SimulatedWorldOptions): ResolvedWorldOptions {
  const { seed, deals } = options;
  const asOf = options.asOf ?? SIMULATED_WORLD_DEFAULTS.asOf;
  const trueLift = options.trueLift ?? SIMULATED_WORLD_DEFAULTS.trueLift;
  const quarters = options.quarters ?? SIMULATED_WORLD_DEFAULTS.quarters;
  const partners = options.partners ?? Math.min(5_000, Math.max(40, Math.round(deals / 400)));
  if (!Number.isInteger(seed)) throw new InvalidInputError(`seed: expected an integer, got ${seed}`);
  if (!Number.isInteger(deals) || deals < 0) throw new InvalidInputError(`deals: expected a count, got ${deals}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`))) {
    throw new InvalidInputError(`asOf: expected a date YYYY-MM-DD, got "${asOf}"`);
  }
  if (!Number.isInteger(quarters) || quarters < 1) {
    throw new InvalidInputError(`quarters: expected a positive integer, got ${quarters}`);
  }
  if (!Number.isInteger(partners) || partners < 2) {
    throw new InvalidInputError(`partners: expected at least 2, got ${partners}`);
  }
  // Every attached win probability base + lift must be a probability.
  const bases = SIMULATED_SEGMENTS.map((s) => SEGMENT_PROFILES[s].baseWinRate);
  const lowest = -Math.min(...bases);
  const highest = 1 - Math.max(...bases);
  if (!(trueLift >= lowest && trueLift <= highest)) {
    throw new InvalidInputError(`trueLift: expected a risk difference in [${lowest}, ${highest}], got ${trueLift}`);
  }
  return { seed, deals, asOf, trueLift, quarters, partners };
}

function worldTruth(trueLift: number): SimulatedWorldTruth {
  const segments = Object.fromEntries(
    SIMULATED_SEGMENTS.map((s) => [
      s,
      { ...SEGMENT_PROFILES[s], attachedWinRate: SEGMENT_PROFILES[s].baseWinRate + trueLift },
    ]),
  ) as Record<SimulatedSegment, SegmentTruth>;
  let attached = 0;
  let attachedWins = 0;
  let unattached = 0;
  let unattachedWins = 0;
  for (const s of SIMULATED_SEGMENTS) {
    const { share, attachRate, baseWinRate, attachedWinRate } = segments[s];
    attached += share * attachRate;
    attachedWins += share * attachRate * attachedWinRate;
    unattached += share * (1 - attachRate);
    unattachedWins += share * (1 - attachRate) * baseWinRate;
  }
  return { trueLift, segments, expectedRawDifference: attachedWins / attached - unattachedWins / unattached };
}

interface Roster {
  partners: Partner[];
  /** Per type, partners ordered by registration day, and those days (for "registered before the deal"). */
  byType: Record<PartnerType, { ids: string[]; days: number[] }>;
}

function generateRoster(options: ResolvedWorldOptions, asOfDay: number): Roster {
  const random = new SeededRandom(options.seed);
  const historyStart = asOfDay - options.quarters * QUARTER_DAYS;
  const named = Math.max(1, Math.round(options.partners * NAMED_PARTNER_SHARE));
  const drafts: Array<{ type: PartnerType; day: number; region: string | null }> = [];
  for (let i = 0; i < options.partners; i += 1) {
    const type: PartnerType = i < named ? 'named' : 'self_serve';
    // Most of the roster predates the history; a fifth joins during it (producing only after registering). The
    // first partner of each type always predates it, so every attached deal has someone to name.
    const joinsLater = i !== 0 && i !== named && random.chance(0.2);
    const day = joinsLater
      ? random.int(historyStart, asOfDay - 1)
      : random.int(historyStart - 3 * 4 * QUARTER_DAYS, historyStart - 1);
    drafts.push({ type, day, region: random.weighted(REGIONS) });
  }
  drafts.sort((a, b) => a.day - b.day);
  const byType: Roster['byType'] = { named: { ids: [], days: [] }, self_serve: { ids: [], days: [] } };
  const partners = drafts.map((draft, index): Partner => {
    const id = `p${String(index + 1).padStart(5, '0')}`;
    byType[draft.type].ids.push(id);
    byType[draft.type].days.push(draft.day);
    return {
      id,
      name: `${random.pick(NAME_STEMS)} ${random.pick(NAME_TAILS)} ${index + 1}`,
      type: draft.type,
      registeredAt: isoDay(draft.day),
      region: draft.region,
    };
  });
  return { partners, byType };
}

function* generateDeals(
  options: ResolvedWorldOptions,
  truth: SimulatedWorldTruth,
  roster: Roster,
  asOfDay: number,
): Generator<Deal> {
  // Its own stream, so the roster and the deals do not shift when one of them changes.
  const random = new SeededRandom((options.seed ^ 0x5bd1e995) >>> 0);
  const bands = new Map(DEFAULT_ATTRIBUTION_RULES.segments.map((s) => [s.name, s]));
  const segmentWeights = SIMULATED_SEGMENTS.map((s) => [s, truth.segments[s].share] as const);
  const historyStart = asOfDay - options.quarters * QUARTER_DAYS;
  const ownersPerRegion = Math.max(5, Math.round(options.deals / 2_000));
  const dayName = dayNamer();

  for (let n = 1; n <= options.deals; n += 1) {
    const segment = random.weighted(segmentWeights);
    const profile = truth.segments[segment];
    const type = random.weighted(DEAL_TYPES);
    const region = random.weighted(REGIONS);
    const createdDay = random.int(historyStart, asOfDay - 1);
    const closeDay = createdDay + random.int(profile.cycleDays[0], profile.cycleDays[1]);
    const isClosed = closeDay < asOfDay;
    const attached = random.chance(profile.attachRate);
    const roll = random.next();

    let winRate: number;
    if (type === 'renewal') winRate = 0.85;
    else if (type === 'churn') winRate = 0.05;
    else winRate = attached ? profile.attachedWinRate : profile.baseWinRate;
    const isWon = isClosed && roll < winRate;

    const partners: DealPartner[] = [];
    // Renewals carry a partner more often than new business: counting them would move the lift.
    if (attached || (type === 'renewal' && random.chance(0.5))) {
      const first = pickPartner(random, roster, random.chance(profile.namedShare) ? 'named' : 'self_serve', createdDay);
      partners.push({ partnerId: first, role: random.weighted(ROLES), splitPct: random.chance(0.3) ? 100 : null });
      if (random.chance(0.2)) {
        const second = pickPartner(random, roster, random.chance(0.5) ? 'named' : 'self_serve', createdDay);
        if (second !== first) partners.push({ partnerId: second, role: 'influenced', splitPct: null });
      }
    }

    const band = bands.get(segment);
    const amount =
      profile.medianAmount === null || band === undefined
        ? null
        : drawAmount(random, profile.medianAmount, band.minAmount, band.maxAmount);
    const account = random.int(1, Math.max(1, Math.ceil(options.deals / 3)));
    const stem = NAME_STEMS[account % NAME_STEMS.length] as string;
    const tail = NAME_TAILS[(account >> 4) % NAME_TAILS.length] as string;
    const minute = random.int(0, 24 * 60 - 1);
    const ownerRegion = region ?? 'global';
    yield {
      id: `d${n}`,
      name: `${stem} ${tail} ${account} — ${type ?? 'deal'} ${n}`,
      account: {
        id: `a${account}`,
        name: `${stem} ${tail} ${account}`,
        domain: `${stem.toLowerCase()}${account}.example`,
      },
      amount,
      currency: 'USD',
      closeDate: dayName(closeDay),
      createdAt: `${dayName(createdDay)}T${pad(Math.floor(minute / 60))}:${pad(minute % 60)}:00Z`,
      stage: isClosed ? (isWon ? 'closedwon' : 'closedlost') : random.pick(OPEN_STAGES),
      isClosed,
      isWon,
      type,
      ownerId: `o-${ownerRegion.toLowerCase()}-${random.int(1, ownersPerRegion)}`,
      region,
      leadSource: random.pick(LEAD_SOURCES),
      products: [random.pick(PRODUCTS)],
      partners,
      lossReason: isClosed && !isWon ? random.pick(LOSS_REASONS) : null,
    };
  }
}

/** A partner of `type` registered on or before `day`, skewed toward the early ones (a few partners produce most). */
function pickPartner(random: SeededRandom, roster: Roster, type: PartnerType, day: number): string {
  const { ids, days } = roster.byType[type];
  let registered = 0;
  let high = days.length;
  while (registered < high) {
    const mid = (registered + high) >>> 1;
    if ((days[mid] as number) <= day) registered = mid + 1;
    else high = mid;
  }
  const u = random.next();
  return ids[Math.floor(Math.max(1, registered) * u * u)] as string;
}

/** Log-normal around the median, kept inside [min, max) by redrawing, rounded to 100. */
function drawAmount(random: SeededRandom, median: number, min: number, max: number | null): number {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const amount = Math.round((median * Math.exp(AMOUNT_SIGMA * random.normal())) / 100) * 100;
    if (amount >= min && (max === null || amount < max)) return amount;
  }
  return Math.max(min, Math.round(median / 100) * 100);
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** isoDay, memoised: formatting dates was most of the generator's time, and a world spans a few thousand days. */
function dayNamer(): (day: number) => string {
  const names = new Map<number, string>();
  return (day) => {
    let name = names.get(day);
    if (name === undefined) {
      name = isoDay(day);
      names.set(day, name);
    }
    return name;
  };
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
