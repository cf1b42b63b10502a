import { describe, expect, it } from 'vitest';
import { type LiftStratum, winRateLift } from './win-rate-lift.ts';

const stratum = (segment: string, n1: number, a: number, n0: number, c: number): LiftStratum => ({
  segment,
  attached: { closed: n1, won: a },
  unattached: { closed: n0, won: c },
});

describe('winRateLift (Mantel–Haenszel risk difference, Sato variance)', () => {
  it('given the hand-worked two-stratum example, then estimate, interval and raw match the worked numbers', () => {
    // smb: attached 6/10, unattached 8/20; enterprise: attached 10/20, unattached 1/5.
    // Σ(a·n0 − c·n1)/N = 40/30 + 30/25 = 2.5333…; Σ n1·n0/N = 200/30 + 100/25 = 10.6667 → RD = 0.2375
    // ΣP = −600/900 − 600/625 = −1.62667; ΣQ = 104/60 + 50/50 = 2.73333
    // Var = (0.2375 · −1.62667 + 2.73333) / 10.6667² = 0.0206279 → SE 0.143624 → ± 0.281498
    const lift = winRateLift([stratum('smb', 10, 6, 20, 8), stratum('enterprise', 20, 10, 5, 1)]);
    expect(lift.estimate).toBeCloseTo(0.2375, 12);
    expect(lift.ciLow).toBeCloseTo(-0.043998388, 8);
    expect(lift.ciHigh).toBeCloseTo(0.518998388, 8);
    expect(lift.raw).toBeCloseTo(16 / 30 - 9 / 25, 12);
    expect(lift.method).toBe('mantel_haenszel_rd');
    expect(lift.strata.map((s) => s.segment)).toEqual(['smb', 'enterprise']);
  });

  it('given one stratum, then the estimate is its own risk difference', () => {
    const lift = winRateLift([stratum('mid_market', 40, 20, 60, 15)]);
    expect(lift.estimate).toBeCloseTo(0.5 - 0.25, 12);
    expect(lift.raw).toBeCloseTo(0.25, 12);
    expect(lift.ciLow as number).toBeLessThan(0.25);
    expect(lift.ciHigh as number).toBeGreaterThan(0.25);
  });

  it('given a stratum with attached deals only, then it is skipped from the estimate but not from raw', () => {
    const lift = winRateLift([stratum('smb', 10, 5, 10, 5), stratum('enterprise', 10, 10, 0, 0)]);
    expect(lift.estimate).toBeCloseTo(0, 12);
    expect(lift.strata.map((s) => s.segment)).toEqual(['smb']);
    expect(lift.raw).toBeCloseTo(15 / 20 - 5 / 10, 12);
  });

  it('given no stratum with both groups, then the estimate and interval are null and raw may still exist', () => {
    expect(winRateLift([stratum('smb', 3, 1, 0, 0), stratum('enterprise', 0, 0, 4, 2)])).toEqual({
      estimate: null,
      ciLow: null,
      ciHigh: null,
      method: 'mantel_haenszel_rd',
      raw: 1 / 3 - 2 / 4,
      strata: [],
    });
    expect(winRateLift([]).raw).toBeNull();
  });

  it('given segment confounding, then the stratified estimate removes the bias the raw difference carries', () => {
    // No partner effect inside either segment; partners skew to enterprise, which wins more.
    const lift = winRateLift([stratum('smb', 10, 2, 90, 18), stratum('enterprise', 90, 54, 10, 6)]);
    expect(lift.estimate).toBeCloseTo(0, 12);
    expect(lift.raw as number).toBeGreaterThan(0.3);
  });

  it('given every deal won in both groups, then the interval has no width (variance clamps at zero)', () => {
    const lift = winRateLift([stratum('smb', 5, 5, 5, 5)]);
    expect(lift.estimate).toBe(0);
    expect(lift.ciLow).toBe(0);
    expect(lift.ciHigh).toBe(0);
  });
});
