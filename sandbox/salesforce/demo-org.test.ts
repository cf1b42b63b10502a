import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import type { DemoInterchange } from '../demo/demo-export.ts';
import { exportDemoInterchange } from '../demo/demo-export.ts';
import { type SalesforceStandIn, startSalesforce } from './salesforce.ts';

/**
 * The Salesforce demo org tells the HubSpot demo portal's story: the same generator and seed, so the same deals,
 * partners, duplicates, attribution and history — only in Salesforce's fields. Compared against what the service's
 * own HubSpot read makes of the portal (exportDemoInterchange).
 */

let sf: SalesforceStandIn;
let hubspot: DemoInterchange;

beforeAll(async () => {
  sf = await startSalesforce({ clock: new ManualClock(), seedDemo: true });
  if (!sf.demo) throw new Error('the demo org was not seeded');
  hubspot = await exportDemoInterchange(sf.demo);
});

afterAll(async () => {
  await sf.close();
});

const day = (iso: unknown) => String(iso).slice(0, 10);

describe('the demo org', () => {
  it('given the HubSpot demo portal, when seeded, then every deal, company and seller has its Salesforce record', () => {
    const demo = sf.demo!;
    expect(sf.org.count('Opportunity')).toBe(demo.deals.length);
    expect(sf.org.count('Account')).toBe(demo.companies.length);
    expect(sf.org.count('User')).toBe(demo.owners.length);
    const partners = sf.org.records('Account').filter((account) => account.PL_Is_Partner__c === true);
    expect(partners.map((account) => account.Id).sort()).toEqual(
      demo.truth.partnerIds.map((id) => sf.salesforceId(id)).sort(),
    );
    expect(hubspot.partners.map((partner) => sf.salesforceId(partner.id)).sort()).toEqual(
      partners.map((account) => account.Id).sort(),
    );
  });

  it('given each canonical HubSpot deal, when its opportunity is read, then amount, dates, stage outcome, account and owner agree', () => {
    for (const deal of hubspot.deals) {
      const opportunity = sf.org.record('Opportunity', sf.salesforceId(deal.id) ?? '');
      expect(opportunity).toBeDefined();
      expect({
        name: String(opportunity?.Name).trim(),
        amount: opportunity?.Amount,
        closeDate: opportunity?.CloseDate,
        createdAt: opportunity?.CreatedDate,
        isClosed: opportunity?.IsClosed,
        isWon: opportunity?.IsWon,
        account: opportunity?.AccountId,
        currency: opportunity?.CurrencyIsoCode,
        owner: opportunity?.OwnerId,
      }).toEqual({
        name: deal.name,
        amount: deal.amount,
        closeDate: deal.closeDate,
        // Salesforce keeps datetimes to the second.
        createdAt: `${deal.createdAt.slice(0, 19)}.000+0000`,
        isClosed: deal.isClosed,
        isWon: deal.isWon,
        account: sf.salesforceId(deal.account.id),
        currency: deal.currency,
        owner: sf.salesforceId(deal.ownerId ?? ''),
      });
    }
  });

  it('given the deals partners with roles, when the junction links are read, then they are the same partners and roles', () => {
    const fromHubSpot = hubspot.deals
      .flatMap((deal) =>
        deal.partners.map(
          (partner) => `${sf.salesforceId(deal.id)}|${sf.salesforceId(partner.partnerId)}|${partner.role}`,
        ),
      )
      .sort();
    const fromSalesforce = sf.partnerLinks
      .filter((link) => link.role !== null)
      .map((link) => `${link.opportunityId}|${link.partnerAccountId}|${link.role}`)
      .sort();
    expect(fromSalesforce).toEqual(fromHubSpot);
  });

  it('given the planted duplicates, when their opportunities are read, then each cluster exists under the same account', () => {
    const { duplicates } = sf.demo!.truth;
    expect(duplicates.length).toBeGreaterThan(10);
    for (const cluster of duplicates) {
      const records = cluster.ids.map((id) => sf.org.record('Opportunity', sf.salesforceId(id) ?? ''));
      expect(records.every((record) => record !== undefined)).toBe(true);
    }
  });

  it('given the history, when created dates are read, then they span at least six quarters before the as-of day', () => {
    const created = sf.org
      .records('Opportunity')
      .map((record) => day(record.CreatedDate))
      .sort();
    const first = Date.parse(created[0] ?? '');
    const last = Date.parse(created[created.length - 1] ?? '');
    expect((last - first) / 86_400_000).toBeGreaterThan(6 * 91);
    expect(day(created[created.length - 1])).toBe(created[created.length - 1]);
    expect(Date.parse(sf.demo!.asOf) >= last).toBe(true);
  });

  it('given the org, when its users are read, then the demo user is the System Administrator and sellers are standard users', () => {
    const admin = sf.org.record('User', sf.demoUser.id);
    const profiles = new Map(sf.org.records('Profile').map((profile) => [profile.Id, profile]));
    expect(profiles.get(String(admin?.ProfileId))).toMatchObject({
      Name: 'System Administrator',
      PermissionsModifyAllData: true,
    });
    const others = sf.org.records('User').filter((user) => user.Id !== sf.demoUser.id);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((user) => profiles.get(String(user.ProfileId))?.Name === 'Standard User')).toBe(true);
  });

  it('given an un-provisioned org, when described, then only the demo fields exist and no PartnerLoop-written field does', () => {
    const names = (object: string) => sf.org.object(object)?.fields.map((field) => field.name) ?? [];
    expect(names('Account')).toEqual(expect.arrayContaining(['PL_Is_Partner__c', 'PL_Partner_Type__c', 'Region__c']));
    expect(names('Account')).not.toContain('PL_Partner_Score__c');
    expect(names('Opportunity')).not.toContain('PL_Attribution_Status__c');
    expect(sf.org.object('PL_Opportunity_Partner__c')).toBeUndefined();
  });
});

describe('a sized demo org', () => {
  it('given seedDemo with a deal count, when started, then the org has that many opportunities', async () => {
    const small = await startSalesforce({ clock: new ManualClock(), seedDemo: { deals: 400 } });
    try {
      expect(small.org.count('Opportunity')).toBe(400);
      expect(small.demo?.deals).toHaveLength(400);
    } finally {
      await small.close();
    }
  });
});
