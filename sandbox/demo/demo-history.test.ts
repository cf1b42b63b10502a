import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperatorReport, operatorReport } from '../../src/metrics/operator-metrics.ts';
import { shiftPeriod } from '../../src/metrics/periods.ts';
import { SeededRandom } from '../../src/shared/seeded-random.ts';
import { cli } from '../../test/support/cli-harness.ts';
import { exportDemoInterchange } from './demo-export.ts';
import {
  activityLevel,
  closeTiming,
  DAY_MS,
  PartnerCalendar,
  type PartnerHistory,
  partnerStateAt,
  sampleCreatedAt,
  sellerAffinity,
} from './demo-history.ts';
import { DEMO_PORTAL_DEFAULTS, generateDemoPortal } from './demo-portal.ts';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const dice = (seed = 1) => new SeededRandom(seed);
const history = (overrides: Partial<PartnerHistory> = {}): PartnerHistory => ({
  registeredAt: T0,
  firstDealFrom: T0 + 30 * DAY_MS,
  rampMs: 100 * DAY_MS,
  fadeFrom: Number.POSITIVE_INFINITY,
  trickle: 0.2,
  stopAt: Number.POSITIVE_INFINITY,
  silent: false,
  ...overrides,
});
/** Ramped up by day 130, sliding from day 400, a trickle from day 445, quiet from day 600. */
const fading = { fadeFrom: T0 + 400 * DAY_MS, stopAt: T0 + 600 * DAY_MS };

describe('demo history: the pure pieces', () => {
  it.each([
    { name: 'before its first weeks', at: T0 + 10 * DAY_MS, level: 0, partner: {} },
    { name: 'half way up its ramp', at: T0 + 80 * DAY_MS, level: 0.5, partner: {} },
    { name: 'ramped up', at: T0 + 400 * DAY_MS, level: 1, partner: {} },
    { name: 'half way down its slide', at: T0 + 422.5 * DAY_MS, level: 0.6, partner: fading },
    { name: 'down to a trickle', at: T0 + 500 * DAY_MS, level: 0.2, partner: fading },
    { name: 'after it stopped', at: T0 + 700 * DAY_MS, level: 0, partner: fading },
    { name: 'silent', at: T0 + 400 * DAY_MS, level: 0, partner: { silent: true } },
  ])('given a partner $name, when its activity is read, then it is $level', ({ at, level, partner }) => {
    expect(activityLevel(history(partner), at)).toBeCloseTo(level, 10);
  });

  it.each([
    {
      name: 'a partner down to a trickle',
      partner: { fadeFrom: T0, stopAt: T0 + 400 * DAY_MS },
      dormant: false,
      decaying: true,
    },
    {
      name: 'a partner stopped 100 days ago',
      partner: { fadeFrom: T0, stopAt: T0 + 200 * DAY_MS },
      dormant: true,
      decaying: false,
    },
    { name: 'a steady partner', partner: {}, dormant: false, decaying: false },
    { name: 'a silent partner registered long ago', partner: { silent: true }, dormant: true, decaying: false },
  ])(
    'given $name, when judged 300 days in, then dormant is $dormant and decaying $decaying',
    ({ partner, dormant, decaying }) => {
      expect(partnerStateAt(history(partner), T0 + 300 * DAY_MS)).toEqual({ dormant, decaying });
    },
  );

  it('given many draws, when deal creation is sampled, then the last quarter of the window holds more than the first', () => {
    const random = dice();
    const end = T0 + 800 * DAY_MS;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) {
      const at = sampleCreatedAt(random, T0, end);
      expect(at).toBeGreaterThanOrEqual(T0);
      expect(at).toBeLessThan(end);
      counts[Math.floor(((at - T0) / (end - T0)) * 4)]! += 1;
    }
    expect(counts[3]! / counts[0]!).toBeGreaterThan(1.3);
  });

  it('given deals of every segment, when timed, then closed ones close before the as-of day and open ones after it', () => {
    const random = dice(2);
    const asOf = T0 + 400 * DAY_MS;
    for (const segment of ['smb', 'mid', 'ent'] as const) {
      for (let i = 0; i < 2_000; i++) {
        const createdAt = T0 + random.int(0, 399) * DAY_MS;
        const { closed, closeAt } = closeTiming(random, segment, createdAt, asOf);
        if (closed) {
          expect(closeAt).toBeGreaterThan(createdAt);
          expect(closeAt).toBeLessThan(asOf);
        } else expect(closeAt).toBeGreaterThanOrEqual(asOf);
      }
    }
  });

  it('given a roster, when partners are picked day by day, then only active ones come, by weight, and capacity follows them', () => {
    const roster = [
      { weight: 1, history: history() },
      { weight: 3, history: history({ firstDealFrom: T0 + 200 * DAY_MS, rampMs: DAY_MS }) },
      { weight: 5, history: history({ silent: true }) },
    ];
    const calendar = new PartnerCalendar(roster, T0, T0 + 400 * DAY_MS);
    const random = dice(3);
    const early = new Set<number | undefined>();
    const late = [0, 0, 0];
    for (let i = 0; i < 4_000; i++) {
      early.add(calendar.pick(random, T0 + 150 * DAY_MS));
      late[calendar.pick(random, T0 + 300 * DAY_MS) ?? 2]! += 1;
    }
    expect(early).toEqual(new Set([0]));
    expect(late[2]).toBe(0);
    expect(late[1]! / late[0]!).toBeGreaterThan(2.5);
    expect(calendar.pick(random, T0 + 300 * DAY_MS, 1)).toBe(0);
    expect(calendar.capacity(T0 + 5 * DAY_MS)).toBe(0);
    expect(calendar.capacity(T0 + 150 * DAY_MS)).toBeCloseTo(0.25, 2);
    expect(calendar.capacity(T0 + 300 * DAY_MS)).toBe(1);
  });

  it.each([
    { region: 'EMEA', sellers: 5, inactive: 0 },
    { region: 'NA', sellers: 8, inactive: 2 },
    { region: 'APAC', sellers: 5, inactive: 3 },
  ] as const)(
    'given $sellers sellers in $region, when their habits are drawn, then $inactive never work with partners',
    ({ region, sellers, inactive }) => {
      const random = dice(4);
      const affinities = Array.from({ length: sellers }, (_, index) => sellerAffinity(random, region, index, sellers));
      expect(affinities.filter((affinity) => affinity === 0)).toHaveLength(inactive);
    },
  );
});

