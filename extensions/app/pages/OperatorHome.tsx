import {
  type AddAlertAction,
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  hubspot,
  LoadingSpinner,
  Text,
  Tile,
} from '@hubspot/ui-extensions';
import { useMemo } from 'react';
import { type CardFetcher, createCardClient } from '../cards/card-client.ts';
import { apiBaseFrom } from '../cards/card-config.ts';
import { createSettingsClient } from '../settings/settings-client.ts';
import { ActivationSection } from './components/ActivationSection.tsx';
import { LeaderboardSection } from './components/LeaderboardSection.tsx';
import { LiftSection } from './components/LiftSection.tsx';
import { MatchRulesLever } from './components/MatchRulesLever.tsx';
import { ReconciliationSection } from './components/ReconciliationSection.tsx';
import { RosterSection } from './components/RosterSection.tsx';
import { SectionFrame } from './components/SectionFrame.tsx';
import { TodaySection } from './components/TodaySection.tsx';
import { HomeContext, type HomeContextValue } from './home-context.ts';
import { HOME_LOOPS, type HomeLoop, type HomeSummary } from './operator-api.ts';
import { createOperatorClient } from './operator-client.ts';
import { LOOP_LABELS, stampLine, whenLabel } from './operator-format.ts';
import { DEFAULT_POLL, type PollOptions, useOperatorHome } from './use-operator-home.ts';

export interface OperatorHomeProps {
  /** The page's context: only the profile variables are read (`SERVICE_ORIGIN`, where the service is). */
  context: { variables?: Readonly<Record<string, string | number | bigint | boolean>> | undefined };
  /** Host actions; only `addAlert` is used, to confirm a lever. */
  actions: { addAlert: AddAlertAction };
  /** Defaults to `hubspot.fetch`; tests and the local preview pass their own. */
  fetcher?: CardFetcher;
  /** Origin of the sync service; defaults to the profile's `SERVICE_ORIGIN` variable. */
  apiBase?: string;
  /** Where a CRM record link points (default: the link itself, HubSpot's record page). */
  recordHref?: (url: string) => string;
  /** How "compute now" waits for the queued runs (tests shorten it). */
  poll?: PollOptions;
  now?: () => Date;
}

// Read `hubspot.fetch` at call time, not at import, so it is the one the host (or a test spy) provides then.
const hubspotFetcher: CardFetcher = (url, options) => hubspot.fetch(url, options);
const sameLink = (url: string) => url;
const systemNow = () => new Date();

/**
 * The PartnerLoop operator home (SPEC §2.5): the Operator OS on one page — today's queue, the week's reconciliation,
 * seller activation by region, the win-rate lift with its interval, the roster over time and the partner leaderboard,
 * each with CSV exports, and the levers (move or start a co-sell motion, re-engage or archive a partner).
 */
