import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import type { SqlExecutor } from '../store/database.ts';
import { type HeldLease, JobLeaseBusyError, JobLeaseLostError, JobLeases, type LeaseTimings } from './job-leases.ts';

/** The reason running jobs are aborted with when the service stops. */
export class ServiceStoppingError extends Error {
  override readonly name = 'ServiceStoppingError';
}

export interface JobContext {
  jobId: string;
  /** The idempotency key the job was enqueued with. */
  key: string;
  /** 0 on the first try. */
  attempt: number;
  logger: Logger;
  /** Enqueue follow-up work (keyed, so a retried parent does not double it). */
  enqueue: JobQueue['enqueue'];
  /**
   * Aborted when the service stops, and for leased jobs when the run lost its lease (it was taken for dead and its job
   * handed back). Check it between steps: a run that goes on would outlive the database or overlap its retry.
   */
  signal?: AbortSignal;
}

/**
 * A kind of job. Handlers must be idempotent: a job may run again after a crash (it is retried once its
 * `expireInSeconds` lapses, or a leased job once its lease goes stale) and every retry must converge on the same end
 * state.
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
  retryLimit: number;
  /** First retry delay; doubles with each retry (pg-boss retryBackoff). */
  retryDelaySeconds: number;
  /**
   * How long one run may take before pg-boss considers it lost (crash) and retries it. pg-boss also stops waiting
   * for the handler then, so this must exceed the longest healthy run; leased jobs keep it long as a backstop.
   */
  expireInSeconds: number;
  concurrency?: number;
  /**
   * The lease key of a run (e.g. `hubspot.reconcile:<tenant>`): runs with one key never overlap, and a run whose
   * worker dies is noticed by its lease going stale and retried within about two minutes (job-leases.ts), whatever
   * `expireInSeconds` says.
   */
  lease?(data: z.infer<S>): string;
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
  /** Lease renewal, staleness and sweep timings of leased jobs (tests lower them). */
  leases?: Partial<LeaseTimings>;
  /**
   * Runs pg-boss's start and queue creation exclusively across processes (a Postgres advisory lock): replicas
   * starting together on an empty database otherwise deadlock in `createQueue` (its DDL takes locks in different
   * orders). Unset: no other process shares the database (PGlite).
   */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * The executor pg-boss runs on, counting statements in flight. pg-boss 10 records a job's outcome without awaiting it
 * (its worker calls `complete`/`fail` and moves on), so its graceful `stop` can return while that write is still
 * queued; closing the store then rejects it ("Cannot use a pool after calling end on the pool"), unhandled. `stop`
 * waits for these last writes before it returns.
 */
function countingExecutor(executor: SqlExecutor): { executor: SqlExecutor; settled(timeoutMs: number): Promise<void> } {
  let inFlight = 0;
  const waiting = new Set<() => void>();
  return {
    executor: {
      async executeSql(text, values) {
        inFlight += 1;
        try {
          return await executor.executeSql(text, values);
        } finally {
          inFlight -= 1;
          if (inFlight === 0) for (const wake of [...waiting]) wake();
        }
      },
    },
    settled: (timeoutMs) =>
      inFlight === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              waiting.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, timeoutMs);
            waiting.add(wake);
          }),
  };
}

/**
 * Starts pg-boss. Replicas starting together on a fresh database race to create its schema, and pg-boss only
 * tolerates the loser's "already exists" error, not Postgres' "duplicate key … pg_namespace" variant
 * (docs/BEHAVIOR.md); the loser retries with a fresh instance, which then finds the schema installed.
 */
