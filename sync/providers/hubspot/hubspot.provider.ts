import type { CrmTenantSync } from '../../crm/tenant-sync.ts';
import type { Route, SignedApiContext } from '../../feature-module.ts';
import type { Config } from '../../platform/config/env.ts';
import type { JobContext, JobDefinition } from '../../platform/jobs/job-queue.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { AuditLogRepository } from '../../platform/store/audit-log.repo.ts';
import type { Database } from '../../platform/store/database.ts';
import { OAuthStatesRepository } from '../../platform/store/oauth-states.repo.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import type { TokenCipher } from '../../platform/store/token-cipher.ts';
import { loadHubSpotAppProject } from './hubspot-app-project.ts';
import { HubSpotConnections } from './hubspot-connections.ts';
import { hubspotInstallJob } from './hubspot-install.job.ts';
import { hubspotOAuthRouter, hubspotSettingsRouter } from './hubspot-oauth.routes.ts';
import { hubspotWebhooksRouter } from './hubspot-webhooks.routes.ts';
import { webhookDrainJob } from './webhook-drain.job.ts';
import { WebhookInboxRepository } from './webhook-inbox.repo.ts';

export interface HubSpotProviderDeps {
  db: Database;
  cipher: TokenCipher;
  tenants: TenantsRepository;
  audit: AuditLogRepository;
  logger: Logger;
}

/**
 * HubSpot as a provider (SPEC §3 `sync/providers/hubspot`): its connections (one paced client per portal, behind the
 * CRM port), the OAuth install and settings, signed webhooks with their inbox and drain, and provisioning on install.
 */
export interface HubSpotProvider {
  readonly clientSecret: string;
  readonly appId: string | undefined;
  connections: HubSpotConnections;
  inbox: WebhookInboxRepository;
  /** The install job (provisioning) and the webhook drain that applies stored events through the tenant sync. */
  jobs(sync: CrmTenantSync, afterChanges: (tenantId: string, context: JobContext) => Promise<void>): JobDefinition[];
  /** `/webhooks/hubspot`, `/api/settings` and `/oauth/hubspot`. */
  routes(api: SignedApiContext, options: { now?: () => number }): Route[];
}

/** The HubSpot provider, or undefined when no HubSpot app credentials are configured. */
export function createHubSpotProvider(config: Config, deps: HubSpotProviderDeps): HubSpotProvider | undefined {
  const { clientId, clientSecret, apiBaseUrl, appId } = config.hubspot;
  if (!clientId || !clientSecret) return undefined;
  const connections = new HubSpotConnections({
    apiBaseUrl,
    clientId,
    clientSecret,
    tenants: deps.tenants,
    onDisconnected: (tenantId, reason) =>
      deps.logger.warn(
        { tenantId, reason },
        'tenant disconnected: HubSpot refused its refresh token; it must reinstall',
      ),
  });
  const inbox = new WebhookInboxRepository(deps.db);
  return {
    clientSecret,
    appId,
    connections,
    inbox,
    jobs: (sync, afterChanges) => [
      hubspotInstallJob({ tenants: deps.tenants, crm: connections, audit: deps.audit }),
      webhookDrainJob({ inbox, tenants: deps.tenants, sync, afterChanges }),
    ],
    routes: (api, options) => {
      const project = loadHubSpotAppProject();
      const { signing, queue } = api;
      return [
        {
          path: '/webhooks/hubspot',
          ownBody: true,
          handler: hubspotWebhooksRouter({ ...signing, appId, inbox, queue, logger: deps.logger }),
        },
        {
          path: '/api/settings',
          ownBody: true,
          handler: hubspotSettingsRouter({
            ...signing,
            apiBaseUrl,
            connections,
            audit: deps.audit,
            logger: deps.logger,
          }),
        },
        {
          path: '/oauth/hubspot',
          handler: hubspotOAuthRouter({
            states: new OAuthStatesRepository(deps.db, deps.cipher, options.now),
            clientId,
            clientSecret,
            apiBaseUrl,
            publicUrl: signing.publicUrl,
            scopes: project.requiredScopes,
            optionalScopes: project.optionalScopes,
            tenants: deps.tenants,
            connections,
            queue,
            logger: deps.logger,
            ...(options.now ? { now: options.now } : {}),
          }),
        },
      ];
    },
  };
}
