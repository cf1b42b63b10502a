import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dealFromHubSpot, partnerFromHubSpot } from '../../src/crm/hubspot/hubspot-mapping.ts';
import type { CrmRecord } from '../../src/crm/hubspot/hubspot-objects.ts';
import { DEAL_TO_COMPANY_PRIMARY_TYPE_ID, roleFromLabel } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import { parseDay } from '../../src/metrics/periods.ts';
import type { Deal } from '../../src/model/deal.ts';
import type { Partner } from '../../src/model/partner.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import type { CliIo } from '../cli/cli-command.ts';
import { writeLines } from '../cli/cli-output.ts';
import {
  DEAL_TO_COMPANY_PRIMARY,
  type DemoPortal,
  type DemoPortalOptions,
  type DemoRecord,
  generateDemoPortal,
  PARTNER_ROLE_LABELS,
} from './demo-portal.ts';

/** The demo portal in the interchange schema (SPEC §4.4): what `partnerloop report|score|dedupe` read. */
export interface DemoInterchange {
  deals: Deal[];
  partners: Partner[];
}

/** What HubSpot answers as an association's `label` for each deal→company type id the demo uses (absent: none). */
const LABEL_OF_TYPE = new Map<number, string>([
  [DEAL_TO_COMPANY_PRIMARY, 'Primary'],
  ...PARTNER_ROLE_LABELS.map(({ typeId, label }) => [typeId, label] as const),
]);

function crmRecord(record: DemoRecord): CrmRecord {
  return {
    id: record.id,
    properties: record.properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

/**
 * The demo portal as the service sees it after a full read (`readPortal` in hubspot-portal-reader.ts), so a report
 * on the export gives the numbers the service computes on its mirror: partners are the companies `partnerFromHubSpot`
 * accepts (`registeredAt` = the company's createdate), deals go through `dealFromHubSpot`, the account is the primary
 * non-partner company, and a partner's roles come from its association labels through `roleFromLabel` — a partner
 * associated without a label is an attribution gap, not a partner of the deal. The association walk repeats the
 * reader's (private) `canonicalDeals` in a few lines; the mapping functions themselves are shared. Pure: no I/O.
 */
export function exportDemoInterchange(portal: DemoPortal): DemoInterchange {
  const companies = new Map(portal.companies.map((company) => [company.id, company]));
  const partners = new Map<string, Partner>();
  for (const company of portal.companies) {
    const partner = partnerFromHubSpot(crmRecord(company));
    if (partner) partners.set(partner.id, partner);
  }

  const linksByDeal = new Map<string, Array<{ toId: string; typeIds: number[] }>>();
  for (const association of portal.associations) {
    let links = linksByDeal.get(association.dealId);
    if (links === undefined) {
      links = [];
      linksByDeal.set(association.dealId, links);
    }
    links.push({ toId: association.companyId, typeIds: association.typeIds });
  }

  const deals = portal.deals.map((record): Deal => {
    const links = linksByDeal.get(record.id) ?? [];
    const customers = links.filter((link) => !partners.has(link.toId));
    const primary = customers.find((link) => link.typeIds.includes(DEAL_TO_COMPANY_PRIMARY_TYPE_ID)) ?? customers[0];
    const company = primary ? companies.get(primary.toId) : undefined;
    const dealPartners: Deal['partners'] = [];
    for (const link of links) {
      if (!partners.has(link.toId)) continue;
      for (const typeId of link.typeIds) {
        const label = LABEL_OF_TYPE.get(typeId);
        const role = label === undefined ? undefined : roleFromLabel(label);
        if (role !== undefined) dealPartners.push({ partnerId: link.toId, role, splitPct: null });
      }
    }
    return dealFromHubSpot(crmRecord(record), {
      account: company
        ? {
            id: company.id,
            name: company.properties.name ?? `Company ${company.id}`,
            domain: company.properties.domain ?? null,
          }
        : undefined,
      partners: dealPartners,
    });
  });

  return { deals, partners: [...partners.values()] };
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
  const { deals, partners } = exportDemoInterchange(portal);
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
