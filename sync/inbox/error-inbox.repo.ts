import { type Kysely, type Selectable, sql } from 'kysely';
import type { ErrorInboxTable, StoreSchema } from '../platform/store/schema.ts';

export type ErrorInboxRow = Selectable<ErrorInboxTable>;

/** Who refused a record. */
export type InboxSource = 'aws_ace' | 'microsoft_referrals' | 'salesforce' | 'hubspot';

/** What retrying one refused record did: sent now, refused again (the entry says why), not the moment yet, or gone. */
export type RetryOutcome = { status: 'sent' | 'refused' | 'waiting' | 'gone'; message: string };

/** A source's retry of one refused record (its own writer, with its own idempotency). */
export type InboxRetry = (
  tenantId: string,
  objectType: string,
  recordId: string,
  actor: string,
) => Promise<RetryOutcome>;

export interface InboxKey {
  tenantId: string;
  source: InboxSource;
  /** What was refused, e.g. `cosell_motion` (a motion's programme record) or `opportunity` (a CRM write). */
  objectType: string;
  recordId: string;
}

/** One entry as the operator reads it. */
export interface ErrorInboxEntry {
  source: string;
  objectType: string;
  recordId: string;
  dealId: string | null;
  reason: string;
  details: unknown;
  attempts: number;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

export function inboxEntry(row: ErrorInboxRow): ErrorInboxEntry {
  return {
    source: row.source,
    objectType: row.object_type,
    recordId: row.record_id,
    dealId: row.deal_id,
    reason: row.reason,
    details: row.details,
    attempts: row.attempts,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
  };
}

/**
 * The tenant's error inbox (SPEC §2.6): every record a CRM or programme refused, kept with the reason until it goes
 * through. Writers record a refusal where it happens and resolve it where the retry succeeds; the same record refused
 * again is one entry with its attempts counted (a resolved one reopens).
 */
export class ErrorInboxRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async record(key: InboxKey, refusal: { reason: string; details?: unknown; dealId?: string | null }): Promise<void> {
    const values = {
      reason: refusal.reason,
      details: JSON.stringify(refusal.details ?? []),
      deal_id: refusal.dealId ?? null,
    };
    await this.db
      .insertInto('error_inbox')
      .values({
        tenant_id: key.tenantId,
        source: key.source,
        object_type: key.objectType,
        record_id: key.recordId,
        ...values,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'source', 'object_type', 'record_id']).doUpdateSet({
          ...values,
          attempts: sql`error_inbox.attempts + 1`,
          last_seen_at: new Date(),
          // A record refused again after it went through is a new problem: the entry opens again.
          resolved_at: null,
          first_seen_at: sql`case when error_inbox.resolved_at is null then error_inbox.first_seen_at else now() end`,
        }),
      )
      .execute();
  }

  /** The records went through: their open entries are resolved (kept, for the operator's history). */
  async resolve(key: Omit<InboxKey, 'recordId'>, recordIds: readonly string[]): Promise<number> {
    if (recordIds.length === 0) return 0;
    const result = await this.db
      .updateTable('error_inbox')
      .set({ resolved_at: new Date() })
      .where('tenant_id', '=', key.tenantId)
      .where('source', '=', key.source)
      .where('object_type', '=', key.objectType)
      .where('record_id', '=', sql<string>`any(${sql.val(recordIds)}::text[])`)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async get(key: InboxKey): Promise<ErrorInboxRow | undefined> {
    return this.db
      .selectFrom('error_inbox')
      .selectAll()
      .where('tenant_id', '=', key.tenantId)
      .where('source', '=', key.source)
      .where('object_type', '=', key.objectType)
      .where('record_id', '=', key.recordId)
      .executeTakeFirst();
  }

  /** Newest first; open ones by default. */
  async list(
    tenantId: string,
    options: { status: 'open' | 'resolved' | 'all'; source?: string | undefined; offset: number; limit: number },
  ): Promise<{ total: number; rows: ErrorInboxRow[] }> {
    let query = this.db.selectFrom('error_inbox').where('tenant_id', '=', tenantId);
    if (options.status === 'open') query = query.where('resolved_at', 'is', null);
    if (options.status === 'resolved') query = query.where('resolved_at', 'is not', null);
    if (options.source !== undefined) query = query.where('source', '=', options.source);
    const [counted, rows] = await Promise.all([
      query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
      query
        .selectAll()
        .orderBy('last_seen_at', 'desc')
        .orderBy('record_id')
        .offset(options.offset)
        .limit(options.limit)
        .execute(),
    ]);
    return { total: Number(counted.total), rows };
  }
}
