import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_DEFAULTS } from '../../sandbox/demo/demo-portal.ts';
import { todayAsOf } from '../../src/scoring/deal-timeline.ts';
import { cli } from '../../test/support/cli-harness.ts';
import { runSandbox, sandboxCommand } from './sandbox.command.ts';

/** Runs the command in-process until `stop()`; `printed()` resolves once its banner is out. */
function startInProcess(values: Record<string, string>) {
  const stdout = new PassThrough();
  let printed = '';
  stdout.on('data', (chunk) => {
    printed += chunk;
  });
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const running = runSandbox({ values, positionals: [], stdout, stderr: new PassThrough(), env: {} }, () => stopped);
  return {
    printed: async () => {
      await expect.poll(() => printed.includes('Press Ctrl+C'), { timeout: 20_000 }).toBe(true);
      return printed;
    },
    stop: async () => {
      stop();
      await running;
    },
  };
}

/** Every deal the printed sandbox serves, with the dates the demo history sets. */
async function allDeals(printed: string): Promise<Array<Record<string, string | undefined>>> {
  const url = /listening on (\S+)/.exec(printed)?.[1] ?? '';
  const token = /access token:\s+(\S+)/.exec(printed)?.[1] ?? '';
  const deals: Array<Record<string, string | undefined>> = [];
  let after: string | undefined;
  do {
    const page = new URL(`${url}/crm/objects/2026-03/deals`);
    page.searchParams.set('limit', '100');
    page.searchParams.set('properties', 'createdate,closedate,hs_is_closed');
    if (after) page.searchParams.set('after', after);
    const response = await fetch(page, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      results: Array<{ properties: Record<string, string | undefined> }>;
      paging?: { next?: { after: string } };
    };
    deals.push(...body.results.map((result) => result.properties));
    after = body.paging?.next?.after;
  } while (after);
  return deals;
}

describe('partnerloop sandbox', () => {
  it('given --deals 50, when started, then it prints a URL and a token that work, and stops when asked', async () => {
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk) => {
      printed += chunk;
    });
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runSandbox(
      { values: { deals: '50', seed: '9' }, positionals: [], stdout, stderr: new PassThrough(), env: {} },
      () => stopped,
    );
    await expect.poll(() => printed.includes('Press Ctrl+C'), { timeout: 20_000 }).toBe(true);

    const url = /listening on (\S+)/.exec(printed)?.[1] ?? '';
    const token = /access token:\s+(\S+)/.exec(printed)?.[1] ?? '';
    expect(printed).toMatch(/portal id:\s+\d+ {2}\(50 deals, \d+ companies, seed 9\)/);
    expect(printed).toMatch(/client id:\s+\S+/);
    expect(printed).toMatch(/client secret:\s+\S+/);
    const response = await fetch(`${url}/crm/objects/2026-03/deals?limit=3`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(3);
    // One line per programme stand-in; the AWS one refuses an unsigned call the way AWS does.
    const aws = /AWS Partner Central stand-in: (\S+)/.exec(printed)?.[1] ?? '';
    expect(printed).toMatch(/Microsoft referrals stand-in: http:\/\/\S+\/v1\.0\/engagements\/referrals/);
    const unsigned = await fetch(aws, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    // The Salesforce stand-in: its login URL, and an org holding the same 50 demo deals (a token is needed to read).
    const login = /Salesforce stand-in: login (\S+)\/services\/oauth2\/authorize/.exec(printed)?.[1] ?? '';
    expect(printed).toMatch(/Salesforce stand-in: .*consumer key \S+, secret \S+; user \S+ \/ \S+; PKCE required/);
    const anonymous = await fetch(`${login}/services/data/v62.0/query?q=SELECT+Id+FROM+Opportunity`);
    expect(anonymous.status).toBe(401);

    stop();
    await expect(running).resolves.toBe(0);
    expect(printed).toContain('CRM sandbox stopped.');
    await expect(fetch(`${url}/crm/objects/2026-03/deals`)).rejects.toThrow();
  });

  it.each([
    ['no --as-of', {}, todayAsOf()],
    ['--as-of 2026-01-15', { 'as-of': '2026-01-15' }, '2026-01-15'],
  ])(
    'given %s, when started, then the demo history ends on that day (as `start --sandbox`): nothing is created after it and open deals close from it on',
    async (_label, values, asOf) => {
      const sandbox = startInProcess({ deals: '60', seed: '5', ...values });
      try {
        const printed = await sandbox.printed();
        expect(printed).toContain(`history ends:   ${asOf}\n`);
        const deals = await allDeals(printed);
        expect(deals.length).toBeGreaterThanOrEqual(60);
        const endOfAsOf = Date.parse(`${asOf}T23:59:59.999Z`);
        const startOfAsOf = Date.parse(`${asOf}T00:00:00.000Z`);
        expect(deals.filter((deal) => Date.parse(deal.createdate ?? '') > endOfAsOf)).toEqual([]);
        const open = deals.filter((deal) => deal.hs_is_closed !== 'true' && deal.closedate);
        expect(open.length).toBeGreaterThan(0);
        // A history that ended on another day (the generator's fixed 2026-06-30) has open deals "closing" before it.
        expect(open.filter((deal) => Date.parse(deal.closedate ?? '') < startOfAsOf)).toEqual([]);
      } finally {
        await sandbox.stop();
      }
    },
  );

  it.each([
    [['--as-of', '2026-02-30'], '--as-of: expected a date YYYY-MM-DD, got "2026-02-30"'],
    [['--as-of', 'today'], '--as-of: expected a date YYYY-MM-DD, got "today"'],
    [['--port', 'abc'], '--port must be an integer from 0 to 65535, got "abc"'],
    [['--deals', '2.5'], '--deals must be an integer from 0 to 2000000, got "2.5"'],
    [['--webhook-target', 'ftp://x'], '--webhook-target must be an http(s) URL, got "ftp://x"'],
  ])('given %j, when run, then it fails with one line and a non-zero exit', async (args, message) => {
    const result = await cli(['sandbox', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`partnerloop sandbox: ${message}\n`);
  });

  it("given the help text, then its defaults are the demo generator's (written out: sync/ never imports sandbox/)", () => {
    expect(sandboxCommand.usage).toContain(`--seed            demo data seed (default ${DEMO_PORTAL_DEFAULTS.seed})`);
    expect(sandboxCommand.usage).toContain(
      `--deals           number of demo deals (default ${DEMO_PORTAL_DEFAULTS.deals})`,
    );
  });

  it('given an unknown flag, when run, then it is refused', async () => {
    const result = await cli(['sandbox', '--nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('partnerloop sandbox:');
  });
});
