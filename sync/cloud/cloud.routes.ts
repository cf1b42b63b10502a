import express, { type Router } from 'express';
import { z } from 'zod';
import { ConflictError, parseInput } from '../../src/shared/errors.ts';
import { actorOf } from '../card/card.routes.ts';
import { type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import { AWS_ACCEPT_JOB, type AwsInvitations, type AwsPassResult } from './aws-invitations.ts';
import {
  type AwsConnection,
  awsConnectionInputSchema,
  type ProgrammeConnectionsRepository,
} from './programme-connections.repo.ts';
import type { ProgrammeInvitationRow, ProgrammeRecordsRepository } from './programme-records.repo.ts';

export interface CloudRoutesDeps extends SignedApiDeps {
  roles: AdminRoles;
  connections: ProgrammeConnectionsRepository;
  records: Pick<ProgrammeRecordsRepository, 'invitations'>;
  invitations: Pick<AwsInvitations, 'claim'>;
  /** One AWS pass now: the opportunities' poll, the invitations, acceptances cut short. */
  pass(tenantId: string): Promise<AwsPassResult>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** Throws a ValidationError in words when AWS refuses the connection (one cheap read with it). */
  verifyAws(connection: AwsConnection): Promise<void>;
  /** The stand-in's loopback endpoint may be given only in sandbox mode. */
  sandbox: boolean;
}

/** An inbound referral as the operator sees it. */
export interface InvitationView {
  programme: string;
  invitationId: string;
  status: string;
  title: string;
  customerName: string;
  sender: string;
  invitedAt: string;
  expiresAt: string | null;
  opportunityId: string | null;
  dealId: string | null;
  dealCreated: boolean | null;
  lastError: string | null;
}

export function invitationView(row: ProgrammeInvitationRow): InvitationView {
  return {
    programme: row.programme,
    invitationId: row.invitation_id,
    status: row.status,
    title: row.title,
    customerName: row.customer_name,
    sender: row.sender,
    invitedAt: row.invited_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    opportunityId: row.opportunity_id,
    dealId: row.deal_id,
    dealCreated: row.deal_created,
    lastError: row.last_error,
  };
}

/**
 * Programme connections (`/api/programmes`, signed; tenant from the signed `portalId`): connecting one is an
 * admin's (credentials are sealed at rest and never read back), and an operator can ask for a poll now.
 */
/** AWS engagement invitation ids (`engi-…` or an ARN's last part): printable, bounded. */
const invitationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be an AWS invitation id');

export function cloudSettingsRouter(deps: CloudRoutesDeps): Router {
  const router = express.Router();
  router.use(...signedApi(deps));

  router.get('/', async (_req, res) => {
    const tenant = tenantOf(res);
    // Before connecting, the external id the customer's IAM role must require is shown, so the policy comes first.
    const aws = (await deps.connections.isConnected(tenant.id, 'aws_ace'))
      ? await deps.connections.view(tenant.id, 'aws_ace')
      : { programme: 'aws_ace', connected: false, externalId: deps.connections.awsExternalId(tenant.id) };
    res.json({ programmes: [aws, { programme: 'microsoft_referrals', connected: false }] });
  });

  const connect = requireAdmin(deps.roles, 'connect a co-sell programme');
  router.put('/aws', connect, async (req, res) => {
    const tenant = tenantOf(res);
    const input = parseInput(awsConnectionInputSchema, req.body, { what: 'AWS connection' });
    const candidate = deps.connections.awsCandidate(tenant.id, input, { allowEndpoint: deps.sandbox });
    // Tried before it is stored: a role AWS will not let us assume, or keys it does not know, is said now, not at
    // the first co-sell.
    await deps.verifyAws(candidate);
    res.json(await deps.connections.setAws(tenant.id, candidate, actorOf(req)));
  });

  // What AWS changed since the last poll, at once (the cadence polls hourly).
  router.post('/aws/poll', async (_req, res) => {
    const tenant = tenantOf(res);
    if (!(await deps.connections.isConnected(tenant.id, 'aws_ace'))) {
      throw new ConflictError('AWS Partner Central is not connected for this portal.');
    }
    res.json(await deps.pass(tenant.id));
  });

  // Inbound referrals the programmes offer, the ones still open first (soonest to expire first).
  router.get('/invitations', async (_req, res) => {
    const tenant = tenantOf(res);
    const rows = await deps.records.invitations(tenant.id);
    res.json({ invitations: rows.map(invitationView) });
  });

  // Accepting is the operator's word (an admin's, like connecting): checked now, done by a job, answered 202.
  const acceptor = requireAdmin(deps.roles, 'accept an AWS referral');
  router.post('/aws/invitations/:invitationId/accept', acceptor, async (req, res) => {
    const tenant = tenantOf(res);
    const invitationId = parseInput(invitationIdSchema, req.params.invitationId, { what: 'invitation id' });
    const row = await deps.invitations.claim(tenant.id, invitationId, actorOf(req));
    if (row.status === 'accepting') {
      await deps.queue.enqueue(
        AWS_ACCEPT_JOB,
        { tenantId: tenant.id, invitationId },
        { key: `${tenant.id}:${invitationId}` },
      );
    }
    res.status(row.status === 'accepted' ? 200 : 202).json(invitationView(row));
  });
  return router;
}
