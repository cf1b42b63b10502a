import { describe, expect, it } from 'vitest';
import { betaQuantile, logGamma, regularizedIncompleteBeta } from './beta-distribution.ts';

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [10.5, Math.log((654_729_075 / 1024) * Math.sqrt(Math.PI))], // Γ(10.5) = 19!! / 2^10 · √π
  ])('given x = %s, when computing log Γ(x), then it matches the closed form', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });
});

describe('regularizedIncompleteBeta', () => {
  it.each([
    // Beta(1, 1) is uniform; Beta(a, 1) has CDF x^a; Beta(1, b) has CDF 1 - (1 - x)^b; Beta(a, a) is symmetric.
    { x: 0.3, a: 1, b: 1, expected: 0.3 },
    { x: 0.3, a: 3, b: 1, expected: 0.3 ** 3 },
    { x: 0.2, a: 1, b: 4, expected: 1 - 0.8 ** 4 },
    { x: 0.5, a: 7.3, b: 7.3, expected: 0.5 },
    { x: 0, a: 2, b: 3, expected: 0 },
    { x: 1, a: 2, b: 3, expected: 1 },
  ])('given x = $x and Beta($a, $b), when computing the CDF, then it is $expected', ({ x, a, b, expected }) => {
    expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(expected, 10);
  });

  it('given a non-positive parameter, when computing the CDF, then it throws a RangeError', () => {
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow(RangeError);
  });
});

describe('betaQuantile', () => {
  it.each([
    { q: 0.05, a: 1, b: 1, expected: 0.05 },
    { q: 0.5, a: 4, b: 4, expected: 0.5 },
    { q: 0.05, a: 1, b: 4, expected: 1 - 0.95 ** (1 / 4) },
    { q: 0.9, a: 2, b: 1, expected: Math.sqrt(0.9) },
  ])('given q = $q of Beta($a, $b), when inverting the CDF, then it is $expected', ({ q, a, b, expected }) => {
    expect(betaQuantile(q, a, b)).toBeCloseTo(expected, 8);
  });

  it('given large posterior parameters, when inverting, then the CDF of the quantile returns q', () => {
    const x = betaQuantile(0.05, 412.5, 1033.2);
    expect(regularizedIncompleteBeta(x, 412.5, 1033.2)).toBeCloseTo(0.05, 8);
  });
});
