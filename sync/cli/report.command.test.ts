import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../test/support/cli-harness.ts';

const PARTNERS = [
  { id: 'p1', name: 'Acme Consulting', type: 'named', registeredAt: '2025-01-10' },
  { id: 'p2', name: 'Gamma Apps', type: 'self_serve', registeredAt: '2025-02-01' },
];

function deal(id: string, fields: Record<string, unknown>) {
  return {
    id,
    name: `Deal ${id}`,
    account: { id: `a-${id}`, name: `Account ${id}` },
    createdAt: '2026-04-10T09:00:00Z',
    stage: 'appointmentscheduled',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    ownerId: 'o1',
    region: 'EMEA',
    ...fields,
  };
}

const DEALS = [
  deal('d1', {
    amount: 120_000,
    closeDate: '2026-06-01',
    isClosed: true,
    isWon: true,
    stage: 'closedwon',
    partners: [{ partnerId: 'p1', role: 'sourced' }],
  }),
  deal('d2', { amount: 150_000, closeDate: '2026-06-02', isClosed: true, stage: 'closedlost', lossReason: 'price' }),
  deal('d3', { amount: 8_000, ownerId: 'o2', region: 'NA, East', partners: [{ partnerId: 'p2', role: 'cosell' }] }),
  deal('d4', { amount: 5_000, createdAt: '2026-01-15T00:00:00Z', partners: [{ partnerId: 'p1', role: 'sourced' }] }),
  deal('d5', { amount: 1_000, partners: [{ partnerId: 'p7', role: 'influenced' }] }),
];

let dir: string;
const lines = (rows: readonly unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pl-report-'));
  await writeFile(join(dir, 'deals.jsonl'), lines(DEALS));
  await writeFile(join(dir, 'partners.jsonl'), lines(PARTNERS));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  cli(['report', join(dir, 'deals.jsonl'), '--partners', join(dir, 'partners.jsonl'), ...args]);

describe('partnerloop report', () => {
  it('given deals and a roster, when reporting a quarter as JSON, then one object holds the SPEC §4.1 keys', async () => {
    const { code, stdout, stderr } = await run('--as-of', '2026-07-01');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(stdout);
    expect(report.period).toEqual({ kind: 'quarter', start: '2026-04-01', end: '2026-07-01' });
    expect(report.producingPartnerRate).toEqual({ producing: 2, registered: 2, rate: 1 });
    expect(report.partnerWinRate.named).toEqual({ closed: 1, won: 1, rate: 1, wonAmount: 120_000 });
    expect(report.partnerWinRate.unattached).toEqual({ closed: 1, won: 0, rate: 0, wonAmount: 0 });
    expect(report.pipelineSourced).toEqual({ deals: 1, amount: 120_000 });
    expect(report.coSellInfluence.pipeline).toEqual({ deals: 1, amount: 8_000 });
    expect(report.sellerActivation).toEqual([
      { region: 'EMEA', sellers: 1, activated: 1, rate: 1 },
      { region: 'NA, East', sellers: 1, activated: 1, rate: 1 },
      { region: 'all', sellers: 2, activated: 2, rate: 1 },
    ]);
    expect(report.lift.strata).toEqual([
      { segment: 'enterprise', attached: { closed: 1, won: 1 }, unattached: { closed: 1, won: 0 } },
    ]);
    expect(report.lift.estimate).toBe(1);
    expect(report.trend).toHaveLength(4);
    expect(report.trend[2].pipelineSourced).toEqual({ deals: 1, amount: 5_000 }); // d4, created in Q1
    expect(stderr).toContain(
      'partnerloop report: warning: 1 partner reference not in partners.jsonl counted as attached: deals.jsonl:5 (deal d5) partner p7',
    );
  });

  it('given --format csv, then one row per value with the period columns, quoted where needed', async () => {
    const { code, stdout } = await run('--as-of', '2026-07-01', '--format', 'csv');
    expect(code).toBe(0);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toBe('period_start,period_end,metric,group,field,value');
    expect(rows).toContain('2026-04-01,2026-07-01,producingPartnerRate,,rate,1');
    expect(rows).toContain('2026-04-01,2026-07-01,partnerWinRate,named,wonAmount,120000');
    expect(rows).toContain('2026-04-01,2026-07-01,partnerWinRate,selfServe,rate,');
    expect(rows).toContain('2026-04-01,2026-07-01,sellerActivation,"NA, East",sellers,1');
    expect(rows).toContain('2026-04-01,2026-07-01,lift,,method,mantel_haenszel_rd');
    expect(rows).toContain('2026-04-01,2026-07-01,lift,enterprise,attached.closed,1');
    expect(rows).toContain('2026-01-01,2026-04-01,pipelineSourced,,amount,5000'); // trend row of Q1
    expect(rows.filter((r) => r.startsWith('2026-04-01,2026-07-01,pipelineSourced,,amount'))).toHaveLength(1);
  });

  it('given --period month and --out, then the file holds the report and stdout nothing', async () => {
    const out = join(dir, 'report.json');
    const { code, stdout } = await run('--period', 'month', '--as-of', '2026-06-15', '--out', out);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.period).toEqual({ kind: 'month', start: '2026-05-01', end: '2026-06-01' });
  });

  it.each([
    [['--period', 'year'], 'partnerloop report: --period: expected one of week, month, quarter, got "year"'],
    [['--as-of', '2026-02-30'], 'partnerloop report: --as-of: expected a date YYYY-MM-DD, got "2026-02-30"'],
    [['--format', 'xml'], 'partnerloop report: --format: expected json or csv, got "xml"'],
  ])('given bad flags %j, then a one-line error and exit 2 without output', async (args, message) => {
    const { code, stdout, stderr } = await run(...args);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(message);
  });

  it('given a bad deal line and --out, then a one-line error names the line and no file is left behind', async () => {
    await writeFile(join(dir, 'deals.jsonl'), `${lines(DEALS.slice(0, 2))}{"id":"bad","name":"x"}\n`);
    const out = join(dir, 'report.json');
    const { code, stderr } = await run('--out', out);
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/deals\.jsonl:3 \(record bad\): /);
    expect((await readdir(dir)).sort()).toEqual(['deals.jsonl', 'partners.jsonl']);
  });

  it('given no --partners, then it says so in one line', async () => {
    const { code, stderr } = await cli(['report', join(dir, 'deals.jsonl')]);
    expect(code).not.toBe(0);
    expect(stderr.trim()).toBe('partnerloop report: missing --partners <partners.jsonl|partners.csv>');
  });

  it('given CSV input with the flat interchange columns, then the numbers equal the JSONL run', async () => {
    const header =
      'id,name,account.id,account.name,amount,closeDate,createdAt,stage,isClosed,isWon,type,ownerId,region,partners';
    const csv = [
      header,
      'd1,Deal d1,a1,Acme,120000,2026-06-01,2026-04-10T09:00:00Z,closedwon,true,true,new_business,o1,EMEA,p1:sourced',
      'd2,Deal d2,a2,Beta,150000,2026-06-02,2026-04-10T09:00:00Z,closedlost,true,false,new_business,o1,EMEA,',
    ].join('\n');
    await writeFile(join(dir, 'deals.csv'), `${csv}\n`);
    const { code, stdout, stderr } = await cli([
      'report',
      join(dir, 'deals.csv'),
      '--partners',
      join(dir, 'partners.jsonl'),
      '--as-of',
      '2026-07-01',
    ]);
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).lift.estimate).toBe(1);
  });
});
