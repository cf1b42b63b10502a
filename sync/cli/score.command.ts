import { streamDeals } from '../../src/interchange/interchange-files.ts';
import type { UnknownPartnerReference } from '../../src/metrics/operator-metrics.ts';
import type { Deal } from '../../src/model/deal.ts';
import { parseAsOf, partnerIdsOf, todayAsOf } from '../../src/scoring/deal-timeline.ts';
import { type PartnerScore, scorePartners } from '../../src/scoring/partner-scoring.ts';
import { PARTNER_TIERS } from '../../src/scoring/partner-tiers.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import type { CliCommand } from './cli-command.ts';
import { writeOutput } from './cli-output.ts';
import { readRoster, unknownReferenceWarning } from './partner-roster.ts';

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
    const unknown: UnknownPartnerReference[] = [];
    for await (const { line, record } of streamDeals(dealsPath)) {
      deals.push(record);
      for (const partnerId of partnerIdsOf(record)) {
        if (!known.has(partnerId)) unknown.push({ line, dealId: record.id, partnerId });
      }
    }
    if (unknown.length > 0) {
      const warning = unknownReferenceWarning('score', unknown, unknown.length, dealsPath, partnersPath, 'ignored');
      io.stderr.write(`${warning}\n`);
    }

    const scoring = scorePartners({ deals, partners, asOf });
    await writeOutput(out, scoring.partners.map(scoreLine), io);
    io.stderr.write(`${summary(scoring.partners, asOf, out)}\n`);
    return 0;
  },
};

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
