import { describe, expect, it } from 'vitest';
import { COSELL_STATUSES } from '../model/cosell.ts';
import { IllegalTransitionError } from '../shared/errors.ts';
import {
  allowedTransitions,
  type CoSellMotion,
  createMotion,
  illegalTransitionMessage,
  isTerminal,
  MOTION_STATES,
  MOTION_TRANSITIONS,
  type MotionState,
  OPEN_MOTION_STATES,
  TERMINAL_MOTION_STATES,
  transition,
} from './motion-state-machine.ts';

// The spec's diagram (SPEC §2.4), written out independently of MOTION_TRANSITIONS: every pair not here is illegal.
const LEGAL = new Set([
  'draft→requested',
  'draft→withdrawn',
  'requested→accepted',
  'requested→rejected',
  'requested→withdrawn',
  'accepted→active',
  'accepted→withdrawn',
  'active→won',
  'active→lost',
  'active→withdrawn',
]);

const T0 = new Date('2026-03-03T09:30:00.000Z');
const T1 = new Date('2026-03-04T10:00:00.000Z');

function motionIn(state: MotionState): CoSellMotion {
  const draft = createMotion(
    {
      tenantId: 'hubspot:1',
      id: 'm-1',
      dealId: 'd-1',
      partnerId: 'p-acme',
      programme: null,
      ask: 'Joint discovery call',
      ownerId: 'u-77',
      slaDueAt: new Date('2026-03-10T09:30:00.000Z'),
    },
    { actor: 'Dana Seller', at: T0 },
  );
  return { ...draft, state, version: 3 };
}

const PAIRS = MOTION_STATES.flatMap((from) =>
  MOTION_STATES.map((to) => ({ from, to, legal: LEGAL.has(`${from}→${to}`) })),
);

describe('transition', () => {
  it('covers every (from, to) pair of the eight states', () => {
    expect(PAIRS).toHaveLength(64);
    expect(PAIRS.filter((pair) => pair.legal)).toHaveLength(LEGAL.size);
  });

  it.each(PAIRS)('given a $from motion, when moved to $to, then legal=$legal', ({ from, to, legal }) => {
    const motion = motionIn(from);
    const frozen = structuredClone(motion);
    const move = () => transition(motion, to, { actor: 'Dana Seller', at: T1, note: '  Kick-off booked  ' });
    if (legal) {
      const next = move();
      expect(next.state).toBe(to);
      expect(next.updatedAt).toEqual(T1);
      expect(next.version).toBe(motion.version + 1);
      expect(next.history).toEqual([
        ...motion.history,
        { at: T1, from, to, actor: 'Dana Seller', note: 'Kick-off booked' },
      ]);
    } else {
      let thrown: unknown;
      try {
        move();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(IllegalTransitionError);
      const error = thrown as IllegalTransitionError;
      expect(error.code).toBe('illegal_transition');
      expect(error.message).toContain(from);
      expect(error.message).toContain(to);
      expect(error.details).toEqual([{ from, to, allowed: allowedTransitions(from) }]);
    }
    expect(motion).toEqual(frozen);
  });
});

describe('allowedTransitions and terminal states', () => {
  it.each(MOTION_STATES)('given %s, then the allowed moves are exactly the legal pairs from it', (state) => {
    const expected = MOTION_STATES.filter((to) => LEGAL.has(`${state}→${to}`));
    expect(allowedTransitions(state)).toEqual(expected);
    expect(isTerminal(state)).toBe(expected.length === 0);
  });

  it('given the table, then rejected, won, lost and withdrawn are terminal and every open state can be withdrawn', () => {
    expect(TERMINAL_MOTION_STATES).toEqual(['rejected', 'won', 'lost', 'withdrawn']);
    expect(OPEN_MOTION_STATES).toEqual(['draft', 'requested', 'accepted', 'active']);
    for (const state of OPEN_MOTION_STATES) expect(allowedTransitions(state)).toContain('withdrawn');
  });

  it('given a caller mutating the returned list, then the table is unchanged', () => {
    allowedTransitions('draft').push('won');
    expect(MOTION_TRANSITIONS.draft).toEqual(['requested', 'withdrawn']);
  });

  it('given the card contract and the CRM property, then all three list the same states in the same order', () => {
    expect(Object.keys(MOTION_TRANSITIONS)).toEqual([...MOTION_STATES]);
    // The CRM property adds an aging variant after each open state (motion-queue.ts); without them, the states.
    expect(COSELL_STATUSES.filter((value) => !value.endsWith('_aging'))).toEqual([...MOTION_STATES]);
  });
});

describe('illegalTransitionMessage', () => {
  it.each([
    {
      from: 'requested',
      to: 'won',
      message: 'A requested co-sell motion cannot move to won; it can move to accepted, rejected or withdrawn.',
    },
    {
      from: 'accepted',
      to: 'won',
      message: 'An accepted co-sell motion cannot move to won; it can move to active or withdrawn.',
    },
    {
      from: 'draft',
      to: 'active',
      message: 'A draft co-sell motion cannot move to active; it can move to requested or withdrawn.',
    },
    { from: 'won', to: 'active', message: 'The co-sell motion is closed (won); it cannot move to active.' },
    { from: 'requested', to: 'requested', message: 'The co-sell motion is already requested.' },
  ] as const)('given $from → $to, then the seller reads "$message"', ({ from, to, message }) => {
    expect(illegalTransitionMessage(from, to)).toBe(message);
  });
});

describe('createMotion', () => {
  it('given new fields, when created, then it is a version-1 draft whose history starts from null', () => {
    const motion = motionIn('draft');
    expect(motion.history).toEqual([{ at: T0, from: null, to: 'draft', actor: 'Dana Seller', note: null }]);
    const created = createMotion({ ...motion, id: 'm-2' }, { actor: 'cli', at: T1, note: '   ' });
    expect(created).toMatchObject({ state: 'draft', version: 1, createdAt: T1, updatedAt: T1 });
    expect(created.history[0]?.note).toBeNull();
  });
});
