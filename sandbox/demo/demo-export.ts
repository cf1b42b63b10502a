import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import { parseDay } from '../../src/metrics/periods.ts';
import type { Deal } from '../../src/model/deal.ts';
import type { Partner } from '../../src/model/partner.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import type { CliIo } from '../../sync/cli/cli-command.ts';
import { writeLines } from '../../sync/cli/cli-output.ts';
import { demoObjects } from './demo-objects.ts';
import { type DemoPortal, type DemoPortalOptions, generateDemoPortal } from './demo-portal.ts';

/** The demo portal in the interchange schema (SPEC §4.4): what `partnerloop report|score|dedupe` read. */
export interface DemoInterchange {
  deals: Deal[];
  partners: Partner[];
}

/**
 * The demo portal as the service sees it after a full read: `readPortal` (hubspot-portal-reader.ts) over the demo's
 * records, so a report on the export gives the numbers the service computes on its mirror — partners are the
 * companies `partnerFromHubSpot` accepts, the account is the primary non-partner company, a partner's roles come from
 * its association labels, and a partner associated without a label is an attribution gap, not a partner of the deal.
 */
export async function exportDemoInterchange(portal: DemoPortal): Promise<DemoInterchange> {
  const snapshot = await readPortal(demoObjects(portal));
  return { deals: snapshot.deals.map((entry) => entry.deal), partners: snapshot.partners };
}

/**
 * Writes `<dir>/deals.jsonl` and `<dir>/partners.jsonl` (creating `dir`), each file replaced only once complete:
 * what `partnerloop sandbox --export <dir>` does.
 */
export async function writeDemoInterchange(
  dir: string,
  portal: DemoPortal,
  io: CliIo,
): Promise<{ dealsPath: string; partnersPath: string; deals: number; partners: number }> {
  const { deals, partners } = await exportDemoInterchange(portal);
  await mkdir(dir, { recursive: true });
  const dealsPath = join(dir, 'deals.jsonl');
  const partnersPath = join(dir, 'partners.jsonl');
  await writeLines(partnersPath, jsonLines(partners), io);
  await writeLines(dealsPath, jsonLines(deals), io);
  return { dealsPath, partnersPath, deals: deals.length, partners: partners.length };
}

/**
 * `partnerloop sandbox --export <dir>`: generates the demo portal the sandbox would serve with these options, writes it
 * as interchange files and says how to report on it. No server is started.
 */
export async function exportDemoPortal(io: CliIo, dir: string, options: DemoPortalOptions): Promise<number> {
  if (dir.trim() === '') throw new InvalidInputError('--export: expected a directory');
  if (options.asOf !== undefined) parseDay(options.asOf, '--as-of');
  const portal = generateDemoPortal(options);
  const written = await writeDemoInterchange(dir, portal, io);
  io.stdout.write(
    `Demo portal ${portal.portalId} (as of ${portal.asOf}) exported: ${written.dealsPath} (${written.deals} deals), ` +
      `${written.partnersPath} (${written.partners} partners)\n` +
      `  try: partnerloop report ${written.dealsPath} --partners ${written.partnersPath} --as-of ${portal.asOf}\n`,
  );
  return 0;
}

function* jsonLines(records: readonly object[]): Generator<string> {
  for (const record of records) yield JSON.stringify(record);
}
