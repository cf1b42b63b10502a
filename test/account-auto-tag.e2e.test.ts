import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import {
  COMPANY_TO_COMPANY_UNLABELED,
  DEAL_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY_UNLABELED,
} from '../sandbox/demo/demo-portal.ts';
import type { StoredRecord } from '../sandbox/hubspot/portal/object-table.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

const ACCOUNT_LINKS = 'POST /crm/associations/2026-03/companies/companies/batch/read';

/*
 * SPEC §2.1: auto-tag where the answer is unambiguous — one partner on the account — and `conflict`, never a guess,
 * with two. The account's partners are company↔company associations in HubSpot, read with the deal on a webhook
 * drain and from the partner side on a full reconcile.
 */
describe.each(STORES)('account-based auto-tag on the sandbox ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl });
  }, 90_000);
  afterAll(async () => ctx?.close());

  const partners = () =>
    [...ctx.sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true');
  const routeCalls = (key: string) => ctx.sandbox.stats().routes[key]?.calls ?? 0;
  const ui = () => ctx.sandbox.userActor();
  let accounts = 0;

  /** A customer account (not a partner) linked, company to company, with the given partners. */
  function accountWith(linked: readonly StoredRecord[]): StoredRecord {
    accounts += 1;
    const account = ctx.sandbox.portal.create(
      'companies',
      { name: `Umbrella Holdings ${accounts}`, domain: `umbrella-${accounts}.example` },
      ui(),
    );
    for (const partner of linked) {
      ctx.sandbox.portal.associate(
        'companies',
        partner.id,
        'companies',
        account.id,
        [COMPANY_TO_COMPANY_UNLABELED],
        ui(),
      );
    }
    return account;
  }

  /** A partner-sourced open deal on `account` with no partner on it, created as a seller would in HubSpot. */
  function partnerSourcedDeal(account: StoredRecord, name: string): StoredRecord {
    const deal = ctx.sandbox.portal.create(
      'deals',
      { dealname: name, dealstage: 'qualifiedtobuy', pipeline: 'default', lead_source: 'partner', amount: '52000' },
      ui(),
    );
    ctx.sandbox.portal.associate(
      'deals',
      deal.id,
      'companies',
      account.id,
      [DEAL_TO_COMPANY_PRIMARY, DEAL_TO_COMPANY_UNLABELED],
      ui(),
    );
    return deal;
  }

  const labelsOn = (dealId: string, companyId: string) => {
    const types = ctx.sandbox.portal.associationTypesOf('deals', 'companies');
    const typeIds = ctx.sandbox.portal.associationsOf('deals', dealId, 'companies').get(companyId) ?? [];
    return typeIds.map((typeId) => types.find((type) => type.typeId === typeId)?.label).filter(Boolean);
  };

  it('given exactly one partner on the account, when a partner-sourced deal is created there, then the webhook drain tags that partner as sourced in HubSpot, audit-logged', async () => {
    await ctx.idle();
    const [partner] = partners();
    const account = accountWith([partner!]);
    const before = routeCalls(ACCOUNT_LINKS);
    const deal = partnerSourcedDeal(account, 'Umbrella platform renewal of contract');

    await eventually(async () => deal.properties.pl_sourced_partner === partner!.id);
    await ctx.idle();
    expect(labelsOn(deal.id, partner!.id)).toContain('Sourced');
    expect(deal.properties.pl_attribution_status).toBe('complete');
    // The account's links were read with the deal: one association batch per drain round, not one per deal.
    expect(routeCalls(ACCOUNT_LINKS) - before).toBeGreaterThanOrEqual(1);
    const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', deal.id);
    expect(audit.find((entry) => entry.action === 'attribution.tag')).toMatchObject({
      actor: 'system:auto-tag',
      after: { partnerId: partner!.id, role: 'sourced' },
      reason: expect.stringContaining('only partner of the account'),
    });
    const card = await ctx.signedFetch('GET', `/api/card/deals/${deal.id}`);
    expect((card.body as unknown as CardView).attribution).toMatchObject({
      status: 'complete',
      partners: [expect.objectContaining({ partnerId: partner!.id, role: 'sourced' })],
    });
  }, 60_000);

  it('given two partners on the account, when a partner-sourced deal is created there, then it is a conflict naming both and neither is tagged', async () => {
    await ctx.idle();
    const [, first, second] = partners();
    const account = accountWith([first!, second!]);
    const deal = partnerSourcedDeal(account, 'Umbrella analytics expansion');

    await eventually(async () => deal.properties.pl_attribution_status === 'conflict');
    await ctx.idle();
    expect(deal.properties.pl_attribution_issues).toContain('the account has 2 partners');
    expect(labelsOn(deal.id, first!.id)).toEqual([]);
    expect(labelsOn(deal.id, second!.id)).toEqual([]);
    expect(deal.properties.pl_sourced_partner ?? '').toBe('');
    const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'deal', deal.id);
    expect(audit.filter((entry) => entry.action === 'attribution.tag')).toEqual([]);
    const card = await ctx.signedFetch('GET', `/api/card/deals/${deal.id}`);
    const attribution = (card.body as unknown as CardView).attribution;
    expect(attribution.status).toBe('conflict');
    expect(attribution.partners).toEqual([]);
    expect(attribution.suggestedFix).toBeNull();
  }, 60_000);

  it('given a partner linked to the account after the deal, when the nightly reconcile runs, then it tags the partner, reading the account links in one call from the partner side', async () => {
    await ctx.idle();
    const account = accountWith([]);
    const deal = partnerSourcedDeal(account, 'Umbrella security suite');
    await eventually(async () => deal.properties.pl_attribution_status === 'missing_partner');
    await ctx.idle();
    const partner = partners()[3]!;
    // Company↔company changes are not subscribed: nothing reacts until the reconcile.
    ctx.sandbox.portal.associate(
      'companies',
      account.id,
      'companies',
      partner.id,
      [COMPANY_TO_COMPANY_UNLABELED],
      ui(),
    );
    await ctx.idle();
    ctx.sandbox.resetStats();

    const result = await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect(deal.properties.pl_sourced_partner).toBe(partner.id);
    expect(labelsOn(deal.id, partner.id)).toContain('Sourced');
    // Reads at the batch/page minimum: companies and deals by 100, deal links by 1,000, partner links by 1,000.
    const companies = ctx.sandbox.portal.count('companies');
    expect(routeCalls(ACCOUNT_LINKS)).toBe(Math.ceil(result.partnersRead / 1000));
    expect(result.readCalls).toBe(
      Math.ceil(companies / 100) +
        Math.ceil(result.dealsRead / 100) +
        Math.ceil(result.dealsRead / 1000) +
        Math.ceil(result.partnersRead / 1000),
    );
    // A second pass finds the tag in place and writes nothing.
    await ctx.idle();
    expect(await ctx.service.features!.sync.reconcile(ctx.tenantId)).toMatchObject({ deals: 0, calls: 0 });
  }, 60_000);
});
