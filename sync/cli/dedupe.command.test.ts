import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './main.ts';

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  return { stream, text: () => text };
}

async function run(args: string[]) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(['dedupe', ...args], { stdout: stdout.stream, stderr: stderr.stream, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const base = {
  name: 'Acme Robotics - Analytics',
  account: { id: 'a1', name: 'Acme Robotics Inc', domain: 'acme-robotics.com' },
  amount: 50000,
  currency: 'USD',
  closeDate: '2025-06-30',
  createdAt: '2025-03-01T10:00:00Z',
  stage: 'presentationscheduled',
  isClosed: false,
  isWon: false,
  type: 'new_business',
  ownerId: 'u1',
  region: 'NA',
  products: ['Analytics Pro'],
  partners: [{ partnerId: 'p1', role: 'sourced' }],
};

/** d1 + d2 (two partners registered one deal); d3 + d4 (an import copy); d5 and d6 are renewals of two years. */
const DEALS = [
  { ...base, id: 'd1' },
  {
    ...base,
    id: 'd2',
    name: 'Registration: Acme Robotics Analytics',
    amount: 52000,
    closeDate: '2025-07-05',
    createdAt: '2025-03-10T09:00:00Z',
    partners: [{ partnerId: 'p2', role: 'referral' }],
  },
  {
    ...base,
    id: 'd3',
    name: 'Bolt Logistics | Security | FY25',
    account: { id: 'b1', name: 'Bolt Logistics GmbH', domain: 'bolt-logistics.de' },
    amount: 80000,
    currency: 'EUR',
    region: 'EMEA',
    closeDate: '2025-05-15',
    createdAt: '2025-01-15T09:00:00Z',
    products: ['Security Enterprise'],
    partners: [],
  },
  {
    ...base,
    id: 'd4',
    name: 'Bolt Logistics | Security | FY25',
    account: { id: 'b7', name: 'BOLT LOGISTICS', domain: 'https://www.bolt-logistics.de/' },
    amount: 80000,
    currency: 'EUR',
    region: 'EMEA',
    closeDate: '2025-05-15',
    createdAt: '2025-11-02T09:00:00Z',
    products: ['Security Enterprise'],
    partners: [],
  },
  {
    ...base,
    id: 'd5',
    name: 'Acme Robotics - Renewal 2024',
    type: 'renewal',
    closeDate: '2024-03-31',
    createdAt: '2024-01-10T09:00:00Z',
  },
  {
    ...base,
    id: 'd6',
    name: 'Acme Robotics - Renewal 2025',
    type: 'renewal',
    closeDate: '2025-03-31',
    createdAt: '2025-01-10T09:00:00Z',
  },
];

const EXPECTED_LINES = [
  {
    ids: ['d1', 'd2'],
    kind: 'registration_conflict',
    survivor: 'd1',
    reasons: [
      'same account domain acme-robotics.com',
      'same account id a1',
      'similar deal names',
      'amounts within 4%',
      'close dates 5 days apart',
      'same products: analytics',
      'same intent: new business',
      'registered by different partners: p1, p2',
    ],
  },
  {
    ids: ['d3', 'd4'],
    kind: 'duplicate',
    survivor: 'd3',
    reasons: [
      'same account domain bolt-logistics.de',
      'same company name "bolt logistics"',
      'on 2 company records (b1, b7)',
      'same deal name',
      'same amount 80000 EUR',
      'same close date 2025-05-15',
      'same products: security',
      'same intent: new business 2025',
      'copy created 291 days after the first record',
    ],
  },
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'partnerloop-dedupe-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jsonl = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const parse = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('partnerloop dedupe', () => {
  it('given a JSONL file, when deduped to stdout, then one contract line per cluster, in id order', async () => {
    const file = join(dir, 'deals.jsonl');
    await writeFile(file, jsonl(DEALS));
    const { code, stdout, stderr } = await run([file]);
    expect(code).toBe(0);
    const lines = parse(stdout);
    expect(lines.map(({ confidence, ...rest }) => rest)).toEqual(EXPECTED_LINES);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['ids', 'kind', 'confidence', 'survivor', 'reasons']);
      expect(line.confidence).toBeGreaterThanOrEqual(0.9);
      expect(line.confidence).toBeLessThanOrEqual(1);
    }
    expect(stderr).toBe('dedupe: 6 deals, 2 clusters (1 registration conflicts), 2 records beyond the survivors\n');
  });

  it('given the same deals as CSV, when deduped with --out, then the file holds the same lines', async () => {
    const header =
      'id,name,account.id,account.name,account.domain,amount,currency,closeDate,createdAt,stage,isClosed,isWon,type,ownerId,region,products,partners';
    const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    const rows = DEALS.map((d) =>
      [
        d.id,
        d.name,
        d.account.id,
        d.account.name,
        d.account.domain,
        String(d.amount),
        d.currency,
        d.closeDate,
        d.createdAt,
        d.stage,
        String(d.isClosed),
        String(d.isWon),
        d.type,
        d.ownerId,
        d.region,
        d.products.join(';'),
        d.partners.map((p) => `${p.partnerId}:${p.role}`).join(';'),
      ]
        .map(csvCell)
        .join(','),
    );
    const file = join(dir, 'deals.csv');
    const out = join(dir, 'clusters.jsonl');
    await writeFile(file, `${[header, ...rows].join('\n')}\n`);
    const fromCsv = await run([file, '--out', out]);
    expect(fromCsv.code).toBe(0);
    expect(fromCsv.stdout).toBe('');
    await writeFile(join(dir, 'deals.jsonl'), jsonl(DEALS));
    const fromJsonl = await run([join(dir, 'deals.jsonl')]);
    expect(await readFile(out, 'utf8')).toBe(fromJsonl.stdout);
  });

  it('given a bad record on line 3, when deduped, then one error line naming file:line, exit 2, no output file', async () => {
    const file = join(dir, 'deals.jsonl');
    const out = join(dir, 'clusters.jsonl');
    const broken = { ...DEALS[2], amount: 'lots' };
    await writeFile(file, jsonl([DEALS[0], DEALS[1], broken, DEALS[3]]));
    const { code, stdout, stderr } = await run([file, '--out', out]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'partnerloop dedupe: deals.jsonl:3 (record d3): amount: Invalid input: expected number, received string\n',
    );
    expect(await readdir(dir)).toEqual(['deals.jsonl']);
  });

  it('given a line that is not JSON, when deduped, then the error names that line', async () => {
    const file = join(dir, 'deals.jsonl');
    await writeFile(file, `${JSON.stringify(DEALS[0])}\n{"id": "d2",\n`);
    const { code, stderr } = await run([file]);
    expect(code).toBe(2);
    expect(stderr).toBe('partnerloop dedupe: deals.jsonl:2: not valid JSON\n');
  });

  it('given two records with one id, when deduped, then the error names the second line', async () => {
    const file = join(dir, 'deals.jsonl');
    await writeFile(file, jsonl([DEALS[0], DEALS[1], { ...DEALS[2], id: 'd1' }]));
    const { code, stderr } = await run([file]);
    expect(code).toBe(2);
    expect(stderr).toBe('partnerloop dedupe: deals.jsonl:3: duplicate id "d1" (first on line 1)\n');
  });

  it('given an empty file, when deduped with --out, then an empty output file and exit 0', async () => {
    const file = join(dir, 'deals.jsonl');
    const out = join(dir, 'clusters.jsonl');
    await writeFile(file, '');
    const { code, stdout } = await run([file, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(await readFile(out, 'utf8')).toBe('');
  });

  it('given a missing file, when deduped, then a one-line error and a non-zero exit', async () => {
    const { code, stderr } = await run([join(dir, 'nope.jsonl')]);
    expect(code).toBe(2);
    expect(stderr).toBe(`partnerloop dedupe: cannot read ${join(dir, 'nope.jsonl')}: no such file\n`);
  });

  it('given no file argument, when run, then usage is named', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^partnerloop dedupe: missing argument; usage: partnerloop dedupe <deals.jsonl\|deals.csv>/);
  });
});
