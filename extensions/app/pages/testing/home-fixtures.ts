// Answers of the operator home's endpoints for its tests: one portal (123) with every loop run, and the same portal
// freshly installed (no loop run yet). Each is a complete, valid answer of the route it names.

import type {
  ActivationSectionView,
  ExportLinks,
  HomeList,
  HomePage,
  HomeSummary,
  LeaderboardSectionView,
  LiftSectionView,
  LoopStamp,
  ReconciliationSectionView,
  RosterSectionView,
  TodaySectionView,
} from '../operator-api.ts';

export const HOME_NOW = new Date('2026-12-04T09:00:00Z');
const API = 'https://partnerloop.example.com';
const record = (type: '0-2' | '0-3', id: string) => `https://app.hubspot.com/contacts/123/record/${type}/${id}`;

const stamp = (loop: LoopStamp['loop'], periodKey: string, start: string, end: string): LoopStamp => ({
  loop,
  periodKey,
  period: { start, end },
  version: 1,
  reason: 'scheduled',
  computedAt: '2026-12-04T06:00:05.000Z',
});

export const dailyStamp = stamp('daily', '2026-12-04', '2026-12-04', '2026-12-05');
export const weeklyStamp = stamp('weekly', '2026-W48', '2026-11-23', '2026-11-30');
export const monthlyStamps = [
  stamp('monthly', '2026-10', '2026-10-01', '2026-11-01'),
  stamp('monthly', '2026-11', '2026-11-01', '2026-12-01'),
];
export const quarterStamps = [
  stamp('quarterly', '2026-Q1', '2026-01-01', '2026-04-01'),
  stamp('quarterly', '2026-Q2', '2026-04-01', '2026-07-01'),
  stamp('quarterly', '2026-Q3', '2026-07-01', '2026-10-01'),
];

const schedule: Extract<HomeSummary, { status: 'active' }>['schedule'] = {
  daily: { description: "today's queue", nextRunAt: '2026-12-05T06:00:00.000Z' },
  weekly: { description: 'the week that ended', nextRunAt: '2026-12-07T07:00:00.000Z' },
  monthly: { description: 'the month that ended', nextRunAt: '2027-01-01T07:00:00.000Z' },
  quarterly: { description: 'the quarter that ended', nextRunAt: '2027-01-01T07:00:00.000Z' },
};

export const activeSummary: HomeSummary = {
  status: 'active',
  tenantId: 'hubspot:123',
  portalId: '123',
  generatedAt: HOME_NOW.toISOString(),
  loops: {
    daily: dailyStamp,
    weekly: weeklyStamp,
    monthly: monthlyStamps[1] as LoopStamp,
    quarterly: quarterStamps[2] as LoopStamp,
  },
  schedule,
};

export const emptySummary: HomeSummary = {
  ...activeSummary,
  loops: { daily: null, weekly: null, monthly: null, quarterly: null },
} as HomeSummary;

export const disconnectedSummary: HomeSummary = {
  status: 'disconnected',
  tenantId: 'hubspot:123',
  portalId: '123',
  disconnectedAt: '2026-11-30T10:00:00.000Z',
  reason: 'disconnected by user:9000001',
};

export const exportsOf = (names: string[]): ExportLinks => ({
  expiresAt: '2026-12-04T10:00:00.000Z',
  links: Object.fromEntries(names.map((name) => [name, `${API}/exports/token-${name}`])),
});
const noExports: ExportLinks = { expiresAt: '2026-12-04T10:00:00.000Z', links: {} };

function page<T>(list: HomeList, period: string | null, rows: T[], total = rows.length, offset = 0): HomePage<T> {
  return { list, period, rows, total, offset, limit: 10 };
}

export const queueRow = {
  motionId: 'm-1',
  dealId: '9001',
  dealName: 'Globex – data platform expansion',
  partnerName: 'Acme Cloud Partners',
  programme: null,
  state: 'requested',
  reason: 'awaiting_partner_answer',
  slaDueAt: '2026-12-02T00:00:00.000Z',
  overdue: true,
  url: record('0-3', '9001'),
};

export const exceptionRow = {
  dealId: '9002',
  dealName: 'Initech – analytics rollout',
  stage: 'contractsent',
  amount: 64_000,
  status: 'missing_partner',
  issues: ['No partner is tagged, but the deal came from a partner lead source.'],
  url: record('0-3', '9002'),
};

export const decayingRow = {
  partnerId: 'p-birch',
  name: 'Birch Consulting',
  url: record('0-2', 'p-birch'),
  rosterAction: null,
  tier: 'core',
  score: 58,
};

