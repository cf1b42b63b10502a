import { MOTION_STATES, type MotionState } from '../model/cosell.ts';
import { IllegalTransitionError } from '../shared/errors.ts';

export { MOTION_STATES, type MotionState };

/**
 * The co-sell motion's transitions (SPEC §2.4), declared once. Everything not listed is rejected.
 *
 *   draft → requested → accepted | rejected;  accepted → active → won | lost;  any open state → withdrawn.
 *
 * `rejected` is terminal on purpose: asking the same partner again is a new motion with a new ask and a new SLA, so
 * the history of the first answer stays intact. `withdrawn` is our side pulling back (the deal died, wrong partner);
 * the partner declining is `rejected`. A state never moves to itself: a double click is refused, not recorded twice.
 */
export const MOTION_TRANSITIONS = {
  draft: ['requested', 'withdrawn'],
  requested: ['accepted', 'rejected', 'withdrawn'],
  accepted: ['active', 'withdrawn'],
  rejected: [],
  active: ['won', 'lost', 'withdrawn'],
  won: [],
  lost: [],
  withdrawn: [],
} as const satisfies Record<MotionState, readonly MotionState[]>;

/** States with no way out: the motion is closed. Derived from the table, so the two cannot disagree. */
export const TERMINAL_MOTION_STATES: readonly MotionState[] = MOTION_STATES.filter(
  (state) => MOTION_TRANSITIONS[state].length === 0,
);

/** States still waiting for something to happen. */
export const OPEN_MOTION_STATES: readonly MotionState[] = MOTION_STATES.filter(
  (state) => MOTION_TRANSITIONS[state].length > 0,
);

export function allowedTransitions(state: MotionState): MotionState[] {
  return [...MOTION_TRANSITIONS[state]];
}

export function isTerminal(state: MotionState): boolean {
  return MOTION_TRANSITIONS[state].length === 0;
}

export function canTransition(from: MotionState, to: MotionState): boolean {
  return (MOTION_TRANSITIONS[from] as readonly MotionState[]).includes(to);
}

export interface MotionHistoryEntry {
  at: Date;
  /** null for the creation entry. */
  from: MotionState | null;
  to: MotionState;
  /** Who: a display name or `user:<id>`, `partner:<id>`, `system:<job>` — whatever the caller records. */
  actor: string;
  note: string | null;
}

/** A co-sell motion: one ask of one partner (or programme) on one deal. */
export interface CoSellMotion {
  tenantId: string;
  id: string;
  dealId: string;
  /** Exactly one of partnerId and programme is set. */
  partnerId: string | null;
  programme: string | null;
  ask: string;
  ownerId: string;
  slaDueAt: Date;
  state: MotionState;
  createdAt: Date;
  updatedAt: Date;
  /** Counts changes; the store accepts a change only against the version it was computed from. */
  version: number;
  history: readonly MotionHistoryEntry[];
}

export interface TransitionContext {
  actor: string;
  at: Date;
  note?: string | null | undefined;
}

function listed(states: readonly MotionState[]): string {
  if (states.length <= 1) return states.join('');
  return `${states.slice(0, -1).join(', ')} or ${states.at(-1)}`;
}

/** The seller-facing reason a transition is refused, e.g. "A requested co-sell motion cannot move to won; …". */
export function illegalTransitionMessage(from: MotionState, to: MotionState): string {
  const allowed = allowedTransitions(from);
  if (from === to) return `The co-sell motion is already ${to}.`;
  if (allowed.length === 0) return `The co-sell motion is closed (${from}); it cannot move to ${to}.`;
  const article = /^[aeiou]/.test(from) ? 'An' : 'A';
  return `${article} ${from} co-sell motion cannot move to ${to}; it can move to ${listed(allowed)}.`;
}

export function illegalTransition(from: MotionState, to: MotionState): IllegalTransitionError {
  return new IllegalTransitionError(illegalTransitionMessage(from, to), {
    details: [{ from, to, allowed: allowedTransitions(from) }],
  });
}

function normalizedNote(note: string | null | undefined): string | null {
  const trimmed = note?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/**
 * Moves `motion` to `to`: a new motion (the input is untouched) with the state, `updatedAt`, a history entry and the
 * next version; or an IllegalTransitionError (409, code `illegal_transition`) when the table does not declare it.
 */
export function transition<M extends CoSellMotion>(motion: M, to: MotionState, context: TransitionContext): M {
  if (!canTransition(motion.state, to)) throw illegalTransition(motion.state, to);
  const entry: MotionHistoryEntry = {
    at: context.at,
    from: motion.state,
    to,
    actor: context.actor,
    note: normalizedNote(context.note),
  };
  return {
    ...motion,
    state: to,
    updatedAt: context.at,
    version: motion.version + 1,
    history: [...motion.history, entry],
  };
}

export interface NewMotion {
  tenantId: string;
  id: string;
  dealId: string;
  partnerId: string | null;
  programme: string | null;
  ask: string;
  ownerId: string;
  slaDueAt: Date;
}

/** A new motion in `draft`, version 1, whose history starts with its creation (from null). */
export function createMotion(fields: NewMotion, context: TransitionContext): CoSellMotion {
  return {
    ...fields,
    state: 'draft',
    createdAt: context.at,
    updatedAt: context.at,
    version: 1,
    history: [{ at: context.at, from: null, to: 'draft', actor: context.actor, note: normalizedNote(context.note) }],
  };
}
