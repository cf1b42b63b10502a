import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readUserRole } from '../src/crm/hubspot/hubspot-users.ts';
import { AttributionRepository } from './attribution/attribution.repo.ts';
import { AttributionService } from './attribution/attribution.service.ts';
import { attributionWriter } from './attribution/attribution-writer.ts';
import { attributionAdminRouter, cardRouter } from './card/card.routes.ts';
import type { Config } from './config/env.ts';
import { describeConfig } from './config/env.ts';
import { coSellOperatorRouter } from './cosell/cosell.routes.ts';
import { type CoSellFeatures, createCoSellFeatures, createCoSellStore } from './cosell/cosell-features.ts';
import { COSELL_SWEEP_JOB } from './cosell/cosell-sweep.job.ts';
import { CrmMirrorRepository } from './crm/crm-mirror.repo.ts';
import { HubSpotConnections } from './providers/hubspot/hubspot-connections.ts';
import { type DealWriter, HubSpotTenantSync } from './crm/tenant-sync.ts';
import { RECONCILE_JOB, reconcileJob } from './crm/reconcile.job.ts';
import { DedupeRepository } from './dedupe/dedupe.repo.ts';
import { dedupeAdminRouter } from './dedupe/dedupe.routes.ts';
import { DedupeService } from './dedupe/dedupe.service.ts';
import { dedupeRefreshJob, scheduleDedupeRefresh } from './dedupe/dedupe-refresh.job.ts';
import { dedupeWriter } from './dedupe/dedupe-writer.ts';
import { type AppDeps, createApp } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { type ApiBudget, DEFAULT_API_BUDGET, TenantThrottle } from './http/tenant-throttle.ts';
import { type CadenceTasks, cadenceJob } from './jobs/cadence.job.ts';
import { type JobContext, type JobDefinition, JobQueue, type JobQueueOptions } from './jobs/job-queue.ts';
import { DEFAULT_SCHEDULES, type ScheduleDefinition, Scheduler } from './jobs/schedules.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { loadHubSpotAppProject } from './providers/hubspot/hubspot-app-project.ts';
import { hubspotInstallJob } from './providers/hubspot/hubspot-install.job.ts';
import { hubspotOAuthRouter, hubspotSettingsRouter } from './providers/hubspot/hubspot-oauth.routes.ts';
import { cardPreviewRouter } from './preview/card-preview.routes.ts';
import {
  operatorHomeApiRoutes,
  operatorHomeLocalRoutes,
  runLoopsAfterInstall,
  statusPageRoute,
} from './reports/operator-home.module.ts';
import { REPORTS_CADENCE_TASKS } from './reports/operator-loop.job.ts';
import { createReportsModule, type ReportsModule } from './reports/reports.module.ts';
import { RosterDecisions, rosterActionWriter } from './reports/roster-actions.ts';
import { AdminRoles } from './roles/admin-roles.ts';
import { scoringRouter } from './scoring/scoring.routes.ts';
import { createScoringFeatures, type ScoringFeatures, type ScoringOptions } from './scoring/scoring-features.ts';
import { scoringRefreshJob } from './scoring/scoring-refresh.job.ts';
import { AuditLogRepository } from './store/audit-log.repo.ts';
import { CheckpointsRepository } from './store/checkpoints.repo.ts';
import { openStore, type Store } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import { withStartupLock } from './store/startup-lock.ts';
import { TenantsRepository } from './store/tenants.repo.ts';
import { TokenCipher } from './store/token-cipher.ts';
import { hubspotWebhooksRouter } from './providers/hubspot/hubspot-webhooks.routes.ts';
import { webhookDrainJob } from './providers/hubspot/webhook-drain.job.ts';
import { WebhookInboxRepository } from './providers/hubspot/webhook-inbox.repo.ts';

