import searchPartners from '@salesforce/apex/PartnerLoopCardController.searchPartners';
import PartnerPicker from 'c/partnerPicker';
import { createElement } from 'lwc';

jest.mock('@salesforce/apex/PartnerLoopCardController.searchPartners', () => ({ default: jest.fn() }), {
  virtual: true,
});

const roster = require('../../partnerCard/__tests__/data/roster.json');

const [ACME, ACORN] = roster.partners;

function flushPromises() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function renderPicker() {
  const element = createElement('c-partner-picker', { is: PartnerPicker });
  const tags = [];
  element.addEventListener('tag', (event) => tags.push(event.detail));
  document.body.appendChild(element);
  return { element, tags };
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

async function search(element, query) {
  change(byId(element, 'partner-search'), query);
  byId(element, 'partner-search-button').click();
  await flushPromises();
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});

describe('c-partner-picker', () => {
  it('given a one-letter query, when searching, then it asks for more and calls no Apex', async () => {
    const { element } = renderPicker();

    await search(element, ' A ');

    expect(searchPartners).not.toHaveBeenCalled();
    expect(text(byId(element, 'partner-search-query-error'))).toBe('Type at least 2 characters to search.');
  });

  it('given a query, when searching, then Apex gets the trimmed query and the results list tier, score and type', async () => {
    searchPartners.mockResolvedValue(JSON.stringify(roster));
    const { element } = renderPicker();

    await search(element, '  Ac ');

    expect(searchPartners).toHaveBeenCalledWith({ query: 'Ac' });
    expect(byId(element, 'partner-select').options).toEqual([
      { label: 'Acme Cloud Partners · Strategic · score 87', value: ACME.id },
      { label: 'Acorn Resellers · Long tail · score 31 · self-serve', value: ACORN.id },
    ]);
  });

  it('given no roster partner matches, when searching, then it says so', async () => {
    searchPartners.mockResolvedValue(JSON.stringify({ partners: [] }));
    const { element } = renderPicker();

    await search(element, 'Zeta');

    expect(text(byId(element, 'partner-search-empty'))).toBe('No partner in the roster matches “Zeta”.');
    expect(byId(element, 'partner-select')).toBeNull();
  });

  it('given the search fails, when searching, then the service message is shown in words', async () => {
    searchPartners.mockRejectedValue({
      status: 500,
      body: { message: 'PartnerLoop is busy right now. Wait a moment and try again.' },
    });
    const { element } = renderPicker();

    await search(element, 'Acme');

    expect(text(byId(element, 'partner-search-error'))).toBe(
      'PartnerLoop is busy right now. Wait a moment and try again.',
    );
  });

  it('given nothing chosen and a split over 100, when tagging, then each field says what is wrong and no tag is sent', async () => {
    const { element, tags } = renderPicker();

    change(byId(element, 'split-input'), '120');
    byId(element, 'tag-partner').click();
    await flushPromises();

    expect(tags).toEqual([]);
    expect(text(byId(element, 'partner-missing'))).toBe('Choose a partner from the search results.');
    expect(text(byId(element, 'role-error'))).toBe('Choose the partner’s role on this deal.');
    expect(text(byId(element, 'split-error'))).toBe('Enter a split from 0 to 100 %, or leave it empty.');
  });

  it('given a partner, a role and an emptied split, when tagging, then the tag carries no split', async () => {
    searchPartners.mockResolvedValue(JSON.stringify(roster));
    const { element, tags } = renderPicker();

    await search(element, 'Ac');
    change(byId(element, 'partner-select'), ACME.id);
    change(byId(element, 'role-select'), 'sourced');
    change(byId(element, 'split-input'), '');
    byId(element, 'tag-partner').click();

    expect(tags).toEqual([{ partnerId: ACME.id, name: ACME.name, role: 'sourced', splitPct: null }]);
  });

  it('given the card chose its next-best partner, when tagging with a split, then the tag carries that partner', async () => {
    const { element, tags } = renderPicker();

    element.choose({ id: '001Hs00002CeDaRIAQ', name: 'Cedar Systems' });
    await flushPromises();
    change(byId(element, 'role-select'), 'influenced');
    change(byId(element, 'split-input'), '12.5');
    byId(element, 'tag-partner').click();

    expect(tags).toEqual([
      { partnerId: '001Hs00002CeDaRIAQ', name: 'Cedar Systems', role: 'influenced', splitPct: 12.5 },
    ]);
  });
});
