import { Connection } from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { type SalesforceOptions, type SalesforceStandIn, startSalesforce } from './salesforce.ts';

/**
 * The org's API allowance (`Sforce-Limit-Info`, `/limits`, 403 REQUEST_LIMIT_EXCEEDED until the rolling 24 hours let
 * calls go) and injected faults (5xx, dropped connections, lost answers), through jsforce where it matters.
 */

let sf: SalesforceStandIn | undefined;
let clock: ManualClock;

async function start(options: SalesforceOptions = {}) {
  clock = new ManualClock();
  sf = await startSalesforce({ clock, ...options });
  const conn = new Connection({
    instanceUrl: sf.url,
    accessToken: sf.issueTokens().access_token,
    version: sf.apiVersion,
  });
  return { standIn: sf, conn };
}

afterEach(async () => {
  await sf?.close();
  sf = undefined;
});

describe('the daily API allowance', () => {
  it('given REST calls, when answered, then each carries Sforce-Limit-Info and jsforce reads it', async () => {
    const { standIn, conn } = await start({ dailyApiLimit: 15_000 });
    await conn.query('SELECT Id FROM Account');
    await conn.describe('Account');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 2, limit: 15_000 } });

    const response = await fetch(`${standIn.url}/services/data/v62.0/limits`, {
      headers: { Authorization: `Bearer ${standIn.issueTokens().access_token}` },
    });
    expect(response.headers.get('sforce-limit-info')).toBe('api-usage=3/15000');
    expect(((await response.json()) as { DailyApiRequests: unknown }).DailyApiRequests).toEqual({
      Max: 15_000,
      Remaining: 14_997,
    });
    // The versions list is free and says nothing about usage.
    const versions = await fetch(`${standIn.url}/services/data/`);
    expect(versions.headers.get('sforce-limit-info')).toBeNull();
    expect(await versions.json()).toContainEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
    expect(standIn.stats().apiUsage).toEqual({ used: 3, max: 15_000 });
  });

  it('given the allowance spent, when called, then 403 REQUEST_LIMIT_EXCEEDED without Retry-After, until 24 hours pass', async () => {
    const { standIn, conn } = await start({ dailyApiLimit: 3, accessTokenTtlMs: 48 * 60 * 60_000 });
    for (let i = 0; i < 3; i++) await conn.query('SELECT Id FROM Account');

    await expect(conn.query('SELECT Id FROM Account')).rejects.toMatchObject({
      name: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
    });
    const raw = await fetch(`${standIn.url}/services/data/v62.0/limits`, {
      headers: { Authorization: `Bearer ${standIn.issueTokens().access_token}` },
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('retry-after')).toBeNull();
    expect(raw.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    expect(await raw.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(standIn.stats().limitRefused).toBe(2);

    clock.advance(23 * 60 * 60_000);
    await expect(conn.limits()).rejects.toMatchObject({ name: 'REQUEST_LIMIT_EXCEEDED' });
    clock.advance(61 * 60_000);
    await expect(conn.query('SELECT Id FROM Account')).resolves.toMatchObject({ done: true });
    expect(conn.limitInfo.apiUsage?.used).toBe(1);
  });

  it('given an expired session, when called past the allowance, then the 401 comes first and is not counted', async () => {
    const { standIn } = await start({ dailyApiLimit: 1 });
    const response = await fetch(`${standIn.url}/services/data/v62.0/limits`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(response.status).toBe(401);
    expect(standIn.stats().apiUsage.used).toBe(0);
  });
});

describe('faults', () => {
  it('given a 503 then pass on collection writes, when jsforce writes, then the error reaches the caller (POST is never retried)', async () => {
    const { standIn, conn } = await start({
      faults: [{ route: 'POST /services/data/*/composite/sobjects', script: [503] }],
    });
    await expect(conn.sobject('Account').create([{ Name: 'A' }])).rejects.toMatchObject({
      name: 'SERVER_UNAVAILABLE',
      message: 'Server temporarily unavailable',
    });
    expect(standIn.org.count('Account')).toBe(0);
    const retried = await conn.sobject('Account').create([{ Name: 'A' }]);
    expect(retried[0]?.success).toBe(true);
    expect(standIn.stats().injected).toBe(1);
  });

  it('given a dropped connection, when jsforce writes, then the socket error reaches the caller and nothing was saved', async () => {
    const { standIn, conn } = await start({ faults: [{ route: 'POST /services/data/**', script: ['drop'] }] });
    await expect(conn.sobject('Account').create({ Name: 'Dropped' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(standIn.org.count('Account')).toBe(0);
  });

  it('given a lost answer, when jsforce writes, then the caller sees an error although the record landed', async () => {
    const { standIn, conn } = await start({ faults: [{ route: 'POST /services/data/**', script: ['lose_response'] }] });
    await expect(conn.sobject('Account').create({ Name: 'Landed' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(standIn.org.records('Account').map((record) => record.Name)).toEqual(['Landed']);
  });

  it('given faults and locks set from another process, when the control routes are used, then they apply', async () => {
    const { standIn, conn } = await start();
    const id = standIn.org.insert('Account', { Name: 'Locked' });
    await fetch(`${standIn.url}/_sandbox/locks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [id], times: 1 }),
    });
    await fetch(`${standIn.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'PATCH /services/data/*/composite/sobjects', script: [500] }),
    });
    await expect(conn.sobject('Account').update([{ Id: id, Name: 'x' }])).rejects.toMatchObject({
      name: 'UNKNOWN_EXCEPTION',
    });
    const locked = await conn.sobject('Account').update([{ Id: id, Name: 'x' }]);
    expect(locked[0]).toMatchObject({ success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW' }] });
    const stats = (await (await fetch(`${standIn.url}/_sandbox/stats`)).json()) as { injected: number };
    expect(stats.injected).toBe(1);
  });
});