async function startBoss(options: JobQueueOptions, db: SqlExecutor, attemptsLeft = 3): Promise<PgBoss> {
  const boss = new PgBoss({
    db,
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
    return startBoss(options, db, attemptsLeft - 1);
  }
}

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #definitions = new Map<string, JobDefinition>();
  readonly #pollingIntervalSeconds: number;
  readonly #leases: JobLeases;
  /** pg-boss's own statements, so `stop` can let its last job outcomes land before the store closes. */
  readonly #bossSql: ReturnType<typeof countingExecutor>;
  readonly #exclusive: NonNullable<JobQueueOptions['exclusive']>;
  #working = false;
  #sweeper: NodeJS.Timeout | undefined;
  /** Aborted when the service stops: running jobs end at their next check and run again after the restart. */
  readonly #stopping = new AbortController();

  private constructor(boss: PgBoss, options: JobQueueOptions, bossSql: ReturnType<typeof countingExecutor>) {
    this.#boss = boss;
    this.#bossSql = bossSql;
    this.#logger = options.logger;
    this.#pollingIntervalSeconds = options.pollingIntervalSeconds ?? 1;
    this.#leases = new JobLeases(options.executor, options.leases);
    this.#exclusive = options.exclusive ?? ((work) => work());
  }

  /**
   * Starts pg-boss on the store's database (installing or migrating its schema). Jobs are registered next
   * (`register`), so the features that enqueue can be built with this queue before their jobs exist.
   */
  static async start(options: JobQueueOptions, definitions: readonly JobDefinition[] = []): Promise<JobQueue> {
    const exclusive = options.exclusive ?? ((work) => work());
    const queue = await exclusive(async () => {
      const bossSql = countingExecutor(options.executor);
      return new JobQueue(await startBoss(options, bossSql.executor), options, bossSql);
    });
    if (definitions.length > 0) {
      try {
        await queue.register(definitions);
      } catch (error) {
        // A started pg-boss keeps timers (maintenance, state monitor, its cron worker) that would keep a failed
        // start's process alive, polling a closed pool, forever: stop it before reporting the failure.
        await queue.#boss.stop({ graceful: false, wait: true }).catch(() => undefined);
        throw error;
      }
    }
    return queue;
  }

  /** Registers job kinds (creating or updating their pg-boss queues); before `work`, once per kind. */
  async register(definitions: readonly JobDefinition[]): Promise<void> {
    if (this.#working) throw new Error('jobs must be registered before the queue works');
    await this.#exclusive(async () => {
      for (const definition of definitions) {
        if (this.#definitions.has(definition.name)) throw new Error(`job ${definition.name} is registered twice`);
        await this.#register(definition);
      }
    });
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

  /** Starts workers for every registered job (and, when some are leased, the sweep of stale leases). */
  async work(): Promise<void> {
    if (this.#working) return;
    this.#working = true;
    if ([...this.#definitions.values()].some((definition) => definition.lease)) this.#startSweeper();
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
    const lost = new AbortController();
    let lease: HeldLease | undefined;
    let renewal: NodeJS.Timeout | undefined;
    try {
      const data = definition.schema.parse(job.data.data);
      const leaseKey = definition.lease?.(data);
      if (leaseKey !== undefined) {
        lease = await this.#leases.acquire(leaseKey, definition.name, job.id);
        if (!lease) throw new JobLeaseBusyError(`${leaseKey} is held by another run`);
        renewal = this.#renewWhileRunning(lease, lost, logger);
      }
      const output = await definition.handle(data, {
        jobId: job.id,
        key: job.data.key,
        attempt: job.retryCount,
        logger,
        enqueue: this.enqueue,
        signal: AbortSignal.any([lost.signal, this.#stopping.signal]),
      });
      // Finished after its lease was swept: a retry may be running it again; fail, so pg-boss keeps the job open.
      if (lost.signal.aborted) throw lost.signal.reason;
      logger.info({ ms: Math.round(performance.now() - started) }, 'job completed');
      return output;
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      const laterMs = rescheduleAfterMs(error);
      if (laterMs !== undefined && !this.#stopping.signal.aborted) {
        // A spent quota (a Salesforce org's daily allowance): the same work again when it has come back, as a new
        // job; this one completes instead of burning its quick retries against a limit that will not move.
        const afterSeconds = Math.max(1, Math.ceil(laterMs / 1000));
        await this.enqueue(definition.name, job.data.data, {
          key: `${job.data.key}:later:${Math.floor(Date.now() / 1000)}`,
          startAfterSeconds: afterSeconds,
        });
        logger.warn({ ms, afterSeconds, reason: (error as Error).message }, 'job rescheduled');
        return { rescheduledAfterSeconds: afterSeconds };
      }
      if (error instanceof JobLeaseBusyError) logger.info({ ms, reason: error.message }, 'job deferred; retried later');
      else if (this.#stopping.signal.aborted && error === this.#stopping.signal.reason) {
        logger.info({ ms }, 'job interrupted by the shutdown; it runs again after the restart');
      } else logger.warn({ err: error, ms }, 'job failed; pg-boss retries it with backoff');
      throw error;
    } finally {
      clearInterval(renewal);
      if (lease && !lost.signal.aborted) {
        await this.#leases.release(lease).catch((error) => logger.warn({ err: error }, 'job lease release failed'));
      }
    }
  }

  /** Renews a running job's lease; aborts `lost` when a sweep took it (the run was taken for dead). */
  #renewWhileRunning(lease: HeldLease, lost: AbortController, logger: Logger): NodeJS.Timeout {
    let renewing = false;
    const renew = async () => {
      if (renewing || lost.signal.aborted) return;
      renewing = true;
      try {
        if (!(await this.#leases.renew(lease))) {
          logger.error({ lease: lease.key }, 'job lease lost: the run was taken for dead and handed back; stopping');
          lost.abort(new JobLeaseLostError(`lease ${lease.key} was taken for dead while the run went on`));
        }
      } catch (error) {
        // A failed renewal is not a lost lease: the next one tells (the TTL allows a couple of misses).
        logger.warn({ err: error, lease: lease.key }, 'job lease renewal failed');
      } finally {
        renewing = false;
      }
    };
    const timer = setInterval(() => void renew(), this.#leases.timings.renewSeconds * 1000);
    timer.unref();
    return timer;
  }

  /**
   * Every worker process sweeps stale leases: each one it deletes is its own to hand back, so the dead run's job is
   * failed once, and pg-boss retries it after the job's retry delay (sync/platform/jobs/job-leases.ts).
   */
  #startSweeper(): void {
    let sweeping = false;
    const sweep = async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        for (const stale of await this.#leases.sweep()) {
          this.#logger.warn(
            { job: stale.jobName, jobId: stale.jobId, lease: stale.key },
            'job lease went stale (worker lost); the job is handed back for a retry',
          );
          await this.#boss.fail(stale.jobName, stale.jobId, {
            message: `worker lost: lease ${stale.key} not renewed for ${this.#leases.timings.ttlSeconds} s`,
          });
        }
      } catch (error) {
        this.#logger.warn({ err: error }, 'job lease sweep failed');
      } finally {
        sweeping = false;
      }
    };
    this.#sweeper = setInterval(() => void sweep(), this.#leases.timings.sweepSeconds * 1000);
    this.#sweeper.unref();
  }

  async jobState(name: string, key: string) {
    const job = await this.#boss.getJobById(name, jobIdFor(name, key));
    return job ? { state: job.state, retryCount: job.retryCount } : undefined;
  }

  /** Waits for in-flight jobs to finish (up to `timeoutMs`), then stops. Queued jobs stay queued for the next start. */
  /**
   * Stops taking jobs, tells running ones to end at their next check (`context.signal`), and waits for them (at most
   * `timeoutMs`): a stop well inside the 30 s a platform gives before SIGKILL.
   */
  async stop(timeoutMs = 20_000): Promise<void> {
    clearInterval(this.#sweeper);
    this.#stopping.abort(new ServiceStoppingError('the service is stopping'));
    await this.#boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    await this.#bossSql.settled(5_000);
  }
}

/**
 * How long until a failed run's work may run again, when its error says so (`rescheduleAfterMs`: a spent daily
 * quota); undefined for every other failure, which pg-boss retries with its backoff.
 */
export function rescheduleAfterMs(error: unknown): number | undefined {
  const value = (error as { rescheduleAfterMs?: unknown } | null)?.rescheduleAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
