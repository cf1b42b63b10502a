import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.ts';
import {
  AGING_COSELL_STATUSES,
  buildMotionQueue,
  COSELL_STATUS_PRECEDENCE,
  COSELL_STATUSES,
  cosellStatusForDeal,
  cosellStatusValue,
  DEFAULT_MOTION_QUEUE_POLICY,
  mostRelevantMotion,
  motionTiming,
  parseMotionQueuePolicy,
  type QueueCandidate,
} from './motion-queue.ts';
import { MOTION_STATES, type MotionState, OPEN_MOTION_STATES } from './motion-state-machine.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

/** A motion created `ageDays` ago with an SLA of `slaDays` days from creation. */
function timed(state: MotionState, ageDays: number, slaDays: number) {
  const createdAt = at(-ageDays * DAY);
  return { state, createdAt, slaDueAt: new Date(createdAt.getTime() + slaDays * DAY) };
}

describe('motionTiming', () => {
  it.each([
    { case: 'just created', motion: timed('requested', 0, 8), overdue: false, aging: false, share: 0 },
    { case: 'half the SLA gone', motion: timed('requested', 4, 8), overdue: false, aging: false, share: 0.5 },
    { case: 'just under 75% gone', motion: timed('requested', 5.99, 8), overdue: false, aging: false, share: 0.74875 },
    { case: 'exactly 75% gone', motion: timed('requested', 6, 8), overdue: false, aging: true, share: 0.75 },
    { case: 'exactly at the due time', motion: timed('accepted', 8, 8), overdue: false, aging: true, share: 1 },
    { case: 'one day past the SLA', motion: timed('active', 9, 8), overdue: true, aging: true, share: 1.125 },
    { case: 'a draft past its SLA', motion: timed('draft', 20, 8), overdue: true, aging: true, share: 2.5 },
    { case: 'won long past the SLA', motion: timed('won', 30, 8), overdue: false, aging: false, share: 3.75 },
    { case: 'withdrawn past the SLA', motion: timed('withdrawn', 30, 8), overdue: false, aging: false, share: 3.75 },
    { case: 'rejected past the SLA', motion: timed('rejected', 30, 8), overdue: false, aging: false, share: 3.75 },
  ])('given a motion $case, then overdue=$overdue aging=$aging', ({ motion, overdue, aging, share }) => {
    const timing = motionTiming(motion, NOW);
    expect(timing).toMatchObject({ overdue, aging });
    expect(timing.elapsedShare).toBeCloseTo(share, 6);
    expect(timing.msToSla).toBe(motion.slaDueAt.getTime() - NOW.getTime());
  });

  it.each([
    { agingShare: 0.5, ageDays: 4, aging: true },
    { agingShare: 0.5, ageDays: 3.9, aging: false },
    { agingShare: 1, ageDays: 7.9, aging: false },
    { agingShare: 1, ageDays: 8.1, aging: true },
  ])(
    'given agingShare $agingShare and $ageDays of 8 days gone, then aging=$aging',
    ({ agingShare, ageDays, aging }) => {
      const policy = parseMotionQueuePolicy({ agingShare });
      expect(motionTiming(timed('requested', ageDays, 8), NOW, policy).aging).toBe(aging);
    },
  );

  it('given an SLA window of zero length, then the share is 1 once due and the motion is overdue after it', () => {
    const motion = { state: 'requested' as const, createdAt: at(-HOUR), slaDueAt: at(-HOUR) };
    expect(motionTiming(motion, NOW)).toMatchObject({ elapsedShare: 1, overdue: true, aging: true });
  });
});

interface Row extends QueueCandidate {
  label: string;
}

function row(label: string, state: MotionState, dueInHours: number, dealAmount: number | null, ageDays = 10): Row {
  const slaDueAt = at(dueInHours * HOUR);
  return {
    label,
    motion: { id: `m-${label}`, state, createdAt: at(-ageDays * DAY), slaDueAt },
    dealAmount,
  };
}

