import { Alert, Button, Flex, Link, StatusTag, TableCell, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import { useState } from 'react';
import { isMotionState } from '../../cards/card-api.ts';
import type { CardRequestError } from '../../cards/card-client.ts';
import { formatAmount, formatDate, formatTier, MOTION_STATE } from '../../cards/card-format.ts';
import { useHome, useRosterLever } from '../home-context.ts';
import type {
  AgingDealView,
  AttributionExceptionView,
  HomePage,
  InvitationRowView,
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
import { asRequestError, usePagedList } from '../use-operator-home.ts';
import { DealActions, type SelectedDeal } from './DealActions.tsx';
import { ExportLinks } from './ExportLinks.tsx';
import { ListTable } from './ListTable.tsx';
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
          ...(counts.invitations === undefined
            ? []
            : [countOf(counts.invitations, 'AWS referral to accept', 'AWS referrals to accept')]),
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
      {view.invitations !== null && <InvitationsTable initial={view.invitations} onChanged={onChanged} />}
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
    <ListTable
      testId="queue"
      title="Co-sell motions waiting for action"
      list={list}
      empty="No co-sell motion is waiting for action. Start one from an attribution exception below or from a deal card."
      headers={['Deal', 'Partner or programme', 'State', 'Why it waits', 'SLA due', 'Action']}
      renderRow={(row) => {
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
      }}
    />
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
    <ListTable
      testId="aging"
      title="Aging co-sell deals"
      list={list}
      empty="No co-sell deal is aging."
      headers={['Deal', 'Co-sell status', 'Action']}
      renderRow={(row) => {
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
      }}
    />
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
    <ListTable
      testId="exceptions"
      title="Attribution exceptions"
      list={list}
      empty="Every open partner deal past its stage is fully attributed."
      headers={['Deal', 'Stage', 'Amount', 'Problem', 'Action']}
      renderRow={(row) => (
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
      )}
    />
  );
}

/**
 * Inbound referrals AWS offers, soonest to expire first. Accepting is an admin's word: the service accepts at AWS
 * and links or creates the deal in the background, so the row says so and the page reloads to show where it went.
 */
function InvitationsTable({ initial, onChanged }: { initial: HomePage<InvitationRowView>; onChanged: () => void }) {
  const { client } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list('invitations', period, offset, limit));
  const [busy, setBusy] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<CardRequestError | null>(null);
  const accept = async (invitationId: string) => {
    setBusy(invitationId);
    setError(null);
    try {
      await client.acceptInvitation(invitationId);
      setAccepted((before) => new Set([...before, invitationId]));
      onChanged();
    } catch (failure) {
      setError(asRequestError(failure));
    } finally {
      setBusy(null);
    }
  };
  return (
    <ListTable
      testId="invitations"
      title="AWS referrals to accept"
      notice={
        error !== null && (
          <Alert title="The referral was not accepted" variant="error" testId="invitations-error">
            {error.userMessage}
          </Alert>
        )
      }
      list={list}
      empty="No referral from AWS is waiting."
      headers={['Referral', 'Customer', 'Expires', 'Action']}
      renderRow={(row) => (
        <TableRow key={row.invitationId} testId={`invitation-row-${row.invitationId}`}>
          <TableCell>{row.title}</TableCell>
          <TableCell>{row.customerName}</TableCell>
          <TableCell>
            {row.daysLeft === null ? (
              '—'
            ) : (
              <Tag variant={row.daysLeft <= 3 ? 'error' : 'default'}>
                {row.daysLeft === 0 ? 'today' : `in ${row.daysLeft} day${row.daysLeft === 1 ? '' : 's'}`}
              </Tag>
            )}
          </TableCell>
          <TableCell>
            {accepted.has(row.invitationId) ? (
              <Text variant="microcopy" testId={`invitation-accepted-${row.invitationId}`}>
                Accepting: the deal is linked or created in a moment.
              </Text>
            ) : (
              <Button
                size="xs"
                variant="primary"
                disabled={busy !== null}
                onClick={() => void accept(row.invitationId)}
                testId={`invitation-accept-${row.invitationId}`}
              >
                Accept
              </Button>
            )}
          </TableCell>
        </TableRow>
      )}
    />
  );
}

function DecayingTable({ initial }: { initial: HomePage<RosterPartnerView> }) {
  const { client, recordHref } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list('decayingPartners', period, offset, limit));
  const lever = useRosterLever();
  return (
    <ListTable
      testId="decaying"
      title="Partners turning dormant"
      notice={
        lever.error !== null && (
          <Alert title="The roster action was not saved" variant="error" testId="decaying-lever-error">
            {lever.error.userMessage}
          </Alert>
        )
      }
      list={list}
      empty="No partner's activity is decaying."
      headers={['Partner', 'Tier', 'Score', 'Roster action']}
      renderRow={(row) => (
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
      )}
    />
  );
}
