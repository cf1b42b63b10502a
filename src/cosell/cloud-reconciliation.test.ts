import { describe, expect, it } from 'vitest';
import { DEFAULT_MATCH_MODEL } from '../dedupe/default-match-model.ts';
import { makeDeal } from '../dedupe/testing/deal-fixtures.ts';
import { splitCsvRecord } from '../interchange/csv.ts';
import type { Deal, DealInput } from '../model/deal.ts';
import { SeededRandom } from '../shared/seeded-random.ts';
import {
  buildReconciliationWorld,
  type ExpectedMatch,
  type ExpectedMismatch,
  RECONCILIATION_SCENARIOS,
} from './cloud-reconciliation.fixtures.ts';
import {
  CLOUD_MISMATCH_CSV_COLUMNS,
  type CloudMismatch,
  type CloudOpportunity,
  type CloudOutcome,
  type CloudProgramme,
  cloudMatchModel,
  cloudOpportunitySchema,
  type MismatchKind,
  matchInboundOpportunity,
  mismatchesCsv,
  type ReconciliationInput,
  type ReconciliationResult,
  type ReconciliationTolerance,
  reconcileCloudProgrammes,
} from './cloud-reconciliation.ts';

const byKey = (x: ExpectedMismatch, y: ExpectedMismatch) =>
  `${x.kind}|${x.programme}|${x.opportunityId}|${x.dealId}`.localeCompare(
    `${y.kind}|${y.programme}|${y.opportunityId}|${y.dealId}`,
  );
const byMatch = (x: ExpectedMatch, y: ExpectedMatch) =>
  `${x.programme}|${x.opportunityId}`.localeCompare(`${y.programme}|${y.opportunityId}`);

function foundMismatches(result: ReconciliationResult): ExpectedMismatch[] {
  return result.mismatches
    .map(({ kind, programme, dealId, opportunityId }) => ({ kind, programme, dealId, opportunityId }))
    .sort(byKey);
}

function foundMatches(result: ReconciliationResult): ExpectedMatch[] {
  return result.matched
    .map(({ programme, opportunityId, dealId, matchedBy }) => ({ programme, opportunityId, dealId, matchedBy }))
    .sort(byMatch);
}

function opportunity(overrides: Partial<CloudOpportunity> = {}): CloudOpportunity {
  return {
    programme: 'aws_ace',
    id: 'O100',
    crmDealId: null,
    customerName: 'Acme Robotics, Inc.',
    customerDomain: 'acme-robotics.com',
    title: 'Acme Robotics Analytics',
    amount: 50_000,
    currency: 'USD',
    closeDate: '2025-06-30',
    outcome: 'open',
    stage: 'Qualified',
    createdAt: '2025-03-02T10:00:00Z',
    lastModifiedAt: '2025-05-01T10:00:00Z',
    ...overrides,
  };
}

function reconcile(
  deals: Deal[],
  opportunities: CloudOpportunity[],
  extra: Partial<Omit<ReconciliationInput, 'deals' | 'opportunities'>> = {},
): ReconciliationResult {
  return reconcileCloudProgrammes({ deals, opportunities, links: [], coSellDeals: new Map(), ...extra });
}

/** One deal linked to one opportunity: drift is all that can differ. */
function linkedPair(
  dealOverrides: Partial<DealInput>,
  opportunityOverrides: Partial<CloudOpportunity>,
  tolerance?: Partial<ReconciliationTolerance>,
): ReconciliationResult {
  return reconcile([makeDeal('1001', dealOverrides)], [opportunity(opportunityOverrides)], {
    links: [{ programme: 'aws_ace', opportunityId: 'O100', dealId: '1001' }],
    ...(tolerance === undefined ? {} : { tolerance }),
  });
}

