import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simulatedWorld, writeSimulatedWorld } from '../sandbox/demo/simulated-world.ts';
import { type OperatorReport, operatorReport } from '../src/metrics/operator-metrics.ts';
import type { BenchModule } from './bench-module.ts';
import { benchNodeArgs } from './support/node-args.ts';

/**
 * SPEC §6 Operator report, two parts.
 *
 * - **Lift validity**: on simulated worlds with segment confounding and a known true lift
 *   (sandbox/demo/simulated-world.ts: partners attach to 8 % of SMB deals and 70 % of enterprise ones, which
 *   win twice as often; an attached deal wins with base(segment) + trueLift), the real engine (`operatorReport`) on
 *   each world's covered quarter: how often the 95 % interval covers the truth (target 90–99 %), the mean absolute
 *   error of the Mantel–Haenszel estimate against that of the raw attached-minus-unattached difference (the
 *   estimate's must be well below: at most half), and the median interval width. The true lift cycles through
 *   0, 4, 8 and 12 points so a null effect is among the worlds.
 * - **1,000,000 deals**: the world streamed to JSONL (deals + roster) in a temp dir, then the real CLI
 *   (`node bin/partnerloop.js report … --as-of …`) in a child process pinned to one core (taskset), measured from
 *   outside (wall) and from inside (CPU of every thread and peak RSS, by a preloaded module that reports the process's
 *   own resource usage at exit). Target ≤ 30 s wall. The output is checked, not only timed.
 *
 * `--quick`: 10 worlds, 100,000 deals.
 */

const AS_OF = '2026-07-01';
const TRUE_LIFTS = [0, 0.04, 0.08, 0.12];
const FIRST_SEED = 1001;
const BIG_WORLD_SEED = 20_260_701;
const FULL = { worlds: 60, dealsPerWorld: 30_000, bigDeals: 1_000_000, repetitions: 2 };
const QUICK = { worlds: 10, dealsPerWorld: 30_000, bigDeals: 100_000, repetitions: 1 };
const TARGETS = {
  coverageLow: 0.9,
  coverageHigh: 0.99,
  /** The estimate's mean absolute error over the raw difference's: "well below" read as at most half. */
  maxErrorRatio: 0.5,
  minWorlds: 50,
  seconds1M: 30,
};

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin/partnerloop.js');
const USAGE_PRELOAD = new URL('./report/cli-resource-usage.mjs', import.meta.url).href;
const ONE_CORE = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Wilson 95 % interval of a proportion: how sure the coverage figure itself is with this many worlds. */
function wilson(successes: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [round(centre - half), round(centre + half)];
}

interface WorldResult {
  seed: number;
  trueLift: number;
  closedNewBusiness: number;
  estimate: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  raw: number | null;
  covered: boolean;
}

