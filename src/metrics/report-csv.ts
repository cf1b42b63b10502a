import type { OperatorReport } from './operator-metrics.ts';
import type { Period } from './periods.ts';

/**
 * The CSV form of metrics (SPEC §4.1): one row per value, `period_start,period_end,metric,group,field,value`. A nested
 * group reads as `group` (a win-rate group, `pipeline`/`revenue`, a region, a lift segment) and a deeper value as a
 * dotted `field` (`attached.closed`). A null value is an empty cell.
 */
export const REPORT_CSV_HEADER = 'period_start,period_end,metric,group,field,value';

type Cell = string | number | boolean | null;

/**
 * The report's rows: the covered period's metrics, then the trend's earlier periods (the covered period's values are
 * already there) with their own period columns.
 */
export function reportCsvLines(report: OperatorReport): string[] {
  const { period, trend, ...metrics } = report;
  const lines = [REPORT_CSV_HEADER, ...periodCsvRows(period, metrics)];
  for (const { period: trendPeriod, ...values } of trend) {
    if (trendPeriod.start === period.start && trendPeriod.end === period.end) continue;
    lines.push(...periodCsvRows(trendPeriod, values));
  }
  return lines;
}

/** The rows of one period's metrics (any subset of the §2.5 keys), in key order. */
export function periodCsvRows(period: Pick<Period, 'start' | 'end'>, metrics: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [metric, value] of Object.entries(metrics)) {
    for (const [group, field, cell] of metricCells(value)) {
      lines.push(csvLine([period.start, period.end, metric, group, field, cell]));
    }
  }
  return lines;
}

/** (group, field, value) of one metric: scalars in group '', objects as groups, lists by their region or segment. */
function metricCells(value: unknown): Array<[string, string, Cell]> {
  if (Array.isArray(value)) return value.flatMap((item) => listItemCells(item));
  if (!isObject(value)) return [['', '', value as Cell]];
  const cells: Array<[string, string, Cell]> = [];
  for (const [key, inner] of Object.entries(value)) {
    if (Array.isArray(inner)) cells.push(...inner.flatMap((item) => listItemCells(item)));
    else if (isObject(inner)) for (const [field, cell] of flatten(inner)) cells.push([key, field, cell]);
    else cells.push(['', key, inner as Cell]);
  }
  return cells;
}

function listItemCells(item: unknown): Array<[string, string, Cell]> {
  if (!isObject(item)) return [['', '', item as Cell]];
  const { region, segment, ...rest } = item as { region?: string; segment?: string };
  const group = String(region ?? segment ?? '');
  return flatten(rest).map(([field, cell]) => [group, field, cell]);
}

function flatten(value: Record<string, unknown>, prefix = ''): Array<[string, Cell]> {
  return Object.entries(value).flatMap(
    ([key, inner]): Array<[string, Cell]> =>
      isObject(inner) ? flatten(inner, `${prefix}${key}.`) : [[`${prefix}${key}`, inner as Cell]],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list of flat records as CSV: a header of every key seen (first-seen order), one row per record. */
export function recordsCsvLines(records: readonly Record<string, unknown>[]): string[] {
  const columns: string[] = [];
  for (const record of records) for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
  return [
    csvLine(columns),
    ...records.map((record) =>
      csvLine(
        columns.map((column) => {
          const value = record[column];
          return typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as Cell);
        }),
      ),
    ),
  ];
}

export function csvLine(cells: readonly (Cell | undefined)[]): string {
  return cells.map((cell) => csvCell(cell === null || cell === undefined ? '' : String(cell))).join(',');
}

/** RFC 4180 quoting where needed (a region or segment name may hold a comma or a quote). */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
