import { z } from 'zod';
import type { MotionTarget, MotionTargetKind } from '../../src/cosell/motion-targets.ts';
import { defineJob, type JobQueue } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { DeliveryRef } from './motions.repo.ts';
import type { OutboundDeliveriesRepository } from './outbound-deliveries.repo.ts';

export const COSELL_NOTIFY_JOB = 'cosell.notify';

export const cosellNotifySchema = z.strictObject({ tenantId: z.string().min(1), deliveryId: z.uuid() });

/** Retries after the first try: 30 s doubling, about 2 h 8 min of backoff in all before the delivery is given up. */
export const DEFAULT_NOTIFY_RETRY_LIMIT = 8;
export const DEFAULT_NOTIFY_RETRY_DELAY_SECONDS = 30;

export interface PartnerNotifyJobDeps {
  deliveries: OutboundDeliveriesRepository;
  /** One per kind; a delivery whose target has none here fails (recorded), it does not spin. */
  targets: readonly MotionTarget[];
  retryLimit?: number;
  retryDelaySeconds?: number;
  now?: () => Date;
}

/** Thrown to hand a retryable failure to pg-boss (its retryBackoff doubles the delay each time). */
export class DeliveryRetryError extends Error {
  override readonly name = 'DeliveryRetryError';
}

export type NotifyResult =
  | { status: 'delivered'; attempts: number }
  | { status: 'failed'; attempts: number; error: string }
  | { status: 'skipped'; reason: 'unknown_delivery' | 'already_settled' };

/**
 * `cosell.notify`, keyed by delivery id: sends one outbox delivery to its target. The outbox row is the source of
 * truth, not the job: a run first claims the row (pending only), so a second run of a delivered or failed delivery
 * sends nothing. 2xx → delivered; 4xx other than 408/429, redirects, or no endpoint → failed, recorded, not retried;
 * 408, 429, 5xx, timeouts and network errors → the error is recorded and the job throws so pg-boss retries with
 * backoff, until the last attempt marks the delivery failed.
 *
 * Delivery is at-least-once: a crash after the partner answered 2xx but before the row is marked sends it again on
 * the retry, with the same `X-PartnerLoop-Delivery` id for the receiver to dedupe on.
 */
export function partnerNotifyJob(deps: PartnerNotifyJobDeps) {
  const retryLimit = deps.retryLimit ?? DEFAULT_NOTIFY_RETRY_LIMIT;
  const now = deps.now ?? (() => new Date());
  const targets = new Map<MotionTargetKind, MotionTarget>(deps.targets.map((target) => [target.kind, target]));
  return defineJob({
    name: COSELL_NOTIFY_JOB,
    schema: cosellNotifySchema,
    retryLimit,
    retryDelaySeconds: deps.retryDelaySeconds ?? DEFAULT_NOTIFY_RETRY_DELAY_SECONDS,
    // One POST with a 10 s timeout; a run still going after this long was lost with its process.
    expireInSeconds: 120,
    concurrency: 2,
    async handle({ tenantId, deliveryId }, context): Promise<NotifyResult> {
      const delivery = await deps.deliveries.claim(tenantId, deliveryId, now());
      if (!delivery) {
        const known = await deps.deliveries.find(tenantId, deliveryId);
        context.logger.info({ tenantId, deliveryId, status: known?.status }, 'delivery already settled; nothing sent');
        return { status: 'skipped', reason: known ? 'already_settled' : 'unknown_delivery' };
      }
      const target = targets.get(delivery.target);
      const outcome = target
        ? await target.notify(delivery.payload.motion, delivery.payload.event)
        : ({ status: 'failed', error: `no target configured for ${delivery.target}` } as const);

      if (outcome.status === 'delivered') {
        await deps.deliveries.markDelivered(tenantId, deliveryId, now());
        context.logger.info({ tenantId, deliveryId, attempts: delivery.attempts }, 'co-sell delivery delivered');
        return { status: 'delivered', attempts: delivery.attempts };
      }
      if (outcome.status === 'retry' && context.attempt < retryLimit) {
        await deps.deliveries.recordError(tenantId, deliveryId, outcome.error, now());
        throw new DeliveryRetryError(outcome.error);
      }
      const error =
        outcome.status === 'retry' ? `gave up after ${delivery.attempts} attempts: ${outcome.error}` : outcome.error;
      await deps.deliveries.markFailed(tenantId, deliveryId, error, now());
      context.logger.warn({ tenantId, deliveryId, attempts: delivery.attempts, error }, 'co-sell delivery failed');
      return { status: 'failed', attempts: delivery.attempts, error };
    },
  });
}

/**
 * Enqueues `cosell.notify` for deliveries written by a motion change (after its commit), keyed by delivery id, so
 * enqueueing one twice — a retried request, the pending sweep — is still one job.
 */
export async function enqueueDeliveries(
  enqueue: JobQueue['enqueue'],
  deliveries: readonly DeliveryRef[],
  logger?: Logger,
): Promise<number> {
  let failed = 0;
  for (const delivery of deliveries) {
    try {
      await enqueue(
        COSELL_NOTIFY_JOB,
        { tenantId: delivery.tenantId, deliveryId: delivery.deliveryId },
        { key: delivery.deliveryId },
      );
    } catch (error) {
      // The row stays pending; the sweep (OutboundDeliveriesRepository.pending) enqueues it again.
      failed += 1;
      logger?.warn({ err: error, deliveryId: delivery.deliveryId }, 'could not enqueue a co-sell delivery; sweep will');
    }
  }
  return failed;
}
