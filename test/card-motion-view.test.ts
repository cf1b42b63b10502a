import { describe, expect, it } from 'vitest';
import { agingMotionView, requestedMotion } from '../extensions/app/cards/testing/card-fixtures.ts';
import { type CoSellMotion, createMotion, transition } from '../src/cosell/motion-state-machine.ts';
import { toCardMotion } from '../src/cosell/motion-view.ts';

// The domain builds the card's motions (src/cosell/motion-view.ts); the card's fixtures are what the card renders.
// This test sits outside src/ because src/ imports nothing of extensions/ (SPEC §3).

const at = (iso: string) => new Date(iso);

function requested(): CoSellMotion {
  const draft = createMotion(
    {
      tenantId: 'hubspot:1',
      id: 'm-1',
      dealId: 'd-1',
      partnerId: 'p-acme',
      programme: null,
      ask: 'Joint discovery call with the Globex data team before 15 March.',
      ownerId: 'u-77',
      slaDueAt: at('2026-03-10T17:00:00.000Z'),
    },
    { actor: 'Dana Seller', at: at('2026-03-03T09:30:00.000Z') },
  );
  return transition(draft, 'requested', { actor: 'Dana Seller', at: at('2026-03-03T09:30:00.000Z') });
}

describe('toCardMotion', () => {
  it('given a just-requested motion, then it is exactly what the card fixture expects', () => {
    const card = toCardMotion(requested(), { now: at('2026-03-04T08:00:00Z'), partnerName: 'Acme Cloud Partners' });
    expect(card).toEqual(requestedMotion);
  });

  it('given an active motion past its SLA, then the card sees it aging, with its history and allowed moves', () => {
    let motion = transition(requested(), 'accepted', { actor: 'Acme Cloud Partners', at: at('2026-03-12T11:00:00Z') });
    motion = transition(motion, 'active', {
      actor: 'Dana Seller',
      at: at('2026-03-12T11:05:00Z'),
      note: 'Kick-off booked',
    });
    const card = toCardMotion(motion, { now: at('2026-03-13T00:00:00Z'), partnerName: 'Acme Cloud Partners' });
    expect(card).toEqual(agingMotionView.motions[0]);
  });

  it('given a closed motion past its SLA, then it is not aging and allows nothing', () => {
    const won = transition(
      transition(transition(requested(), 'accepted', { actor: 'a', at: at('2026-03-04T00:00:00Z') }), 'active', {
        actor: 'a',
        at: at('2026-03-05T00:00:00Z'),
      }),
      'won',
      { actor: 'a', at: at('2026-03-20T00:00:00Z') },
    );
    expect(toCardMotion(won, { now: at('2026-04-01T00:00:00Z') })).toMatchObject({
      state: 'won',
      aging: false,
      allowedTransitions: [],
      partnerName: null,
    });
  });
});
