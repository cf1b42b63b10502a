import { describe, expect, it } from 'vitest';
import { type Deal, type DealInput, dealSchema } from '../model/deal.ts';
import { type Partner, partnerSchema } from '../model/partner.ts';
import { OperatorMetrics, operatorReport } from './operator-metrics.ts';

/** Q2 2026 = [2026-04-01, 2026-07-01) is the covered quarter as of 2026-07-01. */
const AS_OF = '2026-07-01';
let nextId = 0;

function deal(overrides: Partial<DealInput> = {}): Deal {
  nextId += 1;
  return dealSchema.parse({
    id: `d${nextId}`,
    name: `Deal ${nextId}`,
    account: { id: `a${nextId}`, name: `Account ${nextId}` },
    amount: 10_000,
    closeDate: null,
    createdAt: '2026-04-10T12:00:00Z',
    stage: 'appointmentscheduled',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    ownerId: 'o1',
    region: 'EMEA',
    partners: [],
    ...overrides,
  });
}
const won = (closeDate: string, extra: Partial<DealInput> = {}) =>
  deal({ isClosed: true, isWon: true, stage: 'closedwon', closeDate, ...extra });
const lost = (closeDate: string, extra: Partial<DealInput> = {}) =>
  deal({ isClosed: true, isWon: false, stage: 'closedlost', closeDate, lossReason: 'price', ...extra });
const partner = (id: string, type: 'named' | 'self_serve' = 'named', registeredAt = '2025-01-01'): Partner =>
  partnerSchema.parse({ id, name: `Partner ${id}`, type, registeredAt });
const as = (partnerId: string, role: 'sourced' | 'influenced' | 'cosell' | 'reseller' | 'referral' = 'sourced') => ({
  partnerId,
  role,
});
const ROSTER = [partner('p1'), partner('p2', 'self_serve'), partner('p3')];
const report = (deals: Deal[], partners: Partner[] = ROSTER, extra: { coSellDealIds?: Set<string> } = {}) =>
  operatorReport(deals, { kind: 'quarter', asOf: AS_OF, partners, ...extra });

describe('producingPartnerRate', () => {
  it('given partners on new-business deals created in P, then those registered before its end are producing', () => {
    const r = report(
      [
        deal({ partners: [as('p1')] }),
        deal({ partners: [as('p2', 'influenced')], createdAt: '2026-04-01T00:00:00Z' }), // first instant: in
        deal({ partners: [as('p3')], createdAt: '2026-07-01T00:00:00Z' }), // end instant: out
        deal({ partners: [as('p3')], type: 'renewal' }), // renewals never count
        deal({ partners: [as('p4')] }), // not registered (not in the roster): not counted
      ],
      [...ROSTER, partner('p5', 'named', '2026-07-01')], // registered at the end: not registered in P
    );
    expect(r.producingPartnerRate).toEqual({ producing: 2, registered: 3, rate: 2 / 3 });
  });

  it('given an empty roster, then the rate is null, not zero', () => {
    expect(report([deal()], []).producingPartnerRate).toEqual({ producing: 0, registered: 0, rate: null });
  });
});

describe('attributionCoverage', () => {
  it('given new-business deals created in P, then partner-involved ones are judged with the default rules', () => {
    const r = report([
      deal({ partners: [as('p1')], stage: 'qualifiedtobuy' }), // complete
      deal({ leadSource: 'Partner', stage: 'qualifiedtobuy' }), // missing_partner
      deal({ leadSource: 'Partner', stage: 'appointmentscheduled' }), // involved, not yet required → complete
      deal({ leadSource: 'Web' }), // not partner-involved
      deal({ leadSource: 'Partner', stage: 'qualifiedtobuy', type: 'churn' }), // not new business
      deal({ leadSource: 'Partner', stage: 'qualifiedtobuy', createdAt: '2026-03-31T23:59:59Z' }), // before P
    ]);
    expect(r.attributionCoverage).toEqual({ partnerInvolved: 3, complete: 2, rate: 2 / 3 });
  });

  it('given a deal with a co-sell motion, then the motion makes it partner-involved', () => {
    const d = deal({ stage: 'qualifiedtobuy' });
    expect(report([d], ROSTER, { coSellDealIds: new Set([d.id]) }).attributionCoverage).toEqual({
      partnerInvolved: 1,
      complete: 0,
      rate: 0,
    });
  });
});

