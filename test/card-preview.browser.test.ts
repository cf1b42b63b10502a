import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTION_STATUS } from '../extensions/app/cards/card-format.ts';
import type { StoredRecord } from '../sandbox/hubspot/portal/object-table.ts';
import { PREVIEW_INDEX_LIMIT, PREVIEW_PORTAL_HEADER, PREVIEW_USER } from '../sandbox/previews/card-preview.routes.ts';
import { ARTIFACTS, CHROMIUM, openBrowserPage, skipBrowser, startPlainService } from './support/browser.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';

// The local card preview (sandbox mode): its HTTP contract, then the real card in headless Chromium.
// Chromium comes from the OS (`apt-get install chromium`, see .ci/run); `npx playwright install` is never used.

let ctx: InstalledService;
/** The same service outside sandbox mode (real-HubSpot configuration), where the preview must not exist. */
let plain: Awaited<ReturnType<typeof startPlainService>>;

beforeAll(async () => {
  // Both start at once: each spends most of its time opening and migrating its own embedded database.
  const [installed, service] = await Promise.all([
    startInstalledService({ sandbox: { deals: 200, seed: 11 }, sandboxMode: true }),
    startPlainService('preview'),
  ]);
  ctx = installed;
  plain = service;
}, 90_000);
afterAll(async () => {
  await plain?.close();
  await ctx?.close();
});

type SandboxDeal = StoredRecord;

