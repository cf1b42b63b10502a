import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../../test/support/cli-harness.ts';

async function run(args: string[]) {
  return cli(['score', ...args]);
}

const PARTNERS = [
  { id: 'p1', name: 'Acme Consulting', type: 'named', registeredAt: '2025-01-10' },
  { id: 'p2', name: 'Beta Integrators', type: 'named', registeredAt: '2025-03-01' },
  { id: 'p3', name: 'Gamma Apps', type: 'self_serve', registeredAt: '2026-02-01' },
  { id: 'p4', name: 'Delta Partners', type: 'named', registeredAt: '2024-06-01' },
];

interface FixtureDeal {
  id: string;
  name: string;
  account: { id: string; name: string };
  partners: { partnerId: string; role: string }[];
  [field: string]: unknown;
}

function deal(id: string, fields: { partners: FixtureDeal['partners']; [field: string]: unknown }): FixtureDeal {
  return {
    id,
    name: `Deal ${id}`,
    account: { id: `a-${id}`, name: `Account ${id}` },
    currency: 'USD',
    stage: 'closedwon',
    isClosed: true,
    isWon: true,
    type: 'new_business',
    ...fields,
  };
}

/** As of 2026-06-30: d6 is created later (ignored), d5 is won later (open), d7 is a renewal (not counted). */
const DEALS = [
  deal('d1', {
    amount: 10000,
    closeDate: '2026-06-01',
    createdAt: '2026-05-01T09:00:00Z',
    partners: [{ partnerId: 'p1', role: 'sourced' }],
  }),
  deal('d2', {
    amount: 30000,
    closeDate: '2026-06-10',
    createdAt: '2026-05-11T09:00:00Z',
    partners: [{ partnerId: 'p1', role: 'influenced' }],
  }),
  deal('d3', {
    amount: 5000,
    closeDate: '2026-06-15',
    createdAt: '2026-05-15T09:00:00Z',
    stage: 'closedlost',
    isWon: false,
    lossReason: 'budget',
    partners: [{ partnerId: 'p2', role: 'sourced' }],
  }),
  deal('d4', {
    amount: 8000,
    closeDate: '2026-08-01',
    createdAt: '2026-06-20T09:00:00Z',
    stage: 'presentationscheduled',
    isClosed: false,
    isWon: false,
    type: 'expansion',
    partners: [{ partnerId: 'p2', role: 'cosell' }],
  }),
  deal('d5', {
    amount: 2000,
    closeDate: '2026-07-15',
    createdAt: '2026-06-01T09:00:00Z',
    partners: [{ partnerId: 'p3', role: 'referral' }],
  }),
  deal('d6', {
    amount: 1000000,
    closeDate: '2026-07-20',
    createdAt: '2026-07-05T09:00:00Z',
    partners: [{ partnerId: 'p1', role: 'sourced' }],
  }),
  deal('d7', {
    amount: 50000,
    closeDate: '2026-05-01',
    createdAt: '2026-04-01T09:00:00Z',
    type: 'renewal',
    partners: [{ partnerId: 'p2', role: 'reseller' }],
  }),
];

/**
 * Four partners are too few to fit a prior (minimum 5), so the fallback Beta(1, 1) applies and the numbers can be
 * checked by hand: winRate = (won + 1) / (closed + 2); winRateLow is the 5 % quantile of Beta(1 + won, 1 + lost):
 * Beta(3, 1) → 0.05^(1/3) = 0.3684, Beta(1, 2) → 1 - √0.95 = 0.0253, Beta(1, 1) → 0.05.
 */
const EXPECTED_LINES = [
  '{"partnerId":"p1","score":70,"tier":"emerging","winRate":0.75,"winRateLow":0.3684,"closedDeals":2,"wonDeals":2,"wonRevenue":40000,"avgDealSize":20000,"openPipeline":0,"lastOpportunityAt":"2026-05-11T09:00:00.000Z","dormant":false}',
  '{"partnerId":"p3","score":53,"tier":"emerging","winRate":0.5,"winRateLow":0.05,"closedDeals":0,"wonDeals":0,"wonRevenue":0,"avgDealSize":null,"openPipeline":2000,"lastOpportunityAt":"2026-06-01T09:00:00.000Z","dormant":false}',
  '{"partnerId":"p2","score":47,"tier":"emerging","winRate":0.3333,"winRateLow":0.0253,"closedDeals":1,"wonDeals":0,"wonRevenue":0,"avgDealSize":null,"openPipeline":8000,"lastOpportunityAt":"2026-06-20T09:00:00.000Z","dormant":false}',
  '{"partnerId":"p4","score":22,"tier":"dormant","winRate":0.5,"winRateLow":0.05,"closedDeals":0,"wonDeals":0,"wonRevenue":0,"avgDealSize":null,"openPipeline":0,"lastOpportunityAt":null,"dormant":true}',
];

