import { Connection } from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { type SalesforceStandIn, startSalesforce } from './salesforce.ts';

/**
 * Reads as jsforce 3.10.16 makes them: `query` + `queryMore` over `nextRecordsUrl`, `autoFetch`, the batch size
 * header, `queryAll`, and the incremental read by SystemModstamp the connector's sync is built on.
 */

let clock: ManualClock;
let sf: SalesforceStandIn;
let conn: Connection;

beforeEach(async () => {
  clock = new ManualClock();
  sf = await startSalesforce({ clock, seedDemo: true });
  conn = new Connection({ instanceUrl: sf.url, accessToken: sf.issueTokens().access_token, version: sf.apiVersion });
});

afterEach(async () => {
  await sf.close();
});

type Row = { Id: string; Name: string; SystemModstamp: string; attributes?: { type: string; url: string } };

describe('query and queryMore', () => {
  it('given 3,000 opportunities, when queried, then a 2,000-row page and a locator, and queryMore the rest', async () => {
    const first = await conn.query<Row>('SELECT Id, Name FROM Opportunity ORDER BY Id');

    expect(first.totalSize).toBe(3_000);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2_000);
    // jsforce makes the URL absolute; on the wire it is relative to the instance.
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/0r8[A-Za-z0-9]{15}-2000$/);
    const wire = (await conn.request('/services/data/v62.0/query?q=SELECT+Id+FROM+Opportunity')) as {
      nextRecordsUrl: string;
    };
    expect(wire.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/0r8[A-Za-z0-9]{15}-2000$/);
    expect(first.records[0]?.attributes).toEqual({
      type: 'Opportunity',
      url: `/services/data/v62.0/sobjects/Opportunity/${first.records[0]?.Id}`,
    });

    const second = await conn.queryMore<Row>(first.nextRecordsUrl ?? '');

    expect(second.done).toBe(true);
    expect(second.nextRecordsUrl).toBeUndefined();
    expect(second.records).toHaveLength(1_000);
    const ids = [...first.records, ...second.records].map((record) => record.Id);
    expect(new Set(ids).size).toBe(3_000);
    expect(ids).toEqual([...ids].sort());
  });

  it('given autoFetch and a 500-row batch size, when queried, then jsforce pages through every record', async () => {
    const all = await conn.query<Row>('SELECT Id FROM Opportunity', {
      autoFetch: true,
      maxFetch: 10_000,
      headers: { 'Sforce-Query-Options': 'batchSize=500' },
    });
    expect(all.records).toHaveLength(3_000);
    expect(sf.stats().byOperation).toMatchObject({ query: 1, queryMore: 5 });
  });

  it('given a batch size below the minimum, when queried, then pages are 200 rows', async () => {
    const first = await conn.query('SELECT Id FROM Account', { headers: { 'Sforce-Query-Options': 'batchSize=50' } });
    expect(first.records).toHaveLength(200);
  });

  it('given an unknown locator, when queryMore is called, then INVALID_QUERY_LOCATOR', async () => {
    await expect(conn.queryMore('0r85L000000ZZZZQAA-2000')).rejects.toMatchObject({ name: 'INVALID_QUERY_LOCATOR' });
  });

  it('given a locator two days old, when queryMore is called, then it has expired', async () => {
    const first = await conn.query('SELECT Id FROM Opportunity');
    clock.advance(2 * 86_400_000);
    const fresh = new Connection({ instanceUrl: sf.url, accessToken: sf.issueTokens().access_token });
    await expect(fresh.queryMore(first.nextRecordsUrl ?? '')).rejects.toMatchObject({ name: 'INVALID_QUERY_LOCATOR' });
  });

  it('given COUNT(), when queried, then only totalSize comes back', async () => {
    const result = await conn.query('SELECT COUNT() FROM Account WHERE PL_Is_Partner__c = true');
    expect(result).toMatchObject({ done: true, records: [] });
    expect(result.totalSize).toBe(sf.demo?.truth.partnerIds.length);
  });

  it('given a syntax error, when queried, then jsforce throws MALFORMED_QUERY with the position', async () => {
    await expect(conn.query('SELECT Id FROM Opportunity WHERE Amount >')).rejects.toMatchObject({
      name: 'MALFORMED_QUERY',
      message: expect.stringContaining('ERROR at Row:1:Column:42'),
    });
    await expect(conn.query('SELECT Id, Partner__c FROM Opportunity')).rejects.toMatchObject({ name: 'INVALID_FIELD' });
  });
});

