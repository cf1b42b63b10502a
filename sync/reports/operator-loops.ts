import type { AttributionRules } from '../../src/attribution/attribution-rules.ts';
import {
  type CloudMismatch,
  type CloudProgramme,
  MISMATCH_KINDS,
  type MismatchKind,
  type ProgrammeSide,
  reconcileCloudProgrammes,
} from '../../src/cosell/cloud-reconciliation.ts';
import type { QueueEntry } from '../../src/cosell/motion-queue.ts';
import type { RecordLinks } from '../../src/crm/crm-connector.ts';
import { isNewBusiness, OperatorMetrics, type PeriodMetrics } from '../../src/metrics/operator-metrics.ts';
import {
  coveredPeriod,
  formatDay,
  lastDayOf,
  type Period,
  type PeriodKind,
  parseDay,
  periodKey,
  shiftPeriod,
} from '../../src/metrics/periods.ts';
import type { Deal } from '../../src/model/deal.ts';
import type { Partner } from '../../src/model/partner.ts';
import { scorePartners } from '../../src/scoring/partner-scoring.ts';
import type { ScoringConfig } from '../../src/scoring/scoring-config.ts';
import type { MotionQueueCandidate } from '../cosell/motions.repo.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { Tenant } from '../platform/store/tenants.repo.ts';
import type { LoopResultsRepository, OperatorLoop } from './loop-results.repo.ts';
import type { ReportsReadRepository } from './reports-read.repo.ts';

/** The period each periodic loop covers, and how many past periods a first run fills in so trends exist at once. */
export const LOOP_PERIODS: Readonly<Record<Exclude<OperatorLoop, 'daily'>, { kind: PeriodKind; history: number }>> = {
  weekly: { kind: 'week', history: 8 },
  monthly: { kind: 'month', history: 6 },
  quarterly: { kind: 'quarter', history: 6 },
};

/** At most this many rows per list in a stored result (the counts are always complete). */
export const LIST_LIMIT = 500;
const DAY_MS = 86_400_000;

export interface RecordLink {
  /** Where the record opens in the CRM. */
  url: string;
}

export interface QueueRow extends RecordLink {
  motionId: string;
  dealId: string;
  dealName: string | null;
  partnerId: string | null;
  partnerName: string | null;
  programme: string | null;
  state: string;
  reason: string;
  slaDueAt: string;
  overdue: boolean;
}

export interface DailyResult {
  asOf: string;
  counts: {
    queue: number;
    agingDeals: number;
    decayingPartners: number;
    attributionExceptions: number;
    invitations?: number;
  };
  queue: QueueRow[];
  agingDeals: Array<RecordLink & { dealId: string; dealName: string | null; cosellStatus: string }>;
  decayingPartners: Array<RecordLink & { partnerId: string; name: string; tier: string; score: number }>;
  attributionExceptions: Array<
    RecordLink & {
      dealId: string;
      dealName: string;
      stage: string;
      amount: number | null;
      status: string;
      issues: string[];
    }
  >;
  /** Inbound programme referrals still to accept, soonest to expire first (absent before they were listed). */
  invitations?: InvitationRow[];
}

export interface InvitationRow {
  programme: string;
  invitationId: string;
  title: string;
  customerName: string;
  sender: string;
  expiresAt: string | null;
  daysLeft: number | null;
}

export interface ReconciliationRow extends RecordLink {
  dealId: string;
  dealName: string;
  kind: 'attribution_exception' | 'cosell_role_without_motion' | 'motion_without_cosell_partner';
  detail: string;
}

/** A stored weekly, monthly or quarterly result: every metric of its period, plus what the loop adds. */
export type PeriodResult = PeriodMetrics & {
  dormantRoster: ReturnType<OperatorMetrics['dormantRoster']>;
  weekly?: {
    sourcedByPartner: Array<{ partnerId: string; name: string; deals: number; amount: number }>;
    reconciliation: { total: number; byKind: Record<ReconciliationRow['kind'], number>; rows: ReconciliationRow[] };
    /** The cross-cloud reconciliation (SPEC §2.7), on the covered week only: programmes are read as they are now. */
    cloud?: CloudReconciliationResult;
  };
  quarterly?: {
    reengage: Array<RecordLink & { partnerId: string; name: string; tierBefore: string }>;
    archive: Array<RecordLink & { partnerId: string; name: string; registeredAt: string }>;
  };
};

