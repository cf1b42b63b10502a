import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type DedupeTruth, generateLabelledDeals } from '../sandbox/demo/labelled-deals.ts';
import { type ClusterEvaluation, evaluateClusters } from '../sandbox/demo/pairwise-metrics.ts';
import { normalizeText } from '../src/dedupe/deal-normalization.ts';
import type { Deal } from '../src/model/deal.ts';
import type { BenchModule } from './bench-module.ts';

/**
 * SPEC §6 Dedupe. On the labelled generator (sandbox/demo/labelled-deals.ts: every duplicate mechanism and
 * hard-negative type of §2.2, with typos, suffix swaps, case, accents, amounts off by up to 8 %, close dates up to
 * 40 days off, missing domains and duplicate company records), at 50k, 100k and 200k deals:
 * - pairwise precision / recall / F1, overall, per duplicate mechanism and per hard-negative type, for the engine and
 *   for an exact-match baseline (same account id + same normalized deal name) on the same data;
 * - wall time and peak RSS of the real `partnerloop dedupe` (read, validate, dedupe, write) and of the engine alone,
 *   each size in its own child process pinned to one core (taskset) so RSS and CPU belong to that size.
 * The model was calibrated on other seeds (bench/dedupe/calibrate-weights.ts); this benchmark never trains.
 */

const SEED = 42;
const FULL_SIZES = [50_000, 100_000, 200_000];
const QUICK_SIZES = [5_000, 10_000, 20_000];
const TARGETS = {
  precision: 0.98,
  f1: 0.97,
  seconds200k: 20,
  peakRssMb200k: 1536,
  /** Exponent b of time ∝ deals^b fitted over the sizes; 1 is linear. */
  maxGrowthExponent: 1.2,
};

const CONFIDENCE_BANDS: ReadonlyArray<readonly [number, number]> = [
  [0.9, 0.95],
  [0.95, 0.99],
  [0.99, 0.999],
  [0.999, 1.01],
];

const run = promisify(execFile);
const WORKER = new URL('./dedupe/dedupe-size.worker.ts', import.meta.url).pathname;
const ONE_CORE = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');

interface CliRun {
  code: number;
  wallMs: number;
  peakRssMb: number;
  stderr: string;
}
interface EngineRun {
  engineMs: number;
  peakRssMb: number;
  stats: { candidatePairs: number; vetoedPairs: number; acceptedPairs: number; clusters: number };
}

async function worker<T>(args: string[]): Promise<T> {
  const node = [process.execPath, '--import', 'tsx', WORKER, ...args];
  const [command, ...rest] = ONE_CORE ? ['taskset', '-c', '0', ...node] : node;
  const { stdout } = await run(command as string, rest, { maxBuffer: 16 * 1024 * 1024, cwd: process.cwd() });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as T;
}

/** The baseline a careful admin might write by hand: same account id and same normalized deal name. */
function exactMatchClusters(deals: readonly Deal[]): Array<{ ids: string[] }> {
  const groups = new Map<string, string[]>();
  for (const deal of deals) {
    const key = `${deal.account.id}\u0000${normalizeText(deal.name)}`;
    const ids = groups.get(key);
    if (ids) ids.push(deal.id);
    else groups.set(key, [deal.id]);
  }
  return [...groups.values()].filter((ids) => ids.length > 1).map((ids) => ({ ids }));
}

function summary(evaluation: ClusterEvaluation) {
  const pick = (s: { precision: number; recall: number; f1: number }) => ({
    precision: s.precision,
    recall: s.recall,
    f1: s.f1,
  });
  return {
    overall: evaluation.overall,
    byMechanism: Object.fromEntries(
      Object.entries(evaluation.byMechanism).map(([k, v]) => [k, { ...pick(v), truePairs: v.truePairs }]),
    ),
    byHardNegative: Object.fromEntries(
      Object.entries(evaluation.byHardNegative).map(([k, v]) => [
        k,
        { ...pick(v), negativePairs: v.negativePairs, falselyMerged: v.falselyMerged, truePairs: v.truePairs },
      ]),
    ),
    falseMerges: evaluation.falseMerges,
  };
}

