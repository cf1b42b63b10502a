import { betaQuantile } from './beta-distribution.ts';
import type { ShrinkageRules } from './scoring-config.ts';

/** Closed and won deal counts of one partner. */
export interface WinRecord {
  closed: number;
  won: number;
}

export type PriorSource = 'type' | 'pooled' | 'fallback';

/** A Beta(alpha, beta) prior on a partner's true win rate, and where it came from. */
export interface BetaPrior {
  alpha: number;
  beta: number;
  source: PriorSource;
  /** Partners with at least one closed deal that the prior was fitted on (0 for the fallback). */
  partners: number;
}

export function priorMean(prior: BetaPrior): number {
  return prior.alpha / (prior.alpha + prior.beta);
}

/**
 * Fits a Beta prior to a population of partners by the method of moments for the beta-binomial (Kleinman 1973):
 * the spread of the observed rates k/n, minus the part binomial noise explains, gives the intra-class correlation
 * rho = 1 / (alpha + beta + 1). Weights n / (1 + (n - 1) rho) are re-estimated a few times, so a partner with 300
 * deals does not count 300 times as much as one with 3 when the true rates really differ. Returns undefined when
 * the population is too small to fit (the caller falls back).
 */
export function fitBetaPrior(
  records: readonly WinRecord[],
  rules: Pick<ShrinkageRules, 'minPartnersForFit' | 'minPriorStrength' | 'maxPriorStrength'>,
): { alpha: number; beta: number; partners: number } | undefined {
  const sample = records.filter((r) => r.closed > 0);
  if (sample.length < rules.minPartnersForFit) return undefined;
  const totalClosed = sample.reduce((sum, r) => sum + r.closed, 0);
  const totalWon = sample.reduce((sum, r) => sum + r.won, 0);
  // A population of all wins (or all losses) has no measurable spread; keep the mean off 0 and 1 by half a deal.
  const clampMean = (mu: number) => Math.min(Math.max(mu, 0.5 / totalClosed), 1 - 0.5 / totalClosed);
  const rhoMin = 1 / (rules.maxPriorStrength + 1);
  const rhoMax = 1 / (rules.minPriorStrength + 1);

  let rho = 0;
  let mu = clampMean(totalWon / totalClosed);
  for (let iteration = 0; iteration < 8; iteration += 1) {
    const raw = sample.map((r) => r.closed / (1 + (r.closed - 1) * rho));
    const weightSum = raw.reduce((sum, w) => sum + w, 0);
    const weights = raw.map((w) => w / weightSum);
    let weightedMean = 0;
    sample.forEach((r, i) => {
      weightedMean += (weights[i] ?? 0) * (r.won / r.closed);
    });
    mu = clampMean(weightedMean);
    // E[S] = mu(1-mu) * [A + rho (B - A)] with S the weighted spread of the observed rates around their mean.
    let spread = 0;
    let a = 0;
    let b = 0;
    sample.forEach((r, i) => {
      const w = weights[i] ?? 0;
      spread += w * (r.won / r.closed - weightedMean) ** 2;
      a += (w * (1 - w)) / r.closed;
      b += w * (1 - w);
    });
    if (b - a < 1e-12) {
      // Every partner has exactly one closed deal: the spread cannot separate true differences from noise.
      rho = rhoMax;
      break;
    }
    const next = Math.min(Math.max((spread / (mu * (1 - mu)) - a) / (b - a), rhoMin), rhoMax);
    const converged = Math.abs(next - rho) < 1e-9;
    rho = next;
    if (converged) break;
  }
  const strength = 1 / rho - 1;
  return { alpha: mu * strength, beta: (1 - mu) * strength, partners: sample.length };
}

/**
 * The prior for each group (partner type): the group's own fit when it has enough partners with closed deals, else a
 * fit on all partners pooled, else the configured fallback. Groups are kept apart because named and self-serve
 * partners win at different rates; shrinking a self-serve partner toward the named mean would flatter it.
 */
export function fitGroupPriors<G extends string>(
  groups: ReadonlyMap<G, readonly WinRecord[]>,
  rules: ShrinkageRules,
): Map<G, BetaPrior> {
  const pooled = fitBetaPrior([...groups.values()].flat(), rules);
  const priors = new Map<G, BetaPrior>();
  for (const [group, records] of groups) {
    const own = fitBetaPrior(records, rules);
    if (own) priors.set(group, { ...own, source: 'type' });
    else if (pooled) priors.set(group, { ...pooled, source: 'pooled' });
    else priors.set(group, { ...rules.fallbackPrior, source: 'fallback', partners: 0 });
  }
  return priors;
}

export interface PosteriorWinRate {
  /** Posterior mean (alpha + won) / (alpha + beta + closed): the small-sample-corrected win rate. */
  winRate: number;
  /** The posterior `lowerQuantile` quantile: a conservative bound that rises only with evidence. */
  winRateLow: number;
}

export function posteriorWinRate(prior: BetaPrior, record: WinRecord, lowerQuantile: number): PosteriorWinRate {
  const alpha = prior.alpha + record.won;
  const beta = prior.beta + (record.closed - record.won);
  return { winRate: alpha / (alpha + beta), winRateLow: betaQuantile(lowerQuantile, alpha, beta) };
}