describe('reconcileCloudProgrammes: the seeded world', () => {
  const world = buildReconciliationWorld({ accounts: RECONCILIATION_SCENARIOS.length * 2, backgroundDeals: 3 });
  const result = reconcileCloudProgrammes(world.input);

  it('given every scenario for both programmes, when reconciled, then exactly the seeded mismatches are listed', () => {
    expect(world.expectedMismatches.length).toBeGreaterThan(40);
    expect(foundMismatches(result)).toEqual([...world.expectedMismatches].sort(byKey));
  });

  it('given the clean pairs of every matching path, when reconciled, then exactly the seeded pairs are matched', () => {
    const expected = [...world.expectedMatches].sort(byMatch);
    expect(new Set(expected.map((match) => match.matchedBy))).toEqual(new Set(['link', 'crm_id', 'similarity']));
    expect(foundMatches(result)).toEqual(expected);
  });

  it('given the seeded world, when reconciled, then every kind is seeded and the counts add up', () => {
    for (const kind of [
      'cloud_only',
      'crm_only',
      'stage_drift',
      'closed_one_side',
      'close_date_drift',
      'amount_drift',
    ] as const) {
      expect(result.counts[kind]).toBe(world.expectedMismatches.filter((m) => m.kind === kind).length);
      expect(result.counts[kind]).toBeGreaterThan(0);
      for (const programme of ['aws_ace', 'microsoft_referrals'] as const) {
        expect(result.mismatches.some((m) => m.kind === kind && m.programme === programme)).toBe(true);
      }
    }
    expect(result.counts.matched).toBe(world.expectedMatches.length);
    expect(result.counts.opportunities).toBe(world.input.opportunities.length);
  });

  it('given the matches, when read per programme, then a deal holds at most one opportunity', () => {
    const held = result.matched.map((match) => `${match.programme}|${match.dealId}`);
    expect(new Set(held).size).toBe(held.length);
  });

  it('given similarity matches, when reported, then they carry a confidence at or above the threshold', () => {
    const similar = result.matched.filter((match) => match.matchedBy === 'similarity');
    expect(similar.length).toBeGreaterThan(0);
    for (const match of similar) expect(match.confidence).toBeGreaterThanOrEqual(0.9);
    for (const match of result.matched.filter((m) => m.matchedBy !== 'similarity')) expect(match.confidence).toBeNull();
  });

  it('given the input in another order, when reconciled, then the result is identical', () => {
    const random = new SeededRandom(7);
    const shuffle = <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = random.int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    };
    const shuffled = reconcileCloudProgrammes({
      ...world.input,
      deals: shuffle(world.input.deals),
      opportunities: shuffle(world.input.opportunities),
      links: shuffle(world.input.links),
      coSellDeals: new Map(shuffle([...world.input.coSellDeals])),
    });
    expect(shuffled.matched).toEqual(result.matched);
    expect(shuffled.mismatches).toEqual(result.mismatches);
  });

  it('given the output, when listed, then it is ordered by kind, programme and ids', () => {
    const kinds = result.mismatches.map((m) => m.kind);
    const order = ['cloud_only', 'crm_only', 'stage_drift', 'closed_one_side', 'close_date_drift', 'amount_drift'];
    expect(kinds).toEqual([...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    const cloudOnly = result.mismatches.filter((m) => m.kind === 'cloud_only');
    expect(cloudOnly.map((m) => m.programme)).toEqual([...cloudOnly.map((m) => m.programme)].sort());
  });
});

describe('reconcileCloudProgrammes: why an opportunity or deal stays unmatched', () => {
  const world = buildReconciliationWorld({ accounts: RECONCILIATION_SCENARIOS.length, backgroundDeals: 1 });
  const result = reconcileCloudProgrammes(world.input);
  const accountOf = (name: string) => world.scenarios.indexOf(name);
  const rowsOf = (name: string, kind: MismatchKind): CloudMismatch[] => {
    const index = accountOf(name);
    return result.mismatches.filter(
      (m) =>
        m.kind === kind &&
        (m.dealId?.startsWith(`d${index}-`) || new RegExp(`^O${index}[a-z]+$`).test(m.opportunityId ?? '')),
    );
  };

  it.each([
    {
      scenario: 'ambiguous: two similar CRM deals for one opportunity',
      kind: 'cloud_only' as const,
      candidates: (i: number) => [`d${i}-1`, `d${i}-2`],
      says: 'resemble it about equally',
    },
    {
      scenario: 'ambiguous: two similar CRM deals for one opportunity',
      kind: 'crm_only' as const,
      candidates: (i: number) => [`O${i}a`],
      says: 'resemble',
    },
    {
      scenario: 'a second opportunity resembling a deal already linked to another',
      kind: 'cloud_only' as const,
      candidates: (i: number) => [`d${i}-1`],
      says: 'which is matched to opportunity O',
    },
    {
      scenario: 'cloud only: the stored link points to a deleted deal',
      kind: 'cloud_only' as const,
      candidates: () => [],
      says: 'which is not in the CRM',
    },
    {
      scenario: 'crm only: the linked opportunity is no longer listed',
      kind: 'crm_only' as const,
      candidates: () => [],
      says: 'is not listed by the programme',
    },
    {
      scenario: 'hard negative: a namesake company with its own domain',
      kind: 'cloud_only' as const,
      candidates: () => [],
      says: 'no CRM deal of that customer resembles it',
    },
  ])('given "$scenario", when reconciled, then the $kind row names its candidates and says why', (row) => {
    const index = accountOf(row.scenario);
    const rows = rowsOf(row.scenario, row.kind);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.candidates).toEqual(row.candidates(index));
    expect(rows[0]?.message).toContain(row.says);
    expect(rows[0]?.message).toMatch(/^[A-Z][^\n]*\.$/);
  });

  it('given two opportunities resembling one deal, when reconciled, then neither is matched and the deal lists both', () => {
    const index = accountOf('ambiguous: two similar opportunities for one deal');
    const crmOnly = rowsOf('ambiguous: two similar opportunities for one deal', 'crm_only');
    expect(crmOnly.map((m) => m.candidates)).toEqual([[`O${index}a`, `O${index}b`]]);
    expect(result.matched.some((m) => m.dealId === `d${index}-1`)).toBe(false);
  });
});

