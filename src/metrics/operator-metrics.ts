import { evaluateAttribution } from '../attribution/attribution-engine.ts';
import type { AttributionInput, AttributionStatus } from '../attribution/attribution-model.ts';
import { type AttributionRules, DEFAULT_ATTRIBUTION_RULES } from '../attribution/attribution-rules.ts';
import { partnerInvolvement } from '../attribution/partner-involvement.ts';
import { segmentOf } from '../attribution/requirement-scope.ts';
import type { Deal } from '../model/deal.ts';
import type { Partner } from '../model/partner.ts';
import { activityStatus } from '../scoring/partner-tiers.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from '../scoring/scoring-config.ts';
import { InvalidInputError } from '../shared/errors.ts';
import {
  coveredPeriod,
  lastDayOf,
  type Period,
  type PeriodKind,
  parseDay,
  periodBounds,
  periodsEndingWith,
  shiftPeriod,
} from './periods.ts';
import { type LiftStratum, type WinCounts, type WinRateLift, winRateLift } from './win-rate-lift.ts';

/**
 * The metrics of the Operator OS (SPEC §2.5), computed in one streaming pass over the deals: `add` every deal, then
 * `finish`. Pure: no I/O, no clock (the as-of day is an input), so the CLI (`partnerloop report`), the service's
 * loops and the operator API give the same numbers for the same data.
 *
 * Words (SPEC §2.5): *new business* = type `new_business`, `expansion` or null; *attached* = at least one partner in
 * any role (a partner missing from the roster counts, with a warning); *created in P* = createdAt ∈ [start, end);
 * *closed in P* = isClosed and closeDate ∈ [start, end); *segment* = the amount band of the tenant's segments, `unknown`
 * without an amount.
 */

export interface Rate {
  rate: number | null;
}
export interface ProducingPartnerRate extends Rate {
  producing: number;
  registered: number;
}
export interface AttributionCoverageMetric extends Rate {
  partnerInvolved: number;
  complete: number;
}
export interface WinRateGroup extends WinCounts, Rate {
  wonAmount: number;
}
export interface PartnerWinRate {
  named: WinRateGroup;
  selfServe: WinRateGroup;
  unattached: WinRateGroup;
}
export interface DealsAmount {
  deals: number;
  amount: number;
}
export interface CoSellInfluence {
  pipeline: DealsAmount;
  revenue: DealsAmount;
}
export interface CoSellConversion extends WinCounts, Rate {}
export interface SellerActivationRow extends Rate {
  region: string;
  sellers: number;
  activated: number;
}
export interface DormantRoster {
  registered: number;
  dormant: number;
  decaying: number;
  previousDormant: number;
}

/** The SPEC §2.5 metric keys a period's stored result holds, in report order (the trend API names one of them). */
export const PERIOD_METRIC_KEYS = [
  'producingPartnerRate',
  'attributionCoverage',
  'partnerWinRate',
  'pipelineSourced',
  'coSellInfluence',
  'coSellConversion',
  'sellerActivation',
  'dormantRoster',
  'lift',
] as const;

/** Every metric of one period but the dormant roster (which needs the roster's history, see `finish`). */
export interface PeriodMetrics {
  period: Period;
  producingPartnerRate: ProducingPartnerRate;
  attributionCoverage: AttributionCoverageMetric;
  partnerWinRate: PartnerWinRate;
  pipelineSourced: DealsAmount;
  coSellInfluence: CoSellInfluence;
  coSellConversion: CoSellConversion;
  sellerActivation: SellerActivationRow[];
  lift: WinRateLift;
}

export type TrendEntry = Pick<
  PeriodMetrics,
  'period' | 'producingPartnerRate' | 'attributionCoverage' | 'sellerActivation' | 'pipelineSourced'
> & { lift: Pick<WinRateLift, 'estimate' | 'ciLow' | 'ciHigh'> };

/** The `partnerloop report` JSON (SPEC §4.1): a period's metrics, its dormant roster and the trend (key order: `finish`). */
export type OperatorReport = PeriodMetrics & { dormantRoster: DormantRoster; trend: TrendEntry[] };

/** A deal naming a partner that is not in the roster: still attached, reported as a warning naming the deal. */
export interface UnknownPartnerReference {
  dealId: string;
  partnerId: string;
  /** Line of the input file, when the deal came from one. */
  line?: number | undefined;
}