function liftValidity(worlds: number, dealsPerWorld: number, log: (line: string) => void) {
  const results: WorldResult[] = [];
  const started = performance.now();
  for (let i = 0; i < worlds; i += 1) {
    const seed = FIRST_SEED + i;
    const trueLift = TRUE_LIFTS[i % TRUE_LIFTS.length] as number;
    const world = simulatedWorld({ seed, deals: dealsPerWorld, asOf: AS_OF, trueLift });
    const report = operatorReport(world.deals(), { kind: 'quarter', asOf: AS_OF, partners: world.partners });
    const { estimate, ciLow, ciHigh, raw } = report.lift;
    const { named, selfServe, unattached } = report.partnerWinRate;
    results.push({
      seed,
      trueLift,
      closedNewBusiness: named.closed + selfServe.closed + unattached.closed,
      estimate,
      ciLow,
      ciHigh,
      raw,
      covered: ciLow !== null && ciHigh !== null && ciLow <= trueLift && trueLift <= ciHigh,
    });
    if ((i + 1) % 10 === 0) log(`lift validity: ${i + 1}/${worlds} worlds`);
  }
  const seconds = (performance.now() - started) / 1000;

  const estimated = results.filter((r) => r.estimate !== null && r.raw !== null);
  const covered = results.filter((r) => r.covered).length;
  const coverage = covered / results.length;
  const errors = estimated.map((r) => (r.estimate as number) - r.trueLift);
  const rawErrors = estimated.map((r) => (r.raw as number) - r.trueLift);
  const maeEstimate = mean(errors.map(Math.abs));
  const maeRaw = mean(rawErrors.map(Math.abs));
  const widths = estimated.map((r) => (r.ciHigh as number) - (r.ciLow as number));
  const errorRatio = maeEstimate / maeRaw;
  const byTrueLift = TRUE_LIFTS.map((trueLift) => {
    const group = results.filter((r) => r.trueLift === trueLift);
    return {
      trueLift,
      worlds: group.length,
      coverage: group.length === 0 ? null : round(group.filter((r) => r.covered).length / group.length),
      meanEstimate: group.length === 0 ? null : round(mean(group.map((r) => r.estimate ?? Number.NaN))),
      meanRaw: group.length === 0 ? null : round(mean(group.map((r) => r.raw ?? Number.NaN))),
    };
  });
  const truth = simulatedWorld({ seed: FIRST_SEED, deals: 0, asOf: AS_OF, trueLift: 0 }).truth;
  const enoughWorlds = results.length >= TARGETS.minWorlds;
  const met = {
    enoughWorlds,
    // A 90–99 % band cannot be judged on a handful of worlds (10 of 10 covered is 100 %): --quick reports it only.
    coverage: enoughWorlds ? coverage >= TARGETS.coverageLow && coverage <= TARGETS.coverageHigh : null,
    errorWellBelowRaw: errorRatio <= TARGETS.maxErrorRatio,
    estimateEveryWorld: estimated.length === results.length,
  };
  const pass = met.coverage !== false && met.errorWellBelowRaw && met.estimateEveryWorld;
  const verdict = pass ? (enoughWorlds ? 'PASS' : `PASS (coverage not judged on ${results.length} worlds)`) : 'FAIL';
  log(
    `lift validity: ${verdict} — coverage ${round(coverage, 3)} (target ${TARGETS.coverageLow}–${TARGETS.coverageHigh}), ` +
      `MAE estimate ${round(maeEstimate)} vs raw ${round(maeRaw)} (ratio ${round(errorRatio, 3)}, target ≤ ${TARGETS.maxErrorRatio}), ` +
      `median width ${round(median(widths))}`,
  );
  return {
    worlds: results.length,
    dealsPerWorld,
    trueLifts: TRUE_LIFTS,
    closedNewBusinessPerWorld: {
      median: median(results.map((r) => r.closedNewBusiness)),
      min: Math.min(...results.map((r) => r.closedNewBusiness)),
    },
    coverage: round(coverage),
    coverageInterval95: wilson(covered, results.length),
    maeEstimate: round(maeEstimate),
    maeRaw: round(maeRaw),
    errorRatio: round(errorRatio),
    meanErrorEstimate: round(mean(errors)),
    meanErrorRaw: round(mean(rawErrors)),
    expectedRawBias: round(truth.expectedRawDifference - truth.trueLift),
    medianIntervalWidth: round(median(widths)),
    byTrueLift,
    seconds: round(seconds, 1),
    targets: {
      coverage: [TARGETS.coverageLow, TARGETS.coverageHigh],
      maxErrorRatio: TARGETS.maxErrorRatio,
      minWorlds: TARGETS.minWorlds,
    },
    ratioToTargets: { errorRatioOverMax: round(errorRatio / TARGETS.maxErrorRatio, 3) },
    met,
    pass: enoughWorlds ? pass : null,
    worldsDetail: results.map((r) => ({
      seed: r.seed,
      trueLift: r.trueLift,
      estimate: r.estimate === null ? null : round(r.estimate),
      ciLow: r.ciLow === null ? null : round(r.ciLow),
      ciHigh: r.ciHigh === null ? null : round(r.ciHigh),
      raw: r.raw === null ? null : round(r.raw),
      covered: r.covered,
    })),
  };
}

