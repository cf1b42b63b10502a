import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Flex,
  hubspot,
  Input,
  Link,
  LoadingSpinner,
  NumberInput,
  SearchInput,
  Select,
  StatusTag,
  TableRow,
  Tag,
  TextArea,
  Tile,
} from '@hubspot/ui-extensions';
import { createRenderer, type RenderedElementNode, type RenderedNode } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CardView } from './card-api.ts';
import type { CardFetcher } from './card-client.ts';
import { PartnerCard } from './PartnerCard.tsx';
import {
  agingMotionView,
  closedFrozenView,
  completeView,
  coSellStartedView,
  errorResponse,
  FIXTURE_DEAL_ID,
  fixedAttributionView,
  jsonResponse,
  missingAttributionView,
  notDuplicateView,
  notPartnerInvolvedView,
  registrationConflictView,
  rosterPartners,
  suspectedDuplicateView,
  taggedFromPickerView,
} from './testing/card-fixtures.ts';

const API = 'https://partnerloop.example.com';
const DEAL_URL = `${API}/api/card/deals/${FIXTURE_DEAL_ID}`;
const GET = { method: 'GET', timeout: 10_000 };
const post = (body: object) => ({ method: 'POST', timeout: 10_000, body });

type Answer = Response | Error;

/**
 * The testing renderer mocks context, actions, runServerlessFunction and the CRM hooks, but not `hubspot.fetch`
 * (in tests it would call a missing `self.hsFetch`). The card takes the fetcher as a prop, so each test scripts one:
 * answers are served in order, and every call is recorded for the outbound-request assertions.
 */
function scriptedFetcher(...answers: Answer[]) {
  const queue = [...answers];
  return vi.fn<CardFetcher>(async (url) => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`unexpected request: ${url}`);
    if (next instanceof Error) throw next;
    return next;
  });
}

function renderCard(fetcher: CardFetcher, props: { apiBase?: string } = {}, variables?: Record<string, string>) {
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.context.crm.objectId = Number(FIXTURE_DEAL_ID);
  renderer.mocks.context.crm.objectTypeId = '0-3';
  if (variables !== undefined) renderer.mocks.context.variables = variables;
  renderer.render(
    <PartnerCard context={renderer.mocks.context} actions={renderer.mocks.actions} fetcher={fetcher} {...props} />,
  );
  return renderer;
}

type Renderer = ReturnType<typeof renderCard>;

async function renderLoaded(view: CardView, ...later: Answer[]) {
  const fetcher = scriptedFetcher(jsonResponse(view), ...later);
  const renderer = renderCard(fetcher);
  await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'partner-card')).not.toBeNull());
  return { renderer, fetcher };
}

