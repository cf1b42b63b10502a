import { type Kysely, sql } from 'kysely';
import type { Deal, DealPartner, PartnerRole } from '../../src/model/deal.ts';
import type { SplitRow } from '../attribution/attribution.repo.ts';
import { EVALUATION_PROPERTIES } from '../attribution/attribution-writer.ts';
import type { MirroredDeal } from '../crm/crm-mirror.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

/** The raw deal properties a card view reads: the evaluation's and the duplicate status. */
const CARD_PROPERTIES = [...EVALUATION_PROPERTIES, 'pl_dedupe_status'] as const;

/** Everything one card view is computed from, read by `CardRepository.inputs` in one statement. */
export interface CardInputs {
  /** The live deal the requested id names now (merges followed), with only the raw values the card reads. */
  deal: Omit<MirroredDeal, 'properties'> & {
    properties: Readonly<Partial<Record<(typeof CARD_PROPERTIES)[number], string | null>>>;
  };
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
  item: number;
  deal: Deal;
  properties: CardInputs['deal']['properties'];
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

/** How many card statements one process keeps in flight at once; the requests arriving meanwhile wait for the next. */
const STATEMENTS_IN_FLIGHT = 2;
/** The most card views one statement reads (each is a few index lookups, ~0.2 ms of the database's time). */
const VIEWS_PER_STATEMENT = 50;

interface Waiting {
  tenantId: string;
  dealId: string;
  resolve(inputs: CardInputs | undefined): void;
  reject(error: unknown): void;
}

/**
 * The card's read side: the store's `card_inputs_many` function (migrations 0017, 0019, 0021: every part an index
 * lookup by tenant and deal, its plan kept per connection, only the raw properties the card reads), and requests share
 * its statements. A request that finds fewer than two card statements in flight sends its own at once; the requests
 * arriving while two are out wait and go together in the next, whatever their tenants. Alone, a view costs one
 * statement, as before; under load, one round trip and one roster version serve up to 50 views — one statement per
 * view spent most of the database's CPU per view and most of the service's driver time (README, Performance). On
 * PGlite every statement waits its turn on the one connection anyway.
 */
export class CardRepository {
  readonly #waiting: Waiting[] = [];
  #inFlight = 0;

  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** The card's inputs for the deal `dealId` names (a checked id, `requestedDealId`), or undefined: no such live deal. */
  inputs(tenantId: string, dealId: string): Promise<CardInputs | undefined> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ tenantId, dealId, resolve, reject });
      this.#send();
    });
  }

  #send(): void {
    while (this.#inFlight < STATEMENTS_IN_FLIGHT && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, VIEWS_PER_STATEMENT);
      this.#inFlight += 1;
      void this.#read(batch).finally(() => {
        this.#inFlight -= 1;
        this.#send();
      });
    }
  }

  async #read(batch: Waiting[]): Promise<void> {
    try {
      const result =
        await sql<InputsRow>`select * from card_inputs_many(${batch.map((w) => w.tenantId)}::text[], ${batch.map(
          (w) => w.dealId,
        )}::text[], ${CARD_PROPERTIES}::text[])`.execute(this.db);
      const found = new Map(result.rows.map((row) => [row.item, row]));
      batch.forEach((waiting, index) => {
        const row = found.get(index + 1);
        waiting.resolve(row ? inputsOf(row) : undefined);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}

function inputsOf(row: InputsRow): CardInputs {
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
