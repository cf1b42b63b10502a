import express, { type RequestHandler, type Response, type Router } from 'express';
import type { CardPartner, CardView, PartnerSearchResponse } from '../../extensions/app/cards/card-api.ts';
import { isDedupeStatus } from '../../src/model/dedupe.ts';
import type { AttributionService, DealAttributionView } from '../attribution/attribution.service.ts';
import { coSellCardRoutes } from '../cosell/cosell-card.routes.ts';
import type { CoSellService } from '../cosell/cosell-service.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { DedupeService } from '../dedupe/dedupe.service.ts';
import { actorOf, tenantOf, userIdOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { AdminRoles } from '../roles/admin-roles.ts';
import type { ScoresRepository } from '../scoring/scores.repo.ts';

export interface CardRoutesDeps {
  /**
   * Who may call, verified before anything is read: HubSpot's signature (`signedApi`) or a Salesforce org's card key
   * (`salesforceCardGuard`). Each sets the tenant (`tenantOf`) and the acting user (`userIdOf`) from verified data.
   */
  guard: RequestHandler[];
  /** Admin checks: rules, and the override that changes a closed deal's partners. */
  roles: AdminRoles;
  mirror: CrmMirrorRepository;
  attribution: AttributionService;
  /** Co-sell motions: the card's `motions` and its start / transition endpoints. */
  cosell: CoSellService;
  /** Duplicate warnings and the "not a duplicate" decision. */
  dedupe: DedupeService;
  /** Partner tiers and scores, and each open deal's next-best partner (the last scoring run). */
  scores: ScoresRepository;
}

/**
 * The override of a closed deal's frozen attribution is an admin's (SPEC §2.1): the check runs only when the change
 * actually needs the override, right before anything is written.
 */
function overrideAuthorizer(deps: CardRoutesDeps, tenantId: string, res: Response): () => Promise<void> {
  return () => deps.roles.assertAdmin(tenantId, userIdOf(res), "override a closed deal's attribution");
}

/**
 * The card's endpoints, the same for both CRMs behind their own guard: HubSpot's card (`hubspot.fetch`, signed) at
 * `/api/card`, the Salesforce card's Apex at `/api/salesforce/card`. Shapes: card-api.ts.
 */
export function cardRouter(deps: CardRoutesDeps): Router {
  const router = express.Router();
  router.use(...deps.guard);

  router.get('/deals/:dealId', async (req, res) => {
    const tenant = tenantOf(res);
    res.json(await cardView(deps, tenant.id, await deps.attribution.view(tenant.id, String(req.params.dealId))));
  });

  router.get('/partners', async (req, res) => {
    const tenant = tenantOf(res);
    const q = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase().slice(0, 100) : '';
    const roster = await deps.mirror.livePartners(tenant.id);
    const matches = roster.filter((p) => q === '' || p.name.toLowerCase().includes(q)).slice(0, 25);
    const scores = await deps.scores.forPartners(
      tenant.id,
      matches.map((p) => p.id),
    );
    const partners = matches.map((p) => ({
      id: p.id,
      name: p.name,
      type: p.type,
      tier: scores.get(p.id)?.tier ?? null,
      score: scores.get(p.id)?.score ?? null,
    }));
    res.json({ partners } satisfies PartnerSearchResponse);
  });

  router.post('/deals/:dealId/partners', async (req, res) => {
    const tenant = tenantOf(res);
    const view = await deps.attribution.tag(
      tenant.id,
      String(req.params.dealId),
      req.body,
      actorOf(res),
      overrideAuthorizer(deps, tenant.id, res),
    );
    res.json(await cardView(deps, tenant.id, view));
  });

  // An optional body `{"override":{"reason"}}` lets an admin remove a partner from a closed deal.
  router.delete('/deals/:dealId/partners/:partnerId/:role', async (req, res) => {
    const tenant = tenantOf(res);
    const view = await deps.attribution.untag(
      tenant.id,
      String(req.params.dealId),
      String(req.params.partnerId),
      String(req.params.role),
      actorOf(res),
      req.body,
      overrideAuthorizer(deps, tenant.id, res),
    );
    res.json(await cardView(deps, tenant.id, view));
  });

  router.post('/deals/:dealId/not-duplicate', async (req, res) => {
    const tenant = tenantOf(res);
    const dealId = String(req.params.dealId);
    await deps.dedupe.notDuplicate(tenant.id, dealId, req.body, actorOf(res));
    res.json(await cardView(deps, tenant.id, await deps.attribution.view(tenant.id, dealId)));
  });

  // POST /deals/:dealId/cosell and POST /motions/:motionId/transition (sync/cosell/cosell-card.routes.ts).
  router.use(
    coSellCardRoutes({
      cosell: deps.cosell,
      mirror: deps.mirror,
      actorOf,
      view: async (tenantId, dealId) => cardView(deps, tenantId, await deps.attribution.view(tenantId, dealId)),
    }),
  );
  return router;
}

async function cardView(deps: CardRoutesDeps, tenantId: string, view: DealAttributionView): Promise<CardView> {
  const { deal, properties } = view.deal;
  const [scores, fit] = await Promise.all([
    deps.scores.forPartners(
      tenantId,
      view.partners.map((p) => p.partnerId),
    ),
    deps.scores.fitForDeal(tenantId, deal.id),
  ]);
  const partners: CardPartner[] = view.partners.map((p) => ({
    partnerId: p.partnerId,
    name: p.name,
    role: p.role,
    splitPct: p.splitPct,
    tier: scores.get(p.partnerId)?.tier ?? null,
    score: scores.get(p.partnerId)?.score ?? null,
  }));
  const autoTag = view.result.autoTag;
  const names = view.partnerNames;
  const dedupeStatus = properties.pl_dedupe_status ?? '';
  const duplicates = await deps.dedupe.duplicatesOf(tenantId, deal.id);
  const nextBest = fit?.nextBestPartner ?? null;
  return {
    deal: {
      id: deal.id,
      name: deal.name,
      stage: deal.stage,
      amount: deal.amount,
      currency: deal.currency,
      isClosed: deal.isClosed,
    },
    attribution: {
      status: view.result.status,
      issues: view.result.issues,
      partners,
      frozen: view.result.frozen,
      suggestedFix: autoTag
        ? {
            partnerId: autoTag.partnerId,
            name: names.get(autoTag.partnerId) ?? `Company ${autoTag.partnerId}`,
            role: autoTag.role,
            reason: autoTag.reason,
          }
        : null,
    },
    dedupe: {
      status: isDedupeStatus(dedupeStatus) ? dedupeStatus : 'unique',
      duplicates,
    },
    nextBestPartner: nextBest
      ? {
          partnerId: nextBest.partnerId,
          name: names.get(nextBest.partnerId) ?? `Company ${nextBest.partnerId}`,
          fitScore: nextBest.fitScore,
          reason: nextBest.reason,
        }
      : null,
    motions: await deps.cosell.cardMotions(tenantId, deal.id),
  };
}