export interface ServiceOptions {
  logger?: Logger;
  /** Extra job kinds (later features, tests). */
  jobs?: readonly JobDefinition[];
  cadenceTasks?: CadenceTasks;
  /** Schedules to run; `false` runs none (CLI one-shots, some tests). */
  schedules?: readonly ScheduleDefinition[] | false;
  /** pg-boss tuning, lowered by tests. */
  queue?: Pick<JobQueueOptions, 'schema' | 'maintenanceIntervalSeconds' | 'pollingIntervalSeconds' | 'leases'>;
  /** Whether this instance works jobs (default true). */
  worker?: boolean;
  /** Deal write-backs (attribution, dedupe, scoring) run by reconciles and webhook drains. */
  dealWriters?: readonly DealWriter[];
  /** Partner scoring: the debounce of the refresh after changes and the as-of clock (tests shorten and pin them). */
  scoring?: ScoringOptions;
  /** The debounce of the incremental dedupe pass after webhook changes (default 30 s; tests shorten it). */
  dedupe?: { debounceSeconds?: number };
  /** Clock for signatures and OAuth state expiry (tests). */
  now?: () => number;
  /** Per-portal request budget of the signed API (default 100 requests / 10 s; `false` = unthrottled). */
  apiBudget?: ApiBudget | false;
}

/**
 * Per-tenant tasks of each cadence: the nightly reconcile is the safety net for lost webhooks; the hourly co-sell
 * sweep re-sends stranded partner notifications and brings aging flags to `pl_cosell_status`.
 */
export const DEFAULT_CADENCE_TASKS: CadenceTasks = {
  nightly: [RECONCILE_JOB],
  hourly: [COSELL_SWEEP_JOB],
  // The Operator OS loops (SPEC §2.5): daily queue snapshot, weekly reconciliation, monthly activation, quarterly lift.
  ...REPORTS_CADENCE_TASKS,
};

export interface HubSpotFeatures {
  connections: HubSpotConnections;
  mirror: CrmMirrorRepository;
  sync: HubSpotTenantSync;
  inbox: WebhookInboxRepository;
  attribution: AttributionService;
  dedupe: DedupeService;
  dedupeStore: DedupeRepository;
  afterWebhookChanges: (tenantId: string, context: JobContext) => Promise<void>;
  cosell: CoSellFeatures;
  scoring: ScoringFeatures;
  reports: ReportsModule;
  afterReconcile: (tenantId: string) => Promise<Record<string, unknown>>;
}

export interface Service {
  url: string;
  port: number;
  /** The origin HubSpot signs requests against (PUBLIC_URL, or localhost with the bound port). */
  publicUrl: string;
  store: Store;
  queue: JobQueue;
  scheduler: Scheduler;
  tenants: TenantsRepository;
  audit: AuditLogRepository;
  /** HubSpot install, webhooks and sync; absent when no HubSpot app credentials are configured. */
  hubspot: HubSpotFeatures | undefined;
  logger: Logger;
  /** The mounted routers, in order (the tenant-isolation test walks the signed ones). */
  routes: NonNullable<AppDeps['routes']>;
  /** Graceful stop: no new requests, schedules stopped, in-flight jobs finished, database closed. */
  stop(): Promise<void>;
}

