import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import { actorOf, type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import type { ScoringService } from './scoring.service.ts';
import { SCORING_REFRESH_JOB } from './scoring-refresh.job.ts';

export interface ScoringRoutesDeps extends SignedApiDeps {
  roles: AdminRoles;
  mirror: CrmMirrorRepository;
  scoring: ScoringService;
  /** Queues a refresh after a config change, so the CRM reflects it without waiting for the nightly pass. */
  enqueue: JobQueue['enqueue'];
}

/**
 * Admins' and operators' scoring endpoints (signed `hubspot.fetch`, tenant from the signed `portalId`):
 * `GET|PUT /config` (the tenant's scoring config; invalid → 400 naming every problem, nothing stored) and
 * `POST /match-rules/preview` (admin: which open deals' next-best partner candidate match rules would change) and
 * `GET /partners` (the stored scores, best first).
 */
export function scoringRouter(deps: ScoringRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));

  router.get('/config', async (_req, res) => {
    res.json(await deps.scoring.config(tenantOf(res).id));
  });

  router.put('/config', requireAdmin(deps.roles, 'change the scoring config'), async (req, res) => {
    const tenantId = tenantOf(res).id;
    const config = await deps.scoring.setConfig(tenantId, req.body, actorOf(res));
    // A new key per change: every saved config is scored, even two saves within one debounce window.
    await deps.enqueue(SCORING_REFRESH_JOB, { tenantId }, { key: `${tenantId}:config:${randomUUID()}` });
    res.json(config);
  });

  // The partner-match rules lever (SPEC §2.5): what the candidate rules would change on open deals, nothing written.
  // Saving goes through PUT /config (audit-logged, re-score queued).
  router.post('/match-rules/preview', requireAdmin(deps.roles, 'preview partner-match rules'), async (req, res) => {
    const tenantId = tenantOf(res).id;
    res.json(
      await deps.scoring.previewMatchRules(tenantId, req.body, {
        deals: () => deps.mirror.liveDeals(tenantId),
        partners: () => deps.mirror.livePartners(tenantId),
      }),
    );
  });

  router.get('/partners', async (_req, res) => {
    const tenantId = tenantOf(res).id;
    const [ranked, roster] = await Promise.all([deps.scoring.ranked(tenantId), deps.mirror.livePartners(tenantId)]);
    const names = new Map(roster.map((partner) => [partner.id, partner.name]));
    res.json({
      tenantId,
      asOf: ranked.run?.asOf ?? null,
      computedAt: ranked.run?.computedAt ?? null,
      priors: ranked.run?.priors ?? null,
      partners: ranked.partners.map(({ computedAt: _computedAt, asOf: _asOf, ...score }) => ({
        ...score,
        name: names.get(score.partnerId) ?? `Company ${score.partnerId}`,
      })),
    });
  });
  return router;
}