describe('reconcileCloudProgrammes: drift of a matched pair', () => {
  const DRIFT: ReadonlyArray<{
    case: string;
    deal: Partial<DealInput>;
    cloud: Partial<CloudOpportunity>;
    tolerance?: Partial<ReconciliationTolerance>;
    kinds: MismatchKind[];
    drift?: Array<number | null>;
  }> = [
    { case: 'identical values', deal: {}, cloud: {}, kinds: [] },
    { case: 'amount exactly 10 % apart', deal: { amount: 100_000 }, cloud: { amount: 90_000 }, kinds: [] },
    {
      case: 'amount just beyond 10 %',
      deal: { amount: 100_000 },
      cloud: { amount: 89_990 },
      kinds: ['amount_drift'],
      drift: [0.1001],
    },
    { case: 'amount 10 % apart the other way round', deal: { amount: 90_000 }, cloud: { amount: 100_000 }, kinds: [] },
    {
      case: 'a tighter amount tolerance',
      deal: { amount: 100 },
      cloud: { amount: 97 },
      tolerance: { amountPct: 0.02 },
      kinds: ['amount_drift'],
    },
    {
      case: 'a looser amount tolerance',
      deal: { amount: 100 },
      cloud: { amount: 75 },
      tolerance: { amountPct: 0.25 },
      kinds: [],
    },
    { case: 'a CRM amount missing', deal: { amount: null }, cloud: { amount: 1 }, kinds: [] },
    { case: 'a cloud amount missing', deal: {}, cloud: { amount: null }, kinds: [] },
    { case: 'both amounts zero', deal: { amount: 0 }, cloud: { amount: 0 }, kinds: [] },
    { case: 'zero against an amount', deal: { amount: 0 }, cloud: { amount: 10 }, kinds: ['amount_drift'], drift: [1] },
    {
      case: 'another currency, same number',
      deal: { currency: 'USD' },
      cloud: { currency: 'EUR' },
      kinds: ['amount_drift'],
      drift: [null],
    },
    { case: 'currency in another case', deal: { currency: 'USD' }, cloud: { currency: 'usd' }, kinds: [] },
    { case: 'the cloud currency missing', deal: { amount: 100 }, cloud: { currency: null, amount: 100 }, kinds: [] },
    { case: 'currency differs but an amount missing', deal: { amount: null }, cloud: { currency: 'EUR' }, kinds: [] },
    { case: 'close date exactly 14 days later', deal: {}, cloud: { closeDate: '2025-07-14' }, kinds: [] },
    { case: 'close date exactly 14 days earlier', deal: {}, cloud: { closeDate: '2025-06-16' }, kinds: [] },
    {
      case: 'close date 15 days later',
      deal: {},
      cloud: { closeDate: '2025-07-15' },
      kinds: ['close_date_drift'],
      drift: [15],
    },
    {
      case: 'close date 15 days earlier',
      deal: {},
      cloud: { closeDate: '2025-06-15' },
      kinds: ['close_date_drift'],
      drift: [-15],
    },
    {
      case: 'a looser date tolerance',
      deal: {},
      cloud: { closeDate: '2025-07-30' },
      tolerance: { closeDateDays: 30 },
      kinds: [],
    },
    { case: 'a CRM close date missing', deal: { closeDate: null }, cloud: { closeDate: '2026-01-01' }, kinds: [] },
    { case: 'a cloud close date missing', deal: {}, cloud: { closeDate: null }, kinds: [] },
    {
      case: 'everything at once',
      deal: { isClosed: true, isWon: true, stage: 'closedwon' },
      cloud: { outcome: 'lost', closeDate: '2025-09-01', amount: 10_000 },
      kinds: ['stage_drift', 'close_date_drift', 'amount_drift'],
    },
  ];

  it.each(DRIFT)('given $case, when reconciled, then $kinds', ({ deal, cloud, tolerance, kinds, drift }) => {
    const result = linkedPair(deal, cloud, tolerance);
    expect(result.matched).toHaveLength(1);
    expect(result.mismatches.map((m) => m.kind)).toEqual(kinds);
    if (drift) expect(result.mismatches.map((m) => m.drift)).toEqual(drift);
    for (const mismatch of result.mismatches) {
      expect(mismatch).toMatchObject({ dealId: '1001', opportunityId: 'O100', matchedBy: 'link' });
    }
  });

  const OUTCOMES: ReadonlyArray<[CloudOutcome, CloudOutcome, MismatchKind | null]> = [
    ['open', 'open', null],
    ['open', 'won', 'closed_one_side'],
    ['open', 'lost', 'closed_one_side'],
    ['won', 'open', 'closed_one_side'],
    ['won', 'won', null],
    ['won', 'lost', 'stage_drift'],
    ['lost', 'open', 'closed_one_side'],
    ['lost', 'won', 'stage_drift'],
    ['lost', 'lost', null],
  ];
  it.each(OUTCOMES)('given %s in the CRM and %s in the cloud, when reconciled, then %s', (crm, cloud, kind) => {
    const result = linkedPair(
      { isClosed: crm !== 'open', isWon: crm === 'won', stage: crm === 'open' ? 'contractsent' : `closed${crm}` },
      { outcome: cloud, stage: cloud === 'open' ? 'Launched' : `Closed ${cloud}` },
    );
    expect(result.mismatches.map((m) => m.kind)).toEqual(kind === null ? [] : [kind]);
  });

  it('given a currency mismatch, when reported, then the message names both currencies and amounts', () => {
    const [row] = linkedPair({ amount: 50_000 }, { currency: 'eur', amount: 46_000 }).mismatches;
    expect(row?.message).toBe(
      'Deal 1001 “Acme Robotics - Analytics” is priced in USD in the CRM but in EUR in AWS ACE ' +
        '(opportunity O100, “Qualified”): 50,000 USD against 46,000 EUR.',
    );
  });

  it('given an amount drift, when reported, then the message gives the gap and the tolerance', () => {
    const [row] = linkedPair({ amount: 50_000 }, { amount: 40_000 }).mismatches;
    expect(row?.message).toContain('is 50,000 USD in the CRM but 40,000 USD in AWS ACE');
    expect(row?.message).toContain('20% apart, beyond the 10% tolerance');
  });
});

