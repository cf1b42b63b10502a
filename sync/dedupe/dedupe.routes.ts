import express, { type Router } from 'express';
import { actorOf } from '../card/card.routes.ts';
import {
  type SignedRoutesOptions,
  signedRequest,
  signedTenant,
  tenantOf,
} from '../http/hubspot-signature.middleware.ts';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import type { DedupeService } from './dedupe.service.ts';

export interface DedupeRoutesDeps extends SignedRoutesOptions {
  tenants: TenantsRepository;
  dedupe: DedupeService;
}

/** Admins' dedupe settings (signed like every `/api` call): thresholds and the opt-in merge. */
export function dedupeAdminRouter(deps: DedupeRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedRequest(deps), signedTenant(deps.tenants));
  router.get('/settings', async (_req, res) => {
    res.json(await deps.dedupe.settings(tenantOf(res).id));
  });
  router.put('/settings', async (req, res) => {
    res.json(await deps.dedupe.setSettings(tenantOf(res).id, req.body, actorOf(req)));
  });
  return router;
}
