import type { CardMotion } from '../../extensions/app/cards/card-api.ts';
import { DEFAULT_MOTION_QUEUE_POLICY, type MotionQueuePolicy, type QueueEntry } from '../../src/cosell/motion-queue.ts';
import type { CoSellMotion } from '../../src/cosell/motion-state-machine.ts';
import { toCardMotion } from '../../src/cosell/motion-view.ts';
import type { MotionCloudView } from '../../src/model/cosell.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import { startMotionRequest, transitionMotionRequest } from './cosell-requests.ts';
import type { CoSellMotionsRepository, DeliveryRef, MotionQueueCandidate } from './motions.repo.ts';
import type { OutboundDeliveriesRepository } from './outbound-deliveries.repo.ts';
import { enqueueDeliveries } from './partner-notify.job.ts';

export interface CoSellServiceDeps {
  motions: CoSellMotionsRepository;
  deliveries: OutboundDeliveriesRepository;
  /** The job queue's keyed enqueue. */
  enqueue: JobQueue['enqueue'];
  logger: Logger;
  policy?: MotionQueuePolicy;
  /**
   * Runs after a motion change is committed, e.g. to write the deal's `pl_cosell_status` back at once (otherwise the
   * next webhook drain or reconcile does). Its failure is logged, never the caller's: the change itself stands.
   */
  onMotionChanged?: (tenantId: string, dealId: string) => Promise<void>;
  now?: () => Date;
  /** Programme motions' records at their programme (sync/cloud), keyed by motion id. */
  cloudViews?: (tenantId: string, motionIds: readonly string[]) => Promise<ReadonlyMap<string, MotionCloudView>>;
}

export interface Who {
  /** Recorded in the motion's history and the audit log (e.g. the signed HubSpot user). */
  actor: string;
}

/**
 * What the card and operator routes call: validate the request (cosell-requests.ts), change in one transaction,
 * enqueue the outbox deliveries after commit, answer in the card's shapes. Routes stay: resolve tenant and user, call,
 * send.
 */
export class CoSellService {
  readonly #now: () => Date;
  readonly #policy: MotionQueuePolicy;

  constructor(private readonly deps: CoSellServiceDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#policy = deps.policy ?? DEFAULT_MOTION_QUEUE_POLICY;
  }

  /** POST /api/card/deals/{dealId}/cosell — `created` false when it replayed an identical open motion (200 vs 201). */
  async start(
    tenantId: string,
    dealId: string,
    body: unknown,
    who: Who & { ownerId: string },
  ): Promise<{ motion: CardMotion; created: boolean }> {
    const input = startMotionRequest(body);
    const now = this.#now();
    const result = await this.deps.motions.start(tenantId, dealId, input, { ...who, now });
    await this.#afterChange(tenantId, result.motion.dealId, result.deliveries, result.created);
    return { motion: await this.#card(result.motion, now), created: result.created };
  }

  /** POST /api/card/motions/{motionId}/transition — the moved motion and the deal it belongs to. */
  async transition(
    tenantId: string,
    motionId: string,
    body: unknown,
    who: Who,
  ): Promise<{ motion: CardMotion; dealId: string }> {
    const input = transitionMotionRequest(body);
    const now = this.#now();
    const result = await this.deps.motions.transition(tenantId, motionId, input, { ...who, now });
    await this.#afterChange(tenantId, result.motion.dealId, result.deliveries, true);
    return { motion: await this.#card(result.motion, now), dealId: result.motion.dealId };
  }

  /** One motion (404 for an unknown id or another tenant's). */
  async get(tenantId: string, motionId: string): Promise<CoSellMotion> {
    return this.deps.motions.get(tenantId, motionId);
  }

  /** The deal card's `motions`, newest first. */
  async cardMotions(tenantId: string, dealId: string): Promise<CardMotion[]> {
    const now = this.#now();
    const motions = await this.deps.motions.listForDeal(tenantId, dealId);
    const names = await this.deps.motions.partnerNames(
      tenantId,
      motions.flatMap((motion) => (motion.partnerId === null ? [] : [motion.partnerId])),
    );
    const cloud = await this.#cloudViews(tenantId, motions);
    return motions.map((motion) =>
      toCardMotion(motion, {
        now,
        partnerName: motion.partnerId === null ? null : (names.get(motion.partnerId) ?? null),
        policy: this.#policy,
        cloud: cloud.get(motion.id) ?? null,
      }),
    );
  }

  /** The operator's co-sell queue (motion-queue.ts ordering and aging). */
  async queue(tenantId: string): Promise<QueueEntry<MotionQueueCandidate>[]> {
    return this.deps.motions.queue(tenantId, this.#now(), this.#policy);
  }

  /**
   * Re-enqueues deliveries still pending after `olderThanMs` (a crash between commit and enqueue, an enqueue that
   * failed): for a periodic tick, of one tenant or all. Deliveries that already have a job are not doubled (keyed
   * enqueue), and one already settled is never sent again (the notify job claims pending rows only).
   */
  async requeuePendingDeliveries(olderThanMs = 5 * 60_000, tenantId?: string): Promise<number> {
    const before = new Date(this.#now().getTime() - olderThanMs);
    const pending = await this.deps.deliveries.pending(before, 500, tenantId);
    await enqueueDeliveries(this.deps.enqueue, pending, this.deps.logger);
    return pending.length;
  }

  async #afterChange(tenantId: string, dealId: string, deliveries: readonly DeliveryRef[], changed: boolean) {
    await enqueueDeliveries(this.deps.enqueue, deliveries, this.deps.logger);
    if (!changed || !this.deps.onMotionChanged) return;
    try {
      await this.deps.onMotionChanged(tenantId, dealId);
    } catch (error) {
      this.deps.logger.warn({ err: error, tenantId, dealId }, 'co-sell status write-back after a change failed');
    }
  }

  async #card(motion: CoSellMotion, now: Date): Promise<CardMotion> {
    const names =
      motion.partnerId === null
        ? new Map<string, string>()
        : await this.deps.motions.partnerNames(motion.tenantId, [motion.partnerId]);
    const cloud = await this.#cloudViews(motion.tenantId, [motion]);
    return toCardMotion(motion, {
      now,
      partnerName: motion.partnerId === null ? null : (names.get(motion.partnerId) ?? null),
      policy: this.#policy,
      cloud: cloud.get(motion.id) ?? null,
    });
  }

  async #cloudViews(tenantId: string, motions: readonly CoSellMotion[]): Promise<ReadonlyMap<string, MotionCloudView>> {
    const programmeMotions = motions.filter((motion) => motion.programme !== null).map((motion) => motion.id);
    if (programmeMotions.length === 0 || !this.deps.cloudViews) return new Map();
    return this.deps.cloudViews(tenantId, programmeMotions);
  }
}