describe('partnerWinRate', () => {
  it('given deals closed in P, then each lands in named, self-serve or unattached by its partners', () => {
    const r = report([
      won('2026-05-01', { amount: 100, partners: [as('p1'), as('p2', 'influenced')] }), // named wins over self-serve
      lost('2026-06-30', { partners: [as('p1')] }), // last day: in
      won('2026-04-01', { amount: 40, partners: [as('p2')] }),
      won('2026-04-02', { amount: null, partners: [as('p9')] }), // not in roster: attached, self-serve
      won('2026-05-01', { amount: 7 }),
      lost('2026-05-01'),
      lost('2026-07-01', { partners: [as('p1')] }), // closed at the end: out
      won('2026-05-01', { amount: 1000, type: 'renewal' }), // never counts
      deal({ isClosed: false, isWon: false, closeDate: '2026-05-01' }), // not closed
    ]);
    expect(r.partnerWinRate).toEqual({
      named: { closed: 2, won: 1, rate: 0.5, wonAmount: 100 },
      selfServe: { closed: 2, won: 2, rate: 1, wonAmount: 40 },
      unattached: { closed: 2, won: 1, rate: 0.5, wonAmount: 7 },
    });
  });

  it('given nothing closed in P, then every rate is null and every count zero', () => {
    expect(report([deal()]).partnerWinRate.named).toEqual({ closed: 0, won: 0, rate: null, wonAmount: 0 });
  });
});

describe('pipelineSourced and co-sell', () => {
  it('given sourced deals created in P, then they count with null amounts adding 0', () => {
    const r = report([
      deal({ amount: 500, partners: [as('p1', 'sourced')] }),
      deal({ amount: null, partners: [as('p2', 'sourced')] }),
      deal({ amount: 900, partners: [as('p1', 'influenced')] }),
      deal({ amount: 700, partners: [as('p1', 'sourced')], type: 'renewal' }),
    ]);
    expect(r.pipelineSourced).toEqual({ deals: 2, amount: 500 });
  });

  it('given co-sell deals, then pipeline is open at the end of P and revenue is won in P, any deal type', () => {
    const motion = deal({ amount: 3, createdAt: '2026-01-10T00:00:00Z' }); // open, created before P, via a motion
    const r = report(
      [
        deal({ amount: 1, partners: [as('p1', 'cosell')] }), // open
        deal({ amount: 2, partners: [as('p1', 'cosell')], type: 'renewal' }), // open, renewals count here
        motion,
        won('2026-07-02', { amount: 4, partners: [as('p1', 'cosell')] }), // closes after P: open at its end
        won('2026-06-01', { amount: 5, partners: [as('p1', 'cosell')] }), // revenue
        lost('2026-06-01', { amount: 6, partners: [as('p1', 'cosell')] }),
        deal({ amount: 7, partners: [as('p1', 'cosell')], createdAt: '2026-07-01T00:00:00Z' }), // after P
        deal({ amount: 8, partners: [as('p1', 'sourced')] }), // not co-sell
        deal({ amount: 9, partners: [as('p1', 'cosell')], isClosed: true, stage: 'closedlost', lossReason: 'x' }), // closed, no date
      ],
      ROSTER,
      { coSellDealIds: new Set([motion.id]) },
    );
    expect(r.coSellInfluence).toEqual({ pipeline: { deals: 4, amount: 10 }, revenue: { deals: 1, amount: 5 } });
  });

  it('given new-business co-sell deals closed in P, then conversion is won over closed', () => {
    const r = report([
      won('2026-06-01', { partners: [as('p1', 'cosell')] }),
      lost('2026-06-01', { partners: [as('p1', 'cosell')] }),
      lost('2026-06-01', { partners: [as('p1', 'cosell')] }),
      won('2026-06-01', { partners: [as('p1', 'cosell')], type: 'churn' }),
      won('2026-06-01', { partners: [as('p1', 'sourced')] }),
    ]);
    expect(r.coSellConversion).toEqual({ closed: 3, won: 1, rate: 1 / 3 });
  });
});

