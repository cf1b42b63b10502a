import type { CrmConnectors } from '../src/crm/crm-connector.ts';
import {
  type AttributionModule,
  attributionWriters,
  createAttributionModule,
} from './attribution/attribution.module.ts';
import { CardRepository } from './card/card.repo.ts';
import { cardRouter } from './card/card.routes.ts';
import { salesforceCardGuard } from './card/salesforce-card.guard.ts';
import {
  type CloudStore,
  cloudReconciliationInputs,
  createCloudModule,
  createCloudStore,
} from './cloud/cloud.module.ts';
import { type CoSellModule, createCoSellModule, createCoSellStore } from './cosell/cosell.module.ts';
import { crmInboxRetry } from './crm/crm-inbox-retry.ts';
import { CrmMirrorRepository } from './crm/crm-mirror.repo.ts';
import { RECONCILE_JOB, reconcileJob } from './crm/reconcile.job.ts';
import { CrmTenantSync, type DealWriter } from './crm/tenant-sync.ts';
import { createDedupeModule, type DedupeModule, dedupeWriters } from './dedupe/dedupe.module.ts';
import { type FeatureModule, mergeCadences, type Route, type SignedApiContext } from './feature-module.ts';
import { ErrorInboxRepository } from './inbox/error-inbox.repo.ts';
import { createInboxModule, errorInboxRouter } from './inbox/inbox.module.ts';
import type { Config } from './platform/config/env.ts';
import { signedApi } from './platform/http/hubspot-signature.middleware.ts';
import type { TenantThrottle } from './platform/http/tenant-throttle.ts';
import type { CadenceTasks } from './platform/jobs/cadence.job.ts';
import type { JobContext, JobDefinition, JobQueue } from './platform/jobs/job-queue.ts';
import type { Logger } from './platform/log/logger.ts';
import type { AuditLogRepository } from './platform/store/audit-log.repo.ts';
import { CardKeysRepository } from './platform/store/card-keys.repo.ts';
import type { Database } from './platform/store/database.ts';
import { refreshPlannerStatistics } from './platform/store/planner-statistics.ts';
import type { TenantsRepository } from './platform/store/tenants.repo.ts';
import type { TokenCipher } from './platform/store/token-cipher.ts';
import { runLoopsAfterInstall } from './reports/operator-home.module.ts';
import { createReportsModule, type ReportsModule } from './reports/reports.module.ts';
import { RosterDecisions, rosterActionWriter } from './reports/roster-actions.ts';
import type { AdminRoles } from './roles/admin-roles.ts';
import {
  createScoringFeatures,
  createScoringModule,
  type ScoringModule,
  type ScoringOptions,
} from './scoring/scoring.module.ts';

/** The service's platform: its store, tenants, audit log, the one token cipher, and the logger. */
export interface Platform {
  config: Config;
  db: Database;
  tenants: TenantsRepository;
  audit: AuditLogRepository;
  cipher: TokenCipher;
  logger: Logger;
}

/** Tests' and benchmarks' knobs of the features (never set in production). */
export interface FeatureTestKnobs {
  /** Replaces the deal write-backs every reconcile and webhook drain runs (company write-backs are then left out). */
  dealWriters?: readonly DealWriter[];
  /** Partner scoring: the refresh debounce and the as-of clock. */
  scoring?: ScoringOptions;
  /** The debounce of the incremental dedupe pass after webhook changes (default 30 s). */
  dedupe?: { debounceSeconds?: number };
}