describe('incremental reads by SystemModstamp', () => {
  it('given one updated opportunity, when queried after the last stamp, then only it comes back', async () => {
    const [latest] = (
      await conn.query<Row>('SELECT SystemModstamp FROM Opportunity ORDER BY SystemModstamp DESC LIMIT 1')
    ).records;
    const checkpoint = latest?.SystemModstamp ?? '';
    const target = sf.salesforceId(sf.demo?.deals[10]?.id ?? '') ?? '';
    const before = sf.org.record('Opportunity', target);

    clock.advance(60_000);
    await conn.sobject('Opportunity').update({ Id: target, NextStep: 'Call the partner' });

    const after = sf.org.record('Opportunity', target);
    expect(after?.SystemModstamp).not.toBe(before?.SystemModstamp);
    expect(after?.LastModifiedDate).toBe(after?.SystemModstamp);
    expect(after?.LastModifiedById).toBe(sf.demoUser.id);
    expect(after?.CreatedDate).toBe(before?.CreatedDate);
    // SOQL wants the datetime literal unquoted; the REST form `…+0000` is turned into `Z`.
    const since = checkpoint.replace('+0000', 'Z');
    const changed = await conn.query<Row>(`SELECT Id, NextStep FROM Opportunity WHERE SystemModstamp > ${since}`);
    expect(changed.records.map((record) => record.Id)).toEqual([target]);
  });

  it('given two writes within one second, when read, then they share a SystemModstamp (so a checkpoint needs an overlap)', async () => {
    const first = sf.salesforceId(sf.demo?.deals[2]?.id ?? '') ?? '';
    const second = sf.salesforceId(sf.demo?.deals[3]?.id ?? '') ?? '';
    clock.advance(60_000);
    await conn.sobject('Opportunity').update({ Id: first, NextStep: 'a' });
    const checkpoint = String(sf.org.record('Opportunity', first)?.SystemModstamp);
    clock.advance(400);
    await conn.sobject('Opportunity').update({ Id: second, NextStep: 'b' });

    expect(checkpoint).toMatch(/\.000\+0000$/);
    expect(sf.org.record('Opportunity', second)?.SystemModstamp).toBe(checkpoint);
    const literal = checkpoint.replace('.000+0000', 'Z');
    expect((await conn.query(`SELECT Id FROM Opportunity WHERE SystemModstamp > ${literal}`)).totalSize).toBe(0);
    expect((await conn.query(`SELECT Id FROM Opportunity WHERE SystemModstamp >= ${literal}`)).totalSize).toBe(2);
  });

  it('given a system touch, when queried by SystemModstamp, then it is seen while LastModifiedDate stays', async () => {
    const target = sf.salesforceId(sf.demo?.deals[0]?.id ?? '') ?? '';
    const before = sf.org.record('Opportunity', target);
    clock.advance(1_000);
    const stamp = sf.org.touch('Opportunity', target);
    const after = sf.org.record('Opportunity', target);
    expect(after?.SystemModstamp).toBe(stamp);
    expect(after?.LastModifiedDate).toBe(before?.LastModifiedDate);
    const result = await conn.query(
      `SELECT Id FROM Opportunity WHERE SystemModstamp >= ${stamp.replace('+0000', 'Z')}`,
    );
    expect(result.totalSize).toBe(1);
  });

  it('given a deleted opportunity, when read with query and queryAll, then only queryAll shows it, as deleted', async () => {
    const target = sf.salesforceId(sf.demo?.deals[1]?.id ?? '') ?? '';
    await conn.sobject('Opportunity').destroy(target);
    const soql = `SELECT Id, IsDeleted FROM Opportunity WHERE Id = '${target}'`;
    expect((await conn.query(soql)).totalSize).toBe(0);
    const all = await conn.query<{ IsDeleted: boolean }>(soql, { scanAll: true });
    expect(all.records[0]?.IsDeleted).toBe(true);
    const deleted = await conn.deleted('Opportunity', new Date(clock.now() - 60_000), new Date(clock.now() + 60_000));
    expect(deleted.deletedRecords.map((entry) => entry.id)).toEqual([target]);
  });
});
