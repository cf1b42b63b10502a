import { request } from 'node:http';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  HomeSummary,
  LeaderboardSectionView,
  RosterSectionView,
  TodaySectionView,
} from '../extensions/app/pages/operator-api.ts';
import { PREVIEW_PORTAL_HEADER, PREVIEW_USER } from '../sandbox/previews/card-preview.routes.ts';
import { todayAsOf } from '../src/scoring/deal-timeline.ts';
import { OPERATOR_LOOPS } from '../sync/reports/loop-results.repo.ts';
import { ROSTER_AUDIT_ACTION, ROSTER_SUBJECT } from '../sync/reports/roster-actions.ts';
import { ARTIFACTS, CHROMIUM, openBrowserPage, skipBrowser, startPlainService } from './support/browser.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually } from './support/test-stores.ts';

// The operator home (issue #14): its API and local pages over HTTP, then the real page in headless Chromium against a
// sandbox start with the demo portal (3,000 deals, six quarters of history), the loops run right after the install.
// Chromium comes from the OS (`apt-get install chromium`); `npx playwright install` is never used.
/** hubspot.fetch's response limit: no answer of the operator home may come near it. */
const ONE_MB = 1024 * 1024;

let ctx: InstalledService;
let plain: Awaited<ReturnType<typeof startPlainService>>;

beforeAll(async () => {
  const [installed, service] = await Promise.all([
    // What `npm start` seeds: the demo portal whose history ends today, installed through OAuth in sandbox mode.
    startInstalledService({ sandbox: { deals: 3000, seed: 1, asOf: todayAsOf() }, sandboxMode: true }),
    startPlainService('operator'),
  ]);
  ctx = installed;
  plain = service;
  // The install's first reconcile queued the four loops (sandbox mode); `startInstalledService` waited for the queue.
  await ctx.idle();
}, 240_000);

afterAll(async () => {
  await plain?.close();
  await ctx?.close();
});

