import MotionTimeline from 'c/motionTimeline';
import { createElement } from 'lwc';

const motionsView = require('../../partnerCard/__tests__/data/motions.json');

const [ACTIVE, AWS] = motionsView.motions;

function flushPromises() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function renderTimeline(motions) {
  const element = createElement('c-motion-timeline', { is: MotionTimeline });
  element.motions = motions;
  const moves = [];
  element.addEventListener('transition', (event) => moves.push(event.detail));
  document.body.appendChild(element);
  return { element, moves };
}

function motionNode(element, id) {
  return element.shadowRoot.querySelector(`[data-id="motion"][data-motion-id="${id}"]`);
}

function within(node, id) {
  return node.querySelector(`[data-id="${id}"]`);
}

function text(node) {
  return node.textContent.replace(/\s+/g, ' ').trim();
}

function change(node, value) {
  node.value = value;
  node.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
});

describe('c-motion-timeline', () => {
  it('given no motion, when rendered, then it says there is none yet', () => {
    const { element } = renderTimeline([]);

    expect(text(element.shadowRoot.querySelector('[data-id="no-motions"]'))).toBe(
      'No co-sell motion on this deal yet.',
    );
  });

  it('given an aging partner motion, when rendered, then it shows state, aging, SLA and every transition so far', () => {
    const { element } = renderTimeline(motionsView.motions);
    const node = motionNode(element, ACTIVE.id);

    expect(text(within(node, 'motion-title'))).toBe('Acme Cloud Partners');
    expect(within(node, 'motion-state').label).toBe('Active');
    expect(within(node, 'motion-aging').label).toBe('Aging');
    expect(text(within(node, 'motion-sla'))).toBe('SLA due 2026-03-10: waiting longer than the SLA allows.');
    expect(Array.from(within(node, 'motion-history').querySelectorAll('li')).map(text)).toEqual([
      '2026-03-03 09:30 UTC: created as Draft by Dana Seller',
      '2026-03-03 09:30 UTC: Draft → Requested by Dana Seller',
      '2026-03-12 11:00 UTC: Requested → Accepted by Acme Cloud Partners',
      '2026-03-12 11:05 UTC: Accepted → Active by Dana Seller: “Kick-off booked”',
    ]);
    expect(
      Array.from(node.querySelectorAll('[data-id="motion-move"]')).map((button) => [button.label, button.variant]),
    ).toEqual([
      ['Mark won', 'neutral'],
      ['Mark lost', 'destructive'],
      ['Withdraw', 'destructive'],
    ]);
  });

  it('given a programme motion the programme refused, when rendered, then it shows what the seller must fix', () => {
    const { element } = renderTimeline(motionsView.motions);
    const node = motionNode(element, AWS.id);

    expect(text(within(node, 'motion-title'))).toBe('AWS ACE');
    expect(text(within(node, 'motion-cloud'))).toContain('AWS: Needs fixes');
    expect(text(within(node, 'motion-cloud-issues'))).toBe(
      'Customer website is required by AWS: give Globex a domain in the CRM.',
    );
    expect(node.querySelector('[data-id="motion-move"]')).toBeNull();
    expect(within(node, 'motion-note')).toBeNull();
  });

  it('given a note, when a move is clicked, then the transition carries motion, state and trimmed note; clearNote empties it', async () => {
    const { element, moves } = renderTimeline(motionsView.motions);
    const node = motionNode(element, ACTIVE.id);

    change(within(node, 'motion-note'), '  Signed today ');
    await flushPromises();
    node.querySelector('[data-to="won"]').click();
    node.querySelector('[data-to="withdrawn"]').click();
    element.clearNote(ACTIVE.id);
    await flushPromises();

    expect(moves).toEqual([
      { motionId: ACTIVE.id, to: 'won', note: 'Signed today' },
      { motionId: ACTIVE.id, to: 'withdrawn', note: 'Signed today' },
    ]);
    expect(within(motionNode(element, ACTIVE.id), 'motion-note').value).toBe('');
  });

  it('given a blank note and a busy card, when rendered, then moves are disabled and a move carries no note', async () => {
    const { element, moves } = renderTimeline(motionsView.motions);
    const node = motionNode(element, ACTIVE.id);

    node.querySelector('[data-to="lost"]').click();
    element.busy = true;
    await flushPromises();

    expect(moves).toEqual([{ motionId: ACTIVE.id, to: 'lost', note: null }]);
    expect(Array.from(node.querySelectorAll('[data-id="motion-move"]')).every((button) => button.disabled)).toBe(true);
  });
});
