// HTML of the local Salesforce card preview (sandbox mode): the opportunity index and the page that hosts the real
// partnerCard LWC. Plain strings, every interpolated value escaped; the only script is the same-origin bundle (the
// pages send a CSP that says so).

import { ATTRIBUTION_STATUS, formatAmount } from '../../../extensions/app/cards/card-format.ts';
import { escapeHtml, pageLayout, scriptJson } from '../../../sync/platform/http/html-page.ts';
import type { PreviewDealRow } from '../preview-deals.repo.ts';

function attributionLabel(status: string | null): string {
  if (status === null || status === '') return 'Not evaluated yet';
  return Object.hasOwn(ATTRIBUTION_STATUS, status)
    ? ATTRIBUTION_STATUS[status as keyof typeof ATTRIBUTION_STATUS].label
    : status;
}

function layout(options: { title: string; base: string; body: string; refreshSeconds?: number }): string {
  const { base, body, ...page } = options;
  return pageLayout({
    ...page,
    css: [`${base}/card.css`],
    body: `<div class="preview-banner">PartnerLoop · local preview of the Salesforce card · sandbox mode only ·
<a href="${escapeHtml(base)}">all opportunities</a></div>
${body}`,
  });
}

/** GET /preview/salesforce when no Salesforce org is installed (yet): what to do, and a reload every few seconds. */
export function noOrgPage(base: string): string {
  return layout({
    title: 'PartnerLoop Salesforce card preview',
    base,
    refreshSeconds: 3,
    body: `<main class="preview-page">
<h1>Salesforce card preview</h1>
<p class="preview-note" data-testid="preview-no-org">No Salesforce org is installed in this sandbox yet, so there is no
opportunity to show. <code>npm start</code> installs the demo org through OAuth when it starts (it may still be
running); or install one at <a href="/oauth/salesforce/install">/oauth/salesforce/install</a>. This page reloads every
3 seconds.</p>
</main>`,
  });
}

export interface IndexInput {
  base: string;
  orgId: string;
  opportunities: readonly PreviewDealRow[];
  /** Open opportunities of the org in the mirror (all of them, not only the page). */
  total: number;
  limit: number;
}

/** GET /preview/salesforce: the org's first open opportunities, each linking to its card preview. */
export function indexPage(input: IndexInput): string {
  const { base } = input;
  const rows = input.opportunities
    .map((opportunity) => {
      const href = `${base}/opportunities/${encodeURIComponent(opportunity.id)}`;
      return `<tr><td><a href="${escapeHtml(href)}" data-testid="preview-opportunity-link">${escapeHtml(opportunity.name)}</a></td>
<td>${escapeHtml(opportunity.stage)}</td><td>${escapeHtml(formatAmount(opportunity.amount, opportunity.currency))}</td>
<td>${escapeHtml(attributionLabel(opportunity.attributionStatus))}</td></tr>`;
    })
    .join('\n');
  const content =
    input.total === 0
      ? `<p class="preview-note" data-testid="preview-not-mirrored">No open opportunity is mirrored yet: the first
reconcile of this org is still running. This page reloads every 3 seconds.</p>`
      : `<p class="preview-note" data-testid="preview-opportunity-count">${escapeHtml(
          input.total > input.opportunities.length
            ? `The first ${input.opportunities.length} of ${input.total} open opportunities, by name.`
            : `${input.total} open opportunit${input.total === 1 ? 'y' : 'ies'}.`,
        )}</p>
<table class="preview-opportunities"><thead><tr><th scope="col">Opportunity</th><th scope="col">Stage</th>
<th scope="col">Amount</th><th scope="col">Attribution</th></tr></thead><tbody>
${rows}
</tbody></table>`;
  return layout({
    title: 'PartnerLoop Salesforce card preview',
    base,
    ...(input.total === 0 ? { refreshSeconds: 3 } : {}),
    body: `<main class="preview-page">
<h1>Salesforce card preview</h1>
<p class="preview-note">The real PartnerLoop partner card (the <code>partnerCard</code> Lightning web component),
rendered outside Salesforce for org <strong data-testid="preview-org-id">${escapeHtml(input.orgId)}</strong>. Its Apex
calls go to a stand-in of <code>PartnerLoopCardController</code> in this service, which calls the card API with the
org's key as the org's Named Credential would.</p>
${content}
</main>`,
  });
}

export interface OpportunityPageInput {
  base: string;
  orgId: string;
  opportunityId: string;
  /** As mirrored; undefined when the service has not mirrored it (the card then shows the service's answer). */
  opportunity: (PreviewDealRow & { deleted: boolean }) | undefined;
  /** Header the page's Apex stand-in names its org in (see salesforce-preview.routes.ts). */
  orgHeader: string;
}

/** GET /preview/salesforce/opportunities/:id: a record-page frame, and the card the bundle mounts in it. */
export function opportunityPage(input: OpportunityPageInput): string {
  const { base, opportunity } = input;
  const name = opportunity?.name ?? `Opportunity ${input.opportunityId}`;
  const facts = [
    ['Org', input.orgId],
    ['Opportunity id', input.opportunityId],
    ...(opportunity
      ? [
          ['Stage', `${opportunity.stage}${opportunity.isClosed ? ' (closed)' : ''}`],
          ['Amount', formatAmount(opportunity.amount, opportunity.currency)],
        ]
      : []),
  ]
    .map(([term, value]) => `<div><dt>${escapeHtml(term ?? '')}</dt><dd>${escapeHtml(value ?? '')}</dd></div>`)
    .join('');
  const note = !opportunity
    ? `<p class="preview-note" data-testid="preview-not-mirrored">This opportunity is not in PartnerLoop's mirror
(yet); the card shows what the service answers for it.</p>`
    : opportunity.deleted
      ? '<p class="preview-note">This opportunity was deleted in Salesforce.</p>'
      : '';
  const config = {
    recordId: input.opportunityId,
    orgId: input.orgId,
    orgHeader: input.orgHeader,
    apexUrl: `${base}/apex`,
  };
  return layout({
    title: `${name} · PartnerLoop Salesforce card preview`,
    base,
    body: `<main class="preview-page">
<header class="preview-record">
<p class="preview-note" data-testid="preview-kind">Local preview of the PartnerLoop card on a Salesforce opportunity
record page</p>
<h1 data-testid="preview-opportunity-name">${escapeHtml(name)}</h1>
<dl>${facts}</dl>
</header>
${note}
<section class="preview-card-frame" aria-label="PartnerLoop card">
<div id="card-root"><noscript>The card preview needs JavaScript.</noscript></div>
</section>
<div id="preview-toasts" class="preview-toasts" aria-live="polite"></div>
</main>
<script type="application/json" id="preview-config">${scriptJson(config)}</script>
<script src="${escapeHtml(base)}/card.js" defer></script>`,
  });
}
