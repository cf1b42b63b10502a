import { createHash } from 'node:crypto';
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { PartnerType } from '../../src/model/partner.ts';
import type { DealFit } from '../../src/scoring/deal-fit.ts';
import { byScoreThenId, type PartnerScore, type PriorSummary } from '../../src/scoring/partner-scoring.ts';
import type { PartnerTier } from '../../src/scoring/partner-tiers.ts';
import { chunks } from '../../src/shared/chunks.ts';
import { CheckpointsRepository } from '../platform/store/checkpoints.repo.ts';
import type { DealFitsTable, PartnerScoresTable, StoreSchema } from '../platform/store/schema.ts';
import type { ScoringRun } from './scoring-run.ts';

const CHUNK = 250;
/** The `sync_checkpoints` stream holding the digest of the input of the tenant's stored run. */
const SCORING_INPUT_STREAM = 'scoring.run-input';

/** A partner's stored scoring: the engine's `PartnerScore` with the run's as-of and time. */
export interface StoredPartnerScore extends PartnerScore {
  asOf: string;
  computedAt: Date;
}

/** A deal's stored fit (open deals at as-of only). */
export interface StoredDealFit {
  dealId: string;
  partnerFitScore: number | null;
  nextBestPartner: { partnerId: string; fitScore: number; reason: string } | null;
  asOf: string;
  computedAt: Date;
}

export interface StoredScoringRun {
  asOf: string;
  config: unknown;
  priors: Record<PartnerType, PriorSummary>;
  partners: number;
  openDeals: number;
  durationMs: number;
  computedAt: Date;
}

export interface SaveOutcome {
  /** Partner rows inserted or changed. */
  partners: number;
  /** Deal-fit rows inserted or changed. */
  deals: number;
  /** Rows removed (partners that left the roster, deals no longer open). */
  removed: number;
}

type PartnerRow = Insertable<PartnerScoresTable>;
type FitRow = Insertable<DealFitsTable>;

function fingerprint(values: unknown): string {
  return createHash('sha1').update(JSON.stringify(values)).digest('base64url');
}

/**
 * Scores and deal fits of the last run per tenant, for the partner picker (`forPartners`), one deal's fit
 * (`fitForDeal`; the card reads it with its other inputs, sync/card/card.repo.ts) and operators (`ranked`). A save
 * rewrites only rows whose values changed (by fingerprint) and removes the ones that are gone.
 */