/** What the weekly loop stores of the cross-cloud reconciliation. */
export interface CloudReconciliationResult {
  /** When the programmes' side was read (the mirror as the last polls left it). */
  asOf: string;
  programmes: CloudProgramme[];
  opportunities: number;
  matched: number;
  counts: Record<MismatchKind, number>;
  total: number;
  /** In the engine's order (kind, programme, opportunity, deal); `url` opens the CRM deal when there is one. */
  mismatches: Array<CloudMismatch & { url: string | null }>;
}

type AnyResult = Partial<DailyResult> & Partial<PeriodResult>;

/**
 * Where each list of a stored result lives, by the name the API and the operator home use for it: one table, so an
 * export (`?list=`) and the home's paged lists always read the same rows.
 */
export const STORED_LISTS = {
  queue: (r: AnyResult) => r.queue,
  agingDeals: (r: AnyResult) => r.agingDeals,
  decayingPartners: (r: AnyResult) => r.decayingPartners,
  attributionExceptions: (r: AnyResult) => r.attributionExceptions,
  invitations: (r: AnyResult) => r.invitations,
  sellerActivation: (r: AnyResult) => r.sellerActivation,
  sourcedByPartner: (r: AnyResult) => r.weekly?.sourcedByPartner,
  reconciliation: (r: AnyResult) => r.weekly?.reconciliation.rows,
  cloudMismatches: (r: AnyResult) => r.weekly?.cloud?.mismatches,
  reengage: (r: AnyResult) => r.quarterly?.reengage,
  archive: (r: AnyResult) => r.quarterly?.archive,
} as const;
export type StoredListName = keyof typeof STORED_LISTS;

export interface OperatorLoopsDeps {
  results: LoopResultsRepository;
  read: ReportsReadRepository;
  tenants: { get(id: string): Promise<Tenant> };
  rules(tenantId: string): Promise<AttributionRules>;
  scoringConfig(tenantId: string): Promise<ScoringConfig>;
  livePartners(tenantId: string): Promise<Partner[]>;
  /** The co-sell queue at the service's now (waiting motions, most urgent first). */
  motionQueue(tenantId: string): Promise<QueueEntry<MotionQueueCandidate>[]>;
  /** `pl_cosell_status` of every deal with a motion, at now. */
  cosellStatuses(tenantId: string): Promise<Map<string, string>>;
  /** Stored partner scores (the last scoring run). */
  partnerScores(
    tenantId: string,
  ): Promise<Array<{ partnerId: string; tier: string; score: number; decaying: boolean }>>;
  logger: Logger;
  now?: () => Date;
  /** Where the tenant's CRM records open (the lists link to them). */
  links(tenantId: string): RecordLinks;
  /** The connected programmes' side of the weekly reconciliation; absent or null: no programme to reconcile. */
  cloud?: (tenantId: string) => Promise<ProgrammeSide | null>;
  /** Inbound referrals the programmes offer and nobody answered yet (the daily queue lists them). */
  pendingInvitations?: (
    tenantId: string,
  ) => Promise<Array<Omit<InvitationRow, 'daysLeft' | 'expiresAt'> & { expiresAt: Date | null }>>;
}

/** What one loop run stored (each period it computed, and whether that added a version) and the deals it read. */
interface LoopWork {
  periods: Array<{ periodKey: string; version: number; stored: boolean }>;
  deals: number;
}

export interface LoopRunOutcome extends LoopWork {
  loop: OperatorLoop;
  cpuMs: number;
}

/**
 * The Operator OS loops of SPEC §2.5, per tenant: each computes from the store's mirror (never the CRM) with the pure
 * metrics engine and keeps its result per period (`LoopResultsRepository`). A first run also fills in the periods
 * before it, so the operator home shows trends on day one.
 */
export class OperatorLoops {
  readonly #deps: OperatorLoopsDeps;
  readonly #now: () => Date;