interface CliRun {
  wallSeconds: number;
  userCpuSeconds: number;
  systemCpuSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

/** One `partnerloop report` in its own process, pinned to one core when taskset exists. */
async function reportCli(dealsPath: string, partnersPath: string, dir: string, attempt: number) {
  const usageFile = join(dir, `usage-${attempt}.json`);
  const out = join(dir, `report-${attempt}.json`);
  const profile = process.env.REPORT_BENCH_CPU_PROF_DIR;
  const node = [
    process.execPath,
    ...benchNodeArgs(),
    '--import',
    USAGE_PRELOAD,
    ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []),
    CLI,
    'report',
    dealsPath,
    '--partners',
    partnersPath,
    '--as-of',
    AS_OF,
    '--out',
    out,
  ];
  const [command, ...args] = ONE_CORE ? ['taskset', '-c', '0', ...node] : node;
  const started = performance.now();
  try {
    await run(command as string, args, {
      cwd: ROOT,
      env: { ...process.env, PARTNERLOOP_BENCH_USAGE_FILE: usageFile },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`partnerloop report failed: ${stderr.split('\n').pop() ?? (error as Error).message}`);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const usage = JSON.parse(await readFile(usageFile, 'utf8')) as {
    userCpuMicros: number;
    systemCpuMicros: number;
    maxRssKb: number;
  };
  const report = JSON.parse(await readFile(out, 'utf8')) as OperatorReport;
  const measured: CliRun = {
    wallSeconds: round(wallSeconds, 2),
    userCpuSeconds: round(usage.userCpuMicros / 1e6, 2),
    systemCpuSeconds: round(usage.systemCpuMicros / 1e6, 2),
    cpuSeconds: round((usage.userCpuMicros + usage.systemCpuMicros) / 1e6, 2),
    peakRssMb: Math.round(usage.maxRssKb / 1024),
  };
  return { measured, report };
}

async function bigReport(deals: number, repetitions: number, log: (line: string) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'partnerloop-report-bench-'));
  try {
    const world = simulatedWorld({ seed: BIG_WORLD_SEED, deals, asOf: AS_OF });
    const dealsPath = join(dir, 'deals.jsonl');
    const partnersPath = join(dir, 'partners.jsonl');
    const generationStarted = performance.now();
    const written = await writeSimulatedWorld(world, { dealsPath, partnersPath });
    const generationSeconds = (performance.now() - generationStarted) / 1000;
    log(
      `${deals} deals: generated ${Math.round(written.dealBytes / 1024 / 1024)} MB of JSONL and ${world.partners.length} partners in ${generationSeconds.toFixed(1)} s`,
    );

    // The same command on an empty deals file: what starting the CLI costs (tsx, module loading), apart from the deals.
    const emptyPath = join(dir, 'no-deals.jsonl');
    await writeFile(emptyPath, '');
    const startup = (await reportCli(emptyPath, partnersPath, dir, 0)).measured;
    log(
      `startup (no deals): ${startup.wallSeconds} s wall, ${startup.cpuSeconds} s CPU, peak RSS ${startup.peakRssMb} MB`,
    );

    const runs: CliRun[] = [];
    let report: OperatorReport | undefined;
    for (let attempt = 1; attempt <= repetitions; attempt += 1) {
      const load = loadavg()[0] ?? 0;
      const result = await reportCli(dealsPath, partnersPath, dir, attempt);
      runs.push(result.measured);
      report = result.report;
      const m = result.measured;
      log(
        `${deals} deals: run ${attempt}: ${m.wallSeconds} s wall, ${m.cpuSeconds} s CPU (user ${m.userCpuSeconds}, sys ${m.systemCpuSeconds}), peak RSS ${m.peakRssMb} MB (load before ${load.toFixed(1)})`,
      );
    }
    const best = runs.reduce((a, b) => (b.wallSeconds < a.wallSeconds ? b : a));
    const lift = report?.lift;
    return {
      deals,
      seed: BIG_WORLD_SEED,
      asOf: AS_OF,
      file: { megabytes: Math.round(written.dealBytes / 1024 / 1024), partners: world.partners.length },
      generationSeconds: round(generationSeconds, 1),
      pinnedToOneCore: ONE_CORE,
      runs,
      best,
      ratioToTarget: deals === 1_000_000 ? round(best.wallSeconds / TARGETS.seconds1M, 3) : null,
      startup,
      dealsOnly: {
        wallSeconds: round(best.wallSeconds - startup.wallSeconds, 2),
        cpuSeconds: round(best.cpuSeconds - startup.cpuSeconds, 2),
        cpuMicrosPerDeal: round(((best.cpuSeconds - startup.cpuSeconds) * 1e6) / deals, 1),
      },
      // Startup plus the deals' share scaled to a million (linear): what --quick says about the full target.
      projectedSeconds1M: round(
        startup.wallSeconds + ((best.wallSeconds - startup.wallSeconds) * 1_000_000) / deals,
        1,
      ),
      output: {
        period: report?.period ?? null,
        closedNewBusiness: report
          ? report.partnerWinRate.named.closed +
            report.partnerWinRate.selfServe.closed +
            report.partnerWinRate.unattached.closed
          : null,
        lift: lift ? { estimate: lift.estimate, ciLow: lift.ciLow, ciHigh: lift.ciHigh, raw: lift.raw } : null,
        trueLift: world.truth.trueLift,
        covered:
          lift?.ciLow != null &&
          lift.ciHigh != null &&
          lift.ciLow <= world.truth.trueLift &&
          world.truth.trueLift <= lift.ciHigh,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const reportBench: BenchModule = {
  name: 'report',
  description:
    'operator report: lift validity on simulated confounded worlds (coverage, error vs raw) and partnerloop report on 1M deals (wall, CPU, RSS)',
  async run({ quick, log }) {
    const plan = quick ? QUICK : FULL;
    const loadBefore = loadavg()[0] ?? 0;
    const validity = liftValidity(plan.worlds, plan.dealsPerWorld, log);
    const big = await bigReport(plan.bigDeals, plan.repetitions, log);
    const at1M = big.deals === 1_000_000;
    const met = {
      liftCoverage: validity.met.coverage,
      liftErrorWellBelowRaw: validity.met.errorWellBelowRaw,
      liftEnoughWorlds: validity.met.enoughWorlds,
      liftEstimateEveryWorld: validity.met.estimateEveryWorld,
      seconds1M: at1M ? big.best.wallSeconds <= TARGETS.seconds1M : null,
      allMeasured: at1M && validity.met.enoughWorlds,
    };
    return {
      quick,
      plan,
      lift: validity,
      report1M: big,
      targets: TARGETS,
      met,
      headline: {
        coverage: validity.coverage,
        maeEstimate: validity.maeEstimate,
        maeRaw: validity.maeRaw,
        errorRatio: validity.errorRatio,
        medianIntervalWidth: validity.medianIntervalWidth,
        deals: big.deals,
        wallSeconds: big.best.wallSeconds,
        cpuSeconds: big.best.cpuSeconds,
        peakRssMb: big.best.peakRssMb,
        ratioToTarget: big.ratioToTarget,
      },
      host: {
        cpus: cpus().length,
        loadAverage1m: { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2) },
      },
    };
  },
};

export default reportBench;