describe('buildMotionQueue', () => {
  it('given open and closed motions, then only those waiting for action are queued, with their reason', () => {
    const queue = buildMotionQueue(
      [
        row('draft', 'draft', 100, 1),
        row('requested', 'requested', 101, 1),
        row('accepted', 'accepted', 102, 1),
        row('active-fresh', 'active', 24 * 9, 1, 1),
        row('active-aging', 'active', 24, 1, 9),
        row('active-overdue', 'active', -1, 1),
        row('won', 'won', -100, 1),
        row('lost', 'lost', -100, 1),
        row('rejected', 'rejected', -100, 1),
        row('withdrawn', 'withdrawn', -100, 1),
      ],
      NOW,
    );
    expect(queue.map((entry) => [entry.label, entry.reason, entry.timing.overdue, entry.timing.aging])).toEqual([
      ['active-overdue', 'active_aging', true, true],
      ['active-aging', 'active_aging', false, true],
      ['draft', 'draft_not_requested', false, false],
      ['requested', 'awaiting_partner_answer', false, false],
      ['accepted', 'awaiting_activation', false, false],
    ]);
  });

  it.each([
    {
      case: 'overdue first, the most overdue first, whatever the deal value',
      rows: [
        row('due-later', 'requested', 30, 1_000_000),
        row('late-1h', 'requested', -1, 10),
        row('late-3d', 'requested', -72, 5),
      ],
      expected: ['late-3d', 'late-1h', 'due-later'],
    },
    {
      case: 'then by time to SLA in whole days',
      rows: [row('in-3d', 'requested', 72, 900), row('in-5h', 'accepted', 5, 1), row('in-30h', 'requested', 30, 50)],
      expected: ['in-5h', 'in-30h', 'in-3d'],
    },
    {
      case: 'within one day step, the larger deal first',
      rows: [
        row('small-soon', 'requested', 2, 1_000),
        row('big-later', 'requested', 20, 250_000),
        row('mid', 'accepted', 10, 40_000),
      ],
      expected: ['big-later', 'mid', 'small-soon'],
    },
    {
      case: 'overdue within the same day step, the larger deal first',
      rows: [row('late-small', 'requested', -2, 10), row('late-big', 'requested', -20, 10_000)],
      expected: ['late-big', 'late-small'],
    },
    {
      case: 'unknown amounts after known ones in the same step',
      rows: [row('unknown', 'requested', 3, null), row('zero', 'requested', 4, 0)],
      expected: ['zero', 'unknown'],
    },
    {
      case: 'same step and value: the sooner due, then the older motion, then the id',
      rows: [
        row('b-same', 'requested', 6, 100, 5),
        row('a-same', 'requested', 6, 100, 5),
        row('older', 'requested', 6, 100, 9),
        row('sooner', 'requested', 5, 100),
      ],
      expected: ['sooner', 'older', 'a-same', 'b-same'],
    },
  ])('given $case', ({ rows, expected }) => {
    expect(buildMotionQueue(rows, NOW).map((entry) => entry.label)).toEqual(expected);
    expect(buildMotionQueue([...rows].reverse(), NOW).map((entry) => entry.label)).toEqual(expected);
  });

  it('given a 1-hour urgency step, then time to SLA outranks deal value almost everywhere', () => {
    const rows = [row('small-soon', 'requested', 2, 1_000), row('big-later', 'requested', 20, 250_000)];
    const policy = parseMotionQueuePolicy({ urgencyBucketHours: 1 });
    expect(buildMotionQueue(rows, NOW, policy).map((entry) => entry.label)).toEqual(['small-soon', 'big-later']);
  });

  it('given drafts excluded by policy, then drafts are not queued', () => {
    const policy = parseMotionQueuePolicy({ includeDrafts: false });
    expect(buildMotionQueue([row('draft', 'draft', -5, 1)], NOW, policy)).toEqual([]);
  });

  it('given extra fields on the candidates, then they are carried through', () => {
    const [entry] = buildMotionQueue([{ ...row('x', 'requested', 1, 1), dealName: 'Globex' }], NOW);
    expect(entry?.dealName).toBe('Globex');
  });
});

describe('parseMotionQueuePolicy', () => {
  it('given nothing, then the documented defaults apply', () => {
    expect(DEFAULT_MOTION_QUEUE_POLICY).toEqual({ agingShare: 0.75, urgencyBucketHours: 24, includeDrafts: true });
  });

  it.each([{ agingShare: 0 }, { agingShare: 1.5 }, { urgencyBucketHours: -1 }, { agingshare: 0.5 }])(
    'given %o, then it is refused as invalid input',
    (input) => {
      expect(() => parseMotionQueuePolicy(input)).toThrow(InvalidInputError);
    },
  );
});

