import type { Kysely } from 'kysely';
import type { ProgrammeSide } from '../../src/cosell/cloud-reconciliation.ts';
import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import type { AttributionService } from '../attribution/attribution.service.ts';
import type { CoSellModule } from '../cosell/cosell.module.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import type { FeatureModule } from '../feature-module.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { ScoringFeatures } from '../scoring/scoring.module.ts';
import { LoopResultsRepository } from './loop-results.repo.ts';
import { operatorHomeApiRoutes } from './operator-home.module.ts';
import { operatorLoopJobs, REPORTS_CADENCE_TASKS } from './operator-loop.job.ts';
import { OperatorLoops, type OperatorLoopsDeps } from './operator-loops.ts';
import { reportsRouter } from './reports.routes.ts';
import { ReportsReadRepository } from './reports-read.repo.ts';

export interface ReportsModuleDeps {
  db: Kysely<StoreSchema>;
  tenants: TenantsRepository;
  mirror: CrmMirrorRepository;
  crm: CrmConnectors;
  /** The roster decision's write to the partner record. */
  sync: CrmTenantSync;
  audit: AuditLogRepository;
  attribution: Pick<AttributionService, 'rules'>;
  scoring: ScoringFeatures;
  cosell: CoSellModule;
  /** The connected programmes' side of the weekly cross-cloud reconciliation. */
  cloud?: (tenantId: string) => Promise<ProgrammeSide | null>;
  /** Inbound programme referrals nobody answered yet (the daily queue lists them). */
  pendingInvitations?: OperatorLoopsDeps['pendingInvitations'];
  logger: Logger;
  now?: () => Date;
}

export interface ReportsModule extends FeatureModule {
  loops: OperatorLoops;
  results: LoopResultsRepository;
}

/** The Operator OS (SPEC §2.5): its loops, their storage, the cadence tasks that run them and the operator API. */
export function createReportsModule(deps: ReportsModuleDeps): ReportsModule {
  const results = new LoopResultsRepository(deps.db);
  const read = new ReportsReadRepository(deps.db);
  const now = deps.now ?? (() => new Date());
  const loops = new OperatorLoops({
    results,
    read,
    tenants: deps.tenants,
    rules: (tenantId) => deps.attribution.rules(tenantId),
    scoringConfig: (tenantId) => deps.scoring.service.config(tenantId),
    livePartners: (tenantId) => deps.mirror.livePartners(tenantId),
    motionQueue: (tenantId) => deps.cosell.service.queue(tenantId),
    cosellStatuses: (tenantId) => deps.cosell.motions.statusesForDeals(tenantId, 'all', now()),
    partnerScores: (tenantId) => deps.scoring.scores.ranked(tenantId),
    links: (tenantId) => deps.crm.connector(tenantId).links,
    ...(deps.cloud ? { cloud: deps.cloud } : {}),
    ...(deps.pendingInvitations ? { pendingInvitations: deps.pendingInvitations } : {}),
    logger: deps.logger,
    now,
  });
  return {
    loops,
    results,
    jobs: operatorLoopJobs({ tenants: deps.tenants, loops }),
    // The Operator OS loops (SPEC §2.5): daily queue snapshot, weekly reconciliation, monthly activation, quarterly lift.
    cadence: REPORTS_CADENCE_TASKS,
    routes: (api) => [
      // The operator home's API (before /api/reports, which would 404 it) and its pre-signed CSV exports.
      ...operatorHomeApiRoutes({ ...api, ...deps, results }),
      {
        path: '/api/reports',
        ownBody: true,
        handler: reportsRouter({ ...api.signing, results, enqueue: api.queue.enqueue }),
      },
    ],
  };
}
