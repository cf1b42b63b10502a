// Browser entry of the local card preview (GET /preview/portals/:portalId/deals/:dealId, sandbox mode only).
// It mounts the REAL PartnerCard with react-dom; `@hubspot/ui-extensions` is aliased to ./ui-extensions-shim.tsx by the
// bundler (sandbox/previews/card-preview.bundle.ts). What HubSpot's host does around a card, the preview does here: the
// record context, `actions.addAlert` (a toast), and `hubspot.fetch` (a fetcher through the service's signing proxy).

import './preview.css';
import { PartnerCard } from '../../../extensions/app/cards/PartnerCard.tsx';
import { addAlert, mountPreview, previewFetcher, readPageConfig } from './preview-shell.tsx';

/**
 * Written by the server into `<script type="application/json" id="preview-config">`. `apiBase`: where the card's
 * `/api/card/...` requests go, the preview proxy's prefix (`/preview`); `portalHeader`: the header naming the page's
 * portal to the proxy, which appends it to the signed query as HubSpot would.
 */
const config = readPageConfig('preview-config', 'the preview page', {
  portalId: 'number',
  dealId: 'number',
  apiBase: 'string',
  portalHeader: 'string',
});

mountPreview(
  { rootId: 'card-root', page: 'the preview page', what: 'card' },
  <PartnerCard
    context={{ crm: { objectId: config.dealId, objectTypeId: '0-3' } }}
    actions={{ addAlert }}
    fetcher={previewFetcher(config)}
    apiBase={config.apiBase}
  />,
);