describe('sellerActivation', () => {
  it('given sellers with new-business deals created in P, then each region and `all` count the activated ones', () => {
    const r = report([
      deal({ ownerId: 'o1', region: 'EMEA', partners: [as('p1')] }),
      deal({ ownerId: 'o1', region: 'NA' }), // o1 has no attached deal in NA
      deal({ ownerId: 'o2', region: 'EMEA' }),
      deal({ ownerId: 'o2', region: 'EMEA', partners: [as('p9')] }), // unknown partner: still attached
      deal({ ownerId: 'o3', region: null }),
      deal({ ownerId: null, region: 'NA', partners: [as('p1')] }), // no seller
      deal({ ownerId: 'o4', region: 'NA', partners: [as('p1')], type: 'renewal' }), // not new business
    ]);
    expect(r.sellerActivation).toEqual([
      { region: 'EMEA', sellers: 2, activated: 2, rate: 1 },
      { region: 'NA', sellers: 1, activated: 0, rate: 0 },
      { region: 'unknown', sellers: 1, activated: 0, rate: 0 },
      { region: 'all', sellers: 3, activated: 2, rate: 2 / 3 },
    ]);
  });

  it('given no deals, then only the `all` row, with a null rate', () => {
    expect(report([]).sellerActivation).toEqual([{ region: 'all', sellers: 0, activated: 0, rate: null }]);
  });
});

describe('lift', () => {
  it('given closed new-business deals in P, then strata are the segments (null amount = unknown), in band order', () => {
    const r = report([
      won('2026-05-01', { amount: 150_000, partners: [as('p1')] }),
      lost('2026-05-01', { amount: 150_000, partners: [as('p1')] }),
      won('2026-05-01', { amount: 200_000 }),
      lost('2026-05-01', { amount: 200_000 }),
      lost('2026-05-01', { amount: 200_000 }),
      won('2026-05-01', { amount: 1_000, partners: [as('p2')] }),
      lost('2026-05-01', { amount: 24_999.99 }),
      won('2026-05-01', { amount: null, partners: [as('p1')] }), // unknown: attached only → skipped
      won('2026-05-01', { amount: 50_000, type: 'renewal', partners: [as('p1')] }), // never counts
    ]);
    expect(r.lift.strata).toEqual([
      { segment: 'smb', attached: { closed: 1, won: 1 }, unattached: { closed: 1, won: 0 } },
      { segment: 'enterprise', attached: { closed: 2, won: 1 }, unattached: { closed: 3, won: 1 } },
    ]);
    // Crude over all closed: attached 3/4, unattached 1/4.
    expect(r.lift.raw).toBeCloseTo(0.5, 12);
    // MH: smb (1·1 − 0·1)/2 = 0.5, w 0.5; enterprise (1·3 − 1·2)/5 = 0.2, w 1.2 → 0.7 / 1.7
    expect(r.lift.estimate).toBeCloseTo(0.7 / 1.7, 12);
  });

  it('given an empty period, then the lift is null with no strata', () => {
    expect(report([]).lift).toEqual({
      estimate: null,
      ciLow: null,
      ciHigh: null,
      method: 'mantel_haenszel_rd',
      raw: null,
      strata: [],
    });
  });
});

