import express, { type Router } from 'express';
import { z } from 'zod';
import {
  exchangeSalesforceCode,
  type SalesforceApp,
  salesforceAuthorizeUrl,
} from '../../../src/crm/salesforce/salesforce-oauth.ts';
import { InvalidInputError } from '../../../src/shared/errors.ts';
import { crmInstallJob } from '../../crm/crm-install.job.ts';
import type { CrmTenantSync } from '../../crm/tenant-sync.ts';
import type { Route } from '../../feature-module.ts';
import type { ErrorInboxRepository } from '../../inbox/error-inbox.repo.ts';
import type { Config } from '../../platform/config/env.ts';
import type { CadenceTasks } from '../../platform/jobs/cadence.job.ts';
import type { JobContext, JobDefinition, JobQueue } from '../../platform/jobs/job-queue.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { AuditLogRepository } from '../../platform/store/audit-log.repo.ts';
import { CardKeysRepository } from '../../platform/store/card-keys.repo.ts';
import { CheckpointsRepository } from '../../platform/store/checkpoints.repo.ts';
import type { Database, Store } from '../../platform/store/database.ts';
import { OAuthStatesRepository } from '../../platform/store/oauth-states.repo.ts';
import { withTenantLock } from '../../platform/store/tenant-lock.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import type { TokenCipher } from '../../platform/store/token-cipher.ts';
import { SalesforceConnections, toStored } from './salesforce-connections.ts';
import { SALESFORCE_POLL_JOB, salesforcePollJob } from './salesforce-poll.job.ts';

export const SALESFORCE_INSTALL_JOB = 'salesforce.install';
export const SALESFORCE_CALLBACK_PATH = '/oauth/salesforce/callback';

export interface SalesforceProviderDeps {
  db: Database;
  store: Pick<Store, 'kind' | 'db'>;
  cipher: TokenCipher;
  tenants: TenantsRepository;
  audit: AuditLogRepository;
  inbox: ErrorInboxRepository;
  logger: Logger;
}

/**
 * Salesforce as a provider (SPEC §2.6, `sync/providers/salesforce`): one paced client per org behind the CRM port, the
 * OAuth install (web-server flow with PKCE: the verifier sealed in the store with the state, never in the browser),
 * and provisioning + the first reconcile on install, like HubSpot's.
 */
export interface SalesforceProvider {
  connections: SalesforceConnections;
  /** Every ten minutes per tenant: the change poll (Salesforce tenants only; HubSpot ones skip it). */
  cadence: CadenceTasks;
  jobs(
    sync: CrmTenantSync,
    afterChanges: (tenantId: string, context: Pick<JobContext, 'enqueue'>) => Promise<void>,
  ): JobDefinition[];
  routes(options: { publicUrl: string; queue: Pick<JobQueue, 'enqueue'> }): Route[];
}

/** The Salesforce provider, or undefined when no connected app is configured (SALESFORCE_CLIENT_ID…). */
export function createSalesforceProvider(config: Config, deps: SalesforceProviderDeps): SalesforceProvider | undefined {
  const { clientId, clientSecret, loginUrl } = config.salesforce;
  if (!clientId || !clientSecret) return undefined;
  const connections = new SalesforceConnections({
    loginUrl,
    clientId,
    clientSecret,
    tenants: deps.tenants,
    inbox: deps.inbox,
    // One refresh per org across replicas: rotated refresh tokens are single-use.
    lock: (key, work) => withTenantLock(deps.store, key, work),
    onDisconnected: (tenantId, reason) =>
      deps.logger.warn({ tenantId, reason }, 'tenant disconnected: Salesforce refused its refresh token; reconnect it'),
  });
  const states = new OAuthStatesRepository(deps.db, deps.cipher);
  const cardKeys = new CardKeysRepository(deps.db);
  return {
    connections,
    cadence: { frequent: [SALESFORCE_POLL_JOB] },
    jobs: (sync, afterChanges) => [
      crmInstallJob(SALESFORCE_INSTALL_JOB, { tenants: deps.tenants, crm: connections, audit: deps.audit }),
      salesforcePollJob({
        tenants: deps.tenants,
        connections,
        checkpoints: new CheckpointsRepository(deps.db),
        sync,
        afterChanges,
      }),
    ],
    routes: ({ publicUrl, queue }) => {
      const app: SalesforceApp = {
        loginUrl,
        clientId,
        clientSecret,
        redirectUri: `${publicUrl}${SALESFORCE_CALLBACK_PATH}`,
      };
      return [
        {
          path: '/oauth/salesforce',
          handler: salesforceOAuthRouter({
            app,
            states,
            cardKeys,
            tenants: deps.tenants,
            connections,
            queue,
            logger: deps.logger,
          }),
        },
      ];
    },
  };
}

