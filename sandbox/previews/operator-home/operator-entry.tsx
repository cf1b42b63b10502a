// Browser entry of the local operator home (GET / and /operator in sandbox mode only). It mounts the REAL OperatorHome
// with react-dom; `@hubspot/ui-extensions` is aliased to ./ui-extensions-shim.tsx by the bundler. What HubSpot's host
// does around an app page, the preview does here (../../cards/preview/preview-shell.tsx, the card preview's):
// `actions.addAlert` (a toast) and `hubspot.fetch` (a fetcher through the service's signing proxy, which appends the
// portal and user and signs like HubSpot).

import '../card/preview.css';
import './operator-home.css';
import { OperatorHome } from '../../../extensions/app/pages/OperatorHome.tsx';
import { addAlert, mountPreview, previewFetcher, readPageConfig } from '../card/preview-shell.tsx';

/**
 * `apiBase`: where the page's `/api/...` requests go, the operator proxy's prefix (`/operator`); `cardPreviewBase`:
 * the local card preview's prefix, where deal links open the real card instead of HubSpot's record page.
 */
const config = readPageConfig('operator-config', 'the operator home page', {
  portalId: 'number',
  apiBase: 'string',
  portalHeader: 'string',
  cardPreviewBase: 'string',
});

/** HubSpot deal record URLs → the local card preview of that deal (the sandbox portal has no HubSpot record page). */
const DEAL_RECORD = /\/contacts\/(\d+)\/record\/0-3\/([^/?#]+)$/;
function recordHref(url: string): string {
  const match = DEAL_RECORD.exec(url);
  return match ? `${config.cardPreviewBase}/portals/${match[1]}/deals/${match[2]}` : url;
}

mountPreview(
  { rootId: 'operator-root', page: 'the operator home page', what: 'operator home' },
  <OperatorHome
    context={{}}
    actions={{ addAlert }}
    fetcher={previewFetcher(config)}
    apiBase={config.apiBase}
    recordHref={recordHref}
  />,
);