/** Every feature, over the CRM port: what the service mounts and works, and what the CLI and tests drive. */
export interface Features {
  crm: CrmConnectors;
  mirror: CrmMirrorRepository;
  sync: CrmTenantSync;
  attribution: AttributionModule['service'];
  dedupe: DedupeModule['service'];
  dedupeStore: DedupeModule['store'];
  cosell: CoSellModule;
  cloud: CloudStore;
  /** The tenant's error inbox: records a CRM or programme refused. */
  inbox: ErrorInboxRepository;
  scoring: ScoringModule;
  reports: ReportsModule;
  /** The job kinds of every feature, the reconcile included. */
  jobs: readonly JobDefinition[];
  /** The per-tenant tasks of each cadence (nightly reconcile, hourly co-sell sweep, the operator loops). */
  cadence: CadenceTasks;
  /** The signed API of every feature, in mount order. */
  routes(api: SignedApiContext): Route[];
  /**
   * The endpoints a Salesforce org's Apex calls: the card (`/api/salesforce/card`) and the error inbox
   * (`/api/salesforce/errors`), the same routers as HubSpot's behind the org's card key instead of HubSpot's signature;
   * mounted whenever Salesforce is configured, with or without HubSpot.
   */
  salesforceRoutes(options: { roles: AdminRoles; throttle: TenantThrottle | undefined }): Route[];
  /** Portal-wide follow-ups of an incremental change (a webhook drain): debounced scoring and dedupe passes. */
  afterChanges(tenantId: string, context: Pick<JobContext, 'enqueue'>): Promise<void>;
  /** What follows every full reconcile (job and CLI): opt-in merges, then the figures the run reports. */
  afterReconcile(tenantId: string): Promise<Record<string, unknown>>;
}

/**
 * Builds the feature modules in dependency order: first their stores and write-backs, then the CRM-neutral tenant
 * sync that runs those write-backs, then each feature's services, jobs and routes over the sync and the CRM port.
 */
