import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { FaultRule, FaultStep } from '../../sandbox/kit/faults.ts';
import { type Sandbox, startSandbox } from '../../sandbox/server.ts';
import { LIST_PAGE_LIMIT } from '../../src/crm/hubspot/hubspot-objects.ts';
import { RECONCILE_JOB } from '../../sync/crm/reconcile.job.ts';
import { drainLeaseKey, fullPassLeaseKey } from '../../sync/crm/tenant-leases.ts';
import { loadConfig } from '../../sync/platform/config/env.ts';
import { leaseOwnerProcess } from '../../sync/platform/jobs/job-leases.ts';
import { CADENCE_JOB } from '../../sync/platform/jobs/schedules.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import { openStore, type Store } from '../../sync/platform/store/database.ts';
import { startService } from '../../sync/service.ts';
import { type Balancer, type BalancerStats, startBalancer } from './chaos-balancer.ts';
import { CHAOS_AS_OF, CHAOS_SCHEDULE, CHAOS_TICK_SECONDS, chaosServiceOptions } from './chaos-options.ts';
import { type ChildService, spawnTs } from './child-service.ts';
import { createTempDatabase, eventually, type TempDatabase } from './test-stores.ts';

/**
 * The chaos scenario of SPEC §7, shared by test/chaos.e2e.test.ts (a small portal) and `npm run bench -- --only
 * chaos` (a bigger one):
 *
 * - **clean run**: a sandbox with the demo portal, one in-process replica, no faults; install through OAuth, wait for
 *   convergence, apply a burst of CRM changes, wait again; keep every `pl_*` value and the CRM call count;
 * - **chaos run**: a second sandbox with the same seed, ~10 % injected 429/5xx/dropped connections on the CRM API,
 *   three replica processes on one fresh Postgres behind a load balancer that duplicates a share of webhook batches;
 *   install, `kill -9` the replica whose lease says it runs the install's reconcile once its first write landed,
 *   restart it; apply the same burst, `kill -9` the replica draining it, restart it; wait for convergence.
 *
 * It reports what the checks need: differing `pl_*` values, calls, every job's state and completions per key (store
 * and replica logs), every tick's runs, recovery times. It asserts nothing itself, except that the kills landed in
 * the middle of their runs (it throws otherwise: a kill that missed proves nothing).
 */
export interface ChaosOptions {
  /** A Postgres URL allowed to create databases (TEST_DATABASE_URL). */
  adminDatabaseUrl: string;
  deals: number;
  seed?: number;
  /** Deals the burst changes (default a third of them). */
  burst?: number;
  /** Share of CRM calls that fail (default 0.1). */
  faultRate?: number;
  /** Share of webhook batches delivered twice (default 0.3). */
  duplicateRate?: number;
  replicas?: number;
  log?: (line: string) => void;
  /** Where each replica's output (pino JSON lines) is written at the end, as `<name>.log`. */
  logDir?: string;
  /** The replicas' log level (default info: the once-per-key check counts their `job completed` lines). */
  logLevel?: 'info' | 'debug';
}

export interface KillReport {
  phase: 'reconcile' | 'drain';
  replica: string;
  pid: number;
  jobId: string;
  /** The dead run's lease was still its own after the kill: it died mid-run. */
  leaseHeldAfterKill: boolean;
  /** Deal pages the killed run had read (the reconcile is killed half-way through its read). */
  dealPagesReadBeforeKill: number;
  /** Deals the killed run had given `pl_*` values (the drain is killed at its first write, before it hears back). */
  dealsWrittenBeforeKill: number;
  /** From the kill to the same job running again on another replica. */
  recoverySeconds: number;
}

export interface JobRow {
  name: string;
  id: string;
  state: string;
  key: string;
  retryCount: number;
}