export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'starting partnerloop');

  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
  const cleanup: Array<() => Promise<void>> = [() => store.close()];
  try {
    // Replicas starting together on an empty database set up the schema one at a time (sync/store/startup-lock.ts).
    const { applied } = await withStartupLock(store, () => migrateToLatest(store.db));
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');

    const tenants = new TenantsRepository(store.db, new TokenCipher(encryptionKey(config, logger)));
    const audit = new AuditLogRepository(store.db);
    const metrics = createMetrics();
    // Co-sell enqueues partner notifications; the queue starts after the features whose jobs it runs.
    let started: JobQueue | undefined;
    const enqueue: JobQueue['enqueue'] = async (name, data, enqueueOptions) => {
      if (!started) throw new Error('the job queue is not started yet');
      return started.enqueue(name, data, enqueueOptions);
    };
    const hubspot = hubspotFeatures(config, store, tenants, logger, options.dealWriters, {
      enqueue,
      ...(options.scoring ? { scoring: options.scoring } : {}),
      ...(options.dedupe ? { dedupe: options.dedupe } : {}),
    });
    const jobs: JobDefinition[] = [
      cadenceJob({
        db: store.db,
        cadenceTasks: options.cadenceTasks ?? (hubspot ? DEFAULT_CADENCE_TASKS : {}),
        activeTenantIds: async () => (await tenants.listActive()).map((tenant) => tenant.id),
      }),
      ...(hubspot
        ? [
            hubspotInstallJob({ tenants, connections: hubspot.connections, audit }),
            reconcileJob({
              tenants,
              sync: hubspot.sync,
              report: hubspot.afterReconcile,
              // Issue #14: in sandbox mode the operator loops run once right after the install's first reconcile.
              ...(config.sandbox ? { afterRun: runLoopsAfterInstall } : {}),
            }),
            webhookDrainJob({
              inbox: hubspot.inbox,
              tenants,
              sync: hubspot.sync,
              afterChanges: hubspot.afterWebhookChanges,
            }),
            scoringRefreshJob({ tenants, sync: hubspot.sync }),
            ...hubspot.reports.jobs,
            dedupeRefreshJob({ tenants, mirror: hubspot.mirror, dedupe: hubspot.dedupeStore, sync: hubspot.sync }),
            ...hubspot.cosell.jobs(tenants),
          ]
        : []),
      ...(options.jobs ?? []),
    ];
    const queue = await JobQueue.start(
      { executor: store.executor, logger, exclusive: (work) => withStartupLock(store, work), ...options.queue },
      jobs,
    );
    started = queue;
    cleanup.unshift(() => queue.stop());

    const scheduler = new Scheduler(
      options.schedules === false ? [] : (options.schedules ?? DEFAULT_SCHEDULES),
      queue,
      logger,
    );
    const server = await listen(config.port);
    cleanup.unshift(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;
    // With PORT=0 and no PUBLIC_URL, the origin HubSpot (or the sandbox) signs against is the port we got.
    const publicUrl = config.publicUrl.endsWith(':0') ? config.publicUrl.replace(/:0$/, `:${port}`) : config.publicUrl;
    const routes: Array<NonNullable<AppDeps['routes']>[number]> = [];
    if (hubspot && config.hubspot.clientId && config.hubspot.clientSecret) {
      const connections = hubspot.connections;
      const signing = {
        clientSecret: config.hubspot.clientSecret,
        publicUrl,
        ...(options.now ? { now: options.now } : {}),
        // Issue #19: the signed API's per-portal budget, and the admin checks of settings and overrides.
        throttle:
          options.apiBudget === false
            ? undefined
            : new TenantThrottle(options.apiBudget ?? DEFAULT_API_BUDGET, options.now),
        roles: new AdminRoles({ lookup: (tenantId, userId) => readUserRole(connections.client(tenantId), userId) }),
      };
      const project = loadHubSpotAppProject();
      const operatorHome = {
        signing,
        tenants,
        db: store.db,
        reports: hubspot.reports,
        mirror: hubspot.mirror,
        sync: hubspot.sync,
        connections,
        audit,
        logger,
        serviceUrl: `http://127.0.0.1:${port}`,
        appId: config.hubspot.appId,
      };
      routes.push(
        {
          path: '/webhooks/hubspot',
          ownBody: true,
          handler: hubspotWebhooksRouter({
            ...signing,
            appId: config.hubspot.appId,
            tenants,
            inbox: hubspot.inbox,
            queue,
            logger,
          }),
        },
        {
          path: '/api/settings',
          ownBody: true,
          handler: hubspotSettingsRouter({
            ...signing,
            apiBaseUrl: config.hubspot.apiBaseUrl,
            tenants,
            connections: hubspot.connections,
            audit,
            logger,
          }),
        },
        {
          path: '/api/card',
          ownBody: true,
          handler: cardRouter({
            ...signing,
            tenants,
            mirror: hubspot.mirror,
            attribution: hubspot.attribution,
            cosell: hubspot.cosell.service,
            dedupe: hubspot.dedupe,
            scores: hubspot.scoring.scores,
          }),
        },
        {
          path: '/api/cosell',
          ownBody: true,
          handler: coSellOperatorRouter({
            ...signing,
            tenants,
            mirror: hubspot.mirror,
            cosell: hubspot.cosell.service,
            endpoints: hubspot.cosell.endpoints,
          }),
        },
        {
          path: '/api/dedupe',
          ownBody: true,
          handler: dedupeAdminRouter({ ...signing, tenants, dedupe: hubspot.dedupe }),
        },
        {
          path: '/api/attribution',
          ownBody: true,
          handler: attributionAdminRouter({
            ...signing,
            tenants,
            mirror: hubspot.mirror,
            attribution: hubspot.attribution,
            cosell: hubspot.cosell.service,
            dedupe: hubspot.dedupe,
            scores: hubspot.scoring.scores,
          }),
        },
        // Issue #14: the operator home's API (before /api/reports, which would 404 it) and its pre-signed CSV exports.
        ...operatorHomeApiRoutes(operatorHome),
        {
          path: '/api/reports',
          ownBody: true,
          handler: hubspot.reports.router(signing, queue.enqueue),
        },
        {
          path: '/api/scoring',
          ownBody: true,
          handler: scoringRouter({
            ...signing,
            tenants,
            mirror: hubspot.mirror,
            scoring: hubspot.scoring.service,
            enqueue: queue.enqueue,
          }),
        },
        {
          path: '/oauth/hubspot',
          handler: hubspotOAuthRouter({
            db: store.db,
            clientId: config.hubspot.clientId,
            clientSecret: config.hubspot.clientSecret,
            apiBaseUrl: config.hubspot.apiBaseUrl,
            publicUrl,
            scopes: project.requiredScopes,
            optionalScopes: project.optionalScopes,
            tenants,
            connections: hubspot.connections,
            queue,
            logger,
            ...(options.now ? { now: options.now } : {}),
          }),
        },
      );
      // --- Local card preview (issue #8): sandbox mode only, never mounted against a real HubSpot app.
      if (config.sandbox) {
        routes.push({
          path: '/preview',
          ownBody: true,
          handler: cardPreviewRouter({
            ...signing,
            serviceUrl: `http://127.0.0.1:${port}`,
            appId: config.hubspot.appId,
            tenants,
            db: store.db,
            logger,
          }),
        });
      }
      // --- end local card preview
      // Issue #14: the operator home at / and /operator, sandbox mode only (like the card preview).
      if (config.sandbox) routes.push(...operatorHomeLocalRoutes(operatorHome));
    }
    // Outside sandbox mode `/` is a small status page for a browser.
    if (!routes.some((route) => route.path === '/')) {
      routes.push(
        statusPageRoute({ publicUrl, database: store.kind, tenants, hubspotConfigured: hubspot !== undefined }),
      );
    }
    server.on('request', createApp({ store, logger, metrics, routes }));

    if (options.worker !== false) await queue.work();
    scheduler.start();
    cleanup.unshift(() => scheduler.stop());

    const url = `http://127.0.0.1:${port}`;
    logger.info({ url, database: store.kind }, 'partnerloop is ready');
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      publicUrl,
      store,
      queue,
      scheduler,
      tenants,
      audit,
      hubspot,
      logger,
      routes,
      stop: () => {
        stopping ??= runCleanup(cleanup, logger);
        return stopping;
      },
    };
  } catch (error) {
    await runCleanup(cleanup, logger);
    throw error;
  }
}

