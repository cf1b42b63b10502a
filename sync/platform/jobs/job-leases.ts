import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError } from '../../../src/shared/errors.ts';
import type { SqlExecutor } from '../store/database.ts';

/**
 * Leases for long jobs (a tenant's reconcile). pg-boss 10 has no heartbeat: an active job whose worker was killed
 * stays `active` until its `expireInSeconds` lapse, and a short expiry is no fix, because pg-boss then also fails a
 * healthy long run (its worker stops waiting for the handler at the expiry and the job is retried while the first run
 * goes on). So the expiry stays long, as a backstop, and liveness comes from a lease row in the store:
 *
 * - a run takes the lease of its key (one per tenant for reconciles) before it starts, or does not start: a key held
 *   by a live run fails this attempt with `JobLeaseBusyError`, and pg-boss retries it later (backoff);
 * - the run renews the lease every `renewSeconds`; a run that finds its lease gone (swept) is told through its abort
 *   signal and fails, so its work is retried rather than trusted;
 * - every worker process sweeps: a lease not renewed for `ttlSeconds` belonged to a dead (or frozen) run; the sweep
 *   deletes it and fails its job by id, which pg-boss turns into a retry after the job's retry delay. The delete is
 *   the claim: one sweeper gets the row, so the job is handed back once.
 *
 * A new attempt never takes over a stale lease itself: it waits for the sweep, so the dead run's job is always handed
 * back. Worst case from a `kill -9` to the retry running: `recoveryBoundSeconds`.
 */
export interface LeaseTimings {
  /** A lease not renewed for this long is stale: its run is taken for dead. */
  ttlSeconds: number;
  /** How often a running job renews its lease (well under the TTL: a missed renewal or two is not death). */
  renewSeconds: number;
  /** How often each worker process looks for stale leases. */
  sweepSeconds: number;
}

/** Production timings: a killed reconcile is retried within about 1.5 minutes (`recoveryBoundSeconds`). */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { ttlSeconds: 45, renewSeconds: 15, sweepSeconds: 15 };

/**
 * The longest time from a worker's death to its job running again: the lease goes stale at most `ttlSeconds` after
 * the kill (its last renewal was before the kill), a sweep notices within `sweepSeconds`, pg-boss's first retry waits
 * `retryDelaySeconds` to twice that (backoff with jitter), and a worker polls within `pollingIntervalSeconds`.
 */
export function recoveryBoundSeconds(
  timings: LeaseTimings,
  job: { retryDelaySeconds: number },
  pollingIntervalSeconds: number,
): number {
  return timings.ttlSeconds + timings.sweepSeconds + 2 * job.retryDelaySeconds + pollingIntervalSeconds;
}

/** The key's lease is held by a live run: this attempt did not start and is retried later. */
export class JobLeaseBusyError extends AppError {
  readonly code = 'job_lease_busy';
}

/** The run's lease was swept (it was taken for dead): its work is retried, not trusted. */
export class JobLeaseLostError extends AppError {
  readonly code = 'job_lease_lost';
}

export interface HeldLease {
  key: string;
  /** `host:pid:run`: which worker process holds it (operators, the chaos test), and which of its runs. */
  owner: string;
}

/** The worker process named by a lease's owner (`host:pid:run`), or undefined for another format. */
export function leaseOwnerProcess(owner: string): { host: string; pid: number } | undefined {
  const match = /^(.*):(\d+):[0-9a-f-]{36}$/.exec(owner);
  return match ? { host: match[1] as string, pid: Number(match[2]) } : undefined;
}

export interface StaleLease {
  key: string;
  jobName: string;
  jobId: string;
}

export class JobLeases {
  readonly #executor: SqlExecutor;
  readonly timings: LeaseTimings;

  constructor(executor: SqlExecutor, timings: Partial<LeaseTimings> = {}) {
    this.#executor = executor;
    this.timings = { ...DEFAULT_LEASE_TIMINGS, ...timings };
  }

  /** Takes `key` for one run of job `jobName`/`jobId`; undefined when another run holds it (stale or not). */
  async acquire(key: string, jobName: string, jobId: string): Promise<HeldLease | undefined> {
    const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
    const { rows } = await this.#executor.executeSql(
      `insert into job_leases (lease_key, job_name, job_id, owner) values ($1, $2, $3, $4)
       on conflict (lease_key) do nothing
       returning owner`,
      [key, jobName, jobId, owner],
    );
    return rows.length === 1 ? { key, owner } : undefined;
  }

  /** Extends the lease; false when it is no longer ours (a sweep took it for dead). */
  async renew(lease: HeldLease): Promise<boolean> {
    const { rows } = await this.#executor.executeSql(
      'update job_leases set renewed_at = now() where lease_key = $1 and owner = $2 returning 1 as renewed',
      [lease.key, lease.owner],
    );
    return rows.length === 1;
  }

  async release(lease: HeldLease): Promise<void> {
    await this.#executor.executeSql('delete from job_leases where lease_key = $1 and owner = $2', [
      lease.key,
      lease.owner,
    ]);
  }

  /** Deletes the leases not renewed within the TTL and returns them: this caller now owns handing their jobs back. */
  async sweep(): Promise<StaleLease[]> {
    const { rows } = await this.#executor.executeSql(
      `delete from job_leases where renewed_at < now() - make_interval(secs => $1::double precision)
       returning lease_key, job_name, job_id`,
      [this.timings.ttlSeconds],
    );
    return (rows as Array<{ lease_key: string; job_name: string; job_id: string }>).map((row) => ({
      key: row.lease_key,
      jobName: row.job_name,
      jobId: row.job_id,
    }));
  }
}
