import { describe, expect, it } from 'vitest';
import { dealFeatures } from './deal-features.ts';
import { compareFeatures, type PairComparison } from './pair-scoring.ts';
import { makeDeal } from './testing/deal-fixtures.ts';
import { estimateMatchWeights, fitLevelWeights, type LabelledComparison } from './weight-calibration.ts';

const features = (overrides: Parameters<typeof makeDeal>[1]) =>
  dealFeatures(makeDeal('x', overrides), 0, { registrationRoles: ['sourced'] });
const base: PairComparison = compareFeatures(features({}), features({}));

/** Matches agree on amount; non-matches mostly do not. Everything else is identical. */
function samples(): LabelledComparison[] {
  const list: LabelledComparison[] = [];
  for (let i = 0; i < 200; i += 1) list.push({ comparison: { ...base, amount: 'same' }, match: true });
  for (let i = 0; i < 180; i += 1) list.push({ comparison: { ...base, amount: 'far' }, match: false });
  for (let i = 0; i < 20; i += 1) list.push({ comparison: { ...base, amount: 'same' }, match: false });
  return list;
}

describe('estimateMatchWeights (Fellegi–Sunter m/u)', () => {
  it('given labelled pairs, when estimated, then m and u follow the level frequencies and the prior the match share', () => {
    const { weights, priorMatchProbability } = estimateMatchWeights(samples(), { smoothing: 0, floor: 0 });
    expect(weights.amount.same.m).toBe(1);
    expect(weights.amount.same.u).toBe(0.1);
    expect(weights.amount.far.u).toBe(0.9);
    expect(priorMatchProbability).toBe(0.5);
  });

  it('given an unseen level, when estimated with the defaults, then it is unlikely but never impossible', () => {
    const { weights } = estimateMatchWeights(samples());
    expect(weights.amount.within_3.m).toBeGreaterThan(0);
    expect(weights.amount.within_3.u).toBeGreaterThan(0);
  });
});

describe('fitLevelWeights (logistic)', () => {
  it('given labelled pairs, when fitted, then agreeing amounts add bits and far amounts remove them', () => {
    const model = fitLevelWeights(samples());
    expect(model.bits.amount?.same).toBeGreaterThan(1);
    expect(model.bits.amount?.far).toBeLessThan(-1);
    expect(model.samples).toBe(400);
  });

  it('given "missing" levels, when fitted, then they stay at 0 bits', () => {
    const model = fitLevelWeights(
      samples().map((s, i) => (i % 2 ? { ...s, comparison: { ...s.comparison, amount: 'missing' } } : s)),
    );
    expect(model.bits.amount?.missing).toBe(0);
  });
});