const liveDeals = () => [...ctx.sandbox.portal.records('deals')].filter((deal) => !deal.archived);
const partners = () =>
  [...ctx.sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true' && !c.archived);
const partnerIdsOn = (dealId: string) =>
  new Set(ctx.sandbox.portal.associationsOf('deals', dealId, 'companies').keys());
const statusLabel = (deal: SandboxDeal) =>
  ATTRIBUTION_STATUS[deal.properties.pl_attribution_status as keyof typeof ATTRIBUTION_STATUS].label;

/** An open deal without any partner company: tagging one is a visible change in the card and in the CRM. */
function openDealWithoutPartners(): SandboxDeal {
  const partnerIds = new Set(partners().map((p) => p.id));
  const candidates = liveDeals().filter(
    (deal) =>
      deal.properties.hs_is_closed !== 'true' &&
      (deal.properties.pl_attribution_status ?? '') !== '' &&
      ![...partnerIdsOn(deal.id)].some((id) => partnerIds.has(id)),
  );
  const missing = candidates.find((deal) => deal.properties.pl_attribution_status === 'missing_partner');
  const deal = missing ?? candidates[0];
  if (!deal) throw new Error('the demo portal has no open deal without partners');
  return deal;
}

/** A request exactly as written (fetch would normalise `..` before sending it). */
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

describe('local card preview over HTTP (sandbox mode)', () => {
  it('given the demo portal mirrored, when the index is opened, then it lists its deals (at most 200) linking to their previews, and ?q= narrows the list', async () => {
    const index = await fetch(`${ctx.proxy.url}/preview`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const links = html.match(/data-testid="preview-deal-link"/g) ?? [];
    const mirrored = (await ctx.service.features!.mirror.counts(ctx.tenantId)).deals;
    expect(mirrored).toBeGreaterThan(0);
    expect(links.length).toBe(Math.min(PREVIEW_INDEX_LIMIT, mirrored));
    if (mirrored > PREVIEW_INDEX_LIMIT)
      expect(html).toContain(`Showing the first ${PREVIEW_INDEX_LIMIT} of ${mirrored}`);
    expect(html).toContain(`/preview/portals/${ctx.portalId}/deals/`);

    const deal = openDealWithoutPartners();
    const found = await (await fetch(`${ctx.proxy.url}/preview?q=${encodeURIComponent(deal.id)}`)).text();
    expect(found.match(/data-testid="preview-deal-link"/g)).toHaveLength(1);
    expect(found).toContain(`/preview/portals/${ctx.portalId}/deals/${deal.id}"`);
    const none = await (
      await fetch(`${ctx.proxy.url}/preview?q=${encodeURIComponent('no deal is called this')}`)
    ).text();
    expect(none).toContain('data-testid="preview-no-match"');
  });

  it('given a card request through the proxy, then the service accepts it as signed by HubSpot, with the page’s portal and the preview user; the same call unsigned is refused', async () => {
    const deal = openDealWithoutPartners();
    const viaProxy = await fetch(`${ctx.proxy.url}/preview/api/card/deals/${deal.id}?portalId=1&userId=2`, {
      headers: { [PREVIEW_PORTAL_HEADER]: String(ctx.portalId) },
    });
    expect(viaProxy.status).toBe(200);
    expect(await viaProxy.json()).toMatchObject({ deal: { id: deal.id }, attribution: expect.any(Object) });

    const direct = await fetch(`${ctx.proxy.url}/api/card/deals/${deal.id}?portalId=${ctx.portalId}&userId=2`);
    expect(direct.status).toBe(401);
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');

    const noPortal = await fetch(`${ctx.proxy.url}/preview/api/card/deals/${deal.id}`);
    expect(noPortal.status).toBe(400);
    const otherPortal = await fetch(`${ctx.proxy.url}/preview/api/card/deals/${deal.id}`, {
      headers: { [PREVIEW_PORTAL_HEADER]: '999' },
    });
    expect(otherPortal.status).toBe(404);
  });

  it('given the proxy, when asked for anything outside /api/card (directly, with .., encoded dots or backslashes) or under a foreign host name, then 404 and it forwards nothing', async () => {
    const headers = { [PREVIEW_PORTAL_HEADER]: String(ctx.portalId) };
    const paths = [
      '/preview/api/settings/connection',
      '/preview/api/attribution/rules',
      '/preview/api/card/../settings/connection',
      '/preview/api/card/%2e%2e/settings/connection',
      '/preview/api/card\\..\\settings\\connection',
      '/preview/api/card',
      '/preview/api//127.0.0.1:1/api/card/x',
    ];
    for (const path of paths) {
      const answer = await rawGet(ctx.service.url, path, headers);
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.body), path).toEqual({
        error: { code: 'not_found', message: expect.stringContaining('only forwards the card API'), details: [] },
      });
    }
    // A name other than PUBLIC_URL's or loopback (DNS rebinding to 127.0.0.1) gets nothing either.
    const deal = openDealWithoutPartners();
    const rebound = await rawGet(ctx.service.url, `/preview/api/card/deals/${deal.id}`, {
      ...headers,
      host: `attacker.example:${ctx.service.port}`,
    });
    expect(rebound.status).toBe(404);
  });

  it('given the service outside sandbox mode, then the preview does not exist: /preview, its bundle and its proxy answer 404', async () => {
    const { service } = plain;
    // The card API is mounted (HubSpot credentials are configured); only the preview is absent.
    expect((await fetch(`${service.url}/api/card/deals/1`)).status).toBe(401);
    for (const path of ['/preview', '/preview/card.js', '/preview/portals/1/deals/1', '/preview/api/card/deals/1']) {
      const answer = await fetch(`${service.url}${path}`, { headers: { [PREVIEW_PORTAL_HEADER]: '1' } });
      expect(answer.status, path).toBe(404);
      expect(await answer.json(), path).toEqual({
        error: { code: 'not_found', message: `no route for GET ${path}`, details: [] },
      });
    }
  });
});

