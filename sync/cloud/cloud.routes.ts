import express, { type Router } from 'express';
import { z } from 'zod';
import { ConflictError, InvalidInputError, parseInput } from '../../src/shared/errors.ts';
import { actorOf, type SignedApiDeps, signedApi, tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import { type AdminRoles, requireAdmin } from '../roles/admin-roles.ts';
import type { MotionMover } from './aws-ace.cosell.ts';
import { AWS_ACCEPT_JOB, type AwsInvitations, type AwsPassResult } from './aws-invitations.ts';
import type { MicrosoftReferralsCoSell } from './microsoft-referrals.cosell.ts';
import {
  type AwsConnection,
  awsConnectionInputSchema,
  microsoftConnectionInputSchema,
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
  microsoft: MicrosoftReferralsCoSell;
  /** Where Entra sends the admin's browser back (`GET /oauth/microsoft/callback`). */
  microsoftRedirectUri: string;
  writeStatus(tenantId: string, dealIds: readonly string[]): Promise<unknown>;
  motions: MotionMover;
}

export const MICROSOFT_CALLBACK_PATH = '/oauth/microsoft/callback';

/** Sandbox mode only: connect to the Microsoft stand-in instead of Entra (its MSAL options and referrals URL). */
const standInSchema = z.strictObject({
  baseUrl: z.url(),
  auth: z.strictObject({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    authority: z.string().min(1),
    knownAuthorities: z.array(z.string()).optional(),
    authorityMetadata: z.string().optional(),
    cloudDiscoveryMetadata: z.string().optional(),
  }),
});
const microsoftConnectSchema = microsoftConnectionInputSchema.extend({ standIn: standInSchema.optional() });

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

/**
 * `GET /oauth/microsoft/callback`: Entra sends the admin's browser back here with `code` and `state`; the state (single
 * use, 15 minutes) names the tenant and holds the PKCE verifier, so nothing else from the browser is trusted.
 */
export function microsoftCallbackRouter(deps: { microsoft: MicrosoftReferralsCoSell; logger: Logger }): Router {
  const router = express.Router();
  router.get('/callback', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    if (typeof query.error === 'string') {
      const description = typeof query.error_description === 'string' ? query.error_description : query.error;
      throw new InvalidInputError(`Microsoft did not authorize PartnerLoop: ${description.slice(0, 200)}`);
    }
    const code = typeof query.code === 'string' && query.code.length <= 4096 ? query.code : undefined;
    const state = typeof query.state === 'string' && query.state.length <= 128 ? query.state : undefined;
    if (!code || !state) throw new InvalidInputError('the callback has no code or state; start connecting again');
    const { tenantId, view } = await deps.microsoft.finishSignIn(state, code);
    deps.logger.info({ tenantId, programme: 'microsoft_referrals' }, 'Microsoft Partner Center connected');
    res
      .status(200)
      .type('html')
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Microsoft connected</title></head>' +
          `<body><h1>Microsoft Partner Center is connected</h1><p>${escapeHtml(view.credential)}. Co-sell motions ` +
          'with programme "Microsoft" are now sent as referrals. You can close this tab.</p></body></html>',
      );
  });
  return router;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
    const microsoft = (await deps.connections.isConnected(tenant.id, 'microsoft_referrals'))
      ? await deps.connections.view(tenant.id, 'microsoft_referrals')
      : { programme: 'microsoft_referrals', connected: false };
    res.json({ programmes: [aws, microsoft] });
  });

  // Connecting Microsoft is a sign-in in the admin's browser: this answers the URL to open; the callback stores it.
  router.post('/microsoft/connect', requireAdmin(deps.roles, 'connect a co-sell programme'), async (req, res) => {
    const tenant = tenantOf(res);
    const { standIn, ...input } = parseInput(microsoftConnectSchema, req.body, { what: 'Microsoft connection' });
    if (standIn && !deps.sandbox) {
      throw new InvalidInputError('standIn is only accepted in sandbox mode', { details: ['standIn: not allowed'] });
    }
    res.json(
      await deps.microsoft.beginSignIn(tenant.id, input, {
        actor: actorOf(res),
        redirectUri: deps.microsoftRedirectUri,
        standIn: standIn ?? null,
      }),
    );
  });

  router.post('/microsoft/poll', async (_req, res) => {
    const tenant = tenantOf(res);
    if (!(await deps.connections.isConnected(tenant.id, 'microsoft_referrals'))) {
      throw new ConflictError('Microsoft Partner Center is not connected for this portal.');
    }
    const result = await deps.microsoft.poll(tenant.id, deps.motions);
    if (result.dealIds.length > 0) await deps.writeStatus(tenant.id, result.dealIds);
    res.json(result);
  });

  const connect = requireAdmin(deps.roles, 'connect a co-sell programme');
  router.put('/aws', connect, async (req, res) => {
    const tenant = tenantOf(res);
    const input = parseInput(awsConnectionInputSchema, req.body, { what: 'AWS connection' });
    const candidate = deps.connections.awsCandidate(tenant.id, input, { allowEndpoint: deps.sandbox });
    // Tried before it is stored: a role AWS will not let us assume, or keys it does not know, is said now, not at
    // the first co-sell.
    await deps.verifyAws(candidate);
    res.json(await deps.connections.setAws(tenant.id, candidate, actorOf(res)));
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
    const row = await deps.invitations.claim(tenant.id, invitationId, actorOf(res));
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
