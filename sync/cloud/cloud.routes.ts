import express, { type Router } from 'express';
import { parseInput } from '../../src/shared/errors.ts';
import { actorOf } from '../card/card.routes.ts';
import { type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import type { AwsAceCoSell, AwsPollResult, MotionMover } from './aws-ace.cosell.ts';
import { awsConnectionInputSchema, type ProgrammeConnectionsRepository } from './programme-connections.repo.ts';

export interface CloudRoutesDeps extends SignedApiDeps {
  roles: AdminRoles;
  connections: ProgrammeConnectionsRepository;
  aws: AwsAceCoSell;
  motions: MotionMover;
  /** Writes the cloud values of these deals to the CRM (changed values only). */
  writeStatus(tenantId: string, dealIds: readonly string[]): Promise<unknown>;
  /** The stand-in's loopback endpoint may be given only in sandbox mode. */
  sandbox: boolean;
}

/**
 * Programme connections (`/api/programmes`, signed; tenant from the signed `portalId`): connecting one is an
 * admin's (credentials are sealed at rest and never read back), and an operator can ask for a poll now.
 */
export function cloudSettingsRouter(deps: CloudRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));

  router.get('/', async (_req, res) => {
    const tenant = tenantOf(res);
    const aws = (await deps.connections.isConnected(tenant.id, 'aws_ace'))
      ? await deps.connections.view(tenant.id, 'aws_ace')
      : { programme: 'aws_ace', connected: false };
    res.json({ programmes: [aws, { programme: 'microsoft_referrals', connected: false }] });
  });

  const connect = requireAdmin(deps.roles, 'connect a co-sell programme');
  router.put('/aws', connect, async (req, res) => {
    const tenant = tenantOf(res);
    const input = parseInput(awsConnectionInputSchema, req.body, { what: 'AWS connection' });
    res.json(await deps.connections.setAws(tenant.id, input, actorOf(req), { allowEndpoint: deps.sandbox }));
  });

  // What AWS changed since the last poll, at once (the cadence polls hourly).
  router.post('/aws/poll', async (_req, res) => {
    const tenant = tenantOf(res);
    const result: AwsPollResult = await deps.aws.poll(tenant.id, deps.motions);
    if (result.dealIds.length > 0) await deps.writeStatus(tenant.id, result.dealIds);
    res.json(result);
  });
  return router;
}
