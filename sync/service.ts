import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrmConnections } from './crm/crm-connections.ts';
import type { Route, SignedApiContext } from './feature-module.ts';
import { createFeatures, type Features, type FeatureTestKnobs } from './features.ts';
import { ErrorInboxRepository } from './inbox/error-inbox.repo.ts';
import type { Config } from './platform/config/env.ts';
import { describeConfig } from './platform/config/env.ts';
import { createApp } from './platform/http/app.ts';
import { createMetrics } from './platform/http/metrics.ts';
import { type ApiBudget, DEFAULT_API_BUDGET, TenantThrottle } from './platform/http/tenant-throttle.ts';
import { type CadenceTasks, cadenceJob } from './platform/jobs/cadence.job.ts';
import { type JobDefinition, JobQueue, type JobQueueOptions } from './platform/jobs/job-queue.ts';
import { DEFAULT_SCHEDULES, type ScheduleDefinition, Scheduler } from './platform/jobs/schedules.ts';
import { createLogger, type Logger } from './platform/log/logger.ts';
import { openPlatform } from './platform/platform.ts';
import type { AuditLogRepository } from './platform/store/audit-log.repo.ts';
import type { Store } from './platform/store/database.ts';
import { withStartupLock } from './platform/store/startup-lock.ts';
import type { TenantsRepository } from './platform/store/tenants.repo.ts';
import { createHubSpotProvider, type HubSpotProvider } from './providers/hubspot/hubspot.provider.ts';
import { createSalesforceProvider, type SalesforceProvider } from './providers/salesforce/salesforce.provider.ts';
import { statusPageRoute } from './reports/operator-home.module.ts';
import { AdminRoles } from './roles/admin-roles.ts';

export { encryptionKey } from './platform/platform.ts';

export interface ServiceOptions {
  logger?: Logger;
  /** Whether this instance works jobs (default true; a web-only replica sets false). */
  worker?: boolean;
  /** Schedules to run; `false` runs none (some tests, web-only replicas). */
  schedules?: readonly ScheduleDefinition[] | false;
  /** Tests and benchmarks only: shorter timers, pinned clocks, replaced writers, extra jobs. */
  testing?: ServiceTestKnobs;
}

/** Knobs only tests and benchmarks turn (production takes everything from the environment). */
export interface ServiceTestKnobs extends FeatureTestKnobs {
  /** Extra job kinds. */
  jobs?: readonly JobDefinition[];
  /** Replaces the per-tenant tasks of each cadence. */
  cadenceTasks?: CadenceTasks;
  /** pg-boss tuning. */
  queue?: Pick<JobQueueOptions, 'schema' | 'maintenanceIntervalSeconds' | 'pollingIntervalSeconds' | 'leases'>;
  /** Clock for signatures and OAuth state expiry. */
  now?: () => number;
  /** Per-portal request budget of the signed API (default 100 requests / 10 s; `false` = unthrottled). */
  apiBudget?: ApiBudget | false;
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
  /** The configured CRM providers (HubSpot when its app credentials are set). */
  providers: { hubspot?: HubSpotProvider; salesforce?: SalesforceProvider };
  /** Every feature over the CRM port; absent when no CRM is configured. */
  features: Features | undefined;
  logger: Logger;
  /** The mounted routers, in order (the tenant-isolation test walks the signed ones). */
  routes: readonly Route[];
  /** Graceful stop: no new requests, schedules stopped, in-flight jobs finished, database closed. */
  stop(): Promise<void>;
}

