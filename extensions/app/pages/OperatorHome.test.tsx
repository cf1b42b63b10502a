import {
  Alert,
  BarChart,
  Button,
  EmptyState,
  ErrorState,
  Flex,
  LineChart,
  Link,
  LoadingSpinner,
  Select,
  TableRow,
  Tag,
  Text,
  TextArea,
  Tile,
} from '@hubspot/ui-extensions';
import { createRenderer, type RenderedElementNode, type RenderedNode } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CardView } from '../cards/card-api.ts';
import type { CardFetcher } from '../cards/card-client.ts';
import {
  completeView,
  errorResponse,
  jsonResponse,
  missingAttributionView,
  requestedMotion,
} from '../cards/testing/card-fixtures.ts';
import { LIFT_SERIES } from './components/LiftSection.tsx';
import { OperatorHome } from './OperatorHome.tsx';
import { HOME_SECTIONS, type HomeSection } from './operator-api.ts';
import {
  activeSummary,
  decayingRow,
  disconnectedSummary,
  emptySections,
  emptySummary,
  fullSections,
  HOME_NOW,
  queueSecondPage,
} from './testing/home-fixtures.ts';

const API = 'https://partnerloop.example.com';
const GET = { method: 'GET', timeout: 10_000 };

type Answer = Response | Error | Promise<Response>;
type Route = () => Answer;

/**
 * A `hubspot.fetch` stand-in answering by `METHOD path` (the page sends its sections in parallel, so answers cannot
 * be served in call order). A route may be a list: each call takes the next answer, the last one repeats. Every call is
 * recorded for the outbound-request assertions; an unrouted request fails the test.
 */
function routedFetcher(routes: Record<string, Route | Route[]>) {
  const served = new Map<string, number>();
  return vi.fn<CardFetcher>(async (url, options) => {
    const key = `${options?.method ?? 'GET'} ${url.replace(API, '')}`;
    const route = routes[key];
    if (route === undefined) throw new Error(`unexpected request: ${key}`);
    const list = Array.isArray(route) ? route : [route];
    const index = Math.min(served.get(key) ?? 0, list.length - 1);
    served.set(key, (served.get(key) ?? 0) + 1);
    const answer = (list[index] as Route)();
    if (answer instanceof Error) throw answer;
    return answer;
  });
}

const json =
  (body: unknown, status = 200): Route =>
  () =>
    jsonResponse(body, status);

function homeRoutes(
  summary: unknown,
  sections: Partial<Record<HomeSection, unknown>>,
  extra: Record<string, Route | Route[]> = {},
): Record<string, Route | Route[]> {
  return {
    'GET /api/reports/home': json(summary),
    ...Object.fromEntries(
      HOME_SECTIONS.filter((section) => sections[section] !== undefined).map((section) => [
        `GET /api/reports/home/sections/${section}`,
        json(sections[section]),
      ]),
    ),
    ...extra,
  };
}

function renderHome(fetcher: CardFetcher) {
  const renderer = createRenderer('pages');
  renderer.render(
    <OperatorHome
      context={renderer.mocks.context}
      actions={renderer.mocks.actions}
      fetcher={fetcher}
      poll={{ intervalMs: 1, attempts: 5 }}
      now={() => HOME_NOW}
    />,
  );
  return renderer;
}
type Renderer = ReturnType<typeof renderHome>;

async function renderLoaded(routes: Record<string, Route | Route[]>) {
  const fetcher = routedFetcher(routes);
  const renderer = renderHome(fetcher);
  await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'operator-home')).not.toBeNull());
  await renderer.waitFor(() =>
    expect(renderer.findAll(LoadingSpinner).filter((node) => String(node.props.testId).startsWith('section-'))).toEqual(
      [],
    ),
  );
  return { renderer, fetcher };
}

/** All text under a node (the renderer's `.text` holds only a node's direct text children). */
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

const section = (renderer: Renderer, name: HomeSection) => textOf(renderer.findByTestId(Tile, `section-${name}`));

/** `trigger` with an event value (the 0.17 typings declare the value as the handler's own type). */
function fire(node: Pick<RenderedElementNode, 'trigger'>, event: string, value: unknown) {
  (node.trigger as (eventPropName: string, eventArg?: unknown) => void)(event, value);
}

