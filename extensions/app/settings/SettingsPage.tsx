import { hubspot } from '@hubspot/ui-extensions';
import { PartnerLoopSettings } from './PartnerLoopSettings.tsx';

// The app's settings component (2026.03 `settings`, settings-page-hsmeta.json; docs/BEHAVIOR.md "The Settings page"):
// HubSpot opens it from Marketplace → Connected apps → PartnerLoop → Settings.
hubspot.extend<'settings'>(({ context, actions }) => <PartnerLoopSettings context={context} actions={actions} />);
