import express, { type Router } from 'express';
import { actorOf, type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import type { DedupeService } from './dedupe.service.ts';

export interface DedupeRoutesDeps extends SignedApiDeps {
  dedupe: DedupeService;
  roles: AdminRoles;
}

/** Admins' dedupe settings (signed like every `/api` call): thresholds and the opt-in merge. */
export function dedupeAdminRouter(deps: DedupeRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));
  router.get('/settings', async (_req, res) => {
    res.json(await deps.dedupe.settings(tenantOf(res).id));
  });
  router.put('/settings', requireAdmin(deps.roles, 'change the dedupe settings'), async (req, res) => {
    res.json(await deps.dedupe.setSettings(tenantOf(res).id, req.body, actorOf(res)));
  });
  return router;
}
