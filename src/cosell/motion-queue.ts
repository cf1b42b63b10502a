import { z } from 'zod';
import { agingCoSellStatus, type CoSellStatus } from '../model/cosell.ts';
import { parseInput } from '../shared/errors.ts';
import { type CoSellMotion, isTerminal, type MotionState } from './motion-state-machine.ts';

const HOUR_MS = 60 * 60 * 1000;

/**
 * The operator's queue settings (per tenant, admin-editable JSON). Every field has a default, so `{}` is valid;
 * unknown keys are rejected so a typo does not silently fall back to a default.
 */
export const motionQueuePolicySchema = z.strictObject({
  agingShare: z
    .number()
    .gt(0)
    .max(1)
    .default(0.75)
    .describe(
      'an open motion is aging once this share of its SLA window (created → SLA due) has elapsed, and always once ' +
        'it is past the SLA (overdue); 1 flags only overdue motions',
    ),
  urgencyBucketHours: z
    .number()
    .positive()
    .max(24 * 90)
    .default(24)
    .describe(
      'time to SLA is compared in steps of this many hours; within one step the larger deal comes first, so a ' +
        'big deal due this afternoon is not queued behind a small one due an hour earlier',
    ),
  includeDrafts: z.boolean().default(true).describe('drafts wait for their owner to send the request'),
});
export type MotionQueuePolicy = z.infer<typeof motionQueuePolicySchema>;
export type MotionQueuePolicyInput = z.input<typeof motionQueuePolicySchema>;

export function parseMotionQueuePolicy(input: unknown = {}): MotionQueuePolicy {
  return parseInput(motionQueuePolicySchema, input, { what: 'co-sell queue settings' });
}

export const DEFAULT_MOTION_QUEUE_POLICY: MotionQueuePolicy = parseMotionQueuePolicy({});

export interface MotionTiming {
  /** Milliseconds until the SLA is due; negative once it has passed. */
  msToSla: number;
  /** Share of the SLA window (created → due) elapsed at `now`: 0 at creation, 1 at the due time. */
  elapsedShare: number;
  /** Open and strictly past the SLA due time. */
  overdue: boolean;
  /** Open and overdue, or past `agingShare` of the SLA window. Closed motions never age. */
  aging: boolean;
}

type TimedMotion = Pick<CoSellMotion, 'state' | 'createdAt' | 'slaDueAt'>;

/** How a motion stands against its SLA at `now` (recomputed on every read: a stored flag would go stale). */
export function motionTiming(
  motion: TimedMotion,
  now: Date,
  policy: MotionQueuePolicy = DEFAULT_MOTION_QUEUE_POLICY,
): MotionTiming {
  const due = motion.slaDueAt.getTime();
  const msToSla = due - now.getTime();
  const window = due - motion.createdAt.getTime();
  const elapsedShare = window > 0 ? (now.getTime() - motion.createdAt.getTime()) / window : msToSla <= 0 ? 1 : 0;
  if (isTerminal(motion.state)) return { msToSla, elapsedShare, overdue: false, aging: false };
  const overdue = msToSla < 0;
  return { msToSla, elapsedShare, overdue, aging: overdue || elapsedShare >= policy.agingShare };
}

/** Why a motion waits for the operator. */
export type QueueReason =
  /** A draft nobody has sent to the partner yet. */
  | 'draft_not_requested'
  /** Requested: the partner has not answered. */
  | 'awaiting_partner_answer'
  /** Accepted by the partner: waiting for the joint work to start. */
  | 'awaiting_activation'
  /** Active, and aging or overdue against its SLA: needs a push or an outcome. */
  | 'active_aging';

/**
 * Which motions wait for action: every draft (unless excluded), requested and accepted motion — each is blocked on
 * someone — and active motions only once they are aging; an active motion within its SLA is work in progress.
 * Closed motions never wait.
 */
export function queueReason(
  state: MotionState,
  timing: MotionTiming,
  policy: MotionQueuePolicy = DEFAULT_MOTION_QUEUE_POLICY,
): QueueReason | undefined {
  switch (state) {
    case 'draft':
      return policy.includeDrafts ? 'draft_not_requested' : undefined;
    case 'requested':
      return 'awaiting_partner_answer';
    case 'accepted':
      return 'awaiting_activation';
    case 'active':
      return timing.aging ? 'active_aging' : undefined;
    default:
      return undefined;
  }
}

export interface QueueCandidate {
  motion: Pick<CoSellMotion, 'id' | 'state' | 'createdAt' | 'slaDueAt'>;
  /** The deal's amount in its own currency (no conversion); null when unknown. */
  dealAmount: number | null;
}

export type QueueEntry<C extends QueueCandidate = QueueCandidate> = C & { reason: QueueReason; timing: MotionTiming };