describe('reconcileCloudProgrammes: matching paths and their edges', () => {
  it('given a link and a cloud deal id naming different deals, when reconciled, then the link wins', () => {
    const result = reconcile(
      [makeDeal('1001'), makeDeal('1002', { name: 'Other', amount: 9_000 })],
      [opportunity({ crmDealId: '1002' })],
      { links: [{ programme: 'aws_ace', opportunityId: 'O100', dealId: '1001' }] },
    );
    expect(foundMatches(result)).toEqual([
      { programme: 'aws_ace', opportunityId: 'O100', dealId: '1001', matchedBy: 'link' },
    ]);
  });

  it('given two opportunities naming one deal id, when reconciled, then the first by id holds it and the other is compared by similarity', () => {
    const result = reconcile(
      [makeDeal('1001')],
      [opportunity({ id: 'O100', crmDealId: '1001' }), opportunity({ id: 'O200', crmDealId: '1001' })],
    );
    expect(foundMatches(result)).toEqual([
      { programme: 'aws_ace', opportunityId: 'O100', dealId: '1001', matchedBy: 'crm_id' },
    ]);
    expect(result.mismatches).toHaveLength(1);
    expect(result.mismatches[0]?.message).toContain(
      'it names CRM deal 1001, which is matched to opportunity O100; it resembles deal 1001, which is matched to opportunity O100',
    );
  });

  it('given the same opportunity listed twice by overlapping polls, when reconciled, then the latest counts once', () => {
    const result = reconcile(
      [makeDeal('1001')],
      [
        opportunity({ outcome: 'won', lastModifiedAt: '2025-05-02T00:00:00Z' }),
        opportunity({ outcome: 'open', lastModifiedAt: '2025-05-01T00:00:00Z' }),
      ],
      { links: [{ programme: 'aws_ace', opportunityId: 'O100', dealId: '1001' }] },
    );
    expect(result.counts.opportunities).toBe(1);
    expect(result.mismatches.map((m) => [m.kind, m.cloud?.outcome])).toEqual([['closed_one_side', 'won']]);
  });

  it('given the same ids in both programmes, when reconciled, then each programme matches on its own', () => {
    const deal = makeDeal('1001');
    const result = reconcile(
      [deal],
      [opportunity({ programme: 'aws_ace' }), opportunity({ programme: 'microsoft_referrals', stage: 'Active' })],
      { coSellDeals: new Map([['1001', new Set<CloudProgramme>(['aws_ace', 'microsoft_referrals'])]]) },
    );
    expect(result.matched.map((m) => [m.programme, m.dealId, m.matchedBy])).toEqual([
      ['aws_ace', '1001', 'similarity'],
      ['microsoft_referrals', '1001', 'similarity'],
    ]);
    expect(result.mismatches).toEqual([]);
  });

  it('given a co-sell deal id the deal list lacks, when reconciled, then it is counted, not listed', () => {
    const result = reconcile([], [], { coSellDeals: new Map([['9999', new Set<CloudProgramme>(['aws_ace'])]]) });
    expect(result.mismatches).toEqual([]);
    expect(result.stats.unknownCoSellDeals).toBe(1);
  });

  it('given a stricter confidence, when a similar pair scores below it, then it is listed, not matched', () => {
    const deals = [makeDeal('1001')];
    const opportunities = [opportunity({ customerDomain: null, closeDate: '2025-07-20' })];
    expect(reconcile(deals, opportunities).matched).toHaveLength(1);
    const strict = reconcile(deals, opportunities, { similarity: { minConfidence: 0.999_99 } });
    expect(strict.matched).toEqual([]);
    expect(strict.mismatches.map((m) => m.kind)).toEqual(['cloud_only']);
  });

  it('given a deal of the same company closing a year apart, when reconciled, then it is never scored', () => {
    const result = reconcile([makeDeal('1001', { closeDate: '2024-06-30' })], [opportunity()]);
    expect(result.stats.scoredPairs).toBe(0);
    expect(result.mismatches.map((m) => m.kind)).toEqual(['cloud_only']);
  });

  it('given a partner-registered CRM deal, when matched, then the registration counts neither way (the cloud has none)', () => {
    const registered = makeDeal('1001', { partners: [{ partnerId: 'p1', role: 'sourced' }] });
    const unregistered = makeDeal('1001', { partners: [] });
    const confidence = (deal: Deal) => reconcile([deal], [opportunity()]).matched[0]?.confidence;
    expect(confidence(registered)).toBeGreaterThan(0.99);
    expect(confidence(registered)).toBe(confidence(unregistered));
  });

  it('given no creation time in the cloud, when matched, then its absence weighs less than a creation long ago', () => {
    const deal = makeDeal('1001', { closeDate: null });
    const confidence = (createdAt: string | null) =>
      reconcile([deal], [opportunity({ closeDate: null, createdAt })]).matched[0]?.confidence ?? 0;
    expect(confidence(null)).toBeGreaterThan(confidence('2024-01-02T00:00:00Z'));
    expect(confidence('2025-03-01T10:00:00Z')).toBeGreaterThan(confidence(null));
  });

  it('given the dedupe model, when adapted to cloud records, then only registrants (and a missing creation) go neutral', () => {
    const model = cloudMatchModel(DEFAULT_MATCH_MODEL, false);
    expect(Object.values(model.bits.registrants)).toEqual([0, 0, 0, 0]);
    expect(Object.values(model.bits.created)).toEqual([0, 0, 0, 0]);
    expect(model.bits.amount).toEqual(DEFAULT_MATCH_MODEL.bits.amount);
    expect(cloudMatchModel(DEFAULT_MATCH_MODEL, true).bits.created).toEqual(DEFAULT_MATCH_MODEL.bits.created);
  });
});