export class ScoresRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /**
   * Stores a run: its partner scores, deal fits and summary replace the tenant's, and with them the digest of the input
   * it was computed from (`scoringRunDigest`), when it has one — a run without one forgets the last, in the same
   * transaction, so stored scores are reused (`runComputedFrom`) only while they are that input's.
   */
  async save(run: ScoringRun, computedAt: Date = new Date(), inputDigest?: string): Promise<SaveOutcome> {
    const { tenantId, asOf } = run;
    const partnerRows: PartnerRow[] = run.scoring.partners.map((score) => {
      const values = { ...score, asOf };
      return {
        tenant_id: tenantId,
        partner_id: score.partnerId,
        partner_type: score.partnerType,
        score: score.score,
        tier: score.tier,
        win_rate: score.winRate,
        win_rate_low: score.winRateLow,
        raw_win_rate: score.rawWinRate,
        closed_deals: score.closedDeals,
        won_deals: score.wonDeals,
        open_deals: score.openDeals,
        won_revenue: score.wonRevenue,
        avg_deal_size: score.avgDealSize,
        open_pipeline: score.openPipeline,
        avg_days_to_close: score.avgDaysToClose,
        activity: score.activity,
        last_opportunity_at: score.lastOpportunityAt,
        days_since_last_opportunity: score.daysSinceLastOpportunity,
        recent_opportunities: score.recentOpportunities,
        baseline_opportunities: score.baselineOpportunities,
        dormant: score.dormant,
        decaying: score.decaying,
        components: JSON.stringify(score.components),
        as_of: asOf,
        fingerprint: fingerprint(values),
        computed_at: computedAt,
      };
    });
    const fitRows: FitRow[] = [...run.fits.values()].map((fit) => ({
      tenant_id: tenantId,
      deal_id: fit.dealId,
      partner_fit_score: fit.partnerFitScore,
      next_best_partner_id: fit.nextBestPartner?.partnerId ?? null,
      next_best_fit_score: fit.nextBestPartner?.fitScore ?? null,
      next_best_reason: fit.nextBestPartner?.reason ?? null,
      as_of: asOf,
      fingerprint: fingerprint({ ...fit, asOf }),
      computed_at: computedAt,
    }));

    return this.db.transaction().execute(async (trx) => {
      let removed = 0;
      await new CheckpointsRepository(trx).recordInputDigest(tenantId, SCORING_INPUT_STREAM, inputDigest);

      const storedPartners = await trx
        .selectFrom('partner_scores')
        .select(['partner_id', 'fingerprint'])
        .where('tenant_id', '=', tenantId)
        .execute();
      const partnerPrints = new Map(storedPartners.map((row) => [row.partner_id, row.fingerprint]));
      const changedPartners = partnerRows.filter((row) => partnerPrints.get(row.partner_id) !== row.fingerprint);
      for (const batch of chunks(changedPartners, CHUNK)) {
        await trx
          .insertInto('partner_scores')
          .values(batch)
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'partner_id']).doUpdateSet((eb) => ({
              partner_type: eb.ref('excluded.partner_type'),
              score: eb.ref('excluded.score'),
              tier: eb.ref('excluded.tier'),
              win_rate: eb.ref('excluded.win_rate'),
              win_rate_low: eb.ref('excluded.win_rate_low'),
              raw_win_rate: eb.ref('excluded.raw_win_rate'),
              closed_deals: eb.ref('excluded.closed_deals'),
              won_deals: eb.ref('excluded.won_deals'),
              open_deals: eb.ref('excluded.open_deals'),
              won_revenue: eb.ref('excluded.won_revenue'),
              avg_deal_size: eb.ref('excluded.avg_deal_size'),
              open_pipeline: eb.ref('excluded.open_pipeline'),
              avg_days_to_close: eb.ref('excluded.avg_days_to_close'),
              activity: eb.ref('excluded.activity'),
              last_opportunity_at: eb.ref('excluded.last_opportunity_at'),
              days_since_last_opportunity: eb.ref('excluded.days_since_last_opportunity'),
              recent_opportunities: eb.ref('excluded.recent_opportunities'),
              baseline_opportunities: eb.ref('excluded.baseline_opportunities'),
              dormant: eb.ref('excluded.dormant'),
              decaying: eb.ref('excluded.decaying'),
              components: eb.ref('excluded.components'),
              as_of: eb.ref('excluded.as_of'),
              fingerprint: eb.ref('excluded.fingerprint'),
              computed_at: eb.ref('excluded.computed_at'),
            })),
          )
          .execute();
      }
      const scored = new Set(partnerRows.map((row) => row.partner_id));
      for (const batch of chunks(
        [...partnerPrints.keys()].filter((id) => !scored.has(id)),
        1000,
      )) {
        const result = await trx
          .deleteFrom('partner_scores')
          .where('tenant_id', '=', tenantId)
          .where('partner_id', 'in', batch)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }

      const storedFits = await trx
        .selectFrom('deal_fits')
        .select(['deal_id', 'fingerprint'])
        .where('tenant_id', '=', tenantId)
        .execute();
      const fitPrints = new Map(storedFits.map((row) => [row.deal_id, row.fingerprint]));
      const changedFits = fitRows.filter((row) => fitPrints.get(row.deal_id) !== row.fingerprint);
      for (const batch of chunks(changedFits, 4 * CHUNK)) {
        await trx
          .insertInto('deal_fits')
          .values(batch)
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'deal_id']).doUpdateSet((eb) => ({
              partner_fit_score: eb.ref('excluded.partner_fit_score'),
              next_best_partner_id: eb.ref('excluded.next_best_partner_id'),
              next_best_fit_score: eb.ref('excluded.next_best_fit_score'),
              next_best_reason: eb.ref('excluded.next_best_reason'),
              as_of: eb.ref('excluded.as_of'),
              fingerprint: eb.ref('excluded.fingerprint'),
              computed_at: eb.ref('excluded.computed_at'),
            })),
          )
          .execute();
      }
      const open = new Set(fitRows.map((row) => row.deal_id));
      for (const batch of chunks(
        [...fitPrints.keys()].filter((id) => !open.has(id)),
        1000,
      )) {
        const result = await trx
          .deleteFrom('deal_fits')
          .where('tenant_id', '=', tenantId)
          .where('deal_id', 'in', batch)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }

      const runRow = {
        as_of: asOf,
        config: JSON.stringify(run.config),
        priors: JSON.stringify(run.scoring.priors),
        partners: partnerRows.length,
        open_deals: fitRows.length,
        duration_ms: run.durationMs,
        computed_at: computedAt,
      };
      await trx
        .insertInto('scoring_runs')
        .values({ tenant_id: tenantId, ...runRow })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(runRow))
        .execute();
      return { partners: changedPartners.length, deals: changedFits.length, removed };
    });
  }

  /**
   * The tenant's stored run when it was computed from the input `inputDigest` names (see `save`): its partner scores
   * (best first, as the engine ranks them), deal fits (by deal id) and priors, equal to what the engine answered; undefined
   * otherwise. One statement: the digest and the rows are one snapshot.
   */
  async runComputedFrom(
    tenantId: string,
    inputDigest: string,
  ): Promise<Omit<ScoringRun, 'tenantId' | 'config'> | undefined> {
    const { rows } = await sql<{
      as_of: string;
      priors: Record<PartnerType, PriorSummary>;
      duration_ms: number;
      partners: Array<Selectable<PartnerScoresTable>>;
      fits: Array<[string, number | null, string | null, number | null, string | null]>;
    }>`
      select r.as_of, r.priors, r.duration_ms,
        (select coalesce(json_agg(p), '[]') from partner_scores p where p.tenant_id = r.tenant_id) as partners,
        (select coalesce(json_agg(json_build_array(f.deal_id, f.partner_fit_score, f.next_best_partner_id,
            f.next_best_fit_score, f.next_best_reason)), '[]')
          from deal_fits f where f.tenant_id = r.tenant_id) as fits
      from sync_checkpoints c
      join scoring_runs r on r.tenant_id = c.tenant_id
      where c.tenant_id = ${tenantId} and c.stream = ${SCORING_INPUT_STREAM}
        and c.checkpoint ->> 'inputDigest' = ${inputDigest}`.execute(this.db);
    const row = rows[0];
    if (!row) return undefined;
    const partners = row.partners.map((stored): PartnerScore => {
      const { asOf: _asOf, computedAt: _computedAt, ...score } = toStoredScore(stored);
      return score;
    });
    const fits: DealFit[] = row.fits.map(([dealId, partnerFitScore, partnerId, fitScore, reason]) => ({
      dealId,
      partnerFitScore,
      nextBestPartner: partnerId === null ? null : { partnerId, fitScore: fitScore ?? 0, reason: reason ?? '' },
    }));
    fits.sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
    return {
      asOf: row.as_of,
      scoring: { asOf: row.as_of, partners: partners.sort(byScoreThenId), priors: row.priors },
      fits: new Map(fits.map((fit) => [fit.dealId, fit])),
      durationMs: row.duration_ms,
    };
  }

  /** The stored scores of some partners (for the card), by partner id; partners never scored are absent. */
  async forPartners(tenantId: string, partnerIds: readonly string[]): Promise<Map<string, StoredPartnerScore>> {
    const out = new Map<string, StoredPartnerScore>();
    for (const batch of chunks([...new Set(partnerIds)], 1000)) {
      const rows = await this.db
        .selectFrom('partner_scores')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('partner_id', 'in', batch)
        .execute();
      for (const row of rows) out.set(row.partner_id, toStoredScore(row));
    }
    return out;
  }

  /** Every stored partner score of the tenant, best first (score descending, then partner id). */
  async ranked(tenantId: string): Promise<StoredPartnerScore[]> {
    const rows = await this.db
      .selectFrom('partner_scores')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('score', 'desc')
      .orderBy('partner_id')
      .execute();
    return rows.map(toStoredScore);
  }

  /** The stored fit of one deal; undefined when the deal was not open at the last run (or never scored). */
  async fitForDeal(tenantId: string, dealId: string): Promise<StoredDealFit | undefined> {
    const row = await this.db
      .selectFrom('deal_fits')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('deal_id', '=', dealId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      dealId: row.deal_id,
      partnerFitScore: row.partner_fit_score,
      nextBestPartner:
        row.next_best_partner_id === null
          ? null
          : {
              partnerId: row.next_best_partner_id,
              fitScore: row.next_best_fit_score ?? 0,
              reason: row.next_best_reason ?? '',
            },
      asOf: row.as_of,
      computedAt: row.computed_at,
    };
  }

  async lastRun(tenantId: string): Promise<StoredScoringRun | undefined> {
    const row = await this.db
      .selectFrom('scoring_runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      asOf: row.as_of,
      config: row.config,
      priors: row.priors as Record<PartnerType, PriorSummary>,
      partners: row.partners,
      openDeals: row.open_deals,
      durationMs: row.duration_ms,
      computedAt: row.computed_at,
    };
  }
}

function toStoredScore(row: Selectable<PartnerScoresTable>): StoredPartnerScore {
  return {
    partnerId: row.partner_id,
    partnerType: row.partner_type as PartnerType,
    score: row.score,
    tier: row.tier as PartnerTier,
    winRate: row.win_rate,
    winRateLow: row.win_rate_low,
    rawWinRate: row.raw_win_rate,
    closedDeals: row.closed_deals,
    wonDeals: row.won_deals,
    wonRevenue: row.won_revenue,
    avgDealSize: row.avg_deal_size,
    openDeals: row.open_deals,
    openPipeline: row.open_pipeline,
    avgDaysToClose: row.avg_days_to_close,
    activity: row.activity,
    lastOpportunityAt: row.last_opportunity_at === null ? null : new Date(row.last_opportunity_at).toISOString(),
    daysSinceLastOpportunity: row.days_since_last_opportunity,
    recentOpportunities: row.recent_opportunities,
    baselineOpportunities: row.baseline_opportunities,
    dormant: row.dormant,
    decaying: row.decaying,
    components: row.components,
    asOf: row.as_of,
    computedAt: row.computed_at,
  };
}
