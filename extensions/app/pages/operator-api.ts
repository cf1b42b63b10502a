// The contract between the operator home (the app page) and the sync service's `/api/reports/home/...` endpoints.
// Types and tiny pure helpers only: the service imports these, and the page bundle must stay free of runtime deps.
// Every list arrives one page at a time (`HomePage`), so no answer comes near hubspot.fetch's 1 MB limit.

// The page bundle is built from this folder alone, so src/model's list is copied here by `npm run generate:models`.
import { ROSTER_ACTIONS, type RosterAction } from './model.generated.ts';

export const HOME_LOOPS = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type HomeLoop = (typeof HOME_LOOPS)[number];

/** `pl_roster_action` on a partner company (SPEC §4.5); null = empty (no action). */
export const ROSTER_ACTION_VALUES = ROSTER_ACTIONS;
export type RosterActionValue = RosterAction;

/** The sections of the page, each served by `GET /api/reports/home/sections/{section}`. */
export const HOME_SECTIONS = ['today', 'reconciliation', 'activation', 'lift', 'roster', 'leaderboard'] as const;
export type HomeSection = (typeof HOME_SECTIONS)[number];

/** The paged lists, each served by `GET /api/reports/home/lists/{list}?period=&offset=&limit=`. */
export const HOME_LISTS = [
  'queue',
  'agingDeals',
  'decayingPartners',
  'attributionExceptions',
  'invitations',
  'reconciliation',
  'cloudMismatches',
  'reengage',
  'archive',
  'leaderboard',
] as const;
export type HomeList = (typeof HOME_LISTS)[number];

/** Rows per page the page asks for (the service caps `limit` at HOME_PAGE_MAX). */
export const HOME_PAGE_SIZE = 10;
export const HOME_PAGE_MAX = 100;

export interface PeriodRange {
  start: string;
  end: string;
}

/** Which stored result a section shows: its period, version and when and why it was computed. */
export interface LoopStamp {
  loop: HomeLoop;
  periodKey: string;
  period: PeriodRange;
  version: number;
  reason: string;
  computedAt: string;
}

/** One page of a list; `period` names the stored result it came from (pass it back to page through the same one). */
export interface HomePage<T> {
  list: HomeList;
  period: string | null;
  rows: T[];
  total: number;
  offset: number;
  limit: number;
}

/** `GET /api/reports/home`: the tenant's state and each loop's latest result, before any section is loaded. */
export type HomeSummary =
  | {
      status: 'active';
      tenantId: string;
      portalId: string;
      generatedAt: string;
      loops: Record<HomeLoop, LoopStamp | null>;
      /** When each loop runs next on its schedule (UTC), so an empty section can say when it fills. */
      schedule: Record<HomeLoop, { description: string; nextRunAt: string }>;
    }
  | {
      status: 'disconnected';
      tenantId: string;
      portalId: string;
      disconnectedAt: string | null;
      reason: string | null;
    };

export interface QueueRowView {
  motionId: string;
  dealId: string;
  dealName: string | null;
  partnerName: string | null;
  programme: string | null;
  state: string;
  reason: string;
  slaDueAt: string;
  overdue: boolean;
  url: string;
}

export interface AgingDealView {
  dealId: string;
  dealName: string | null;
  cosellStatus: string;
  url: string;
}

export interface RosterPartnerView {
  partnerId: string;
  name: string;
  url: string;
  /** The partner's current `pl_roster_action` as PartnerLoop last saw it in the CRM. */
  rosterAction: RosterActionValue | null;
  /** Decaying partners: today's tier and score. */
  tier?: string;
  score?: number;
  /** Re-engagement list: the tier at the end of the quarter before. */
  tierBefore?: string;
  /** Archive list: when the partner registered. */
  registeredAt?: string;
}

export interface AttributionExceptionView {
  dealId: string;
  dealName: string;
  stage: string;
  amount: number | null;
  status: string;
  issues: string[];
  url: string;
}

/** An inbound programme referral waiting for the operator (accept before it expires). */
export interface InvitationRowView {
  programme: string;
  invitationId: string;
  title: string;
  customerName: string;
  sender: string;
  expiresAt: string | null;
  /** Whole days left at the daily run (0: expires today); null when the programme gave no expiry. */
  daysLeft: number | null;
}

/** `POST /api/programmes/aws/invitations/{id}/accept` answers the invitation as it now stands. */
export interface InvitationAccepted {
  invitationId: string;
  status: string;
  dealId: string | null;
}

export type ReconciliationKind =
  | 'attribution_exception'
  | 'cosell_role_without_motion'
  | 'motion_without_cosell_partner';

export interface ReconciliationRowView {
  dealId: string;
  dealName: string;
  kind: ReconciliationKind;
  detail: string;
  url: string;
}

/** The cross-cloud reconciliation's kinds (src/cosell/cloud-reconciliation.ts MISMATCH_KINDS, same order). */
export const CLOUD_MISMATCH_KINDS = [
  'cloud_only',
  'crm_only',
  'stage_drift',
  'closed_one_side',
  'close_date_drift',
  'amount_drift',
] as const;
export type CloudMismatchKind = (typeof CLOUD_MISMATCH_KINDS)[number];

export interface CloudMismatchRowView {
  kind: CloudMismatchKind;
  /** `aws_ace` or `microsoft_referrals`. */
  programme: string;
  /** Null for `cloud_only` (no CRM deal matched). */
  dealId: string | null;
  dealName: string | null;
  /** Null for `crm_only` (nothing in the programme). */
  opportunityId: string | null;
  opportunityTitle: string | null;
  message: string;
  /** The CRM deal; null for `cloud_only`. */
  url: string | null;
}

