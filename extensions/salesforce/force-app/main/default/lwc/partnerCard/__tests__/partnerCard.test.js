import getCard from '@salesforce/apex/PartnerLoopCardController.getCard';
import markNotDuplicate from '@salesforce/apex/PartnerLoopCardController.markNotDuplicate';
import searchPartners from '@salesforce/apex/PartnerLoopCardController.searchPartners';
import startCoSell from '@salesforce/apex/PartnerLoopCardController.startCoSell';
import tagPartner from '@salesforce/apex/PartnerLoopCardController.tagPartner';
import transitionMotion from '@salesforce/apex/PartnerLoopCardController.transitionMotion';
import untagPartner from '@salesforce/apex/PartnerLoopCardController.untagPartner';
import PartnerCard from 'c/partnerCard';
import { createElement } from 'lwc';

jest.mock('@salesforce/apex/PartnerLoopCardController.getCard', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/PartnerLoopCardController.searchPartners', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/PartnerLoopCardController.tagPartner', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/PartnerLoopCardController.untagPartner', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/PartnerLoopCardController.markNotDuplicate', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/PartnerLoopCardController.startCoSell', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/PartnerLoopCardController.transitionMotion', () => ({ default: jest.fn() }), {
  virtual: true,
});

const complete = require('./data/complete.json');
const missingPartner = require('./data/missingPartner.json');
const fixApplied = require('./data/fixApplied.json');
const notPartnerInvolved = require('./data/notPartnerInvolved.json');
const taggedFromPicker = require('./data/taggedFromPicker.json');
const untagged = require('./data/untagged.json');
const suspectedDuplicate = require('./data/suspectedDuplicate.json');
const notDuplicate = require('./data/notDuplicate.json');
const registrationConflict = require('./data/registrationConflict.json');
const closedFrozen = require('./data/closedFrozen.json');
const coSellStarted = require('./data/coSellStarted.json');
const motionAccepted = require('./data/motionAccepted.json');
const roster = require('./data/roster.json');

const OPPORTUNITY_ID = complete.deal.id;
const ACME = complete.attribution.partners[0];
const BIRCH = complete.attribution.partners[1];
const ACORN = roster.partners[1];
const CEDAR = complete.nextBestPartner;

/** Apex rejects with `{ body: { message } }` when the controller throws an AuraHandledException. */
function apexError(message) {
  return { status: 500, body: { message } };
}

/** Lets Apex promises settle and the component re-render (LWC renders in a microtask after a change). */
function flushPromises() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function answer(view) {
  return JSON.stringify(view);
}

async function renderCard(view) {
  if (view !== undefined) getCard.mockResolvedValue(answer(view));
  const element = createElement('c-partner-card', { is: PartnerCard });
  element.recordId = OPPORTUNITY_ID;
  const toasts = [];
  element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
  document.body.appendChild(element);
  await flushPromises();
  return { element, toasts };
}

function byId(root, id) {
  return root.shadowRoot.querySelector(`[data-id="${id}"]`);
}

function allById(root, id) {
  return Array.from(root.shadowRoot.querySelectorAll(`[data-id="${id}"]`));
}

function text(node) {
  return node.textContent.replace(/\s+/g, ' ').trim();
}

function child(root, tag) {
  return root.shadowRoot.querySelector(tag);
}

function rowTexts(element) {
  return allById(element, 'partner-row').map((row) =>
    Array.from(row.querySelectorAll('td[data-cell]')).map((cell) => text(cell)),
  );
}

