import type { DuplicateCluster } from '../../src/dedupe/duplicate-clustering.ts';
import { type DedupeOptions, findDuplicateClusters } from '../../src/dedupe/find-duplicates.ts';
import type { Deal } from '../../src/model/deal.ts';
import { computeBySize } from '../platform/workers/off-thread.ts';
import { type DecisionPair, pairOf } from './dedupe.repo.ts';

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
  return computeBySize(
    new URL('./duplicate-clusters.worker.ts', import.meta.url),
    input,
    input.deals.length,
    clusterDeals,
  );
}