/**
 * The composition root: platform (store, tenants, audit, cipher) → job queue → CRM providers and the port →
 * feature modules → jobs registered, routes mounted, workers and schedules started.
 */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const knobs = options.testing ?? {};
  logger.info({ config: describeConfig(config) }, 'starting partnerloop');

  const platform = await openPlatform(config, logger);
  const { store, tenants, audit } = platform;
  const cleanup: Array<() => Promise<void>> = [() => store.close()];
  try {
    const queue = await JobQueue.start({
      executor: store.executor,
      logger,
      exclusive: (work) => withStartupLock(store, work),
      ...knobs.queue,
    });
    cleanup.unshift(() => queue.stop());

    const hubspot = createHubSpotProvider(config, platform);
    const salesforce = createSalesforceProvider(config, { ...platform, inbox: new ErrorInboxRepository(store.db) });
    const crm = new CrmConnections({
      ...(hubspot ? { hubspot: hubspot.connections } : {}),
      ...(salesforce ? { salesforce: salesforce.connections } : {}),
    });
    const features = crm.configured ? createFeatures(platform, crm, queue, knobs) : undefined;
    const jobs = [
      cadenceJob({
        db: store.db,
        cadenceTasks: knobs.cadenceTasks ?? { ...(features?.cadence ?? {}), ...(salesforce?.cadence ?? {}) },
        activeTenantIds: async () => (await tenants.listActive()).map((tenant) => tenant.id),
      }),
      ...(features
        ? [
            ...features.jobs,
            ...(hubspot?.jobs(features.sync, features.afterChanges) ?? []),
            ...(salesforce?.jobs(features.sync, features.afterChanges) ?? []),
          ]
        : []),
    ];
    // A test's job of the same name replaces the feature's.
    const replaced = new Set((knobs.jobs ?? []).map((job) => job.name));
    await queue.register([...jobs.filter((job) => !replaced.has(job.name)), ...(knobs.jobs ?? [])]);

    const scheduler = new Scheduler(
      options.schedules === false ? [] : (options.schedules ?? DEFAULT_SCHEDULES),
      queue,
      logger,
    );
    // Loaded before listening (a request must never meet a half-mounted app), and only in sandbox mode: production
    // code never imports sandbox/ statically (SPEC §3).
    const localPreviews = config.sandbox
      ? // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
        await import('../sandbox/previews/local-routes.ts')
      : undefined;
    const server = await listen(config.port);
    cleanup.unshift(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    // With PORT=0 and no PUBLIC_URL, the origin HubSpot (or the sandbox) signs against is the port we got.
    const publicUrl = config.publicUrl.endsWith(':0') ? config.publicUrl.replace(/:0$/, `:${port}`) : config.publicUrl;
    const routes: Route[] = [];
    // The API's per-tenant budget, and the admin checks of settings and overrides (SPEC §2.6), for both CRMs.
    const throttle =
      knobs.apiBudget === false ? undefined : new TenantThrottle(knobs.apiBudget ?? DEFAULT_API_BUDGET, knobs.now);
    const roles = new AdminRoles({
      lookup: (tenantId, userId) => crm.connector(tenantId).user(userId),
      isForbidden: (tenantId, error) => crm.connector(tenantId).isForbidden(error),
    });
    // Sandbox mode only: the local Salesforce card preview, ahead of HubSpot's `/preview` (a prefix of its path).
    if (localPreviews && salesforce && features) {
      routes.push(
        ...localPreviews.salesforcePreviewRoutes({ db: store.db, tenants, serviceUrl: url, publicUrl, logger }),
      );
    }
    if (hubspot && features) {
      const api: SignedApiContext = {
        signing: {
          clientSecret: hubspot.clientSecret,
          publicUrl,
          tenants,
          ...(knobs.now ? { now: knobs.now } : {}),
          throttle,
          roles,
        },
        queue,
        serviceUrl: url,
        appId: hubspot.appId,
      };
      routes.push(...hubspot.routes(api, knobs.now ? { now: knobs.now } : {}), ...features.routes(api));
      // Sandbox mode only, never against a real HubSpot app: the local card preview and the operator home at `/`.
      if (localPreviews) routes.push(...localPreviews.localPreviewRoutes({ ...api, db: store.db, logger }));
    }
    // The Salesforce install, and the card's API for the org's Apex (behind the org's card key).
    if (salesforce) routes.push(...salesforce.routes({ publicUrl, queue }));
    if (salesforce && features) routes.push(...features.salesforceRoutes({ roles, throttle }));
    // Outside sandbox mode `/` is a small status page for a browser.
    if (!routes.some((route) => route.path === '/')) {
      routes.push(
        statusPageRoute({ publicUrl, database: store.kind, tenants, hubspotConfigured: hubspot !== undefined }),
      );
    }
    server.on('request', createApp({ store, logger, metrics: createMetrics(), routes }));

    if (options.worker !== false) await queue.work();
    scheduler.start();
    cleanup.unshift(() => scheduler.stop());

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
      providers: { ...(hubspot ? { hubspot } : {}), ...(salesforce ? { salesforce } : {}) },
      features,
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
