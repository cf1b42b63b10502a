import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync, DealWriter } from '../crm/tenant-sync.ts';
import type { FeatureModule } from '../feature-module.ts';
import type { JobContext } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Database } from '../platform/store/database.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { DedupeRepository } from './dedupe.repo.ts';
import { dedupeAdminRouter } from './dedupe.routes.ts';
import { DedupeService } from './dedupe.service.ts';
import { dedupeRefreshJob, scheduleDedupeRefresh } from './dedupe-refresh.job.ts';
import { dedupeWriter } from './dedupe-writer.ts';

export interface DedupeWritersDeps {
  db: Database;
  tenants: TenantsRepository;
  mirror: CrmMirrorRepository;
  logger: Logger;
}

export interface DedupeWriters {
  store: DedupeRepository;
  /** `pl_dedupe_*` on every drain and reconcile (changed deals compared inline, bursts noted for the refresh). */
  dealWriter: DealWriter;
}

/** The store side of dedupe, built before the tenant sync that runs its writer. */
export function dedupeWriters(deps: DedupeWritersDeps): DedupeWriters {
  const store = new DedupeRepository(deps.db);
  return { store, dealWriter: dedupeWriter({ ...deps, dedupe: store }) };
}

export interface DedupeModule extends FeatureModule {
  service: DedupeService;
  store: DedupeRepository;
  /** After a webhook drain: a burst that left deals noted queues the debounced incremental pass. */
  afterChanges(tenantId: string, context: Pick<JobContext, 'enqueue'>): Promise<void>;
}

/** Dedupe (SPEC §2.2): warnings and merges, the debounced incremental pass, and the admin settings API. */
export function createDedupeModule(
  deps: DedupeWritersDeps & {
    writers: DedupeWriters;
    sync: CrmTenantSync;
    crm: CrmConnectors;
    audit: AuditLogRepository;
    /** The incremental pass's debounce (default 30 s; tests shorten it). */
    debounceSeconds?: number;
  },
): DedupeModule {
  const store = deps.writers.store;
  const service = new DedupeService({ ...deps, dedupe: store });
  return {
    service,
    store,
    jobs: [dedupeRefreshJob({ tenants: deps.tenants, mirror: deps.mirror, dedupe: store, sync: deps.sync })],
    routes: ({ signing }) => [
      { path: '/api/dedupe', ownBody: true, handler: dedupeAdminRouter({ ...signing, dedupe: service }) },
    ],
    async afterChanges(tenantId, context) {
      if ((await store.pending(tenantId, 1)).length > 0) {
        await scheduleDedupeRefresh(context.enqueue, tenantId, {
          ...(deps.debounceSeconds === undefined ? {} : { debounceSeconds: deps.debounceSeconds }),
        });
      }
    },
  };
}
