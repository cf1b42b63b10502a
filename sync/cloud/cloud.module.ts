import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CloudLink, CloudProgramme, ProgrammeSide } from '../../src/cosell/cloud-reconciliation.ts';
import { type MotionTarget, programmeKindOf } from '../../src/cosell/motion-targets.ts';
import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { FeatureModule } from '../feature-module.ts';
import type { ErrorInboxRepository, InboxRetry } from '../inbox/error-inbox.repo.ts';
import { defineTenantJob } from '../platform/jobs/tenant-job.ts';
import type { Logger } from '../platform/log/logger.ts';
import { OAuthStatesRepository } from '../platform/store/oauth-states.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { TokenCipher } from '../platform/store/token-cipher.ts';
import { AwsAceCoSell } from './aws-ace.cosell.ts';
import { AWS_ACCEPT_JOB, AwsInvitations, type AwsPassResult, type MotionStarter } from './aws-invitations.ts';
import { cloudSettingsRouter, MICROSOFT_CALLBACK_PATH, microsoftCallbackRouter } from './cloud.routes.ts';
import { CloudOpportunitiesRepository } from './cloud-opportunities.repo.ts';
import { CloudStatusWriter } from './cloud-writer.ts';
import { MicrosoftReferralsCoSell } from './microsoft-referrals.cosell.ts';
import { ProgrammeConnectionsRepository } from './programme-connections.repo.ts';
import { ProgrammeRecordsRepository } from './programme-records.repo.ts';

export const AWS_POLL_JOB = 'cloud.aws.poll';
export const MICROSOFT_POLL_JOB = 'cloud.microsoft.poll';

/** The cloud programmes' store side, built before co-sell (which sends through their targets) and the tenant sync. */
export interface CloudStore {
  connections: ProgrammeConnectionsRepository;
  opportunities: CloudOpportunitiesRepository;
  /** What the programmes hold (all their opportunities, inbound invitations), as the polls last listed it. */
  records: ProgrammeRecordsRepository;
  aws: AwsAceCoSell;
  microsoft: MicrosoftReferralsCoSell;
  /** `pl_cloud_status`, `pl_aws_opportunity_id`, `pl_microsoft_referral_id`. */
  writer: CloudStatusWriter;
  /** The programme motion targets co-sell delivers to. */
  targets: readonly MotionTarget[];
}

export function createCloudStore(
  db: Kysely<StoreSchema>,
  cipher: TokenCipher,
  deps: {
    mirror: Pick<CrmMirrorRepository, 'findDeal'>;
    logger: Logger;
    /** PartnerLoop's own AWS keys (AWS_ACCESS_KEY_ID…) for assuming customers' roles. */
    awsRoleSource?: { accessKeyId: string; secretAccessKey: string } | undefined;
    /** PartnerLoop's Entra app (MICROSOFT_CLIENT_ID…) for signing in to partners' tenants. */
    microsoftApp?: { clientId: string; clientSecret: string } | undefined;
    inbox: ErrorInboxRepository;
  },
): CloudStore {
  const connections = new ProgrammeConnectionsRepository(db, cipher);
  const opportunities = new CloudOpportunitiesRepository(db);
  const records = new ProgrammeRecordsRepository(db);
  const aws = new AwsAceCoSell({
    connections,
    opportunities,
    records,
    mirror: deps.mirror,
    logger: deps.logger,
    roleSource: deps.awsRoleSource,
    inbox: deps.inbox,
  });
  const microsoft = new MicrosoftReferralsCoSell({
    connections,
    opportunities,
    records,
    inbox: deps.inbox,
    states: new OAuthStatesRepository(db, cipher),
    mirror: deps.mirror,
    logger: deps.logger,
    app: deps.microsoftApp,
  });
  return {
    connections,
    opportunities,
    records,
    aws,
    microsoft,
    writer: new CloudStatusWriter(opportunities),
    targets: [aws.target(), microsoft.target()],
  };
}

/**
 * The programme side of the weekly cross-cloud reconciliation (SPEC §2.7): what the polls mirrored, the links our
 * sends and accepted invitations made, and which deals run a programme co-sell. Null when nothing is connected.
 */
export async function cloudReconciliationInputs(
  store: CloudStore,
  motions: { programmeMotions(tenantId: string): Promise<Array<{ dealId: string; programme: string }>> },
  tenantId: string,
): Promise<ProgrammeSide | null> {
  const programmes = await store.connections.connectedProgrammes(tenantId);
  if (programmes.length === 0) return null;
  const [opportunities, sent, invitations, running] = await Promise.all([
    store.records.opportunities(tenantId),
    store.opportunities.forDeals(tenantId, 'all'),
    store.records.invitations(tenantId, { status: ['accepted'] }),
    motions.programmeMotions(tenantId),
  ]);
  const links: CloudLink[] = [
    ...sent.flatMap((row) =>
      row.external_id === null
        ? []
        : [{ programme: row.programme, opportunityId: row.external_id, dealId: row.deal_id }],
    ),
    ...invitations.flatMap((row) =>
      row.opportunity_id === null || row.deal_id === null
        ? []
        : [{ programme: row.programme, opportunityId: row.opportunity_id, dealId: row.deal_id }],
    ),
  ];
  const coSellDeals = new Map<string, Set<CloudProgramme>>();
  for (const motion of running) {
    const kind = programmeKindOf(motion.programme);
    if (kind === null) continue;
    const set = coSellDeals.get(motion.dealId) ?? new Set<CloudProgramme>();
    set.add(kind);
    coSellDeals.set(motion.dealId, set);
  }
  return { programmes, opportunities, links, coSellDeals };
}