export const todayView: TodaySectionView = {
  section: 'today',
  stamp: dailyStamp,
  counts: { queue: 12, agingDeals: 1, decayingPartners: 1, attributionExceptions: 1, invitations: 1 },
  queue: page('queue', dailyStamp.periodKey, [queueRow], 12),
  agingDeals: page('agingDeals', dailyStamp.periodKey, [
    {
      dealId: '9003',
      dealName: 'Umbrella – renewal uplift',
      cosellStatus: 'accepted_aging',
      url: record('0-3', '9003'),
    },
  ]),
  decayingPartners: page('decayingPartners', dailyStamp.periodKey, [decayingRow]),
  attributionExceptions: page('attributionExceptions', dailyStamp.periodKey, [exceptionRow]),
  invitations: page('invitations', dailyStamp.periodKey, [
    {
      programme: 'aws_ace',
      invitationId: 'engi-4k2m9x0q1w7ze',
      title: 'Wayne Enterprises – data lake on AWS',
      customerName: 'Wayne Enterprises',
      sender: 'Amazon Web Services',
      expiresAt: '2026-12-09T10:00:00.000Z',
      daysLeft: 2,
    },
  ]),
  exports: exportsOf(['queue', 'agingDeals', 'decayingPartners', 'attributionExceptions']),
};

export const queueSecondPage = page(
  'queue',
  dailyStamp.periodKey,
  [{ ...queueRow, motionId: 'm-11', dealId: '9011', dealName: 'Hooli – search migration', overdue: false }],
  12,
  10,
);

export const emptyTodayView: TodaySectionView = {
  section: 'today',
  stamp: null,
  counts: null,
  queue: null,
  agingDeals: null,
  decayingPartners: null,
  attributionExceptions: null,
  invitations: null,
  exports: noExports,
};

export const reconciliationView: ReconciliationSectionView = {
  section: 'reconciliation',
  stamp: weeklyStamp,
  total: 2,
  byKind: { attribution_exception: 1, cosell_role_without_motion: 1, motion_without_cosell_partner: 0 },
  rows: page('reconciliation', weeklyStamp.periodKey, [
    {
      dealId: '9002',
      dealName: 'Initech – analytics rollout',
      kind: 'attribution_exception',
      detail: 'attribution missing_partner',
      url: record('0-3', '9002'),
    },
    {
      dealId: '9004',
      dealName: 'Vandelay – import platform',
      kind: 'cosell_role_without_motion',
      detail: 'a co-sell partner is tagged but no motion runs',
      url: record('0-3', '9004'),
    },
  ]),
  pipelineSourced: { deals: 7, amount: 412_000 },
  cloud: {
    asOf: '2026-12-07T07:00:00.000Z',
    programmes: ['aws_ace'],
    opportunities: 4,
    matched: 3,
    total: 2,
    byKind: {
      cloud_only: 1,
      crm_only: 0,
      stage_drift: 0,
      closed_one_side: 0,
      close_date_drift: 0,
      amount_drift: 1,
    },
    rows: page('cloudMismatches', weeklyStamp.periodKey, [
      {
        kind: 'cloud_only',
        programme: 'aws_ace',
        dealId: null,
        dealName: null,
        opportunityId: 'O1000042',
        opportunityTitle: 'Umbrella Corp',
        message: 'AWS ACE opportunity O1000042 (Umbrella Corp) matches no CRM deal.',
        url: null,
      },
      {
        kind: 'amount_drift',
        programme: 'aws_ace',
        dealId: '9003',
        dealName: 'Hooli – search migration',
        opportunityId: 'O1000007',
        opportunityTitle: 'Hooli',
        message: 'Amounts differ by 35%: CRM 120,000 USD, AWS ACE 78,000 USD.',
        url: record('0-3', '9003'),
      },
    ]),
  },
  exports: exportsOf(['reconciliation', 'cloudMismatches', 'sourcedByPartner', 'weekMetrics']),
};

export const emptyReconciliationView: ReconciliationSectionView = {
  section: 'reconciliation',
  stamp: null,
  total: 0,
  byKind: { attribution_exception: 0, cosell_role_without_motion: 0, motion_without_cosell_partner: 0 },
  rows: null,
  pipelineSourced: null,
  cloud: null,
  exports: noExports,
};

