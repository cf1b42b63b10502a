import { basename } from 'node:path';
import { PARTNER_CSV_COLUMNS } from '../../src/interchange/interchange-files.ts';
import { readRecords } from '../../src/interchange/record-reader.ts';
import type { UnknownPartnerReference } from '../../src/metrics/operator-metrics.ts';
import { type Partner, partnerSchema } from '../../src/model/partner.ts';
import { BadRecordError } from '../../src/shared/errors.ts';

/** The roster of `--partners`, with a duplicate partner id reported at the line that repeats it. */
export async function readRoster(path: string): Promise<Partner[]> {
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
 * the weekly run for everyone else. The warning names the lines so a typo in the roster is easy to find; `treatment`
 * says what the command did with them (`score` ignores them, `report` counts the deal as attached).
 */
export function unknownReferenceWarning(
  command: string,
  shown: readonly UnknownPartnerReference[],
  count: number,
  dealsPath: string,
  partnersPath: string,
  treatment: string,
): string {
  const file = basename(dealsPath);
  const list = shown
    .slice(0, 5)
    .map((ref) => `${file}:${ref.line ?? '?'} (deal ${ref.dealId}) partner ${ref.partnerId}`)
    .join(', ');
  const more = count > 5 ? ` (+${count - 5} more)` : '';
  const noun = count === 1 ? '1 partner reference' : `${count} partner references`;
  return `partnerloop ${command}: warning: ${noun} not in ${basename(partnersPath)} ${treatment}: ${list}${more}`;
}
