import express, { type Router } from 'express';
import { actorOf, type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import type { AttributionService } from './attribution.service.ts';

export interface AttributionRoutesDeps extends SignedApiDeps {
  roles: AdminRoles;
  attribution: AttributionService;
}

/** Operators' and admins' attribution endpoints (signed, like every `/api` call). */
export function attributionAdminRouter(deps: AttributionRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));
  router.get('/rules', async (_req, res) => {
    res.json(await deps.attribution.rules(tenantOf(res).id));
  });
  router.put('/rules', requireAdmin(deps.roles, 'change the attribution rules'), async (req, res) => {
    res.json(await deps.attribution.setRules(tenantOf(res).id, req.body, actorOf(res)));
  });
  router.get('/coverage', async (_req, res) => {
    res.json({ tenantId: tenantOf(res).id, ...(await deps.attribution.coverage(tenantOf(res).id)) });
  });
  return router;
}