// The default demo portal, exported as the service reads it (an async read; top-level so the tables below can use it).
const portal = generateDemoPortal();
const { deals, partners } = await exportDemoInterchange(portal);

describe('demo history: the default demo portal through the Operator OS metrics', () => {
  const asOfMs = Date.parse(`${portal.asOf}T00:00:00Z`);
  /** The reports `partnerloop report --as-of <quarter end>` gives for the last eight complete quarters, oldest first. */
  const quarters: OperatorReport[] = [];
  let covered = operatorReport(deals, { kind: 'quarter', asOf: portal.asOf, partners }).period;
  for (let i = 0; i < 8; i++) {
    quarters.unshift(operatorReport(deals, { kind: 'quarter', asOf: covered.end, partners }));
    covered = shiftPeriod(covered, -1);
  }
  const latest = quarters.slice(-4);
  const closedIn = (report: OperatorReport) =>
    report.partnerWinRate.named.closed +
    report.partnerWinRate.selfServe.closed +
    report.partnerWinRate.unattached.closed;
  const activation = (report: OperatorReport, region: string) =>
    report.sellerActivation.find((row) => row.region === region) ?? { sellers: 0, activated: 0, rate: null };

  it('given the default portal, when exported, then it is the generator defaults, every deal and every partner', () => {
    expect(portal.asOf).toBe(DEMO_PORTAL_DEFAULTS.asOf);
    expect(deals).toHaveLength(DEMO_PORTAL_DEFAULTS.deals);
    expect(partners.map((partner) => partner.id)).toEqual(portal.truth.partnerIds);
  });

  it('given its history, when reported per quarter, then at least six quarters have closed new business and renewals and churn appear through it', () => {
    expect(quarters.filter((report) => closedIn(report) >= 100).length).toBeGreaterThanOrEqual(6);
    const byQuarter = new Map<string, Set<string | null>>();
    for (const deal of deals) {
      const at = new Date(deal.createdAt);
      const key = `${at.getUTCFullYear()}Q${Math.floor(at.getUTCMonth() / 3)}`;
      byQuarter.set(key, (byQuarter.get(key) ?? new Set()).add(deal.type));
    }
    const withRenewalAndChurn = [...byQuarter.values()].filter((types) => types.has('renewal') && types.has('churn'));
    expect(withRenewalAndChurn.length).toBeGreaterThanOrEqual(6);
  });

  it('given its deals, when their dates are checked, then a closed deal closes between its creation and the as-of day and an open one after it', () => {
    for (const deal of deals) {
      const created = Date.parse(deal.createdAt);
      const closeDay = Date.parse(`${deal.closeDate}T00:00:00Z`);
      expect(created, deal.id).toBeLessThan(asOfMs);
      if (deal.isClosed) {
        expect(closeDay, deal.id).toBeGreaterThanOrEqual(Math.floor(created / DAY_MS) * DAY_MS);
        expect(closeDay, deal.id).toBeLessThan(asOfMs);
      } else expect(closeDay, deal.id).toBeGreaterThanOrEqual(asOfMs);
    }
  });

  it('given the latest four quarters, when the lift is computed, then the stratified estimate is positive and below the raw difference', () => {
    for (const { period, lift } of latest) {
      expect(lift.estimate, period.start).toBeGreaterThan(0);
      expect(lift.raw, period.start).toBeGreaterThan(lift.estimate ?? Number.POSITIVE_INFINITY);
    }
    // Why the raw difference overstates it: partner deals skew to enterprise, the band with the best win rate.
    const share = (group: 'attached' | 'unattached') => {
      let enterprise = 0;
      let all = 0;
      for (const { lift } of latest) {
        for (const stratum of lift.strata) {
          all += stratum[group].closed;
          if (stratum.segment === 'enterprise') enterprise += stratum[group].closed;
        }
      }
      return enterprise / all;
    };
    expect(share('attached')).toBeGreaterThan(1.5 * share('unattached'));
  });

  it('given the latest four quarters, when seller activation is read, then EMEA sellers work with partners far more often than APAC sellers', () => {
    let emea = { sellers: 0, activated: 0 };
    let apac = { sellers: 0, activated: 0 };
    for (const report of latest) {
      const [e, a] = [activation(report, 'EMEA'), activation(report, 'APAC')];
      expect(e.rate ?? 0, report.period.start).toBeGreaterThan(a.rate ?? 0);
      emea = { sellers: emea.sellers + e.sellers, activated: emea.activated + e.activated };
      apac = { sellers: apac.sellers + a.sellers, activated: apac.activated + a.activated };
    }
    expect(emea.activated / emea.sellers - apac.activated / apac.sellers).toBeGreaterThan(0.3);
  });

  it('given the roster over time, when the quarters are read, then partners keep registering, partner volume grows, and a part of the roster produces', () => {
    const registered = quarters.map((report) => report.producingPartnerRate.registered);
    expect(registered.at(-1)).toBeGreaterThan(registered[0]! * 1.3);
    for (const { producingPartnerRate } of quarters) {
      expect(producingPartnerRate.rate).toBeGreaterThan(0);
      expect(producingPartnerRate.rate).toBeLessThan(1);
    }
    const attachedClosed = (report: OperatorReport) =>
      report.partnerWinRate.named.closed + report.partnerWinRate.selfServe.closed;
    const sum = (reports: OperatorReport[]) => reports.reduce((total, report) => total + attachedClosed(report), 0);
    expect(sum(quarters.slice(-4))).toBeGreaterThan(sum(quarters.slice(0, 4)) * 1.3);

    // A partner's first deal comes some weeks after it registered.
    const firstDeal = new Map<string, number>();
    for (const deal of deals) {
      for (const { partnerId } of deal.partners) {
        firstDeal.set(
          partnerId,
          Math.min(firstDeal.get(partnerId) ?? Number.POSITIVE_INFINITY, Date.parse(deal.createdAt)),
        );
      }
    }
    for (const partner of partners) {
      const first = firstDeal.get(partner.id);
      if (first !== undefined)
        expect(first - Date.parse(partner.registeredAt), partner.id).toBeGreaterThanOrEqual(21 * DAY_MS);
    }
  });

  it('given the covered quarter, when the dormant roster is read, then some partners are dormant, some decaying, most not', () => {
    const { dormantRoster } = quarters.at(-1)!;
    expect(dormantRoster.dormant).toBeGreaterThan(0);
    expect(dormantRoster.decaying).toBeGreaterThan(0);
    expect(dormantRoster.dormant + dormantRoster.decaying).toBeLessThan(dormantRoster.registered);
    // Partners go quiet at different times: the dormant count moves across the history, and decay shows up in
    // more than one quarter.
    expect(new Set(quarters.map((report) => report.dormantRoster.dormant)).size).toBeGreaterThan(2);
    expect(quarters.filter((report) => report.dormantRoster.decaying > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('given co-sell partners on some deals, when the quarters are read, then co-sell pipeline and conversions appear', () => {
    expect(deals.some((deal) => deal.partners.some((entry) => entry.role === 'cosell'))).toBe(true);
    expect(latest.every((report) => report.coSellInfluence.pipeline.deals > 0)).toBe(true);
    const coSell = latest.reduce(
      (total, report) => ({
        closed: total.closed + report.coSellConversion.closed,
        won: total.won + report.coSellConversion.won,
      }),
      { closed: 0, won: 0 },
    );
    expect(coSell.closed).toBeGreaterThan(0);
    expect(coSell.won).toBeGreaterThan(0);
  });
});

describe('partnerloop sandbox --export', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'partnerloop-demo-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('given a directory, when the demo is exported, then both files hold the demo and partnerloop report reads them to the engine numbers', async () => {
    const out = join(dir, 'nested', 'demo');
    const exported = await cli([
      'sandbox',
      '--export',
      out,
      '--seed',
      '5',
      '--deals',
      '600',
      '--as-of',
      DEMO_PORTAL_DEFAULTS.asOf,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`partnerloop report ${join(out, 'deals.jsonl')}`);

    const expected = await exportDemoInterchange(generateDemoPortal({ seed: 5, deals: 600 }));
    const lines = async (name: string) =>
      (await readFile(join(out, name), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
    expect(await lines('deals.jsonl')).toEqual(JSON.parse(JSON.stringify(expected.deals)));
    expect(await lines('partners.jsonl')).toEqual(JSON.parse(JSON.stringify(expected.partners)));

    const report = await cli([
      'report',
      join(out, 'deals.jsonl'),
      '--partners',
      join(out, 'partners.jsonl'),
      '--as-of',
      DEMO_PORTAL_DEFAULTS.asOf,
    ]);
    expect(report.code, report.stderr).toBe(0);
    const printed = JSON.parse(report.stdout) as OperatorReport;
    expect(printed.period).toEqual({ kind: 'quarter', start: '2026-01-01', end: '2026-04-01' });
    expect(printed).toEqual(
      JSON.parse(
        JSON.stringify(
          operatorReport(expected.deals, {
            kind: 'quarter',
            asOf: DEMO_PORTAL_DEFAULTS.asOf,
            partners: expected.partners,
          }),
        ),
      ),
    );
    expect(printed.trend).toHaveLength(4);
    expect(printed.partnerWinRate.unattached.closed).toBeGreaterThan(0);
  });

  it('given a bad --seed, when exporting, then it fails with one line and writes nothing', async () => {
    const out = join(dir, 'bad');
    const result = await cli(['sandbox', '--export', out, '--seed', 'x']);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--seed');
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