const jsonl = (records: readonly unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

let dir: string;
let dealsPath: string;
let partnersPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'partnerloop-score-'));
  dealsPath = join(dir, 'deals.jsonl');
  partnersPath = join(dir, 'partners.jsonl');
  await writeFile(dealsPath, jsonl(DEALS));
  await writeFile(partnersPath, jsonl(PARTNERS));
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe('partnerloop score', () => {
  it('given deals and a roster, when scoring as of a date, then stdout has one exact line per partner', async () => {
    const result = await run([dealsPath, '--partners', partnersPath, '--as-of', '2026-06-30']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${EXPECTED_LINES.join('\n')}\n`);
    expect(result.stderr).toBe(
      'partnerloop score: 4 partners as of 2026-06-30 (strategic 0, core 0, emerging 3, long_tail 0, dormant 1)\n',
    );
  });

  it('given the same records as CSV, when scoring, then the lines are identical', async () => {
    const dealsCsv = join(dir, 'deals.csv');
    const partnersCsv = join(dir, 'partners.csv');
    const header =
      'id,name,account.id,account.name,amount,currency,closeDate,createdAt,stage,isClosed,isWon,type,lossReason,partners';
    const rows = DEALS.map((d) => {
      const cell = (key: string) => (d[key] === undefined ? '' : String(d[key]));
      const partners = d.partners.map((p) => `${p.partnerId}:${p.role}`).join(';');
      return [
        d.id,
        d.name,
        d.account.id,
        d.account.name,
        cell('amount'),
        cell('currency'),
        cell('closeDate'),
        cell('createdAt'),
        cell('stage'),
        cell('isClosed'),
        cell('isWon'),
        cell('type'),
        cell('lossReason'),
        partners,
      ].join(',');
    });
    await writeFile(dealsCsv, `${header}\n${rows.join('\n')}\n`);
    await writeFile(
      partnersCsv,
      `id,name,type,registeredAt\n${PARTNERS.map((p) => `${p.id},${p.name},${p.type},${p.registeredAt}`).join('\n')}\n`,
    );
    const result = await run([dealsCsv, '--partners', partnersCsv, '--as-of', '2026-06-30']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${EXPECTED_LINES.join('\n')}\n`);
  });

  it('given --out, when scoring, then the file holds the lines, stdout is empty and stderr names the file', async () => {
    const out = join(dir, 'scores.jsonl');
    const result = await run([dealsPath, '--partners', partnersPath, '--as-of', '2026-06-30', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(await readFile(out, 'utf8')).toBe(`${EXPECTED_LINES.join('\n')}\n`);
    expect(result.stderr).toContain(`4 partners as of 2026-06-30 → ${out}`);
  });

  it('given an earlier as-of, when scoring, then nothing created after it leaks in', async () => {
    const result = await run([dealsPath, '--partners', partnersPath, '--as-of', '2026-05-10']);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.partnerId === 'p1')).toMatchObject({
      closedDeals: 0,
      wonDeals: 0,
      openPipeline: 10000,
      lastOpportunityAt: '2026-05-01T09:00:00.000Z',
    });
    expect(lines.find((l) => l.partnerId === 'p2')).toMatchObject({ closedDeals: 0, lastOpportunityAt: null });
  });

  it('given no --as-of, when scoring, then it scores as of today (UTC)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-30T22:00:00Z'));
    const result = await run([dealsPath, '--partners', partnersPath]);
    expect(result.stdout).toBe(`${EXPECTED_LINES.join('\n')}\n`);
  });

  it('given a deal naming a partner missing from the roster, when scoring, then a one-line warning names its line', async () => {
    const extra = deal('d8', {
      amount: 1,
      closeDate: '2026-06-01',
      createdAt: '2026-05-01',
      partners: [{ partnerId: 'p9', role: 'sourced' }],
    });
    await writeFile(dealsPath, jsonl([...DEALS, extra]));
    const result = await run([dealsPath, '--partners', partnersPath, '--as-of', '2026-06-30']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${EXPECTED_LINES.join('\n')}\n`);
    expect(result.stderr.split('\n')[0]).toBe(
      'partnerloop score: warning: 1 partner reference not in partners.jsonl ignored: deals.jsonl:8 (deal d8) partner p9',
    );
  });

  describe('given bad input, when scoring, then one line on stderr, a non-zero exit and no output file', () => {
    const badDealLine =
      '{"id":"d9","name":"No account","createdAt":"2026-01-01","stage":"x","isClosed":false,"isWon":false}';
    it.each([
      {
        case: 'an impossible --as-of',
        args: ['--as-of', '2026-02-30'],
        message: 'partnerloop score: --as-of: expected a date YYYY-MM-DD, got "2026-02-30"',
      },
      {
        case: 'an --as-of that is not a date',
        args: ['--as-of', 'yesterday'],
        message: 'partnerloop score: --as-of: expected a date YYYY-MM-DD, got "yesterday"',
      },
      {
        case: 'no --partners',
        args: ['--no-partners'],
        message: 'partnerloop score: missing --partners <partners.jsonl|partners.csv>',
      },
      {
        case: 'a deal line without an account',
        dealsText: `${jsonl(DEALS)}${badDealLine}\n`,
        message:
          'partnerloop score: deals.jsonl:8 (record d9): account: Invalid input: expected object, received undefined',
      },
      {
        case: 'a deal line that is not JSON',
        dealsText: `${jsonl(DEALS.slice(0, 2))}{"id":\n`,
        message: 'partnerloop score: deals.jsonl:3: not valid JSON',
      },
      {
        case: 'a partner with an unknown type',
        partnersText: jsonl([...PARTNERS, { id: 'p5', name: 'Bad', type: 'gold', registeredAt: '2025-01-01' }]),
        message:
          'partnerloop score: partners.jsonl:5 (record p5): type: Invalid option: expected one of "named"|"self_serve"',
      },
      {
        case: 'a partner id listed twice',
        partnersText: jsonl([...PARTNERS, PARTNERS[1]]),
        message: 'partnerloop score: partners.jsonl:5 (record p2): duplicate partner id (first on line 2)',
      },
      {
        case: 'a missing deals file',
        missingDeals: true,
        message: 'no such file',
      },
    ])('$case', async ({ args = [], dealsText, partnersText, missingDeals, message }) => {
      if (dealsText !== undefined) await writeFile(dealsPath, dealsText);
      if (partnersText !== undefined) await writeFile(partnersPath, partnersText);
      const out = join(dir, 'scores.jsonl');
      const partnerArgs = args.includes('--no-partners') ? [] : ['--partners', partnersPath];
      const rest = args.filter((a) => a !== '--no-partners');
      const input = missingDeals ? join(dir, 'nope.jsonl') : dealsPath;
      const asOf = rest.includes('--as-of') ? [] : ['--as-of', '2026-06-30'];
      const result = await run([input, ...partnerArgs, ...asOf, ...rest, '--out', out]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr.endsWith('\n')).toBe(true);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      if (missingDeals) expect(result.stderr).toContain(message);
      else expect(result.stderr.trimEnd()).toBe(message);
      expect(await readdir(dir)).not.toContain('scores.jsonl');
    });
  });

  it('given a previous scores file, when a new run fails on a bad line, then the previous file is left as it was', async () => {
    const out = join(dir, 'scores.jsonl');
    await writeFile(out, 'previous run\n');
    await writeFile(dealsPath, `${jsonl(DEALS)}not json\n`);
    const result = await run([dealsPath, '--partners', partnersPath, '--as-of', '2026-06-30', '--out', out]);
    expect(result.code).toBe(2);
    expect(await readFile(out, 'utf8')).toBe('previous run\n');
    expect((await readdir(dir)).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('given an unknown flag, when scoring, then a usage error exits 2', async () => {
    const result = await run([dealsPath, '--partners', partnersPath, '--asof', '2026-06-30']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^partnerloop score: Unknown option --asof/);
  });

  it('given an --out in a directory that does not exist, when scoring, then a one-line error names it', async () => {
    const out = join(dir, 'missing', 'scores.jsonl');
    const result = await run([dealsPath, '--partners', partnersPath, '--as-of', '2026-06-30', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`partnerloop score: cannot write --out ${out}: ENOENT\n`);
  });
});
