import type { Kysely } from 'kysely';
import { type DeliveryPayload, deliveryPayloadSchema, type MotionTargetKind } from '../../src/cosell/motion-targets.ts';
import type { OutboundDeliveriesTable, StoreSchema } from '../platform/store/schema.ts';
import type { DeliveryRef } from './motions.repo.ts';

export type DeliveryStatus = OutboundDeliveriesTable['status'];

export interface OutboundDelivery {
  deliveryId: string;
  tenantId: string;
  motionId: string;
  target: MotionTargetKind;
  payload: DeliveryPayload;
  status: DeliveryStatus;
  /** Sends tried so far (a claimed attempt counts even if the process died mid-send). */
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = [
  'delivery_id',
  'tenant_id',
  'motion_id',
  'target',
  'payload',
  'status',
  'attempts',
  'last_error',
  'created_at',
  'delivered_at',
] as const;

type Row = {
  delivery_id: string;
  tenant_id: string;
  motion_id: string;
  target: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
};

function toDelivery(row: Row): OutboundDelivery {
  return {
    deliveryId: row.delivery_id,
    tenantId: row.tenant_id,
    motionId: row.motion_id,
    target: row.target as MotionTargetKind,
    payload: deliveryPayloadSchema.parse(row.payload),
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The notification outbox: rows are written with motion changes (motions.repo.ts) and settled by `cosell.notify`. */
export class OutboundDeliveriesRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async find(tenantId: string, deliveryId: string): Promise<OutboundDelivery | undefined> {
    if (!UUID.test(deliveryId)) return undefined;
    const row = await this.db
      .selectFrom('outbound_deliveries')
      .select(COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('delivery_id', '=', deliveryId)
      .executeTakeFirst();
    return row ? toDelivery(row) : undefined;
  }

  async forMotion(tenantId: string, motionId: string): Promise<OutboundDelivery[]> {
    const rows = await this.db
      .selectFrom('outbound_deliveries')
      .select(COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('motion_id', '=', motionId)
      .orderBy('created_at')
      .orderBy('event_id')
      .execute();
    return rows.map(toDelivery);
  }

  /**
   * Counts one more attempt on a pending delivery and returns it; undefined when it is already settled (delivered or
   * failed) — the guard that makes a second run of the job send nothing.
   */
  async claim(tenantId: string, deliveryId: string, now: Date): Promise<OutboundDelivery | undefined> {
    if (!UUID.test(deliveryId)) return undefined;
    const row = await this.db
      .updateTable('outbound_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('tenant_id', '=', tenantId)
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toDelivery(row) : undefined;
  }

  async markDelivered(tenantId: string, deliveryId: string, now: Date): Promise<void> {
    await this.#settle(tenantId, deliveryId, {
      status: 'delivered',
      delivered_at: now,
      last_error: null,
      updated_at: now,
    });
  }

  async markFailed(tenantId: string, deliveryId: string, error: string, now: Date): Promise<void> {
    await this.#settle(tenantId, deliveryId, { status: 'failed', last_error: error, updated_at: now });
  }

  /** Keeps the delivery pending (a retry follows) with the reason this attempt failed. */
  async recordError(tenantId: string, deliveryId: string, error: string, now: Date): Promise<void> {
    await this.#settle(tenantId, deliveryId, { last_error: error, updated_at: now });
  }

  /**
   * Pending deliveries created before `before`: the sweep that re-enqueues what a crash between commit and enqueue
   * left behind (the keyed enqueue makes re-enqueueing a delivery that already has a job a no-op). `tenantId` limits
   * it to one tenant (the per-tenant co-sell sweep).
   */
  async pending(before: Date, limit = 500, tenantId?: string): Promise<DeliveryRef[]> {
    let query = this.db
      .selectFrom('outbound_deliveries')
      .select(['tenant_id', 'delivery_id', 'target'])
      .where('status', '=', 'pending')
      .where('created_at', '<', before);
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    const rows = await query.orderBy('created_at').limit(limit).execute();
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      deliveryId: row.delivery_id,
      target: row.target as MotionTargetKind,
    }));
  }

  async #settle(
    tenantId: string,
    deliveryId: string,
    values: { status?: DeliveryStatus; delivered_at?: Date; last_error: string | null; updated_at: Date },
  ): Promise<void> {
    await this.db
      .updateTable('outbound_deliveries')
      .set(values)
      .where('tenant_id', '=', tenantId)
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }
}