export const activationView: ActivationSectionView = {
  section: 'activation',
  months: [
    {
      stamp: monthlyStamps[0] as LoopStamp,
      rows: [
        { region: 'EMEA', sellers: 10, activated: 4, rate: 0.4 },
        { region: 'NA', sellers: 8, activated: 6, rate: 0.75 },
        { region: 'all', sellers: 18, activated: 10, rate: 10 / 18 },
      ],
    },
    {
      stamp: monthlyStamps[1] as LoopStamp,
      rows: [
        { region: 'EMEA', sellers: 10, activated: 5, rate: 0.5 },
        { region: 'NA', sellers: 9, activated: 6, rate: 6 / 9 },
        { region: 'all', sellers: 19, activated: 11, rate: 11 / 19 },
      ],
    },
  ],
  exports: exportsOf(['activation']),
};

export const emptyActivationView: ActivationSectionView = { section: 'activation', months: [], exports: noExports };

const liftQuarter = (
  index: number,
  estimate: number | null,
  ciLow: number | null,
  ciHigh: number | null,
  raw: number | null,
) => {
  const s = quarterStamps[index] as LoopStamp;
  return {
    periodKey: s.periodKey,
    period: s.period,
    estimate,
    ciLow,
    ciHigh,
    raw,
    method: 'mantel_haenszel_rd',
    closed: 120 + index,
    stamp: s,
  };
};

export const liftView: LiftSectionView = {
  section: 'lift',
  quarters: [
    liftQuarter(0, 0.05, -0.01, 0.11, 0.14),
    liftQuarter(1, null, null, null, null),
    liftQuarter(2, 0.072, 0.021, 0.123, 0.18),
  ],
  exports: exportsOf(['lift']),
};

export const emptyLiftView: LiftSectionView = { section: 'lift', quarters: [], exports: noExports };

export const rosterView: RosterSectionView = {
  section: 'roster',
  quarters: quarterStamps.map((s, index) => ({
    periodKey: s.periodKey,
    period: s.period,
    producing: 10 + index,
    registered: 30,
    producingRate: (10 + index) / 30,
    dormant: 12 - index,
    decaying: 3,
    stamp: s,
  })),
  stamp: quarterStamps[2] as LoopStamp,
  reengage: page('reengage', '2026-Q3', [
    {
      partnerId: 'p-cedar',
      name: 'Cedar Systems',
      url: record('0-2', 'p-cedar'),
      rosterAction: null,
      tierBefore: 'strategic',
    },
  ]),
  archive: page('archive', '2026-Q3', [
    {
      partnerId: 'p-dune',
      name: 'Dune Digital',
      url: record('0-2', 'p-dune'),
      rosterAction: 'archive',
      registeredAt: '2024-05-02T00:00:00.000Z',
    },
  ]),
  exports: exportsOf(['producing', 'dormant', 'reengage', 'archive']),
};

export const emptyRosterView: RosterSectionView = {
  section: 'roster',
  quarters: [],
  stamp: null,
  reengage: null,
  archive: null,
  exports: noExports,
};

export const leaderboardView: LeaderboardSectionView = {
  section: 'leaderboard',
  asOf: '2026-12-04',
  computedAt: '2026-12-04T02:10:00.000Z',
  rows: page('leaderboard', '2026-12-04', [
    {
      rank: 1,
      partnerId: 'p-acme',
      name: 'Acme Cloud Partners',
      partnerType: 'named',
      tier: 'strategic',
      score: 87.4,
      winRate: 0.412,
      winRateLow: 0.318,
      rawWinRate: 0.45,
      closedDeals: 40,
      wonDeals: 18,
      dormant: false,
      url: record('0-2', 'p-acme'),
    },
    {
      rank: 2,
      partnerId: 'p-acorn',
      name: 'Acorn Resellers',
      partnerType: 'self_serve',
      tier: 'emerging',
      score: 51,
      winRate: 0.35,
      winRateLow: 0.12,
      rawWinRate: 1,
      closedDeals: 1,
      wonDeals: 1,
      dormant: false,
      url: record('0-2', 'p-acorn'),
    },
  ]),
  exports: exportsOf(['leaderboard']),
};

export const emptyLeaderboardView: LeaderboardSectionView = {
  section: 'leaderboard',
  asOf: null,
  computedAt: null,
  rows: page('leaderboard', null, []),
  exports: noExports,
};

export const fullSections = {
  today: todayView,
  reconciliation: reconciliationView,
  activation: activationView,
  lift: liftView,
  roster: rosterView,
  leaderboard: leaderboardView,
};

export const emptySections = {
  today: emptyTodayView,
  reconciliation: emptyReconciliationView,
  activation: emptyActivationView,
  lift: emptyLiftView,
  roster: emptyRosterView,
  leaderboard: emptyLeaderboardView,
};
