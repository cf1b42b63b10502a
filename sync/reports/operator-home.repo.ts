import { type Kysely, sql } from 'kysely';
import type { LeaderboardRowView } from '../../extensions/app/pages/operator-api.ts';
import { rosterActionOf } from '../../src/model/roster-action.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

/**
 * The operator home's narrow reads: a page of the leaderboard, and the names and roster decisions of the partners on
 * a page. Everything it shows of the loops comes from LoopResultsRepository.
 */
export class OperatorHomeRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /**
   * One page of the stored partner scores, best first (the order of `ScoresRepository.ranked`), with names and the
   * scoring run's as-of. Partners that left the roster are not listed.
   */
  async leaderboard(
    tenantId: string,
    window: { offset: number; limit: number },
    companyUrl: (partnerId: string) => string,
  ): Promise<{ rows: LeaderboardRowView[]; total: number; asOf: string | null; computedAt: string | null }> {
    const base = this.db
      .selectFrom('partner_scores as s')
      .innerJoin('crm_partners as p', (join) =>
        join.onRef('p.tenant_id', '=', 's.tenant_id').onRef('p.partner_id', '=', 's.partner_id'),
      )
      .where('s.tenant_id', '=', tenantId)
      .where('p.deleted_at', 'is', null);
    const [rows, count, run] = await Promise.all([
      base
        .select([
          's.partner_id',
          's.partner_type',
          's.tier',
          's.score',
          's.win_rate',
          's.win_rate_low',
          's.raw_win_rate',
          's.closed_deals',
          's.won_deals',
          's.dormant',
          sql<string | null>`p.partner->>'name'`.as('name'),
        ])
        .orderBy('s.score', 'desc')
        .orderBy('s.partner_id')
        .offset(window.offset)
        .limit(window.limit)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
      this.db
        .selectFrom('scoring_runs')
        .select(['as_of', 'computed_at'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst(),
    ]);
    return {
      rows: rows.map((row, index) => ({
        rank: window.offset + index + 1,
        partnerId: row.partner_id,
        name: row.name ?? `Company ${row.partner_id}`,
        partnerType: row.partner_type,
        tier: row.tier,
        score: row.score,
        winRate: row.win_rate,
        winRateLow: row.win_rate_low,
        rawWinRate: row.raw_win_rate,
        closedDeals: row.closed_deals,
        wonDeals: row.won_deals,
        dormant: row.dormant,
        url: companyUrl(row.partner_id),
      })),
      total: Number(count?.n ?? 0),
      asOf: run?.as_of ?? null,
      computedAt: run ? new Date(run.computed_at).toISOString() : null,
    };
  }

  /** `pl_roster_action` of the given partners as the mirror holds it (what the CRM held at the last read or write). */
  async rosterActions(tenantId: string, partnerIds: readonly string[]) {
    const out = new Map<string, ReturnType<typeof rosterActionOf>>();
    if (partnerIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('crm_partners')
      .select(['partner_id', sql<string | null>`properties->>'pl_roster_action'`.as('action')])
      .where('tenant_id', '=', tenantId)
      .where('partner_id', 'in', [...new Set(partnerIds)])
      .execute();
    for (const row of rows) out.set(row.partner_id, rosterActionOf(row.action));
    return out;
  }
}
