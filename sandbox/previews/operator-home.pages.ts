// HTML of the local operator home (sandbox mode); the service's status page (outside sandbox mode) is sync/platform/http's.
// Plain strings, every interpolated value escaped; the only script is the same-origin bundle (the CSP says so).

import { escapeHtml, pageLayout, scriptJson } from '../../sync/platform/http/html-page.ts';

export interface OperatorPageInput {
  /** `/operator`: where the bundle and the signing proxy live. */
  base: string;
  /** `/preview`: the local card preview (deal links open there). */
  cardPreviewBase: string;
  portalId: string;
  /** Other installed sandbox portals, for the switcher. */
  portals: readonly string[];
  portalHeader: string;
}

/** The page that mounts the real OperatorHome for one sandbox portal. */
export function operatorPage(input: OperatorPageInput): string {
  const config = {
    portalId: Number(input.portalId),
    apiBase: input.base,
    portalHeader: input.portalHeader,
    cardPreviewBase: input.cardPreviewBase,
  };
  const others = input.portals.filter((portal) => portal !== input.portalId);
  const switcher =
    others.length === 0
      ? ''
      : ` · other portals: ${others
          .map(
            (portal) =>
              `<a href="${escapeHtml(`${input.base}/portals/${encodeURIComponent(portal)}`)}">${escapeHtml(portal)}</a>`,
          )
          .join(', ')}`;
  return pageLayout({
    title: 'PartnerLoop operator home',
    css: [`${input.base}/home.css`],
    body: `<div class="preview-banner">PartnerLoop operator home · local sandbox, portal ${escapeHtml(input.portalId)} ·
<a href="${escapeHtml(input.cardPreviewBase)}">deal card preview</a>${switcher}</div>
<main class="operator-page">
<h1>Partner operations</h1>
<p class="preview-note">The real PartnerLoop app page (<code>extensions/app/pages/OperatorHome.tsx</code>), rendered
outside HubSpot. Its requests go through this service, which signs them with HubSpot signature v3 as HubSpot would.</p>
<div id="operator-root"><noscript>The operator home needs JavaScript.</noscript></div>
</main>
<script type="application/json" id="operator-config">${scriptJson(config)}</script>
<script src="${escapeHtml(input.base)}/home.js" defer></script>`,
  });
}

/** Sandbox mode before the demo portal is installed: say so, and reload. */
export function waitingPage(cardPreviewBase: string): string {
  return pageLayout({
    title: 'PartnerLoop operator home',
    css: [],
    refreshSeconds: 3,
    body: `<main style="font-family:system-ui,sans-serif;margin:2rem;max-width:720px">
<h1>Partner operations</h1>
<p data-testid="operator-waiting">No sandbox portal is installed yet. <code>npm start</code> installs the demo portal
through OAuth a moment after it starts; this page reloads every 3 seconds. The deal card preview is at
<a href="${escapeHtml(cardPreviewBase)}">${escapeHtml(cardPreviewBase)}</a>.</p>
</main>`,
  });
}
