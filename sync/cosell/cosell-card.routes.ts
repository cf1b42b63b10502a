import express, { type Response, type Router } from 'express';
import type { CardView } from '../../extensions/app/cards/card-api.ts';
import { requestedDealId } from '../../src/model/crm-record.ts';
import { NotFoundError } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import { tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { Tenant } from '../platform/store/tenants.repo.ts';
import type { CoSellService } from './cosell-service.ts';

/** A live deal of the tenant by the id the card or caller names (merged ids followed): 400 malformed, 404 unknown. */
export async function liveDealId(mirror: CrmMirrorRepository, tenantId: string, raw: string): Promise<string> {
  const id = await mirror.resolveId(tenantId, 'deals', requestedDealId(tenantId, raw));
  const deal = await mirror.findDeal(tenantId, id);
  if (!deal || deal.deletedAt) throw new NotFoundError(`deal ${raw} is not known in this portal`);
  return id;
}

export interface CoSellCardRoutesDeps {
  cosell: CoSellService;
  mirror: CrmMirrorRepository;
  /** The deal card's view after a change (card.routes.ts `cardView`): the card re-renders from it. */
  view(tenant: Tenant, dealId: string): Promise<CardView>;
  /** Who acts (`actorOf`: the CRM user the request's guard verified). */
  actorOf(res: Response): string;
}

/**
 * The card's co-sell endpoints, mounted inside the signed card router (`/api/card`, so signature and tenant are
 * checked before these run). Both answer the deal's whole CardView, as every card mutation does (card-client.ts).
 */
export function coSellCardRoutes(deps: CoSellCardRoutesDeps): Router {
  const router = express.Router();

  // Start co-sell: 201 with the new motion in the view; 200 when the same open motion was started before (a retried
  // click), nothing written then.
  router.post('/deals/:dealId/cosell', async (req, res) => {
    const tenant = tenantOf(res);
    const dealId = await liveDealId(deps.mirror, tenant.id, String(req.params.dealId));
    const actor = deps.actorOf(res);
    // The seller who asks owns the follow-up (the queue shows it); the HubSpot user, not the deal owner record.
    const { created } = await deps.cosell.start(tenant.id, dealId, req.body, { actor, ownerId: actor });
    res.status(created ? 201 : 200).json(await deps.view(tenant, dealId));
  });

  // Advance or withdraw (`{"to":"withdrawn"}`): the motion and its deal must exist, so a refused request writes nothing.
  router.post('/motions/:motionId/transition', async (req, res) => {
    const tenant = tenantOf(res);
    const motion = await deps.cosell.get(tenant.id, String(req.params.motionId));
    const dealId = await liveDealId(deps.mirror, tenant.id, motion.dealId);
    await deps.cosell.transition(tenant.id, motion.id, req.body, { actor: deps.actorOf(res) });
    res.json(await deps.view(tenant, dealId));
  });
  return router;
}