const alertsShown = (renderer: Renderer) => renderer.mocks.actions.addAlert.calls.map(([alert]) => alert);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('OperatorHome: states', () => {
  it('given the summary has not answered, then the page shows its loading state', async () => {
    const fetcher = vi.fn<CardFetcher>(() => new Promise<Response>(() => {}));
    const renderer = renderHome(fetcher);
    expect(renderer.findByTestId(LoadingSpinner, 'home-loading').props.label).toBe('Loading the operator home…');
    await vi.waitFor(() => expect(fetcher).toHaveBeenCalledWith(`${API}/api/reports/home`, GET));
  });

  it('given a fresh install where no loop ran, then the page says when the first results arrive, every section says it is empty, and nothing breaks', async () => {
    const { renderer } = await renderLoaded(homeRoutes(emptySummary, emptySections));
    const empty = renderer.findByTestId(EmptyState, 'home-empty');
    expect(textOf(empty)).toContain("today's queue 2026-12-05 06:00 UTC (in 21 h)");
    expect(textOf(empty)).toContain('the weekly reconciliation 2026-12-07 07:00 UTC (in 3 days)');
    expect(textOf(empty)).toContain('the quarterly lift 2027-01-01 07:00 UTC (in 28 days)');
    expect(renderer.findByTestId(Button, 'home-compute').props.variant).toBe('primary');
    expect(renderer.findByTestId(Text, 'today-empty').text).toContain('No daily queue yet.');
    expect(renderer.findByTestId(Text, 'reconciliation-empty').text).toContain('No weekly reconciliation yet.');
    expect(renderer.findByTestId(Text, 'activation-empty').text).toContain('No monthly seller activation yet.');
    expect(renderer.findByTestId(Text, 'lift-empty').text).toContain('No quarterly lift yet.');
    expect(renderer.findByTestId(Text, 'roster-empty').text).toContain('No quarterly roster figures yet.');
    expect(renderer.findByTestId(Text, 'leaderboard-empty').text).toContain('No partner is scored yet.');
    expect(renderer.maybeFind(BarChart)).toBeNull();
    expect(renderer.maybeFind(LineChart)).toBeNull();
    expect(renderer.findAll(Link)).toEqual([]);
  });

  it('given the service is unreachable, then the page shows a readable error and "Try again" loads it again', async () => {
    const fetcher = routedFetcher({
      'GET /api/reports/home': [() => new TypeError('fetch failed'), json(activeSummary)],
      ...Object.fromEntries(
        HOME_SECTIONS.map((name) => [`GET /api/reports/home/sections/${name}`, json(fullSections[name])]),
      ),
    });
    const renderer = renderHome(fetcher);
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(ErrorState, 'home-error')).not.toBeNull());
    expect(textOf(renderer.findByTestId(ErrorState, 'home-error'))).toContain(
      'PartnerLoop could not be reached. Check your connection and try again.',
    );
    expect(textOf(renderer.getRootNode())).not.toContain('fetch failed');
    renderer.findByTestId(Button, 'home-retry').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Flex, 'operator-home')).not.toBeNull());
  });

  it('given a portal that disconnected PartnerLoop, then the page says so with the reason and shows no section', async () => {
    const notInstalled = () => errorResponse(404, 'not_found', 'portal 123 has disconnected PartnerLoop');
    const fetcher = routedFetcher(
      homeRoutes(
        disconnectedSummary,
        {},
        Object.fromEntries(HOME_SECTIONS.map((name) => [`GET /api/reports/home/sections/${name}`, notInstalled])),
      ),
    );
    const renderer = renderHome(fetcher);
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(ErrorState, 'home-disconnected')).not.toBeNull());
    const text = textOf(renderer.findByTestId(ErrorState, 'home-disconnected'));
    expect(text).toContain('The connection was removed on 2026-11-30. Reason: disconnected by user:9000001.');
    expect(text).toContain('reinstall PartnerLoop');
    await vi.waitFor(() => expect(fetcher).toHaveBeenCalledTimes(1 + HOME_SECTIONS.length));
    expect(renderer.maybeFindByTestId(Tile, 'section-today')).toBeNull();
    expect(textOf(renderer.getRootNode())).not.toContain('portal 123 has disconnected PartnerLoop');
  });

  it('given one section fails, then it shows its own error with the service message while the others show their data, and its retry reloads it alone', async () => {
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'GET /api/reports/home/sections/lift': [
          () => errorResponse(500, 'internal_error', 'something went wrong on our side; it has been logged'),
          json(fullSections.lift),
        ],
      }),
    );
    const error = renderer.findByTestId(ErrorState, 'section-lift-error');
    expect(textOf(error)).toContain('something went wrong on our side; it has been logged');
    expect(section(renderer, 'today')).toContain('Globex – data platform expansion');
    renderer.findByTestId(Button, 'section-lift-retry').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(LineChart, 'lift-chart')).not.toBeNull());
    const liftCalls = fetcher.mock.calls.filter(([url]) => url.endsWith('/sections/lift'));
    expect(liftCalls).toHaveLength(2);
    expect(fetcher.mock.calls.filter(([url]) => url.endsWith('/sections/today'))).toHaveLength(1);
  });
});

