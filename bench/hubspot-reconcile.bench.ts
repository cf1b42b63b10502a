import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Sandbox, startSandbox } from '../sandbox/server.ts';
import { openStore } from '../sync/platform/store/database.ts';
import { migrateToLatest } from '../sync/platform/store/migrate.ts';
import { TenantsRepository } from '../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../sync/platform/store/token-cipher.ts';
import type { BenchModule } from './bench-module.ts';
import { tsWorkerArgs } from './support/node-args.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface WorkerReport {
  result: {
    dealsRead: number;
    partnersRead: number;
    readCalls: number;
    deals: number;
    companies: number;
    calls: number;
  };
  exitCode: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** The command's own threads (not esbuild's process): the event loop's, V8's and libuv's helpers, the engines'. */
  cpuSecondsByThread: { main: number; helpers: number; engines: number } | null;
  peakRssMb: number;
  maxEventLoopLagMs: number;
}

/** Runs the reconcile command in its own process; `profile`: a CPU profile into BENCH_CPU_PROF_DIR when it is set. */
export function runWorker(env: Record<string, string>, options: { profile?: boolean } = {}): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsWorkerArgs('bench/support/reconcile-worker.ts', options), {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => {
      // The command's JSON line, then the worker's (lines of node's own, e.g. `--trace-gc`, are skipped).
      const lines = out.split('\n').filter((line) => line.startsWith('{'));
      if (process.env.BENCH_WORKER_OUT) appendFileSync(process.env.BENCH_WORKER_OUT, out);
      if (code !== 0 || lines.length < 2) reject(new Error(`reconcile worker exited ${code}: ${out.slice(-500)}`));
      else resolve({ result: JSON.parse(lines.at(-2) ?? '{}'), ...JSON.parse(lines.at(-1) ?? '{}') } as WorkerReport);
    });
  });
}

/**
 * The stores a benchmark runs on: PGlite, and Postgres when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set;
 * BENCH_STORES (`pglite`, `postgres` or both, comma-separated) narrows the list.
 */
export function benchStores(): Array<[kind: string, databaseUrl: string | undefined]> {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const all: Array<[string, string | undefined]> = databaseUrl
    ? [
        ['pglite', undefined],
        ['postgres', databaseUrl],
      ]
    : [['pglite', undefined]];
  const only = process.env.BENCH_STORES?.split(',').map((kind) => kind.trim());
  return only ? all.filter(([kind]) => only.includes(kind)) : all;
}

/**
 * An empty, migrated store for a command in another process: a PGlite directory, or a fresh database on the Postgres
 * at `databaseUrl` (`name` tells the benches apart). `store` is open for the set-up; close it before the command runs.
 */
export async function emptyBenchStore(name: string, databaseUrl: string | undefined) {
  const dataDir = await mkdtemp(join(tmpdir(), `pl-bench-${name}-`));
  let benchUrl: string | undefined;
  let admin: pg.Client | undefined;
  if (databaseUrl) {
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const database = `pl_bench_${name.replace(/-/g, '_')}_${process.pid}`;
    await admin.query(`drop database if exists ${database}`);
    await admin.query(`create database ${database}`);
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    benchUrl = url.toString();
  }
  const store = await openStore({ databaseUrl: benchUrl, dataDir: join(dataDir, 'pglite') });
  await migrateToLatest(store.db);
  return {
    store,
    /** The command's DATA_DIR and, on Postgres, DATABASE_URL. */
    env: { DATA_DIR: dataDir, ...(benchUrl ? { DATABASE_URL: benchUrl } : {}) },
    async close() {
      await rm(dataDir, { recursive: true, force: true });
      if (admin) {
        await admin.query(`drop database if exists ${new URL(benchUrl ?? '').pathname.slice(1)} with (force)`);
        await admin.end();
      }
    },
  };
}

/** A store for the command to use, with the sandbox portal connected as a tenant. */
export async function prepareStore(sandbox: Sandbox, key: Buffer, databaseUrl: string | undefined) {
  const bench = await emptyBenchStore('reconcile', databaseUrl);
  const tokens = sandbox.issueToken({ lifetimeMs: 6 * 3_600_000 });
  await new TenantsRepository(bench.store.db, new TokenCipher(key)).connect(
    'hubspot',
    String(sandbox.portal.portalId),
    {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + 6 * 3_600_000,
      scopes: [],
    },
  );
  await bench.store.close();
  return {
    /** The service's environment for this store and sandbox, plus PORTAL (the sandbox portal's id). */
    env: {
      ...bench.env,
      HUBSPOT_API_BASE_URL: sandbox.url,
      HUBSPOT_CLIENT_ID: sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
      PORTAL: String(sandbox.portal.portalId),
    },
    close: bench.close,
  };
}

