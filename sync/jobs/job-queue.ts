import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import type { SqlExecutor } from '../store/database.ts';

export interface JobContext {
  jobId: string;
  /** The idempotency key the job was enqueued with. */
  key: string;
  /** 0 on the first try. */
  attempt: number;
  logger: Logger;
  /** Enqueue follow-up work (keyed, so a retried parent does not double it). */
  enqueue: JobQueue['enqueue'];
}

/**
 * A kind of job. Handlers must be idempotent: a job may run again after a crash (it is retried once its
 * `expireInSeconds` lapses) and every retry must converge on the same end state.
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
  retryLimit: number;
  /** First retry delay; doubles with each retry (pg-boss retryBackoff). */
  retryDelaySeconds: number;
  /** How long one run may take before it is considered lost (crash) and retried. */
  expireInSeconds: number;
  concurrency?: number;
  handle(data: z.infer<S>, context: JobContext): Promise<unknown>;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

interface KeyedPayload {
  key: string;
  data: unknown;
}

/**
 * The job id is derived from the queue name and the idempotency key (a name-based UUID), so the same key
 * enqueued twice — by a retried webhook, a second replica's cron tick — is one row: pg-boss inserts with
 * ON CONFLICT DO NOTHING on (name, id).
 */
export function jobIdFor(name: string, key: string): string {
  const hash = createHash('sha1').update(`partnerloop\u0000${name}\u0000${key}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5 (name-based, SHA-1)
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface JobQueueOptions {
  executor: SqlExecutor;
  logger: Logger;
  /** pg-boss schema (tests use one per run). */
  schema?: string;
  /** How often pg-boss looks for expired jobs; lower in tests. */
  maintenanceIntervalSeconds?: number;
  pollingIntervalSeconds?: number;
}

/**
 * Starts pg-boss. Replicas starting together on a fresh database race to create its schema, and pg-boss only
 * tolerates the loser's "already exists" error, not Postgres' "duplicate key … pg_namespace" variant
 * (docs/BEHAVIOR.md); the loser retries with a fresh instance, which then finds the schema installed.
 */
async function startBoss(options: JobQueueOptions, attemptsLeft = 3): Promise<PgBoss> {
  const boss = new PgBoss({
    db: options.executor,
    schema: options.schema ?? 'pgboss',
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
    monitorStateIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
  });
  boss.on('error', (error) => options.logger.error({ err: error }, 'job queue error'));
  try {
    await boss.start();
    return boss;
  } catch (error) {
    const race = error instanceof Error && /already exists|duplicate key/.test(error.message);
    if (!race || attemptsLeft <= 1) throw error;
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    return startBoss(options, attemptsLeft - 1);
  }
}

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #definitions = new Map<string, JobDefinition>();
  readonly #pollingIntervalSeconds: number;
  #working = false;

  private constructor(boss: PgBoss, logger: Logger, pollingIntervalSeconds: number) {
    this.#boss = boss;
    this.#logger = logger;
    this.#pollingIntervalSeconds = pollingIntervalSeconds;
  }

  /** Starts pg-boss on the store's database (installing or migrating its schema) and registers the queues. */
  static async start(options: JobQueueOptions, definitions: readonly JobDefinition[]): Promise<JobQueue> {
    const boss = await startBoss(options);
    const queue = new JobQueue(boss, options.logger, options.pollingIntervalSeconds ?? 1);
    for (const definition of definitions) await queue.#register(definition);
    return queue;
  }

  async #register(definition: JobDefinition): Promise<void> {
    this.#definitions.set(definition.name, definition);
    const options = {
      name: definition.name,
      retryLimit: definition.retryLimit,
      retryDelay: definition.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: definition.expireInSeconds,
    };
    // createQueue is not idempotent across replicas racing at start; the loser sees "already exists".
    if (await this.#boss.getQueue(definition.name)) {
      await this.#boss.updateQueue(definition.name, options);
      return;
    }
    try {
      await this.#boss.createQueue(definition.name, options);
    } catch (error) {
      if (!(await this.#boss.getQueue(definition.name))) throw error;
    }
  }

  /**
   * Enqueues `data` under an idempotency key. Returns the job id, or null when a job with that key already exists
   * (nothing was added). Validates the payload against the job's schema first.
   */
  enqueue = async (
    name: string,
    data: unknown,
    options: { key: string; startAfterSeconds?: number },
  ): Promise<string | null> => {
    const definition = this.#definitions.get(name);
    if (!definition) throw new Error(`unknown job ${name}`);
    const payload: KeyedPayload = { key: options.key, data: definition.schema.parse(data) };
    const id = jobIdFor(name, options.key);
    const sendOptions: PgBoss.SendOptions = { id };
    if (options.startAfterSeconds !== undefined) sendOptions.startAfter = options.startAfterSeconds;
    return this.#boss.send(name, payload as object, sendOptions);
  };

  /** Starts workers for every registered job. */
  async work(): Promise<void> {
    if (this.#working) return;
    this.#working = true;
    for (const definition of this.#definitions.values()) {
      // One pg-boss worker per unit of concurrency; each fetches one job at a time.
      for (let worker = 0; worker < (definition.concurrency ?? 1); worker += 1) {
        await this.#boss.work<KeyedPayload>(
          definition.name,
          { pollingIntervalSeconds: this.#pollingIntervalSeconds, batchSize: 1, includeMetadata: true },
          async (jobs) => {
            for (const job of jobs) await this.#run(definition, job);
          },
        );
      }
    }
  }

  async #run(definition: JobDefinition, job: PgBoss.JobWithMetadata<KeyedPayload>): Promise<unknown> {
    const logger = this.#logger.child({
      job: definition.name,
      jobId: job.id,
      key: job.data.key,
      attempt: job.retryCount,
    });
    const started = performance.now();
    try {
      const data = definition.schema.parse(job.data.data);
      const output = await definition.handle(data, {
        jobId: job.id,
        key: job.data.key,
        attempt: job.retryCount,
        logger,
        enqueue: this.enqueue,
      });
      logger.info({ ms: Math.round(performance.now() - started) }, 'job completed');
      return output;
    } catch (error) {
      logger.warn(
        { err: error, ms: Math.round(performance.now() - started) },
        'job failed; pg-boss retries it with backoff',
      );
      throw error;
    }
  }

  async jobState(name: string, key: string) {
    const job = await this.#boss.getJobById(name, jobIdFor(name, key));
    return job ? { state: job.state, retryCount: job.retryCount } : undefined;
  }

  /** Waits for in-flight jobs to finish (up to `timeoutMs`), then stops. Queued jobs stay queued for the next start. */
  async stop(timeoutMs = 30_000): Promise<void> {
    await this.#boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