  constructor(deps: OperatorLoopsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Runs one loop as of `asOf` (YYYY-MM-DD, default today): the daily snapshot of that day, or the last complete
   * week / month / quarter ending on or before it. `reason` is recorded with every version stored.
   */
  async run(tenantId: string, loop: OperatorLoop, options: { asOf?: string; reason?: string } = {}) {
    const started = process.cpuUsage();
    const asOf = options.asOf ?? formatDay(this.#now().getTime());
    parseDay(asOf, 'as-of');
    const reason = options.reason ?? 'scheduled';
    const tenant = await this.#deps.tenants.get(tenantId);
    const ran =
      loop === 'daily' ? await this.#daily(tenant, asOf, reason) : await this.#periodic(tenant, loop, asOf, reason);
    const cpu = process.cpuUsage(started);
    const outcome: LoopRunOutcome = { loop, ...ran, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
    this.#deps.logger.info({ tenantId, asOf, ...outcome }, 'operator loop ran');
    return outcome;
  }

  async #daily(tenant: Tenant, asOf: string, reason: string): Promise<LoopWork> {
    const links = this.#deps.links(tenant.id);
    const [queue, statuses, scores, partners, exceptions, pending] = await Promise.all([
      this.#deps.motionQueue(tenant.id),
      this.#deps.cosellStatuses(tenant.id),
      this.#deps.partnerScores(tenant.id),
      this.#deps.livePartners(tenant.id),
      this.#deps.read.attributionExceptions(tenant.id),
      this.#deps.pendingInvitations ? this.#deps.pendingInvitations(tenant.id) : Promise.resolve([]),
    ]);
    const dayStart = parseDay(asOf);
    // An invitation past its expiry can no longer be accepted: it is not a task, whatever the last poll said.
    const invitations = pending
      .filter((invitation) => invitation.expiresAt === null || invitation.expiresAt.getTime() > dayStart)
      .map((invitation) => ({
        ...invitation,
        expiresAt: invitation.expiresAt?.toISOString() ?? null,
        daysLeft:
          invitation.expiresAt === null ? null : Math.floor((invitation.expiresAt.getTime() - dayStart) / DAY_MS),
      }))
      .sort((a, b) => (a.daysLeft ?? Infinity) - (b.daysLeft ?? Infinity) || compare(a.invitationId, b.invitationId));
    const aging = [...statuses].filter(([, status]) => status.endsWith('_aging')).sort(([a], [b]) => compare(a, b));
    const agingNames = await this.#deps.read.dealNames(
      tenant.id,
      aging.slice(0, LIST_LIMIT).map(([dealId]) => dealId),
    );
    const names = new Map(partners.map((p) => [p.id, p.name]));
    const decaying = scores.filter((s) => s.decaying);
    const result: DailyResult = {
      asOf,
      counts: {
        queue: queue.length,
        agingDeals: aging.length,
        decayingPartners: decaying.length,
        attributionExceptions: exceptions.length,
        invitations: invitations.length,
      },
      queue: queue.slice(0, LIST_LIMIT).map((entry) => ({
        motionId: entry.motion.id,
        dealId: entry.motion.dealId,
        dealName: entry.dealName,
        partnerId: entry.motion.partnerId,
        partnerName: entry.partnerName,
        programme: entry.motion.programme,
        state: entry.motion.state,
        reason: entry.reason,
        slaDueAt: entry.motion.slaDueAt.toISOString(),
        overdue: entry.timing.overdue,
        url: links.deal(entry.motion.dealId),
      })),
      agingDeals: aging.slice(0, LIST_LIMIT).map(([dealId, status]) => ({
        dealId,
        dealName: agingNames.get(dealId) ?? null,
        cosellStatus: status,
        url: links.deal(dealId),
      })),
      decayingPartners: decaying.slice(0, LIST_LIMIT).map((s) => ({
        partnerId: s.partnerId,
        name: names.get(s.partnerId) ?? `Company ${s.partnerId}`,
        tier: s.tier,
        score: s.score,
        url: links.partner(s.partnerId),
      })),
      attributionExceptions: exceptions.slice(0, LIST_LIMIT).map((e) => ({ ...e, url: links.deal(e.dealId) })),
      invitations: invitations.slice(0, LIST_LIMIT),
    };
    const day = { start: asOf, end: formatDay(parseDay(asOf) + DAY_MS) };
    const saved = await this.#deps.results.save(tenant.id, 'daily', asOf, day, result, reason);
    return { periods: [{ periodKey: asOf, ...saved }], deals: 0 };
  }

  async #periodic(
    tenant: Tenant,
    loop: Exclude<OperatorLoop, 'daily'>,
    asOf: string,
    reason: string,
  ): Promise<LoopWork> {
    const { kind, history } = LOOP_PERIODS[loop];
    const covered = coveredPeriod(kind, asOf);
    const [rules, scoring, partners, attributions, motions, cloud] = await Promise.all([
      this.#deps.rules(tenant.id),
      this.#deps.scoringConfig(tenant.id),
      this.#deps.livePartners(tenant.id),
      this.#deps.read.attributions(tenant.id),
      this.#deps.read.dealsWithMotions(tenant.id),
      loop === 'weekly' && this.#deps.cloud ? this.#deps.cloud(tenant.id) : Promise.resolve(null),
    ]);
    // Periods before the covered one are computed only when missing (a first run, or a gap after downtime).
    const candidates = Array.from({ length: history }, (_, i) => shiftPeriod(covered, i - history + 1));
    const existing = await this.#deps.results.existingPeriods(
      tenant.id,
      loop,
      candidates.map((p) => periodKey(p)),
    );
    const metrics = new OperatorMetrics({
      kind,
      asOf,
      partners,
      rules,
      scoring,
      coSellDealIds: motions,
      attributionOf: (deal) => attributions.get(deal.id),
      trendPeriods: history,
    });
    // The quarterly lists need the deals again (re-engagement scores the roster as of the quarter before).
    // The cross-cloud reconciliation matches against every deal, like the quarterly lists.
    const keep: Deal[] | undefined = loop === 'quarterly' || cloud !== null ? [] : undefined;
    const weekly = loop === 'weekly' ? new WeeklyReconciliation(candidates, motions, attributions) : undefined;
    for await (const page of this.#deps.read.liveDeals(tenant.id)) {
      for (const deal of page) {
        metrics.add(deal);
        keep?.push(deal);
        weekly?.add(deal);
      }
    }
    const links = this.#deps.links(tenant.id);
    const names = new Map(partners.map((p) => [p.id, p.name]));
    const all = metrics.periodMetrics();
    const cloudResult = cloud && keep ? cloudReconciliation(cloud, keep, links, this.#now()) : undefined;
    const periods: LoopWork['periods'] = [];
    for (const [index, period] of candidates.entries()) {
      const key = periodKey(period);
      const isCovered = index === candidates.length - 1;
      if (!isCovered && existing.has(key)) continue;
      const result: PeriodResult = { ...(all[index] as PeriodMetrics), dormantRoster: metrics.dormantRoster(period) };
      if (weekly) result.weekly = weekly.result(index, names, links);
      if (result.weekly && cloudResult && isCovered) result.weekly.cloud = cloudResult;
      if (keep && loop === 'quarterly')
        result.quarterly = quarterlyLists(period, metrics, keep, partners, scoring, links);
      const saved = await this.#deps.results.save(
        tenant.id,
        loop,
        key,
        period,
        result,
        isCovered ? reason : 'backfill: first run of this loop',
      );
      periods.push({ periodKey: key, ...saved });
    }
    return { periods, deals: metrics.deals };
  }
}

