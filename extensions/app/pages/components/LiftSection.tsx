import {
  Flex,
  LineChart,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { LiftSectionView } from '../operator-api.ts';
import { formatCount, formatInterval, formatPoints, percentValue, stampLine } from '../operator-format.ts';
import { ExportLinks } from './ExportLinks.tsx';
import { NotComputedYet } from './SectionFrame.tsx';

export const LIFT_SERIES = {
  estimate: 'Lift (stratified by segment)',
  ciLow: '95 % interval, low',
  ciHigh: '95 % interval, high',
} as const;

/**
 * Partner-attached win-rate lift per quarter (the quarterly loop): the Mantel–Haenszel estimate with its 95 % interval
 * drawn as two bounding lines, and, beside it in the table, the raw difference — labelled as confounded by segment,
 * never shown instead of the estimate.
 */
export function LiftSection({ view, nextRun }: { view: LiftSectionView; nextRun: string | null }) {
  const latest = view.quarters.at(-1);
  if (latest === undefined) {
    return <NotComputedYet what="quarterly lift" nextRun={nextRun} testId="lift-empty" />;
  }
  const data = view.quarters.flatMap((quarter) =>
    (['estimate', 'ciLow', 'ciHigh'] as const).flatMap((key) => {
      const value = percentValue(quarter[key]);
      return value === undefined ? [] : [{ quarter: quarter.periodKey, series: LIFT_SERIES[key], points: value }];
    }),
  );
  return (
    <Flex direction="column" gap="sm">
      <Text variant="microcopy" testId="lift-stamp">
        {stampLine(latest.stamp)}
      </Text>
      <Text testId="lift-latest">
        {latest.periodKey}:{' '}
        {latest.estimate === null
          ? 'no estimate (no segment had both attached and unattached closed deals)'
          : `${formatPoints(latest.estimate)}, 95 % interval ${formatInterval(latest.ciLow, latest.ciHigh)}`}
        {' · '}raw difference {formatPoints(latest.raw)} (confounded by segment: for comparison only)
      </Text>
      {data.length === 0 ? (
        <Text testId="lift-no-estimate">No quarter has an estimate yet.</Text>
      ) : (
        <LineChart
          data={data}
          axes={{
            x: { field: 'quarter', fieldType: 'category', label: 'Quarter' },
            y: { field: 'points', fieldType: 'linear', label: 'Win-rate lift (percentage points)' },
            options: {
              groupFieldByColor: 'series',
              colors: { [LIFT_SERIES.estimate]: 'darkBlue', [LIFT_SERIES.ciLow]: 'aqua', [LIFT_SERIES.ciHigh]: 'aqua' },
            },
          }}
          options={{ title: 'Partner-attached win-rate lift', showLegend: true, showTooltips: true }}
          testId="lift-chart"
        />
      )}
      <Table bordered={true} testId="lift-table">
        <TableHead>
          <TableRow>
            <TableHeader>Quarter</TableHeader>
            <TableHeader>Lift (stratified)</TableHeader>
            <TableHeader>95 % interval</TableHeader>
            <TableHeader>Raw difference (confounded)</TableHeader>
            <TableHeader>Closed deals</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {view.quarters.map((quarter) => (
            <TableRow key={quarter.periodKey} testId={`lift-row-${quarter.periodKey}`}>
              <TableCell>{quarter.periodKey}</TableCell>
              <TableCell>{formatPoints(quarter.estimate)}</TableCell>
              <TableCell>{formatInterval(quarter.ciLow, quarter.ciHigh)}</TableCell>
              <TableCell>{formatPoints(quarter.raw)}</TableCell>
              <TableCell>{formatCount(quarter.closed)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Text variant="microcopy">
        Lift = win rate of deals with a partner attached minus without, within each deal-size segment, pooled
        (Mantel–Haenszel risk difference, Sato's variance). The raw difference mixes segments: deal sizes win at
        different rates and carry partners at different rates, so part of it is that mix, not the partners' effect.
      </Text>
      <ExportLinks exports={view.exports} labels={{ lift: 'Lift per quarter' }} testId="lift-export" />
    </Flex>
  );
}
