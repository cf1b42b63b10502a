import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PREVIEW_ORG_HEADER,
  PREVIEW_SALESFORCE_USER_ID,
} from '../sandbox/previews/salesforce-card/apex-stand-in.routes.ts';
import { SALESFORCE_PREVIEW_INDEX_LIMIT } from '../sandbox/previews/salesforce-card/salesforce-preview.routes.ts';
import type { SalesforceStandIn } from '../sandbox/salesforce/salesforce.ts';
import { JUNCTION_OBJECT } from '../src/crm/salesforce/salesforce-fields.ts';
import type { Service } from '../sync/service.ts';
import { ARTIFACTS, CHROMIUM, openBrowserPage, skipBrowser } from './support/browser.ts';
import { type SalesforceService, startSalesforceService } from './support/salesforce-service.ts';

// The local preview of the Salesforce card (sandbox mode, Salesforce configured, HubSpot not): the real partnerCard
// LWC in headless Chromium, its Apex calls through the preview's stand-in of PartnerLoopCardController into this
// service's `/api/salesforce/card`, and from there into the Salesforce stand-in.
// Chromium comes from the OS (`apt-get install chromium`, see .ci/run); `npx playwright install` is never used.

let ctx: SalesforceService;
let salesforce: SalesforceStandIn;
let service: Service;
let tenantId: string;
/** The index before any org was installed. */
let indexBeforeInstall: { status: number; html: string };
/** An open, partner-sourced opportunity without a partner: PL_Attribution_Status__c is `missing_partner`. */
let dealId: string;

beforeAll(async () => {
  ctx = await startSalesforceService();
  ({ salesforce, service, tenantId } = ctx);

  const before = await fetch(`${service.url}/preview/salesforce`);
  indexBeforeInstall = { status: before.status, html: await before.text() };

  // The admin installs through Salesforce (OAuth web-server flow with PKCE), as in salesforce-install.e2e.test.ts.
  const install = await fetch(`${service.url}/oauth/salesforce/install`, { redirect: 'manual' });
  const consent = await fetch(new URL(install.headers.get('location') ?? ''), { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location') ?? '');
  const landed = await fetch(`${service.url}${callback.pathname}${callback.search}`);
  expect(landed.status).toBe(200);
  await ctx.idle();

  // A seller enters a partner-sourced opportunity; the change poll reads it.
  dealId = await ctx.newPartnerSourcedOpportunity('Acme preview rollout');
}, 120_000);
afterAll(async () => ctx?.close());

const junctionRows = (opportunityId: string) =>
  salesforce.org.records(JUNCTION_OBJECT).filter((row) => row.Opportunity__c === opportunityId);
/** A call to the preview's stand-in of PartnerLoopCardController, as the page's `@salesforce/apex` imports make it. */
const apex = (method: string, params: Record<string, unknown>, org: string | null = salesforce.orgId) =>
  fetch(`${service.url}/preview/salesforce/apex`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(org === null ? {} : { [PREVIEW_ORG_HEADER]: org }) },
    body: JSON.stringify({ method, params }),
  });