export interface CloudModuleDeps {
  tenants: Pick<TenantsRepository, 'find'>;
  motions: MotionStarter;
  writeStatus(tenantId: string, dealIds: readonly string[]): Promise<unknown>;
  crm: CrmConnectors;
  mirror: Pick<CrmMirrorRepository, 'liveDeals'>;
  /** Reads these deals from the CRM into the mirror and writes their values back. */
  refreshDeals(tenantId: string, dealIds: readonly string[]): Promise<unknown>;
  logger: Logger;
  sandbox: boolean;
  /** Where the service is reached from a browser (the Microsoft sign-in's redirect comes back there). */
  publicUrl: string;
}

/**
 * Cloud co-sell programmes (SPEC §2.7): the hourly poll of each connected programme (motions follow the programme's
 * review, approved records follow the deal) and the programme connection settings.
 */
export interface CloudModule extends FeatureModule {
  /** The error inbox's retry of records the programmes refused. */
  inboxRetries: { aws_ace: InboxRetry; microsoft_referrals: InboxRetry };
}

export function createCloudModule(store: CloudStore, deps: CloudModuleDeps): CloudModule {
  const invitations = new AwsInvitations({
    connections: store.connections,
    records: store.records,
    opportunities: store.opportunities,
    aws: store.aws,
    crm: (tenantId) => deps.crm.connector(tenantId),
    liveDeals: async (tenantId) => (await deps.mirror.liveDeals(tenantId)).map((entry) => entry.deal),
    refreshDeals: deps.refreshDeals,
    logger: deps.logger,
  });
  const pass = async (tenantId: string): Promise<AwsPassResult> => {
    const result = await store.aws.poll(tenantId, deps.motions);
    const listed = await invitations.list(tenantId);
    const resumed = await invitations.resume(tenantId, deps.motions);
    if (result.dealIds.length > 0) await deps.writeStatus(tenantId, result.dealIds);
    return { ...result, invitations: listed, acceptancesResumed: resumed };
  };
  const accept = defineTenantJob(deps.tenants, {
    name: AWS_ACCEPT_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), invitationId: z.string().min(1) }),
    retryLimit: 4,
    retryDelaySeconds: 30,
    expireInSeconds: 15 * 60,
    async handle({ tenantId, invitationId }, context) {
      const outcome = await invitations.accept(tenantId, invitationId, deps.motions);
      context.logger.info({ tenantId, invitationId, ...outcome }, 'AWS invitation acceptance ran');
      return outcome;
    },
  });
  const microsoftPoll = defineTenantJob(deps.tenants, {
    name: MICROSOFT_POLL_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), periodKey: z.string().min(1) }),
    retryLimit: 4,
    retryDelaySeconds: 60,
    expireInSeconds: 15 * 60,
    async handle({ tenantId }, context) {
      if (!(await store.connections.isConnected(tenantId, 'microsoft_referrals'))) return { connected: false };
      const result = await store.microsoft.poll(tenantId, deps.motions);
      if (result.dealIds.length > 0) await deps.writeStatus(tenantId, result.dealIds);
      context.logger.info({ tenantId, ...result, dealIds: result.dealIds.length }, 'Microsoft referrals poll finished');
      return { ...result, dealIds: result.dealIds.length };
    },
  });
  const poll = defineTenantJob(deps.tenants, {
    name: AWS_POLL_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), periodKey: z.string().min(1) }),
    retryLimit: 4,
    retryDelaySeconds: 60,
    expireInSeconds: 15 * 60,
    async handle({ tenantId }, context) {
      if (!(await store.connections.isConnected(tenantId, 'aws_ace'))) return { connected: false };
      const result = await pass(tenantId);
      context.logger.info({ tenantId, ...result, dealIds: result.dealIds.length }, 'AWS ACE poll finished');
      return { ...result, dealIds: result.dealIds.length };
    },
  });
  return {
    inboxRetries: {
      aws_ace: (tenantId, objectType, recordId) => store.aws.retry(tenantId, objectType, recordId, deps.motions),
      microsoft_referrals: (tenantId, objectType, recordId) =>
        store.microsoft.retry(tenantId, objectType, recordId, deps.motions),
    },
    jobs: [poll, accept, microsoftPoll],
    cadence: { hourly: [AWS_POLL_JOB, MICROSOFT_POLL_JOB] },
    routes: ({ signing, queue }) => [
      {
        path: '/api/programmes',
        ownBody: true,
        handler: cloudSettingsRouter({
          ...signing,
          connections: store.connections,
          records: store.records,
          verifyAws: (connection) => store.aws.verify(connection),
          invitations,
          pass,
          queue,
          sandbox: deps.sandbox,
          microsoft: store.microsoft,
          microsoftRedirectUri: `${deps.publicUrl}${MICROSOFT_CALLBACK_PATH}`,
          writeStatus: deps.writeStatus,
          motions: deps.motions,
        }),
      },
      {
        path: '/oauth/microsoft',
        ownBody: false,
        handler: microsoftCallbackRouter({ microsoft: store.microsoft, logger: deps.logger }),
      },
    ],
  };
}
