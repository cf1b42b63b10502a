/**
 * Calibrates the dedupe match model on the labelled generator with training seeds (never the benchmark's seeds):
 * `node --import tsx bench/dedupe/calibrate-weights.ts [deals] [--write]` prints the Fellegi–Sunter m/u estimates and
 * the logistic level weights; `--write` regenerates src/dedupe/default-match-model.ts from the latter.
 */
import { writeFile } from 'node:fs/promises';
import { generateLabelledDeals } from '../../sandbox/demo/labelled-deals.ts';
import { dealFeatures, inferFamiliesFromNames } from '../../src/dedupe/deal-features.ts';
import { candidatePairs } from '../../src/dedupe/dedupe-blocking.ts';
import { DEFAULT_DEDUPE_OPTIONS } from '../../src/dedupe/find-duplicates.ts';
import { compareFeatures, DEFAULT_SCORING_SETTINGS, vetoOf } from '../../src/dedupe/pair-scoring.ts';
import { estimateMatchWeights, fitLevelWeights, type LabelledComparison } from '../../src/dedupe/weight-calibration.ts';

export const TRAINING_SEEDS = [1001, 1002, 1003];

const args = process.argv.slice(2);
const size = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 60_000);
const seeds = TRAINING_SEEDS;
const samples: LabelledComparison[] = [];
for (const seed of seeds) {
  const { deals, truth } = generateLabelledDeals({ seed, deals: size });
  const features = deals.map((deal, index) =>
    dealFeatures(deal, index, { registrationRoles: DEFAULT_DEDUPE_OPTIONS.registrationRoles }),
  );
  inferFamiliesFromNames(features);
  const { keys } = candidatePairs(features);
  const n = features.length;
  for (const key of keys) {
    const a = Math.floor(key / n);
    const b = key - a * n;
    const x = features[a];
    const y = features[b];
    if (!x || !y || vetoOf(x, y, DEFAULT_SCORING_SETTINGS)) continue;
    samples.push({
      comparison: compareFeatures(x, y),
      match: truth.labels[a]?.eventId === truth.labels[b]?.eventId,
    });
  }
}
const fellegiSunter = estimateMatchWeights(samples);
const logistic = fitLevelWeights(samples);
process.stdout.write(`${JSON.stringify({ fellegiSunter, logistic }, null, 2)}\n`);
if (args.includes('--write')) {
  const source = [
    "import type { MatchModel } from './pair-scoring.ts';",
    '',
    '/**',
    ' * Default match model: log2-odds per comparison level, fitted by `fitLevelWeights` (logistic regression, L2 = 1,',
    ` * "missing" levels held at 0) on ${logistic.samples} labelled candidate pairs from the generator with training`,
    ` * seeds ${seeds.join(', ')} at ${size} deals each. The benchmark evaluates on other seeds. Regenerate with`,
    ' * `node --import tsx bench/dedupe/calibrate-weights.ts --write`.',
    ' */',
    `export const DEFAULT_MATCH_MODEL: MatchModel = ${JSON.stringify({ interceptBits: logistic.interceptBits, bits: logistic.bits }, null, 2)};`,
    '',
  ].join('\n');
  await writeFile(new URL('../../src/dedupe/default-match-model.ts', import.meta.url), source);
}
