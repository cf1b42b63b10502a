import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync, DealWriter } from '../crm/tenant-sync.ts';
import type { FeatureModule } from '../feature-module.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Database } from '../platform/store/database.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { AttributionRepository } from './attribution.repo.ts';
import { attributionAdminRouter } from './attribution.routes.ts';
import { AttributionService } from './attribution.service.ts';
import { attributionWriter } from './attribution-writer.ts';

export interface AttributionWritersDeps {
  db: Database;
  tenants: TenantsRepository;
  audit: AuditLogRepository;
  logger: Logger;
  /** A deal with a co-sell motion is partner-involved (from the co-sell module). */
  dealsWithMotions(tenantId: string, dealIds: readonly string[]): Promise<ReadonlySet<string>>;
}

export interface AttributionWriters {
  attributions: AttributionRepository;
  /** `pl_attribution_*` and the auto-tags, on every drain and reconcile. */
  dealWriter: DealWriter;
}

/** The store side of attribution, built before the tenant sync that runs its writer. */
export function attributionWriters(deps: AttributionWritersDeps): AttributionWriters {
  const attributions = new AttributionRepository(deps.db);
  return { attributions, dealWriter: attributionWriter({ ...deps, attributions }) };
}

export interface AttributionModule extends FeatureModule {
  service: AttributionService;
}

/** Attribution (SPEC §2.1): the service the card and reports use, and the admin rules and coverage API. */
export function createAttributionModule(
  deps: AttributionWritersDeps & {
    writers: AttributionWriters;
    mirror: CrmMirrorRepository;
    sync: CrmTenantSync;
    crm: CrmConnectors;
  },
): AttributionModule {
  const service = new AttributionService({ ...deps, attributions: deps.writers.attributions });
  return {
    service,
    jobs: [],
    routes: ({ signing }) => [
      {
        path: '/api/attribution',
        ownBody: true,
        handler: attributionAdminRouter({ ...signing, attribution: service }),
      },
    ],
  };
}
