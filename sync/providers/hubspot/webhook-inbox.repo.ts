import type { Kysely } from 'kysely';
import type { WebhookEvent } from '../../../src/crm/hubspot/hubspot-webhook-events.ts';
import type { StoreSchema } from '../../platform/store/schema.ts';

export interface InboxEntry {
  tenantId: string;
  dedupeKey: string;
  event: WebhookEvent;
  objectType: string;
  objectId: string;
}

export interface PendingEvent {
  id: string;
  event: WebhookEvent;
}

/**
 * The webhook inbox: accepted events are stored once (a redelivery's row already exists), then drained per tenant in
 * `occurredAt` order. Storing before answering HubSpot means an acknowledged event is never lost.
 */
export class WebhookInboxRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** Stores new events; returns, per tenant, the inbox ids of those not seen before. */
  async accept(entries: readonly InboxEntry[]): Promise<Map<string, string[]>> {
    const fresh = new Map<string, string[]>();
    if (entries.length === 0) return fresh;
    const rows = await this.db
      .insertInto('webhook_events')
      .values(
        entries.map((entry) => ({
          tenant_id: entry.tenantId,
          dedupe_key: entry.dedupeKey,
          event_id: entry.event.eventId,
          subscription_type: entry.event.subscriptionType,
          object_type: entry.objectType,
          object_id: entry.objectId,
          occurred_at: new Date(entry.event.occurredAt),
          payload: JSON.stringify(entry.event),
        })),
      )
      .onConflict((oc) => oc.columns(['tenant_id', 'dedupe_key']).doNothing())
      .returning(['id', 'tenant_id'])
      .execute();
    for (const row of rows) {
      const ids = fresh.get(row.tenant_id) ?? [];
      ids.push(String(row.id));
      fresh.set(row.tenant_id, ids);
    }
    return fresh;
  }

  async pending(tenantId: string, limit: number): Promise<PendingEvent[]> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['id', 'payload'])
      .where('tenant_id', '=', tenantId)
      .where('processed_at', 'is', null)
      .orderBy('occurred_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: String(row.id), event: row.payload as WebhookEvent }));
  }

  async markProcessed(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('webhook_events').set({ processed_at: new Date() }).where('id', 'in', ids).execute();
  }

  async countPending(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
