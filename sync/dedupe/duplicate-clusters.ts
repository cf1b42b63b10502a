import { compareIds, type DuplicateCluster } from '../../src/dedupe/duplicate-clustering.ts';
import { type DedupeOptions, findDuplicateClusters } from '../../src/dedupe/find-duplicates.ts';
import type { Deal } from '../../src/model/deal.ts';
import { computationInputDigest, computeBySize } from '../platform/workers/off-thread.ts';
import { type DecisionPair, pairOf } from './dedupe.repo.ts';

/** The worker's entry (built when asked: in the worker's own bundle `import.meta.url` is a `data:` URL). */
const workerEntry = () => new URL('./duplicate-clusters.worker.ts', import.meta.url);

/** One clustering: the deals, the tenant's engine settings and the seller's "not a duplicate" pairs. */
export interface ClusteringInput {
  deals: readonly Deal[];
  engine: Omit<DedupeOptions, 'keepApart' | 'onProgress'>;
  apart: readonly DecisionPair[];
}

/** The seller's decisions as the engine's `keepApart` (undefined when there are none). */
export function keepApart(pairs: readonly DecisionPair[]): DedupeOptions['keepApart'] {
  if (pairs.length === 0) return undefined;
  const keys = new Set(pairs.map(([a, b]) => `${a}\u0000${b}`));
  return (a, b) => {
    const [x, y] = pairOf(a, b);
    return keys.has(`${x}\u0000${y}`);
  };
}

export function clusterDeals(input: ClusteringInput): DuplicateCluster[] {
  const apart = keepApart(input.apart);
  return findDuplicateClusters(input.deals, apart ? { ...input.engine, keepApart: apart } : input.engine);
}

/**
 * `clusterDeals` off the calling thread for a large pass (a 100k-deal full pass takes seconds of CPU that would
 * otherwise hold the thread serving card requests and webhook acknowledgements); inline for small ones.
 */
export function clusterDealsOffThread(input: ClusteringInput): Promise<DuplicateCluster[]> {
  return computeBySize(workerEntry(), input, input.deals.length, clusterDeals);
}

/**
 * A digest of a large clustering — its deals in order, the engine settings, the seller's decisions and the engine's
 * code — so a full pass whose input is the last one's can keep that pass's clusters instead of clustering again
 * (equal digests, equal clusters: the engine is a pure function of them). Undefined below the size that runs on a
 * worker thread, where clustering is cheap. Each deal enters by its own digest (`computationInputDigest`: a reconcile's
 * deals were digested when the mirror stored them).
 */
export function clusteringDigest(input: ClusteringInput): Promise<string | undefined> {
  const apart = [...input.apart].sort((x, y) => compareIds(x[0], y[0]) || compareIds(x[1], y[1]));
  return computationInputDigest(workerEntry(), [input.engine, apart], input.deals);
}