export function createFeatures(
  platform: Platform,
  crm: CrmConnectors,
  queue: Pick<JobQueue, 'enqueue'>,
  knobs: FeatureTestKnobs = {},
): Features {
  const { config, db, tenants, audit, cipher, logger } = platform;
  const mirror = new CrmMirrorRepository(db);
  // Partner webhook secrets are sealed like CRM tokens (AES-256-GCM, tenant id as associated data).
  const cosellStore = createCoSellStore(db, cipher, { allowInsecureHttp: config.sandbox });
  // Programme credentials are sealed the same way; co-sell delivers programme motions through the cloud targets.
  // Records a CRM or programme refused, kept for the operator until they go through (SPEC §2.6).
  const inbox = new ErrorInboxRepository(db);
  const cloudStore = createCloudStore(db, cipher, {
    mirror,
    logger,
    awsRoleSource: config.aws,
    microsoftApp: config.microsoft,
    inbox,
  });
  const attributionStore = attributionWriters({
    db,
    tenants,
    audit,
    logger,
    dealsWithMotions: cosellStore.dealsWithMotions,
  });
  const dedupeStore = dedupeWriters({ db, tenants, mirror, logger });
  const scoringFeatures = createScoringFeatures(db, { tenants, audit, logger }, knobs.scoring);
  const sync = new CrmTenantSync({
    crm,
    mirror,
    logger,
    refreshPlannerStatistics: () => refreshPlannerStatistics(db),
    writers: knobs.dealWriters ?? [
      attributionStore.dealWriter,
      cosellStore.writer,
      cloudStore.writer,
      dedupeStore.dealWriter,
      ...scoringFeatures.dealWriters,
    ],
    // Partner scores and the operator's roster decisions on partner records (full passes only).
    companyWriters: knobs.dealWriters
      ? []
      : [...scoringFeatures.companyWriters, rosterActionWriter(new RosterDecisions(db))],
  });

  const attribution = createAttributionModule({
    db,
    tenants,
    audit,
    logger,
    dealsWithMotions: cosellStore.dealsWithMotions,
    writers: attributionStore,
    mirror,
    sync,
    crm,
  });
  const dedupe = createDedupeModule({
    db,
    tenants,
    mirror,
    logger,
    writers: dedupeStore,
    sync,
    crm,
    audit,
    ...(knobs.dedupe?.debounceSeconds === undefined ? {} : { debounceSeconds: knobs.dedupe.debounceSeconds }),
  });
  const cosell = createCoSellModule(cosellStore, {
    enqueue: queue.enqueue,
    tenants,
    mirror,
    sync,
    logger,
    programmeTargets: cloudStore.targets,
    cloudViews: (tenantId, motionIds) => cloudStore.opportunities.views(tenantId, motionIds),
  });
  cloudStore.aws.onDealChanged = (tenantId, dealId) => cosell.writeStatus(tenantId, [dealId]);
  cloudStore.microsoft.onDealChanged = (tenantId, dealId) => cosell.writeStatus(tenantId, [dealId]);
  const cloud = createCloudModule(cloudStore, {
    tenants,
    motions: cosell.service,
    writeStatus: cosell.writeStatus,
    crm,
    mirror,
    refreshDeals: (tenantId, dealIds) =>
      sync.applyWebhookWork(tenantId, { deals: [...dealIds], companies: [], aliases: [] }),
    logger,
    sandbox: config.sandbox,
    publicUrl: config.publicUrl,
  });
  const scoring = createScoringModule(scoringFeatures, { tenants, mirror, sync });
  const reports = createReportsModule({
    db,
    tenants,
    mirror,
    crm,
    sync,
    audit,
    attribution: attribution.service,
    scoring,
    cosell,
    cloud: (tenantId) => cloudReconciliationInputs(cloudStore, cosell.motions, tenantId),
    pendingInvitations: async (tenantId) =>
      (await cloudStore.records.invitations(tenantId, { status: ['pending'] })).map((row) => ({
        programme: row.programme,
        invitationId: row.invitation_id,
        title: row.title,
        customerName: row.customer_name,
        sender: row.sender,
        expiresAt: row.expires_at,
      })),
    logger,
  });
  const afterReconcile = async (tenantId: string) => ({
    merges: await dedupe.service.mergeEligible(tenantId),
    coverage: await attribution.service.coverage(tenantId),
  });
  const cardDeps = {
    mirror,
    attribution: attribution.service,
    cosell: cosell.service,
    dedupe: dedupe.service,
    scores: scoring.scores,
    cards: new CardRepository(db),
    links: (tenantId: string) => crm.connector(tenantId).links,
  };
  // The CRM sync's own module: the reconcile (nightly, after install, on demand) and the card that joins the features.
  const crmSync: FeatureModule = {
    jobs: [
      reconcileJob({
        tenants,
        sync,
        report: afterReconcile,
        // In sandbox mode the operator loops run once right after the install's first reconcile.
        ...(config.sandbox ? { afterRun: runLoopsAfterInstall } : {}),
      }),
    ],
    // The nightly reconcile is the safety net for lost webhooks.
    cadence: { nightly: [RECONCILE_JOB] },
    routes: ({ signing }) => [
      {
        path: '/api/card',
        ownBody: true,
        handler: cardRouter({ ...cardDeps, roles: signing.roles, guard: signedApi(signing) }),
      },
    ],
  };
  // Mount order matters only where paths nest: the operator home's /api/reports/home comes with the reports module.
  const inboxRetries = { ...cloud.inboxRetries, salesforce: crmInboxRetry(sync, inbox, 'salesforce') };
  const inboxModule = createInboxModule(inbox, inboxRetries);
  const modules: FeatureModule[] = [crmSync, cosell, cloud, dedupe, attribution, reports, scoring, inboxModule];
  return {
    crm,
    mirror,
    sync,
    attribution: attribution.service,
    dedupe: dedupe.service,
    dedupeStore: dedupe.store,
    cosell,
    cloud: cloudStore,
    inbox,
    scoring,
    reports,
    jobs: modules.flatMap((module) => module.jobs),
    cadence: mergeCadences(modules),
    routes: (api) => modules.flatMap((module) => module.routes(api)),
    salesforceRoutes: ({ roles, throttle }) => {
      const guard = salesforceCardGuard({ tenants, keys: new CardKeysRepository(db), throttle });
      return [
        { path: '/api/salesforce/card', ownBody: true, handler: cardRouter({ ...cardDeps, roles, guard }) },
        {
          path: '/api/salesforce/errors',
          ownBody: true,
          handler: errorInboxRouter({ guard, roles, inbox, retries: inboxRetries }),
        },
      ];
    },
    async afterChanges(tenantId, context) {
      await scoring.afterChanges(tenantId, context);
      // Only when a burst left deals noted (small rounds were compared inline).
      await dedupe.afterChanges(tenantId, context);
    },
    afterReconcile,
  };
}