describe('OperatorHome: sections with data', () => {
  it("given today's queue, then each row links its record and carries its action, with the counts and CSV links", async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    expect(renderer.findByTestId(Text, 'today-counts').text).toContain('12 motions waiting');
    const queueRow = renderer.findByTestId(TableRow, 'queue-row-m-1');
    expect(textOf(queueRow)).toBe(
      'Globex – data platform expansion Acme Cloud Partners Requested Waiting for the partner to answer 2026-12-02 Overdue Move',
    );
    expect(queueRow.find(Link).props.href).toEqual({
      url: 'https://app.hubspot.com/contacts/123/record/0-3/9001',
      external: true,
    });
    expect(textOf(renderer.findByTestId(TableRow, 'aging-row-9003'))).toContain('Accepted (aging)');
    const exception = renderer.findByTestId(TableRow, 'exception-row-9002');
    expect(textOf(exception)).toContain('Partner missing');
    expect(exception.find(Button, { testId: 'exception-cosell-9002' }).text).toBe('Start co-sell');
    expect(textOf(renderer.findByTestId(TableRow, 'decaying-row-p-birch'))).toContain('Birch Consulting Core 58');
    expect(renderer.findByTestId(Link, 'today-export-queue').props.href).toEqual({
      url: `${API}/exports/token-queue`,
      external: true,
    });
    expect(textOf(renderer.findByTestId(Flex, 'today-export'))).toBe(
      'Export CSV: Motions waiting Aging deals Attribution exceptions Partners turning dormant',
    );
  });

  it("given the week's reconciliation, then the exceptions are listed by kind with totals and exports", async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    expect(renderer.findByTestId(Text, 'reconciliation-totals').text).toContain('2 exceptions');
    expect(textOf(renderer.findByTestId(Text, 'reconciliation-totals'))).toContain(
      'pipeline sourced by partners: 7 deals, 412,000',
    );
    expect(textOf(renderer.findByTestId(TableRow, 'reconciliation-row-9004-cosell_role_without_motion'))).toBe(
      'Vandelay – import platform Co-sell partner, no motion a co-sell partner is tagged but no motion runs',
    );
    expect(renderer.findByTestId(Text, 'reconciliation-stamp').text).toContain('2026-W48 (2026-11-23 to 2026-11-29)');
    expect(renderer.findByTestId(Link, 'reconciliation-export-weekMetrics').text).toBe('All metrics of the week');
  });

  it('given a cloud programme connected, then its mismatches are listed beside the exceptions, cloud-only ones without a CRM link', async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    expect(textOf(renderer.findByTestId(Text, 'cloud-reconciliation-totals'))).toBe(
      'AWS ACE: 4 opportunities, 3 matched to deals, 2 mismatches',
    );
    const cloudOnly = renderer.findByTestId(TableRow, 'cloud-row-O1000042-cloud_only');
    expect(textOf(cloudOnly)).toContain('AWS ACE O1000042 (Umbrella Corp) In the cloud, not the CRM');
    expect(cloudOnly.findAll(Link)).toHaveLength(0);
    const drift = renderer.findByTestId(TableRow, 'cloud-row-O1000007-amount_drift');
    expect(drift.find(Link).text).toBe('Hooli – search migration');
    expect(textOf(drift)).toContain('Amount differs');
    expect(renderer.findByTestId(Link, 'reconciliation-export-cloudMismatches').text).toBe(
      'Cloud programme mismatches',
    );
  });

  it('given two months of activation, then the bar chart compares them per region and the table reads the same numbers', async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    const chart = renderer.findByTestId(BarChart, 'activation-chart');
    expect(chart.props.axes.options?.groupFieldByColor).toBe('month');
    expect(chart.props.data).toEqual([
      { region: 'EMEA', month: '2026-10', activation: 40 },
      { region: 'NA', month: '2026-10', activation: 75 },
      { region: 'all', month: '2026-10', activation: 55.6 },
      { region: 'EMEA', month: '2026-11', activation: 50 },
      { region: 'NA', month: '2026-11', activation: 66.7 },
      { region: 'all', month: '2026-11', activation: 57.9 },
    ]);
    expect(textOf(renderer.findByTestId(TableRow, 'activation-row-EMEA'))).toBe(
      'EMEA 40.0% (4 of 10 sellers) 50.0% (5 of 10 sellers)',
    );
  });

  it('given the lift per quarter, then the chart draws the estimate between its interval bounds, a quarter without an estimate is left out, and the raw difference is beside it, labelled as confounded', async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    const chart = renderer.findByTestId(LineChart, 'lift-chart');
    expect(chart.props.axes.options?.groupFieldByColor).toBe('series');
    expect(chart.props.data).toEqual([
      { quarter: '2026-Q1', series: LIFT_SERIES.estimate, points: 5 },
      { quarter: '2026-Q1', series: LIFT_SERIES.ciLow, points: -1 },
      { quarter: '2026-Q1', series: LIFT_SERIES.ciHigh, points: 11 },
      { quarter: '2026-Q3', series: LIFT_SERIES.estimate, points: 7.2 },
      { quarter: '2026-Q3', series: LIFT_SERIES.ciLow, points: 2.1 },
      { quarter: '2026-Q3', series: LIFT_SERIES.ciHigh, points: 12.3 },
    ]);
    expect(renderer.findByTestId(Text, 'lift-latest').text).toBe(
      '2026-Q3: +7.2 pts, 95 % interval [+2.1, +12.3] pts · raw difference +18.0 pts (confounded by segment: for comparison only)',
    );
    expect(textOf(renderer.findByTestId(TableRow, 'lift-row-2026-Q2'))).toBe('2026-Q2 — — — 121');
    expect(textOf(renderer.findByTestId(TableRow, 'lift-row-2026-Q1'))).toBe(
      '2026-Q1 +5.0 pts [−1.0, +11.0] pts +14.0 pts 120',
    );
    expect(section(renderer, 'lift')).toContain('Raw difference (confounded)');
  });

  it('given the quarterly roster, then producing rate and the dormant roster are drawn over time and the lists carry the lever', async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    expect(renderer.findByTestId(LineChart, 'producing-chart').props.data).toEqual([
      { quarter: '2026-Q1', rate: 33.3 },
      { quarter: '2026-Q2', rate: 36.7 },
      { quarter: '2026-Q3', rate: 40 },
    ]);
    expect(renderer.findByTestId(LineChart, 'dormant-chart').props.data).toContainEqual({
      quarter: '2026-Q3',
      series: 'Dormant',
      partners: 10,
    });
    expect(renderer.findByTestId(Text, 'roster-latest').text).toContain(
      '12 of 30 registered partners produced (40.0%)',
    );
    expect(textOf(renderer.findByTestId(TableRow, 'reengage-row-p-cedar'))).toContain('Tier before: Strategic');
    const archived = renderer.findByTestId(TableRow, 'archive-row-p-dune');
    expect(archived.find(Tag, { testId: 'archive-lever-p-dune-current' }).text).toBe('Archived');
    expect(archived.maybeFind(Button, { testId: 'archive-lever-p-dune-archive' })).toBeNull();
  });

  it('given the leaderboard, then each partner shows tier, score, corrected win rate with its lower bound and the raw rate beside them', async () => {
    const { renderer } = await renderLoaded(homeRoutes(activeSummary, fullSections));
    expect(textOf(renderer.findByTestId(TableRow, 'leaderboard-row-p-acme'))).toBe(
      '1 Acme Cloud Partners Strategic 87 41.2% 31.8% 45.0% (18/40)',
    );
    expect(textOf(renderer.findByTestId(TableRow, 'leaderboard-row-p-acorn'))).toBe(
      '2 Acorn Resellers Self-serve Emerging 51 35.0% 12.0% 100.0% (1/1)',
    );
    expect(renderer.findByTestId(Link, 'leaderboard-export-leaderboard').props.href).toEqual({
      url: `${API}/exports/token-leaderboard`,
      external: true,
    });
  });
});

