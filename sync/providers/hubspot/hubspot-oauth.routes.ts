import express, { type Response, type Router } from 'express';
import { authorizeUrl, exchangeAuthorizationCode, revokeRefreshToken } from '../../../src/crm/hubspot/hubspot-oauth.ts';
import { InvalidInputError } from '../../../src/shared/errors.ts';
import { type SignedApiDeps, signedApi, tenantOf, userIdOf } from '../../platform/http/hubspot-signature.middleware.ts';
import type { JobQueue } from '../../platform/jobs/job-queue.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { AuditLogRepository } from '../../platform/store/audit-log.repo.ts';
import type { OAuthStatesRepository } from '../../platform/store/oauth-states.repo.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import type { AdminRoles } from '../../roles/admin-roles.ts';
import type { HubSpotConnections } from './hubspot-connections.ts';
import { HUBSPOT_INSTALL_JOB } from './hubspot-install.job.ts';

export const CALLBACK_PATH = '/oauth/hubspot/callback';

export interface OAuthRoutesDeps {
  /** Single-use `state` values (any replica can finish an install another started). */
  states: OAuthStatesRepository;
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  publicUrl: string;
  scopes: readonly string[];
  optionalScopes?: readonly string[];
  tenants: TenantsRepository;
  connections: HubSpotConnections;
  queue: Pick<JobQueue, 'enqueue'>;
  logger: Logger;
  now?: () => number;
}

/**
 * The OAuth install: `/install` mints a single-use `state` (OAuthStatesRepository) and redirects to
 * HubSpot's consent screen; `/callback` checks the state, exchanges the code against `HUBSPOT_API_BASE_URL`, learns
 * the portal from HubSpot, stores the tokens encrypted, and queues provisioning + the first reconcile.
 */
export function hubspotOAuthRouter(deps: OAuthRoutesDeps): Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  const redirectUri = `${deps.publicUrl}${CALLBACK_PATH}`;

  router.get('/install', async (_req, res) => {
    const state = await deps.states.create('hubspot');
    res.redirect(
      302,
      authorizeUrl({
        apiBaseUrl: deps.apiBaseUrl,
        clientId: deps.clientId,
        redirectUri,
        scopes: deps.scopes,
        ...(deps.optionalScopes ? { optionalScopes: deps.optionalScopes } : {}),
        state,
      }),
    );
  });

  router.get('/callback', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    if (typeof query.error === 'string') {
      // The admin declined on the consent screen (or HubSpot refused the request): nothing to store.
      const description = typeof query.error_description === 'string' ? query.error_description : query.error;
      throw new InvalidInputError(`HubSpot did not authorize the install: ${description.slice(0, 200)}`);
    }
    const code = typeof query.code === 'string' && query.code.length <= 512 ? query.code : undefined;
    const state = typeof query.state === 'string' && query.state.length <= 128 ? query.state : undefined;
    if (!code) throw new InvalidInputError('the callback has no authorization code; start the install again');
    if (!state) throw new InvalidInputError('the callback has no state parameter; start the install again');
    await deps.states.consume('hubspot', state, 'install');

    const installation = await exchangeAuthorizationCode({
      apiBaseUrl: deps.apiBaseUrl,
      clientId: deps.clientId,
      clientSecret: deps.clientSecret,
      redirectUri,
      code,
      now: now(),
    });
    const tenant = await deps.tenants.connect('hubspot', installation.portalId, installation.credentials);
    deps.connections.forget(tenant.id);
    await deps.queue.enqueue(HUBSPOT_INSTALL_JOB, { tenantId: tenant.id }, { key: `${tenant.id}:${now()}` });
    deps.logger.info({ tenantId: tenant.id, scopes: installation.credentials.scopes }, 'HubSpot portal installed');
    installedPage(res, installation.portalId);
  });

  return router;
}

function installedPage(res: Response, portalId: string): void {
  res
    .status(200)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PartnerLoop installed</title></head>` +
        `<body><h1>PartnerLoop is installed</h1><p>HubSpot portal ${portalId} is connected. PartnerLoop is creating ` +
        `its properties and reading your deals; the partner card appears on deal records in a few minutes.</p></body></html>`,
    );
}

export interface SettingsRoutesDeps extends SignedApiDeps {
  apiBaseUrl: string;
  roles: AdminRoles;
  connections: HubSpotConnections;
  audit: AuditLogRepository;
  logger: Logger;
}

/** Signed settings calls (app settings page, card): the connection's state, and disconnect. */
export function hubspotSettingsRouter(deps: SettingsRoutesDeps): Router {
  const router = express.Router();
  // A disconnected tenant may still ask why (the settings page shows the reason and the reinstall link).
  router.use(...signedApi(deps, { allowDisconnected: true }));

  router.get('/connection', async (_req, res) => {
    const tenant = tenantOf(res);
    res.json({
      tenantId: tenant.id,
      portalId: tenant.externalId,
      status: tenant.status,
      installedAt: tenant.createdAt.toISOString(),
      disconnectedAt: tenant.disconnectedAt?.toISOString() ?? null,
      disconnectReason: tenant.disconnectReason,
    });
  });

  router.post('/disconnect', async (_req, res) => {
    const tenant = tenantOf(res);
    if (tenant.status !== 'active') {
      res.json({ tenantId: tenant.id, status: tenant.status });
      return;
    }
    // Checked after the status: a disconnected tenant has no token to ask HubSpot with, and nothing is written then.
    const userId = userIdOf(res);
    await deps.roles.assertAdmin(tenant.id, userId, 'disconnect PartnerLoop');
    const actor = `user:${userId}`;
    const credentials = await deps.tenants.credentials(tenant.id);
    if (credentials) await revokeRefreshToken(deps.apiBaseUrl, credentials.refreshToken);
    await deps.tenants.disconnect(tenant.id, `disconnected by ${actor}`);
    deps.connections.forget(tenant.id);
    deps.roles.forgetTenant(tenant.id);
    await deps.audit.append({
      tenantId: tenant.id,
      actor,
      action: 'tenant.disconnect',
      subjectType: 'tenant',
      subjectId: tenant.id,
      before: { status: tenant.status },
      after: { status: 'disconnected' },
    });
    deps.logger.info({ tenantId: tenant.id }, 'tenant disconnected; tokens purged');
    res.json({ tenantId: tenant.id, status: 'disconnected' });
  });
  return router;
}