export interface OperatorMetricsOptions {
  kind: PeriodKind;
  /** YYYY-MM-DD: the report covers the last complete period ending on or before it. */
  asOf: string;
  partners: readonly Partner[];
  /** The tenant's attribution rules (coverage, and the segment bands); the defaults otherwise. */
  rules?: AttributionRules | undefined;
  /** Scoring settings for dormancy and decay; the defaults otherwise. */
  scoring?: ScoringConfig | undefined;
  /** Deals with a co-sell motion (the service knows them; an interchange file has none). */
  coSellDealIds?: ReadonlySet<string> | undefined;
  /**
   * The deal's attribution as the service stored it (evaluated with registrations, unlabelled associations and
   * motions the deal record alone does not carry); when absent or `undefined` for a deal, the engine evaluates the
   * deal with the rules and no outside facts but its co-sell motion.
   */
  attributionOf?: ((deal: Deal) => StoredAttribution | undefined) | undefined;
  /** How many periods the trend holds, the covered one last (default 4). */
  trendPeriods?: number | undefined;
}

export interface StoredAttribution {
  partnerInvolved: boolean;
  status: AttributionStatus;
}

export const UNKNOWN_SEGMENT = 'unknown';
export const UNKNOWN_REGION = 'unknown';
export const ALL_REGIONS = 'all';
const NEW_BUSINESS_TYPES = new Set<Deal['type']>(['new_business', 'expansion', null]);
const DAY_MS = 86_400_000;
const MAX_WARNINGS_KEPT = 1000;

type Attachment = 'named' | 'selfServe' | 'unattached';

interface WinGroupTally {
  closed: number;
  won: number;
  wonAmount: number;
}

interface PeriodTally {
  period: Period;
  startMs: number;
  endMs: number;
  producing: Set<string>;
  partnerInvolved: number;
  complete: number;
  winRate: Record<Attachment, WinGroupTally>;
  sourced: DealsAmount;
  coSellPipeline: DealsAmount;
  coSellRevenue: DealsAmount;
  coSellConversion: WinCounts;
  /** region → seller → activated (has an attached deal there). */
  sellers: Map<string, Map<string, boolean>>;
  /** segment → attached / unattached closed and won. */
  strata: Map<string, LiftStratum>;
}

const EMPTY_CONTEXT: Omit<AttributionInput, 'deal'> = {
  pipeline: null,
  registrations: [],
  accountPartnerIds: [],
  unlabeledPartnerIds: [],
  hasCoSellMotion: false,
};

export class OperatorMetrics {
  readonly period: Period;
  readonly periods: readonly Period[];
  readonly #options: OperatorMetricsOptions;
  readonly #rules: AttributionRules;
  readonly #scoring: ScoringConfig;
  readonly #roster = new Map<string, Partner>();
  readonly #tallies: PeriodTally[];
  /** Creation days (UTC day numbers) of each roster partner's deals, for dormancy and decay. */
  readonly #activityDays = new Map<string, number[]>();
  readonly #excludedFromActivity: ReadonlySet<string>;
  readonly #segments: readonly string[];
  readonly #unknown: UnknownPartnerReference[] = [];
  #unknownCount = 0;
  #deals = 0;
  /** Close dates already parsed: a million deals share a few thousand days, and parsing was a tenth of `add`. */
  readonly #closeDays = new Map<string, number>();