export function hubspotFeatures(
  config: Config,
  store: Store,
  tenants: TenantsRepository,
  logger: Logger,
  writers: readonly DealWriter[] | undefined,
  options: {
    enqueue?: JobQueue['enqueue'];
    scoring?: ScoringOptions;
    dedupe?: { debounceSeconds?: number };
  } = {},
): HubSpotFeatures | undefined {
  const { clientId, clientSecret, apiBaseUrl } = config.hubspot;
  if (!clientId || !clientSecret) return undefined;
  const connections = new HubSpotConnections({
    apiBaseUrl,
    clientId,
    clientSecret,
    tenants,
    checkpoints: new CheckpointsRepository(store.db),
    onDisconnected: (tenantId, reason) =>
      logger.warn({ tenantId, reason }, 'tenant disconnected: HubSpot refused its refresh token; it must reinstall'),
  });
  const mirror = new CrmMirrorRepository(store.db);
  const audit = new AuditLogRepository(store.db);
  const attributions = new AttributionRepository(store.db);
  // Partner webhook secrets are sealed like CRM tokens (AES-256-GCM, tenant id as associated data).
  const cosellStore = createCoSellStore(store.db, new TokenCipher(encryptionKey(config, logger)), {
    allowInsecureHttp: config.sandbox,
  });
  const writerDeps = {
    tenants,
    attributions,
    connections,
    audit,
    logger,
    dealsWithMotions: cosellStore.dealsWithMotions,
  };
  // The deal write-backs every reconcile and webhook drain runs (tests may pass their own).
  const dedupeRepo = new DedupeRepository(store.db);
  const scoring = createScoringFeatures(store.db, { tenants, audit, logger }, options.scoring);
  const dealWriters = writers ?? [
    attributionWriter(writerDeps),
    cosellStore.writer,
    dedupeWriter({ tenants, mirror, dedupe: dedupeRepo, logger }),
    ...scoring.dealWriters,
  ];
  // Partner scores on companies (full passes only); left out with custom deal writers (tests, benchmarks).
  // Issue #14: plus the operator's roster decisions (`pl_roster_action`, from the operator home).
  const companyWriters = writers ? [] : [...scoring.companyWriters, rosterActionWriter(new RosterDecisions(store.db))];
  const sync = new HubSpotTenantSync({ connections, mirror, logger, writers: dealWriters, companyWriters });
  const attribution = new AttributionService({ ...writerDeps, mirror, sync });
  const dedupe = new DedupeService({ tenants, mirror, dedupe: dedupeRepo, sync, connections, audit, logger });
  const cosell = createCoSellFeatures(cosellStore, {
    // Without a running queue (CLI one-shots) a change's deliveries stay pending for the next sweep.
    enqueue:
      options.enqueue ??
      (async () => {
        throw new Error('no job queue in this process');
      }),
    mirror,
    sync,
    logger,
  });
  return {
    connections,
    mirror,
    sync,
    inbox: new WebhookInboxRepository(store.db),
    attribution,
    cosell,
    dedupe,
    dedupeStore: dedupeRepo,
    scoring,
    reports: createReportsModule({ db: store.db, tenants, mirror, attribution, scoring, cosell, logger }),
    // Portal-wide follow-ups of a webhook drain that changed records: debounced scoring and dedupe passes.
    afterWebhookChanges: async (tenantId, context) => {
      await scoring.afterChanges(tenantId, context);
      // Only when a burst left deals noted (small rounds were compared inline).
      if ((await dedupeRepo.pending(tenantId, 1)).length > 0) {
        await scheduleDedupeRefresh(context.enqueue, tenantId, options.dedupe);
      }
    },
    // What follows every full reconcile (job and CLI): opt-in merges, then the figures the run reports.
    afterReconcile: async (tenantId) => ({
      merges: await dedupe.mergeEligible(tenantId),
      coverage: await attribution.coverage(tenantId),
    }),
  };
}

async function runCleanup(steps: ReadonlyArray<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      logger.warn({ err: error }, 'error during shutdown');
    }
  }
}

/** Listens before the app exists, so routes can be built with the real port (PORT=0 in tests). */
function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * The key that seals CRM tokens. Outside sandbox mode it must come from TOKEN_ENCRYPTION_KEY (config validation
 * enforces that); in sandbox mode a generated key is kept in DATA_DIR so sandbox tenants survive restarts.
 */
export function encryptionKey(config: Config, logger: Logger): Buffer {
  if (config.tokenEncryptionKey) return config.tokenEncryptionKey;
  if (!config.sandbox) throw new Error('TOKEN_ENCRYPTION_KEY is required outside sandbox mode');
  const path = join(config.dataDir, 'sandbox-token-key');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    const key = randomBytes(32);
    writeFileSync(path, key.toString('base64'), { mode: 0o600 });
    logger.warn(
      { path },
      'sandbox mode: generated a development token key (set TOKEN_ENCRYPTION_KEY for real tenants)',
    );
    return key;
  }
}
