import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/shared/errors.ts';
import { escapeHtml } from '../../sync/platform/http/html-page.ts';
import { dealPage, indexPage } from './card-preview.pages.ts';
import { forwardedUrl } from './card-preview.routes.ts';

const SERVICE = 'http://127.0.0.1:4000';

describe('forwardedUrl (the preview proxy only reaches the card API)', () => {
  it.each([
    ['/card/deals/42', '/api/card/deals/42', ''],
    ['/card/partners?q=ac%20me', '/api/card/partners', '?q=ac%20me'],
    ['/card/deals/42/partners/7/sourced', '/api/card/deals/42/partners/7/sourced', ''],
    ['/card/deals/a/../42', '/api/card/deals/42', ''],
  ])('given %s under /preview/api, then it goes to %s on the service itself', (path, pathname, search) => {
    const target = forwardedUrl(SERVICE, path);
    expect(target.origin).toBe(SERVICE);
    expect(target.pathname).toBe(pathname);
    expect(target.search).toBe(search);
  });

  it.each([
    '/settings/connection',
    '/attribution/rules',
    '/card',
    '/',
    '/card/../settings/connection',
    '/card/%2e%2e/settings/connection',
    '/card/%2E%2E/%2E%2E/healthz',
    '/card\\..\\settings',
    '//evil.example/api/card/x',
    '/card/./../../oauth/hubspot/install',
  ])('given %s, then it is refused as not found (no open proxy)', (path) => {
    expect(() => forwardedUrl(SERVICE, path)).toThrow(NotFoundError);
  });
});

describe('preview pages', () => {
  const deal = {
    id: '42',
    name: '</script><script>alert(1)</script> & "Co"',
    stage: 'qualifiedtobuy',
    amount: 1200,
    currency: 'USD',
    isClosed: false,
    attributionStatus: 'missing_partner',
  };

  it('given a deal name with markup, when pages render it, then it is text, and the config JSON cannot close its script', () => {
    const html = dealPage({
      base: '/preview',
      portalId: '7',
      dealId: '42',
      deal: { ...deal, deleted: false },
      portalHeader: 'x-partnerloop-preview-portal',
    });
    expect(html).toContain(`<h1 data-testid="preview-deal-name">${escapeHtml(deal.name)}</h1>`);
    expect(html).not.toContain('<script>alert(1)');
    const config = html.match(/<script type="application\/json" id="preview-config">(.*?)<\/script>/s)?.[1];
    expect(JSON.parse(config ?? 'null')).toEqual({
      portalId: 7,
      dealId: 42,
      apiBase: '/preview',
      portalHeader: 'x-partnerloop-preview-portal',
    });

    const index = indexPage('/preview', [{ portalId: '7', query: '<b>', deals: [deal], total: 1, mirrored: 1 }], 200);
    expect(index).toContain('Partner missing');
    expect(index).toContain('value="&lt;b&gt;"');
    expect(index).not.toContain('<b>');
  });

  it('given nothing mirrored yet, when the index renders, then it says the first reconcile is running and reloads itself', () => {
    const html = indexPage('/preview', [{ portalId: '7', query: '', deals: [], total: 0, mirrored: 0 }], 200);
    expect(html).toContain('data-testid="preview-not-mirrored"');
    expect(html).toContain('<meta http-equiv="refresh" content="3">');
    expect(indexPage('/preview', [], 200)).toContain('data-testid="preview-no-portal"');
  });

  it('given more deals than the cap, then the index says how many it shows of how many', () => {
    const html = indexPage('/preview', [{ portalId: '7', query: '', deals: [deal], total: 500, mirrored: 500 }], 1);
    expect(html).toContain('Showing the first 1 of 500 deals (at most 1); search to narrow.');
    expect(html).not.toContain('http-equiv="refresh"');
  });
});
