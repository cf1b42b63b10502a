import type { Kysely } from 'kysely';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CompanyWriter, CrmTenantSync, DealWriter } from '../crm/tenant-sync.ts';
import type { FeatureModule } from '../feature-module.ts';
import type { JobContext } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { ScoresRepository } from './scores.repo.ts';
import { scoringRouter } from './scoring.routes.ts';
import { ScoringService } from './scoring.service.ts';
import { scheduleScoringRefresh, scoringRefreshJob } from './scoring-refresh.job.ts';
import { dealFitWriter, partnerScoresWriter } from './scoring-writers.ts';

export interface ScoringOptions {
  /** Debounce window of the refresh after changes (default 600 s); tests use ~1 s. */
  debounceSeconds?: number;
  /** The as-of day of a run, YYYY-MM-DD (default: today, UTC). */
  asOf?: () => string;
  /** Clock for the debounce windows (epoch ms). */
  now?: () => number;
}

/** Partner scoring in the service: its store, the write-backs, and the hook that schedules a refresh after changes. */
export interface ScoringFeatures {
  scores: ScoresRepository;
  service: ScoringService;
  companyWriters: readonly CompanyWriter[];
  dealWriters: readonly DealWriter[];
  /** For the webhook drain: a change to deals or partners queues one debounced refresh per tenant and window. */
  afterChanges(tenantId: string, context: Pick<JobContext, 'enqueue'>): Promise<void>;
}

/** The store side of scoring, built before the tenant sync that runs its writers. */
export function createScoringFeatures(
  db: Kysely<StoreSchema>,
  deps: { tenants: TenantsRepository; audit: AuditLogRepository; logger: Logger },
  options: ScoringOptions = {},
): ScoringFeatures {
  const scores = new ScoresRepository(db);
  const service = new ScoringService({ ...deps, scores, ...(options.asOf ? { asOf: options.asOf } : {}) });
  return {
    scores,
    service,
    companyWriters: [partnerScoresWriter(service)],
    dealWriters: [dealFitWriter(service)],
    async afterChanges(tenantId, context) {
      await scheduleScoringRefresh(context.enqueue, tenantId, {
        ...(options.debounceSeconds === undefined ? {} : { debounceSeconds: options.debounceSeconds }),
        ...(options.now ? { now: options.now } : {}),
      });
    },
  };
}

export type ScoringModule = ScoringFeatures & FeatureModule;

/** Partner scoring (SPEC §2.3): the debounced refresh job and the admin config / preview / run API. */
export function createScoringModule(
  features: ScoringFeatures,
  deps: { tenants: TenantsRepository; mirror: CrmMirrorRepository; sync: CrmTenantSync },
): ScoringModule {
  return {
    ...features,
    jobs: [scoringRefreshJob({ tenants: deps.tenants, sync: deps.sync })],
    routes: ({ signing, queue }) => [
      {
        path: '/api/scoring',
        ownBody: true,
        handler: scoringRouter({ ...signing, mirror: deps.mirror, scoring: features.service, enqueue: queue.enqueue }),
      },
    ],
  };
}