export interface ChaosReport {
  deals: number;
  companies: number;
  burst: number;
  clean: { calls: number; installToConvergedSeconds: number; burstToConvergedSeconds: number };
  chaos: {
    calls: number;
    injected: number;
    installToConvergedSeconds: number;
    burstToConvergedSeconds: number;
    balancer: BalancerStats;
    /** Webhook deliveries the sandbox retried (a replica died mid-request, or answered 5xx). */
    redeliveries: number;
  };
  callRatio: number;
  /** Calls per sandbox route (`POST /crm/objects/2026-03/deals/batch/update`), clean and chaos (injected included). */
  routes: Record<string, { clean: number; chaos: number; injected: number }>;
  /** Every `pl_*` value of a live deal or company that differs from the clean run's. */
  differing: Array<{ record: string; property: string; clean: string; chaos: string }>;
  /** How many `pl_*` values were compared (non-empty in either run). */
  comparedValues: number;
  kills: KillReport[];
  jobs: {
    total: number;
    completedByName: Record<string, number>;
    /** Jobs not completed at the end (failed, or still queued/active). */
    notCompleted: JobRow[];
    /** Keys whose job completed more than once in the store. */
    keysCompletedTwice: string[];
    /** Keys whose handler ran to completion more than once, or never, across every replica's log. */
    handlerCompletionsNotOnce: Array<{ key: string; completions: number }>;
  };
  ticks: {
    periods: number;
    /** Periods between the first and the last tick with no run (a tick no replica enqueued). */
    missing: string[];
    /** Periods with more than one run or job, or not completed. */
    notOnce: Array<{ period: string; runs: number; jobs: number; completed: number }>;
  };
  /** Replicas that exited on their own (crashed) and exit codes of the graceful stop at the end. */
  crashed: string[];
  stopExitCodes: Array<number | null>;
}

const ENCRYPTION_KEY = Buffer.alloc(32, 19).toString('base64');
const DEAL_PAGES = `GET /crm/objects/2026-03/deals`;

/** The `pl_*` values of every live deal and company, keyed `deals/<id>`; empty values left out. */
export function plValues(sandbox: Sandbox): Map<string, Record<string, string>> {
  const values = new Map<string, Record<string, string>>();
  for (const type of ['deals', 'companies'] as const) {
    for (const record of sandbox.portal.records(type)) {
      if (record.archived) continue;
      const own: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.properties)) {
        if (name.startsWith('pl_') && value !== null && value !== undefined && value !== '') own[name] = value;
      }
      values.set(`${type}/${record.id}`, own);
    }
  }
  return values;
}

export function diffValues(
  clean: Map<string, Record<string, string>>,
  chaos: Map<string, Record<string, string>>,
): { differing: ChaosReport['differing']; compared: number } {
  const differing: ChaosReport['differing'] = [];
  let compared = 0;
  for (const record of new Set([...clean.keys(), ...chaos.keys()])) {
    const a = clean.get(record) ?? {};
    const b = chaos.get(record) ?? {};
    for (const property of new Set([...Object.keys(a), ...Object.keys(b)])) {
      compared += 1;
      if ((a[property] ?? '') !== (b[property] ?? '')) {
        differing.push({ record, property, clean: a[property] ?? '', chaos: b[property] ?? '' });
      }
    }
  }
  return { differing, compared };
}

/**
 * ~`rate` of CRM API calls fail: 429 (mostly with `Retry-After: 1`), 500, 502/503, or a dropped connection. OAuth is
 * left alone (the install's token exchange is the user's browser redirect, not a job that retries).
 */
export function chaosFaults(rate: number): FaultRule[] {
  const actions: FaultStep[] = [{ type: 'status', status: 429, retryAfterSeconds: 1 }, 429, 500, 503, 502, 'drop'];
  // Rules are tried in turn, each with its own draw: this per-rule chance makes the total `rate`.
  const each = 1 - (1 - rate) ** (1 / actions.length);
  return actions.map((action) => ({ route: '/crm/**', probability: each, action }));
}

/**
 * The same CRM changes in any sandbox with the same portal: every k-th deal (by id) changed once by a seller — open
 * deals closed won or re-priced, closed ones re-priced, renamed or re-dated — one update per deal, so the final state
 * does not depend on the order the service sees them in.
 */
export function applyBurst(sandbox: Sandbox, count: number): number {
  const portal = sandbox.portal;
  const actor = sandbox.userActor();
  const deals = [...portal.records('deals')].filter((deal) => !deal.archived).sort((a, b) => a.id.localeCompare(b.id));
  const step = Math.max(1, Math.floor(deals.length / count));
  let changed = 0;
  for (let index = 0; index < deals.length && changed < count; index += step) {
    const deal = deals[index];
    if (!deal) break;
    const n = changed;
    const amount = Number(deal.properties.amount ?? 0) || 1000;
    const open = deal.properties.hs_is_closed !== 'true';
    const won = portal.pipelines
      .find((pipeline) => pipeline.id === (deal.properties.pipeline ?? 'default'))
      ?.stages.find((stage) => stage.isWon)?.id;
    let input: Record<string, string>;
    if (open && won && n % 2 === 0) input = { dealstage: won, closedate: '2026-06-29T00:00:00.000Z' };
    else if (n % 3 === 0) input = { amount: String(Math.round(amount * 1.1) + 100) };
    else if (n % 3 === 1) input = { dealname: `${deal.properties.dealname ?? 'Deal'} (revised)` };
    else input = { amount: String(Math.max(100, Math.round(amount * 0.8))), closedate: '2026-05-15T00:00:00.000Z' };
    portal.update('deals', deal, input, actor);
    changed += 1;
  }
  return changed;
}