export interface CloudReconciliationView {
  /** When the programmes' side was read. */
  asOf: string;
  programmes: string[];
  opportunities: number;
  matched: number;
  total: number;
  byKind: Record<CloudMismatchKind, number>;
  rows: HomePage<CloudMismatchRowView>;
}

export interface LeaderboardRowView {
  rank: number;
  partnerId: string;
  name: string;
  partnerType: string;
  tier: string;
  score: number;
  /** Small-sample-corrected win rate (0–1), not won/closed. */
  winRate: number;
  /** Its lower bound (0–1). */
  winRateLow: number;
  rawWinRate: number | null;
  closedDeals: number;
  wonDeals: number;
  dormant: boolean;
  url: string;
}

export interface ActivationRowView {
  region: string;
  sellers: number;
  activated: number;
  rate: number | null;
}

export interface LiftPointView {
  periodKey: string;
  period: PeriodRange;
  /** Mantel–Haenszel risk difference over segments (fraction: 0.07 = +7 points); null when no stratum has both groups. */
  estimate: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** The crude difference, confounded by segment: shown beside the estimate, never instead. */
  raw: number | null;
  method: string;
  /** Closed new-business deals the estimate stands on. */
  closed: number;
}

export interface RosterPointView {
  periodKey: string;
  period: PeriodRange;
  producing: number;
  registered: number;
  producingRate: number | null;
  dormant: number;
  decaying: number;
}

/** Links to CSV exports, pre-signed by the service (a browser cannot sign requests); valid until `expiresAt`. */
export interface ExportLinks {
  expiresAt: string;
  links: Record<string, string>;
}

export interface TodaySectionView {
  section: 'today';
  stamp: LoopStamp | null;
  counts: {
    queue: number;
    agingDeals: number;
    decayingPartners: number;
    attributionExceptions: number;
    /** Absent in results stored before invitations were listed. */
    invitations?: number;
  } | null;
  queue: HomePage<QueueRowView> | null;
  agingDeals: HomePage<AgingDealView> | null;
  decayingPartners: HomePage<RosterPartnerView> | null;
  attributionExceptions: HomePage<AttributionExceptionView> | null;
  invitations: HomePage<InvitationRowView> | null;
  exports: ExportLinks;
}

export interface ReconciliationSectionView {
  section: 'reconciliation';
  stamp: LoopStamp | null;
  total: number;
  byKind: Record<ReconciliationKind, number>;
  rows: HomePage<ReconciliationRowView> | null;
  pipelineSourced: { deals: number; amount: number } | null;
  /** The clouds' side (AWS ACE, Microsoft referrals); null when no programme is connected or it has not run. */
  cloud: CloudReconciliationView | null;
  exports: ExportLinks;
}

export interface ActivationSectionView {
  section: 'activation';
  /** Up to two months, oldest first: last month and the month before ("this month vs last" of the monthly loop). */
  months: Array<{ stamp: LoopStamp; rows: ActivationRowView[] }>;
  exports: ExportLinks;
}

export interface LiftSectionView {
  section: 'lift';
  /** Up to six quarters, oldest first. */
  quarters: Array<LiftPointView & { stamp: LoopStamp }>;
  exports: ExportLinks;
}

export interface RosterSectionView {
  section: 'roster';
  /** Up to six quarters, oldest first. */
  quarters: Array<RosterPointView & { stamp: LoopStamp }>;
  stamp: LoopStamp | null;
  reengage: HomePage<RosterPartnerView> | null;
  archive: HomePage<RosterPartnerView> | null;
  exports: ExportLinks;
}

export interface LeaderboardSectionView {
  section: 'leaderboard';
  /** The scoring run the scores come from (null: partners were never scored). */
  asOf: string | null;
  computedAt: string | null;
  rows: HomePage<LeaderboardRowView>;
  exports: ExportLinks;
}

export interface HomeSectionViews {
  today: TodaySectionView;
  reconciliation: ReconciliationSectionView;
  activation: ActivationSectionView;
  lift: LiftSectionView;
  roster: RosterSectionView;
  leaderboard: LeaderboardSectionView;
}

export interface HomeListRows {
  queue: QueueRowView;
  agingDeals: AgingDealView;
  decayingPartners: RosterPartnerView;
  attributionExceptions: AttributionExceptionView;
  invitations: InvitationRowView;
  reconciliation: ReconciliationRowView;
  cloudMismatches: CloudMismatchRowView;
  reengage: RosterPartnerView;
  archive: RosterPartnerView;
  leaderboard: LeaderboardRowView;
}

/** `PUT /api/reports/home/roster/{partnerId}` */
export interface RosterActionRequest {
  action: RosterActionValue | null;
  note?: string;
}

/** Its answer: what the partner's `pl_roster_action` now is, and whether the CRM holds it yet. */
export interface RosterActionResult {
  partnerId: string;
  action: RosterActionValue | null;
  /** false: saved, and written to the CRM by the next pass (HubSpot did not take it now). */
  written: boolean;
}

/** `POST /api/reports/loops/{loop}/run` answers 202 with this. */
export interface LoopRunAccepted {
  loop: HomeLoop;
  jobId: string | null;
  reason: string;
}

export function isRosterActionValue(value: unknown): value is RosterActionValue {
  return typeof value === 'string' && (ROSTER_ACTION_VALUES as readonly string[]).includes(value);
}