describe('reconcileCloudProgrammes: size', () => {
  it('given 20k deals and 5k opportunities, when reconciled, then the scored pairs grow with the opportunities and the result is exact', () => {
    const small = buildReconciliationWorld({ accounts: 2_450, backgroundDeals: 4 });
    const large = buildReconciliationWorld({ accounts: 4_900, backgroundDeals: 4 });
    expect(large.input.deals.length).toBeGreaterThanOrEqual(20_000);
    expect(large.input.opportunities.length).toBeGreaterThanOrEqual(5_000);
    const smallResult = reconcileCloudProgrammes(small.input);
    const largeResult = reconcileCloudProgrammes(large.input);
    // Near-linear: twice the world, about twice the comparisons, and a few per opportunity — not deals × opportunities.
    expect(largeResult.stats.scoredPairs).toBeLessThanOrEqual(2.2 * smallResult.stats.scoredPairs);
    expect(largeResult.stats.scoredPairs).toBeLessThanOrEqual(4 * large.input.opportunities.length);
    expect(foundMismatches(largeResult)).toEqual([...large.expectedMismatches].sort(byKey));
    expect(foundMatches(largeResult)).toEqual([...large.expectedMatches].sort(byMatch));
  });
});

describe('mismatchesCsv', () => {
  const row: CloudMismatch = {
    kind: 'amount_drift',
    programme: 'aws_ace',
    dealId: '1001',
    opportunityId: 'O100',
    matchedBy: 'similarity',
    confidence: 0.987,
    drift: 0.25,
    crm: {
      name: 'Acme, "the big one"',
      accountName: 'Acme Robotics Inc',
      stage: 'contractsent',
      outcome: 'open',
      closeDate: '2025-06-30',
      amount: 50_000,
      currency: 'USD',
    },
    cloud: {
      title: 'Line one\nline two',
      customerName: '=HYPERLINK("http://evil.example")',
      stage: 'Qualified',
      outcome: 'open',
      closeDate: '2025-06-30',
      amount: -37_500,
      currency: 'USD',
    },
    candidates: ['1002', '1003'],
    message: 'Deal 1001 is 50,000 USD in the CRM, 37,500 USD in AWS ACE.',
  };

  it('given no mismatches, when exported, then only the stable header is written', () => {
    expect(mismatchesCsv({ mismatches: [] })).toBe(`${CLOUD_MISMATCH_CSV_COLUMNS.join(',')}\n`);
    expect(CLOUD_MISMATCH_CSV_COLUMNS.slice(0, 6)).toEqual([
      'period_start',
      'period_end',
      'kind',
      'programme',
      'deal_id',
      'opportunity_id',
    ]);
  });

  it('given commas, quotes, line breaks and a formula, when exported, then RFC 4180 quoting round-trips and no formula starts a cell', () => {
    const csv = mismatchesCsv({ mismatches: [row] }, { start: '2025-06-02', end: '2025-06-09' });
    const body = csv.slice(csv.indexOf('\n') + 1, -1);
    expect(body).toContain('"Acme, ""the big one"""');
    expect(body).toContain('"Line one\nline two"');
    const cells = splitCsvRecord(body);
    const record = Object.fromEntries(CLOUD_MISMATCH_CSV_COLUMNS.map((column, index) => [column, cells?.[index]]));
    expect(cells).toHaveLength(CLOUD_MISMATCH_CSV_COLUMNS.length);
    expect(record).toMatchObject({
      period_start: '2025-06-02',
      period_end: '2025-06-09',
      kind: 'amount_drift',
      programme: 'aws_ace',
      deal_id: '1001',
      opportunity_id: 'O100',
      matched_by: 'similarity',
      confidence: '0.987',
      drift: '0.25',
      crm_deal_name: 'Acme, "the big one"',
      crm_amount: '50000',
      cloud_title: 'Line one\nline two',
      cloud_customer: `'=HYPERLINK("http://evil.example")`,
      cloud_amount: '-37500',
      candidates: '1002;1003',
      message: 'Deal 1001 is 50,000 USD in the CRM, 37,500 USD in AWS ACE.',
    });
  });

  it('given an unmatched row and no period, when exported, then the absent side and period are empty cells', () => {
    const csv = mismatchesCsv({ mismatches: [{ ...row, kind: 'cloud_only', dealId: null, crm: null, drift: null }] });
    const cells = splitCsvRecord(csv.slice(csv.indexOf('\n') + 1, -1));
    expect(cells?.slice(0, 5)).toEqual(['', '', 'cloud_only', 'aws_ace', '']);
    expect(cells?.[CLOUD_MISMATCH_CSV_COLUMNS.indexOf('crm_deal_name')]).toBe('');
  });

  it('given the seeded world, when exported, then one line per mismatch follows the header', () => {
    const world = buildReconciliationWorld({ accounts: RECONCILIATION_SCENARIOS.length, backgroundDeals: 0 });
    const result = reconcileCloudProgrammes(world.input);
    const csv = mismatchesCsv(result);
    // No seeded text holds a line break, so lines and records coincide.
    expect(csv.trimEnd().split('\n')).toHaveLength(result.mismatches.length + 1);
  });
});