describe('dormantRoster', () => {
  it('given the scoring rules (dormant after 90 days), then dormancy is judged at the end of P and the period before', () => {
    const r = report(
      [
        deal({ partners: [as('p1')], createdAt: '2026-04-01T09:00:00Z' }), // 90 days before 06-30: active
        deal({ partners: [as('p2')], createdAt: '2026-03-31T09:00:00Z' }), // 91 days: dormant now, active before
        deal({ partners: [as('p3')], createdAt: '2026-06-01T09:00:00Z', type: 'renewal' }), // renewals do not count
      ],
      [...ROSTER, partner('p4', 'named', '2026-06-15'), partner('p5', 'named', '2026-07-01')],
    );
    // p4 registered in P (not dormant, not registered before P); p5 registered at the end (not registered).
    expect(r.dormantRoster).toEqual({ registered: 4, dormant: 2, decaying: 0, previousDormant: 2 });
  });

  it('given a partner whose activity halves, then it is decaying, not dormant', () => {
    const days = ['2025-10-05', '2025-11-05', '2025-12-05', '2026-01-05', '2026-02-05', '2026-06-20'];
    const r = report(days.map((day) => deal({ partners: [as('p1')], createdAt: `${day}T00:00:00Z` })));
    expect(r.dormantRoster.decaying).toBe(1);
  });
});

describe('the report shape', () => {
  it('given a report, then it has exactly the keys of SPEC §4.1 in order, and a trend of four periods oldest first', () => {
    const r = report([won('2026-02-01', { partners: [as('p1', 'sourced')] })]);
    expect(Object.keys(r)).toEqual([
      'period',
      'producingPartnerRate',
      'attributionCoverage',
      'partnerWinRate',
      'pipelineSourced',
      'coSellInfluence',
      'coSellConversion',
      'sellerActivation',
      'dormantRoster',
      'lift',
      'trend',
    ]);
    expect(r.period).toEqual({ kind: 'quarter', start: '2026-04-01', end: '2026-07-01' });
    expect(r.trend.map((t) => t.period.start)).toEqual(['2025-07-01', '2025-10-01', '2026-01-01', '2026-04-01']);
    expect(Object.keys(r.trend[0] ?? {})).toEqual([
      'period',
      'producingPartnerRate',
      'attributionCoverage',
      'sellerActivation',
      'pipelineSourced',
      'lift',
    ]);
    expect(r.trend[2]?.pipelineSourced).toEqual({ deals: 0, amount: 0 }); // created 2026-04-10 in Q2, not Q1
    expect(r.trend[3]?.pipelineSourced).toEqual({ deals: 1, amount: 10_000 });
    expect(r.trend[3]?.lift).toEqual({ estimate: null, ciLow: null, ciHigh: null });
  });

  it('given weeks and months, then deals fall in the period of their UTC day', () => {
    const deals = [deal({ partners: [as('p1', 'sourced')], createdAt: '2026-06-28T23:59:59Z' })]; // a Sunday
    const week = operatorReport(deals, { kind: 'week', asOf: '2026-06-29', partners: ROSTER });
    expect(week.period).toEqual({ kind: 'week', start: '2026-06-22', end: '2026-06-29' });
    expect(week.pipelineSourced.deals).toBe(1);
    const nextWeek = operatorReport(deals, { kind: 'week', asOf: '2026-07-06', partners: ROSTER });
    expect(nextWeek.pipelineSourced.deals).toBe(0);
    expect(nextWeek.trend[2]?.pipelineSourced.deals).toBe(1);
    const month = operatorReport(deals, { kind: 'month', asOf: '2026-07-01', partners: ROSTER });
    expect(month.period).toEqual({ kind: 'month', start: '2026-06-01', end: '2026-07-01' });
    expect(month.pipelineSourced.deals).toBe(1);
  });

  it('given deals naming partners missing from the roster, then they are reported with the deal and line', () => {
    const metrics = new OperatorMetrics({ kind: 'quarter', asOf: AS_OF, partners: ROSTER });
    metrics.add(deal({ id: 'x1', partners: [as('p9'), as('p9', 'influenced')] }), 7);
    expect(metrics.unknownPartners).toEqual({ references: [{ dealId: 'x1', partnerId: 'p9', line: 7 }], count: 1 });
  });

  it('given a roster naming a partner twice, then it is refused', () => {
    expect(() => report([], [partner('p1'), partner('p1')])).toThrow(/p1 appears twice/);
  });
});