/** Installs the sandbox's portal through the balancer, as an admin's browser would (install → consent → callback). */
async function install(balancer: Balancer): Promise<void> {
  const response = await fetch(`${balancer.url}/oauth/hubspot/install`, { redirect: 'follow' });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`install failed: HTTP ${response.status} ${body.slice(0, 300)}`);
}

/** Nothing left to do: no queued, retrying or running job (ticks aside), the inbox drained, no webhook in flight. */
async function quiet(store: Store, sandbox: Sandbox, balancer: Balancer): Promise<boolean> {
  await sandbox.webhooks.flush();
  if (!balancer.idle() || sandbox.webhooks.pending().length > 0) return false;
  const { rows } = await sql<{ busy: number; pending: number }>`
    select
      (select count(*)::int from pgboss.job where state in ('created', 'retry', 'active')
        and (name <> ${CADENCE_JOB} or created_on < now() - interval '15 seconds')) as busy,
      (select count(*)::int from webhook_events where processed_at is null) as pending`.execute(store.db);
  return rows[0]?.busy === 0 && rows[0]?.pending === 0;
}

/** Waits until `quiet` holds three checks in a row (debounced follow-ups are queued jobs, so they count as busy). */
async function converge(store: Store, sandbox: Sandbox, balancer: Balancer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (Date.now() < deadline) {
    streak = (await quiet(store, sandbox, balancer).catch(() => false)) ? streak + 1 : 0;
    if (streak >= 3) return;
    await sleep(700);
  }
  throw new Error(`no convergence within ${timeoutMs / 1000} s`);
}

interface Replica {
  name: string;
  child: ChildService;
  url: string;
  pid: number;
  killed: boolean;
}

async function spawnReplica(name: string, env: NodeJS.ProcessEnv): Promise<Replica> {
  const child = spawnTs('test/support/chaos-replica.ts', { ...env, CHAOS_REPLICA: name });
  let started = false;
  const failed = new Promise<never>((_resolve, reject) => {
    void child.exited.then((code) => {
      if (!started) reject(new Error(`replica ${name} exited ${code} during start: ${child.errors().slice(-2000)}`));
    });
  });
  const [, url, pid] = await Promise.race([child.waitFor(/CHAOS REPLICA READY (\S+) (\d+)/, 180_000), failed]);
  started = true;
  return { name, child, url: url as string, pid: Number(pid), killed: false };
}

/** Who holds `key`'s lease (only a run of `jobName` when given: a reconcile's key is shared with scoring refreshes). */
async function leaseHolder(store: Store, key: string, jobName?: string) {
  const { rows } = await sql<{ owner: string; job_id: string }>`
    select owner, job_id from job_leases
    where lease_key = ${key} and (${jobName ?? null}::text is null or job_name = ${jobName ?? null})`.execute(store.db);
  const row = rows[0];
  const pid = row ? leaseOwnerProcess(row.owner)?.pid : undefined;
  return row && pid !== undefined ? { owner: row.owner, jobId: row.job_id, pid } : undefined;
}

async function jobState(store: Store, jobId: string) {
  const { rows } = await sql<{ state: string; retry_count: number }>`
    select state, retry_count from pgboss.job where id::text = ${jobId}`.execute(store.db);
  return rows[0] ? { state: rows[0].state, retryCount: rows[0].retry_count } : undefined;
}

type CleanOptions = Pick<Required<ChaosOptions>, 'adminDatabaseUrl' | 'deals' | 'seed' | 'burst'>;

