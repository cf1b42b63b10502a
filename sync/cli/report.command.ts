import { stat } from 'node:fs/promises';
import { streamDeals } from '../../src/interchange/interchange-files.ts';
import { OperatorMetrics } from '../../src/metrics/operator-metrics.ts';
import { isPeriodKind, PERIOD_KINDS, type PeriodKind, parseDay } from '../../src/metrics/periods.ts';
import { reportCsvLines } from '../../src/metrics/report-csv.ts';
import { todayAsOf } from '../../src/scoring/deal-timeline.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import type { CliCommand } from './cli-command.ts';
import { progressReporter, writeOutput } from './cli-output.ts';
import { readRoster, unknownReferenceWarning } from './partner-roster.ts';

const USAGE = `partnerloop report <deals.jsonl|deals.csv> --partners <partners.jsonl|partners.csv> [--period week|month|quarter] [--as-of YYYY-MM-DD] [--format json|csv] [--out FILE]

  The Operator OS metrics (SPEC §2.5) for the last complete period ending on or before --as-of, with a trend of
  that period and the three before it (oldest first).

  --partners  the partner roster (JSONL or CSV, interchange schema)
  --period    week (ISO, Monday 00:00 UTC), month or quarter (default: quarter)
  --as-of     YYYY-MM-DD, UTC (default: today); as-of 2026-07-01 covers the quarter [2026-04-01, 2026-07-01)
  --format    json: one object {"period", "producingPartnerRate", …, "lift", "trend"} (default)
              csv: one row per value, period_start,period_end,metric,group,field,value
  --out       write to this file, replaced only when complete (default: stdout)

  Attribution coverage uses the default attribution rules. A deal naming a partner missing from the roster still
  counts as attached; one warning on stderr names such deals and lines.`;

/** Files above this size get progress lines on stderr even when it is not a terminal. */
const BIG_FILE_BYTES = 64 * 1024 * 1024;
const PROGRESS_EVERY = 10_000;

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'the Operator OS metrics for a week, month or quarter, with a four-period trend (JSON or CSV)',
  usage: USAGE,
  options: {
    partners: { type: 'string' },
    period: { type: 'string' },
    'as-of': { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, ...io }) {
    const dealsPath = positionals[0] as string;
    const partnersPath = typeof values.partners === 'string' && values.partners !== '' ? values.partners : undefined;
    const out = typeof values.out === 'string' && values.out !== '' ? values.out : undefined;
    const asOf = typeof values['as-of'] === 'string' ? values['as-of'] : todayAsOf();
    parseDay(asOf, '--as-of');
    const period = typeof values.period === 'string' ? values.period : 'quarter';
    if (!isPeriodKind(period)) {
      throw new InvalidInputError(`--period: expected one of ${PERIOD_KINDS.join(', ')}, got "${period}"`);
    }
    const format = typeof values.format === 'string' ? values.format : 'json';
    if (format !== 'json' && format !== 'csv') {
      throw new InvalidInputError(`--format: expected json or csv, got "${format}"`);
    }
    if (partnersPath === undefined) throw new InvalidInputError('missing --partners <partners.jsonl|partners.csv>');

    const partners = await readRoster(partnersPath);
    const metrics = new OperatorMetrics({ kind: period as PeriodKind, asOf, partners });
    const big = await isBig(dealsPath);
    const progress = progressReporter(io, 'partnerloop report: deals read', big);
    for await (const { line, record } of streamDeals(dealsPath)) {
      metrics.add(record, line);
      if (metrics.deals % PROGRESS_EVERY === 0) progress.update(metrics.deals);
    }
    progress.done(`${metrics.deals}`);
    const unknown = metrics.unknownPartners;
    if (unknown.count > 0) {
      const warning = unknownReferenceWarning(
        'report',
        unknown.references,
        unknown.count,
        dealsPath,
        partnersPath,
        'counted as attached',
      );
      io.stderr.write(`${warning}\n`);
    }

    const report = metrics.finish();
    const lines = format === 'json' ? [JSON.stringify(report)] : reportCsvLines(report);
    await writeOutput(out, lines, io);
    const target = out === undefined ? '' : ` → ${out}`;
    io.stderr.write(
      `partnerloop report: ${metrics.deals} deals, ${partners.length} partners; ${period} ${report.period.start} – ${report.period.end} (as of ${asOf})${target}\n`,
    );
    return 0;
  },
};

async function isBig(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size >= BIG_FILE_BYTES;
  } catch {
    return false; // streamDeals reports the unreadable file in words
  }
}