  constructor(options: OperatorMetricsOptions) {
    this.#options = options;
    this.#rules = options.rules ?? DEFAULT_ATTRIBUTION_RULES;
    this.#scoring = options.scoring ?? DEFAULT_SCORING_CONFIG;
    const trendPeriods = options.trendPeriods ?? 4;
    if (!Number.isInteger(trendPeriods) || trendPeriods < 1) {
      throw new InvalidInputError(`trend periods: expected a positive integer, got ${trendPeriods}`);
    }
    this.period = coveredPeriod(options.kind, options.asOf);
    this.periods = periodsEndingWith(this.period, trendPeriods);
    this.#tallies = this.periods.map(emptyTally);
    for (const partner of options.partners) {
      if (this.#roster.has(partner.id))
        throw new InvalidInputError(`partner ${partner.id} appears twice in the roster`);
      this.#roster.set(partner.id, partner);
      this.#activityDays.set(partner.id, []);
    }
    this.#excludedFromActivity = new Set(this.#scoring.excludedDealTypes);
    this.#segments = [...this.#rules.segments.map((s) => s.name), UNKNOWN_SEGMENT];
  }

  /** Deals read so far. */
  get deals(): number {
    return this.#deals;
  }

  /** Partner references missing from the roster (the first 1,000) and how many there were in all. */
  get unknownPartners(): { references: readonly UnknownPartnerReference[]; count: number } {
    return { references: this.#unknown, count: this.#unknownCount };
  }

  add(deal: Deal, line?: number): void {
    this.#deals += 1;
    const createdMs = Date.parse(deal.createdAt);
    const closeMs = deal.isClosed && deal.closeDate !== null ? this.#closeDay(deal.closeDate, deal.id) : null;
    const newBusiness = NEW_BUSINESS_TYPES.has(deal.type);

    let attachment: Attachment = 'unattached';
    let sourced = false;
    let coSell = this.#options.coSellDealIds?.has(deal.id) ?? false;
    const partnerIds: string[] = [];
    for (const { partnerId, role } of deal.partners) {
      if (role === 'sourced') sourced = true;
      if (role === 'cosell') coSell = true;
      if (partnerIds.includes(partnerId)) continue;
      partnerIds.push(partnerId);
      const partner = this.#roster.get(partnerId);
      if (partner === undefined) this.#noteUnknown(deal.id, partnerId, line);
      if (partner?.type === 'named') attachment = 'named';
      else if (attachment === 'unattached') attachment = 'selfServe';
    }
    const attached = attachment !== 'unattached';

    if (deal.type === null || !this.#excludedFromActivity.has(deal.type)) {
      const day = Math.floor(createdMs / DAY_MS);
      for (const partnerId of partnerIds) this.#activityDays.get(partnerId)?.push(day);
    }

    let attributionComplete: { involved: boolean; complete: boolean } | undefined;
    const attribution = () => {
      if (attributionComplete === undefined) {
        const stored = this.#options.attributionOf?.(deal);
        if (stored !== undefined) {
          attributionComplete = { involved: stored.partnerInvolved, complete: stored.status === 'complete' };
        } else {
          const input = { ...EMPTY_CONTEXT, hasCoSellMotion: this.#options.coSellDealIds?.has(deal.id) ?? false, deal };
          // Coverage reads the status of partner-involved deals only. Most deals are not involved, and the engine's
          // own involvement test settles them without its hygiene checks (half the time of `add` on a million deals).
          const involved = partnerInvolvement(input, this.#rules).involved;
          const complete = involved && evaluateAttribution(input, this.#rules).status === 'complete';
          attributionComplete = { involved, complete };
        }
      }
      return attributionComplete;
    };

    for (const tally of this.#tallies) {
      const createdIn = createdMs >= tally.startMs && createdMs < tally.endMs;
      const closedIn = closeMs !== null && closeMs >= tally.startMs && closeMs < tally.endMs;
      if (newBusiness && createdIn) {
        for (const partnerId of partnerIds) tally.producing.add(partnerId);
        const { involved, complete } = attribution();
        if (involved) {
          tally.partnerInvolved += 1;
          if (complete) tally.complete += 1;
        }
        if (sourced) addAmount(tally.sourced, deal.amount);
        if (deal.ownerId !== null) {
          noteSeller(tally.sellers, deal.region ?? UNKNOWN_REGION, deal.ownerId, attached);
          noteSeller(tally.sellers, ALL_REGIONS, deal.ownerId, attached);
        }
      }
      if (newBusiness && closedIn) {
        const group = tally.winRate[attachment];
        group.closed += 1;
        if (deal.isWon) {
          group.won += 1;
          group.wonAmount += deal.amount ?? 0;
        }
        const segment = segmentOf(deal.amount, this.#rules.segments) ?? UNKNOWN_SEGMENT;
        let stratum = tally.strata.get(segment);
        if (stratum === undefined) {
          stratum = { segment, attached: { closed: 0, won: 0 }, unattached: { closed: 0, won: 0 } };
          tally.strata.set(segment, stratum);
        }
        const counts = attached ? stratum.attached : stratum.unattached;
        counts.closed += 1;
        if (deal.isWon) counts.won += 1;
        if (coSell) {
          tally.coSellConversion.closed += 1;
          if (deal.isWon) tally.coSellConversion.won += 1;
        }
      }
      if (coSell) {
        // Open at the end of P: created before it and not closed before it (a closed deal without a date is closed).
        const openAtEnd = createdMs < tally.endMs && !(deal.isClosed && (closeMs === null || closeMs < tally.endMs));
        if (openAtEnd) addAmount(tally.coSellPipeline, deal.amount);
        if (closedIn && deal.isWon) addAmount(tally.coSellRevenue, deal.amount);
      }
    }
  }

  /** The metrics of each period of the trend, oldest first (the covered period last). */
  periodMetrics(): PeriodMetrics[] {
    return this.#tallies.map((tally) => this.#metricsOf(tally));
  }

  /** Dormancy and decay of the registered roster as of the end of `period` and of the period before it. */
  dormantRoster(period: Period = this.period): DormantRoster {
    const now = this.#activityAt(period);
    const before = this.#activityAt(shiftPeriod(period, -1));
    return {
      registered: now.registered,
      dormant: now.dormant.length,
      decaying: now.decaying.length,
      previousDormant: before.dormant.length,
    };
  }

  /**
   * Per registered partner as of the last day of `period`: dormant and decaying, judged by the scoring engine's rules
   * (`activityStatus`) on the partner's deals created by then (renewals and churn excluded, as scoring does).
   */
  partnerActivity(
    period: Period,
  ): Map<string, { dormant: boolean; decaying: boolean; lastOpportunityDay: number | null }> {
    const { endMs } = periodBounds(period);
    const asOfDay = parseDay(lastDayOf(period)) / DAY_MS;
    const result = new Map<string, { dormant: boolean; decaying: boolean; lastOpportunityDay: number | null }>();
    for (const partner of this.#roster.values()) {
      if (Date.parse(partner.registeredAt) >= endMs) continue;
      const ages: number[] = [];
      let last: number | null = null;
      for (const day of this.#activityDays.get(partner.id) ?? []) {
        if (day > asOfDay) continue;
        ages.push(asOfDay - day);
        if (last === null || day > last) last = day;
      }
      const status = activityStatus(
        {
          opportunityAgesDays: ages,
          registeredAgeDays: asOfDay - Math.floor(Date.parse(partner.registeredAt) / DAY_MS),
        },
        this.#scoring.activity,
      );
      result.set(partner.id, { dormant: status.dormant, decaying: status.decaying, lastOpportunityDay: last });
    }
    return result;
  }

  finish(): OperatorReport {
    const metrics = this.periodMetrics();
    const current = metrics[metrics.length - 1] as PeriodMetrics;
    return {
      period: current.period,
      producingPartnerRate: current.producingPartnerRate,
      attributionCoverage: current.attributionCoverage,
      partnerWinRate: current.partnerWinRate,
      pipelineSourced: current.pipelineSourced,
      coSellInfluence: current.coSellInfluence,
      coSellConversion: current.coSellConversion,
      sellerActivation: current.sellerActivation,
      dormantRoster: this.dormantRoster(),
      lift: current.lift,
      trend: metrics.map(trendEntry),
    };
  }

  #activityAt(period: Period) {
    const activity = this.partnerActivity(period);
    const dormant: string[] = [];
    const decaying: string[] = [];
    for (const [id, status] of activity) {
      if (status.dormant) dormant.push(id);
      if (status.decaying) decaying.push(id);
    }
    return { registered: activity.size, dormant, decaying };
  }

  #metricsOf(tally: PeriodTally): PeriodMetrics {
    let registered = 0;
    let producing = 0;
    for (const partner of this.#roster.values()) {
      if (Date.parse(partner.registeredAt) >= tally.endMs) continue;
      registered += 1;
      if (tally.producing.has(partner.id)) producing += 1;
    }
    const strata = this.#segments.flatMap((segment) => {
      const stratum = tally.strata.get(segment);
      return stratum ? [stratum] : [];
    });
    return {
      period: tally.period,
      producingPartnerRate: { producing, registered, rate: ratio(producing, registered) },
      attributionCoverage: {
        partnerInvolved: tally.partnerInvolved,
        complete: tally.complete,
        rate: ratio(tally.complete, tally.partnerInvolved),
      },
      partnerWinRate: {
        named: winGroup(tally.winRate.named),
        selfServe: winGroup(tally.winRate.selfServe),
        unattached: winGroup(tally.winRate.unattached),
      },
      pipelineSourced: { ...tally.sourced },
      coSellInfluence: { pipeline: { ...tally.coSellPipeline }, revenue: { ...tally.coSellRevenue } },
      coSellConversion: {
        closed: tally.coSellConversion.closed,
        won: tally.coSellConversion.won,
        rate: ratio(tally.coSellConversion.won, tally.coSellConversion.closed),
      },
      sellerActivation: activationRows(tally.sellers),
      lift: winRateLift(strata),
    };
  }

  #closeDay(closeDate: string, dealId: string): number {
    let ms = this.#closeDays.get(closeDate);
    if (ms === undefined) {
      ms = parseDay(closeDate, `deal ${dealId} closeDate`);
      this.#closeDays.set(closeDate, ms);
    }
    return ms;
  }

  #noteUnknown(dealId: string, partnerId: string, line: number | undefined) {
    this.#unknownCount += 1;
    if (this.#unknown.length < MAX_WARNINGS_KEPT) this.#unknown.push({ dealId, partnerId, line });
  }
}

/** One call for a deal set in memory (tests, the service's loops). */
export function operatorReport(deals: Iterable<Deal>, options: OperatorMetricsOptions): OperatorReport {
  const metrics = new OperatorMetrics(options);
  for (const deal of deals) metrics.add(deal);
  return metrics.finish();
}

export function trendEntry(metrics: PeriodMetrics): TrendEntry {
  return {
    period: metrics.period,
    producingPartnerRate: metrics.producingPartnerRate,
    attributionCoverage: metrics.attributionCoverage,
    sellerActivation: metrics.sellerActivation,
    pipelineSourced: metrics.pipelineSourced,
    lift: { estimate: metrics.lift.estimate, ciLow: metrics.lift.ciLow, ciHigh: metrics.lift.ciHigh },
  };
}

/** Whether a deal is new business in the sense of SPEC §2.5 (renewals and churn never count). */
export function isNewBusiness(deal: Pick<Deal, 'type'>): boolean {
  return NEW_BUSINESS_TYPES.has(deal.type);
}

function emptyTally(period: Period): PeriodTally {
  const { startMs, endMs } = periodBounds(period);
  const group = () => ({ closed: 0, won: 0, wonAmount: 0 });
  return {
    period,
    startMs,
    endMs,
    producing: new Set(),
    partnerInvolved: 0,
    complete: 0,
    winRate: { named: group(), selfServe: group(), unattached: group() },
    sourced: { deals: 0, amount: 0 },
    coSellPipeline: { deals: 0, amount: 0 },
    coSellRevenue: { deals: 0, amount: 0 },
    coSellConversion: { closed: 0, won: 0 },
    sellers: new Map([[ALL_REGIONS, new Map()]]),
    strata: new Map(),
  };
}

function addAmount(target: DealsAmount, amount: number | null) {
  target.deals += 1;
  target.amount += amount ?? 0;
}

function noteSeller(sellers: Map<string, Map<string, boolean>>, region: string, ownerId: string, attached: boolean) {
  let region_ = sellers.get(region);
  if (region_ === undefined) {
    region_ = new Map();
    sellers.set(region, region_);
  }
  if (attached || !region_.has(ownerId)) region_.set(ownerId, attached || (region_.get(ownerId) ?? false));
}

/** One row per region, by name, then the `all` row. */
function activationRows(sellers: Map<string, Map<string, boolean>>): SellerActivationRow[] {
  const row = (region: string, owners: Map<string, boolean>): SellerActivationRow => {
    let activated = 0;
    for (const value of owners.values()) if (value) activated += 1;
    return { region, sellers: owners.size, activated, rate: ratio(activated, owners.size) };
  };
  const regions = [...sellers.keys()].filter((r) => r !== ALL_REGIONS).sort();
  return [
    ...regions.map((region) => row(region, sellers.get(region) as Map<string, boolean>)),
    row(ALL_REGIONS, sellers.get(ALL_REGIONS) as Map<string, boolean>),
  ];
}

function winGroup(tally: WinGroupTally): WinRateGroup {
  return { closed: tally.closed, won: tally.won, rate: ratio(tally.won, tally.closed), wonAmount: tally.wonAmount };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}
