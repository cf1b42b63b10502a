import { basename } from 'node:path';
import type { DuplicateCluster } from '../../src/dedupe/duplicate-clustering.ts';
import { type DedupePhase, dedupeDeals } from '../../src/dedupe/find-duplicates.ts';
import { streamDeals } from '../../src/interchange/interchange-files.ts';
import type { Deal } from '../../src/model/deal.ts';
import { BadRecordError } from '../../src/shared/errors.ts';
import type { CliCommand } from './cli-command.ts';
import { progressReporter, writeLines } from './cli-output.ts';

const USAGE = `partnerloop dedupe <deals.jsonl|deals.csv> [--out clusters.jsonl]

  Finds records of the same buying event (re-entries, double registrations, registration conflicts, import copies)
  and writes one JSON line per cluster of 2+ records, ordered by their first id:
  {"ids":["…","…"],"kind":"duplicate"|"registration_conflict","confidence":0.0-1.0,"survivor":"…","reasons":["…"]}

  --out  write to this file, replaced only when every line is written (default: stdout)`;

/** The SPEC §4.1 line, keys in contract order. */
export function clusterLine(cluster: DuplicateCluster): string {
  return JSON.stringify({
    ids: cluster.ids,
    kind: cluster.kind,
    confidence: cluster.confidence,
    survivor: cluster.survivor,
    reasons: cluster.reasons,
  });
}

const PHASE_LABELS: Record<DedupePhase, string> = {
  normalize: 'normalizing',
  block: 'blocking',
  score: 'scoring pairs',
  cluster: 'clustering',
};

export const dedupeCommand: CliCommand = {
  name: 'dedupe',
  summary: 'find duplicate opportunities and registration conflicts as JSON lines, one per cluster',
  usage: USAGE,
  options: { out: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, ...io }) {
    const path = positionals[0] as string;
    const out = typeof values.out === 'string' && values.out !== '' ? values.out : undefined;
    const reading = progressReporter(io, 'dedupe: reading');

    const deals: Deal[] = [];
    const lineOfId = new Map<string, number>();
    for await (const { line, record } of streamDeals(path)) {
      // Two records with one id cannot be told apart in the output: the file is wrong, not the data.
      const first = lineOfId.get(record.id);
      if (first !== undefined) {
        throw new BadRecordError(basename(path), line, `duplicate id "${record.id}" (first on line ${first})`);
      }
      lineOfId.set(record.id, line);
      deals.push(record);
      if ((deals.length & 0x3ff) === 0) reading.update(deals.length);
    }
    lineOfId.clear();

    reading.done(`${deals.length} deals`);

    const phases = new Map<DedupePhase, ReturnType<typeof progressReporter>>();
    const { clusters, stats } = dedupeDeals(deals, {
      onProgress: (phase, done, total) => {
        let reporter = phases.get(phase);
        if (!reporter) {
          reporter = progressReporter(io, `dedupe: ${PHASE_LABELS[phase]}`);
          phases.set(phase, reporter);
        }
        if (done === total) reporter.done(`${total}`);
        else reporter.update(done, total);
      },
    });
    await writeLines(out, clusters.map(clusterLine), io);
    const conflicts = clusters.filter((cluster) => cluster.kind === 'registration_conflict').length;
    const extra = clusters.reduce((sum, cluster) => sum + cluster.ids.length - 1, 0);
    io.stderr.write(
      `dedupe: ${stats.deals} deals, ${clusters.length} clusters (${conflicts} registration conflicts), ` +
        `${extra} records beyond the survivors${out === undefined ? '' : ` → ${out}`}\n`,
    );
    return 0;
  },
};