/** The weekly loop's CRM-side reconciliation of each week (the clouds' side joins with the programme adapters). */
class WeeklyReconciliation {
  readonly #bounds: Array<{ startMs: number; endMs: number }>;
  readonly #rows: ReconciliationRowDraft[][];
  readonly #sourced: Array<Map<string, { deals: number; amount: number }>>;

  constructor(
    periods: readonly Period[],
    private readonly motions: ReadonlySet<string>,
    private readonly attributions: ReadonlyMap<string, { status: string }>,
  ) {
    this.#bounds = periods.map((p) => ({ startMs: parseDay(p.start), endMs: parseDay(p.end) }));
    this.#rows = periods.map(() => []);
    this.#sourced = periods.map(() => new Map());
  }

  add(deal: Deal) {
    const createdMs = Date.parse(deal.createdAt);
    const index = this.#bounds.findIndex((b) => createdMs >= b.startMs && createdMs < b.endMs);
    if (index < 0) return;
    const rows = this.#rows[index] as ReconciliationRowDraft[];
    const newBusiness = isNewBusiness(deal);
    const status = this.attributions.get(deal.id)?.status;
    if (newBusiness && status !== undefined && status !== 'complete' && status !== 'not_partner_involved') {
      rows.push({ deal, kind: 'attribution_exception', detail: `attribution ${status}` });
    }
    const cosellPartner = deal.partners.some((p) => p.role === 'cosell');
    const motion = this.motions.has(deal.id);
    if (cosellPartner && !motion) {
      rows.push({ deal, kind: 'cosell_role_without_motion', detail: 'a co-sell partner is tagged but no motion runs' });
    }
    if (motion && !cosellPartner) {
      rows.push({
        deal,
        kind: 'motion_without_cosell_partner',
        detail: 'a co-sell motion runs but no partner is tagged as co-sell',
      });
    }
    if (newBusiness) {
      const sourced = this.#sourced[index] as Map<string, { deals: number; amount: number }>;
      for (const partnerId of new Set(deal.partners.filter((p) => p.role === 'sourced').map((p) => p.partnerId))) {
        const tally = sourced.get(partnerId) ?? { deals: 0, amount: 0 };
        tally.deals += 1;
        tally.amount += deal.amount ?? 0;
        sourced.set(partnerId, tally);
      }
    }
  }

