import { z } from 'zod';
import { provisionPortal } from '../../../src/crm/hubspot/hubspot-provisioning.ts';
import type { HubSpotConnections } from './hubspot-connections.ts';
import { RECONCILE_JOB } from '../../crm/reconcile.job.ts';
import { defineJob } from '../../jobs/job-queue.ts';
import type { AuditLogRepository } from '../../store/audit-log.repo.ts';
import type { TenantsRepository } from '../../store/tenants.repo.ts';

export const HUBSPOT_INSTALL_JOB = 'hubspot.install';

export interface InstallJobDeps {
  tenants: TenantsRepository;
  connections: HubSpotConnections;
  audit: AuditLogRepository;
}

/**
 * After an install: create what is missing of the property group, properties and role labels (read-then-create, so a
 * reinstall or a retry writes nothing twice), then queue the first reconcile under the same key.
 */
export function hubspotInstallJob(deps: InstallJobDeps) {
  return defineJob({
    name: HUBSPOT_INSTALL_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1) }),
    retryLimit: 6,
    retryDelaySeconds: 10,
    expireInSeconds: 10 * 60,
    lease: ({ tenantId }) => `${HUBSPOT_INSTALL_JOB}:${tenantId}`,
    async handle({ tenantId }, context) {
      const tenant = await deps.tenants.find(tenantId);
      if (tenant?.status !== 'active') {
        context.logger.info({ tenantId }, 'tenant is not active any more; install work skipped');
        return { skipped: true };
      }
      const report = await provisionPortal(deps.connections.client(tenantId));
      // The association type id of each role label, for tagging partners (ids differ per portal).
      await deps.tenants.updateSettings(tenantId, { roleLabels: report.roleLabels });
      await deps.audit.append({
        tenantId,
        actor: `system:${HUBSPOT_INSTALL_JOB}`,
        action: 'portal.provision',
        subjectType: 'tenant',
        subjectId: tenantId,
        after: report,
      });
      await context.enqueue(
        RECONCILE_JOB,
        { tenantId, periodKey: `install:${context.key}` },
        { key: `${tenantId}:install:${context.key}` },
      );
      return report;
    },
  });
}
