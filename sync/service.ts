import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from './config/env.ts';
import { describeConfig } from './config/env.ts';
import { createApp } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { type CadenceTasks, cadenceJob } from './jobs/cadence.job.ts';
import { type JobDefinition, JobQueue } from './jobs/job-queue.ts';
import { DEFAULT_SCHEDULES, type ScheduleDefinition, Scheduler } from './jobs/schedules.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { openStore, type Store } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import { TenantsRepository } from './store/tenants.repo.ts';
import { TokenCipher } from './store/token-cipher.ts';

export interface ServiceOptions {
  logger?: Logger;
  /** Extra job kinds (later features, tests). */
  jobs?: readonly JobDefinition[];
  cadenceTasks?: CadenceTasks;
  /** Schedules to run; `false` runs none (CLI one-shots, some tests). */
  schedules?: readonly ScheduleDefinition[] | false;
  /** pg-boss tuning, lowered by tests. */
  queue?: { schema?: string; maintenanceIntervalSeconds?: number; pollingIntervalSeconds?: number };
  /** Whether this instance works jobs (default true). */
  worker?: boolean;
}

export interface Service {
  url: string;
  port: number;
  store: Store;
  queue: JobQueue;
  scheduler: Scheduler;
  tenants: TenantsRepository;
  logger: Logger;
  /** Graceful stop: no new requests, schedules stopped, in-flight jobs finished, database closed. */
  stop(): Promise<void>;
}

export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'starting partnerloop');

  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
  const cleanup: Array<() => Promise<void>> = [() => store.close()];
  try {
    const { applied } = await migrateToLatest(store.db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');

    const tenants = new TenantsRepository(store.db, new TokenCipher(encryptionKey(config, logger)));
    const metrics = createMetrics();
    const jobs: JobDefinition[] = [
      cadenceJob({
        db: store.db,
        cadenceTasks: options.cadenceTasks ?? {},
        activeTenantIds: async () => (await tenants.listActive()).map((tenant) => tenant.id),
      }),
      ...(options.jobs ?? []),
    ];
    const queue = await JobQueue.start({ executor: store.executor, logger, ...options.queue }, jobs);
    cleanup.unshift(() => queue.stop());

    const scheduler = new Scheduler(
      options.schedules === false ? [] : (options.schedules ?? DEFAULT_SCHEDULES),
      queue,
      logger,
    );
    const app = createApp({ store, logger, metrics });
    const server = await listen(app, config.port);
    cleanup.unshift(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;

    if (options.worker !== false) await queue.work();
    scheduler.start();
    cleanup.unshift(() => scheduler.stop());

    const url = `http://127.0.0.1:${port}`;
    logger.info({ url, database: store.kind }, 'partnerloop is ready');
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      store,
      queue,
      scheduler,
      tenants,
      logger,
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

function listen(app: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.once('error', reject);
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
function encryptionKey(config: Config, logger: Logger): Buffer {
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
