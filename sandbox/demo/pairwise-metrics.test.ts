import { describe, expect, it } from 'vitest';
import type { DedupeTruth } from './labelled-deals.ts';
import { evaluateClusters } from './pairwise-metrics.ts';

// Events: e1 = {a, b, c} (b re-entry, c import copy), e2 = {d}, e3 = {e}; d and e are renewals of two years.
const truth: DedupeTruth = {
  labels: [
    { dealId: 'a', eventId: 'e1', mechanism: null },
    { dealId: 'b', eventId: 'e1', mechanism: 'reentry' },
    { dealId: 'c', eventId: 'e1', mechanism: 'import_copy' },
    { dealId: 'd', eventId: 'e2', mechanism: null },
    { dealId: 'e', eventId: 'e3', mechanism: null },
  ],
  hardNegatives: [{ type: 'renewal_other_year', dealIds: ['d', 'e'] }],
};

describe('evaluateClusters', () => {
  it('given a perfect clustering, when evaluated, then precision, recall and F1 are 1', () => {
    const result = evaluateClusters([{ ids: ['a', 'b', 'c'] }], truth);
    expect(result.overall).toMatchObject({
      truePairs: 3,
      predictedPairs: 3,
      correctPairs: 3,
      precision: 1,
      recall: 1,
      f1: 1,
    });
  });

  it('given a missed copy and a merged renewal pair, when evaluated, then both errors are counted where they belong', () => {
    const result = evaluateClusters([{ ids: ['a', 'b'] }, { ids: ['d', 'e'] }], truth);
    expect(result.overall).toMatchObject({ truePairs: 3, predictedPairs: 2, correctPairs: 1, precision: 0.5 });
    expect(result.overall.recall).toBeCloseTo(1 / 3, 4);
    expect(result.byMechanism.reentry).toMatchObject({ truePairs: 2, correctPairs: 1 });
    expect(result.byMechanism.import_copy).toMatchObject({ truePairs: 2, correctPairs: 0, recall: 0 });
    expect(result.byHardNegative.renewal_other_year).toMatchObject({ negativePairs: 1, falselyMerged: 1 });
    expect(result.falseMerges.renewal_other_year).toBe(1);
  });

  it('given no clusters, when evaluated, then precision is 1 by convention and recall 0', () => {
    expect(evaluateClusters([], truth).overall).toMatchObject({ precision: 1, recall: 0, f1: 0 });
  });
});
