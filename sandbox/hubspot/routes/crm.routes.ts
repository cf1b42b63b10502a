import express, { type Router } from 'express';
import { associationsRouter } from './associations.routes.ts';
import type { RouteDeps } from './crm-request.ts';
import { objectsRouter } from './objects.routes.ts';
import { ownersRouter } from './owners.routes.ts';
import { pipelinesRouter } from './pipelines.routes.ts';
import { propertiesRouter } from './properties.routes.ts';
import { recordAssociationsRouter } from './record-associations.routes.ts';

/**
 * The CRM endpoints of the sandbox, one router per API. Each is mounted under both the date-versioned prefix of the
 * 2026-03 reference (`/crm/objects/2026-03`, `/crm/properties/2026-03`, `/crm/associations/2026-03`) and the numeric
 * one `@hubspot/api-client` 13.5 calls (`/crm/v3/objects`, `/crm/v3/properties`, `/crm/v4/associations`). The
 * request's portal, scopes and actor come from the Bearer token (set on `res.locals` by the auth middleware, which
 * the caller mounts in front).
 */
export function crmRouter(deps: RouteDeps): Router {
  const crm = express.Router();
  crm.use(['/crm/v4/objects', '/crm/objects/2026-03'], recordAssociationsRouter(deps));
  crm.use(['/crm/v3/objects', '/crm/objects/2026-03'], objectsRouter(deps));
  crm.use(['/crm/v4/associations', '/crm/associations/2026-03'], associationsRouter(deps));
  crm.use(['/crm/v3/properties', '/crm/properties/2026-03'], propertiesRouter(deps));
  crm.use(['/crm/v3/pipelines', '/crm/pipelines/2026-03'], pipelinesRouter());
  crm.use(['/crm/v3/owners', '/crm/owners/2026-03'], ownersRouter());
  return crm;
}