  result(index: number, names: ReadonlyMap<string, string>, links: RecordLinks) {
    const drafts = (this.#rows[index] ?? []).sort((a, b) => compare(a.deal.id, b.deal.id) || compare(a.kind, b.kind));
    const byKind = { attribution_exception: 0, cosell_role_without_motion: 0, motion_without_cosell_partner: 0 };
    for (const row of drafts) byKind[row.kind] += 1;
    const sourced = [...(this.#sourced[index] ?? new Map())]
      .map(([partnerId, tally]) => ({ partnerId, name: names.get(partnerId) ?? `Company ${partnerId}`, ...tally }))
      .sort((a, b) => b.amount - a.amount || compare(a.partnerId, b.partnerId));
    return {
      sourcedByPartner: sourced,
      reconciliation: {
        total: drafts.length,
        byKind,
        rows: drafts.slice(0, LIST_LIMIT).map(({ deal, kind, detail }) => ({
          dealId: deal.id,
          dealName: deal.name,
          kind,
          detail,
          url: links.deal(deal.id),
        })),
      },
    };
  }
}

/** The programmes' opportunities against every live deal (src/cosell/cloud-reconciliation.ts), capped for storage. */
function cloudReconciliation(
  inputs: ProgrammeSide,
  deals: readonly Deal[],
  links: RecordLinks,
  now: Date,
): CloudReconciliationResult {
  const reconciled = reconcileCloudProgrammes({
    deals,
    opportunities: inputs.opportunities,
    links: inputs.links,
    coSellDeals: inputs.coSellDeals,
  });
  const counts = Object.fromEntries(MISMATCH_KINDS.map((kind) => [kind, reconciled.counts[kind]])) as Record<
    MismatchKind,
    number
  >;
  return {
    asOf: now.toISOString(),
    programmes: [...inputs.programmes],
    opportunities: reconciled.counts.opportunities,
    matched: reconciled.counts.matched,
    counts,
    total: reconciled.mismatches.length,
    mismatches: reconciled.mismatches.slice(0, LIST_LIMIT).map((mismatch) => ({
      ...mismatch,
      url: mismatch.dealId === null ? null : links.deal(mismatch.dealId),
    })),
  };
}

interface ReconciliationRowDraft {
  deal: Deal;
  kind: ReconciliationRow['kind'];
  detail: string;
}

/**
 * The quarterly lists (SPEC §2.5): re-engage = partners dormant at the end of the quarter that were `strategic` or
 * `core` at the end of the quarter before; archive = registered over a year before the quarter's end and never on a
 * new-business deal by then.
 */
function quarterlyLists(
  period: Period,
  metrics: OperatorMetrics,
  deals: readonly Deal[],
  partners: readonly Partner[],
  scoring: ScoringConfig,
  links: RecordLinks,
): NonNullable<PeriodResult['quarterly']> {
  const activity = metrics.partnerActivity(period);
  const before = scorePartners({ deals, partners, asOf: lastDayOf(shiftPeriod(period, -1)), config: scoring });
  const tierBefore = new Map(before.partners.map((s) => [s.partnerId, s.tier]));
  const yearBeforeEnd = parseDay(period.end) - 365 * DAY_MS;
  const reengage: NonNullable<PeriodResult['quarterly']>['reengage'] = [];
  const archive: NonNullable<PeriodResult['quarterly']>['archive'] = [];
  for (const partner of partners) {
    const status = activity.get(partner.id);
    if (!status) continue;
    const tier = tierBefore.get(partner.id);
    if (status.dormant && (tier === 'strategic' || tier === 'core')) {
      reengage.push({ partnerId: partner.id, name: partner.name, tierBefore: tier, url: links.partner(partner.id) });
    }
    if (status.lastOpportunityDay === null && Date.parse(partner.registeredAt) < yearBeforeEnd) {
      archive.push({
        partnerId: partner.id,
        name: partner.name,
        registeredAt: partner.registeredAt,
        url: links.partner(partner.id),
      });
    }
  }
  return { reengage: reengage.slice(0, LIST_LIMIT), archive: archive.slice(0, LIST_LIMIT) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