describe('local Salesforce card preview over HTTP (sandbox mode, Salesforce only)', () => {
  it('given no org installed yet, then the index says so (and reloads itself)', () => {
    expect(indexBeforeInstall.status).toBe(200);
    expect(indexBeforeInstall.html).toContain('data-testid="preview-no-org"');
    expect(indexBeforeInstall.html).toContain('No Salesforce org is installed in this sandbox yet');
  });

  it('given the org installed and mirrored, when the index is opened, then it lists its open opportunities (at most 50), and only those, linking to their previews', async () => {
    const index = await fetch(`${service.url}/preview/salesforce`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    expect(html).toContain(`data-testid="preview-org-id">${salesforce.orgId}<`);
    const open = salesforce.org.records('Opportunity').filter((record) => !record.IsClosed).length;
    expect(open).toBeGreaterThan(1);
    const links = [...html.matchAll(/href="\/preview\/salesforce\/opportunities\/([A-Za-z0-9]{18})"/g)].map(
      (match) => match[1],
    );
    expect(links).toHaveLength(Math.min(open, SALESFORCE_PREVIEW_INDEX_LIMIT));
    if (open <= SALESFORCE_PREVIEW_INDEX_LIMIT) {
      expect(html).toContain(`${open} open opportunities.`);
      expect(links).toContain(dealId);
    } else {
      expect(html).toContain(`The first ${SALESFORCE_PREVIEW_INDEX_LIMIT} of ${open} open opportunities`);
    }
    for (const id of links) expect(salesforce.org.record('Opportunity', id ?? '')?.IsClosed, id).toBe(false);
  });

  it('given the Apex stand-in, when the card asks for the opportunity it answers the service’s card view as a string; a bad input or a call without its org is refused and writes nothing', async () => {
    const before = junctionRows(dealId).length;
    const badRole = await apex('tagPartner', {
      opportunityId: dealId,
      partnerId: dealId,
      role: 'owner',
      splitPct: null,
    });
    expect(badRole.status).toBe(400);
    expect(await badRole.json()).toEqual({
      message: 'role must be one of sourced, influenced, cosell, reseller, referral.',
    });
    const noOrg = await apex('getCard', { opportunityId: dealId }, null);
    expect(noOrg.status).toBe(400);

    const card = await apex('getCard', { opportunityId: dealId });
    expect(card.status).toBe(200);
    const view = JSON.parse(await card.text());
    expect(view).toMatchObject({ deal: { id: dealId }, attribution: { status: 'missing_partner' } });
    expect(junctionRows(dealId)).toHaveLength(before);
  });
});

describe.skipIf(skipBrowser)(
  `local Salesforce card preview in headless Chromium${skipBrowser ? ` (skipped: ${CHROMIUM} not found)` : ''}`,
  () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      ({ browser, page } = await openBrowserPage({ width: 1100, height: 1000 }));
    }, 30_000);
    afterAll(async () => browser?.close());

    it('given a missing_partner opportunity, when its preview opens, then the real LWC card shows it; tagging a partner through the picker reaches the org (junction row, status complete) and the audit log', async () => {
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const card = (dataId: string) => page.locator(`c-partner-card [data-id="${dataId}"]`);

      await page.goto(`${service.url}/preview/salesforce/opportunities/${dealId}`);
      expect(await page.title()).toBe('Acme preview rollout · PartnerLoop Salesforce card preview');
      expect(await page.getByTestId('preview-kind').textContent()).toContain('Local preview of the PartnerLoop card');

      // The card loaded through the Apex stand-in, showing what the org holds.
      await card('attribution').waitFor({ timeout: 15_000 });
      expect(await page.locator('c-partner-card lightning-card .card-title').textContent()).toBe('PartnerLoop');
      expect(await card('attribution-status').locator('.badge').textContent()).toBe('Partner missing');
      expect(await card('empty-partners').textContent()).toContain('has no partner tagged');
      expect(await page.getByRole('heading', { name: 'Tag a partner' }).isVisible()).toBe(true);

      // Search the roster, pick a partner and a role, tag.
      const partner = (await service.features!.mirror.livePartners(tenantId)).find((p) => p.name.length >= 4);
      if (!partner) throw new Error('the demo org has no partner');
      await page.getByLabel('Search the partner roster').fill(partner.name);
      await card('partner-search-button').locator('button').click();
      const partnerSelect = card('partner-select').locator('select');
      await partnerSelect.waitFor();
      const labels = await partnerSelect.locator('option').allTextContents();
      const index = labels.findIndex((label) => label === partner.name || label.startsWith(`${partner.name} · `));
      expect(index, `"${partner.name}" among ${JSON.stringify(labels)}`).toBeGreaterThan(-1);
      await partnerSelect.selectOption({ index });
      await card('role-select').locator('select').selectOption({ label: 'Sourced' });
      await page.screenshot({ path: join(ARTIFACTS, 'salesforce-card-preview-picker.png'), fullPage: true });
      await card('tag-partner').locator('button').click();

      // The card re-renders from the service's answer: the partner's row, the status complete, and the toast.
      const row = page.locator(
        `c-partner-card [data-id="partner-row"][data-partner-id="${partner.id}"][data-role="sourced"]`,
      );
      await row.waitFor({ timeout: 15_000 });
      expect(await row.locator('[data-cell="name"]').textContent()).toBe(partner.name);
      expect(await card('attribution-status').locator('.badge').textContent()).toBe('Attribution complete');
      await page
        .getByTestId('preview-toast')
        .filter({ hasText: `${partner.name} tagged as Sourced.` })
        .waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'salesforce-card-preview.png'), fullPage: true });

      // The org has the junction record and the written-back status; the store audit-logged the tag as the demo admin.
      expect(junctionRows(dealId)).toEqual([
        expect.objectContaining({ Opportunity__c: dealId, Partner__c: partner.id, Role__c: 'sourced' }),
      ]);
      expect(salesforce.org.record('Opportunity', dealId)?.PL_Attribution_Status__c).toBe('complete');
      expect(PREVIEW_SALESFORCE_USER_ID).toBe(salesforce.demoUser.id);
      const audit = await service.audit.forSubject(tenantId, 'deal', dealId);
      expect(audit.find((entry) => entry.action === 'attribution.tag')).toMatchObject({
        actor: `user:${salesforce.demoUser.id}`,
        after: [expect.objectContaining({ partnerId: partner.id, role: 'sourced' })],
      });
      expect(pageErrors).toEqual([]);
    }, 45_000);
  },
);