describe('OperatorHome: levers and their outbound requests', () => {
  const cardView = (view: CardView, dealId: string, name: string): CardView => ({
    ...view,
    deal: { ...view.deal, id: dealId, name },
  });

  it('given an attribution exception, when the operator starts a co-sell with the suggested partner, then the card API gets exactly that motion and the queue reloads', async () => {
    const exceptionDeal = {
      ...cardView(missingAttributionView, '9002', 'Initech – analytics rollout'),
      nextBestPartner: { partnerId: 'p-cedar', name: 'Cedar Systems', fitScore: 72, reason: 'Wins mid-market deals.' },
    };
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'GET /api/card/deals/9002': json(exceptionDeal),
        'POST /api/card/deals/9002/cosell': json(
          { ...exceptionDeal, motions: [{ ...requestedMotion, partnerId: 'p-cedar', partnerName: 'Cedar Systems' }] },
          201,
        ),
      }),
    );
    renderer.findByTestId(Button, 'exception-cosell-9002').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'open-cosell')).not.toBeNull());
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/card/deals/9002`, GET);
    renderer.findByTestId(Button, 'open-cosell').trigger('onClick');
    expect(renderer.findByTestId(Select, 'cosell-partner').props.options).toEqual([
      { label: 'Cedar Systems (suggested)', value: 'p-cedar' },
      { label: 'No partner: programme only', value: '' },
    ]);
    fire(renderer.findByTestId(Select, 'cosell-partner'), 'onChange', 'p-cedar');
    fire(renderer.findByTestId(TextArea, 'cosell-ask'), 'onInput', ' Joint pitch to Initech before Friday. ');
    renderer.findByTestId(Button, 'submit-cosell').trigger('onClick');

    await renderer.waitFor(() =>
      expect(alertsShown(renderer)).toContainEqual({
        type: 'success',
        message:
          "Co-sell motion started on Initech – analytics rollout. It joins today's queue with the next daily run (or “Compute now”).",
      }),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/card/deals/9002/cosell`, {
      method: 'POST',
      timeout: 10_000,
      body: { partnerId: 'p-cedar', ask: 'Joint pitch to Initech before Friday.' },
    });
    await vi.waitFor(() =>
      expect(fetcher.mock.calls.filter(([url]) => url.endsWith('/sections/today')).length).toBe(2),
    );
    // The refresh is quiet: the deal's panel stays open with the motion the service answered.
    expect(renderer.maybeFindByTestId(Tile, 'deal-actions')).not.toBeNull();
    expect(renderer.maybeFindByTestId(Tile, 'motion-m-1')).not.toBeNull();
  });

  it('given a queue row, when the operator moves its motion, then the transition is sent for that motion', async () => {
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'GET /api/card/deals/9001': json({ ...completeView, motions: [requestedMotion] }),
        'POST /api/card/motions/m-1/transition': json({
          ...completeView,
          motions: [{ ...requestedMotion, state: 'accepted', allowedTransitions: ['active', 'withdrawn'] }],
        }),
      }),
    );
    renderer.findByTestId(Button, 'queue-move-m-1').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'motion-m-1-to-accepted')).not.toBeNull());
    renderer.findByTestId(Button, 'motion-m-1-to-accepted').trigger('onClick');
    await renderer.waitFor(() =>
      expect(alertsShown(renderer)).toContainEqual({ type: 'success', message: 'Co-sell motion moved.' }),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/card/motions/m-1/transition`, {
      method: 'POST',
      timeout: 10_000,
      body: { to: 'accepted' },
    });
  });

  it('given a start the service refuses, then the panel shows the service message and nothing is confirmed', async () => {
    const { renderer } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'GET /api/card/deals/9002': json({
          ...cardView(missingAttributionView, '9002', 'Initech – analytics rollout'),
          nextBestPartner: { partnerId: 'p-cedar', name: 'Cedar Systems', fitScore: 72, reason: 'r' },
        }),
        'POST /api/card/deals/9002/cosell': () =>
          errorResponse(409, 'conflict', 'an open co-sell motion with Cedar Systems already exists on this deal'),
      }),
    );
    renderer.findByTestId(Button, 'exception-cosell-9002').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'open-cosell')).not.toBeNull());
    renderer.findByTestId(Button, 'open-cosell').trigger('onClick');
    fire(renderer.findByTestId(Select, 'cosell-partner'), 'onChange', 'p-cedar');
    fire(renderer.findByTestId(TextArea, 'cosell-ask'), 'onInput', 'Joint pitch.');
    renderer.findByTestId(Button, 'submit-cosell').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'deal-actions-action-error')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'deal-actions-action-error'))).toContain(
      'an open co-sell motion with Cedar Systems already exists on this deal',
    );
    expect(alertsShown(renderer)).toEqual([]);
  });

  it('given a decaying partner, when the operator marks it for re-engagement and then clears it, then each PUT carries the action and the row shows it', async () => {
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'PUT /api/reports/home/roster/p-birch': [
          json({ partnerId: 'p-birch', action: 'reengage', written: true }),
          json({ partnerId: 'p-birch', action: null, written: true }),
        ],
      }),
    );
    renderer.findByTestId(Button, `decaying-lever-${decayingRow.partnerId}-reengage`).trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFindByTestId(Tag, 'decaying-lever-p-birch-current')?.text).toBe('Marked to re-engage'),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/reports/home/roster/p-birch`, {
      method: 'PUT',
      timeout: 10_000,
      body: { action: 'reengage' },
    });
    expect(alertsShown(renderer)).toContainEqual({
      type: 'success',
      message: 'Birch Consulting is marked for re-engagement (pl_roster_action = reengage on the company).',
    });
    renderer.findByTestId(Button, 'decaying-lever-p-birch-clear').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Tag, 'decaying-lever-p-birch-current')).toBeNull());
    expect(fetcher).toHaveBeenLastCalledWith(`${API}/api/reports/home/roster/p-birch`, {
      method: 'PUT',
      timeout: 10_000,
      body: { action: null },
    });
  });

  it('given an AWS referral expiring soon, when the operator accepts it, then the POST names it and the row says it is being accepted', async () => {
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'POST /api/programmes/aws/invitations/engi-4k2m9x0q1w7ze/accept': json(
          { invitationId: 'engi-4k2m9x0q1w7ze', status: 'accepting', dealId: null },
          202,
        ),
      }),
    );
    expect(renderer.findByTestId(Text, 'today-counts').text).toContain('1 AWS referral to accept');
    const row = renderer.findByTestId(TableRow, 'invitation-row-engi-4k2m9x0q1w7ze');
    expect(textOf(row)).toContain('Wayne Enterprises – data lake on AWS Wayne Enterprises in 2 days');
    row.find(Button, { testId: 'invitation-accept-engi-4k2m9x0q1w7ze' }).trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFindByTestId(Text, 'invitation-accepted-engi-4k2m9x0q1w7ze')).not.toBeNull(),
    );
    const posts = fetcher.mock.calls.filter(([, options]) => options?.method === 'POST');
    expect(posts.map(([url]) => url)).toEqual([`${API}/api/programmes/aws/invitations/engi-4k2m9x0q1w7ze/accept`]);
  });

  it('given a non-admin operator, when accepting a referral is refused, then the words are shown and the button stays', async () => {
    const { renderer } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'POST /api/programmes/aws/invitations/engi-4k2m9x0q1w7ze/accept': () =>
          errorResponse(403, 'forbidden', 'only a super admin of this portal can accept an AWS referral'),
      }),
    );
    renderer.findByTestId(Button, 'invitation-accept-engi-4k2m9x0q1w7ze').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'invitations-error')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'invitations-error'))).toContain('accept an AWS referral');
    expect(renderer.maybeFindByTestId(Button, 'invitation-accept-engi-4k2m9x0q1w7ze')).not.toBeNull();
  });

  it('given an archive candidate, when the lever fails, then the list shows the readable error and the row keeps its state', async () => {
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'PUT /api/reports/home/roster/p-cedar': () =>
          errorResponse(404, 'not_found', 'company p-cedar is not a partner in this portal'),
      }),
    );
    renderer.findByTestId(Button, 'reengage-lever-p-cedar-archive').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'reengage-lever-error')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'reengage-lever-error'))).toContain(
      'company p-cedar is not a partner in this portal',
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/reports/home/roster/p-cedar`, {
      method: 'PUT',
      timeout: 10_000,
      body: { action: 'archive' },
    });
    expect(renderer.maybeFindByTestId(Tag, 'reengage-lever-p-cedar-current')).toBeNull();
  });

  it('given a fresh install, when the operator clicks "Compute now", then every loop is queued and the page reloads with the results', async () => {
    const { renderer, fetcher } = await renderLoaded({
      ...homeRoutes(emptySummary, emptySections),
      'GET /api/reports/home': [json(emptySummary), json(emptySummary), json(activeSummary)],
      ...Object.fromEntries(
        HOME_SECTIONS.map((name) => [
          `GET /api/reports/home/sections/${name}`,
          [json(emptySections[name]), json(fullSections[name])],
        ]),
      ),
      ...Object.fromEntries(
        ['daily', 'weekly', 'monthly', 'quarterly'].map((loop) => [
          `POST /api/reports/loops/${loop}/run`,
          json({ loop, jobId: `job-${loop}`, reason: 'requested from the operator home' }, 202),
        ]),
      ),
    });
    renderer.findByTestId(Button, 'home-compute').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(LineChart, 'lift-chart')).not.toBeNull());
    for (const loop of ['daily', 'weekly', 'monthly', 'quarterly']) {
      expect(fetcher).toHaveBeenCalledWith(`${API}/api/reports/loops/${loop}/run`, {
        method: 'POST',
        timeout: 10_000,
        body: { reason: 'requested from the operator home' },
      });
    }
    expect(renderer.maybeFindByTestId(EmptyState, 'home-empty')).toBeNull();
  });

  it('given more queue rows than a page, when the operator pages on, then the next page of the same stored period is requested; a failed page says so', async () => {
    const { renderer, fetcher } = await renderLoaded(
      homeRoutes(activeSummary, fullSections, {
        'GET /api/reports/home/lists/queue?period=2026-12-04&offset=10&limit=10': [
          json(queueSecondPage),
          () => errorResponse(404, 'not_found', 'no daily result for 2026-12-04'),
        ],
        'GET /api/reports/home/lists/queue?period=2026-12-04&offset=0&limit=10': json(fullSections.today.queue),
      }),
    );
    expect(textOf(renderer.findByTestId(Flex, 'queue-pager'))).toContain('Rows 1–1 of 12');
    renderer.findByTestId(Button, 'queue-pager-next').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(TableRow, 'queue-row-m-11')).not.toBeNull());
    expect(fetcher).toHaveBeenCalledWith(
      `${API}/api/reports/home/lists/queue?period=2026-12-04&offset=10&limit=10`,
      GET,
    );
    renderer.findByTestId(Button, 'queue-pager-previous').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(TableRow, 'queue-row-m-1')).not.toBeNull());
    renderer.findByTestId(Button, 'queue-pager-next').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'queue-pager-error')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'queue-pager-error'))).toContain('no daily result for 2026-12-04');
  });
});

describe('OperatorHome: the partner-match rules lever', () => {
  const config = {
    activity: { dormantAfterDays: 90 },
    matchRules: { dimensionWeights: { amount: 1, region: 1, product: 1 }, rules: [] },
  };
  const candidate = {
    dimensionWeights: { amount: 1, region: 1, product: 1 },
    rules: [
      { name: 'no Acme in EMEA', scope: { regions: ['EMEA'] }, action: 'exclude', partners: { ids: ['p-acme'] } },
    ],
  };
  const preview = {
    tenantId: 'hubspot:1',
    asOf: '2026-12-04',
    openDeals: 40,
    changed: 1,
    truncated: false,
    changes: [
      {
        dealId: 'd-7',
        dealName: 'Globex EMEA renewal',
        before: { partnerId: 'p-acme', name: 'Acme Partners', fitScore: 71 },
        after: { partnerId: 'p-birch', name: 'Birch Consulting', fitScore: 64 },
        reason: 'Acme Partners is excluded by rule "no Acme in EMEA"',
      },
    ],
  };

  async function openLever(extra: Record<string, Route | Route[]>) {
    const loaded = await renderLoaded(
      homeRoutes(activeSummary, fullSections, { 'GET /api/scoring/config': json(config), ...extra }),
    );
    // Closed until asked for: the home's load does not read the scoring config.
    expect(loaded.fetcher).not.toHaveBeenCalledWith(`${API}/api/scoring/config`, GET);
    loaded.renderer.findByTestId(Button, 'match-rules-open').trigger('onClick');
    await loaded.renderer.waitFor(() =>
      expect(loaded.renderer.maybeFindByTestId(TextArea, 'match-rules-editor')).not.toBeNull(),
    );
    return loaded;
  }

  it('given an admin edits the rules, when previewing then saving, then the POST carries the candidate, the changes are listed, and the PUT carries the config with them', async () => {
    const savedConfig = { ...config, matchRules: { ...candidate, rules: [{ ...candidate.rules[0], boost: 10 }] } };
    const { renderer, fetcher } = await openLever({
      'POST /api/scoring/match-rules/preview': json(preview),
      'PUT /api/scoring/config': json(savedConfig),
    });
    expect(JSON.parse(String(renderer.findByTestId(TextArea, 'match-rules-editor').props.value))).toEqual(
      config.matchRules,
    );
    expect(renderer.findByTestId(Button, 'match-rules-save').props.disabled).toBe(true);

    fire(renderer.findByTestId(TextArea, 'match-rules-editor'), 'onChange', JSON.stringify(candidate));
    renderer.findByTestId(Button, 'match-rules-preview').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(TableRow, 'match-change-d-7')).not.toBeNull());
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/scoring/match-rules/preview`, {
      method: 'POST',
      timeout: 10_000,
      body: candidate,
    });
    expect(textOf(renderer.findByTestId(TableRow, 'match-change-d-7'))).toBe(
      'Globex EMEA renewal Acme Partners Birch Consulting Acme Partners is excluded by rule "no Acme in EMEA"',
    );
    expect(textOf(renderer.findByTestId(Text, 'match-rules-summary'))).toBe(
      '1 of 40 open deals would get a different next-best partner (as of 2026-12-04).',
    );
    expect(fetcher.mock.calls.filter(([, options]) => options?.method === 'PUT')).toEqual([]);

    renderer.findByTestId(Button, 'match-rules-save').trigger('onClick');
    await renderer.waitFor(() =>
      expect(alertsShown(renderer)).toContainEqual(expect.objectContaining({ type: 'success' })),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/scoring/config`, {
      method: 'PUT',
      timeout: 10_000,
      body: { ...config, matchRules: candidate },
    });
    expect(JSON.parse(String(renderer.findByTestId(TextArea, 'match-rules-editor').props.value))).toEqual(
      savedConfig.matchRules,
    );
  });

  it('given rules edited after their preview, then saving waits for a new preview', async () => {
    const { renderer } = await openLever({ 'POST /api/scoring/match-rules/preview': json(preview) });
    fire(renderer.findByTestId(TextArea, 'match-rules-editor'), 'onChange', JSON.stringify(candidate));
    renderer.findByTestId(Button, 'match-rules-preview').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.findByTestId(Button, 'match-rules-save').props.disabled).toBe(false));
    fire(renderer.findByTestId(TextArea, 'match-rules-editor'), 'onChange', JSON.stringify({ rules: [] }));
    await renderer.waitFor(() => expect(renderer.findByTestId(Button, 'match-rules-save').props.disabled).toBe(true));
    expect(textOf(renderer.findByTestId(Text, 'match-rules-summary'))).toContain(
      'The rules changed since this preview.',
    );
  });

  it('given invalid rules, when previewing, then every problem of the 400 is listed and nothing can be saved', async () => {
    const { renderer } = await openLever({
      'POST /api/scoring/match-rules/preview': () =>
        errorResponse(400, 'invalid_input', 'invalid partner-match rules (6 problems): rules.0.partners: …', [
          'rules.0.partners: names no partner; list ids, types or tiers',
          'rules.1.action: Invalid option: expected one of "prefer"|"exclude"',
          'rules.2.boost: Too big',
          'rules.3.scope.regions: must list at least one value',
          'rules.4.partners.tiers.0: Invalid option',
          'dimensionWeights: at least one weight must be positive',
        ]),
    });
    renderer.findByTestId(Button, 'match-rules-preview').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'match-rules-problems')).not.toBeNull());
    const shown = textOf(renderer.findByTestId(Alert, 'match-rules-problems'));
    expect(shown).toContain('rules.0.partners: names no partner; list ids, types or tiers');
    expect(shown).toContain('dimensionWeights: at least one weight must be positive');
    expect(renderer.findByTestId(TextArea, 'match-rules-editor').props.error).toBe(true);
    expect(renderer.findByTestId(Button, 'match-rules-save').props.disabled).toBe(true);
  });

  it('given a plain user, when previewing, then the 403 is said in words', async () => {
    const { renderer } = await openLever({
      'POST /api/scoring/match-rules/preview': () =>
        errorResponse(403, 'admin_required', 'only a HubSpot super admin can preview partner-match rules'),
    });
    renderer.findByTestId(Button, 'match-rules-preview').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'match-rules-forbidden')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'match-rules-forbidden'))).toBe(
      'only a HubSpot super admin can preview partner-match rules.',
    );
  });

  it('given the rules are not JSON, when previewing, then it says so and sends nothing', async () => {
    const { renderer, fetcher } = await openLever({});
    fire(renderer.findByTestId(TextArea, 'match-rules-editor'), 'onChange', '{ rules: [');
    renderer.findByTestId(Button, 'match-rules-preview').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'match-rules-problems')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'match-rules-problems'))).toBe('The rules are not valid JSON.');
    expect(fetcher.mock.calls.filter(([, options]) => options?.method === 'POST')).toEqual([]);
  });
});
