// The operator home's views (extensions/app/pages/operator-api.ts) built from the stored loop results: pure functions,
// so what the page shows for a stored result is decided once and tested with tables. Every list is served one page at
// a time; the stored results already cap each list at LIST_LIMIT rows (their counts stay complete).

import type {
  ActivationRowView,
  AgingDealView,
  AttributionExceptionView,
  CloudMismatchKind,
  CloudMismatchRowView,
  CloudReconciliationView,
  HomeList,
  HomeLoop,
  HomePage,
  InvitationRowView,
  LiftPointView,
  LoopStamp,
  QueueRowView,
  ReconciliationKind,
  ReconciliationRowView,
  RosterActionValue,
  RosterPartnerView,
  RosterPointView,
} from '../../extensions/app/pages/operator-api.ts';
import { CLOUD_MISMATCH_KINDS, HOME_PAGE_MAX, HOME_PAGE_SIZE } from '../../extensions/app/pages/operator-api.ts';
import { type CloudMismatch, MISMATCH_KINDS, type MismatchKind } from '../../src/cosell/cloud-reconciliation.ts';
import type { LoopStampRow, StoredLoopResult } from './loop-results.repo.ts';
import { type DailyResult, type PeriodResult, STORED_LISTS } from './operator-loops.ts';

type AnyStored = Parameters<(typeof STORED_LISTS)['queue']>[0];

/** A stored result without its body: what the page shows about where a section's numbers come from. */
export type StampSource = LoopStampRow;

export function stampOf(stored: StampSource): LoopStamp {
  return {
    loop: stored.loop,
    periodKey: stored.periodKey,
    period: { start: stored.period.start, end: stored.period.end },
    version: stored.version,
    reason: stored.reason,
    computedAt: stored.computedAt.toISOString(),
  };
}

/** `offset`/`limit` made safe: whole numbers, limit within 1..HOME_PAGE_MAX. */
export function pageWindow(offset: number | undefined, limit: number | undefined): { offset: number; limit: number } {
  const safeOffset = Number.isInteger(offset) && (offset as number) > 0 ? (offset as number) : 0;
  const safeLimit =
    Number.isInteger(limit) && (limit as number) > 0 ? Math.min(limit as number, HOME_PAGE_MAX) : HOME_PAGE_SIZE;
  return { offset: safeOffset, limit: safeLimit };
}

export function pageOf<T>(
  list: HomeList,
  period: string | null,
  rows: readonly T[],
  window: { offset: number; limit: number },
): HomePage<T> {
  return {
    list,
    period,
    rows: rows.slice(window.offset, window.offset + window.limit),
    total: rows.length,
    offset: window.offset,
    limit: window.limit,
  };
}

/** Which loop stores each list (the leaderboard comes from the scores, not a loop). */
export const LIST_LOOPS: Readonly<Record<Exclude<HomeList, 'leaderboard'>, HomeLoop>> = {
  queue: 'daily',
  agingDeals: 'daily',
  decayingPartners: 'daily',
  attributionExceptions: 'daily',
  invitations: 'daily',
  reconciliation: 'weekly',
  cloudMismatches: 'weekly',
  reengage: 'quarterly',
  archive: 'quarterly',
};

/** Roster decisions of the partners on a page, as the CRM holds them (`pl_roster_action`). */
export type RosterActionsOf = ReadonlyMap<string, RosterActionValue | null>;

/** The stored rows of one list of a loop result (all of them; the caller pages). */
export function storedListRows(
  list: Exclude<HomeList, 'leaderboard'>,
  result: unknown,
): Array<
  | QueueRowView
  | AgingDealView
  | Omit<RosterPartnerView, 'rosterAction'>
  | AttributionExceptionView
  | ReconciliationRowView
  | CloudMismatchRowView
  | InvitationRowView
