import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../shared/seeded-random.ts';
import { DEFAULT_SCORING_CONFIG } from './scoring-config.ts';
import {
  type BetaPrior,
  fitBetaPrior,
  fitGroupPriors,
  posteriorWinRate,
  type WinRecord,
} from './win-rate-shrinkage.ts';

const rules = DEFAULT_SCORING_CONFIG.shrinkage;

/** Partners whose true rates are spread evenly over [low, high], `closed` deals each, wins drawn at the true rate. */
function population(count: number, closed: number, low: number, high: number, seed = 7): WinRecord[] {
  const next = new SeededRandom(seed).next; // seeded, so the population tests are reproducible
  return Array.from({ length: count }, (_, i) => {
    const rate = low + ((high - low) * (i + 0.5)) / count;
    let won = 0;
    for (let d = 0; d < closed; d += 1) if (next() < rate) won += 1;
    return { closed, won };
  });
}

describe('fitBetaPrior (method of moments)', () => {
  it('given fewer partners with closed deals than minPartnersForFit, when fitting, then there is no prior', () => {
    expect(
      fitBetaPrior(
        [
          { closed: 3, won: 1 },
          { closed: 0, won: 0 },
        ],
        rules,
      ),
    ).toBeUndefined();
  });

  it('given partners whose true rates are all 0.3, when fitting, then the prior centres on 0.3 at full strength', () => {
    const prior = fitBetaPrior(population(200, 20, 0.3, 0.3), rules);
    expect(prior).toBeDefined();
    expect(prior!.alpha / (prior!.alpha + prior!.beta)).toBeCloseTo(0.3, 1);
    // No spread beyond chance: the strength goes to its upper clamp.
    expect(prior!.alpha + prior!.beta).toBeCloseTo(rules.maxPriorStrength, 6);
  });

  it('given true rates spread over 0.1–0.7, when fitting, then the prior strength matches that spread', () => {
    // Uniform(0.1, 0.7) has mean 0.4 and variance 0.03; a Beta with that moment has alpha + beta = 0.24/0.03 - 1 = 7.
    const prior = fitBetaPrior(population(400, 25, 0.1, 0.7), rules)!;
    expect(prior.alpha / (prior.alpha + prior.beta)).toBeCloseTo(0.4, 1);
    expect(prior.alpha + prior.beta).toBeGreaterThan(4);
    expect(prior.alpha + prior.beta).toBeLessThan(11);
  });

  it('given a population of only wins, when fitting, then the mean stays below 1 and the prior is usable', () => {
    const prior = fitBetaPrior(
      Array.from({ length: 6 }, () => ({ closed: 4, won: 4 })),
      rules,
    )!;
    expect(prior.alpha / (prior.alpha + prior.beta)).toBeLessThan(1);
    expect(prior.beta).toBeGreaterThan(0);
  });
});

describe('posteriorWinRate (shrinkage)', () => {
  const prior: BetaPrior = { alpha: 4, beta: 6, source: 'type', partners: 50 }; // mean 0.4, worth 10 deals

  it.each([
    { case: 'no closed deals', won: 0, closed: 0, winRate: 0.4 },
    { case: '1 win of 1', won: 1, closed: 1, winRate: 5 / 11 },
    { case: '0 wins of 2', won: 0, closed: 2, winRate: 4 / 12 },
    { case: '80 wins of 100', won: 80, closed: 100, winRate: 84 / 110 },
  ])('given $case, when correcting, then the win rate is (alpha + won) / (alpha + beta + closed)', (row) => {
    expect(posteriorWinRate(prior, { closed: row.closed, won: row.won }, 0.05).winRate).toBeCloseTo(row.winRate, 12);
  });

  it('given the same raw rate on 2 and on 200 deals, when correcting, then the small sample moves far less', () => {
    const small = posteriorWinRate(prior, { closed: 2, won: 2 }, 0.05);
    const large = posteriorWinRate(prior, { closed: 200, won: 200 }, 0.05);
    expect(small.winRate).toBeLessThan(0.55);
    expect(large.winRate).toBeGreaterThan(0.95);
  });

  it('given more evidence at the same rate, when computing the lower bound, then it rises toward the rate', () => {
    const bounds = [5, 50, 500].map((closed) => posteriorWinRate(prior, { closed, won: closed * 0.6 }, 0.05));
    expect(bounds[0]!.winRateLow).toBeLessThan(bounds[1]!.winRateLow);
    expect(bounds[1]!.winRateLow).toBeLessThan(bounds[2]!.winRateLow);
    expect(bounds[2]!.winRateLow).toBeLessThan(0.6);
    for (const bound of bounds) expect(bound.winRateLow).toBeLessThan(bound.winRate);
  });
});

describe('fitGroupPriors', () => {
  it('given named partners winning 60% and self-serve 20%, when fitting per type, then each keeps its own mean', () => {
    const groups = new Map([
      ['named', population(40, 20, 0.5, 0.7, 1)],
      ['self_serve', population(40, 20, 0.1, 0.3, 2)],
    ]);
    const priors = fitGroupPriors(groups, rules);
    const mean = (p: BetaPrior | undefined) => p!.alpha / (p!.alpha + p!.beta);
    expect(priors.get('named')?.source).toBe('type');
    expect(mean(priors.get('named'))).toBeCloseTo(0.6, 1);
    expect(mean(priors.get('self_serve'))).toBeCloseTo(0.2, 1);
  });

  it.each([
    { case: 'a type too small to fit', named: 40, selfServe: 2, expected: 'pooled' },
    { case: 'no population at all', named: 1, selfServe: 1, expected: 'fallback' },
  ])('given $case, when fitting, then the self-serve prior is $expected', ({ named, selfServe, expected }) => {
    const groups = new Map([
      ['named', population(named, 10, 0.3, 0.5)],
      ['self_serve', population(selfServe, 10, 0.3, 0.5)],
    ]);
    const prior = fitGroupPriors(groups, rules).get('self_serve')!;
    expect(prior.source).toBe(expected);
    if (expected === 'fallback') expect([prior.alpha, prior.beta]).toEqual([1, 1]);
  });
});
