import express, { type Router } from 'express';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import { escapeHtml, PAGE_HEADERS, pageLayout } from './html-page.ts';

export interface StatusPageInput {
  publicUrl: string;
  database: string;
  hubspotConfigured: boolean;
  tenants: number;
}

/** `GET /` outside sandbox mode: what this service is and where its pages live (never a JSON 404 for a browser). */
export function statusPage(input: StatusPageInput): string {
  const hubspot = input.hubspotConfigured
    ? `HubSpot app configured; ${input.tenants} connected portal${input.tenants === 1 ? '' : 's'}.
Install: <a href="/oauth/hubspot/install">${escapeHtml(`${input.publicUrl}/oauth/hubspot/install`)}</a>`
    : 'No HubSpot app credentials are configured (HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET).';
  return pageLayout({
    title: 'PartnerLoop service',
    css: [],
    body: `<main style="font-family:system-ui,sans-serif;margin:2rem;max-width:760px;line-height:1.5">
<h1>PartnerLoop service</h1>
<p data-testid="status-running">The PartnerLoop sync service is running at ${escapeHtml(input.publicUrl)} (database:
${escapeHtml(input.database)}).</p>
<p>${hubspot}</p>
<p>The operator home and the deal card live in HubSpot: open <strong>Marketplace → PartnerLoop</strong> (or
<code>app.hubspot.com/app/{portalId}/{appId}</code>) and the PartnerLoop tab of a deal. To see them without a HubSpot
account, run <code>npm start</code> (sandbox mode), which serves both locally.</p>
<ul>
<li><a href="/healthz">/healthz</a> — liveness</li>
<li><a href="/readyz">/readyz</a> — readiness (database, migrations)</li>
<li><a href="/metrics">/metrics</a> — Prometheus metrics</li>
</ul>
</main>`,
  });
}

export interface StatusPageDeps extends Omit<StatusPageInput, 'tenants'> {
  tenants: Pick<TenantsRepository, 'listActive'> | undefined;
}

/**
 * `GET /` outside sandbox mode: a small HTML status page for a browser (what runs here, where the pages are, health
 * links); a client that asks for JSON gets `{service, status}`.
 */
export function statusPageRouter(deps: StatusPageDeps): Router {
  const router = express.Router();
  router.get('/', async (req, res) => {
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ service: 'partnerloop', status: 'ok', sandbox: false });
      return;
    }
    const tenants = deps.tenants ? (await deps.tenants.listActive('hubspot')).length : 0;
    res.set({ ...PAGE_HEADERS, 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
    res.type('html').send(statusPage({ ...deps, tenants }));
  });
  return router;
}
