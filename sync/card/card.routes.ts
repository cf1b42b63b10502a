import express, { type RequestHandler, type Response, type Router } from 'express';
import type {
  CardDuplicate,
  CardPartner,
  CardView,
  PartnerSearchResponse,
} from '../../extensions/app/cards/card-api.ts';
import type { RecordLinks } from '../../src/crm/crm-connector.ts';
import { requestedDealId } from '../../src/model/crm-record.ts';
import { isDedupeStatus } from '../../src/model/dedupe.ts';
import type { Partner } from '../../src/model/partner.ts';
import { NotFoundError } from '../../src/shared/errors.ts';
import type { AttributionService } from '../attribution/attribution.service.ts';
import { evaluateDeal, tenantRules } from '../attribution/attribution-writer.ts';
import { coSellCardRoutes } from '../cosell/cosell-card.routes.ts';
import type { CoSellService } from '../cosell/cosell-service.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { DedupeService } from '../dedupe/dedupe.service.ts';
import { actorOf, tenantOf, userIdOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { Tenant } from '../platform/store/tenants.repo.ts';
import type { AdminRoles } from '../roles/admin-roles.ts';
import type { ScoresRepository } from '../scoring/scores.repo.ts';
import type { CardRepository } from './card.repo.ts';

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
  /** Partner tiers and scores for the partner search. */
  scores: ScoresRepository;
  /** The card view's one read. */
  cards: CardRepository;
  /** Links to the tenant's CRM records (the duplicates' urls). */
  links(tenantId: string): RecordLinks;
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
    res.json(await cardView(deps, tenantOf(res), String(req.params.dealId)));
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
    res.json(await cardView(deps, tenant, view.deal.deal.id));
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
    res.json(await cardView(deps, tenant, view.deal.deal.id));
  });

  router.post('/deals/:dealId/not-duplicate', async (req, res) => {
    const tenant = tenantOf(res);
    const dealId = String(req.params.dealId);
    await deps.dedupe.notDuplicate(tenant.id, dealId, req.body, actorOf(res));
    res.json(await cardView(deps, tenant, dealId));
  });

  // POST /deals/:dealId/cosell and POST /motions/:motionId/transition (sync/cosell/cosell-card.routes.ts).
  router.use(
    coSellCardRoutes({
      cosell: deps.cosell,
      mirror: deps.mirror,
      actorOf,
      view: (tenant, dealId) => cardView(deps, tenant, dealId),
    }),
  );
  return router;
}

/** Every roster's names once (the roster is kept per tenant until it changes, `CrmMirrorRepository.rosterAt`). */
const rosterNames = new WeakMap<readonly Partner[], { record: Record<string, string>; map: Map<string, string> }>();

function namesOf(roster: readonly Partner[]) {
  let names = rosterNames.get(roster);
  if (!names) {
    const map = new Map(roster.map((p) => [p.id, p.name]));
    names = { map, record: Object.fromEntries(map) };
    rosterNames.set(roster, names);
  }
  return names;
}

/**
 * The deal's card: one statement reads its inputs (`CardRepository.inputs`), the roster comes from the per-tenant
 * cache unless that statement saw it change, the rules from the tenant the guard read, and the attribution engine
 * runs on them as the writer does. Co-sell motions are read only for a deal that has some.
 */
async function cardView(deps: CardRoutesDeps, tenant: Tenant, requestedId: string): Promise<CardView> {
  const inputs = await deps.cards.inputs(tenant.id, requestedDealId(tenant.id, requestedId));
  if (!inputs) throw new NotFoundError(`deal ${requestedId} is not known in this portal`);
  const names = namesOf(await deps.mirror.rosterAt(tenant.id, inputs.rosterVersion));
  const { deal: dealEntry, scores } = inputs;
  const { deal, result } = evaluateDeal(
    dealEntry,
    { splits: inputs.splits, partnersAtClose: inputs.partnersAtClose, hasCoSellMotion: inputs.hasMotions },
    tenantRules(tenant),
    names.record,
  );
  const nameOf = (partnerId: string) => names.map.get(partnerId) ?? `Company ${partnerId}`;
  const partners: CardPartner[] = deal.partners.map((p) => ({
    partnerId: p.partnerId,
    name: nameOf(p.partnerId),
    role: p.role,
    splitPct: p.splitPct,
    tier: (scores.get(p.partnerId)?.tier as CardPartner['tier'] | undefined) ?? null,
    score: scores.get(p.partnerId)?.score ?? null,
  }));
  const autoTag = result.autoTag;
  const dedupeStatus = dealEntry.properties.pl_dedupe_status ?? '';
  const cluster = inputs.duplicates;
  const links = cluster ? deps.links(tenant.id) : undefined;
  const duplicates: CardDuplicate[] = cluster
    ? cluster.memberIds
        .filter((id) => id !== deal.id)
        .map((otherDealId) => ({
          otherDealId,
          otherDealName: cluster.names.get(otherDealId) ?? null,
          kind: cluster.kind as CardDuplicate['kind'],
          confidence: cluster.confidence,
          reasons: cluster.reasons,
          url: links!.deal(otherDealId),
        }))
    : [];
  const nextBest = inputs.fit;
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
      status: result.status,
      issues: result.issues,
      partners,
      frozen: result.frozen,
      suggestedFix: autoTag
        ? { partnerId: autoTag.partnerId, name: nameOf(autoTag.partnerId), role: autoTag.role, reason: autoTag.reason }
        : null,
    },
    dedupe: {
      status: isDedupeStatus(dedupeStatus) ? dedupeStatus : 'unique',
      duplicates,
    },
    nextBestPartner: nextBest
      ? {
          partnerId: nextBest.partnerId,
          name: nameOf(nextBest.partnerId),
          fitScore: nextBest.fitScore,
          reason: nextBest.reason,
        }
      : null,
    motions: inputs.hasMotions ? await deps.cosell.cardMotions(tenant.id, deal.id) : [],
  };
}