/**
 * The operator's co-sell queue at `now`, most urgent first:
 *   1. overdue motions before the rest;
 *   2. time to SLA, in `urgencyBucketHours` steps (the most overdue first, then the soonest due);
 *   3. within one step, the larger deal first (unknown amounts last);
 *   4. then the exact SLA due time, the older motion, and the id, so the order is total and stable.
 */
export function buildMotionQueue<C extends QueueCandidate>(
  candidates: readonly C[],
  now: Date,
  policy: MotionQueuePolicy = DEFAULT_MOTION_QUEUE_POLICY,
): QueueEntry<C>[] {
  const bucketMs = policy.urgencyBucketHours * HOUR_MS;
  const entries: Array<{ entry: QueueEntry<C>; bucket: number }> = [];
  for (const candidate of candidates) {
    const timing = motionTiming(candidate.motion, now, policy);
    const reason = queueReason(candidate.motion.state, timing, policy);
    if (reason === undefined) continue;
    entries.push({ entry: { ...candidate, reason, timing }, bucket: Math.floor(timing.msToSla / bucketMs) });
  }
  entries.sort(
    (a, b) =>
      Number(b.entry.timing.overdue) - Number(a.entry.timing.overdue) ||
      a.bucket - b.bucket ||
      (b.entry.dealAmount ?? Number.NEGATIVE_INFINITY) - (a.entry.dealAmount ?? Number.NEGATIVE_INFINITY) ||
      a.entry.motion.slaDueAt.getTime() - b.entry.motion.slaDueAt.getTime() ||
      a.entry.motion.createdAt.getTime() - b.entry.motion.createdAt.getTime() ||
      compareText(a.entry.motion.id, b.entry.motion.id),
  );
  return entries.map(({ entry }) => entry);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Which motion speaks for the deal when a deal has several, best first. Open motions beat closed ones (they are what
 * is happening now), the furthest along first; among closed ones the outcome that says most about the deal: won, lost,
 * rejected. Withdrawn motions count only when every motion on the deal was withdrawn — so a second partner declining
 * does not hide an active co-sell with the first, and "we pulled back" never hides a real answer.
 */
export const COSELL_STATUS_PRECEDENCE = [
  'active',
  'accepted',
  'requested',
  'draft',
  'won',
  'lost',
  'rejected',
  'withdrawn',
] as const satisfies readonly MotionState[];

type RankedMotion = Pick<CoSellMotion, 'id' | 'state' | 'createdAt' | 'updatedAt'>;

/** The deal's most relevant motion: by COSELL_STATUS_PRECEDENCE, then the most recently changed, then the newest. */
export function mostRelevantMotion<M extends RankedMotion>(motions: readonly M[]): M | undefined {
  let best: M | undefined;
  for (const motion of motions) if (best === undefined || compareRelevance(motion, best) < 0) best = motion;
  return best;
}

const rank = (state: MotionState) => (COSELL_STATUS_PRECEDENCE as readonly MotionState[]).indexOf(state);

/** Negative when `a` is more relevant than `b`. */
function compareRelevance(a: RankedMotion, b: RankedMotion): number {
  return (
    rank(a.state) - rank(b.state) ||
    b.updatedAt.getTime() - a.updatedAt.getTime() ||
    b.createdAt.getTime() - a.createdAt.getTime() ||
    compareText(b.id, a.id)
  );
}

/** The state of a deal's most relevant motion, or undefined when it has none. */
export function cosellStatusForDeal(motions: readonly RankedMotion[]): MotionState | undefined {
  return mostRelevantMotion(motions)?.state;
}

/**
 * The `pl_cosell_status` values — each motion state, and each open state's `<state>_aging` variant, written when the
 * motion is aging (motionTiming `aging`) — are a list of the model (`src/model/cosell.ts`).
 */
export {
  AGING_COSELL_STATUSES,
  type AgingCoSellStatus,
  COSELL_STATUSES,
  type CoSellStatus,
} from '../model/cosell.ts';

/**
 * `pl_cosell_status` for a deal at `now`: its most relevant motion's state, as the aging variant when that motion is
 * aging against its SLA; undefined when the deal has no motion (the writer then clears a stale value). The value is
 * a judgement of time, so it is recomputed on every write-back (each change, the hourly co-sell sweep, the nightly
 * reconcile), never stored.
 */
export function cosellStatusValue(
  motions: readonly (RankedMotion & Pick<CoSellMotion, 'slaDueAt'>)[],
  now: Date,
  policy: MotionQueuePolicy = DEFAULT_MOTION_QUEUE_POLICY,
): CoSellStatus | undefined {
  const motion = mostRelevantMotion(motions);
  if (motion === undefined) return undefined;
  const aging = motionTiming(motion, now, policy).aging ? agingCoSellStatus(motion.state) : undefined;
  return aging ?? motion.state;
}
