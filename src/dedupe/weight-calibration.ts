import { COMPARISON_LEVELS, type ComparisonField, type MatchWeights, type PairComparison } from './pair-scoring.ts';

export interface LabelledComparison {
  comparison: PairComparison;
  /** True when the two records are the same buying event. */
  match: boolean;
}

export interface CalibratedWeights {
  weights: MatchWeights;
  /** Share of matches among the labelled pairs: the prior of the model. */
  priorMatchProbability: number;
  matches: number;
  nonMatches: number;
}

/**
 * Maximum-likelihood m/u probabilities from labelled candidate pairs (confirmed duplicates and "not a duplicate"
 * decisions, or a labelled generator), with add-`smoothing` counts per level so an unseen level is unlikely, never
 * impossible, and a `floor` on every probability so no single level outweighs everything else (the must-not-merge
 * cases are vetoes, not weights). Probabilities keep 3 significant digits so the table reads well as code.
 */
export function estimateMatchWeights(
  samples: Iterable<LabelledComparison>,
  options: { smoothing?: number; floor?: number } = {},
): CalibratedWeights {
  const smoothing = options.smoothing ?? 1;
  const floor = options.floor ?? 0.005;
  const fields = Object.keys(COMPARISON_LEVELS) as ComparisonField[];
  const counts = new Map<string, { m: number; u: number }>();
  let matches = 0;
  let nonMatches = 0;
  for (const { comparison, match } of samples) {
    if (match) matches += 1;
    else nonMatches += 1;
    for (const field of fields) {
      const key = `${field}:${comparison[field]}`;
      const entry = counts.get(key) ?? { m: 0, u: 0 };
      if (match) entry.m += 1;
      else entry.u += 1;
      counts.set(key, entry);
    }
  }
  const weights = {} as Record<string, Record<string, { m: number; u: number }>>;
  for (const field of fields) {
    const levels = COMPARISON_LEVELS[field] as readonly string[];
    const smoothedM = matches + smoothing * levels.length;
    const smoothedU = nonMatches + smoothing * levels.length;
    weights[field] = Object.fromEntries(
      levels.map((level) => {
        const entry = counts.get(`${field}:${level}`) ?? { m: 0, u: 0 };
        return [
          level,
          {
            m: round(Math.max(floor, (entry.m + smoothing) / smoothedM)),
            u: round(Math.max(floor, (entry.u + smoothing) / smoothedU)),
          },
        ];
      }),
    );
  }
  const total = matches + nonMatches;
  return {
    weights: weights as MatchWeights,
    priorMatchProbability: total === 0 ? 0.5 : round(matches / total),
    matches,
    nonMatches,
  };
}

function round(value: number): number {
  return Number(value.toPrecision(3));
}

/**
 * Levels that say a value is absent. They are held at 0 bits: whether a field was filled in says something about who
 * typed the record, not about whether two records are one buying event, and learning it would learn the data source.
 */
export const NEUTRAL_LEVELS = [
  'amount:missing',
  'closeDate:missing',
  'products:missing',
  'intent:missing',
  'nameYear:missing',
  'currency:missing',
  'region:missing',
  'legalForm:missing',
  'owner:missing',
];

export interface FittedModel {
  /** Log2 prior odds. */
  interceptBits: number;
  /** Log2 odds contribution of each level. */
  bits: Record<string, Record<string, number>>;
  samples: number;
  iterations: number;
}

/**
 * The discriminative counterpart of Fellegi–Sunter: a logistic regression over the same one-hot comparison levels,
 * fitted by Newton's method (IRLS) with an L2 penalty. Where FS multiplies per-field likelihood ratios as if fields
 * were independent (and so counts correlated agreements — same currency, same region, same legal form — several
 * times), this learns how much each level adds given the others. The output has the same shape: bits per level.
 */