function rawGet(origin: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(origin, { method: 'GET', headers, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const section = async <T>(name: string) => {
  const answer = await ctx.signedFetch('GET', `/api/reports/home/sections/${name}`);
  expect(answer.status, name).toBe(200);
  return answer.body as unknown as T;
};

describe('operator home API and pages over HTTP', () => {
  it('given a sandbox start, when the install’s first reconcile finished, then every loop has run once (sandbox: first run after install)', async () => {
    const summary = (await ctx.signedFetch('GET', '/api/reports/home')).body as unknown as HomeSummary;
    expect(summary.status).toBe('active');
    if (summary.status !== 'active') return;
    for (const loop of OPERATOR_LOOPS) {
      expect(summary.loops[loop], loop).toMatchObject({ reason: 'sandbox: first run after install', version: 1 });
    }
  });

  it('given every section, then each answers signed, well under hubspot.fetch’s 1 MB, and unsigned it is refused', async () => {
    for (const name of ['today', 'reconciliation', 'activation', 'lift', 'roster', 'leaderboard']) {
      const answer = await ctx.signedFetch('GET', `/api/reports/home/sections/${name}`);
      expect(answer.status, name).toBe(200);
      expect(JSON.stringify(answer.body).length, name).toBeLessThan(ONE_MB / 10);
    }
    const unsigned = await fetch(`${ctx.proxy.url}/api/reports/home/sections/today?portalId=${ctx.portalId}`);
    expect(unsigned.status).toBe(401);
    const unknown = await ctx.signedFetch('GET', '/api/reports/home/sections/everything');
    expect(unknown.status).toBe(400);
  });

  it('given the leaderboard, when paged, then pages follow the stored order and the CSV export link returns every row', async () => {
    const first = await ctx.signedFetch('GET', '/api/reports/home/lists/leaderboard?offset=0&limit=5');
    const second = await ctx.signedFetch('GET', '/api/reports/home/lists/leaderboard?offset=5&limit=5');
    const rows = [...(first.body.rows as Array<{ rank: number }>), ...(second.body.rows as Array<{ rank: number }>)];
    expect(rows.map((row) => row.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const board = await section<LeaderboardSectionView>('leaderboard');
    const csv = await fetch(board.exports.links.leaderboard as string);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'rank,partnerId,name,partnerType,tier,score,winRate,winRateLow,rawWinRate,closedDeals,wonDeals,dormant,url',
    );
    expect(lines).toHaveLength(board.rows.total + 1);
  });

  it('given the export links of a section, then each returns its CSV; a tampered link is refused with a readable page', async () => {
    const today = await section<TodaySectionView>('today');
    for (const [name, url] of Object.entries(today.exports.links)) {
      const answer = await fetch(url);
      expect(answer.status, name).toBe(200);
      expect(answer.headers.get('content-disposition'), name).toContain(`-${name}.csv`);
    }
    const url = new URL(today.exports.links.queue as string);
    const tampered = await fetch(`${url.origin}${url.pathname.slice(0, -2)}AA`);
    expect(tampered.status).toBe(404);
    expect(await tampered.text()).toContain('This export link is not valid.');
  });

  it('given the roster lever, when the operator sets and clears a roster action, then pl_roster_action lands on the company, the mirror and the audit log; bad input writes nothing', async () => {
    const roster = await section<RosterSectionView>('roster');
    const today = await section<TodaySectionView>('today');
    const partnerId =
      roster.archive?.rows[0]?.partnerId ??
      roster.reengage?.rows[0]?.partnerId ??
      today.decayingPartners?.rows[0]?.partnerId;
    if (partnerId === undefined) throw new Error('the demo portal has no partner on a roster list');
    const company = () => ctx.sandbox.portal.resolve('companies', partnerId);

    const bad = await ctx.signedFetch('PUT', `/api/reports/home/roster/${partnerId}`, { action: 'delete' });
    expect(bad.status).toBe(400);
    const notPartner = await ctx.signedFetch('PUT', '/api/reports/home/roster/1', { action: 'archive' });
    expect(notPartner.status).toBe(404);
    expect(company()?.properties.pl_roster_action ?? '').toBe('');

    const set = await ctx.signedFetch('PUT', `/api/reports/home/roster/${partnerId}`, {
      action: 'archive',
      note: 'never produced',
    });
    expect(set).toEqual({ status: 200, body: { partnerId, action: 'archive', written: true } });
    expect(company()?.properties.pl_roster_action).toBe('archive');
    const listed = await section<RosterSectionView>('roster');
    const row = [...(listed.archive?.rows ?? []), ...(listed.reengage?.rows ?? [])].find(
      (r) => r.partnerId === partnerId,
    );
    if (row) expect(row.rosterAction).toBe('archive');

    const cleared = await ctx.signedFetch('PUT', `/api/reports/home/roster/${partnerId}`, { action: null });
    expect(cleared.body).toEqual({ partnerId, action: null, written: true });
    expect(company()?.properties.pl_roster_action ?? '').toBe('');
    const audit = await ctx.service.audit.forSubject(ctx.tenantId, ROSTER_SUBJECT, partnerId);
    expect(audit.map((entry) => [entry.action, entry.actor, entry.before, entry.after, entry.reason ?? null])).toEqual([
      [ROSTER_AUDIT_ACTION, 'user:9000001', { action: null }, { action: 'archive' }, 'never produced'],
      [ROSTER_AUDIT_ACTION, 'user:9000001', { action: 'archive' }, { action: null }, null],
    ]);
  });

  it('given sandbox mode, then / and /operator serve the operator home page and its bundle, with a CSP and no secret', async () => {
    for (const path of ['/', '/operator', `/operator/portals/${ctx.portalId}`]) {
      const page = await fetch(`${ctx.proxy.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      const html = await page.text();
      expect(html, path).toContain(`"portalId":${ctx.portalId}`);
      expect(html, path).toContain('/operator/home.js');
      expect(html, path).not.toContain(ctx.sandbox.app.clientSecret);
    }
    const js = await fetch(`${ctx.proxy.url}/operator/home.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).not.toContain(ctx.sandbox.app.clientSecret);
  });

  it('given the operator proxy, then it signs what the page may call and refuses everything else (other routes, methods, hosts, portals)', async () => {
    const headers = { [PREVIEW_PORTAL_HEADER]: String(ctx.portalId) };
    const ok = await fetch(`${ctx.proxy.url}/operator/api/reports/home?portalId=1&userId=2`, { headers });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as HomeSummary).portalId).toBe(String(ctx.portalId));
    // The partner-match rules lever reads the scoring config and previews candidate rules (nothing written).
    const config = await fetch(`${ctx.proxy.url}/operator/api/scoring/config`, { headers });
    expect(config.status).toBe(200);
    expect(await config.json()).toMatchObject({ matchRules: { rules: [] } });
    const preview = await fetch(`${ctx.proxy.url}/operator/api/scoring/match-rules/preview`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [] }),
    });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ changed: 0, changes: [] });
    for (const path of [
      '/operator/api/settings/connection',
      '/operator/api/scoring/partners',
      '/operator/api/attribution/rules',
      '/operator/api/reports/../settings/connection',
      '/operator/api/reports/%2e%2e/settings/connection',
      '/operator/api/card/partners?q=ab',
    ]) {
      const answer = await rawGet(ctx.service.url, path, headers);
      expect(answer.status, path).toBe(404);
    }
    const wrongMethod = await fetch(`${ctx.proxy.url}/operator/api/card/deals/1`, { method: 'DELETE', headers });
    expect(wrongMethod.status).toBe(404);
    expect(
      (await rawGet(ctx.service.url, '/operator/api/reports/home', { ...headers, host: 'attacker.example' })).status,
    ).toBe(404);
    expect((await fetch(`${ctx.proxy.url}/operator/api/reports/home`)).status).toBe(400);
    expect(
      (await fetch(`${ctx.proxy.url}/operator/api/reports/home`, { headers: { [PREVIEW_PORTAL_HEADER]: '999' } }))
        .status,
    ).toBe(404);
  });

  it('given the service outside sandbox mode, then / is a small HTML status page (JSON for a JSON client) and the operator pages do not exist', async () => {
    const { service } = plain;
    const page = await fetch(`${service.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('PartnerLoop service');
    expect(html).toContain('HubSpot app configured; 0 connected portals.');
    expect(html).toContain('href="/healthz"');
    const json = await fetch(`${service.url}/`, { headers: { accept: 'application/json' } });
    expect(await json.json()).toEqual({ service: 'partnerloop', status: 'ok', sandbox: false });
    for (const path of ['/operator', '/operator/home.js', '/operator/api/reports/home']) {
      const answer = await fetch(`${service.url}${path}`);
      expect(answer.status, path).toBe(404);
    }
    // The operator API itself is mounted (signed like every /api route).
    expect((await fetch(`${service.url}/api/reports/home?portalId=1`)).status).toBe(401);
  });
});

describe.skipIf(skipBrowser)(
  `operator home in headless Chromium${skipBrowser ? ` (skipped: ${CHROMIUM} not found)` : ''}`,
  () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      ({ browser, page } = await openBrowserPage({ width: 1280, height: 1000 }));
    }, 30_000);
    afterAll(async () => browser?.close());

    it('given a sandbox start with the demo portal, when / opens, then every section is filled, the lift chart draws its interval, and "Start co-sell" on an exception row lands a motion in the store and pl_cosell_status in the CRM', async () => {
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const started = performance.now();
      await page.goto(`${ctx.proxy.url}/`);
      await page.getByTestId('operator-home').waitFor({ timeout: 20_000 });
      for (const name of ['today', 'reconciliation', 'activation', 'lift', 'roster', 'leaderboard']) {
        await expect.poll(() => page.getByTestId(`section-${name}-loading`).count(), { timeout: 20_000 }).toBe(0);
        expect(await page.getByTestId(`section-${name}-error`).count(), name).toBe(0);
        expect(await page.getByTestId(`${name}-empty`).count(), name).toBe(0);
      }
      const loadedMs = Math.round(performance.now() - started);
      expect(await page.getByTestId('home-empty').count()).toBe(0);

      // Today's queue: counts, and the attribution exceptions of the demo portal's open deals.
      expect(await page.getByTestId('today-counts').textContent()).toMatch(/\d+ motions waiting/);
      const exceptionRows = page.locator('[data-testid^="exception-row-"]');
      expect(await exceptionRows.count()).toBeGreaterThan(0);
      // The week's reconciliation, activation by region, the lift, the roster and the leaderboard.
      expect(
        (await page.getByTestId('reconciliation-table').count()) +
          (await page.getByTestId('reconciliation-clean').count()),
      ).toBe(1);
      expect(await page.getByTestId('activation-chart').locator('rect').count()).toBeGreaterThan(0);
      const lift = page.getByTestId('lift-chart');
      for (const series of ['Lift (stratified by segment)', '95 % interval, low', '95 % interval, high']) {
        const line = lift.locator(`g[data-series="${series}"] polyline`);
        expect(await line.count(), series).toBe(1);
        expect(((await line.getAttribute('points')) ?? '').split(' ').length, series).toBeGreaterThanOrEqual(2);
      }
      expect(await page.getByTestId('lift-latest').textContent()).toContain('confounded by segment');
      expect(await page.getByTestId('lift-table').locator('tbody tr').count()).toBe(6);
      expect(await page.getByTestId('producing-chart').locator('polyline').count()).toBe(1);
      expect(await page.getByTestId('dormant-chart').locator('polyline').count()).toBe(2);
      expect(await page.locator('[data-testid^="leaderboard-row-"]').count()).toBe(10);
      expect(await page.locator('[data-testid$="-export"] a').count()).toBeGreaterThanOrEqual(12);
      await page.screenshot({ path: join(ARTIFACTS, 'operator-home-full.png'), fullPage: true });
      await page.getByTestId('section-lift').screenshot({ path: join(ARTIFACTS, 'operator-home-lift.png') });

      // Start co-sell on the first attribution exception: the deal's levers open in place (the card's own form).
      const firstException = exceptionRows.first();
      const dealId = ((await firstException.getAttribute('data-testid')) ?? '').replace('exception-row-', '');
      await page.getByTestId(`exception-cosell-${dealId}`).click();
      await page.getByTestId('open-cosell').waitFor({ timeout: 15_000 });
      await page.getByTestId('open-cosell').click();
      const partnerSelect = page.getByTestId('cosell-partner').locator('select');
      const options = await partnerSelect.locator('option:not([disabled])').allTextContents();
      const partnerOption = options.findIndex((label) => label !== 'No partner: programme only');
      if (partnerOption >= 0) {
        await partnerSelect.selectOption({ label: options[partnerOption] as string });
      } else {
        await partnerSelect.selectOption({ label: 'No partner: programme only' });
        await page.getByTestId('cosell-programme').locator('input').fill('AWS ACE');
      }
      await page.getByTestId('cosell-ask').locator('textarea').fill('Joint pitch from the operator home, this week.');
      await page.getByTestId('submit-cosell').click();
      await page
        .getByTestId('preview-toast')
        .filter({ hasText: 'Co-sell motion started on' })
        .waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'operator-home-cosell.png'), fullPage: false });

      // The motion is in the store, and the CRM deal carries its co-sell status.
      const motions = await sql<{ id: string; state: string; ask: string }>`
        select id, state, ask from cosell_motions where tenant_id = ${ctx.tenantId} and deal_id = ${dealId}`.execute(
        ctx.service.store.db,
      );
      expect(motions.rows).toEqual([
        expect.objectContaining({ ask: 'Joint pitch from the operator home, this week.' }),
      ]);
      const state = motions.rows[0]?.state as string;
      expect(['draft', 'requested']).toContain(state);
      await eventually(
        async () => (ctx.sandbox.portal.resolve('deals', dealId)?.properties.pl_cosell_status ?? '') === state,
        15_000,
      );
      // The motion's history names the acting HubSpot user from the signed request (the preview's admin).
      const events = await sql<{ actor: string; to_state: string }>`
        select actor, to_state from cosell_motion_events where tenant_id = ${ctx.tenantId} and motion_id = ${motions.rows[0]?.id}
        order by at, id`.execute(ctx.service.store.db);
      expect(events.rows[0]).toEqual({ actor: `user:${PREVIEW_USER.id}`, to_state: 'draft' });

      // "Compute now" re-runs the loops: the new motion appears in today's queue with its Move action.
      await page.getByTestId('home-compute').click();
      const motionId = motions.rows[0]?.id as string;
      await page.getByTestId(`queue-row-${motionId}`).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId(`queue-move-${motionId}`).textContent()).toBe('Move');
      await page.getByTestId('section-today').screenshot({ path: join(ARTIFACTS, 'operator-home-queue.png') });

      // /operator is the same page.
      await page.goto(`${ctx.proxy.url}/operator`);
      await page.getByTestId('operator-home').waitFor({ timeout: 20_000 });
      expect(pageErrors).toEqual([]);
      // The figure for the issue's "loads in < 1 s" (3,000-deal demo portal, loopback, cold bundle cache included).
      console.info(`operator home: every section loaded ${loadedMs} ms after navigation`);
    }, 180_000);
  },
);

describe('a disconnected portal', () => {
  it('given the tenant disconnected, then the summary says so with its reason and the sections answer 404', async () => {
    await ctx.service.tenants.disconnect(ctx.tenantId, 'disconnected by user:9000001');
    const summary = await ctx.signedFetch('GET', '/api/reports/home');
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ status: 'disconnected', reason: 'disconnected by user:9000001' });
    const today = await ctx.signedFetch('GET', '/api/reports/home/sections/today');
    expect(today.status).toBe(404);
  });
});