describe('cloudOpportunitySchema', () => {
  it('given an adapter record, when parsed, then it is accepted as is', () => {
    expect(cloudOpportunitySchema.parse(opportunity())).toEqual(opportunity());
  });

  it.each([
    ['a partner webhook as the programme', { programme: 'partner_webhook' }],
    ['an unknown outcome', { outcome: 'pending' }],
    ['a close date that is not a day', { closeDate: '30/06/2025' }],
    ['an extra field', { extra: 1 }],
  ])('given %s, when parsed, then it is refused', (_, overrides) => {
    expect(cloudOpportunitySchema.safeParse({ ...opportunity(), ...overrides }).success).toBe(false);
  });
});

describe('matchInboundOpportunity: which deal an accepted referral is', () => {
  const other = (id: string) =>
    makeDeal(id, {
      name: 'Globex - Data platform',
      account: { id: `a${id}`, name: 'Globex Corporation', domain: 'globex.com' },
      amount: 900_000,
      closeDate: '2025-11-30',
    });

  it.each([
    {
      name: 'given the referral names a deal, then that deal (crm_id)',
      deals: [makeDeal('1001'), other('1002')],
      opportunity: opportunity({ crmDealId: '1002' }),
      expected: { dealId: '1002', matchedBy: 'crm_id' },
    },
    {
      name: 'given the same customer, amount and close date, then the dedupe match (similarity)',
      deals: [makeDeal('1001'), other('1002')],
      opportunity: opportunity(),
      expected: { dealId: '1001', matchedBy: 'similarity' },
    },
    {
      name: 'given a customer the CRM does not have, then no deal',
      deals: [other('1002')],
      opportunity: opportunity(),
      expected: null,
    },
    {
      name: 'given two deals equally like it, then no deal (a person decides, nothing is guessed)',
      deals: [makeDeal('1001'), makeDeal('1003')],
      opportunity: opportunity(),
      expected: null,
    },
  ])('$name', ({ deals, opportunity: offered, expected }) => {
    const found = matchInboundOpportunity(offered, deals);
    if (expected === null) expect(found).toBeNull();
    else expect(found).toMatchObject(expected);
  });
});