/** All text under a node. The renderer's own `.text` holds only a node's direct text children. */
function textOf(node: RenderedNode): string {
  const parts: string[] = [];
  const walk = (current: RenderedNode) => {
    if (current.nodeType === 'text') {
      parts.push(current.text);
      return;
    }
    if ('childNodes' in current) for (const child of current.childNodes) walk(child);
  };
  walk(node);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

const cardText = (renderer: Renderer) => textOf(renderer.getRootNode());

/**
 * `trigger` with an event value. The 0.17 typings declare the value as the handler's own type (a function), while
 * the runtime passes it to the handler as its argument; this helper keeps that cast in one place.
 */
function fire(node: Pick<RenderedElementNode, 'trigger'>, event: string, value: unknown) {
  (node.trigger as (eventPropName: string, eventArg?: unknown) => void)(event, value);
}

const row = (renderer: Renderer, partnerId: string, role: string) =>
  renderer.findByTestId(TableRow, `partner-row-${partnerId}-${role}`);

const alertsShown = (renderer: Renderer) => renderer.mocks.actions.addAlert.calls.map(([alert]) => alert);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PartnerCard', () => {
  it('given a fully attributed deal, when the card loads, then it shows each partner with role, split, tier and score', async () => {
    let answer: (response: Response) => void = () => {};
    const fetcher = vi.fn<CardFetcher>(() => new Promise<Response>((resolve) => (answer = resolve)));
    const renderer = renderCard(fetcher);

    expect(renderer.findByTestId(LoadingSpinner, 'card-loading').props.label).toBe('Loading partner data…');
    // The load runs in a passive effect, after render() returns; renderer.waitFor only re-checks on UI updates.
    await vi.waitFor(() => expect(fetcher).toHaveBeenCalledExactlyOnceWith(DEAL_URL, GET));

    answer(jsonResponse(completeView));
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'partner-card')).not.toBeNull());

    expect(renderer.findByTestId(StatusTag, 'attribution-status').text).toBe('Attribution complete');
    expect(textOf(row(renderer, 'p-acme', 'sourced'))).toBe('Acme Cloud Partners Sourced 100% Strategic 87 Untag');
    expect(textOf(row(renderer, 'p-birch', 'influenced'))).toBe('Birch Consulting Influenced — Core 64 Untag');
    expect(renderer.maybeFind(Alert, { variant: 'warning' })).toBeNull();
    expect(textOf(renderer.findByTestId(Flex, 'next-best-partner'))).toContain(
      'Cedar Systems (fit 72): Wins most mid-market EMEA data-platform deals.',
    );
    expect(renderer.findByTestId(Button, 'open-cosell').text).toBe('Start co-sell');
    expect(cardText(renderer)).toContain('No co-sell motion on this deal yet.');
  });

  it('given a deal with no partner signal, when the card loads, then it shows the not-partner-involved empty state and the picker', async () => {
    const { renderer } = await renderLoaded(notPartnerInvolvedView);

    expect(renderer.findByTestId(StatusTag, 'attribution-status').text).toBe('Not partner-involved');
    expect(renderer.findByTestId(EmptyState, 'empty-not-involved').props.title).toBe('Not partner-involved');
    expect(renderer.maybeFindByTestId(Flex, 'partner-picker')).not.toBeNull();
  });

  it('given a deal missing its sourced partner, when the seller clicks the suggested fix, then the suggested partner and role are tagged', async () => {
    const { renderer, fetcher } = await renderLoaded(missingAttributionView, jsonResponse(fixedAttributionView));

    expect(renderer.findByTestId(StatusTag, 'attribution-status').text).toBe('Partner missing');
    expect(textOf(renderer.findByTestId(Flex, 'partner-card'))).toContain(
      'A sourced partner is required from stage “Qualified to buy” on partner-involved deals.',
    );
    expect(renderer.findByTestId(EmptyState, 'empty-partners').props.title).toBe('No partners tagged');
    const fix = renderer.findByTestId(Button, 'apply-fix');
    expect(fix.text).toBe('Tag Acme Cloud Partners as Sourced');
    expect(textOf(renderer.findByTestId(Alert, 'attribution-fix'))).toContain(
      'Acme Cloud Partners holds the approved registration for this deal.',
    );

    fix.trigger('onClick');

    await renderer.waitFor(() =>
      expect(renderer.findByTestId(StatusTag, 'attribution-status').text).toBe('Attribution complete'),
    );
    expect(fetcher).toHaveBeenCalledTimes(2);
    expect(fetcher).toHaveBeenLastCalledWith(`${DEAL_URL}/partners`, post({ partnerId: 'p-acme', role: 'sourced' }));
    expect(renderer.maybeFindByTestId(Button, 'apply-fix')).toBeNull();
    expect(renderer.maybeFindByTestId(TableRow, 'partner-row-p-acme-sourced')).not.toBeNull();
    expect(alertsShown(renderer)).toEqual([{ type: 'success', message: 'Acme Cloud Partners tagged as Sourced.' }]);
  });

  it('given a suspected duplicate, when the seller says it is not a duplicate, then the pair is sent and the warning goes away', async () => {
    const { renderer, fetcher } = await renderLoaded(suspectedDuplicateView, jsonResponse(notDuplicateView));

    const warning = renderer.findByTestId(Alert, 'duplicate-7777');
    expect(warning.props).toMatchObject({ title: 'Possible duplicate', variant: 'warning' });
    expect(textOf(warning)).toContain('This deal looks like Globex data platform (93% confidence).');
    expect(textOf(warning)).toContain('Same account (globex.com) and amount within 2%');
    expect(textOf(warning)).toContain('Created 3 days apart by different owners');
    expect(renderer.findByTestId(Link, 'duplicate-link-7777').props.href).toEqual({
      url: 'https://app.hubspot.com/contacts/123/record/0-3/7777',
      external: true,
    });

    renderer.findByTestId(Button, 'not-duplicate-7777').trigger('onClick');

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'duplicate-7777')).toBeNull());
    expect(fetcher).toHaveBeenCalledTimes(2);
    expect(fetcher).toHaveBeenLastCalledWith(`${DEAL_URL}/not-duplicate`, post({ otherDealId: '7777' }));
  });

  it('given a registration conflict without a record link, when the card loads, then it names the other deal and offers "Not a duplicate"', async () => {
    const { renderer } = await renderLoaded(registrationConflictView);

    const warning = renderer.findByTestId(Alert, 'duplicate-8123');
    expect(warning.props).toMatchObject({ title: 'Registration conflict', variant: 'danger' });
    expect(textOf(warning)).toContain('Another registration covers the same buying event: Deal 8123 (81% confidence).');
    expect(renderer.maybeFindByTestId(Link, 'duplicate-link-8123')).toBeNull();
    expect(renderer.findByTestId(Button, 'not-duplicate-8123').text).toBe('Not a duplicate');
    expect(renderer.findByTestId(StatusTag, 'attribution-status').text).toBe('Conflicting partners');
  });

  it('given the partner picker, when the seller searches, picks a partner, a role and a split, then the roster is searched and the tag is sent', async () => {
    const { renderer, fetcher } = await renderLoaded(
      notPartnerInvolvedView,
      jsonResponse({ partners: rosterPartners }),
      jsonResponse(taggedFromPickerView),
    );

    fire(renderer.findByTestId(SearchInput, 'partner-search'), 'onInput', 'ac orn');
    renderer.findByTestId(Button, 'partner-search-button').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Select, 'partner-select')).not.toBeNull());
    expect(fetcher).toHaveBeenNthCalledWith(2, `${API}/api/card/partners?q=ac%20orn`, GET);
    expect(renderer.findByTestId(Select, 'partner-select').props.options).toEqual([
      { label: 'Acme Cloud Partners · Strategic · score 87', value: 'p-acme' },
      { label: 'Acorn Resellers · Long tail · score 31 · self-serve', value: 'p-acorn' },
    ]);

    fire(renderer.findByTestId(Select, 'partner-select'), 'onChange', 'p-acorn');
    fire(renderer.findByTestId(Select, 'role-select'), 'onChange', 'reseller');
    fire(renderer.findByTestId(NumberInput, 'split-input'), 'onChange', 40);
    renderer.findByTestId(Button, 'tag-partner').trigger('onClick');

    await renderer.waitFor(() =>
      expect(renderer.maybeFindByTestId(TableRow, 'partner-row-p-acorn-reseller')).not.toBeNull(),
    );
    expect(fetcher).toHaveBeenCalledTimes(3);
    expect(fetcher).toHaveBeenLastCalledWith(
      `${DEAL_URL}/partners`,
      post({ partnerId: 'p-acorn', role: 'reseller', splitPct: 40 }),
    );
    expect(textOf(row(renderer, 'p-acorn', 'reseller'))).toBe('Acorn Resellers Reseller 40% Long tail 31 Untag');
    // The picker starts over for the next partner (after the card re-rendered from the answer).
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Select, 'partner-select')).toBeNull());
    expect(renderer.findByTestId(Select, 'role-select').props.value).toBeUndefined();
    expect(alertsShown(renderer)).toEqual([{ type: 'success', message: 'Acorn Resellers tagged as Reseller.' }]);
  });

  it.each([150, -5, 100.5])(
    'given a split of %s, when the seller tags, then the card rejects it and sends nothing',
    async (split) => {
      const { renderer, fetcher } = await renderLoaded(
        notPartnerInvolvedView,
        jsonResponse({ partners: rosterPartners }),
      );
      fire(renderer.findByTestId(SearchInput, 'partner-search'), 'onInput', 'acme');
      renderer.findByTestId(Button, 'partner-search-button').trigger('onClick');
      await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Select, 'partner-select')).not.toBeNull());

      fire(renderer.findByTestId(Select, 'partner-select'), 'onChange', 'p-acme');
      fire(renderer.findByTestId(Select, 'role-select'), 'onChange', 'sourced');
      fire(renderer.findByTestId(NumberInput, 'split-input'), 'onChange', split);
      renderer.findByTestId(Button, 'tag-partner').trigger('onClick');

      const input = renderer.findByTestId(NumberInput, 'split-input');
      expect(input.props.error).toBe(true);
      expect(input.props.validationMessage).toBe('Enter a split from 0 to 100 %, or leave it empty.');
      // A valid tag would call the fetcher synchronously inside the click, so the count is final here.
      expect(fetcher).toHaveBeenCalledTimes(2);
      expect(fetcher.mock.calls.map(([url]) => url)).toEqual([DEAL_URL, `${API}/api/card/partners?q=acme`]);
    },
  );

  it('given no partner or role picked, when the seller tags, then both are asked for and nothing is sent', async () => {
    const { renderer, fetcher } = await renderLoaded(notPartnerInvolvedView);

    renderer.findByTestId(Button, 'tag-partner').trigger('onClick');

    expect(textOf(renderer.findByTestId(Flex, 'partner-picker'))).toContain(
      'Choose a partner from the search results.',
    );
    expect(renderer.findByTestId(Select, 'role-select').props.validationMessage).toBe(
      'Choose the partner’s role on this deal.',
    );
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('given a next-best partner, when the seller chooses it and a role, then that partner is tagged without a split', async () => {
    const { renderer, fetcher } = await renderLoaded(notPartnerInvolvedView, jsonResponse(completeView));

    renderer.findByTestId(Button, 'choose-next-best').trigger('onClick');
    const select = renderer.findByTestId(Select, 'partner-select');
    expect(select.props.value).toBe('p-cedar');
    expect(select.props.options).toEqual([{ label: 'Cedar Systems', value: 'p-cedar' }]);

    fire(renderer.findByTestId(Select, 'role-select'), 'onChange', 'influenced');
    renderer.findByTestId(Button, 'tag-partner').trigger('onClick');

    await renderer.waitFor(() => expect(fetcher).toHaveBeenCalledTimes(2));
    expect(fetcher).toHaveBeenLastCalledWith(
      `${DEAL_URL}/partners`,
      post({ partnerId: 'p-cedar', role: 'influenced' }),
    );
  });

  it('given an attached partner, when the seller untags it, then that partner and role are deleted', async () => {
    const { renderer, fetcher } = await renderLoaded(completeView, jsonResponse(fixedAttributionView));

    renderer.findByTestId(Button, 'untag-p-birch-influenced').trigger('onClick');

    await renderer.waitFor(() =>
      expect(renderer.maybeFindByTestId(TableRow, 'partner-row-p-birch-influenced')).toBeNull(),
    );
    expect(fetcher).toHaveBeenLastCalledWith(`${DEAL_URL}/partners/p-birch/influenced`, {
      method: 'DELETE',
      timeout: 10_000,
    });
  });

  it('given an open deal, when the seller starts a co-sell with an attached partner, then the motion is sent and appears', async () => {
    const { renderer, fetcher } = await renderLoaded(completeView, jsonResponse(coSellStartedView));

    renderer.findByTestId(Button, 'open-cosell').trigger('onClick');
    expect(renderer.findByTestId(Select, 'cosell-partner').props.options).toEqual([
      { label: 'Acme Cloud Partners', value: 'p-acme' },
      { label: 'Birch Consulting', value: 'p-birch' },
      { label: 'Cedar Systems (suggested)', value: 'p-cedar' },
      { label: 'No partner: programme only', value: '' },
    ]);
    fire(renderer.findByTestId(Select, 'cosell-partner'), 'onChange', 'p-acme');
    fire(
      renderer.findByTestId(TextArea, 'cosell-ask'),
      'onInput',
      '  Joint discovery call with the Globex data team before 15 March.  ',
    );
    fire(renderer.findByTestId(NumberInput, 'cosell-sla'), 'onChange', 7);
    renderer.findByTestId(Button, 'submit-cosell').trigger('onClick');

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Tile, 'motion-m-1')).not.toBeNull());
    expect(fetcher).toHaveBeenCalledTimes(2);
    expect(fetcher).toHaveBeenLastCalledWith(
      `${DEAL_URL}/cosell`,
      post({ partnerId: 'p-acme', ask: 'Joint discovery call with the Globex data team before 15 March.', slaDays: 7 }),
    );
    expect(renderer.findByTestId(StatusTag, 'motion-state-m-1').text).toBe('Requested');
    expect(textOf(renderer.findByTestId(Tile, 'motion-m-1'))).toContain('SLA due 2026-03-10');
    expect(textOf(renderer.findByTestId(Flex, 'partner-card'))).toContain(
      '2026-03-03 09:30 UTC: Draft → Requested by Dana Seller',
    );
    expect(
      ['accepted', 'rejected', 'withdrawn'].map((to) => renderer.findByTestId(Button, `motion-m-1-to-${to}`).text),
    ).toEqual(['Accept', 'Reject', 'Withdraw']);
    // The form closes once the service accepted the motion.
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'cosell-form')).toBeNull());
  });

  it('given a partner and a programme both filled in, when the seller sends the co-sell, then the card asks for one and sends nothing', async () => {
    const { renderer, fetcher } = await renderLoaded(completeView);

    renderer.findByTestId(Button, 'open-cosell').trigger('onClick');
    fire(renderer.findByTestId(Select, 'cosell-partner'), 'onChange', 'p-acme');
    fire(renderer.findByTestId(Input, 'cosell-programme'), 'onInput', 'AWS ACE');
    fire(renderer.findByTestId(TextArea, 'cosell-ask'), 'onInput', 'Register the deal with AWS and Acme.');
    renderer.findByTestId(Button, 'submit-cosell').trigger('onClick');

    const programme = renderer.findByTestId(Input, 'cosell-programme');
    expect(programme.props.error).toBe(true);
    expect(programme.props.validationMessage).toBe(
      'A co-sell motion goes to a partner or to a programme, not both. Clear the programme, or choose “No partner: programme only”.',
    );
    expect(fetcher).toHaveBeenCalledTimes(1);

    // Choosing "programme only" clears the message; the request then names the programme alone.
    fire(renderer.findByTestId(Select, 'cosell-partner'), 'onChange', '');
    expect(renderer.findByTestId(Input, 'cosell-programme').props.validationMessage).toBeUndefined();
  });

  it('given a programme and no partner, when the seller sends the co-sell, then only the programme is sent', async () => {
    const { renderer, fetcher } = await renderLoaded(completeView, jsonResponse(coSellStartedView));

    renderer.findByTestId(Button, 'open-cosell').trigger('onClick');
    fire(renderer.findByTestId(Select, 'cosell-partner'), 'onChange', '');
    fire(renderer.findByTestId(Input, 'cosell-programme'), 'onInput', '  AWS ACE  ');
    fire(renderer.findByTestId(TextArea, 'cosell-ask'), 'onInput', 'Register the opportunity with AWS.');
    renderer.findByTestId(Button, 'submit-cosell').trigger('onClick');

    await renderer.waitFor(() => expect(fetcher).toHaveBeenCalledTimes(2));
    expect(fetcher).toHaveBeenLastCalledWith(
      `${DEAL_URL}/cosell`,
      post({ programme: 'AWS ACE', ask: 'Register the opportunity with AWS.' }),
    );
  });

  it('given a co-sell without an ask or a target, when the seller sends it, then the card asks for both and sends nothing', async () => {
    const { renderer, fetcher } = await renderLoaded(completeView);

    renderer.findByTestId(Button, 'open-cosell').trigger('onClick');
    fire(renderer.findByTestId(NumberInput, 'cosell-sla'), 'onChange', 2.5);
    renderer.findByTestId(Button, 'submit-cosell').trigger('onClick');

    expect(renderer.findByTestId(TextArea, 'cosell-ask').props.validationMessage).toBe(
      'Describe what you are asking the partner for.',
    );
    expect(renderer.findByTestId(Select, 'cosell-partner').props.validationMessage).toBe(
      'Choose a partner or name a programme.',
    );
    expect(renderer.findByTestId(NumberInput, 'cosell-sla').props.validationMessage).toBe(
      'The SLA is a whole number of days from 1 to 90.',
    );
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('given an aging active motion, when the card loads, then the aging flag, the history and the allowed moves are shown', async () => {
    const { renderer } = await renderLoaded(agingMotionView);

    expect(renderer.findByTestId(StatusTag, 'motion-state-m-1').text).toBe('Active');
    expect(renderer.findByTestId(Tag, 'motion-aging-m-1').props.variant).toBe('warning');
    const motion = textOf(renderer.findByTestId(Tile, 'motion-m-1'));
    expect(motion).toContain('SLA due 2026-03-10: waiting longer than the SLA allows.');
    expect(motion).toContain('2026-03-03 09:30 UTC: created as Draft by Dana Seller');
    expect(motion).toContain('2026-03-12 11:05 UTC: Accepted → Active by Dana Seller: “Kick-off booked”');
    expect(renderer.findByTestId(Button, 'motion-m-1-to-lost').props.variant).toBe('destructive');
  });

  it('given a motion, when the service refuses the transition with 409, then its message is shown and the motion is unchanged', async () => {
    const { renderer, fetcher } = await renderLoaded(
      coSellStartedView,
      errorResponse(409, 'illegal_transition', 'A requested motion cannot be marked won; it must be accepted first.'),
    );

    fire(renderer.findByTestId(Input, 'motion-note-m-1'), 'onInput', 'Partner said yes on the call');
    renderer.findByTestId(Button, 'motion-m-1-to-accepted').trigger('onClick');

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());
    expect(fetcher).toHaveBeenLastCalledWith(
      `${API}/api/card/motions/m-1/transition`,
      post({ to: 'accepted', note: 'Partner said yes on the call' }),
    );
    const error = renderer.findByTestId(Alert, 'action-error');
    expect(error.props).toMatchObject({ title: 'That change was not saved', variant: 'error' });
    expect(textOf(error)).toBe('A requested motion cannot be marked won; it must be accepted first.');
    expect(renderer.findByTestId(StatusTag, 'motion-state-m-1').text).toBe('Requested');
    expect(alertsShown(renderer)).toEqual([]);
  });

  it('given invalid input, when the service answers 400 with details, then the message and each detail are listed', async () => {
    const { renderer } = await renderLoaded(
      completeView,
      errorResponse(400, 'invalid_input', 'The partner could not be tagged.', [
        { path: ['splitPct'], message: 'Sourced splits on this deal would add up to 140%.' },
        'Trace:\n    at handler (/srv/app.js:1:1)',
      ]),
    );

    renderer.findByTestId(Button, 'untag-p-acme-sourced').trigger('onClick');

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());
    const text = textOf(renderer.findByTestId(Alert, 'action-error'));
    expect(text).toBe('The partner could not be tagged. Sourced splits on this deal would add up to 140%. Trace:');
    expect(text).not.toContain('/srv/app.js');
  });

  it('given the service is unreachable, when the card loads, then a readable error with retry is shown, and retry loads the card', async () => {
    const fetcher = scriptedFetcher(new TypeError('fetch failed: ECONNRESET'), jsonResponse(completeView));
    const renderer = renderCard(fetcher);

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(ErrorState, 'card-error')).not.toBeNull());
    const error = renderer.findByTestId(ErrorState, 'card-error');
    expect(error.props.title).toBe('Partner data is unavailable');
    expect(textOf(error)).toBe('PartnerLoop could not be reached. Check your connection and try again. Try again');
    expect(textOf(error)).not.toContain('ECONNRESET');

    renderer.findByTestId(Button, 'retry').trigger('onClick');

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'partner-card')).not.toBeNull());
    expect(fetcher.mock.calls).toEqual([
      [DEAL_URL, GET],
      [DEAL_URL, GET],
    ]);
  });

  it('given a gateway error without the envelope, when the card loads, then the generic unreachable message is shown', async () => {
    const fetcher = scriptedFetcher(new Response('<html>502 Bad Gateway</html>', { status: 502 }));
    const renderer = renderCard(fetcher);

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(ErrorState, 'card-error')).not.toBeNull());
    expect(textOf(renderer.findByTestId(ErrorState, 'card-error'))).toContain('PartnerLoop could not be reached.');
  });

  it('given a closed deal, when the card loads, then attribution is frozen: no untag, no picker, no co-sell', async () => {
    const { renderer } = await renderLoaded(closedFrozenView);

    expect(renderer.findByTestId(Alert, 'attribution-frozen').props.title).toBe('Attribution is frozen');
    expect(renderer.findByTestId(Button, 'untag-p-acme-sourced').props.disabled).toBe(true);
    expect(renderer.maybeFindByTestId(Flex, 'partner-picker')).toBeNull();
    expect(renderer.maybeFindByTestId(Button, 'open-cosell')).toBeNull();
  });

  it('given a mutation in flight, when the seller clicks again, then only one request is sent', async () => {
    let answer: (response: Response) => void = () => {};
    const fetcher = vi.fn<CardFetcher>();
    fetcher.mockResolvedValueOnce(jsonResponse(missingAttributionView));
    fetcher.mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)));
    const renderer = renderCard(fetcher);
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'apply-fix')).not.toBeNull());

    renderer.findByTestId(Button, 'apply-fix').trigger('onClick');
    renderer.findByTestId(Button, 'apply-fix').trigger('onClick');
    expect(renderer.findByTestId(Button, 'apply-fix').props.disabled).toBe(true);
    answer(jsonResponse(fixedAttributionView));

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'apply-fix')).toBeNull());
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it.each([
    {
      case: 'the profile variable SERVICE_ORIGIN',
      variables: { SERVICE_ORIGIN: 'https://partnerloop-dev.example.com/' },
      props: {},
      origin: 'https://partnerloop-dev.example.com',
    },
    {
      case: 'an unresolved profile placeholder',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder a profile-less build leaves behind
      variables: { SERVICE_ORIGIN: '${SERVICE_ORIGIN}' },
      props: {},
      origin: API,
    },
    { case: 'no profile variables', variables: {}, props: {}, origin: API },
    {
      case: 'an apiBase prop and the variable',
      variables: { SERVICE_ORIGIN: 'https://partnerloop-dev.example.com' },
      props: { apiBase: 'http://127.0.0.1:3000/preview' },
      origin: 'http://127.0.0.1:3000/preview',
    },
  ])('given $case, when the card loads, then it asks $origin', async ({ variables, props, origin }) => {
    const fetcher = scriptedFetcher(jsonResponse(completeView));
    const renderer = renderCard(fetcher, props, variables);

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'partner-card')).not.toBeNull());
    expect(fetcher).toHaveBeenCalledExactlyOnceWith(`${origin}/api/card/deals/${FIXTURE_DEAL_ID}`, GET);
  });

  it('given no fetcher prop, when the card loads, then the request goes through hubspot.fetch to the configured service', async () => {
    const hubspotFetch = vi.spyOn(hubspot, 'fetch').mockResolvedValue(jsonResponse(completeView));
    const renderer = createRenderer('crm.record.tab');
    renderer.mocks.context.crm.objectId = Number(FIXTURE_DEAL_ID);
    renderer.render(
      <PartnerCard context={renderer.mocks.context} actions={renderer.mocks.actions} apiBase="https://pl.test/" />,
    );

    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'partner-card')).not.toBeNull());
    expect(hubspotFetch).toHaveBeenCalledExactlyOnceWith(`https://pl.test/api/card/deals/${FIXTURE_DEAL_ID}`, GET);
  });
});