/** Least-squares slope of log(time) on log(deals). */
function growthExponent(points: ReadonlyArray<{ deals: number; seconds: number }>): number | null {
  if (points.length < 2) return null;
  const xs = points.map((p) => Math.log(p.deals));
  const ys = points.map((p) => Math.log(p.seconds));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] as number) - my);
    den += (x - mx) ** 2;
  });
  return Math.round((num / den) * 100) / 100;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function measureSize(deals: number, repetitions: number, dir: string, log: (line: string) => void) {
  const world = generateLabelledDeals({ seed: SEED, deals });
  const file = join(dir, `deals-${deals}.jsonl`);
  const out = join(dir, `clusters-${deals}.jsonl`);
  await writeFile(file, `${world.deals.map((deal) => JSON.stringify(deal)).join('\n')}\n`);

  const cliRuns: CliRun[] = [];
  for (let r = 0; r < repetitions; r += 1) {
    const result = await worker<CliRun>(['cli', file, out]);
    if (result.code !== 0) throw new Error(`partnerloop dedupe failed at ${deals} deals: ${result.stderr}`);
    cliRuns.push(result);
    log(`${deals} deals: cli run ${r + 1}: ${(result.wallMs / 1000).toFixed(2)} s, peak RSS ${result.peakRssMb} MB`);
  }
  const engineRuns: EngineRun[] = [];
  for (let r = 0; r < repetitions; r += 1) {
    const result = await worker<EngineRun>(['engine', file]);
    engineRuns.push(result);
    log(`${deals} deals: engine run ${r + 1}: ${(result.engineMs / 1000).toFixed(2)} s`);
  }

  const clusters = (await readFile(out, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { ids: string[]; confidence: number });
  const accountOf = new Map(world.deals.map((deal) => [deal.id, deal.account.id]));
  const engine = evaluateClusters(clusters, world.truth as DedupeTruth, (id) => accountOf.get(id));
  const baseline = evaluateClusters(exactMatchClusters(world.deals), world.truth, (id) => accountOf.get(id));
  // Is the confidence worth reading? Pairwise precision of the clusters in each confidence band.
  const reliability = CONFIDENCE_BANDS.map(([low, high]) => {
    const band = clusters.filter((c) => c.confidence >= low && c.confidence < high);
    const scores = evaluateClusters(band, world.truth).overall;
    return {
      confidence: `[${low}, ${high === 1.01 ? 1 : high})`,
      clusters: band.length,
      pairs: scores.predictedPairs,
      precision: scores.precision,
    };
  });
  log(
    `${deals} deals: engine P ${engine.overall.precision} R ${engine.overall.recall} F1 ${engine.overall.f1}; ` +
      `baseline P ${baseline.overall.precision} R ${baseline.overall.recall} F1 ${baseline.overall.f1}`,
  );
  await rm(file, { force: true });
  await rm(out, { force: true });

  const cliSeconds = cliRuns.map((r) => round(r.wallMs / 1000));
  const engineSeconds = engineRuns.map((r) => round(r.engineMs / 1000));
  const stats = engineRuns[0]?.stats;
  return {
    deals,
    cli: {
      seconds: cliSeconds,
      bestSeconds: Math.min(...cliSeconds),
      peakRssMb: Math.max(...cliRuns.map((r) => r.peakRssMb)),
    },
    engine: {
      seconds: engineSeconds,
      bestSeconds: Math.min(...engineSeconds),
      peakRssMb: Math.max(...engineRuns.map((r) => r.peakRssMb)),
      candidatePairs: stats?.candidatePairs ?? null,
      candidatePairsPerDeal: stats ? round(stats.candidatePairs / deals, 1) : null,
      vetoedPairs: stats?.vetoedPairs ?? null,
      acceptedPairs: stats?.acceptedPairs ?? null,
    },
    quality: summary(engine),
    confidenceReliability: reliability,
    baseline: summary(baseline),
  };
}

const dedupeBench: BenchModule = {
  name: 'dedupe',
  description: `opportunity de-duplication: pairwise quality vs an exact-match baseline, time and peak RSS per size (seed ${SEED})`,
  async run({ quick, log }) {
    const sizes = quick ? QUICK_SIZES : FULL_SIZES;
    const repetitions = quick ? 1 : 2;
    const dir = await mkdtemp(join(tmpdir(), 'partnerloop-dedupe-bench-'));
    try {
      const results = [];
      for (const deals of sizes) results.push(await measureSize(deals, repetitions, dir, log));
      const largest = results[results.length - 1];
      const cliGrowth = growthExponent(results.map((r) => ({ deals: r.deals, seconds: r.cli.bestSeconds })));
      const engineGrowth = growthExponent(results.map((r) => ({ deals: r.deals, seconds: r.engine.bestSeconds })));
      const at200k = results.find((r) => r.deals === 200_000);
      const qualityMet = results.every(
        (r) => r.quality.overall.precision >= TARGETS.precision && r.quality.overall.f1 >= TARGETS.f1,
      );
      return {
        seed: SEED,
        sizes,
        repetitions,
        pinnedToOneCore: ONE_CORE,
        model: 'logistic level weights (src/dedupe/default-match-model.ts), trained on seeds 1001–1003',
        results,
        growthExponent: { cli: cliGrowth, engine: engineGrowth },
        targets: TARGETS,
        met: {
          precisionAndF1AtEverySize: qualityMet,
          seconds200k: at200k ? at200k.cli.bestSeconds <= TARGETS.seconds200k : null,
          peakRssMb200k: at200k ? at200k.cli.peakRssMb <= TARGETS.peakRssMb200k : null,
          nearLinearCli: cliGrowth === null ? null : cliGrowth <= TARGETS.maxGrowthExponent,
          nearLinearEngine: engineGrowth === null ? null : engineGrowth <= TARGETS.maxGrowthExponent,
          allMeasured: at200k !== undefined,
        },
        headline: largest
          ? {
              deals: largest.deals,
              precision: largest.quality.overall.precision,
              recall: largest.quality.overall.recall,
              f1: largest.quality.overall.f1,
              baselineF1: largest.baseline.overall.f1,
              cliSeconds: largest.cli.bestSeconds,
              peakRssMb: largest.cli.peakRssMb,
            }
          : null,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default dedupeBench;
