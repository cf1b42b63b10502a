// HTML of the local card preview (sandbox mode): the deal index and the page that hosts the real card. Plain strings,
// every interpolated value escaped; the only script is the same-origin bundle (the pages send a CSP that says so).

import type { AttributionStatus } from '../../extensions/app/cards/card-api.ts';
import { ATTRIBUTION_STATUS, formatAmount } from '../../extensions/app/cards/card-format.ts';
import { escapeHtml, pageLayout, scriptJson } from '../../sync/platform/http/html-page.ts';
import type { PreviewDealRow } from './preview-deals.repo.ts';

function attributionLabel(status: string | null): string {
  if (status === null || status === '') return 'Not evaluated yet';
  return status in ATTRIBUTION_STATUS ? ATTRIBUTION_STATUS[status as AttributionStatus].label : status;
}

function layout(options: { title: string; base: string; body: string; refreshSeconds?: number }): string {
  const { base, body, ...page } = options;
  return pageLayout({
    ...page,
    css: [`${base}/card.css`],
    body: `<div class="preview-banner">PartnerLoop local card preview · sandbox mode only · <a href="${escapeHtml(base)}">all deals</a></div>
${body}`,
  });
}

export interface IndexPortal {
  portalId: string;
  query: string;
  deals: PreviewDealRow[];
  total: number;
  /** Live deals of the portal, whatever the search: 0 means the first reconcile has not filled the mirror yet. */
  mirrored: number;
}

/** GET /preview: the installed sandbox portals and their deals, each linking to its card preview. */
export function indexPage(base: string, portals: readonly IndexPortal[], limit: number): string {
  const waiting = portals.length === 0 || portals.some((portal) => portal.mirrored === 0);
  const sections =
    portals.length === 0
      ? `<p class="preview-note" data-testid="preview-no-portal">No sandbox portal is installed yet. The demo portal
is installed through OAuth when <code>npm start</code> starts; this page reloads every 3 seconds.</p>`
      : portals.map((portal) => portalSection(base, portal, limit)).join('\n');
  return layout({
    title: 'PartnerLoop card preview',
    base,
    ...(waiting ? { refreshSeconds: 3 } : {}),
    body: `<main class="preview-page">
<h1>Deal card preview</h1>
<p class="preview-note">The real PartnerLoop deal card, rendered outside HubSpot: pick a sandbox deal. Its requests go
through this service, which signs them with HubSpot signature v3 as HubSpot would.</p>
${sections}
</main>`,
  });
}

function portalSection(base: string, portal: IndexPortal, limit: number): string {
  const heading = `<h2>Portal ${escapeHtml(portal.portalId)}</h2>`;
  if (portal.mirrored === 0) {
    return `<section data-testid="preview-portal-${escapeHtml(portal.portalId)}">${heading}
<p class="preview-note" data-testid="preview-not-mirrored">No deal is mirrored yet: the first reconcile of this portal
is still running. This page reloads every 3 seconds.</p></section>`;
  }
  const rows = portal.deals
    .map((deal) => {
      const href = `${base}/portals/${encodeURIComponent(portal.portalId)}/deals/${encodeURIComponent(deal.id)}`;
      return `<tr><td><a href="${escapeHtml(href)}" data-testid="preview-deal-link">${escapeHtml(deal.name)}</a></td>
<td>${escapeHtml(deal.stage)}${deal.isClosed ? ' (closed)' : ''}</td><td>${escapeHtml(formatAmount(deal.amount, deal.currency))}</td>
<td>${escapeHtml(attributionLabel(deal.attributionStatus))}</td></tr>`;
    })
    .join('\n');
  const shown =
    portal.total > portal.deals.length
      ? `Showing the first ${portal.deals.length} of ${portal.total} deals${portal.query === '' ? '' : ' matching'} (at most ${limit}); search to narrow.`
      : `${portal.total} deal${portal.total === 1 ? '' : 's'}${portal.query === '' ? '' : ' matching'}.`;
  const table =
    portal.deals.length === 0
      ? `<p class="preview-note" data-testid="preview-no-match">No deal matches “${escapeHtml(portal.query)}”.</p>`
      : `<table class="preview-deals"><thead><tr><th scope="col">Deal</th><th scope="col">Stage</th>
<th scope="col">Amount</th><th scope="col">Attribution</th></tr></thead><tbody>
${rows}
</tbody></table>`;
  return `<section data-testid="preview-portal-${escapeHtml(portal.portalId)}">${heading}
<form class="preview-search" method="get" action="${escapeHtml(base)}" role="search">
<label for="q-${escapeHtml(portal.portalId)}">Search deals</label>
<input id="q-${escapeHtml(portal.portalId)}" class="hs-input" type="search" name="q" value="${escapeHtml(portal.query)}" placeholder="Deal name or id">
<button class="hs-button hs-button--secondary hs-button--sm" type="submit">Search</button>
</form>
<p class="preview-note" data-testid="preview-deal-count">${escapeHtml(shown)}</p>
${table}
</section>`;
}

export interface DealPageInput {
  base: string;
  portalId: string;
  dealId: string;
  /** The deal as mirrored; undefined when the service has not mirrored it (the card then shows the service's answer). */
  deal: (PreviewDealRow & { deleted: boolean }) | undefined;
  /** Header the page's fetcher names its portal in (see card-preview.routes.ts). */
  portalHeader: string;
}

/** GET /preview/portals/:portalId/deals/:dealId: a record-page frame, and the card mounted by the bundle. */
export function dealPage(input: DealPageInput): string {
  const { base, deal } = input;
  const name = deal?.name ?? `Deal ${input.dealId}`;
  const facts = [
    ['Portal', input.portalId],
    ['Deal id', input.dealId],
    ...(deal
      ? [
          ['Stage', `${deal.stage}${deal.isClosed ? ' (closed)' : ''}`],
          ['Amount', formatAmount(deal.amount, deal.currency)],
        ]
      : []),
  ]
    .map(([term, value]) => `<div><dt>${escapeHtml(term ?? '')}</dt><dd>${escapeHtml(value ?? '')}</dd></div>`)
    .join('');
  const note = !deal
    ? `<p class="preview-note" data-testid="preview-not-mirrored">This deal is not in PartnerLoop's mirror (yet);
the card shows what the service answers for it.</p>`
    : deal.deleted
      ? '<p class="preview-note">This deal was deleted in the CRM.</p>'
      : '';
  const config = {
    portalId: Number(input.portalId),
    dealId: Number(input.dealId),
    apiBase: base,
    portalHeader: input.portalHeader,
  };
  return layout({
    title: `${name} · PartnerLoop card preview`,
    base,
    body: `<main class="preview-page">
<header class="preview-record">
<h1 data-testid="preview-deal-name">${escapeHtml(name)}</h1>
<dl>${facts}</dl>
</header>
${note}
<section class="preview-card-frame" aria-labelledby="card-title">
<h2 id="card-title">PartnerLoop</h2>
<div id="card-root"><noscript>The card preview needs JavaScript.</noscript></div>
</section>
</main>
<script type="application/json" id="preview-config">${scriptJson(config)}</script>
<script src="${escapeHtml(base)}/card.js" defer></script>`,
  });
}