const payloadSchema = z.strictObject({ verifier: z.string().min(43).max(256) });

function salesforceOAuthRouter(deps: {
  app: SalesforceApp;
  states: OAuthStatesRepository;
  cardKeys: CardKeysRepository;
  tenants: TenantsRepository;
  connections: SalesforceConnections;
  queue: Pick<JobQueue, 'enqueue'>;
  logger: Logger;
}): Router {
  const router = express.Router();

  router.get('/install', async (_req, res) => {
    // The state is made first and the verifier sealed under it; the URL carries only its challenge.
    const { url, verifier } = salesforceAuthorizeUrl(deps.app, 'pending');
    const state = await deps.states.create('salesforce', { payload: { verifier } });
    const target = new URL(url);
    target.searchParams.set('state', state);
    res.redirect(302, target.toString());
  });

  router.get('/callback', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    if (typeof query.error === 'string') {
      const description = typeof query.error_description === 'string' ? query.error_description : query.error;
      throw new InvalidInputError(`Salesforce did not authorize the install: ${description.slice(0, 200)}`);
    }
    const code = typeof query.code === 'string' && query.code.length <= 1024 ? query.code : undefined;
    const state = typeof query.state === 'string' && query.state.length <= 128 ? query.state : undefined;
    if (!code || !state) throw new InvalidInputError('the callback has no code or state; start the install again');
    const { payload } = await deps.states.consume('salesforce', state, 'install');
    const { verifier } = payloadSchema.parse(payload);
    const installation = await exchangeSalesforceCode(deps.app, { code, verifier });
    const tenant = await deps.tenants.connect(
      'salesforce',
      installation.orgId,
      toStored({
        accessToken: installation.accessToken,
        refreshToken: installation.refreshToken,
        instanceUrl: installation.instanceUrl,
        orgId: installation.orgId,
        issuedAt: installation.issuedAt,
      }),
    );
    deps.connections.forget(tenant.id);
    // The card's key: a new one on every install (the one before stops working), shown here once, never stored.
    const cardKey = await deps.cardKeys.issue(tenant.id);
    await deps.queue.enqueue(SALESFORCE_INSTALL_JOB, { tenantId: tenant.id }, { key: `${tenant.id}:${Date.now()}` });
    deps.logger.info({ tenantId: tenant.id }, 'Salesforce org installed');
    res.status(200).type('html').set('Cache-Control', 'no-store').send(installedPage(installation.orgId, cardKey));
  });
  return router;
}

/**
 * The install's answer: what happens next, and the card key once (the admin pastes it into the org's External
 * Credential; see extensions/salesforce/README.md). Both values are plain [A-Za-z0-9_-]: nothing to escape.
 */
function installedPage(orgId: string, cardKey: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PartnerLoop installed</title></head><body>' +
    `<h1>PartnerLoop is installed</h1><p>Salesforce org ${orgId} is connected. PartnerLoop is creating its fields ` +
    'and reading your opportunities.</p>' +
    '<h2>Connect the partner card</h2><p>Copy this key into the <code>OrgKey</code> parameter of the ' +
    '<code>PartnerLoop</code> External Credential in Salesforce Setup. It is shown only now; installing again issues ' +
    `a new one and retires this one.</p><p><code id="card-key">${cardKey}</code></p></body></html>`
  );
}