function change(node, value) {
  node.value = value;
  node.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-partner-card: states', () => {
  it('given the card view is on its way, when the card renders, then it shows a spinner and asks Apex for this opportunity', async () => {
    getCard.mockReturnValue(new Promise(() => {}));

    const { element } = await renderCard();

    expect(getCard).toHaveBeenCalledWith({ opportunityId: OPPORTUNITY_ID });
    expect(byId(element, 'card-loading')).not.toBeNull();
    expect(element.shadowRoot.querySelector('lightning-spinner').alternativeText).toBe('Loading partner data…');
    expect(byId(element, 'attribution')).toBeNull();
  });

  it('given Apex fails, when the card loads, then it shows the service message in words and "Try again" reloads', async () => {
    getCard.mockRejectedValueOnce(apexError('This Salesforce org is not connected to PartnerLoop yet.'));

    const { element } = await renderCard();

    expect(text(byId(element, 'card-error-message'))).toBe('This Salesforce org is not connected to PartnerLoop yet.');
    getCard.mockResolvedValueOnce(answer(complete));
    byId(element, 'retry').click();
    await flushPromises();
    expect(getCard).toHaveBeenCalledTimes(2);
    expect(byId(element, 'card-error')).toBeNull();
    expect(byId(element, 'attribution-status').label).toBe('Attribution complete');
  });

  it('given an answer that is not a card view, when the card loads, then it says the answer could not be read', async () => {
    const { element } = await renderCard({ deal: null });

    expect(text(byId(element, 'card-error-message'))).toBe(
      'PartnerLoop sent an answer the card could not read. Reload the page and try again.',
    );
  });

  it('given a partner-involved deal without a partner, when rendered, then it shows the status, the issue and the suggested fix', async () => {
    const { element } = await renderCard(missingPartner);

    const badge = byId(element, 'attribution-status');
    expect(badge.label).toBe('Partner missing');
    expect(badge.className).toContain('slds-theme_error');
    expect(text(byId(element, 'attribution-issues'))).toBe(missingPartner.attribution.issues[0]);
    expect(text(byId(element, 'attribution-fix-text'))).toBe(
      'Tag Acme Cloud Partners as Sourced. Acme Cloud Partners holds the approved registration for this deal.',
    );
    expect(byId(element, 'apply-fix').label).toBe('Tag Acme Cloud Partners as Sourced');
    expect(text(byId(element, 'empty-partners'))).toBe(
      'This deal is partner-involved but has no partner tagged. Tag one below.',
    );
  });

  it('given a deal without any partner signal, when rendered, then it says the deal is not partner-involved', async () => {
    const { element } = await renderCard(notPartnerInvolved);

    expect(byId(element, 'attribution-status').label).toBe('Not partner-involved');
    expect(text(byId(element, 'empty-not-involved'))).toContain('Nothing marks this deal as partner-involved yet.');
    expect(byId(element, 'partners-table')).toBeNull();
  });

  it('given complete attribution, when rendered, then each partner row shows role, split, tier and score', async () => {
    const { element } = await renderCard(complete);

    expect(byId(element, 'attribution-status').label).toBe('Attribution complete');
    expect(byId(element, 'attribution-status').className).toContain('slds-theme_success');
    expect(rowTexts(element)).toEqual([
      ['Acme Cloud Partners', 'Sourced', '100%', 'Strategic', '87'],
      ['Birch Consulting', 'Influenced', '—', 'Core', '64'],
    ]);
    expect(allById(element, 'duplicate')).toHaveLength(0);
    expect(byId(element, 'attribution-frozen')).toBeNull();
    expect(byId(element, 'attribution-fix')).toBeNull();
  });

  it('given a suspected duplicate, when rendered, then it warns with the other deal, the confidence and the reasons', async () => {
    const { element } = await renderCard(suspectedDuplicate);

    const [warning] = allById(element, 'duplicate');
    const duplicate = suspectedDuplicate.dedupe.duplicates[0];
    expect(text(warning.querySelector('[data-id="duplicate-title"]'))).toBe('Possible duplicate');
    expect(warning.className).toContain('slds-theme_warning');
    expect(text(warning.querySelector('[data-id="duplicate-text"]'))).toBe(
      'This deal looks like Globex data platform (93% confidence).',
    );
    expect(warning.querySelector('a').getAttribute('href')).toBe(duplicate.url);
    expect(Array.from(warning.querySelectorAll('li')).map(text)).toEqual(duplicate.reasons);
    expect(warning.querySelector('[data-id="not-duplicate"]').label).toBe('Not a duplicate');
  });

  it('given a registration conflict, when rendered, then it names the conflict and the other registration', async () => {
    const { element } = await renderCard(registrationConflict);

    const [warning] = allById(element, 'duplicate');
    expect(byId(element, 'attribution-status').label).toBe('Conflicting partners');
    expect(text(warning.querySelector('[data-id="duplicate-title"]'))).toBe('Registration conflict');
    expect(warning.className).toContain('slds-theme_error');
    expect(text(warning.querySelector('[data-id="duplicate-text"]'))).toBe(
      'Another registration covers the same buying event: Deal 006Hs00001ReGiSIAV (81% confidence).',
    );
    expect(warning.querySelector('a')).toBeNull();
  });

  it('given a closed deal, when rendered, then attribution is frozen: no untag, no picker, no new co-sell', async () => {
    const { element } = await renderCard(closedFrozen);

    expect(text(byId(element, 'attribution-frozen'))).toContain('Attribution is frozen');
    expect(allById(element, 'untag').every((button) => button.disabled)).toBe(true);
    expect(allById(element, 'untag')).toHaveLength(2);
    expect(child(element, 'c-partner-picker')).toBeNull();
    expect(child(element, 'c-co-sell-form')).toBeNull();
    expect(text(byId(element, 'cosell-closed'))).toBe('Co-sell motions start from open deals only.');
  });

  it('given a next-best partner, when rendered, then it shows the fit and the reason, and choosing it fills the picker', async () => {
    const { element } = await renderCard(complete);

    expect(text(byId(element, 'next-best-text'))).toBe(
      'Cedar Systems (fit 72): Wins most mid-market EMEA data-platform deals.',
    );
    byId(element, 'choose-next-best').click();
    await flushPromises();

    const select = byId(child(element, 'c-partner-picker'), 'partner-select');
    expect(select.value).toBe(CEDAR.partnerId);
    expect(select.options).toEqual([{ label: 'Cedar Systems', value: CEDAR.partnerId }]);
  });

  it('given motions, when rendered, then the timeline gets them and the co-sell form offers attached and suggested partners', async () => {
    const { element } = await renderCard(coSellStarted);

    const timeline = child(element, 'c-motion-timeline');
    expect(timeline.motions).toEqual(coSellStarted.motions);
    expect(text(byId(timeline, 'motion-state').parentNode)).toContain('Acme Cloud Partners');
    expect(child(element, 'c-co-sell-form').candidates).toEqual([
      { partnerId: ACME.partnerId, name: ACME.name, source: 'attached' },
      { partnerId: BIRCH.partnerId, name: BIRCH.name, source: 'attached' },
      { partnerId: CEDAR.partnerId, name: CEDAR.name, source: 'suggested' },
    ]);
  });
});

