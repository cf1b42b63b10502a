import {
  DUPLICATE_MECHANISMS,
  type DuplicateMechanism,
  HARD_NEGATIVE_TYPES,
  type HardNegativeType,
} from './anomaly-kinds.ts';
import type { DedupeTruth } from './labelled-deals.ts';

/**
 * Pairwise evaluation of predicted clusters against the generator's truth: a predicted pair is every pair of records
 * in one predicted cluster; a true pair is every pair of records of one buying event.
 */
export interface PairScores {
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClusterEvaluation {
  overall: PairScores;
  /** Pairs with a record made by the mechanism (true pairs for recall, predicted pairs for precision). */
  byMechanism: Record<DuplicateMechanism, PairScores>;
  /** Pairs inside hard-negative groups of the type: the different events there must stay apart. */
  byHardNegative: Record<HardNegativeType, PairScores & { negativePairs: number; falselyMerged: number }>;
  /** Where the false merges came from. */
  falseMerges: Record<HardNegativeType | 'same_account_other' | 'cross_account_other', number>;
}

function scores(truePairs: number, predictedPairs: number, correctPairs: number): PairScores {
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePairs, predictedPairs, correctPairs, precision: round(precision), recall: round(recall), f1: round(f1) };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

export function evaluateClusters(
  clusters: ReadonlyArray<{ ids: readonly string[] }>,
  truth: DedupeTruth,
  accountOf?: (dealId: string) => string | undefined,
): ClusterEvaluation {
  const indexOf = new Map<string, number>();
  for (const [index, label] of truth.labels.entries()) indexOf.set(label.dealId, index);
  const labels = truth.labels;

  // True pairs by event; a pair belongs to the mechanism(s) of its records that are not the original.
  const byEvent = new Map<string, number[]>();
  labels.forEach((label, index) => {
    const list = byEvent.get(label.eventId);
    if (list) list.push(index);
    else byEvent.set(label.eventId, [index]);
  });
  const mechanismsOf = (a: number, b: number): Set<DuplicateMechanism> => {
    const found = new Set<DuplicateMechanism>();
    const x = labels[a]?.mechanism;
    const y = labels[b]?.mechanism;
    if (x) found.add(x);
    if (y) found.add(y);
    return found;
  };

  const trueByMechanism = Object.fromEntries(DUPLICATE_MECHANISMS.map((m) => [m, 0])) as Record<
    DuplicateMechanism,
    number
  >;
  let truePairs = 0;
  for (const members of byEvent.values()) {
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) {
        truePairs += 1;
        for (const mechanism of mechanismsOf(members[i] as number, members[j] as number)) {
          trueByMechanism[mechanism] += 1;
        }
      }
    }
  }

  // Hard-negative groups: which pairs are inside a group of each type.
  const groupPairs = new Map<string, HardNegativeType>();
  const groupTotals = Object.fromEntries(
    HARD_NEGATIVE_TYPES.map((t) => [t, { truePairs: 0, negativePairs: 0 }]),
  ) as Record<HardNegativeType, { truePairs: number; negativePairs: number }>;
  for (const group of truth.hardNegatives) {
    const members = group.dealIds.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) {
        const a = members[i] as number;
        const b = members[j] as number;
        const key = pairKey(a, b);
        if (groupPairs.has(key)) continue;
        groupPairs.set(key, group.type);
        if (labels[a]?.eventId === labels[b]?.eventId) groupTotals[group.type].truePairs += 1;
        else groupTotals[group.type].negativePairs += 1;
      }
    }
  }

  let predictedPairs = 0;
  let correctPairs = 0;
  const mechanismPredicted = Object.fromEntries(DUPLICATE_MECHANISMS.map((m) => [m, 0])) as Record<
    DuplicateMechanism,
    number
  >;
  const mechanismCorrect = Object.fromEntries(DUPLICATE_MECHANISMS.map((m) => [m, 0])) as Record<
    DuplicateMechanism,
    number
  >;
  const groupPredicted = Object.fromEntries(
    HARD_NEGATIVE_TYPES.map((t) => [t, { predicted: 0, correct: 0 }]),
  ) as Record<HardNegativeType, { predicted: number; correct: number }>;
  const falseMerges = {
    ...(Object.fromEntries(HARD_NEGATIVE_TYPES.map((t) => [t, 0])) as Record<HardNegativeType, number>),
    same_account_other: 0,
    cross_account_other: 0,
  };
  for (const cluster of clusters) {
    const members = cluster.ids.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) {
        const a = members[i] as number;
        const b = members[j] as number;
        const correct = labels[a]?.eventId === labels[b]?.eventId;
        predictedPairs += 1;
        if (correct) correctPairs += 1;
        for (const mechanism of mechanismsOf(a, b)) {
          mechanismPredicted[mechanism] += 1;
          if (correct) mechanismCorrect[mechanism] += 1;
        }
        const type = groupPairs.get(pairKey(a, b));
        if (type) {
          groupPredicted[type].predicted += 1;
          if (correct) groupPredicted[type].correct += 1;
        }
        if (!correct) {
          if (type) falseMerges[type] += 1;
          else {
            const sameAccount =
              accountOf !== undefined && accountOf(labels[a]?.dealId ?? '') === accountOf(labels[b]?.dealId ?? '');
            falseMerges[sameAccount ? 'same_account_other' : 'cross_account_other'] += 1;
          }
        }
      }
    }
  }

  return {
    overall: scores(truePairs, predictedPairs, correctPairs),
    byMechanism: Object.fromEntries(
      DUPLICATE_MECHANISMS.map((m) => [m, scores(trueByMechanism[m], mechanismPredicted[m], mechanismCorrect[m])]),
    ) as Record<DuplicateMechanism, PairScores>,
    byHardNegative: Object.fromEntries(
      HARD_NEGATIVE_TYPES.map((t) => [
        t,
        {
          ...scores(groupTotals[t].truePairs, groupPredicted[t].predicted, groupPredicted[t].correct),
          negativePairs: groupTotals[t].negativePairs,
          falselyMerged: groupPredicted[t].predicted - groupPredicted[t].correct,
        },
      ]),
    ) as ClusterEvaluation['byHardNegative'],
    falseMerges,
  };
}
