import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Period } from '../../src/metrics/periods.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

export const OPERATOR_LOOPS = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type OperatorLoop = (typeof OPERATOR_LOOPS)[number];

export interface StoredLoopResult<R = unknown> {
  tenantId: string;
  loop: OperatorLoop;
  periodKey: string;
  period: { start: string; end: string };
  version: number;
  reason: string;
  computedAt: Date;
  result: R;
}

/** A stored result without its body: which period and version a loop's numbers come from. */
export type LoopStampRow = Omit<StoredLoopResult, 'tenantId' | 'result'>;

export interface SaveLoopResult {
  /** The version now current for the period. */
  version: number;
  /** Whether this call stored a new version (false: the numbers were the same as the current version's). */
  stored: boolean;
}

/**
 * Results of the operator loops per tenant, loop and period (migration 0007). A save whose numbers equal the current
 * version's stores nothing; different numbers become the next version with the reason, never an overwrite. Two
 * replicas saving the same period at once cannot both take a version number (primary key), and the loser re-reads.
 */
export class LoopResultsRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async save(
    tenantId: string,
    loop: OperatorLoop,
    periodKey: string,
    period: Pick<Period, 'start' | 'end'>,
    result: unknown,
    reason: string,
  ): Promise<SaveLoopResult> {
    const json = JSON.stringify(result);
    const fingerprint = createHash('sha256').update(json).digest('base64url');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await this.db
        .selectFrom('operator_loop_results')
        .select(['version', 'fingerprint'])
        .where('tenant_id', '=', tenantId)
        .where('loop', '=', loop)
        .where('period_key', '=', periodKey)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (current?.fingerprint === fingerprint) return { version: current.version, stored: false };
      const version = (current?.version ?? 0) + 1;
      const inserted = await this.db
        .insertInto('operator_loop_results')
        .values({
          tenant_id: tenantId,
          loop,
          period_key: periodKey,
          version,
          period_start: period.start,
          period_end: period.end,
          result: json,
          fingerprint,
          reason: version === 1 ? reason : `${reason} (replaces version ${version - 1})`,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('version')
        .executeTakeFirst();
      if (inserted) return { version, stored: true };
    }
    throw new Error(`could not store the ${loop} result of ${periodKey} for ${tenantId}: concurrent saves`);
  }

  /** The current version of one period, or of the latest period when `periodKey` is omitted. */
  async current<R = unknown>(
    tenantId: string,
    loop: OperatorLoop,
    periodKey?: string,
  ): Promise<StoredLoopResult<R> | undefined> {
    let query = this.db
      .selectFrom('operator_loop_results')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('loop', '=', loop);
    if (periodKey !== undefined) query = query.where('period_key', '=', periodKey);
    const row = await query.orderBy('period_start', 'desc').orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row ? toStored<R>(row) : undefined;
  }

  /** The current version of each loop's latest period, without the result body. */
  async latestStamps(tenantId: string): Promise<Map<OperatorLoop, LoopStampRow>> {
    const rows = await this.db
      .selectFrom('operator_loop_results')
      .select(['loop', 'period_key', 'period_start', 'period_end', 'version', 'reason', 'computed_at'])
      .distinctOn('loop')
      .where('tenant_id', '=', tenantId)
      .orderBy('loop')
      .orderBy('period_start', 'desc')
      .orderBy('version', 'desc')
      .execute();
    const stamps = new Map<OperatorLoop, LoopStampRow>();
    for (const row of rows) {
      if (!(OPERATOR_LOOPS as readonly string[]).includes(row.loop)) continue;
      stamps.set(row.loop as OperatorLoop, {
        loop: row.loop as OperatorLoop,
        periodKey: row.period_key,
        period: { start: row.period_start, end: row.period_end },
        version: row.version,
        reason: row.reason,
        computedAt: new Date(row.computed_at),
      });
    }
    return stamps;
  }

  /** One version of a period (older versions stay readable). */
  async version<R = unknown>(
    tenantId: string,
    loop: OperatorLoop,
    periodKey: string,
    version: number,
  ): Promise<StoredLoopResult<R> | undefined> {
    const row = await this.db
      .selectFrom('operator_loop_results')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('loop', '=', loop)
      .where('period_key', '=', periodKey)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toStored<R>(row) : undefined;
  }

  /** Every version of a period, oldest first, without the results (what changed and why). */
  async versions(tenantId: string, loop: OperatorLoop, periodKey: string) {
    const rows = await this.db
      .selectFrom('operator_loop_results')
      .select(['version', 'reason', 'computed_at', 'fingerprint'])
      .where('tenant_id', '=', tenantId)
      .where('loop', '=', loop)
      .where('period_key', '=', periodKey)
      .orderBy('version')
      .execute();
    return rows.map((row) => ({ version: row.version, reason: row.reason, computedAt: new Date(row.computed_at) }));
  }

  /** The current version of the latest `limit` periods, oldest first (the trend). */
  async recent<R = unknown>(tenantId: string, loop: OperatorLoop, limit: number): Promise<StoredLoopResult<R>[]> {
    const rows = await this.db
      .selectFrom('operator_loop_results')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('loop', '=', loop)
      .where(({ eb, selectFrom }) =>
        eb(
          'version',
          '=',
          selectFrom('operator_loop_results as v')
            .select(sql<number>`max(v.version)`.as('max'))
            .whereRef('v.tenant_id', '=', 'operator_loop_results.tenant_id')
            .whereRef('v.loop', '=', 'operator_loop_results.loop')
            .whereRef('v.period_key', '=', 'operator_loop_results.period_key'),
        ),
      )
      .orderBy('period_start', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => toStored<R>(row)).reverse();
  }

  /** Which of `periodKeys` already have a result (for backfills). */
  async existingPeriods(tenantId: string, loop: OperatorLoop, periodKeys: readonly string[]): Promise<Set<string>> {
    if (periodKeys.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('operator_loop_results')
      .select('period_key')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .where('loop', '=', loop)
      .where('period_key', 'in', [...periodKeys])
      .execute();
    return new Set(rows.map((row) => row.period_key));
  }
}

function toStored<R>(row: {
  tenant_id: string;
  loop: string;
  period_key: string;
  period_start: string;
  period_end: string;
  version: number;
  reason: string;
  computed_at: Date;
  result: unknown;
}): StoredLoopResult<R> {
  return {
    tenantId: row.tenant_id,
    loop: row.loop as OperatorLoop,
    periodKey: row.period_key,
    period: { start: row.period_start, end: row.period_end },
    version: row.version,
    reason: row.reason,
    computedAt: new Date(row.computed_at),
    result: row.result as R,
  };
}
