import express, { type Router } from 'express';
import type { CardMotion } from '../../extensions/app/cards/card-api.ts';
import type { QueueEntry } from '../../src/cosell/motion-queue.ts';
import { NotFoundError } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import { actorOf, type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import { type PartnerEndpointPolicy, partnerEndpointRequest } from './cosell-requests.ts';
import type { CoSellService } from './cosell-service.ts';
import type { MotionQueueCandidate } from './motions.repo.ts';
import type { PartnerEndpointsRepository, PartnerEndpointView } from './partner-endpoints.repo.ts';

export interface CoSellRoutesDeps extends SignedApiDeps {
  /** A partner's webhook endpoint is a tenant setting: configuring it is an admin's. */
  roles: AdminRoles;
  mirror: CrmMirrorRepository;
  cosell: CoSellService;
  endpoints: PartnerEndpointsRepository;
  endpointPolicy?: PartnerEndpointPolicy;
}

/** One queue entry as the operator API answers it (dates as ISO-8601). */
export interface QueueItem {
  motionId: string;
  dealId: string;
  dealName: string | null;
  dealAmount: number | null;
  partnerId: string | null;
  partnerName: string | null;
  programme: string | null;
  state: string;
  ask: string;
  ownerId: string;
  createdAt: string;
  slaDueAt: string;
  reason: string;
  overdue: boolean;
  aging: boolean;
  hoursToSla: number;
}

function queueItem(entry: QueueEntry<MotionQueueCandidate>): QueueItem {
  const { motion } = entry;
  return {
    motionId: motion.id,
    dealId: motion.dealId,
    dealName: entry.dealName,
    dealAmount: entry.dealAmount,
    partnerId: motion.partnerId,
    partnerName: entry.partnerName,
    programme: motion.programme,
    state: motion.state,
    ask: motion.ask,
    ownerId: motion.ownerId,
    createdAt: motion.createdAt.toISOString(),
    slaDueAt: motion.slaDueAt.toISOString(),
    reason: entry.reason,
    overdue: entry.timing.overdue,
    aging: entry.timing.aging,
    hoursToSla: Math.round((entry.timing.msToSla / 3_600_000) * 10) / 10,
  };
}

function endpointJson(view: PartnerEndpointView) {
  // The signing secret is write-only: it is never read back through the API.
  return { partnerId: view.partnerId, url: view.url, enabled: view.enabled, updatedAt: view.updatedAt.toISOString() };
}

/**
 * The operator's co-sell API (`/api/cosell`, signed like every `/api` call; tenant from the signed `portalId`): the
 * motion queue, a motion transition outside the card (e.g. withdrawing the motion of a deal deleted in HubSpot), and
 * each partner's webhook endpoint.
 */
export function coSellOperatorRouter(deps: CoSellRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));

  router.get('/queue', async (_req, res) => {
    const tenant = tenantOf(res);
    const asOf = new Date();
    const entries = await deps.cosell.queue(tenant.id);
    res.json({ tenantId: tenant.id, asOf: asOf.toISOString(), motions: entries.map(queueItem) });
  });

  router.post('/motions/:motionId/transition', async (req, res) => {
    const tenant = tenantOf(res);
    const { motion } = await deps.cosell.transition(tenant.id, String(req.params.motionId), req.body, {
      actor: actorOf(res),
    });
    res.json({ motion } satisfies { motion: CardMotion });
  });

  const partnerOf = async (tenantId: string, partnerId: string) => {
    const roster = await deps.mirror.livePartners(tenantId);
    if (!roster.some((partner) => partner.id === partnerId)) {
      throw new NotFoundError(`company ${partnerId.slice(0, 40)} is not a partner in this portal`);
    }
    return partnerId;
  };

  router.get('/partners/:partnerId/webhook', async (req, res) => {
    const tenant = tenantOf(res);
    const partnerId = await partnerOf(tenant.id, String(req.params.partnerId));
    const endpoint = (await deps.endpoints.list(tenant.id)).find((candidate) => candidate.partnerId === partnerId);
    if (!endpoint) throw new NotFoundError(`no webhook endpoint is configured for partner ${partnerId}`);
    res.json(endpointJson(endpoint));
  });

  // `{"url","secret"?,"enabled"?}`: a new endpoint needs a secret (≥ 16 characters); leaving it out keeps the current.
  const configureEndpoint = requireAdmin(deps.roles, "configure a partner's webhook endpoint");
  router.put('/partners/:partnerId/webhook', configureEndpoint, async (req, res) => {
    const tenant = tenantOf(res);
    const partnerId = await partnerOf(tenant.id, String(req.params.partnerId));
    const request = partnerEndpointRequest(req.body, deps.endpointPolicy);
    res.json(endpointJson(await deps.endpoints.set(tenant.id, partnerId, request, actorOf(res))));
  });
  return router;
}
