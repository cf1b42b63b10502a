import type { Kysely } from 'kysely';
import type { AttributionService } from '../attribution/attribution.service.ts';
import type { CoSellFeatures } from '../cosell/cosell-features.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { JobDefinition, JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../log/logger.ts';
import type { ScoringFeatures } from '../scoring/scoring-features.ts';
import type { StoreSchema } from '../store/schema.ts';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import { LoopResultsRepository } from './loop-results.repo.ts';
import { operatorLoopJobs } from './operator-loop.job.ts';
import { OperatorLoops } from './operator-loops.ts';
import { type ReportsRoutesDeps, reportsRouter } from './reports.routes.ts';
import { ReportsReadRepository } from './reports-read.repo.ts';

export interface ReportsModuleDeps {
  db: Kysely<StoreSchema>;
  tenants: TenantsRepository;
  mirror: CrmMirrorRepository;
  attribution: Pick<AttributionService, 'rules'>;
  scoring: ScoringFeatures;
  cosell: CoSellFeatures;
  logger: Logger;
  now?: () => Date;
}

export interface ReportsModule {
  loops: OperatorLoops;
  results: LoopResultsRepository;
  jobs: JobDefinition[];
  router(
    signing: Omit<ReportsRoutesDeps, 'tenants' | 'results' | 'enqueue'>,
    enqueue: JobQueue['enqueue'],
  ): ReturnType<typeof reportsRouter>;
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
    logger: deps.logger,
    now,
  });
  return {
    loops,
    results,
    jobs: operatorLoopJobs({ tenants: deps.tenants, loops }),
    router: (signing, enqueue) => reportsRouter({ ...signing, tenants: deps.tenants, results, enqueue }),
  };
}