export function OperatorHome({
  context,
  actions,
  fetcher = hubspotFetcher,
  apiBase = apiBaseFrom(context.variables),
  recordHref = sameLink,
  poll = DEFAULT_POLL,
  now = systemNow,
}: OperatorHomeProps) {
  const client = useMemo(() => createOperatorClient({ fetcher, apiBase }), [fetcher, apiBase]);
  const cardClient = useMemo(() => createCardClient({ fetcher, apiBase }), [fetcher, apiBase]);
  const settings = useMemo(() => createSettingsClient({ fetcher, apiBase }), [fetcher, apiBase]);
  const home = useOperatorHome(client, poll);
  const shared = useMemo<HomeContextValue>(
    () => ({ client, cardClient, settings, addAlert: actions.addAlert, recordHref, now }),
    [client, cardClient, settings, actions.addAlert, recordHref, now],
  );

  if (home.summary.status === 'loading') {
    return (
      <LoadingSpinner label="Loading the operator home…" layout="centered" showLabel={true} testId="home-loading" />
    );
  }
  if (home.summary.status === 'failed') {
    return (
      <ErrorState title="The operator home is unavailable" type="error" testId="home-error">
        <Text>{home.summary.error.userMessage}</Text>
        <Button onClick={() => void home.reload()} testId="home-retry">
          Try again
        </Button>
      </ErrorState>
    );
  }
  const summary = home.summary.value;
  if (summary.status === 'disconnected') return <Disconnected summary={summary} />;

  const nextRun = (loop: HomeLoop) => whenLabel(summary.schedule[loop].nextRunAt, now());
  const missing = HOME_LOOPS.filter((loop) => summary.loops[loop] === null);
  const { sections } = home;
  const computing = home.compute.status === 'starting' || home.compute.status === 'waiting';

  return (
    <HomeContext.Provider value={shared}>
      <Flex direction="column" gap="md" testId="operator-home">
        <Flex direction="row" gap="sm" align="center" justify="between" wrap={true}>
          <Text variant="microcopy" testId="home-loops">
            {HOME_LOOPS.map((loop) => {
              const stamp = summary.loops[loop];
              return `${LOOP_LABELS[loop]}: ${stamp === null ? 'not run yet' : stampLine(stamp)}`;
            }).join(' · ')}
          </Text>
          <Flex direction="row" gap="sm">
            <Button onClick={() => void home.reload()} disabled={computing} testId="home-refresh">
              Refresh
            </Button>
            <Button
              variant={missing.length > 0 ? 'primary' : 'secondary'}
              onClick={() => void home.computeNow()}
              disabled={computing}
              testId="home-compute"
            >
              Compute now
            </Button>
          </Flex>
        </Flex>
        {computing && (
          <Alert title="Computing" variant="info" testId="home-computing">
            The four loops are queued; this page reloads as soon as their results are stored (usually within a minute).
          </Alert>
        )}
        {home.compute.error !== null && (
          <Alert title="The loops could not be started" variant="error" testId="home-compute-error">
            {home.compute.error.userMessage}
          </Alert>
        )}
        {missing.length === HOME_LOOPS.length && (
          <EmptyState title="No results yet" layout="vertical" imageName="emptyStateCharts" testId="home-empty">
            <Text>
              PartnerLoop computes the operator loops on a schedule. The first results arrive with the next runs:
              today's queue {nextRun('daily')}, the weekly reconciliation {nextRun('weekly')}, monthly activation{' '}
              {nextRun('monthly')} and the quarterly lift {nextRun('quarterly')}. Each first run also fills in the
              periods before it, so the trends appear at once. “Compute now” runs all four now.
            </Text>
          </EmptyState>
        )}
        <SectionFrame
          title="Today's queue"
          intro="Co-sell motions waiting for action, aging co-sell deals, attribution exceptions and partners turning dormant."
          testId="section-today"
          load={sections.today}
          onRetry={() => void home.reloadSection('today')}
        >
          {(view) => (
            <TodaySection
              view={view}
              nextRun={nextRun('daily')}
              onChanged={() => void home.reloadSection('today', { quiet: true })}
            />
          )}
        </SectionFrame>
        <SectionFrame
          title="This week's reconciliation"
          intro="Deals where CRM attribution and co-sell motions disagree, from the last complete week."
          testId="section-reconciliation"
          load={sections.reconciliation}
          onRetry={() => void home.reloadSection('reconciliation')}
        >
          {(view) => <ReconciliationSection view={view} nextRun={nextRun('weekly')} />}
        </SectionFrame>
        <SectionFrame
          title="Seller activation by region"
          intro="Sellers with a new-business deal created in the month who attached a partner: last month against the month before."
          testId="section-activation"
          load={sections.activation}
          onRetry={() => void home.reloadSection('activation')}
        >
          {(view) => <ActivationSection view={view} nextRun={nextRun('monthly')} />}
        </SectionFrame>
        <SectionFrame
          title="Partner-attached win-rate lift"
          intro="Per quarter: how much more often deals with a partner win, within deal-size segments, with its 95 % interval."
          testId="section-lift"
          load={sections.lift}
          onRetry={() => void home.reloadSection('lift')}
        >
          {(view) => <LiftSection view={view} nextRun={nextRun('quarterly')} />}
        </SectionFrame>
        <SectionFrame
          title="Producing partners and the dormant roster"
          intro="Per quarter: the share of registered partners on a new-business deal, partners dormant and decaying; who to re-engage or archive."
          testId="section-roster"
          load={sections.roster}
          onRetry={() => void home.reloadSection('roster')}
        >
          {(view) => <RosterSection view={view} nextRun={nextRun('quarterly')} />}
        </SectionFrame>
        <SectionFrame
          title="Partner leaderboard"
          intro="Partners by score, with the win rate corrected for small samples and its lower bound."
          testId="section-leaderboard"
          load={sections.leaderboard}
          onRetry={() => void home.reloadSection('leaderboard')}
        >
          {(view) => <LeaderboardSection view={view} />}
        </SectionFrame>
        <Tile testId="section-match-rules">
          <Flex direction="column" gap="sm">
            <Heading>Partner-match rules</Heading>
            <Text variant="microcopy">
              What drives the next-best partner on open deals: prefer or exclude partners per segment or region, and
              weight amount, region and product. Preview what would change before saving (super admins only).
            </Text>
            <MatchRulesLever />
          </Flex>
        </Tile>
      </Flex>
    </HomeContext.Provider>
  );
}

function Disconnected({ summary }: { summary: Extract<HomeSummary, { status: 'disconnected' }> }) {
  return (
    <ErrorState title="PartnerLoop is disconnected from this portal" type="support" testId="home-disconnected">
      <Heading>Nothing is synced or computed while it is disconnected</Heading>
      <Text>
        {summary.disconnectedAt === null
          ? 'The connection was removed.'
          : `The connection was removed on ${summary.disconnectedAt.slice(0, 10)}.`}
        {summary.reason === null ? '' : ` Reason: ${summary.reason}.`} A super admin can reinstall PartnerLoop from the
        HubSpot Marketplace to resume.
      </Text>
    </ErrorState>
  );
}
