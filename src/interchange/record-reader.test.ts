import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeals, readPartners } from './interchange-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'pl-reader-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const base = {
  id: 'd1',
  name: 'Acme renewal',
  account: { id: 'a1', name: 'Acme Inc', domain: 'acme.com' },
  createdAt: '2026-01-05T10:00:00Z',
  stage: 'closedwon',
  isClosed: true,
  isWon: true,
};

describe('interchange readers', () => {
  it('given a JSONL deal with unknown fields and omitted optionals, then it reads with defaults and drops the unknowns', async () => {
    const path = file(
      'a.jsonl',
      `${JSON.stringify({ ...base, color: 'blue', account: { ...base.account, extra: 1 } })}\n\n`,
    );
    expect(await readDeals(path)).toEqual([
      {
        ...base,
        amount: null,
        currency: null,
        closeDate: null,
        type: null,
        ownerId: null,
        region: null,
        leadSource: null,
        products: [],
        partners: [],
        lossReason: null,
      },
    ]);
  });

  it('given numeric ids and a BOM, then ids become strings and the BOM is ignored', async () => {
    const path = file(
      'bom.jsonl',
      `\uFEFF${JSON.stringify({ ...base, id: 42, ownerId: 7, partners: [{ partnerId: 9, role: 'sourced', splitPct: 100 }] })}\n`,
    );
    const [deal] = await readDeals(path);
    expect(deal).toMatchObject({
      id: '42',
      ownerId: '7',
      partners: [{ partnerId: '9', role: 'sourced', splitPct: 100 }],
    });
  });

  it.each([
    ['malformed JSON', '{"id":', 'bad.jsonl:2: not valid JSON'],
    ['a JSON array line', '[1,2]', 'bad.jsonl:2: expected a JSON object'],
    [
      'a missing required field',
      JSON.stringify({ ...base, id: 'd9', stage: undefined }),
      'bad.jsonl:2 (record d9): stage: Invalid input: expected string, received undefined',
    ],
    [
      'a bad role',
      JSON.stringify({ ...base, id: 'd8', partners: [{ partnerId: 'p', role: 'boss' }] }),
      'bad.jsonl:2 (record d8): partners.0.role: Invalid option: expected one of "sourced"|"influenced"|"cosell"|"reseller"|"referral"',
    ],
    [
      'a bad close date',
      JSON.stringify({ ...base, id: 'd7', closeDate: '2026-13-01' }),
      'bad.jsonl:2 (record d7): closeDate: expected a date YYYY-MM-DD',
    ],
  ])('given %s on line 2, then the error names the file, the line and the record', async (_name, line, message) => {
    const path = file('bad.jsonl', `${JSON.stringify(base)}\n${line}\n`);
    await expect(readDeals(path)).rejects.toThrow(message);
  });

  it('given a CSV with dotted columns, quoted commas, a multi-line cell, lists and partner shorthand, then it reads like JSONL', async () => {
    const csv = [
      'id,name,account.id,account.name,account.domain,amount,createdAt,stage,isClosed,isWon,products,partners,notes',
      `d1,"Acme, ""big"" deal",a1,Acme Inc,acme.com,1200.5,2026-01-05,closedwon,true,false,crm;cpq,p1:sourced:60;p2:sourced:40;p3:influenced,"line one`,
      'line two"',
      `d2,Beta,a2,Beta GmbH,,,2026-02-01,qualified,no,no,"[""crm""]","[{""partnerId"":""p1"",""role"":""cosell""}]",`,
    ].join('\n');
    const deals = await readDeals(file('d.csv', csv));
    expect(deals.map((d) => [d.id, d.name, d.amount, d.isClosed, d.products, d.partners, d.account.domain])).toEqual([
      [
        'd1',
        'Acme, "big" deal',
        1200.5,
        true,
        ['crm', 'cpq'],
        [
          { partnerId: 'p1', role: 'sourced', splitPct: 60 },
          { partnerId: 'p2', role: 'sourced', splitPct: 40 },
          { partnerId: 'p3', role: 'influenced', splitPct: null },
        ],
        'acme.com',
      ],
      ['d2', 'Beta', null, false, ['crm'], [{ partnerId: 'p1', role: 'cosell', splitPct: null }], null],
    ]);
  });

  it.each([
    [
      'a non-numeric amount',
      'd5,X,a,A,abc,2026-01-01,s,true,true',
      'd.csv:2 (record d5): amount: expected a number, got "abc"',
    ],
    [
      'a non-boolean flag',
      'd6,X,a,A,1,2026-01-01,s,maybe,true',
      'd.csv:2 (record d6): isClosed: expected true or false, got "maybe"',
    ],
    ['a short row', 'd7,X', 'd.csv:2: expected 9 cells, found 2'],
  ])('given a CSV row with %s, then the error names the line', async (_name, row, message) => {
    const path = file('d.csv', `id,name,account.id,account.name,amount,createdAt,stage,isClosed,isWon\n${row}\n`);
    await expect(readDeals(path)).rejects.toThrow(message);
  });

  it('given an empty file, then there are no records; given a missing file, then a clear error', async () => {
    expect(await readDeals(file('empty.jsonl', ''))).toEqual([]);
    expect(await readDeals(file('empty.csv', ''))).toEqual([]);
    await expect(readDeals(join(dir, 'nope.jsonl'))).rejects.toThrow(
      `cannot read ${join(dir, 'nope.jsonl')}: no such file`,
    );
  });

  it('given partners in JSONL and CSV, then both read; a bad type is named', async () => {
    const jsonl = file(
      'p.jsonl',
      `${JSON.stringify({ id: 'p1', name: 'Northwind', type: 'named', registeredAt: '2024-03-01', region: 'EMEA' })}\n`,
    );
    const csv = file('p.csv', 'id,name,type,registeredAt\np2,Self Co,self_serve,2025-01-01T00:00:00Z\n');
    expect(await readPartners(jsonl)).toEqual([
      { id: 'p1', name: 'Northwind', type: 'named', registeredAt: '2024-03-01', region: 'EMEA' },
    ]);
    expect(await readPartners(csv)).toEqual([
      { id: 'p2', name: 'Self Co', type: 'self_serve', registeredAt: '2025-01-01T00:00:00Z', region: null },
    ]);
    await expect(
      readPartners(file('pb.jsonl', '{"id":"p3","name":"X","type":"gold","registeredAt":"2024-01-01"}\n')),
    ).rejects.toThrow(/pb.jsonl:1 \(record p3\): type:/);
  });
});
