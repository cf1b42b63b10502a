import { type Kysely, sql } from 'kysely';
import type { Deal, DealPartner, PartnerRole } from '../../src/model/deal.ts';
import type { SplitRow } from '../attribution/attribution.repo.ts';
import { type MirroredDeal, rosterVersionOf } from '../crm/crm-mirror.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

/** Everything one card view is computed from, read by `CardRepository.inputs` in one statement. */
export interface CardInputs {
  /** The live deal the requested id names now (merges followed). */
  deal: MirroredDeal;
  splits: SplitRow[];
  partnersAtClose: DealPartner[] | undefined;
  hasMotions: boolean;
  /** Tier and score of the deal's tagged partners that the last scoring run scored. */
  scores: Map<string, { tier: string; score: number }>;
  fit: { partnerId: string; fitScore: number; reason: string } | null;
  /** The deal's duplicate cluster, with the names of its live members. */
  duplicates: {
    memberIds: string[];
    kind: string;
    confidence: number;
    reasons: string[];
    names: Map<string, string>;
  } | null;
  /** The roster's version (`CrmMirrorRepository.rosterVersion`'s expression), so the cached roster is checked for free. */
  rosterVersion: string;
}

interface InputsRow {
  deal: Deal;
  properties: Record<string, string | null>;
  unlabeled_partner_ids: string[];
  account_partner_ids: string[];
  splits: Array<{ partnerId: string; role: PartnerRole; splitPct: number }>;
  partners_at_close: DealPartner[] | null;
  has_motions: boolean;
  scores: Array<{ partnerId: string; tier: string; score: number }>;
  fit: { partnerId: string | null; fitScore: number | null; reason: string | null } | null;
  duplicates: {
    memberIds: string[];
    kind: string;
    confidence: number;
    reasons: string[];
    names: Record<string, string> | null;
  } | null;
  roster_version: string;
}

/**
 * The card's read side: one statement per card view, every part an indexed lookup by tenant and deal (the merge
 * chain, the deal, its splits, partners at close, whether it has co-sell motions, its partners' scores, its fit, its
 * duplicate cluster with the members' names, and the roster's version). On PGlite every statement waits its turn on
 * the one connection, and on Postgres each is a round trip; ten small reads per view were most of the card's cost
 * under load (README, Performance).
 */
export class CardRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** The card's inputs for the deal `dealId` names (a checked id, `requestedDealId`), or undefined: no such live deal. */
  async inputs(tenantId: string, dealId: string): Promise<CardInputs | undefined> {
    const result = await sql<InputsRow>`
      with recursive chain(id, path) as (
        select ${dealId}::text, array[${dealId}::text]
        union all
        select a.new_id, c.path || a.new_id
        from chain c
        join record_aliases a
          on a.tenant_id = ${tenantId} and a.object_type = 'deals' and a.old_id = c.id
        where not a.new_id = any(c.path)
      ),
      d as (
        select d.deal_id, d.deal, d.properties, d.unlabeled_partner_ids, d.account_partner_ids
        from crm_deals d
        where d.tenant_id = ${tenantId} and d.deleted_at is null
          and d.deal_id = (select id from chain order by cardinality(path) desc limit 1)
      )
      select
        d.deal, d.properties, d.unlabeled_partner_ids, d.account_partner_ids,
        (select coalesce(jsonb_agg(jsonb_build_object('partnerId', s.partner_id, 'role', s.role,
            'splitPct', s.split_pct)), '[]'::jsonb)
          from deal_partner_splits s where s.tenant_id = ${tenantId} and s.deal_id = d.deal_id) as splits,
        (select a.partners_at_close from deal_attributions a
          where a.tenant_id = ${tenantId} and a.deal_id = d.deal_id) as partners_at_close,
        exists (select 1 from cosell_motions m where m.tenant_id = ${tenantId} and m.deal_id = d.deal_id) as has_motions,
        (select coalesce(jsonb_agg(jsonb_build_object('partnerId', p.partner_id, 'tier', p.tier,
            'score', p.score)), '[]'::jsonb)
          from partner_scores p
          where p.tenant_id = ${tenantId}
            and p.partner_id in (select jsonb_array_elements(d.deal->'partners')->>'partnerId')) as scores,
        (select jsonb_build_object('partnerId', f.next_best_partner_id, 'fitScore', f.next_best_fit_score,
            'reason', f.next_best_reason)
          from deal_fits f where f.tenant_id = ${tenantId} and f.deal_id = d.deal_id) as fit,
        (select jsonb_build_object('memberIds', x.member_ids, 'kind', x.kind, 'confidence', x.confidence,
            'reasons', x.reasons, 'names',
            (select jsonb_object_agg(o.deal_id, o.deal->>'name') from crm_deals o
              where o.tenant_id = ${tenantId} and o.deleted_at is null
                and o.deal_id in (select jsonb_array_elements_text(x.member_ids))))
          from deal_duplicates x where x.tenant_id = ${tenantId} and x.deal_id = d.deal_id) as duplicates,
        (${rosterVersionOf(tenantId)}) as roster_version
      from d`.execute(this.db);
    const row = result.rows[0];
    if (!row) return undefined;
    const fit = row.fit;
    return {
      deal: {
        deal: row.deal,
        properties: row.properties,
        unlabeledPartnerIds: row.unlabeled_partner_ids,
        accountPartnerIds: row.account_partner_ids,
        deletedAt: null,
      },
      splits: row.splits.map((s) => ({ ...s, splitPct: Number(s.splitPct) })),
      partnersAtClose: row.partners_at_close ?? undefined,
      hasMotions: row.has_motions,
      scores: new Map(row.scores.map((s) => [s.partnerId, { tier: s.tier, score: s.score }])),
      fit:
        fit?.partnerId == null
          ? null
          : { partnerId: fit.partnerId, fitScore: fit.fitScore ?? 0, reason: fit.reason ?? '' },
      duplicates: row.duplicates
        ? { ...row.duplicates, names: new Map(Object.entries(row.duplicates.names ?? {})) }
        : null,
      rosterVersion: row.roster_version,
    };
  }
}
