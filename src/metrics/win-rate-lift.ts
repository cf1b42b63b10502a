/**
 * Partner-attached win-rate lift (SPEC §2.5): the difference in win rate between deals with a partner attached and
 * deals without, **stratified by segment** and pooled as a Mantel–Haenszel risk difference, with a 95 % Wald interval
 * from Sato's variance estimator (Sato 1989, "On the variance estimator for the Mantel-Haenszel risk difference",
 * Biometrics 45:1323–1324; the form in Rothman, Greenland & Lash, Modern Epidemiology, ch. 15). Sato's estimator is
 * consistent both with many sparse strata and with few large ones, which is our case: a handful of segments, some
 * with few closed deals in a quarter.
 *
 * Why stratify: partners skew toward enterprise deals, whose win rate differs from SMB's; the crude difference mixes
 * the partner effect with the segment mix. The crude (`raw`) difference is reported beside the estimate, never
 * instead of it.
 *
 * For stratum k with attached deals n1 (a won) and unattached n0 (c won), N = n1 + n0:
 *   RD_MH = Σ (a·n0 − c·n1)/N  /  Σ n1·n0/N
 *   Var   = (RD_MH · Σ P_k + Σ Q_k) / (Σ n1·n0/N)²
 *   P_k   = (n1²·c − n0²·a + n1·n0·(n0 − n1)/2) / N²
 *   Q_k   = (a·(n0 − c) + c·(n1 − a)) / (2N)
 */

export interface WinCounts {
  closed: number;
  won: number;
}

export interface LiftStratum {
  segment: string;
  attached: WinCounts;
  unattached: WinCounts;
}

export interface WinRateLift {
  /** Pooled Mantel–Haenszel risk difference (a fraction: 0.07 = +7 points); null when no stratum has both groups. */
  estimate: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  method: 'mantel_haenszel_rd';
  /** The crude difference over every closed deal (confounded by segment); null when either group is empty. */
  raw: number | null;
  /** The strata that entered the estimate (both groups present), in the order given. */
  strata: LiftStratum[];
}

/** The 97.5 % quantile of the standard normal: a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

export function winRateLift(strata: readonly LiftStratum[]): WinRateLift {
  const used = strata.filter((s) => s.attached.closed > 0 && s.unattached.closed > 0);
  const raw = crudeDifference(strata);
  if (used.length === 0) {
    return { estimate: null, ciLow: null, ciHigh: null, method: 'mantel_haenszel_rd', raw, strata: [] };
  }
  let numerator = 0;
  let weight = 0;
  let sumP = 0;
  let sumQ = 0;
  for (const { attached, unattached } of used) {
    const n1 = attached.closed;
    const a = attached.won;
    const n0 = unattached.closed;
    const c = unattached.won;
    const n = n1 + n0;
    numerator += (a * n0 - c * n1) / n;
    weight += (n1 * n0) / n;
    sumP += (n1 * n1 * c - n0 * n0 * a + (n1 * n0 * (n0 - n1)) / 2) / (n * n);
    sumQ += (a * (n0 - c) + c * (n1 - a)) / (2 * n);
  }
  const estimate = numerator / weight;
  // The estimator can dip below zero by rounding when every stratum is all-won or all-lost; no spread then.
  const variance = Math.max(0, (estimate * sumP + sumQ) / (weight * weight));
  const halfWidth = Z_95 * Math.sqrt(variance);
  return {
    estimate,
    ciLow: estimate - halfWidth,
    ciHigh: estimate + halfWidth,
    method: 'mantel_haenszel_rd',
    raw,
    strata: used.map((s) => ({ segment: s.segment, attached: { ...s.attached }, unattached: { ...s.unattached } })),
  };
}

function crudeDifference(strata: readonly LiftStratum[]): number | null {
  let attachedClosed = 0;
  let attachedWon = 0;
  let unattachedClosed = 0;
  let unattachedWon = 0;
  for (const s of strata) {
    attachedClosed += s.attached.closed;
    attachedWon += s.attached.won;
    unattachedClosed += s.unattached.closed;
    unattachedWon += s.unattached.won;
  }
  if (attachedClosed === 0 || unattachedClosed === 0) return null;
  return attachedWon / attachedClosed - unattachedWon / unattachedClosed;
}
