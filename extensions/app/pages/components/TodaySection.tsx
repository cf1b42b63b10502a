import {
  Alert,
  Button,
  Flex,
  Heading,
  Link,
  StatusTag,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { useState } from 'react';
import { isMotionState } from '../../cards/card-api.ts';
import { formatAmount, formatDate, formatTier, MOTION_STATE } from '../../cards/card-format.ts';
import { useHome, useRosterLever } from '../home-context.ts';
import type {
  AgingDealView,
  AttributionExceptionView,
  HomePage,
  QueueRowView,
  RosterPartnerView,
  TodaySectionView,
} from '../operator-api.ts';
import {
  ATTRIBUTION_EXCEPTION_LABELS,
  cosellStatusLabel,
  countOf,
  QUEUE_REASONS,
  stampLine,
} from '../operator-format.ts';
import { usePagedList } from '../use-operator-home.ts';
import { DealActions, type SelectedDeal } from './DealActions.tsx';
import { ExportLinks } from './ExportLinks.tsx';
import { Pager } from './Pager.tsx';
import { RosterLever } from './RosterLever.tsx';
import { NotComputedYet } from './SectionFrame.tsx';

/**
 * Today's queue (the daily loop): co-sell motions waiting for action, aging co-sell deals, attribution exceptions and
 * partners turning dormant. Deal rows open the deal's levers in place (Move a motion, Start co-sell); partner rows
 * carry the roster lever.
 */
export function TodaySection({
  view,
  nextRun,
  onChanged,
}: {
  view: TodaySectionView;
  nextRun: string | null;
  onChanged: () => void;
}) {
  const [selected, setSelected] = useState<SelectedDeal | null>(null);
  if (view.stamp === null || view.counts === null) {
    return <NotComputedYet what="daily queue" nextRun={nextRun} testId="today-empty" />;
  }
  const { counts } = view;
  return (
    <Flex direction="column" gap="md">
      <Text variant="microcopy" testId="today-stamp">
        {stampLine(view.stamp)}
      </Text>
      <Text testId="today-counts">
        {[
          countOf(counts.queue, 'motion waiting', 'motions waiting'),
          countOf(counts.agingDeals, 'aging co-sell deal', 'aging co-sell deals'),
          countOf(counts.attributionExceptions, 'attribution exception', 'attribution exceptions'),
          countOf(counts.decayingPartners, 'partner turning dormant', 'partners turning dormant'),
        ].join(' · ')}
      </Text>
      {selected !== null && (
        <DealActions key={selected.dealId} deal={selected} onClose={() => setSelected(null)} onChanged={onChanged} />
      )}
      {view.queue !== null && <QueueTable initial={view.queue} onSelect={setSelected} />}
      {view.agingDeals !== null && <AgingTable initial={view.agingDeals} onSelect={setSelected} />}
      {view.attributionExceptions !== null && (
        <ExceptionsTable initial={view.attributionExceptions} onSelect={setSelected} />
      )}
      {view.decayingPartners !== null && <DecayingTable initial={view.decayingPartners} />}
      <ExportLinks
        exports={view.exports}
        labels={{
          queue: 'Motions waiting',
          agingDeals: 'Aging deals',
          attributionExceptions: 'Attribution exceptions',
          decayingPartners: 'Partners turning dormant',
        }}
        testId="today-export"
      />
    </Flex>
  );
}

function DealLink({ name, url, testId }: { name: string; url: string; testId?: string }) {
  const { recordHref } = useHome();
  return (
    <Link href={{ url: recordHref(url), external: true }} {...(testId === undefined ? {} : { testId })}>
      {name}
    </Link>
  );
}

function QueueTable({
  initial,
  onSelect,
}: {
  initial: HomePage<QueueRowView>;
  onSelect: (deal: SelectedDeal) => void;
}) {
  const { client } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list('queue', period, offset, limit));
  return (
    <Flex direction="column" gap="xs" testId="queue">
      <Heading>Co-sell motions waiting for action</Heading>
      {list.page.total === 0 ? (
        <Text variant="microcopy" testId="queue-empty">
          No co-sell motion is waiting for action. Start one from an attribution exception below or from a deal card.
        </Text>
      ) : (
        <Table bordered={true} testId="queue-table">
          <TableHead>
            <TableRow>
              <TableHeader>Deal</TableHeader>
              <TableHeader>Partner or programme</TableHeader>
              <TableHeader>State</TableHeader>
              <TableHeader>Why it waits</TableHeader>
              <TableHeader>SLA due</TableHeader>
              <TableHeader>Action</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.page.rows.map((row) => {
              const name = row.dealName ?? `Deal ${row.dealId}`;
              const state = isMotionState(row.state)
                ? MOTION_STATE[row.state]
                : { label: row.state, variant: 'default' as const };
              return (
                <TableRow key={row.motionId} testId={`queue-row-${row.motionId}`}>
                  <TableCell>
                    <DealLink name={name} url={row.url} />
                  </TableCell>
                  <TableCell>{row.partnerName ?? row.programme ?? '—'}</TableCell>
                  <TableCell>
                    <StatusTag variant={state.variant}>{state.label}</StatusTag>
                  </TableCell>
                  <TableCell>{QUEUE_REASONS[row.reason] ?? row.reason}</TableCell>
                  <TableCell>
                    {formatDate(row.slaDueAt)}
                    {row.overdue && (
                      <Tag variant="error" inline={true}>
                        Overdue
                      </Tag>
                    )}
                  </TableCell>
                  <TableCell>
                    <Button
                      size="xs"
                      onClick={() => onSelect({ dealId: row.dealId, dealName: name, url: row.url })}
                      testId={`queue-move-${row.motionId}`}
                    >
                      Move
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Pager list={list} testId="queue-pager" />
    </Flex>
  );
}

function AgingTable({
  initial,
  onSelect,
}: {
  initial: HomePage<AgingDealView>;
  onSelect: (deal: SelectedDeal) => void;
}) {
  const { client } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list('agingDeals', period, offset, limit));
  return (
    <Flex direction="column" gap="xs" testId="aging">
      <Heading>Aging co-sell deals</Heading>
      {list.page.total === 0 ? (
        <Text variant="microcopy" testId="aging-empty">
          No co-sell deal is aging.
        </Text>
      ) : (
        <Table bordered={true} testId="aging-table">
          <TableHead>
            <TableRow>
              <TableHeader>Deal</TableHeader>
              <TableHeader>Co-sell status</TableHeader>
              <TableHeader>Action</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.page.rows.map((row) => {
              const name = row.dealName ?? `Deal ${row.dealId}`;
              return (
                <TableRow key={row.dealId} testId={`aging-row-${row.dealId}`}>
                  <TableCell>
                    <DealLink name={name} url={row.url} />
                  </TableCell>
                  <TableCell>{cosellStatusLabel(row.cosellStatus)}</TableCell>
                  <TableCell>
                    <Button
                      size="xs"
                      onClick={() => onSelect({ dealId: row.dealId, dealName: name, url: row.url })}
                      testId={`aging-move-${row.dealId}`}
                    >
                      Move
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Pager list={list} testId="aging-pager" />
    </Flex>
  );
}

function ExceptionsTable({
  initial,
  onSelect,
}: {
  initial: HomePage<AttributionExceptionView>;
  onSelect: (deal: SelectedDeal) => void;
}) {
  const { client } = useHome();
  const list = usePagedList(initial, (period, offset, limit) =>
    client.list('attributionExceptions', period, offset, limit),
  );
  return (
    <Flex direction="column" gap="xs" testId="exceptions">
      <Heading>Attribution exceptions</Heading>
      {list.page.total === 0 ? (
        <Text variant="microcopy" testId="exceptions-empty">
          Every open partner deal past its stage is fully attributed.
        </Text>
      ) : (
        <Table bordered={true} testId="exceptions-table">
          <TableHead>
            <TableRow>
              <TableHeader>Deal</TableHeader>
              <TableHeader>Stage</TableHeader>
              <TableHeader>Amount</TableHeader>
              <TableHeader>Problem</TableHeader>
              <TableHeader>Action</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.page.rows.map((row) => (
              <TableRow key={row.dealId} testId={`exception-row-${row.dealId}`}>
                <TableCell>
                  <DealLink name={row.dealName} url={row.url} />
                </TableCell>
                <TableCell>{row.stage}</TableCell>
                <TableCell>{formatAmount(row.amount, null)}</TableCell>
                <TableCell>
                  <Text inline={true}>{ATTRIBUTION_EXCEPTION_LABELS[row.status] ?? row.status}</Text>
                  {row.issues.length > 0 && <Text variant="microcopy">{row.issues.join(' ')}</Text>}
                </TableCell>
                <TableCell>
                  <Button
                    size="xs"
                    variant="primary"
                    onClick={() => onSelect({ dealId: row.dealId, dealName: row.dealName, url: row.url })}
                    testId={`exception-cosell-${row.dealId}`}
                  >
                    Start co-sell
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pager list={list} testId="exceptions-pager" />
    </Flex>
  );
}

function DecayingTable({ initial }: { initial: HomePage<RosterPartnerView> }) {
  const { client, recordHref } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list('decayingPartners', period, offset, limit));
  const lever = useRosterLever();
  return (
    <Flex direction="column" gap="xs" testId="decaying">
      <Heading>Partners turning dormant</Heading>
      {lever.error !== null && (
        <Alert title="The roster action was not saved" variant="error" testId="decaying-lever-error">
          {lever.error.userMessage}
        </Alert>
      )}
      {list.page.total === 0 ? (
        <Text variant="microcopy" testId="decaying-empty">
          No partner's activity is decaying.
        </Text>
      ) : (
        <Table bordered={true} testId="decaying-table">
          <TableHead>
            <TableRow>
              <TableHeader>Partner</TableHeader>
              <TableHeader>Tier</TableHeader>
              <TableHeader>Score</TableHeader>
              <TableHeader>Roster action</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.page.rows.map((row) => (
              <TableRow key={row.partnerId} testId={`decaying-row-${row.partnerId}`}>
                <TableCell>
                  <Link href={{ url: recordHref(row.url), external: true }}>{row.name}</Link>
                </TableCell>
                <TableCell>{formatTier(row.tier ?? null)}</TableCell>
                <TableCell>{row.score === undefined ? '—' : String(Math.round(row.score))}</TableCell>
                <TableCell>
                  <RosterLever
                    partnerId={row.partnerId}
                    current={lever.actionOf(row)}
                    busy={lever.busy}
                    onSet={(partnerId, action) => void lever.set(partnerId, row.name, action)}
                    testId={`decaying-lever-${row.partnerId}`}
                  />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pager list={list} testId="decaying-pager" />
    </Flex>
  );
}
