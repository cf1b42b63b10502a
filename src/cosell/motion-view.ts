import type { MotionCloudView, MotionView } from '../model/cosell.ts';
import { DEFAULT_MOTION_QUEUE_POLICY, type MotionQueuePolicy, motionTiming } from './motion-queue.ts';
import { allowedTransitions, type CoSellMotion } from './motion-state-machine.ts';

export interface CardMotionOptions {
  now: Date;
  partnerName?: string | null | undefined;
  policy?: MotionQueuePolicy | undefined;
  /** The motion's record at its programme, when it has one. */
  cloud?: MotionCloudView | null | undefined;
}

/** A motion as the deal card shows it (card-api.ts `CardMotion`): aging judged at `now`, the moves it allows. */
export function toCardMotion(motion: CoSellMotion, options: CardMotionOptions): MotionView {
  return {
    id: motion.id,
    state: motion.state,
    partnerId: motion.partnerId,
    partnerName: options.partnerName ?? null,
    programme: motion.programme,
    ask: motion.ask,
    ownerId: motion.ownerId,
    slaDueAt: motion.slaDueAt.toISOString(),
    aging: motionTiming(motion, options.now, options.policy ?? DEFAULT_MOTION_QUEUE_POLICY).aging,
    allowedTransitions: allowedTransitions(motion.state),
    history: motion.history.map((entry) => ({
      at: entry.at.toISOString(),
      from: entry.from,
      to: entry.to,
      actor: entry.actor,
      note: entry.note,
    })),
    cloud: options.cloud ?? null,
  };
}
