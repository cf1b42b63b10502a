import type { OperatorReport, TrendEntry } from './operator-metrics.ts';
import type { Period } from './periods.ts';

/**
 * The CSV form of a report (SPEC §4.1): one row per value, `period_start,period_end,metric,group,field,value`. Nested
 * groups read as `group` (a win-rate group, a region, a lift segment, `pipeline`/`revenue`) and dotted `field`s
 * (`attached.closed`). A null value is an empty cell. The trend adds the rows of its earlier periods only (the
 * covered period's values are already there), with their own period columns.
 */
export const REPORT_CSV_HEADER = 'period_start,period_end,metric,group,field,value';

type Cell = string | number | null;

export function reportCsvLines(report: OperatorReport): string[] {
  const lines = [REPORT_CSV_HEADER];
  const emit = (period: Period, metric: string, group: string, field: string, value: Cell) => {
    lines.push(
      [period.start, period.end, metric, group, field, value === null ? '' : String(value)].map(csvCell).join(','),
    );
  };
  const p = report.period;
  const flat = (metric: string, group: string, values: Record<string, Cell>, period: Period = p) => {
    for (const [field, value] of Object.entries(values)) emit(period, metric, group, field, value);
  };

  flat('producingPartnerRate', '', { ...report.producingPartnerRate });
  flat('attributionCoverage', '', { ...report.attributionCoverage });
  for (const group of ['named', 'selfServe', 'unattached'] as const) {
    flat('partnerWinRate', group, { ...report.partnerWinRate[group] });
  }
  flat('pipelineSourced', '', { ...report.pipelineSourced });
  flat('coSellInfluence', 'pipeline', { ...report.coSellInfluence.pipeline });
  flat('coSellInfluence', 'revenue', { ...report.coSellInfluence.revenue });
  flat('coSellConversion', '', { ...report.coSellConversion });
  for (const { region, ...row } of report.sellerActivation) flat('sellerActivation', region, row);
  flat('dormantRoster', '', { ...report.dormantRoster });
  const { strata, ...lift } = report.lift;
  flat('lift', '', lift);
  for (const { segment, attached, unattached } of strata) {
    flat('lift', segment, {
      'attached.closed': attached.closed,
      'attached.won': attached.won,
      'unattached.closed': unattached.closed,
      'unattached.won': unattached.won,
    });
  }
  for (const entry of report.trend) {
    if (entry.period.start === p.start && entry.period.end === p.end) continue;
    trendRows(entry, flat);
  }
  return lines;
}

function trendRows(
  entry: TrendEntry,
  flat: (metric: string, group: string, values: Record<string, Cell>, period: Period) => void,
) {
  flat('producingPartnerRate', '', { ...entry.producingPartnerRate }, entry.period);
  flat('attributionCoverage', '', { ...entry.attributionCoverage }, entry.period);
  for (const { region, ...row } of entry.sellerActivation) flat('sellerActivation', region, row, entry.period);
  flat('pipelineSourced', '', { ...entry.pipelineSourced }, entry.period);
  flat('lift', '', { ...entry.lift }, entry.period);
}

/** RFC 4180 quoting where needed (a region or segment name may hold a comma or a quote). */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
