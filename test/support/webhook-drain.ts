import { type Kysely, sql } from 'kysely';
import type { StoreSchema } from '../../sync/platform/store/schema.ts';
import { WEBHOOK_DRAIN_JOB } from '../../sync/providers/hubspot/webhook-drain.job.ts';
import { eventually } from './test-stores.ts';

/** One stored webhook event, as a test reads it back. */
export interface InboxRow {
  id: string;
  objectId: string;
  subscriptionType: string;
  propertyName: string | undefined;
  propertyValue: unknown;
  processed: boolean;
}

/** The newest webhook inbox id ('0' when empty): the rows a test's change causes are stored after it. */
export async function inboxWatermark(db: Kysely<StoreSchema>): Promise<string> {
  const row = await sql<{ id: string | null }>`select max(id)::text as id from webhook_events`.execute(db);
  return row.rows[0]?.id ?? '0';
}

export interface DrainProof {
  tenantId: string;
  /** Only rows stored after this inbox id (from `inboxWatermark`, read before the change). */
  after: string;
  /** The record the events are about. */
  objectId: string;
  /** Only property changes of this property. */
  propertyName?: string;
}

/**
 * Proof that the webhook about a record was received and drained, for tests that then assert nothing was written:
 * polls (with a deadline, no fixed sleep) until the inbox holds at least one matching event stored after `after`,
 * every matching event is marked processed, and no webhook drain is queued or running. Returns the matching rows.
 */
export async function waitForDrained(
  db: Kysely<StoreSchema>,
  proof: DrainProof,
  timeoutMs = 30_000,
): Promise<InboxRow[]> {
  let seen: InboxRow[] = [];
  try {
    return await eventually(async () => {
      const rows = await db
        .selectFrom('webhook_events')
        .select(['id', 'object_id', 'subscription_type', 'payload', 'processed_at'])
        .where('tenant_id', '=', proof.tenantId)
        .where('object_id', '=', proof.objectId)
        .where(sql<boolean>`id > ${proof.after}::bigint`)
        .orderBy('id')
        .execute();
      seen = rows
        .map((row) => ({
          id: String(row.id),
          objectId: row.object_id,
          subscriptionType: row.subscription_type,
          propertyName: (row.payload as { propertyName?: string }).propertyName,
          propertyValue: (row.payload as { propertyValue?: unknown }).propertyValue,
          processed: row.processed_at !== null,
        }))
        .filter((row) => proof.propertyName === undefined || row.propertyName === proof.propertyName);
      if (seen.length === 0 || seen.some((row) => !row.processed)) return undefined;
      const busy = await sql<{ n: number }>`
        select count(*)::int as n from pgboss.job
        where name = ${WEBHOOK_DRAIN_JOB} and state in ('created', 'retry', 'active')`.execute(db);
      return busy.rows[0]?.n === 0 ? seen : undefined;
    }, timeoutMs);
  } catch (error) {
    const state = seen.length === 0 ? 'no matching event was stored' : `stored: ${JSON.stringify(seen)}`;
    throw new Error(`webhook for ${proof.objectId} not drained (${state}): ${String(error)}`);
  }
}