export function fitLevelWeights(
  samples: Iterable<LabelledComparison>,
  options: { l2?: number; maxIterations?: number; neutralLevels?: readonly string[] } = {},
): FittedModel {
  const l2 = options.l2 ?? 1;
  const neutral = new Set(options.neutralLevels ?? NEUTRAL_LEVELS);
  const fields = Object.keys(COMPARISON_LEVELS) as ComparisonField[];
  const columns: string[] = [];
  const columnOf = new Map<string, number>();
  for (const field of fields) {
    for (const level of COMPARISON_LEVELS[field] as readonly string[]) {
      const name = `${field}:${level}`;
      if (neutral.has(name)) continue;
      columnOf.set(name, columns.length + 1);
      columns.push(name);
    }
  }
  // Identical comparison vectors collapse into weighted patterns: thousands of rows instead of millions.
  const patterns = new Map<string, { active: number[]; positives: number; total: number }>();
  let count = 0;
  for (const { comparison, match } of samples) {
    count += 1;
    const active = fields
      .map((field) => columnOf.get(`${field}:${comparison[field]}`))
      .filter((column): column is number => column !== undefined);
    const key = active.join(',');
    const pattern = patterns.get(key) ?? { active: [0, ...active], positives: 0, total: 0 };
    pattern.total += 1;
    if (match) pattern.positives += 1;
    patterns.set(key, pattern);
  }
  const size = columns.length + 1;
  const beta = new Float64Array(size);
  let iterations = 0;
  for (; iterations < (options.maxIterations ?? 50); iterations += 1) {
    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    for (const { active, positives, total } of patterns.values()) {
      let z = 0;
      for (const column of active) z += beta[column] as number;
      const p = 1 / (1 + Math.exp(-z));
      const residual = positives - total * p;
      const weight = total * p * (1 - p);
      for (const i of active) {
        gradient[i] = (gradient[i] as number) + residual;
        for (const j of active) hessian[i * size + j] = (hessian[i * size + j] as number) + weight;
      }
    }
    // Penalize every column but the intercept.
    for (let i = 1; i < size; i += 1) {
      gradient[i] = (gradient[i] as number) - l2 * (beta[i] as number);
      hessian[i * size + i] = (hessian[i * size + i] as number) + l2;
    }
    hessian[0] = (hessian[0] as number) + 1e-9;
    const step = solveSymmetric(hessian, gradient, size);
    let change = 0;
    for (let i = 0; i < size; i += 1) {
      beta[i] = (beta[i] as number) + (step[i] as number);
      change = Math.max(change, Math.abs(step[i] as number));
    }
    if (change < 1e-6) break;
  }
  const bits: Record<string, Record<string, number>> = {};
  for (const field of fields) {
    bits[field] = {};
    for (const level of COMPARISON_LEVELS[field] as readonly string[]) {
      const column = columnOf.get(`${field}:${level}`);
      (bits[field] as Record<string, number>)[level] =
        column === undefined ? 0 : roundBits((beta[column] as number) / Math.LN2);
    }
  }
  return { interceptBits: roundBits((beta[0] as number) / Math.LN2), bits, samples: count, iterations };
}

function roundBits(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky). */
function solveSymmetric(matrix: Float64Array, vector: Float64Array, size: number): Float64Array {
  const lower = new Float64Array(size * size);
  for (let i = 0; i < size; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = matrix[i * size + j] as number;
      for (let k = 0; k < j; k += 1) sum -= (lower[i * size + k] as number) * (lower[j * size + k] as number);
      lower[i * size + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / (lower[j * size + j] as number);
    }
  }
  const y = new Float64Array(size);
  for (let i = 0; i < size; i += 1) {
    let sum = vector[i] as number;
    for (let k = 0; k < i; k += 1) sum -= (lower[i * size + k] as number) * (y[k] as number);
    y[i] = sum / (lower[i * size + i] as number);
  }
  const x = new Float64Array(size);
  for (let i = size - 1; i >= 0; i -= 1) {
    let sum = y[i] as number;
    for (let k = i + 1; k < size; k += 1) sum -= (lower[k * size + i] as number) * (x[k] as number);
    x[i] = sum / (lower[i * size + i] as number);
  }
  return x;
}
