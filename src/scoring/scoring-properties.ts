import type { CrmPropertyValuesOf } from '../model/crm-properties.ts';
import type { DealFit } from './deal-fit.ts';
import { type PartnerScore, round } from './partner-scoring.ts';

/**
 * The CRM property values (SPEC §4.5, HubSpot internal names; Salesforce prefixes `PL_…__c`) a write-back sets from
 * a scoring run, as the strings the CRM stores. Pure and deterministic, so the write-back can compare them with what
 * the record holds and send only the ones that changed. An empty string clears a property in HubSpot.
 */
export type PartnerScoreProperties = CrmPropertyValuesOf<'partner_score'>;

export type DealFitProperties = CrmPropertyValuesOf<'deal_fit'>;

export function partnerScoreProperties(score: PartnerScore): PartnerScoreProperties {
  return {
    pl_partner_type: score.partnerType,
    pl_partner_score: String(score.score),
    pl_partner_tier: score.tier,
    // The corrected win rate as a 0–1 fraction in whole percent. Finer is false precision for a shrunk estimate, and
    // costly: the population prior moves a little with every closed deal, so at 4 decimals nearly every partner's
    // value would change (and be rewritten) after any close. The precise value stays in the service's store.
    pl_win_rate: String(round(score.winRate, 2)),
    pl_won_revenue: String(score.wonRevenue),
    pl_avg_deal_size: score.avgDealSize === null ? '' : String(score.avgDealSize),
    pl_open_pipeline: String(score.openPipeline),
    pl_last_opportunity_date: score.lastOpportunityAt === null ? '' : score.lastOpportunityAt.slice(0, 10),
    pl_dormant: String(score.dormant),
  };
}

export function dealFitProperties(fit: DealFit): DealFitProperties {
  return {
    pl_partner_fit_score: fit.partnerFitScore === null ? '' : String(fit.partnerFitScore),
    pl_next_best_partner: fit.nextBestPartner?.partnerId ?? '',
  };
}
