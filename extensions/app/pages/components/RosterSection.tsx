import { Alert, Flex, LineChart, Link, TableCell, TableRow, Text } from '@hubspot/ui-extensions';
import { formatDate, formatTier } from '../../cards/card-format.ts';
import { useHome, useRosterLever } from '../home-context.ts';
import type { HomeList, HomePage, RosterPartnerView, RosterSectionView } from '../operator-api.ts';
import { formatCount, formatRate, percentValue, stampLine } from '../operator-format.ts';
import { usePagedList } from '../use-operator-home.ts';
import { ExportLinks } from './ExportLinks.tsx';
import { ListTable } from './ListTable.tsx';
import { RosterLever } from './RosterLever.tsx';
import { NotComputedYet } from './SectionFrame.tsx';

/**
 * The roster over time (the quarterly loop): producing partner rate and the dormant roster per quarter, then the
 * quarter's re-engagement list (strategic/core partners gone dormant) and archive list (never produced, registered over
 * a year), each partner with the roster lever.
 */
export function RosterSection({ view, nextRun }: { view: RosterSectionView; nextRun: string | null }) {
  if (view.stamp === null || view.quarters.length === 0) {
    return <NotComputedYet what="quarterly roster figures" nextRun={nextRun} testId="roster-empty" />;
  }
  const producing = view.quarters.flatMap((quarter) => {
    const value = percentValue(quarter.producingRate);
    return value === undefined ? [] : [{ quarter: quarter.periodKey, rate: value }];
  });
  const dormant = view.quarters.flatMap((quarter) => [
    { quarter: quarter.periodKey, series: 'Dormant', partners: quarter.dormant },
    { quarter: quarter.periodKey, series: 'Decaying', partners: quarter.decaying },
  ]);
  const latest = view.quarters.at(-1);
  return (
    <Flex direction="column" gap="sm">
      <Text variant="microcopy" testId="roster-stamp">
        {stampLine(view.stamp)}
      </Text>
      {latest !== undefined && (
        <Text testId="roster-latest">
          {latest.periodKey}: {formatCount(latest.producing)} of {formatCount(latest.registered)} registered partners
          produced ({formatRate(latest.producingRate)}); {formatCount(latest.dormant)} dormant,{' '}
          {formatCount(latest.decaying)} decaying.
        </Text>
      )}
      <Flex direction="row" gap="md" wrap={true}>
        <LineChart
          data={producing}
          axes={{
            x: { field: 'quarter', fieldType: 'category', label: 'Quarter' },
            y: { field: 'rate', fieldType: 'linear', label: 'Producing partner rate (%)' },
          }}
          options={{ title: 'Producing partner rate', showTooltips: true, showDataLabels: true }}
          testId="producing-chart"
        />
        <LineChart
          data={dormant}
          axes={{
            x: { field: 'quarter', fieldType: 'category', label: 'Quarter' },
            y: { field: 'partners', fieldType: 'linear', label: 'Partners' },
            options: { groupFieldByColor: 'series', colors: { Dormant: 'darkOrange', Decaying: 'yellow' } },
          }}
          options={{ title: 'Dormant roster', showLegend: true, showTooltips: true }}
          testId="dormant-chart"
        />
      </Flex>
      {view.reengage !== null && (
        <PartnerList
          list="reengage"
          title="Re-engage: strategic and core partners gone dormant"
          empty="No strategic or core partner went dormant this quarter."
          initial={view.reengage}
          detail={(row) => `Tier before: ${formatTier(row.tierBefore ?? null)}`}
        />
      )}
      {view.archive !== null && (
        <PartnerList
          list="archive"
          title="Archive: registered over a year, never on a new-business deal"
          empty="No partner is an archive candidate."
          initial={view.archive}
          detail={(row) => `Registered ${row.registeredAt === undefined ? '—' : formatDate(row.registeredAt)}`}
        />
      )}
      <ExportLinks
        exports={view.exports}
        labels={{
          producing: 'Producing partner rate',
          dormant: 'Dormant roster',
          reengage: 'Re-engagement list',
          archive: 'Archive list',
        }}
        testId="roster-export"
      />
    </Flex>
  );
}

function PartnerList({
  list: name,
  title,
  empty,
  initial,
  detail,
}: {
  list: Extract<HomeList, 'reengage' | 'archive'>;
  title: string;
  empty: string;
  initial: HomePage<RosterPartnerView>;
  detail: (row: RosterPartnerView) => string;
}) {
  const { client, recordHref } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list(name, period, offset, limit));
  const lever = useRosterLever();
  return (
    <ListTable
      testId={name}
      title={title}
      notice={
        lever.error !== null && (
          <Alert title="The roster action was not saved" variant="error" testId={`${name}-lever-error`}>
            {lever.error.userMessage}
          </Alert>
        )
      }
      list={list}
      empty={empty}
      headers={['Partner', 'Why', 'Roster action']}
      renderRow={(row) => (
        <TableRow key={row.partnerId} testId={`${name}-row-${row.partnerId}`}>
          <TableCell>
            <Link href={{ url: recordHref(row.url), external: true }}>{row.name}</Link>
          </TableCell>
          <TableCell>{detail(row)}</TableCell>
          <TableCell>
            <RosterLever
              partnerId={row.partnerId}
              current={lever.actionOf(row)}
              busy={lever.busy}
              onSet={(partnerId, action) => void lever.set(partnerId, row.name, action)}
              testId={`${name}-lever-${row.partnerId}`}
            />
          </TableCell>
        </TableRow>
      )}
    />
  );
}