describe('cosellStatusForDeal', () => {
  const m = (id: string, state: MotionState, updatedDay: number, createdDay = 0) => ({
    id,
    state,
    createdAt: new Date(Date.UTC(2026, 0, 1 + createdDay)),
    updatedAt: new Date(Date.UTC(2026, 0, 1 + updatedDay)),
  });

  it.each([
    { case: 'no motions', motions: [], expected: undefined },
    { case: 'one requested motion', motions: [m('a', 'requested', 1)], expected: 'requested' },
    {
      case: 'an active motion and a later rejection by another partner',
      motions: [m('a', 'active', 1), m('b', 'rejected', 5)],
      expected: 'active',
    },
    { case: 'a won motion and a later lost one', motions: [m('a', 'won', 1), m('b', 'lost', 9)], expected: 'won' },
    {
      case: 'a rejection then a newer request to another partner',
      motions: [m('a', 'rejected', 1), m('b', 'requested', 2)],
      expected: 'requested',
    },
    {
      case: 'an accepted and a draft motion',
      motions: [m('a', 'draft', 9), m('b', 'accepted', 1)],
      expected: 'accepted',
    },
    {
      case: 'a withdrawn motion and a rejected one',
      motions: [m('a', 'withdrawn', 9), m('b', 'rejected', 1)],
      expected: 'rejected',
    },
    {
      case: 'only withdrawn motions',
      motions: [m('a', 'withdrawn', 1), m('b', 'withdrawn', 2)],
      expected: 'withdrawn',
    },
    { case: 'a closed won motion and a new draft', motions: [m('a', 'won', 1), m('b', 'draft', 2)], expected: 'draft' },
  ])('given $case, then the status is $expected', ({ motions, expected }) => {
    expect(cosellStatusForDeal(motions)).toBe(expected);
  });

  it('given two motions in the same state, then the most recently changed one is the most relevant', () => {
    const older = m('z', 'requested', 1);
    const newer = m('a', 'requested', 3);
    expect(mostRelevantMotion([older, newer])).toBe(newer);
    expect(mostRelevantMotion([newer, older])).toBe(newer);
    const twinA = m('a', 'requested', 3, 1);
    const twinB = m('b', 'requested', 3, 1);
    expect(mostRelevantMotion([twinA, twinB])).toBe(twinB);
    expect(mostRelevantMotion([twinB, twinA])).toBe(twinB);
  });

  it('given the precedence list, then it ranks every motion state exactly once', () => {
    expect([...COSELL_STATUS_PRECEDENCE].sort()).toEqual([...MOTION_STATES].sort());
  });
});

describe('cosellStatusValue', () => {
  /** Created `ageDays` before NOW with an SLA of `slaDays`; last changed at creation. */
  const m = (id: string, state: MotionState, ageDays: number, slaDays: number) => {
    const { createdAt, slaDueAt } = timed(state, ageDays, slaDays);
    return { id, state, createdAt, updatedAt: createdAt, slaDueAt };
  };

  it.each([
    { case: 'no motions', motions: [], expected: undefined },
    { case: 'a fresh requested motion', motions: [m('a', 'requested', 1, 8)], expected: 'requested' },
    { case: 'a requested motion 75% into its SLA', motions: [m('a', 'requested', 6, 8)], expected: 'requested_aging' },
    { case: 'an overdue active motion', motions: [m('a', 'active', 10, 7)], expected: 'active_aging' },
    { case: 'an old draft', motions: [m('a', 'draft', 30, 7)], expected: 'draft_aging' },
    { case: 'a long-won motion', motions: [m('a', 'won', 90, 7)], expected: 'won' },
    {
      case: 'a fresh active motion and an aging requested one (the active one speaks for the deal)',
      motions: [m('a', 'active', 1, 7), m('b', 'requested', 7, 7)],
      expected: 'active',
    },
  ])('given $case, then the value is $expected', ({ motions, expected }) => {
    expect(cosellStatusValue(motions, NOW)).toBe(expected);
  });

  it('given a policy that flags only overdue motions, then 90% of the SLA gone is not aging yet', () => {
    const policy = parseMotionQueuePolicy({ agingShare: 1 });
    expect(cosellStatusValue([m('a', 'accepted', 9, 10)], NOW, policy)).toBe('accepted');
    expect(cosellStatusValue([m('a', 'accepted', 11, 10)], NOW, policy)).toBe('accepted_aging');
  });

  it('given the value list, then it holds every state once, each open state followed by its aging variant', () => {
    expect(Object.keys(AGING_COSELL_STATUSES)).toEqual([...OPEN_MOTION_STATES]);
    expect(COSELL_STATUSES).toEqual([
      'draft',
      'draft_aging',
      'requested',
      'requested_aging',
      'accepted',
      'accepted_aging',
      'rejected',
      'active',
      'active_aging',
      'won',
      'lost',
      'withdrawn',
    ]);
  });
});
