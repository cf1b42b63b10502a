import type { Segment } from '../../src/attribution/attribution-rules.ts';
import { crmPropertyNamesOf } from '../../src/model/crm-properties.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { Partner } from '../../src/model/partner.ts';
import { type DealFit, scoreDealFit } from '../../src/scoring/deal-fit.ts';
import { type PartnerScoring, scorePartners } from '../../src/scoring/partner-scoring.ts';
import type { ScoringConfig } from '../../src/scoring/scoring-config.ts';
import {
  type DealFitProperties,
  dealFitProperties,
  type PartnerScoreProperties,
  partnerScoreProperties,
} from '../../src/scoring/scoring-properties.ts';
import { computationInputDigest, computeBySize } from '../platform/workers/off-thread.ts';

/** The company properties of SPEC §4.5 the partner-score write-back owns (src/model/crm-properties.ts). */
export const PARTNER_SCORE_PROPERTIES = crmPropertyNamesOf('partner_score');

/** The deal properties of SPEC §4.5 the deal-fit write-back owns (src/model/crm-properties.ts). */
export const DEAL_FIT_PROPERTIES = crmPropertyNamesOf('deal_fit');

/** The worker's entry (built when asked: in the worker's own bundle `import.meta.url` is a `data:` URL). */
const workerEntry = () => new URL('./scoring-run.worker.ts', import.meta.url);

/** What a deal that is not open at as-of (closed, excluded type, not created yet) holds: nothing (clears a value). */
const NO_FIT: DealFitProperties = { pl_partner_fit_score: '', pl_next_best_partner: '' };

/** One tenant's scoring at one as-of: partner scores and the fit of every open deal. */
export interface ScoringRun {
  tenantId: string;
  asOf: string;
  config: ScoringConfig;
  scoring: PartnerScoring;
  /** Deals open at as-of (of a counted type), by id. */
  fits: ReadonlyMap<string, DealFit>;
  durationMs: number;
}

export interface ScoringRunInput {
  tenantId: string;
  /** The deals (only the canonical model is read: what crosses to a worker thread stays small). */
  deals: readonly Pick<CanonicalDeal, 'deal'>[];
  partners: readonly Partner[];
  asOf: string;
  config: ScoringConfig;
  /** The tenant's amount segments, which partner-match rules name (default: the default attribution segments). */
  segments?: readonly Segment[] | undefined;
}

/**
 * Scores every partner of the roster over the tenant's deals (the pure engine; deals created after as-of are not
 * seen, deals closed after it are open) and the fit of each open deal, from the same partner scores.
 */
export function computeScoringRun(input: ScoringRunInput): ScoringRun {
  const started = performance.now();
  const deals = input.deals.map((entry) => entry.deal);
  // The roster comes from the store (unique ids); a repeated id would make the engine refuse the whole run.
  const partners = [...new Map(input.partners.map((partner) => [partner.id, partner])).values()];
  const scoring = scorePartners({ deals, partners, asOf: input.asOf, config: input.config });
  const fits = scoreDealFit({
    deals,
    partnerScores: scoring.partners,
    asOf: input.asOf,
    config: input.config,
    segments: input.segments,
  });
  return {
    tenantId: input.tenantId,
    asOf: input.asOf,
    config: input.config,
    scoring,
    fits: new Map(fits.map((fit) => [fit.dealId, fit])),
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * `computeScoringRun` off the calling thread for large tenants (a 100k-deal run takes seconds of CPU that would
 * otherwise hold the thread serving card requests and webhook acknowledgements); inline for small ones.
 */
export function computeScoringRunOffThread(input: ScoringRunInput): Promise<ScoringRun> {
  const slim = { ...input, deals: input.deals.map((entry) => ({ deal: entry.deal })) };
  return computeBySize(workerEntry(), slim, slim.deals.length, computeScoringRun);
}

/**
 * A digest of a large run's input — the deals in order, the roster, as-of, config and segments, and the engine's code
 * — so a full pass over the same input as the last run (a reconcile that found nothing changed, the same day) can keep
 * that run's stored scores instead of scoring again (equal digests, equal runs: the engine is a pure function of
 * them). Undefined below the size that runs on a worker thread, where a run is cheap.
 */
export function scoringRunDigest(input: ScoringRunInput): Promise<string | undefined> {
  const { tenantId, asOf, config, segments, partners } = input;
  return computationInputDigest(
    workerEntry(),
    [tenantId, asOf, config, segments ?? null, partners],
    input.deals.map((entry) => entry.deal),
  );
}

/** Every scored partner's CRM values (SPEC §4.5 company properties). */
export function partnerScoreValues(run: ScoringRun): Map<string, PartnerScoreProperties> {
  return new Map(run.scoring.partners.map((score) => [score.partnerId, partnerScoreProperties(score)]));
}

/**
 * The fit values of `deals`: computed for deals open at as-of, empty (cleared) for every other deal, so a deal that
 * closed stops showing a next-best partner and a deal that never had values costs no write.
 */
export function dealFitValues(run: ScoringRun, deals: readonly CanonicalDeal[]): Map<string, DealFitProperties> {
  const values = new Map<string, DealFitProperties>();
  for (const { deal } of deals) {
    const fit = run.fits.get(deal.id);
    values.set(deal.id, fit ? dealFitProperties(fit) : NO_FIT);
  }
  return values;
}
