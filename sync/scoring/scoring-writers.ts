import type { CompanyWriter, DealWriter } from '../crm/tenant-sync.ts';
import type { ScoringService } from './scoring.service.ts';
import { DEAL_FIT_PROPERTIES, dealFitValues, PARTNER_SCORE_PROPERTIES, partnerScoreValues } from './scoring-run.ts';

export const PARTNER_SCORES_WRITER = 'partner-scores';
export const DEAL_FIT_WRITER = 'deal-fit';
/** The writers a scoring refresh re-runs from the mirror. */
export const SCORING_WRITERS = [PARTNER_SCORES_WRITER, DEAL_FIT_WRITER] as const;

/**
 * Partner companies' SPEC §4.5 values (score, tier, win rate, revenue, pipeline, last opportunity, dormancy). The
 * sync runs company writers on full passes only (nightly reconcile, scoring refresh), over the whole roster.
 */
export function partnerScoresWriter(scoring: ScoringService): CompanyWriter {
  return {
    name: PARTNER_SCORES_WRITER,
    properties: PARTNER_SCORE_PROPERTIES,
    async desired(input) {
      if (!input.full) return new Map();
      return partnerScoreValues(await scoring.runFor(input));
    },
  };
}

/**
 * Open deals' `pl_partner_fit_score` and `pl_next_best_partner` (cleared once a deal is no longer open). Scores are
 * portal-wide: a webhook pass, which sees only the changed deals, writes nothing here; the scoring refresh the drain
 * schedules re-runs this writer over every deal from the mirror.
 */
export function dealFitWriter(scoring: ScoringService): DealWriter {
  return {
    name: DEAL_FIT_WRITER,
    properties: DEAL_FIT_PROPERTIES,
    async desired(input) {
      if (!input.full) return new Map();
      return dealFitValues(await scoring.runFor(input), input.deals);
    },
  };
}
