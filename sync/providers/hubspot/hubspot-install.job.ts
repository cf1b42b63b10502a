import { type CrmInstallJobDeps, crmInstallJob } from '../../crm/crm-install.job.ts';

export const HUBSPOT_INSTALL_JOB = 'hubspot.install';

/**
 * After an install: create what is missing of the property group, properties and role labels (read-then-create, so a
 * reinstall or a retry writes nothing twice), then queue the first reconcile under the same key.
 */
export function hubspotInstallJob(deps: CrmInstallJobDeps) {
  return crmInstallJob(HUBSPOT_INSTALL_JOB, deps);
}
