import { describe, expect, it } from 'vitest';
import {
  DEAL_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY_UNLABELED,
  DEMO_PIPELINES,
  generateDemoPortal,
  PARTNER_ROLE_LABELS,
} from './demo-portal.ts';

describe('generateDemoPortal', () => {
  const portal = generateDemoPortal({ seed: 11, deals: 3_000 });
  const dealsById = new Map(portal.deals.map((deal) => [deal.id, deal]));
  const companiesById = new Map(portal.companies.map((company) => [company.id, company]));
  const partnerIds = new Set(portal.truth.partnerIds);

  it('given the same options twice, when generated, then the portals are identical; another seed differs', () => {
    const small = { seed: 5, deals: 300 };
    expect(generateDemoPortal(small)).toEqual(generateDemoPortal(small));
    expect(generateDemoPortal({ ...small, seed: 6 }).deals[0]?.properties).not.toEqual(
      generateDemoPortal(small).deals[0]?.properties,
    );
  });

  it('given 3,000 deals asked, when generated, then exactly 3,000 deals with unique ids exist', () => {
    expect(portal.deals).toHaveLength(3_000);
    expect(new Set(portal.deals.map((deal) => deal.id)).size).toBe(3_000);
    expect(portal.deals.every((deal) => deal.properties.hs_object_id === deal.id)).toBe(true);
  });

  it('given the roster, when inspected, then partners are flagged companies of both types with regions', () => {
    const partners = portal.truth.partnerIds.map((id) => companiesById.get(id));
    expect(partners.every((partner) => partner?.properties.pl_is_partner === 'true')).toBe(true);
    expect(new Set(partners.map((partner) => partner?.properties.pl_partner_type))).toEqual(
      new Set(['named', 'self_serve']),
    );
    expect(partners.every((partner) => partner?.properties.region)).toBe(true);
    const customers = portal.truth.customerIds.map((id) => companiesById.get(id));
    expect(customers.every((customer) => /^[a-z0-9-]+\.[a-z.]+$/.test(customer?.properties.domain ?? ''))).toBe(true);
    expect(customers.some((customer) => customer?.properties.pl_is_partner !== undefined)).toBe(false);
  });

  it('given the deals, when inspected, then every stage belongs to its pipeline and the closed flags agree', () => {
    for (const deal of portal.deals) {
      const pipeline = DEMO_PIPELINES.find((candidate) => candidate.id === deal.properties.pipeline);
      const stage = pipeline?.stages.find((candidate) => candidate.id === deal.properties.dealstage);
      expect(stage, deal.id).toBeDefined();
      expect(deal.properties.hs_is_closed).toBe(String(stage?.isClosed));
      expect(deal.properties.hs_is_closed_won).toBe(String(stage?.isWon));
    }
  });

  it('given the deals, when counted by kind, then every lead source, deal type and owner region appears', () => {
    const count = (name: string) => new Set(portal.deals.map((deal) => deal.properties[name]));
    expect(count('lead_source')).toEqual(
      new Set(['partner', 'inbound', 'outbound', 'event', 'web', 'customer_referral', undefined]),
    );
    expect(count('dealtype')).toEqual(new Set(['newbusiness', 'existingbusiness', 'renewal', 'churn']));
    expect(new Set(portal.owners.map((owner) => owner.region))).toEqual(new Set(['NA', 'EMEA', 'APAC', 'LATAM']));
    expect(portal.owners.some((owner) => owner.partnerAffinity === 0)).toBe(true);
    expect(portal.deals.some((deal) => deal.properties.partner_registration_status === 'approved')).toBe(true);
  });

  it('given the associations, when inspected, then each deal has one primary customer and partners carry role labels', () => {
    const primaryByDeal = new Map<string, number>();
    const labelIds = new Set(PARTNER_ROLE_LABELS.map((label) => label.typeId));
    const rolesSeen = new Set<number>();
    for (const association of portal.associations) {
      expect(dealsById.has(association.dealId)).toBe(true);
      expect(association.typeIds).toContain(DEAL_TO_COMPANY_UNLABELED);
      if (association.typeIds.includes(DEAL_TO_COMPANY_PRIMARY)) {
        primaryByDeal.set(association.dealId, (primaryByDeal.get(association.dealId) ?? 0) + 1);
        expect(partnerIds.has(association.companyId)).toBe(false);
      } else {
        expect(partnerIds.has(association.companyId)).toBe(true);
        for (const typeId of association.typeIds) if (labelIds.has(typeId)) rolesSeen.add(typeId);
      }
    }
    expect(primaryByDeal.size).toBe(portal.deals.length);
    expect([...primaryByDeal.values()].every((count) => count === 1)).toBe(true);
    expect(rolesSeen).toEqual(labelIds);
  });

  it('given the truth, when checked against the data, then duplicates, hard negatives and gaps point at real deals', () => {
    const kinds = new Set(portal.truth.duplicates.map((cluster) => cluster.kind));
    expect(kinds).toEqual(new Set(['reentry', 'double_registration', 'registration_conflict', 'import_copy']));
    for (const cluster of portal.truth.duplicates) {
      expect(cluster.ids.length).toBeGreaterThanOrEqual(2);
      for (const id of cluster.ids) expect(dealsById.has(id)).toBe(true);
    }
    expect(portal.truth.hardNegatives.length).toBeGreaterThan(0);
    expect(new Set(portal.truth.hardNegatives.map((pair) => pair.kind)).size).toBeGreaterThanOrEqual(4);

    const partnerLinks = new Map<string, number[][]>();
    for (const association of portal.associations) {
      if (!partnerIds.has(association.companyId)) continue;
      partnerLinks.set(association.dealId, [...(partnerLinks.get(association.dealId) ?? []), association.typeIds]);
    }
    for (const gap of portal.truth.attributionGaps) {
      const links = partnerLinks.get(gap.dealId) ?? [];
      if (gap.kind === 'missing_partner') {
        expect(dealsById.get(gap.dealId)?.properties.lead_source).toBe('partner');
        expect(links).toEqual([]);
      } else {
        expect(links.some((typeIds) => typeIds.length === 1)).toBe(true);
      }
    }
    expect(new Set(portal.truth.attributionGaps.map((gap) => gap.kind))).toEqual(
      new Set(['missing_partner', 'missing_role']),
    );
  });

  it('given dirty data, when inspected, then some lost deals lack a reason and some churn deals sit in a won stage', () => {
    const lost = portal.deals.filter(
      (deal) => deal.properties.hs_is_closed === 'true' && deal.properties.hs_is_closed_won === 'false',
    );
    expect(lost.some((deal) => deal.properties.closed_lost_reason === undefined)).toBe(true);
    expect(lost.some((deal) => deal.properties.closed_lost_reason !== undefined)).toBe(true);
    expect(
      portal.deals.some((deal) => deal.properties.dealtype === 'churn' && deal.properties.hs_is_closed_won === 'true'),
    ).toBe(true);
  });

  it('given an asOf date, when generated, then nothing is created after it', () => {
    const asOf = Date.parse(`${portal.asOf}T00:00:00Z`);
    expect(portal.deals.every((deal) => deal.createdAt < asOf)).toBe(true);
    expect(portal.truth.dormantPartnerIds.length).toBeGreaterThan(0);
  });

  it('given zero deals, when generated, then the portal still has owners and partners', () => {
    const empty = generateDemoPortal({ deals: 0 });
    expect(empty.deals).toEqual([]);
    expect(empty.truth.partnerIds.length).toBeGreaterThan(0);
  });
});
