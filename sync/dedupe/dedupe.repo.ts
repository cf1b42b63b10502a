import { type Kysely, sql } from 'kysely';
import { compareIds, type DuplicateCluster } from '../../src/dedupe/duplicate-clustering.ts';
import { chunks } from '../../src/shared/chunks.ts';
import { CheckpointsRepository } from '../platform/store/checkpoints.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

const CHUNK = 1_000;
/** The `sync_checkpoints` stream holding the digest of the input of the tenant's stored full-pass clusters. */
const FULL_CLUSTERING_STREAM = 'dedupe.full-clustering';

/** One member's view of its cluster. */
export interface StoredDuplicate {
  dealId: string;
  survivorId: string;
  memberIds: string[];
  kind: DuplicateCluster['kind'];
  confidence: number;
  reasons: string[];
}

/** A "not a duplicate" pair, smaller id first. */
export type DecisionPair = readonly [string, string];

export function pairOf(a: string, b: string): DecisionPair {
  return compareIds(a, b) <= 0 ? [a, b] : [b, a];
}

/** The current duplicate clusters (one row per member) and the seller decisions that keep pairs apart forever. */
export class DedupeRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async clustersFor(tenantId: string, dealIds: readonly string[]): Promise<Map<string, StoredDuplicate>> {
    const out = new Map<string, StoredDuplicate>();
    for (const batch of chunks([...new Set(dealIds)], CHUNK)) {
      const rows = await this.db
        .selectFrom('deal_duplicates')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('deal_id', 'in', batch)
        .execute();
      for (const row of rows) {
        out.set(row.deal_id, {
          dealId: row.deal_id,
          survivorId: row.survivor_id,
          memberIds: row.member_ids,
          kind: row.kind as DuplicateCluster['kind'],
          confidence: row.confidence,
          reasons: row.reasons,
        });
      }
    }
    return out;
  }

  /**
   * Replaces the stored clusters of `dealIds` (or of the whole tenant when null) with `clusters`. A whole tenant's
   * clusters are stored with the digest of the input they were computed from (`clusteringDigest`), when it has one;
   * any other replacement forgets that digest, in the same transaction, so the stored clusters are reused only while
   * nothing else has changed them.
   */
  async replace(
    tenantId: string,
    dealIds: readonly string[] | null,
    clusters: readonly DuplicateCluster[],
    inputDigest?: string,
  ) {
    await this.db.transaction().execute(async (trx) => {
      const checkpoints = new CheckpointsRepository(trx);
      await checkpoints.recordInputDigest(tenantId, FULL_CLUSTERING_STREAM, dealIds === null ? inputDigest : undefined);
      if (dealIds === null) {
        await trx.deleteFrom('deal_duplicates').where('tenant_id', '=', tenantId).execute();
      } else {
        for (const batch of chunks([...new Set(dealIds)], CHUNK)) {
          await trx
            .deleteFrom('deal_duplicates')
            .where('tenant_id', '=', tenantId)
            .where('deal_id', 'in', batch)
            .execute();
        }
      }
      const rows = clusters.flatMap((cluster) =>
        cluster.ids.map((dealId) => ({
          tenant_id: tenantId,
          deal_id: dealId,
          survivor_id: cluster.survivor,
          member_ids: JSON.stringify(cluster.ids),
          kind: cluster.kind,
          confidence: cluster.confidence,
          reasons: JSON.stringify(cluster.reasons),
        })),
      );
      for (const batch of chunks(rows, 500)) {
        await trx
          .insertInto('deal_duplicates')
          .values(batch)
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'deal_id']).doUpdateSet((eb) => ({
              survivor_id: eb.ref('excluded.survivor_id'),
              member_ids: eb.ref('excluded.member_ids'),
              kind: eb.ref('excluded.kind'),
              confidence: eb.ref('excluded.confidence'),
              reasons: eb.ref('excluded.reasons'),
              updated_at: new Date(),
            })),
          )
          .execute();
      }
    });
  }

  /**
   * The tenant's stored clusters when a full pass computed them from the input `inputDigest` names (see `replace`) and
   * nothing has rewritten them since; undefined otherwise. One statement: the digest and the clusters are one snapshot.
   */
  async clustersComputedFrom(tenantId: string, inputDigest: string): Promise<DuplicateCluster[] | undefined> {
    const { rows } = await sql<{
      survivor_id: string | null;
      member_ids: string[] | null;
      kind: string | null;
      confidence: number | null;
      reasons: string[] | null;
    }>`
      select d.survivor_id, d.member_ids, d.kind, d.confidence, d.reasons
      from sync_checkpoints c
      left join deal_duplicates d on d.tenant_id = c.tenant_id
      where c.tenant_id = ${tenantId} and c.stream = ${FULL_CLUSTERING_STREAM}
        and c.checkpoint ->> 'inputDigest' = ${inputDigest}`.execute(this.db);
    if (rows.length === 0) return undefined;
    // One row per member, each carrying its whole cluster (a single row of nulls: no clusters).
    const clusters = new Map<string, DuplicateCluster>();
    for (const row of rows) {
      if (!row.member_ids || row.survivor_id === null || row.confidence === null) continue;
      const key = row.member_ids.join('\u0000');
      if (clusters.has(key)) continue;
      clusters.set(key, {
        ids: row.member_ids,
        kind: row.kind as DuplicateCluster['kind'],
        confidence: row.confidence,
        survivor: row.survivor_id,
        reasons: row.reasons ?? [],
      });
    }
    return [...clusters.values()];
  }

  /** Members eligible for a merge: duplicates (never registration conflicts) at or above `minConfidence`. */
  async mergeCandidates(tenantId: string, minConfidence: number, limit: number): Promise<StoredDuplicate[]> {
    const rows = await this.db
      .selectFrom('deal_duplicates')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', 'duplicate')
      .where('confidence', '>=', minConfidence)
      .whereRef('deal_id', '<>', 'survivor_id')
      .orderBy('survivor_id')
      .orderBy('deal_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      dealId: row.deal_id,
      survivorId: row.survivor_id,
      memberIds: row.member_ids,
      kind: 'duplicate',
      confidence: row.confidence,
      reasons: row.reasons,
    }));
  }

  /** Records a decision; false when it was already recorded (idempotent). */
  async decideNotDuplicate(tenantId: string, a: string, b: string, actor: string): Promise<boolean> {
    const [dealA, dealB] = pairOf(a, b);
    const inserted = await this.db
      .insertInto('dedupe_decisions')
      .values({ tenant_id: tenantId, deal_a: dealA, deal_b: dealB, decided_by: actor })
      .onConflict((oc) => oc.columns(['tenant_id', 'deal_a', 'deal_b']).doNothing())
      .returning('deal_a')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** Decisions touching `dealIds` (every decision of the tenant when null). */
  async decisions(tenantId: string, dealIds: readonly string[] | null): Promise<DecisionPair[]> {
    const base = this.db.selectFrom('dedupe_decisions').select(['deal_a', 'deal_b']).where('tenant_id', '=', tenantId);
    if (dealIds === null) return (await base.execute()).map((row) => [row.deal_a, row.deal_b] as const);
    const out: DecisionPair[] = [];
    for (const batch of chunks([...new Set(dealIds)], CHUNK)) {
      const rows = await base.where((eb) => eb.or([eb('deal_a', 'in', batch), eb('deal_b', 'in', batch)])).execute();
      for (const row of rows) out.push([row.deal_a, row.deal_b]);
    }
    return out;
  }

  /** Notes deals a webhook pass changed, for the debounced incremental pass. */
  async notePending(tenantId: string, dealIds: readonly string[]): Promise<void> {
    for (const batch of chunks([...new Set(dealIds)], 500)) {
      await this.db
        .insertInto('dedupe_pending')
        .values(batch.map((dealId) => ({ tenant_id: tenantId, deal_id: dealId })))
        .onConflict((oc) => oc.columns(['tenant_id', 'deal_id']).doUpdateSet({ noted_at: new Date() }))
        .execute();
    }
  }

  /** Up to `limit` noted deals, oldest first, with the time each was noted (for `clearPending`). */
  async pending(tenantId: string, limit: number): Promise<Array<{ dealId: string; notedAt: Date }>> {
    const rows = await this.db
      .selectFrom('dedupe_pending')
      .select(['deal_id', 'noted_at'])
      .where('tenant_id', '=', tenantId)
      .orderBy('noted_at')
      .orderBy('deal_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ dealId: row.deal_id, notedAt: row.noted_at }));
  }

  /**
   * Forgets noted deals once compared — unless noted again meanwhile: a re-note moves `noted_at` past every time
   * taken, so it stays pending.
   */
  async clearPending(tenantId: string, taken: ReadonlyArray<{ dealId: string; notedAt: Date }>): Promise<number> {
    if (taken.length === 0) return 0;
    // Postgres keeps microseconds, a JS Date milliseconds: the bound is the next millisecond.
    const before = new Date(Math.max(...taken.map((item) => item.notedAt.getTime())) + 1);
    let cleared = 0;
    for (const batch of chunks(taken, 500)) {
      const result = await this.db
        .deleteFrom('dedupe_pending')
        .where('tenant_id', '=', tenantId)
        .where(
          'deal_id',
          'in',
          batch.map((item) => item.dealId),
        )
        .where('noted_at', '<', before)
        .executeTakeFirst();
      cleared += Number(result.numDeletedRows);
    }
    return cleared;
  }
}
