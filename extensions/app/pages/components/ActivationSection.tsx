import {
  BarChart,
  Flex,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { ActivationSectionView } from '../operator-api.ts';
import { formatCount, formatRate, percentValue, stampLine } from '../operator-format.ts';
import { ExportLinks } from './ExportLinks.tsx';
import { NotComputedYet } from './SectionFrame.tsx';

/**
 * Seller activation by region (the monthly loop): of the sellers with a new-business deal created in the month, the
 * share with a partner attached, last month next to the month before, as a bar chart and a table.
 */
export function ActivationSection({ view, nextRun }: { view: ActivationSectionView; nextRun: string | null }) {
  const latest = view.months.at(-1);
  if (latest === undefined) {
    return <NotComputedYet what="monthly seller activation" nextRun={nextRun} testId="activation-empty" />;
  }
  const regions = [...new Set(view.months.flatMap((month) => month.rows.map((row) => row.region)))];
  const data = view.months.flatMap((month) =>
    month.rows.flatMap((row) => {
      const value = percentValue(row.rate);
      return value === undefined ? [] : [{ region: row.region, month: month.stamp.periodKey, activation: value }];
    }),
  );
  return (
    <Flex direction="column" gap="sm">
      <Text variant="microcopy" testId="activation-stamp">
        {stampLine(latest.stamp)}
      </Text>
      {data.length === 0 ? (
        <Text testId="activation-no-sellers">No seller created a new-business deal in these months.</Text>
      ) : (
        <BarChart
          data={data}
          axes={{
            x: { field: 'region', fieldType: 'category', label: 'Region' },
            y: { field: 'activation', fieldType: 'linear', label: 'Sellers with a partner attached (%)' },
            options: { groupFieldByColor: 'month' },
          }}
          options={{ title: 'Seller activation by region', showLegend: true, showDataLabels: true, showTooltips: true }}
          testId="activation-chart"
        />
      )}
      <Table bordered={true} testId="activation-table">
        <TableHead>
          <TableRow>
            <TableHeader>Region</TableHeader>
            {view.months.map((month) => (
              <TableHeader key={month.stamp.periodKey}>{month.stamp.periodKey}</TableHeader>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {regions.map((region) => (
            <TableRow key={region} testId={`activation-row-${region}`}>
              <TableCell>{region === 'all' ? 'All regions' : region}</TableCell>
              {view.months.map((month) => {
                const row = month.rows.find((candidate) => candidate.region === region);
                return (
                  <TableCell key={month.stamp.periodKey}>
                    {row === undefined
                      ? '—'
                      : `${formatRate(row.rate)} (${formatCount(row.activated)} of ${formatCount(row.sellers)} sellers)`}
                  </TableCell>
                );
              })}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <ExportLinks exports={view.exports} labels={{ activation: 'Activation by region' }} testId="activation-export" />
    </Flex>
  );
}