> {
  switch (list) {
    case 'queue':
      return (STORED_LISTS.queue(result as AnyStored) ?? []).map(queueRow);
    case 'agingDeals':
      return (STORED_LISTS.agingDeals(result as AnyStored) ?? []).map((row) => ({
        dealId: row.dealId,
        dealName: row.dealName,
        cosellStatus: row.cosellStatus,
        url: row.url,
      }));
    case 'decayingPartners':
      return (STORED_LISTS.decayingPartners(result as AnyStored) ?? []).map((row) => ({
        partnerId: row.partnerId,
        name: row.name,
        url: row.url,
        tier: row.tier,
        score: row.score,
      }));
    case 'attributionExceptions':
      return (STORED_LISTS.attributionExceptions(result as AnyStored) ?? []).map((row) => ({
        dealId: row.dealId,
        dealName: row.dealName,
        stage: row.stage,
        amount: row.amount,
        status: row.status,
        issues: [...row.issues],
        url: row.url,
      }));
    case 'reconciliation':
      return (STORED_LISTS.reconciliation(result as AnyStored) ?? []).map((row) => ({
        dealId: row.dealId,
        dealName: row.dealName,
        kind: row.kind,
        detail: row.detail,
        url: row.url,
      }));
    case 'invitations':
      return (STORED_LISTS.invitations(result as AnyStored) ?? []).map((row) => ({
        programme: row.programme,
        invitationId: row.invitationId,
        title: row.title,
        customerName: row.customerName,
        sender: row.sender,
        expiresAt: row.expiresAt,
        daysLeft: row.daysLeft,
      }));
    case 'cloudMismatches':
      return (STORED_LISTS.cloudMismatches(result as AnyStored) ?? []).map(cloudMismatchRow);
    case 'reengage':
      return (STORED_LISTS.reengage(result as AnyStored) ?? []).map((row) => ({
        partnerId: row.partnerId,
        name: row.name,
        url: row.url,
        tierBefore: row.tierBefore,
      }));
    case 'archive':
      return (STORED_LISTS.archive(result as AnyStored) ?? []).map((row) => ({
        partnerId: row.partnerId,
        name: row.name,
        url: row.url,
        registeredAt: row.registeredAt,
      }));
  }
}

function cloudMismatchRow(row: CloudMismatch & { url: string | null }): CloudMismatchRowView {
  return {
    kind: row.kind,
    programme: row.programme,
    dealId: row.dealId,
    dealName: row.crm?.name ?? null,
    opportunityId: row.opportunityId,
    opportunityTitle: row.cloud?.title ?? null,
    message: row.message,
    url: row.url,
  };
}

/** The stored cross-cloud reconciliation as the home shows it (null: no programme connected when the week ran). */
export function cloudReconciliationView(
  result: PeriodResult | undefined,
  periodKey: string,
  window: { offset: number; limit: number },
): CloudReconciliationView | null {
  const cloud = result?.weekly?.cloud;
  if (!cloud) return null;
  const byKind = Object.fromEntries(CLOUD_MISMATCH_KINDS.map((kind) => [kind, cloud.counts[kind] ?? 0])) as Record<
    CloudMismatchKind,
    number
  >;
  return {
    asOf: cloud.asOf,
    programmes: [...cloud.programmes],
    opportunities: cloud.opportunities,
    matched: cloud.matched,
    total: cloud.total,
    byKind,
    rows: pageOf('cloudMismatches', periodKey, cloud.mismatches.map(cloudMismatchRow), window),
  };
}

// The page's copy of the kinds must be the engine's, in the same order.
const _sameKinds: readonly MismatchKind[] = CLOUD_MISMATCH_KINDS satisfies readonly MismatchKind[];
const _sameKindsBack: readonly CloudMismatchKind[] = MISMATCH_KINDS satisfies readonly CloudMismatchKind[];

function queueRow(row: DailyResult['queue'][number]): QueueRowView {
  return {
    motionId: row.motionId,
    dealId: row.dealId,
    dealName: row.dealName,
    partnerName: row.partnerName,
    programme: row.programme,
    state: row.state,
    reason: row.reason,
    slaDueAt: row.slaDueAt,
    overdue: row.overdue,
    url: row.url,
  };
}

/** Partner rows get the partner's current roster decision. */
export function withRosterActions(
  rows: ReadonlyArray<Omit<RosterPartnerView, 'rosterAction'>>,
  actions: RosterActionsOf,
): RosterPartnerView[] {
  return rows.map((row) => ({ ...row, rosterAction: actions.get(row.partnerId) ?? null }));
}

