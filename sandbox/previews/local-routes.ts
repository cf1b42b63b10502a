import type { Kysely } from 'kysely';
import type { Route, SignedApiContext } from '../../sync/feature-module.ts';
import type { Logger } from '../../sync/platform/log/logger.ts';
import type { StoreSchema } from '../../sync/platform/store/schema.ts';
import { cardPreviewRouter } from './card-preview.routes.ts';
import { operatorBundle } from './operator-home.bundle.ts';
import { operatorHomePreviewRouter, operatorHomeRootRouter } from './operator-home.routes.ts';
import { salesforceCardBundle } from './salesforce-card/salesforce-card.bundle.ts';
import {
  type SalesforcePreviewDeps,
  salesforceCardPreviewRouter,
} from './salesforce-card/salesforce-preview.routes.ts';

/** What the local pages are built from: the signed API context, the store (the preview's deal index) and a logger. */
export interface LocalPreviewWiring extends SignedApiContext {
  db: Kysely<StoreSchema>;
  logger: Logger;
}

/**
 * Sandbox mode only, never against a real HubSpot app: the local card preview at `/preview`, and the real operator
 * home at `/operator` and `/`, each behind a proxy that signs its requests to this service as HubSpot would.
 * sync/service.ts loads this module through import() when the service runs in sandbox mode, and only then.
 */
export function localPreviewRoutes(wiring: LocalPreviewWiring): Route[] {
  const selfSigning = {
    serviceUrl: wiring.serviceUrl,
    publicUrl: wiring.signing.publicUrl,
    clientSecret: wiring.signing.clientSecret,
    appId: wiring.appId,
    ...(wiring.signing.now ? { now: wiring.signing.now } : {}),
  };
  const operatorHome = { ...selfSigning, tenants: wiring.signing.tenants, logger: wiring.logger };
  // Built in the background now, so the first page load does not wait ~2 s for esbuild (a failure is retried then).
  operatorBundle().catch((error: unknown) =>
    wiring.logger.warn({ err: error }, 'operator home bundle: the first build failed; it is retried on request'),
  );
  return [
    {
      path: '/preview',
      ownBody: true,
      handler: cardPreviewRouter({
        ...wiring.signing,
        serviceUrl: wiring.serviceUrl,
        appId: wiring.appId,
        db: wiring.db,
        logger: wiring.logger,
      }),
    },
    { path: '/operator', ownBody: true, handler: operatorHomePreviewRouter(operatorHome) },
    { path: '/', handler: operatorHomeRootRouter(operatorHome) },
  ];
}

/**
 * Sandbox mode only, when Salesforce is configured: the local preview of the Salesforce card at `/preview/salesforce`,
 * whose stand-in for the org's Apex calls this service's `/api/salesforce/card` with the org's card key. sync/service.ts
 * mounts it ahead of the HubSpot preview's `/preview` (a prefix of it), with or without HubSpot.
 */
export function salesforcePreviewRoutes(wiring: SalesforcePreviewDeps): Route[] {
  // Built in the background now, so the first page load does not wait for esbuild and the LWC compiler.
  salesforceCardBundle().catch((error: unknown) =>
    wiring.logger.warn(
      { err: error },
      'Salesforce card preview bundle: the first build failed; it is retried on request',
    ),
  );
  return [{ path: '/preview/salesforce', ownBody: true, handler: salesforceCardPreviewRouter(wiring) }];
}
