import { type Deal, type PartnerRole, partnerRoleSchema } from '../../model/deal.ts';
import type { Partner } from '../../model/partner.ts';
import {
  COMPANY_READ_PROPERTIES,
  DEAL_READ_PROPERTIES,
  dealFromHubSpot,
  partnerFromHubSpot,
} from './hubspot-mapping.ts';
import type { AssociationLink, CrmRecord, HubSpotObjects } from './hubspot-objects.ts';

/** HubSpot-defined deal→company "Primary" association type id (associations v4 type id table). */
export const DEAL_TO_COMPANY_PRIMARY_TYPE_ID = 5;

export interface CanonicalDeal {
  deal: Deal;
  /** The raw HubSpot properties, for change-only write-back. */
  properties: Record<string, string | null>;
  /** Partner companies associated without a role label (an attribution gap, not a guess). */
  unlabeledPartnerIds: string[];
}

export interface PortalSnapshot {
  partners: Partner[];
  /** The raw HubSpot properties of each partner company, for change-only company write-back. */
  partnerProperties: Map<string, Record<string, string | null>>;
  deals: CanonicalDeal[];
  calls: { companies: number; deals: number; associations: number };
}

/** A role from an association label: the label's words, case- and punctuation-insensitively ("Co-sell" → cosell). */
export function roleFromLabel(label: string): PartnerRole | undefined {
  const key = label
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .replace(/^partner/, '');
  const parsed = partnerRoleSchema.safeParse(key);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A full read of one portal into the canonical model: companies (partners among them), deals, and the deal→company
 * associations that say which company is the customer and which partners play which role. Costs
 * ceil(companies/100) + ceil(deals/100) + ceil(deals/1000) calls.
 */
export async function readPortal(
  objects: HubSpotObjects,
  options: {
    extraDealProperties?: readonly string[];
    extraCompanyProperties?: readonly string[];
    onProgress?: (read: number) => void;
  } = {},
): Promise<PortalSnapshot> {
  const calls = { companies: 0, deals: 0, associations: 0 };
  const companies = new Map<string, CrmRecord>();
  const partners = new Map<string, Partner>();
  const partnerProperties = new Map<string, Record<string, string | null>>();
  for await (const page of objects.listAll('companies', [
    ...COMPANY_READ_PROPERTIES,
    ...(options.extraCompanyProperties ?? []),
  ])) {
    calls.companies += 1;
    for (const company of page) {
      companies.set(company.id, company);
      const partner = partnerFromHubSpot(company);
      if (partner) {
        partners.set(partner.id, partner);
        partnerProperties.set(partner.id, company.properties);
      }
    }
  }
  const rawDeals: CrmRecord[] = [];
  for await (const page of objects.listAll('deals', [
    ...DEAL_READ_PROPERTIES,
    ...(options.extraDealProperties ?? []),
  ])) {
    calls.deals += 1;
    rawDeals.push(...page);
    options.onProgress?.(rawDeals.length);
  }
  const links = await objects.batchReadAssociations(
    'deals',
    'companies',
    rawDeals.map((deal) => deal.id),
  );
  calls.associations = Math.ceil(rawDeals.length / 1000);

  const deals = canonicalDeals(rawDeals, links, companies, partners);
  return { partners: [...partners.values()], partnerProperties, deals, calls };
}

/**
 * Deals by id, with their companies (customer and partners, read in the same batches), for incremental work on
 * webhook events. Ids that no longer exist (deleted, merged away) are listed in `missing`. Costs
 * ceil(n/100) deal reads + ceil(n/1000) association reads + ceil(companies/100) company reads.
 */
export async function readDeals(
  objects: HubSpotObjects,
  ids: readonly string[],
  options: { extraDealProperties?: readonly string[] } = {},
): Promise<{ deals: CanonicalDeal[]; partners: Partner[]; missing: string[] }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { deals: [], partners: [], missing: [] };
  const rawDeals = (
    await objects.batchRead('deals', unique, [...DEAL_READ_PROPERTIES, ...(options.extraDealProperties ?? [])])
  ).filter((record) => record.archived !== true);
  const found = new Set(rawDeals.map((record) => record.id));
  const links = await objects.batchReadAssociations(
    'deals',
    'companies',
    rawDeals.map((deal) => deal.id),
  );
  const companyIds = [...new Set([...links.values()].flat().map((link) => link.toId))];
  const companies = new Map<string, CrmRecord>();
  const partners = new Map<string, Partner>();
  for (const company of await objects.batchRead('companies', companyIds, COMPANY_READ_PROPERTIES)) {
    companies.set(company.id, company);
    const partner = partnerFromHubSpot(company);
    if (partner) partners.set(partner.id, partner);
  }
  return {
    deals: canonicalDeals(rawDeals, links, companies, partners),
    partners: [...partners.values()],
    missing: unique.filter((id) => !found.has(id)),
  };
}

/** Raw deals + their company associations → canonical deals: the primary non-partner company is the account. */
function canonicalDeals(
  rawDeals: readonly CrmRecord[],
  links: ReadonlyMap<string, AssociationLink[]>,
  companies: ReadonlyMap<string, CrmRecord>,
  partners: ReadonlyMap<string, Partner>,
): CanonicalDeal[] {
  return rawDeals.map((record): CanonicalDeal => {
    const associated = links.get(record.id) ?? [];
    const customers = associated.filter((link) => !partners.has(link.toId));
    const primary = customers.find((link) => link.typeIds.includes(DEAL_TO_COMPANY_PRIMARY_TYPE_ID)) ?? customers[0];
    const company = primary ? companies.get(primary.toId) : undefined;
    const dealPartners: Deal['partners'] = [];
    const unlabeledPartnerIds: string[] = [];
    for (const link of associated) {
      if (!partners.has(link.toId)) continue;
      const roles = link.labels.map(roleFromLabel).filter((role): role is PartnerRole => role !== undefined);
      if (roles.length === 0) unlabeledPartnerIds.push(link.toId);
      for (const role of roles) dealPartners.push({ partnerId: link.toId, role, splitPct: null });
    }
    const deal = dealFromHubSpot(record, {
      account: company
        ? {
            id: company.id,
            name: company.properties.name ?? `Company ${company.id}`,
            domain: company.properties.domain ?? null,
          }
        : undefined,
      partners: dealPartners,
    });
    return { deal, properties: record.properties, unlabeledPartnerIds };
  });
}