export const PARTNER_LISTS: ReadonlySet<HomeList> = new Set(['decayingPartners', 'reengage', 'archive']);

const RECONCILIATION_KINDS: readonly ReconciliationKind[] = [
  'attribution_exception',
  'cosell_role_without_motion',
  'motion_without_cosell_partner',
];

export function reconciliationCounts(result: PeriodResult | undefined): {
  total: number;
  byKind: Record<ReconciliationKind, number>;
} {
  const stored = result?.weekly?.reconciliation;
  const byKind = Object.fromEntries(RECONCILIATION_KINDS.map((kind) => [kind, stored?.byKind[kind] ?? 0])) as Record<
    ReconciliationKind,
    number
  >;
  return { total: stored?.total ?? 0, byKind };
}

/** Seller activation of a monthly result, regions in stored order (the `all` row last). */
export function activationRows(result: PeriodResult): ActivationRowView[] {
  return (result.sellerActivation ?? []).map((row) => ({
    region: row.region,
    sellers: row.sellers,
    activated: row.activated,
    rate: row.rate,
  }));
}

export function liftPoint(stored: StoredLoopResult<PeriodResult>): LiftPointView {
  const { lift, partnerWinRate } = stored.result;
  const closed = partnerWinRate
    ? partnerWinRate.named.closed + partnerWinRate.selfServe.closed + partnerWinRate.unattached.closed
    : 0;
  return {
    periodKey: stored.periodKey,
    period: { start: stored.period.start, end: stored.period.end },
    estimate: lift?.estimate ?? null,
    ciLow: lift?.ciLow ?? null,
    ciHigh: lift?.ciHigh ?? null,
    raw: lift?.raw ?? null,
    method: lift?.method ?? 'mantel_haenszel_rd',
    closed,
  };
}

export function rosterPoint(stored: StoredLoopResult<PeriodResult>): RosterPointView {
  const { producingPartnerRate, dormantRoster } = stored.result;
  return {
    periodKey: stored.periodKey,
    period: { start: stored.period.start, end: stored.period.end },
    producing: producingPartnerRate?.producing ?? 0,
    registered: producingPartnerRate?.registered ?? 0,
    producingRate: producingPartnerRate?.rate ?? null,
    dormant: dormantRoster?.dormant ?? 0,
    decaying: dormantRoster?.decaying ?? 0,
  };
}

// ---- schedule ------------------------------------------------------------------------------------------------------

/**
 * When each loop's cadence ticks next, in UTC (sync/platform/jobs/schedules.ts DEFAULT_SCHEDULES: daily 06:00, weekly Monday
 * 07:00, monthly the 1st 07:00, quarterly 1 Jan/Apr/Jul/Oct 07:00; a test keeps the two in step). The page says "first
 * results at …" with it.
 */
export function nextRunAt(loop: HomeLoop, now: Date): Date {
  const at = (year: number, month: number, day: number, hour: number) => new Date(Date.UTC(year, month, day, hour));
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (loop) {
    case 'daily': {
      const today = at(y, m, d, 6);
      return today > now ? today : at(y, m, d + 1, 6);
    }
    case 'weekly': {
      const daysToMonday = (8 - now.getUTCDay()) % 7;
      const candidate = at(y, m, d + daysToMonday, 7);
      return candidate > now ? candidate : at(y, m, d + daysToMonday + 7, 7);
    }
    case 'monthly': {
      const candidate = at(y, m, 1, 7);
      return candidate > now ? candidate : at(y, m + 1, 1, 7);
    }
    case 'quarterly': {
      const quarterStart = m - (m % 3);
      const candidate = at(y, quarterStart, 1, 7);
      return candidate > now ? candidate : at(y, quarterStart + 3, 1, 7);
    }
  }
}

export const LOOP_DESCRIPTIONS: Readonly<Record<HomeLoop, string>> = {
  daily: "today's queue, every day at 06:00 UTC",
  weekly: 'the week that ended, every Monday at 07:00 UTC',
  monthly: 'the month that ended, on the 1st at 07:00 UTC',
  quarterly: 'the quarter that ended, on 1 January, April, July and October at 07:00 UTC',
};
