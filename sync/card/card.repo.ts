import { type Kysely, sql } from 'kysely';
import type { Deal, DealPartner, PartnerRole } from '../../src/model/deal.ts';
import type { SplitRow } from '../attribution/attribution.repo.ts';
import type { MirroredDeal } from '../crm/crm-mirror.repo.ts';
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
 * The card's read side: one statement per card view, the store's `card_inputs` function (migration 0017: every part
 * an indexed lookup by tenant and deal, its plan kept per connection). On PGlite every statement waits its turn on
 * the one connection, and on Postgres each is a round trip; ten small reads per view were most of the card's cost
 * under load (README, Performance).
 */
export class CardRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** The card's inputs for the deal `dealId` names (a checked id, `requestedDealId`), or undefined: no such live deal. */
  async inputs(tenantId: string, dealId: string): Promise<CardInputs | undefined> {
    const result = await sql<InputsRow>`select * from card_inputs(${tenantId}, ${dealId})`.execute(this.db);
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