describe.skipIf(skipBrowser)(
  `local card preview in headless Chromium${skipBrowser ? ` (skipped: ${CHROMIUM} not found)` : ''}`,
  () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      ({ browser, page } = await openBrowserPage({ width: 1100, height: 900 }));
    }, 30_000);
    afterAll(async () => browser?.close());

    it('given a sandbox deal, when its preview opens, then the real card shows its attribution; tagging a partner through the picker goes through the signed proxy into the store and the CRM', async () => {
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const deal = openDealWithoutPartners();
      const dealName = deal.properties.dealname ?? '';

      // The index, searched for the deal, links to its preview.
      await page.goto(`${ctx.proxy.url}/preview`);
      await expect.poll(() => page.getByTestId('preview-deal-link').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, 'card-preview-index.png'), fullPage: false });
      await page.getByLabel('Search deals').fill(deal.id);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByTestId('preview-deal-link').first().click();
      await page.waitForURL(`**/preview/portals/${ctx.portalId}/deals/${deal.id}`);

      // The card loaded from the service through the proxy, showing what the sandbox CRM holds.
      await page.getByTestId('partner-card').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('preview-deal-name').textContent()).toBe(dealName);
      expect((await page.getByTestId('attribution-status').textContent())?.trim()).toBe(statusLabel(deal));
      for (const heading of ['Attribution', 'Partners on this deal', 'Tag a partner', 'Co-sell']) {
        expect(await page.getByRole('heading', { name: heading, exact: true }).isVisible(), heading).toBe(true);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'card-preview-deal.png'), fullPage: true });

      // Tag a partner with the picker: search the roster, pick the partner and a role, tag.
      const partner = partners().find((p) => (p.properties.name ?? '').length >= 4);
      if (!partner) throw new Error('the demo portal has no partner');
      const partnerName = partner.properties.name ?? '';
      await page.getByLabel('Search the partner roster').fill(partnerName);
      await page.getByTestId('partner-search-button').click();
      const partnerSelect = page.getByTestId('partner-select').locator('select');
      await partnerSelect.waitFor();
      const labels = await partnerSelect.locator('option').allTextContents();
      const index = labels.findIndex((label) => label === partnerName || label.startsWith(`${partnerName} · `));
      expect(index, `"${partnerName}" among ${JSON.stringify(labels)}`).toBeGreaterThan(-1);
      await partnerSelect.selectOption({ index });
      await page.getByTestId('role-select').locator('select').selectOption({ label: 'Sourced' });
      await page.getByTestId('tag-partner').click();

      const row = page.getByTestId(`partner-row-${partner.id}-sourced`);
      await row.waitFor({ timeout: 15_000 });
      expect(await row.textContent()).toContain(partnerName);
      await page
        .getByTestId('preview-toast')
        .filter({ hasText: `${partnerName} tagged as Sourced.` })
        .waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'card-preview-tagged.png'), fullPage: true });

      // The CRM has the labelled association and the written-back status, which the card shows.
      const roleLabels = ctx.sandbox.portal.associationTypesOf('deals', 'companies');
      const linked = ctx.sandbox.portal.associationsOf('deals', deal.id, 'companies').get(partner.id) ?? [];
      expect(linked.map((typeId) => roleLabels.find((t) => t.typeId === typeId)?.label)).toContain('Sourced');
      expect(deal.properties.pl_sourced_partner).toBe(partner.id);
      expect((await page.getByTestId('attribution-status').textContent())?.trim()).toBe(statusLabel(deal));
      // The store audit-logged it as the preview's HubSpot user, from the signed userId.
      const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', deal.id);
      expect(audit.find((entry) => entry.action === 'attribution.tag')).toMatchObject({
        actor: `user:${PREVIEW_USER.id}`,
        after: [expect.objectContaining({ partnerId: partner.id, role: 'sourced' })],
      });

      // Nothing secret went to the browser: its requests carried no signature, and no page or bundle holds the secret.
      const fromBrowser = ctx.proxy.recorded.filter((entry) => entry.path.startsWith('/preview/api/card/'));
      expect(fromBrowser.map((entry) => `${entry.method} ${entry.path.split('?')[0]}`)).toContain(
        `POST /preview/api/card/deals/${deal.id}/partners`,
      );
      expect(fromBrowser.every((entry) => entry.headers['x-hubspot-signature-v3'] === undefined)).toBe(true);
      for (const path of ['/preview', `/preview/portals/${ctx.portalId}/deals/${deal.id}`, '/preview/card.js']) {
        expect(await (await fetch(`${ctx.proxy.url}${path}`)).text(), path).not.toContain(ctx.sandbox.app.clientSecret);
      }
      expect(pageErrors).toEqual([]);
    }, 30_000);
  },
);
