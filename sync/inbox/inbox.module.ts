import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseInput } from '../../src/shared/errors.ts';
import type { FeatureModule } from '../feature-module.ts';
import { actorOf, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import { type ErrorInboxRepository, type InboxRetry, type InboxSource, inboxEntry } from './error-inbox.repo.ts';

const SOURCES = ['aws_ace', 'microsoft_referrals', 'salesforce', 'hubspot'] as const satisfies readonly InboxSource[];

const listQuerySchema = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  source: z.enum(SOURCES).optional(),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const keySchema = z.strictObject({
  source: z.enum(SOURCES),
  objectType: z.string().regex(/^[a-z_]{1,40}$/, 'an object type such as cosell_motion'),
  recordId: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'a record id'),
});

/**
 * The error inbox's API (`/api/errors` for HubSpot, `/api/salesforce/errors` for Salesforce orgs; the tenant from
 * the verified caller): every record a CRM or programme
 * refused, with the reason, readable by the tenant's users; retrying one is an admin's (it writes to the CRM or the
 * programme). Each source registers its own retry.
 */
export function errorInboxRouter(deps: {
  /** HubSpot's signature (`signedApi`) or a Salesforce org's card key (`salesforceCardGuard`). */
  guard: RequestHandler[];
  roles: AdminRoles;
  inbox: ErrorInboxRepository;
  retries: Partial<Record<InboxSource, InboxRetry>>;
}): Router {
  const router = express.Router();
  router.use(...deps.guard);

  router.get('/', async (req, res) => {
    const tenant = tenantOf(res);
    const query = parseInput(listQuerySchema, req.query, { what: 'error inbox query' });
    const { total, rows } = await deps.inbox.list(tenant.id, query);
    res.json({ total, offset: query.offset, limit: query.limit, entries: rows.map(inboxEntry) });
  });

  router.post(
    '/:source/:objectType/:recordId/retry',
    requireAdmin(deps.roles, 'retry a refused record'),
    async (req, res) => {
      const tenant = tenantOf(res);
      const key = parseInput(keySchema, req.params, { what: 'error inbox entry' });
      const row = await deps.inbox.get({ tenantId: tenant.id, ...key });
      if (!row) throw new NotFoundError(`No refused ${key.objectType} ${key.recordId} from ${key.source} here.`);
      const retry = deps.retries[key.source];
      if (!retry)
        throw new NotFoundError(`Records refused by ${key.source} are retried by the next sync on their own.`);
      const outcome = await retry(tenant.id, key.objectType, key.recordId, actorOf(res));
      const after = await deps.inbox.get({ tenantId: tenant.id, ...key });
      res.json({ ...outcome, entry: after ? inboxEntry(after) : null });
    },
  );
  return router;
}

export interface InboxModule extends FeatureModule {
  inbox: ErrorInboxRepository;
}

export function createInboxModule(
  inbox: ErrorInboxRepository,
  retries: Partial<Record<InboxSource, InboxRetry>>,
): InboxModule {
  return {
    inbox,
    jobs: [],
    routes: ({ signing }) => [
      {
        path: '/api/errors',
        ownBody: true,
        handler: errorInboxRouter({ guard: signedApi(signing), roles: signing.roles, inbox, retries }),
      },
    ],
  };
}
