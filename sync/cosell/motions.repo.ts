import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import {
  buildMotionQueue,
  type CoSellStatus,
  cosellStatusValue,
  DEFAULT_MOTION_QUEUE_POLICY,
  type MotionQueuePolicy,
  type QueueEntry,
} from '../../src/cosell/motion-queue.ts';
import {
  type CoSellMotion,
  createMotion,
  type MotionHistoryEntry,
  type MotionState,
  OPEN_MOTION_STATES,
  transition,
} from '../../src/cosell/motion-state-machine.ts';
import {
  type MotionTargetKind,
  motionEvent,
  notifiedMotion,
  programmeKindOf,
  shouldNotifyPartner,
} from '../../src/cosell/motion-targets.ts';
import { chunks } from '../../src/shared/chunks.ts';
import { ConflictError, NotFoundError } from '../../src/shared/errors.ts';
import { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import { IDS_PER_LOOKUP, tenantKeyIn } from '../platform/store/bulk.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { StartMotion, TransitionMotion } from './cosell-requests.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const CHUNK = 1000;

/** SLA when the seller names none: a partner should answer a co-sell ask within a week. */
export const DEFAULT_SLA_DAYS = 7;

/** The audit trail's subject type for motions. */
export const MOTION_SUBJECT = 'cosell_motion';

export interface MotionActor {
  /** Recorded in the history and the audit log. */
  actor: string;
  now?: Date | undefined;
}

/** A delivery written to the outbox with a change; enqueue `cosell.notify` with key = deliveryId after commit. */
export interface DeliveryRef {
  tenantId: string;
  deliveryId: string;
  target: MotionTargetKind;
}

export interface MotionChange {
  motion: CoSellMotion;
  /** Outbox rows written with the change (none when nothing changed). */
  deliveries: DeliveryRef[];
}

export interface MotionStart extends MotionChange {
  /** False when the start replayed an identical open motion (idempotent: nothing written). */
  created: boolean;
}

/** A motion row without its history (queue and status reads). */
export type MotionRecord = Omit<CoSellMotion, 'history'>;

export interface MotionQueueCandidate {
  motion: MotionRecord;
  dealAmount: number | null;
  dealName: string | null;
  partnerName: string | null;
}

export interface CoSellMotionsRepositoryOptions {
  /** Id source for motions and deliveries (tests pin it). */
  newId?: () => string;
}

type Db = Kysely<StoreSchema>;

type MotionRow = {
  tenant_id: string;
  id: string;
  deal_id: string;
  partner_id: string | null;
  programme: string | null;
  ask: string;
  owner_id: string;
  sla_due_at: Date;
  state: MotionState;
  created_at: Date;
  updated_at: Date;
  version: number;
};

const MOTION_COLUMNS = [
  'tenant_id',
  'id',
  'deal_id',
  'partner_id',
  'programme',
  'ask',
  'owner_id',
  'sla_due_at',
  'state',
  'created_at',
  'updated_at',
  'version',
] as const;

function toRecord(row: MotionRow): MotionRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    dealId: row.deal_id,
    partnerId: row.partner_id,
    programme: row.programme,
    ask: row.ask,
    ownerId: row.owner_id,
    slaDueAt: new Date(row.sla_due_at),
    state: row.state,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * Co-sell motions and their history. Every change runs in one transaction that also appends the history row, the
 * audit entry (actor, before/after) and the outbox deliveries, so a crash leaves all of them or none. Changes are
 * optimistic: written only against the version they were computed from, so a concurrent change is a 409, never a
 * lost update.
 */
export class CoSellMotionsRepository {
  readonly #newId: () => string;

  constructor(
    private readonly db: Db,
    options: CoSellMotionsRepositoryOptions = {},
  ) {
    this.#newId = options.newId ?? randomUUID;
  }

  /**
   * Starts a motion on an open deal the store knows: `requested` at once (history: created as draft, then requested),
   * or `draft` with `asDraft`. Starting the very same open motion again (same target, same ask) returns it unchanged;
   * a different open motion with the same target on the deal is a 409.
   */
  async start(
    tenantId: string,
    dealId: string,
    input: StartMotion,
    who: MotionActor & { ownerId: string },
  ): Promise<MotionStart> {
    try {
      return await this.#start(tenantId, dealId, input, who);
    } catch (error) {
      // Two identical starts raced past the open-motion check; the unique index let one in. Replay against it.
      if (isUniqueViolation(error)) return await this.#start(tenantId, dealId, input, who);
      throw error;
    }
  }

  async #start(
    tenantId: string,
    dealId: string,
    input: StartMotion,
    who: MotionActor & { ownerId: string },
  ): Promise<MotionStart> {
    const now = who.now ?? new Date();
    return this.db.transaction().execute(async (trx) => {
      await this.#requireOpenDeal(trx, tenantId, dealId);
      if (input.partnerId !== undefined) await this.#requirePartner(trx, tenantId, input.partnerId);

      const open = await trx
        .selectFrom('cosell_motions')
        .select('id')
        .select('ask')
        .where('tenant_id', '=', tenantId)
        .where('deal_id', '=', dealId)
        .where('state', 'in', OPEN_MOTION_STATES)
        .where((eb) =>
          input.partnerId !== undefined
            ? eb('partner_id', '=', input.partnerId)
            : eb('programme', '=', input.programme ?? ''),
        )
        .executeTakeFirst();
      if (open) {
        if (open.ask === input.ask) {
          return { motion: await this.#load(trx, tenantId, open.id), created: false, deliveries: [] };
        }
        throw new ConflictError(
          input.partnerId !== undefined
            ? 'This deal already has an open co-sell motion with this partner; update or withdraw it first.'
            : 'This deal already has an open co-sell motion with this programme; update or withdraw it first.',
          { details: [{ motionId: open.id }] },
        );
      }

      const context = { actor: who.actor, at: now };
      let motion = createMotion(
        {
          tenantId,
          id: this.#newId(),
          dealId,
          partnerId: input.partnerId ?? null,
          programme: input.programme ?? null,
          ask: input.ask,
          ownerId: who.ownerId,
          slaDueAt: new Date(now.getTime() + (input.slaDays ?? DEFAULT_SLA_DAYS) * DAY_MS),
        },
        context,
      );
      if (!input.asDraft) motion = transition(motion, 'requested', context);

      await trx
        .insertInto('cosell_motions')
        .values({
          tenant_id: tenantId,
          id: motion.id,
          deal_id: dealId,
          partner_id: motion.partnerId,
          programme: motion.programme,
          ask: motion.ask,
          owner_id: motion.ownerId,
          sla_due_at: motion.slaDueAt,
          state: motion.state,
          created_at: now,
          updated_at: now,
          version: motion.version,
        })
        .execute();
      const deliveries = await this.#appendEvents(trx, motion, motion.history);
      await new AuditLogRepository(trx).append(
        {
          tenantId,
          actor: who.actor,
          action: 'cosell.motion.start',
          subjectType: MOTION_SUBJECT,
          subjectId: motion.id,
          before: null,
          after: auditView(motion),
        },
        trx,
      );
      return { motion, created: true, deliveries };
    });
  }

  /**
   * Moves a motion along its state machine. 404 for a motion of another tenant or none; 409 `illegal_transition`
   * when the table does not allow it; 409 `conflict` when it changed since it was read (or since `expectedVersion`).
   */
  async transition(
    tenantId: string,
    motionId: string,
    input: TransitionMotion,
    who: MotionActor,
  ): Promise<MotionChange> {
    const now = who.now ?? new Date();
    return this.db.transaction().execute(async (trx) => {
      const current = await this.#load(trx, tenantId, motionId);
      if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
        throw changedMeanwhile(motionId, input.expectedVersion, current.version);
      }
      const next = transition(current, input.to, { actor: who.actor, at: now, note: input.note });
      const result = await trx
        .updateTable('cosell_motions')
        .set({ state: next.state, updated_at: now, version: next.version })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', motionId)
        .where('version', '=', current.version)
        .executeTakeFirst();
      // Postgres re-checks the version after waiting for a concurrent writer's row lock: 0 rows means we lost.
      if (result.numUpdatedRows === 0n) throw changedMeanwhile(motionId, current.version, undefined);
      const deliveries = await this.#appendEvents(trx, next, next.history.slice(current.history.length));
      await new AuditLogRepository(trx).append(
        {
          tenantId,
          actor: who.actor,
          action: 'cosell.motion.transition',
          subjectType: MOTION_SUBJECT,
          subjectId: motionId,
          before: { state: current.state, version: current.version },
          after: { state: next.state, version: next.version },
          reason: next.history.at(-1)?.note ?? undefined,
        },
        trx,
      );
      return { motion: next, deliveries };
    });
  }

  async find(tenantId: string, motionId: string): Promise<CoSellMotion | undefined> {
    if (!UUID.test(motionId)) return undefined;
    const row = await this.db
      .selectFrom('cosell_motions')
      .select(MOTION_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', motionId)
      .executeTakeFirst();
    if (!row) return undefined;
    const history = await this.#history(this.db, tenantId, [motionId]);
    return { ...toRecord(row), history: history.get(motionId) ?? [] };
  }

  async get(tenantId: string, motionId: string): Promise<CoSellMotion> {
    const motion = await this.find(tenantId, motionId);
    if (!motion) throw new NotFoundError(`unknown co-sell motion ${motionId}`);
    return motion;
  }

  /** Programme motions (no named partner) not rejected, lost or withdrawn: the co-sell the clouds should hold. */
  async programmeMotions(tenantId: string): Promise<Array<{ dealId: string; programme: string }>> {
    const rows = await this.db
      .selectFrom('cosell_motions')
      .select(['deal_id', 'programme'])
      .where('tenant_id', '=', tenantId)
      .where('partner_id', 'is', null)
      .where('programme', 'is not', null)
      .where('state', 'not in', ['rejected', 'lost', 'withdrawn'])
      .execute();
    return rows.map((row) => ({ dealId: row.deal_id, programme: row.programme as string }));
  }

  /** The deal's motions with their history, newest first. */
  async listForDeal(tenantId: string, dealId: string): Promise<CoSellMotion[]> {
    const rows = await this.db
      .selectFrom('cosell_motions')
      .select(MOTION_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('deal_id', '=', dealId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const history = await this.#history(
      this.db,
      tenantId,
      rows.map((row) => row.id),
    );
    return rows.map((row) => ({ ...toRecord(row), history: history.get(row.id) ?? [] }));
  }

  /** The operator's queue at `now` (motion-queue.ts): open motions waiting for action, with deal and partner names. */
  async queue(
    tenantId: string,
    now: Date,
    policy: MotionQueuePolicy = DEFAULT_MOTION_QUEUE_POLICY,
  ): Promise<QueueEntry<MotionQueueCandidate>[]> {
    const rows = await this.db
      .selectFrom('cosell_motions as m')
      .leftJoin('crm_deals as d', (join) =>
        join.onRef('d.tenant_id', '=', 'm.tenant_id').onRef('d.deal_id', '=', 'm.deal_id'),
      )
      .leftJoin('crm_partners as p', (join) =>
        join.onRef('p.tenant_id', '=', 'm.tenant_id').onRef('p.partner_id', '=', 'm.partner_id'),
      )
      .select(MOTION_COLUMNS.map((column) => `m.${column}` as const))
      .select([
        sql<number | null>`(d.deal->>'amount')::float8`.as('deal_amount'),
        sql<string | null>`d.deal->>'name'`.as('deal_name'),
        sql<string | null>`p.partner->>'name'`.as('partner_name'),
      ])
      .where('m.tenant_id', '=', tenantId)
      .where('m.state', 'in', OPEN_MOTION_STATES)
      .execute();
    const candidates = rows.map((row) => ({
      motion: toRecord(row),
      dealAmount: row.deal_amount === null ? null : Number(row.deal_amount),
      dealName: row.deal_name,
      partnerName: row.partner_name,
    }));
    return buildMotionQueue(candidates, now, policy);
  }

  /**
   * `pl_cosell_status` per deal at `now` (motion-queue.ts `cosellStatusValue`: the most relevant motion's state, its
   * aging variant when that motion is aging) for the given deals, or for every deal with a motion (`'all'`, a full
   * reconcile). Deals without motions are absent.
   */
  async statusesForDeals(
    tenantId: string,
    dealIds: readonly string[] | 'all',
    now: Date,
    policy: MotionQueuePolicy = DEFAULT_MOTION_QUEUE_POLICY,
  ): Promise<Map<string, CoSellStatus>> {
    const base = this.db
      .selectFrom('cosell_motions')
      .select(['deal_id', 'id', 'state', 'created_at', 'updated_at', 'sla_due_at'])
      .where('tenant_id', '=', tenantId);
    const rows =
      dealIds === 'all'
        ? await base.execute()
        : (
            await Promise.all(chunks(dealIds, CHUNK).map((batch) => base.where('deal_id', 'in', batch).execute()))
          ).flat();
    type Ranked = { id: string; state: MotionState; createdAt: Date; updatedAt: Date; slaDueAt: Date };
    const byDeal = new Map<string, Ranked[]>();
    for (const row of rows) {
      const list = byDeal.get(row.deal_id) ?? [];
      list.push({
        id: row.id,
        state: row.state,
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
        slaDueAt: new Date(row.sla_due_at),
      });
      byDeal.set(row.deal_id, list);
    }
    const statuses = new Map<string, CoSellStatus>();
    for (const [dealId, motions] of byDeal) {
      const status = cosellStatusValue(motions, now, policy);
      if (status) statuses.set(dealId, status);
    }
    return statuses;
  }

  /** Which of `dealIds` have a co-sell motion, open or not (attribution counts them as partner-involved). */
  async dealsWithMotions(tenantId: string, dealIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const batch of chunks([...new Set(dealIds)], IDS_PER_LOOKUP)) {
      const rows = await this.db
        .selectFrom('cosell_motions')
        .select('deal_id')
        .distinct()
        .where(tenantKeyIn(tenantId, 'deal_id', batch))
        .execute();
      for (const row of rows) found.add(row.deal_id);
    }
    return found;
  }

  /** Deals with at least one open motion: the only ones whose `pl_cosell_status` can change with time alone. */
  async dealsWithOpenMotions(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('cosell_motions')
      .select('deal_id')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', OPEN_MOTION_STATES)
      .orderBy('deal_id')
      .execute();
    return rows.map((row) => row.deal_id);
  }

  /** Partner names from the store's roster mirror (for the card). */
  async partnerNames(tenantId: string, partnerIds: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (partnerIds.length === 0) return names;
    const rows = await this.db
      .selectFrom('crm_partners')
      .select(['partner_id', sql<string | null>`partner->>'name'`.as('name')])
      .where('tenant_id', '=', tenantId)
      .where('partner_id', 'in', [...new Set(partnerIds)])
      .execute();
    for (const row of rows) if (row.name !== null) names.set(row.partner_id, row.name);
    return names;
  }

  async #requireOpenDeal(trx: Transaction<StoreSchema>, tenantId: string, dealId: string): Promise<void> {
    const deal = await trx
      .selectFrom('crm_deals')
      .select(sql<boolean | null>`(deal->>'isClosed')::boolean`.as('is_closed'))
      .where('tenant_id', '=', tenantId)
      .where('deal_id', '=', dealId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!deal) throw new NotFoundError(`unknown deal ${dealId}`);
    if (deal.is_closed) throw new ConflictError('Co-sell motions start from open deals only; this deal is closed.');
  }

  async #requirePartner(trx: Transaction<StoreSchema>, tenantId: string, partnerId: string): Promise<void> {
    const partner = await trx
      .selectFrom('crm_partners')
      .select('partner_id')
      .where('tenant_id', '=', tenantId)
      .where('partner_id', '=', partnerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!partner) throw new NotFoundError(`unknown partner ${partnerId}`);
  }

  async #load(db: Db, tenantId: string, motionId: string): Promise<CoSellMotion> {
    if (!UUID.test(motionId)) throw new NotFoundError(`unknown co-sell motion ${motionId}`);
    const row = await db
      .selectFrom('cosell_motions')
      .select(MOTION_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', motionId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`unknown co-sell motion ${motionId}`);
    const history = await this.#history(db, tenantId, [motionId]);
    return { ...toRecord(row), history: history.get(motionId) ?? [] };
  }

  async #history(db: Db, tenantId: string, motionIds: readonly string[]): Promise<Map<string, MotionHistoryEntry[]>> {
    const history = new Map<string, MotionHistoryEntry[]>();
    for (const batch of chunks(motionIds, CHUNK)) {
      const rows = await db
        .selectFrom('cosell_motion_events')
        .select(['motion_id', 'at', 'from_state', 'to_state', 'actor', 'note'])
        .where('tenant_id', '=', tenantId)
        .where('motion_id', 'in', batch)
        .orderBy('id')
        .execute();
      for (const row of rows) {
        const list = history.get(row.motion_id) ?? [];
        list.push({ at: new Date(row.at), from: row.from_state, to: row.to_state, actor: row.actor, note: row.note });
        history.set(row.motion_id, list);
      }
    }
    return history;
  }

  /**
   * Appends history rows and, for each event a target should hear about, an outbox delivery. Partners with an enabled
   * webhook endpoint are notified; programme motions go to the connected programme (AWS ACE, Microsoft referrals).
   */
  async #appendEvents(
    trx: Transaction<StoreSchema>,
    motion: CoSellMotion,
    entries: readonly MotionHistoryEntry[],
  ): Promise<DeliveryRef[]> {
    const deliveries: DeliveryRef[] = [];
    const targets = await this.#targetsOf(trx, motion);
    for (const entry of entries) {
      const { id: eventId } = await trx
        .insertInto('cosell_motion_events')
        .values({
          tenant_id: motion.tenantId,
          motion_id: motion.id,
          at: entry.at,
          from_state: entry.from,
          to_state: entry.to,
          actor: entry.actor,
          note: entry.note,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const kind of targets) {
        if (kind === 'partner_webhook' && !shouldNotifyPartner(entry.from, entry.to)) continue;
        // A programme is sent the motion when it is requested, and told when the seller withdraws it; its own review
        // moves the motion otherwise.
        if (kind !== 'partner_webhook' && entry.to !== 'requested' && entry.to !== 'withdrawn') continue;
        const deliveryId = this.#newId();
        const payload = {
          motion: notifiedMotion({ ...motion, state: entry.to }),
          event: motionEvent(deliveryId, entry),
        };
        await trx
          .insertInto('outbound_deliveries')
          .values({
            delivery_id: deliveryId,
            tenant_id: motion.tenantId,
            motion_id: motion.id,
            event_id: String(eventId),
            target: kind,
            payload: JSON.stringify(payload),
            status: 'pending',
            created_at: entry.at,
            updated_at: entry.at,
          })
          .execute();
        deliveries.push({ tenantId: motion.tenantId, deliveryId, target: kind });
      }
    }
    return deliveries;
  }

  async #targetsOf(trx: Transaction<StoreSchema>, motion: CoSellMotion): Promise<MotionTargetKind[]> {
    if (motion.partnerId === null) {
      // A programme motion goes to the programme when the tenant connected it; otherwise it is worked by hand.
      const kind = programmeKindOf(motion.programme);
      if (kind === null) return [];
      const connection = await trx
        .selectFrom('programme_connections')
        .select('programme')
        .where('tenant_id', '=', motion.tenantId)
        .where('programme', '=', kind)
        .executeTakeFirst();
      return connection ? [kind] : [];
    }
    const endpoint = await trx
      .selectFrom('partner_webhook_endpoints')
      .select('enabled')
      .where('tenant_id', '=', motion.tenantId)
      .where('partner_id', '=', motion.partnerId)
      .executeTakeFirst();
    return endpoint?.enabled ? ['partner_webhook'] : [];
  }
}

function changedMeanwhile(motionId: string, expected: number, actual: number | undefined): ConflictError {
  return new ConflictError('The co-sell motion was changed by someone else meanwhile; reload it and try again.', {
    details: [{ motionId, expectedVersion: expected, ...(actual === undefined ? {} : { version: actual }) }],
  });
}

function auditView(motion: CoSellMotion) {
  return {
    dealId: motion.dealId,
    partnerId: motion.partnerId,
    programme: motion.programme,
    ask: motion.ask,
    ownerId: motion.ownerId,
    slaDueAt: motion.slaDueAt.toISOString(),
    state: motion.state,
    version: motion.version,
  };
}
