import { basename } from 'node:path';
import { PARTNER_CSV_COLUMNS, streamDeals } from '../../src/interchange/interchange-files.ts';
import { readRecords } from '../../src/interchange/record-reader.ts';
import type { Deal } from '../../src/model/deal.ts';
import type { Partner } from '../../src/model/partner.ts';
import { partnerSchema } from '../../src/model/partner.ts';
import { parseAsOf, partnerIdsOf, todayAsOf } from '../../src/scoring/deal-timeline.ts';
import { type PartnerScore, scorePartners } from '../../src/scoring/partner-scoring.ts';
import { PARTNER_TIERS } from '../../src/scoring/partner-tiers.ts';
import { AppError, BadRecordError, InvalidInputError } from '../../src/shared/errors.ts';
import type { CliCommand, CliIo } from './cli-command.ts';
import { writeLines } from './cli-output.ts';

const USAGE = `partnerloop score <deals.jsonl|deals.csv> --partners <partners.jsonl|partners.csv> [--as-of YYYY-MM-DD] [--out scores.jsonl]

  Scores and tiers every partner of the roster; one JSON line per partner, highest score first:
  {"partnerId","score","tier","winRate","winRateLow","closedDeals","wonDeals","wonRevenue","avgDealSize","openPipeline","lastOpportunityAt","dormant"}

  --partners  the partner roster (JSONL or CSV, interchange schema)
  --as-of     score as of this UTC day (default: today): deals created later are ignored, deals closed later are open
  --out       write to this file, replaced only when every line is written (default: stdout)

  Deal references to partners missing from the roster are ignored with one warning on stderr naming their lines.`;

/** The SPEC §4.1 line, keys in contract order. */
function scoreLine(score: PartnerScore): string {
  return JSON.stringify({
    partnerId: score.partnerId,
    score: score.score,
    tier: score.tier,
    winRate: score.winRate,
    winRateLow: score.winRateLow,
    closedDeals: score.closedDeals,
    wonDeals: score.wonDeals,
    wonRevenue: score.wonRevenue,
    avgDealSize: score.avgDealSize,
    openPipeline: score.openPipeline,
    lastOpportunityAt: score.lastOpportunityAt,
    dormant: score.dormant,
  });
}

interface UnknownReference {
  line: number;
  dealId: string;
  partnerId: string;
}

export const scoreCommand: CliCommand = {
  name: 'score',
  summary: 'score and tier partners (corrected win rate, revenue, pipeline, activity, dormancy) as JSON lines',
  usage: USAGE,
  options: { partners: { type: 'string' }, 'as-of': { type: 'string' }, out: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, ...io }) {
    const dealsPath = positionals[0] as string;
    const partnersPath = typeof values.partners === 'string' && values.partners !== '' ? values.partners : undefined;
    const out = typeof values.out === 'string' && values.out !== '' ? values.out : undefined;
    const asOf = typeof values['as-of'] === 'string' ? values['as-of'] : todayAsOf();
    parseAsOf(asOf, '--as-of');
    if (partnersPath === undefined) throw new InvalidInputError('missing --partners <partners.jsonl|partners.csv>');

    const partners = await readRoster(partnersPath);
    const known = new Set(partners.map((p) => p.id));
    const deals: Deal[] = [];
    const unknown: UnknownReference[] = [];
    for await (const { line, record } of streamDeals(dealsPath)) {
      deals.push(record);
      for (const partnerId of partnerIdsOf(record)) {
        if (!known.has(partnerId)) unknown.push({ line, dealId: record.id, partnerId });
      }
    }
    if (unknown.length > 0) io.stderr.write(`${unknownReferenceWarning(unknown, dealsPath, partnersPath)}\n`);

    const scoring = scorePartners({ deals, partners, asOf });
    await writeOutput(out, scoring.partners.map(scoreLine), io);
    io.stderr.write(`${summary(scoring.partners, asOf, out)}\n`);
    return 0;
  },
};

/** The roster, with a duplicate partner id reported at the line that repeats it. */
async function readRoster(path: string): Promise<Partner[]> {
  const partners: Partner[] = [];
  const firstLine = new Map<string, number>();
  for await (const { line, record } of readRecords(path, { schema: partnerSchema, csvColumns: PARTNER_CSV_COLUMNS })) {
    const previous = firstLine.get(record.id);
    if (previous !== undefined) {
      throw new BadRecordError(basename(path), line, `duplicate partner id (first on line ${previous})`, {
        recordId: record.id,
      });
    }
    firstLine.set(record.id, line);
    partners.push(record);
  }
  return partners;
}

/**
 * A deal naming a partner that is not in the roster is a warning, not an error: the roster is curated apart from the
 * deals (a partner offboarded, or a company not flagged as partner yet), and one stale association should not stop
 * the weekly scoring of everyone else. The warning names the lines so a typo in the roster is easy to find.
 */
function unknownReferenceWarning(unknown: readonly UnknownReference[], dealsPath: string, partnersPath: string) {
  const file = basename(dealsPath);
  const shown = unknown
    .slice(0, 5)
    .map((ref) => `${file}:${ref.line} (deal ${ref.dealId}) partner ${ref.partnerId}`)
    .join(', ');
  const more = unknown.length > 5 ? ` (+${unknown.length - 5} more)` : '';
  const count = unknown.length === 1 ? '1 partner reference' : `${unknown.length} partner references`;
  return `partnerloop score: warning: ${count} not in ${basename(partnersPath)} ignored: ${shown}${more}`;
}

async function writeOutput(out: string | undefined, lines: readonly string[], io: CliIo) {
  try {
    await writeLines(out, lines, io);
  } catch (error) {
    if (error instanceof AppError || out === undefined) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new InvalidInputError(`cannot write --out ${out}: ${code}`, { cause: error });
  }
}

function summary(scores: readonly PartnerScore[], asOf: string, out: string | undefined): string {
  const byTier = PARTNER_TIERS.map((tier) => `${tier} ${scores.filter((s) => s.tier === tier).length}`).join(', ');
  const decaying = scores.filter((s) => s.decaying).map((s) => s.partnerId);
  const decayNote =
    decaying.length === 0
      ? ''
      : `; decaying ${decaying.length}: ${decaying.slice(0, 10).join(', ')}${decaying.length > 10 ? ', …' : ''}`;
  const target = out === undefined ? '' : ` → ${out}`;
  return `partnerloop score: ${scores.length} partners as of ${asOf}${target} (${byTier}${decayNote})`;
}
