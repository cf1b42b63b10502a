import { z } from 'zod';
import { defaultRulesForStageOrder } from '../../src/attribution/attribution-rules.ts';
import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { RECONCILE_JOB } from './reconcile.job.ts';

export interface CrmInstallJobDeps {
  tenants: TenantsRepository;
  crm: CrmConnectors;
  audit: AuditLogRepository;
}

/** The install job of any CRM behind the port (HubSpot portal, Salesforce org): provision, then the first reconcile. */
export function crmInstallJob(name: string, deps: CrmInstallJobDeps) {
  return defineTenantJob(deps.tenants, {
    name,
    schema: z.strictObject({ tenantId: z.string().min(1) }),
    retryLimit: 6,
    retryDelaySeconds: 10,
    expireInSeconds: 10 * 60,
    lease: ({ tenantId }) => `${name}:${tenantId}`,
    async handle({ tenantId }, context) {
      // Also keeps what the connector needs of it (HubSpot: each role label's association type id).
      const connector = deps.crm.connector(tenantId);
      const report = await connector.provision();
      // A CRM with its own stages (Salesforce) gets the default rules in those stages, unless an admin set rules.
      const tenant = await deps.tenants.get(tenantId);
      if (connector.stageOrder && tenant.settings.attributionRules === undefined) {
        const rules = defaultRulesForStageOrder(await connector.stageOrder());
        await deps.tenants.updateSettings(tenantId, { attributionRules: rules });
        await deps.audit.append({
          tenantId,
          actor: `system:${name}`,
          action: 'attribution.rules',
          subjectType: 'tenant',
          subjectId: tenantId,
          after: rules,
        });
      }
      await deps.audit.append({
        tenantId,
        actor: `system:${name}`,
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