describe('c-partner-card: actions', () => {
  it('given the suggested fix, when applied, then Apex tags that partner and the card re-renders from the answer', async () => {
    tagPartner.mockResolvedValue(answer(fixApplied));
    const { element, toasts } = await renderCard(missingPartner);

    byId(element, 'apply-fix').click();
    await flushPromises();

    expect(tagPartner).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      partnerId: ACME.partnerId,
      role: 'sourced',
      splitPct: null,
    });
    expect(byId(element, 'attribution-status').label).toBe('Attribution complete');
    expect(rowTexts(element)).toEqual([['Acme Cloud Partners', 'Sourced', '100%', 'Strategic', '87']]);
    expect(toasts).toEqual([
      { title: 'PartnerLoop', message: 'Acme Cloud Partners tagged as Sourced.', variant: 'success' },
    ]);
  });

  it('given a roster search, when a partner, role and split are tagged, then Apex gets them and the picker empties', async () => {
    searchPartners.mockResolvedValue(answer(roster));
    tagPartner.mockResolvedValue(answer(taggedFromPicker));
    const { element, toasts } = await renderCard(notPartnerInvolved);
    const picker = child(element, 'c-partner-picker');

    change(byId(picker, 'partner-search'), 'Aco');
    byId(picker, 'partner-search-button').click();
    await flushPromises();
    change(byId(picker, 'partner-select'), ACORN.id);
    change(byId(picker, 'role-select'), 'reseller');
    change(byId(picker, 'split-input'), '40');
    byId(picker, 'tag-partner').click();
    await flushPromises();

    expect(searchPartners).toHaveBeenCalledWith({ query: 'Aco' });
    expect(tagPartner).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      partnerId: ACORN.id,
      role: 'reseller',
      splitPct: 40,
    });
    expect(rowTexts(element)).toEqual([['Acorn Resellers', 'Reseller', '40%', 'Long tail', '31']]);
    expect(toasts.map((toast) => toast.message)).toEqual(['Acorn Resellers tagged as Reseller.']);
    expect(byId(picker, 'partner-select')).toBeNull();
    expect(byId(picker, 'role-select').value).toBeNull();
  });

  it('given the next-best partner chosen, when tagged with a role, then Apex tags that partner without a split', async () => {
    tagPartner.mockResolvedValue(answer(complete));
    const { element } = await renderCard(complete);
    const picker = child(element, 'c-partner-picker');

    byId(element, 'choose-next-best').click();
    await flushPromises();
    change(byId(picker, 'role-select'), 'cosell');
    byId(picker, 'tag-partner').click();
    await flushPromises();

    expect(tagPartner).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      partnerId: CEDAR.partnerId,
      role: 'cosell',
      splitPct: null,
    });
  });

  it('given a tagged partner, when untagged, then Apex removes that partner and role and the card re-renders', async () => {
    untagPartner.mockResolvedValue(answer(untagged));
    const { element, toasts } = await renderCard(complete);

    allById(element, 'untag')[1].click();
    await flushPromises();

    expect(untagPartner).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      partnerId: BIRCH.partnerId,
      role: 'influenced',
      overrideReason: null,
    });
    expect(rowTexts(element)).toEqual([['Acme Cloud Partners', 'Sourced', '100%', 'Strategic', '87']]);
    expect(toasts.map((toast) => toast.message)).toEqual(['Birch Consulting is no longer tagged as Influenced.']);
  });

  it('given a suspected duplicate, when marked not a duplicate, then Apex records the pair and the warning goes', async () => {
    markNotDuplicate.mockResolvedValue(answer(notDuplicate));
    const { element, toasts } = await renderCard(suspectedDuplicate);

    byId(element, 'not-duplicate').click();
    await flushPromises();

    expect(markNotDuplicate).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      otherDealId: suspectedDuplicate.dedupe.duplicates[0].otherDealId,
    });
    expect(allById(element, 'duplicate')).toHaveLength(0);
    expect(toasts.map((toast) => toast.message)).toEqual([
      'Marked as not a duplicate. PartnerLoop will not flag this pair again.',
    ]);
  });

  it('given the co-sell form, when sent to a partner, then Apex starts the motion and the timeline shows it', async () => {
    startCoSell.mockResolvedValue(answer(coSellStarted));
    const { element, toasts } = await renderCard(complete);
    const form = child(element, 'c-co-sell-form');

    byId(form, 'open-cosell').click();
    await flushPromises();
    change(byId(form, 'cosell-partner'), ACME.partnerId);
    change(byId(form, 'cosell-ask'), '  Joint discovery call with the Globex data team before 15 March. ');
    change(byId(form, 'cosell-sla'), '14');
    byId(form, 'submit-cosell').click();
    await flushPromises();

    expect(startCoSell).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      partnerId: ACME.partnerId,
      programme: null,
      ask: 'Joint discovery call with the Globex data team before 15 March.',
      slaDays: 14,
    });
    expect(byId(child(element, 'c-motion-timeline'), 'motion-state').label).toBe('Requested');
    expect(byId(form, 'cosell-form')).toBeNull();
    expect(toasts.map((toast) => toast.message)).toEqual(['Co-sell motion started.']);
  });

  it('given the co-sell form, when sent to a programme, then Apex gets the programme and no partner', async () => {
    startCoSell.mockResolvedValue(answer(coSellStarted));
    const { element } = await renderCard(complete);
    const form = child(element, 'c-co-sell-form');

    byId(form, 'open-cosell').click();
    await flushPromises();
    change(byId(form, 'cosell-programme'), ' AWS ACE ');
    change(byId(form, 'cosell-ask'), 'Register the opportunity with AWS.');
    byId(form, 'submit-cosell').click();
    await flushPromises();

    expect(startCoSell).toHaveBeenCalledWith({
      opportunityId: OPPORTUNITY_ID,
      partnerId: null,
      programme: 'AWS ACE',
      ask: 'Register the opportunity with AWS.',
      slaDays: null,
    });
  });

  it('given a requested motion, when accepted with a note, then Apex moves it and the timeline shows the transition', async () => {
    transitionMotion.mockResolvedValue(answer(motionAccepted));
    const { element, toasts } = await renderCard(coSellStarted);
    const timeline = child(element, 'c-motion-timeline');
    const motion = coSellStarted.motions[0];

    change(byId(timeline, 'motion-note'), ' Acme confirmed by phone ');
    timeline.shadowRoot.querySelector('[data-id="motion-move"][data-to="accepted"]').click();
    await flushPromises();

    expect(transitionMotion).toHaveBeenCalledWith({
      motionId: motion.id,
      toState: 'accepted',
      note: 'Acme confirmed by phone',
    });
    expect(byId(timeline, 'motion-state').label).toBe('Accepted');
    expect(allById(timeline, 'motion-history')[0].lastElementChild.textContent).toBe(
      '2026-03-04 10:00 UTC: Requested → Accepted by Dana Seller: “Acme confirmed by phone”',
    );
    expect(byId(timeline, 'motion-note').value).toBe('');
    expect(toasts.map((toast) => toast.message)).toEqual(['Co-sell motion updated.']);
  });

  it('given the service refuses a change, when tagging, then the card says why in words, toasts it and keeps the view', async () => {
    tagPartner.mockRejectedValue(apexError('This deal is closed: its partners are frozen.'));
    const { element, toasts } = await renderCard(missingPartner);

    byId(element, 'apply-fix').click();
    await flushPromises();

    expect(text(byId(element, 'action-error-message'))).toBe('This deal is closed: its partners are frozen.');
    expect(toasts).toEqual([
      {
        title: 'That change was not saved',
        message: 'This deal is closed: its partners are frozen.',
        variant: 'error',
      },
    ]);
    expect(byId(element, 'attribution-status').label).toBe('Partner missing');
    expect(byId(element, 'apply-fix').disabled).toBe(false);
  });

  it('given a change in flight, when another is clicked, then every action waits and nothing is sent twice', async () => {
    let settle;
    untagPartner.mockReturnValue(
      new Promise((resolve) => {
        settle = resolve;
      }),
    );
    const { element } = await renderCard(complete);

    allById(element, 'untag')[0].click();
    await flushPromises();
    allById(element, 'untag')[1].click();
    await flushPromises();

    expect(untagPartner).toHaveBeenCalledTimes(1);
    expect(allById(element, 'untag').every((button) => button.disabled)).toBe(true);
    expect(child(element, 'c-partner-picker').busy).toBe(true);
    settle(answer(untagged));
    await flushPromises();
    expect(allById(element, 'untag').map((button) => button.disabled)).toEqual([false]);
  });
});