/** The clean run: one in-process replica, no faults, no duplicates. */
export async function cleanRun(options: CleanOptions, log: (line: string) => void) {
  const sandbox = await startSandbox({ deals: options.deals, seed: options.seed, asOf: CHAOS_AS_OF });
  const database = await createTempDatabase(options.adminDatabaseUrl);
  const balancer = await startBalancer({ duplicateRate: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'pl-chaos-clean-'));
  const config = loadConfig(
    {
      PORT: '0',
      PUBLIC_URL: balancer.url,
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      HUBSPOT_CLIENT_ID: sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
      HUBSPOT_APP_ID: String(sandbox.app.appId),
      HUBSPOT_API_BASE_URL: sandbox.url,
      TOKEN_ENCRYPTION_KEY: ENCRYPTION_KEY,
      LOG_LEVEL: 'silent',
    },
    { sandbox: false },
  );
  const service = await startService(config, chaosServiceOptions(createLogger('silent')));
  try {
    balancer.add(service.url);
    sandbox.webhooks.setTarget(`${balancer.url}/webhooks/hubspot`);
    const installedAt = Date.now();
    await install(balancer);
    await converge(service.store, sandbox, balancer, 300_000);
    const installSeconds = (Date.now() - installedAt) / 1000;
    log(`clean: installed and reconciled in ${installSeconds.toFixed(1)} s`);
    const burstAt = Date.now();
    const burst = applyBurst(sandbox, options.burst);
    await converge(service.store, sandbox, balancer, 300_000);
    const burstSeconds = (Date.now() - burstAt) / 1000;
    log(`clean: burst of ${burst} deals converged in ${burstSeconds.toFixed(1)} s; ${sandbox.stats().calls} CRM calls`);
    return {
      values: plValues(sandbox),
      calls: sandbox.stats().calls,
      routes: sandbox.stats().routes,
      companies: sandbox.portal.count('companies'),
      burst,
      installToConvergedSeconds: installSeconds,
      burstToConvergedSeconds: burstSeconds,
    };
  } finally {
    await service.stop();
    await balancer.close();
    await sandbox.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runChaosScenario(input: ChaosOptions): Promise<ChaosReport> {
  const log = input.log ?? (() => undefined);
  const options = {
    adminDatabaseUrl: input.adminDatabaseUrl,
    deals: input.deals,
    seed: input.seed ?? 19,
    burst: input.burst ?? Math.ceil(input.deals / 3),
    faultRate: input.faultRate ?? 0.1,
    duplicateRate: input.duplicateRate ?? 0.3,
    replicas: input.replicas ?? 3,
  };
  const clean = await cleanRun(options, log);

  const sandbox = await startSandbox({ deals: options.deals, seed: options.seed, asOf: CHAOS_AS_OF, faultSeed: 19 });
  let database: TempDatabase | undefined;
  let store: Store | undefined;
  const balancer = await startBalancer({ duplicateRate: options.duplicateRate, seed: 19 });
  const replicas: Replica[] = [];
  try {
    database = await createTempDatabase(options.adminDatabaseUrl);
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: database.url,
      PORT: '0',
      PUBLIC_URL: balancer.url,
      HUBSPOT_CLIENT_ID: sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
      HUBSPOT_APP_ID: String(sandbox.app.appId),
      HUBSPOT_API_BASE_URL: sandbox.url,
      TOKEN_ENCRYPTION_KEY: ENCRYPTION_KEY,
      // Info: every replica logs each job it completes, which the once-per-key check counts.
      LOG_LEVEL: input.logLevel ?? 'info',
    };
    const started = performance.now();
    // All at once, as a deploy starts them: schema setup takes turns under the startup lock.
    replicas.push(
      ...(await Promise.all(
        Array.from({ length: options.replicas }, (_, index) => spawnReplica(`r${index + 1}`, env)),
      )),
    );
    for (const replica of replicas) balancer.add(replica.url);
    log(`chaos: ${replicas.length} replicas up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const running = await openStore({ databaseUrl: database.url, poolSize: 2 });
    store = running;

    for (const rule of chaosFaults(options.faultRate)) sandbox.faults.add(rule);
    sandbox.webhooks.setTarget(`${balancer.url}/webhooks/hubspot`);

    // Deals our app wrote a `pl_*` value to in the current phase, and a hook run at the next such write (synchronously,
    // inside the sandbox's handling of that write: a kill there lands before the writer hears back).
    const written = new Set<string>();
    let onWrite: (() => void) | undefined;
    sandbox.portal.onChange((change) => {
      if (
        change.kind === 'propertyChange' &&
        change.objectType === 'deals' &&
        change.propertyName.startsWith('pl_') &&
        change.actor.changeSource === 'INTEGRATION'
      ) {
        written.add(change.objectId);
        onWrite?.();
      }
    });

    const kills: KillReport[] = [];
    const dealPages = () => sandbox.stats().routes[DEAL_PAGES]?.calls ?? 0;
    /**
     * Waits for a run to take `key`'s lease, then kills its replica with SIGKILL when `when` says (after some deal pages
     * of its read, or at its first `pl_*` write — synchronously, inside the sandbox's handling of that write, so the
     * writer never hears back), and starts another one as a supervisor would.
     */
    const killHolder = async (
      phase: KillReport['phase'],
      key: string,
      when: { dealPagesRead: number; countedFrom: number } | { firstWrite: true; fallbackMs: number },
      jobName?: string,
    ) => {
      const holder = await eventually(() => leaseHolder(running, key, jobName), 240_000, 25);
      const victim = replicas.find((replica) => replica.pid === holder.pid && !replica.killed);
      if (!victim) throw new Error(`${phase}: lease held by pid ${holder.pid}, which is none of the replicas`);
      const atKill = await jobState(running, holder.jobId);
      // Counted from before the run could start: a fast read must not outrun the lease poll.
      const pagesBefore = 'countedFrom' in when ? when.countedFrom : dealPages();
      written.clear();
      let killedAt = 0;
      let dealPagesReadBeforeKill = 0;
      let finishedFirst = false;
      const kill = () => {
        if (killedAt > 0) return;
        onWrite = undefined;
        balancer.remove(victim.url);
        victim.killed = true;
        victim.child.child.kill('SIGKILL');
        killedAt = Date.now();
        dealPagesReadBeforeKill = dealPages() - pagesBefore;
      };
      let timer: NodeJS.Timeout;
      if ('firstWrite' in when) {
        onWrite = kill;
        timer = setTimeout(kill, when.fallbackMs);
      } else {
        const deadline = Date.now() + 120_000;
        timer = setInterval(() => {
          if (dealPages() - pagesBefore >= when.dealPagesRead || Date.now() > deadline) kill();
        }, 10);
        // The run must still be going when it is killed; say so at once when it finished first.
        const ended = setInterval(async () => {
          if (killedAt > 0) return clearInterval(ended);
          const current = await leaseHolder(running, key).catch(() => undefined);
          if (killedAt === 0 && current?.owner !== holder.owner) {
            clearInterval(ended);
            kill();
            finishedFirst = true;
          }
        }, 50);
      }
      await victim.child.exited;
      clearInterval(timer);
      if (killedAt === 0) throw new Error(`${phase}: replica ${victim.name} exited before it was killed`);
      if (finishedFirst) throw new Error(`${phase}: the run released its lease before it could be killed mid-way`);
      // What the dead run's last (unanswered) write had applied.
      const dealsWrittenBeforeKill = written.size;
      // Still the dead run's lease: it was not released, so the run died in its middle.
      const after = await leaseHolder(running, key);
      log(`chaos: killed ${victim.name} (pid ${victim.pid}) in the middle of the ${phase}; restarting it`);
      const restart = spawnReplica(`${victim.name}'`, env).then((replica) => {
        replicas.push(replica);
        balancer.add(replica.url);
      });
      // Meanwhile the others sweep its stale lease and hand the job back.
      await eventually(
        async () => {
          const now = await jobState(running, holder.jobId);
          return (
            now !== undefined &&
            now.retryCount > (atKill?.retryCount ?? 0) &&
            (now.state === 'active' || now.state === 'completed')
          );
        },
        240_000,
        100,
      );
      const recoverySeconds = (Date.now() - killedAt) / 1000;
      log(`chaos: the ${phase} ran again ${recoverySeconds.toFixed(1)} s after the kill`);
      await restart;
      kills.push({
        phase,
        replica: victim.name,
        pid: victim.pid,
        jobId: holder.jobId,
        leaseHeldAfterKill: after?.owner === holder.owner,
        dealPagesReadBeforeKill,
        dealsWrittenBeforeKill,
        recoverySeconds,
      });
    };

    // Install; kill the install's reconcile once its write-back has begun.
    const installedAt = Date.now();
    const pagesAtInstall = dealPages();
    // Each deal page of this read answered after 100 ms: the 10 ms watch below sees the half-way page arrive before the
    // next one can be asked for, however fast the replica reads (without it, a fast read outran the watch in CI).
    sandbox.faults.add({
      route: DEAL_PAGES,
      script: Array.from({ length: Math.ceil(options.deals / LIST_PAGE_LIMIT) + 2 }, () => ({
        type: 'latency' as const,
        ms: 100,
      })),
    });
    await install(balancer);
    const tenantId = `hubspot:${sandbox.portal.portalId}`;
    // In the middle of its read, the bulk of a reconcile: half of its deal pages served.
    await killHolder(
      'reconcile',
      fullPassLeaseKey(tenantId),
      { dealPagesRead: Math.max(1, Math.floor(options.deals / LIST_PAGE_LIMIT / 2)), countedFrom: pagesAtInstall },
      RECONCILE_JOB,
    );
    await converge(running, sandbox, balancer, 300_000);
    const installSeconds = (Date.now() - installedAt) / 1000;
    log(`chaos: install converged ${installSeconds.toFixed(1)} s after the install`);

    // The burst: kill the replica draining it shortly after its drain took the tenant's lease.
    const burstAt = Date.now();
    const burst = applyBurst(sandbox, options.burst);
    // At its first write: some deals written, the writer never told, the rest not written.
    await killHolder('drain', drainLeaseKey(tenantId), { firstWrite: true, fallbackMs: 5_000 });
    await converge(running, sandbox, balancer, 300_000);
    const burstSeconds = (Date.now() - burstAt) / 1000;
    log(`chaos: burst of ${burst} deals converged ${burstSeconds.toFixed(1)} s after it began`);

    // Let a few more ticks pass on the restarted fleet, then look at everything.
    await sleep(CHAOS_TICK_SECONDS * 1000 * 2);
    const stats = sandbox.stats();
    const { differing, compared } = diffValues(clean.values, plValues(sandbox));
    const jobs = await jobReport(running, replicas);
    const ticks = await tickReport(running);
    const crashed = replicas
      .filter((replica) => !replica.killed && replica.child.child.exitCode !== null)
      .map(
        (replica) => `${replica.name} exited ${replica.child.child.exitCode}: ${replica.child.errors().slice(-500)}`,
      );
    const live = replicas.filter((replica) => !replica.killed && replica.child.child.exitCode === null);
    for (const replica of live) replica.child.child.kill('SIGTERM');
    const stopExitCodes = await Promise.all(live.map((replica) => replica.child.exited));
    return {
      deals: options.deals,
      companies: clean.companies,
      burst,
      clean: {
        calls: clean.calls,
        installToConvergedSeconds: clean.installToConvergedSeconds,
        burstToConvergedSeconds: clean.burstToConvergedSeconds,
      },
      chaos: {
        calls: stats.calls,
        injected: stats.injected,
        installToConvergedSeconds: installSeconds,
        burstToConvergedSeconds: burstSeconds,
        balancer: { ...balancer.stats },
        redeliveries: sandbox.webhooks.deliveries.filter((delivery) => delivery.attempt > 0).length,
      },
      callRatio: stats.calls / clean.calls,
      routes: Object.fromEntries(
        [...new Set([...Object.keys(clean.routes), ...Object.keys(stats.routes)])].sort().map((route) => [
          route,
          {
            clean: clean.routes[route]?.calls ?? 0,
            chaos: stats.routes[route]?.calls ?? 0,
            injected: stats.routes[route]?.injected ?? 0,
          },
        ]),
      ),
      differing,
      comparedValues: compared,
      kills,
      jobs,
      ticks,
      crashed,
      stopExitCodes,
    };
  } finally {
    for (const replica of replicas) {
      if (replica.child.child.exitCode === null && replica.child.child.signalCode === null) {
        replica.child.child.kill('SIGKILL');
      }
    }
    await Promise.all(replicas.map((replica) => replica.child.exited));
    if (input.logDir) {
      mkdirSync(input.logDir, { recursive: true });
      for (const replica of replicas) writeFileSync(join(input.logDir, `${replica.name}.log`), replica.child.output());
    }
    await store?.close();
    await balancer.close();
    await sandbox.close();
    await database?.drop();
  }
}