/**
 * The real job: `partnerloop reconcile` (provisioning check, full read, mirror refresh, every feature's write-back,
 * the after-reconcile loops) against a 100,000-deal sandbox portal at HubSpot's real limits (110 requests / 10 s),
 * twice — the second pass finds nothing changed and must write nothing. On PGlite, and on Postgres when
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set. Calls against the page/batch minimum, wall time against the
 * rate-limit bound, and the command's CPU (its own process) per 100k deals, each with its ratio to the target.
 */
const bench: BenchModule = {
  name: 'hubspot-reconcile',
  description: 'the real `partnerloop reconcile` at real HubSpot limits, twice (100k deals; --quick: 10k)',
  async run({ quick, log }) {
    const deals = quick ? 10_000 : 100_000;
    const out: Record<string, unknown> = { deals };
    for (const [kind, url] of benchStores()) {
      const sandbox = await startSandbox({ deals, seed: 2026 });
      const key = randomBytes(32);
      const store = await prepareStore(sandbox, key, url);
      try {
        const companies = sandbox.portal.count('companies');
        const env = store.env;
        const partners = [...sandbox.portal.records('companies')].filter(
          (c) => c.properties.pl_is_partner === 'true',
        ).length;
        // Companies and deals by page, deal→company links per 1,000 deals, partner→company links per 1,000 partners.
        const readMinimum =
          Math.ceil(companies / 100) + Math.ceil(deals / 100) + Math.ceil(deals / 1000) + Math.ceil(partners / 1000);
        const pass = async (label: string) => {
          sandbox.resetStats();
          log(`${kind}: ${label} (${deals} deals, ${companies} companies)`);
          // BENCH_CPU_PROF_DIR: a CPU profile of each pass's command (for finding where its CPU goes).
          const report = await runWorker(env, { profile: true });
          const stats = sandbox.stats();
          // What the command had to call beyond the reads: provisioning (reads; creates on the first pass), the
          // role labels, and one batch per 100 changed deals or companies and per 100 links.
          const other = Object.entries(stats.routes)
            .filter(([route]) => !/^GET \/crm\/objects\/[^/]+\/(deals|companies)$/.test(route))
            .filter(([route]) => !/^POST \/crm\/associations\/.+\/batch\/read$/.test(route))
            .filter(([route]) => !/^POST \/crm\/objects\/[^/]+\/(deals|companies)\/batch\/update$/.test(route))
            .reduce((sum, [, r]) => sum + r.calls, 0);
          const writes = Math.ceil(report.result.deals / 100) + Math.ceil(report.result.companies / 100);
          const minimum = readMinimum + writes + other;
          const bound = (minimum / 110) * 10;
          return {
            calls: stats.calls,
            minimumCalls: minimum,
            callsRatio: Number((stats.calls / minimum).toFixed(4)),
            rateLimited429s: stats.rateLimited,
            wallSeconds: Number(report.wallSeconds.toFixed(2)),
            rateLimitBoundSeconds: Number(bound.toFixed(2)),
            wallRatio: Number((report.wallSeconds / bound).toFixed(4)),
            cpuSeconds: Number(report.cpuSeconds.toFixed(2)),
            cpuSecondsPer100kDeals: Number(((report.cpuSeconds * 100_000) / deals).toFixed(2)),
            cpuRatio: Number(((report.cpuSeconds * 100_000) / deals / 10).toFixed(4)),
            cpuSecondsByThread: report.cpuSecondsByThread,
            peakRssMb: report.peakRssMb,
            maxEventLoopLagMs: report.maxEventLoopLagMs,
            dealsWritten: report.result.deals,
            companiesWritten: report.result.companies,
            writeCalls: report.result.calls,
            callsByRoute: Object.fromEntries(Object.entries(stats.routes).map(([route, r]) => [route, r.calls])),
          };
        };
        const first = await pass('first reconcile');
        // A new process starts with an empty limiter while HubSpot's rolling window still counts the last one's calls.
        await new Promise((resolve) => setTimeout(resolve, 10_500));
        const second = await pass('second reconcile (nothing changed)');
        const targets = {
          callsRatioAtMost1_05: first.callsRatio <= 1.05 && second.callsRatio <= 1.05,
          zero429s: first.rateLimited429s === 0 && second.rateLimited429s === 0,
          wallRatioAtMost1_1: first.wallRatio <= 1.1 && second.wallRatio <= 1.1,
          cpuAtMost10sPer100k: first.cpuSecondsPer100kDeals <= 10 && second.cpuSecondsPer100kDeals <= 10,
          secondPassWritesNothing: second.dealsWritten === 0 && second.companiesWritten === 0,
        };
        out[kind] = {
          companies,
          partners,
          firstPass: first,
          secondPass: second,
          targets,
          met: Object.values(targets).every(Boolean),
        };
      } finally {
        await store.close();
        await sandbox.close();
      }
    }
    return out;
  },
};

export default bench;
