import type { CanonicalDeal } from '../../model/crm-record.ts';
import { type Deal, type PartnerRole, partnerRoleSchema } from '../../model/deal.ts';
import type { Partner } from '../../model/partner.ts';
import type { SnapshotReadOptions } from '../crm-connector.ts';
import {
  COMPANY_READ_PROPERTIES,
  DEAL_READ_PROPERTIES,
  dealFromHubSpot,
  partnerFromHubSpot,
} from './hubspot-mapping.ts';
import {
  ASSOCIATION_BATCH_LIMIT,
  type AssociationLink,
  type CrmRecord,
  type HubSpotObjects,
} from './hubspot-objects.ts';

/** HubSpot-defined deal→company "Primary" association type id (associations v4 type id table). */
export const DEAL_TO_COMPANY_PRIMARY_TYPE_ID = 5;

export interface PortalSnapshot {
  partners: Partner[];
  /** The raw HubSpot properties of each partner company, for change-only company write-back. */
  partnerProperties: Map<string, Record<string, string | null>>;
  deals: CanonicalDeal[];
  /** Calls made: company and deal pages, deal→company association batches, partner→company association batches. */
  calls: { companies: number; deals: number; associations: number; accountPartners: number };
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
 * A full read of one portal into the canonical model: companies (partners among them), the partners' company
 * associations that say which accounts each partner works with, then deals with the deal→company associations that
 * say which company is the customer and which partners play which role. Costs ceil(companies/100) +
 * ceil(partners/1000) + ceil(deals/100) + ceil(deals/1000) calls (plus a page for any record with more associations
 * than one page). The account links are read from the partner side: a portal has far fewer partners than accounts.
 *
 * The partners go to `onPartners` once the companies are read; deals are completed a thousand at a time (one
 * association batch) and handed to `onDeals` as they are, so the caller can store them while the next pages are read;
 * the snapshot still lists them all.
 */
export async function readPortal(
  objects: HubSpotObjects,
  options: {
    extraDealProperties?: readonly string[];
    extraCompanyProperties?: readonly string[];
  } & Pick<SnapshotReadOptions, 'onProgress' | 'onPartners' | 'onDeals'> = {},
): Promise<PortalSnapshot> {
  const calls = { companies: 0, deals: 0, associations: 0, accountPartners: 0 };
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
  options.onPartners?.([...partners.values()], partnerProperties);
  const partnerCalls = { calls: 0 };
  const partnerLinks = await objects.batchReadAssociations(
    'companies',
    'companies',
    [...partners.keys()],
    partnerCalls,
  );
  calls.accountPartners = partnerCalls.calls;
  const accountPartners = new Map<string, string[]>();
  for (const [partnerId, accounts] of partnerLinks) {
    for (const { toId } of accounts) {
      if (partners.has(toId)) continue; // partner↔partner links say nothing about a customer account
      accountPartners.set(toId, [...(accountPartners.get(toId) ?? []), partnerId]);
    }
  }

  const deals: CanonicalDeal[] = [];
  const associationCalls = { calls: 0 };
  const pending: CrmRecord[] = [];
  let read = 0;
  // Exactly one association batch at a time (a short page mid-way must not make a batch of 1,000+ and a second call).
  const complete = async () => {
    const batch = pending.splice(0, ASSOCIATION_BATCH_LIMIT);
    const links = await objects.batchReadAssociations(
      'deals',
      'companies',
      batch.map((deal) => deal.id),
      associationCalls,
    );
    const completed = canonicalDeals(batch, links, companies, partners, accountPartners);
    deals.push(...completed);
    options.onDeals?.(completed);
  };
  for await (const page of objects.listAll('deals', [
    ...DEAL_READ_PROPERTIES,
    ...(options.extraDealProperties ?? []),
  ])) {
    calls.deals += 1;
    pending.push(...page);
    read += page.length;
    options.onProgress?.(read);
    while (pending.length >= ASSOCIATION_BATCH_LIMIT) await complete();
  }
  while (pending.length > 0) await complete();
  calls.associations = associationCalls.calls;
  return { partners: [...partners.values()], partnerProperties, deals, calls };
}

/**
 * Deals by id, with their companies (customer and partners, read in the same batches), for incremental work on
 * webhook events. Ids that no longer exist (deleted, merged away) are listed in `missing`. Costs
 * ceil(n/100) deal reads + ceil(n/1000) association reads + ceil(companies/100) company reads, and, given the
 * portal's partner roster (`partnerIds`), ceil(accounts/1000) reads of the accounts' company associations: a linked
 * company is a partner of the account when the roster (or this read) knows it as a partner.
 */
export async function readDeals(
  objects: HubSpotObjects,
  ids: readonly string[],
  options: { extraDealProperties?: readonly string[]; partnerIds?: ReadonlySet<string> } = {},
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
  let accountPartners: Map<string, string[]> | undefined;
  if (options.partnerIds) {
    const roster = options.partnerIds;
    const isPartner = (id: string) => partners.has(id) || roster.has(id);
    const accountIds = [
      ...new Set(
        rawDeals.flatMap((deal) => {
          const account = accountLink(links.get(deal.id) ?? [], partners);
          return account ? [account.toId] : [];
        }),
      ),
    ];
    accountPartners = new Map();
    for (const [accountId, linked] of await objects.batchReadAssociations('companies', 'companies', accountIds)) {
      const ids = linked.map((link) => link.toId).filter(isPartner);
      if (ids.length > 0) accountPartners.set(accountId, ids);
    }
  }
  return {
    deals: canonicalDeals(rawDeals, links, companies, partners, accountPartners),
    partners: [...partners.values()],
    missing: unique.filter((id) => !found.has(id)),
  };
}

/** The deal's account among its company links: the primary non-partner company, else the first non-partner one. */
function accountLink(
  associated: readonly AssociationLink[],
  partners: ReadonlyMap<string, Partner>,
): AssociationLink | undefined {
  const customers = associated.filter((link) => !partners.has(link.toId));
  return customers.find((link) => link.typeIds.includes(DEAL_TO_COMPANY_PRIMARY_TYPE_ID)) ?? customers[0];
}

/**
 * HubSpot returns `hs_lastmodifieddate` with every record whether asked or not, and bumps it on every accepted write,
 * ours included. Nothing compares against it, and keeping it would make every record we wrote look changed to the
 * next read (the mirror rewrites what changed): it is left out of the raw values.
 */
function withoutBookkeeping(properties: Record<string, string | null>): Record<string, string | null> {
  if (!('hs_lastmodifieddate' in properties)) return properties;
  const { hs_lastmodifieddate: _modified, ...rest } = properties;
  return rest;
}

/**
 * Raw deals + their company associations → canonical deals: the primary non-partner company is the account, and
 * `accountPartners` (account id → partner ids; omitted when not read) names the partners of that account.
 */
function canonicalDeals(
  rawDeals: readonly CrmRecord[],
  links: ReadonlyMap<string, AssociationLink[]>,
  companies: ReadonlyMap<string, CrmRecord>,
  partners: ReadonlyMap<string, Partner>,
  accountPartners?: ReadonlyMap<string, readonly string[]>,
): CanonicalDeal[] {
  return rawDeals.map((record): CanonicalDeal => {
    const associated = links.get(record.id) ?? [];
    const primary = accountLink(associated, partners);
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
    const properties = withoutBookkeeping(record.properties);
    if (!accountPartners) return { deal, properties, unlabeledPartnerIds };
    const listed = primary ? accountPartners.get(primary.toId) : undefined;
    const accountPartnerIds = listed ? [...new Set(listed)].sort() : [];
    return { deal, properties, unlabeledPartnerIds, accountPartnerIds };
  });
}