/** Every job in the store (pg-boss keeps one row per key: its id is derived from the key), and the replicas' logs. */
async function jobReport(store: Store, replicas: readonly Replica[]): Promise<ChaosReport['jobs']> {
  const { rows } = await sql<{ name: string; id: string; state: string; key: string; retry_count: number }>`
    select name, id::text as id, state, data->>'key' as key, retry_count from pgboss.job
    where not (name = ${CADENCE_JOB} and created_on > now() - interval '15 seconds')
    union all
    select name, id::text as id, state, data->>'key' as key, retry_count from pgboss.archive`.execute(store.db);
  const jobs: JobRow[] = rows.map((row) => ({
    name: row.name,
    id: row.id,
    state: row.state,
    key: row.key,
    retryCount: row.retry_count,
  }));
  const completedByName: Record<string, number> = {};
  const completedPerKey = new Map<string, number>();
  for (const job of jobs) {
    if (job.state !== 'completed') continue;
    completedByName[job.name] = (completedByName[job.name] ?? 0) + 1;
    const key = `${job.name} ${job.key}`;
    completedPerKey.set(key, (completedPerKey.get(key) ?? 0) + 1);
  }
  // Handler runs that reached the end, from every replica's log (killed ones included, up to their death).
  const handlerCompletions = new Map<string, number>();
  for (const replica of replicas) {
    for (const line of replica.child.output().split('\n')) {
      if (!line.startsWith('{') || !line.includes('"job completed"')) continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; job?: string; key?: string };
        if (entry.msg !== 'job completed') continue;
        const key = `${entry.job} ${entry.key}`;
        handlerCompletions.set(key, (handlerCompletions.get(key) ?? 0) + 1);
      } catch {
        // A line cut by the kill.
      }
    }
  }
  const handlerCompletionsNotOnce = [...completedPerKey.keys()]
    .map((key) => ({ key, completions: handlerCompletions.get(key) ?? 0 }))
    .filter((entry) => entry.completions !== 1);
  return {
    total: jobs.length,
    completedByName,
    notCompleted: jobs.filter((job) => job.state !== 'completed'),
    keysCompletedTwice: [...completedPerKey].filter(([, n]) => n > 1).map(([key]) => key),
    handlerCompletionsNotOnce,
  };
}

