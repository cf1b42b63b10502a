import CoSellForm from 'c/coSellForm';
import { createElement } from 'lwc';

const ACME = { partnerId: '001Hs00002AcMeCIAQ', name: 'Acme Cloud Partners', source: 'attached' };
const CEDAR = { partnerId: '001Hs00002CeDaRIAQ', name: 'Cedar Systems', source: 'suggested' };

function flushPromises() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function renderOpenForm(candidates) {
  const element = createElement('c-co-sell-form', { is: CoSellForm });
  element.candidates = candidates;
  const starts = [];
  element.addEventListener('start', (event) => starts.push(event.detail));
  document.body.appendChild(element);
  byId(element, 'open-cosell').click();
  await flushPromises();
  return { element, starts };
}

function byId(root, id) {
  return root.shadowRoot.querySelector(`[data-id="${id}"]`);
}

function text(node) {
  return node.textContent.replace(/\s+/g, ' ').trim();
}

function change(node, value) {
  node.value = value;
  node.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

async function submit(element) {
  byId(element, 'submit-cosell').click();
  await flushPromises();
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
});

describe('c-co-sell-form', () => {
  it('given candidates, when opened, then it offers them, the suggestion marked, and "programme only"', async () => {
    const { element } = await renderOpenForm([ACME, CEDAR]);

    expect(byId(element, 'cosell-partner').options).toEqual([
      { label: 'Acme Cloud Partners', value: ACME.partnerId },
      { label: 'Cedar Systems (suggested)', value: CEDAR.partnerId },
      { label: 'No partner: programme only', value: '' },
    ]);
    expect(byId(element, 'cosell-no-candidates')).toBeNull();
  });

  it('given no target and no ask, when sent, then it asks for both and starts nothing', async () => {
    const { element, starts } = await renderOpenForm([]);

    await submit(element);

    expect(starts).toEqual([]);
    expect(text(byId(element, 'cosell-target-error'))).toBe('Choose a partner or name a programme.');
    expect(text(byId(element, 'cosell-ask-error'))).toBe('Describe what you are asking the partner for.');
    expect(byId(element, 'cosell-no-candidates')).not.toBeNull();
  });

  it('given a partner and a programme, when sent, then it says a motion has one target', async () => {
    const { element, starts } = await renderOpenForm([ACME]);

    change(byId(element, 'cosell-partner'), ACME.partnerId);
    change(byId(element, 'cosell-programme'), 'AWS ACE');
    change(byId(element, 'cosell-ask'), 'Joint pitch');
    await submit(element);

    expect(starts).toEqual([]);
    expect(text(byId(element, 'cosell-programme-error'))).toContain('not both');
  });

  it('given an SLA outside 1–90 days, when sent, then it names the bounds', async () => {
    const { element, starts } = await renderOpenForm([ACME]);

    change(byId(element, 'cosell-partner'), ACME.partnerId);
    change(byId(element, 'cosell-ask'), 'Joint pitch');
    change(byId(element, 'cosell-sla'), '91');
    await submit(element);

    expect(starts).toEqual([]);
    expect(text(byId(element, 'cosell-sla-error'))).toBe('The SLA is a whole number of days from 1 to 90.');
  });

  it('given a valid motion, when sent and then reset by the card, then it starts once and closes', async () => {
    const { element, starts } = await renderOpenForm([ACME]);

    change(byId(element, 'cosell-partner'), ACME.partnerId);
    change(byId(element, 'cosell-ask'), ' Joint pitch ');
    change(byId(element, 'cosell-sla'), '7');
    await submit(element);
    element.reset();
    await flushPromises();

    expect(starts).toEqual([{ partnerId: ACME.partnerId, programme: null, ask: 'Joint pitch', slaDays: 7 }]);
    expect(byId(element, 'cosell-form')).toBeNull();
    expect(byId(element, 'open-cosell')).not.toBeNull();
  });
});