/** Each tick period between the first and the last settled one: one run recorded, one job, completed. */
async function tickReport(store: Store): Promise<ChaosReport['ticks']> {
  const runs = await sql<{ period_key: string; status: string; n: number }>`
    select period_key, min(status) as status, count(*)::int as n from cadence_runs
    where cadence = ${CHAOS_SCHEDULE.name} and tenant_id is null group by period_key`.execute(store.db);
  const jobs = await sql<{ period: string; n: number; completed: number }>`
    select data->'data'->>'periodKey' as period, count(*)::int as n,
      count(*) filter (where state = 'completed')::int as completed
    from pgboss.job where name = ${CADENCE_JOB} and data->'data'->>'cadence' = ${CHAOS_SCHEDULE.name}
    group by 1`.execute(store.db);
  // Ticks of the last 15 s may still be queued: look at settled periods only.
  const settled = Date.now() - 15_000;
  const at = (period: string) => Date.parse(`${period}Z`);
  const byPeriod = new Map<string, { runs: number; completedRun: boolean; jobs: number; completed: number }>();
  for (const row of runs.rows) {
    byPeriod.set(row.period_key, { runs: row.n, completedRun: row.status === 'completed', jobs: 0, completed: 0 });
  }
  for (const row of jobs.rows) {
    const entry = byPeriod.get(row.period) ?? { runs: 0, completedRun: false, jobs: 0, completed: 0 };
    entry.jobs = row.n;
    entry.completed = row.completed;
    byPeriod.set(row.period, entry);
  }
  const periods = [...byPeriod.keys()].filter((period) => at(period) < settled).sort();
  const missing: string[] = [];
  const first = periods[0];
  const last = periods.at(-1);
  if (first && last) {
    for (let t = at(first); t <= at(last); t += CHAOS_TICK_SECONDS * 1000) {
      const period = new Date(t).toISOString().slice(0, 19);
      if (!byPeriod.has(period)) missing.push(period);
    }
  }
  const notOnce = periods
    .map((period) => ({ period, ...(byPeriod.get(period) as NonNullable<ReturnType<typeof byPeriod.get>>) }))
    .filter((entry) => entry.runs !== 1 || !entry.completedRun || entry.jobs !== 1 || entry.completed !== 1)
    .map(({ period, runs, jobs, completed }) => ({ period, runs, jobs, completed }));
  return { periods: periods.length, missing, notOnce };
}
