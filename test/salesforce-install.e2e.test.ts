import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceStandIn } from '../sandbox/salesforce/salesforce.ts';
import { JUNCTION_OBJECT } from '../src/crm/salesforce/salesforce-fields.ts';
import { CardKeysRepository } from '../sync/platform/store/card-keys.repo.ts';
import type { Service } from '../sync/service.ts';
import { type SalesforceService, startSalesforceService } from './support/salesforce-service.ts';
import { eventually } from './support/test-stores.ts';

/**
 * A Salesforce org installed the way an admin would: the OAuth web-server flow with PKCE against the stand-in, then
 * the install job provisions PartnerLoop's fields and junction object through the Tooling API and the first reconcile
 * writes attribution to the org's opportunities — the same engines as for a HubSpot portal.
 */
describe('Salesforce install and first reconcile (stand-in)', () => {
  let ctx: SalesforceService;
  let salesforce: SalesforceStandIn;
  let service: Service;
  let tenantId: string;
  let cardKey: string;

  beforeAll(async () => {
    // The demo's partner links become junction rows as the junction appears, as `npm start` does.
    ctx = await startSalesforceService({ linksAtProvisioning: true });
    ({ salesforce, service } = ctx);
  }, 120_000);
  afterAll(async () => ctx?.close());

  const idle = () => ctx.idle();
  const poll = () => ctx.poll();
  const newPartnerSourcedOpportunity: SalesforceService['newPartnerSourcedOpportunity'] = (name, options) =>
    ctx.newPartnerSourcedOpportunity(name, options);
  const opportunities = () => salesforce.org.records('Opportunity');
  const checkpoint = async () =>
    (
      await service.store.db
        .selectFrom('sync_checkpoints')
        .select('checkpoint')
        .where('tenant_id', '=', tenantId)
        .where('stream', '=', 'salesforce.changes')
        .executeTakeFirst()
    )?.checkpoint as { modstamp: string } | undefined;

  it('given an admin installs through Salesforce with PKCE, then the org becomes a tenant from its own identity', async () => {
    const install = await fetch(`${service.url}/oauth/salesforce/install`, { redirect: 'manual' });
    expect(install.status).toBe(302);
    const authorize = new URL(install.headers.get('location') ?? '');
    expect(authorize.origin).toBe(new URL(salesforce.loginUrl).origin);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get('location') ?? '');
    const landed = await fetch(`${service.url}${callback.pathname}${callback.search}`);
    expect(landed.status).toBe(200);
    const page = await landed.text();
    expect(page).toContain(`Salesforce org ${salesforce.orgId} is connected`);
    // The card's key, shown once for the admin to paste into the org's External Credential.
    cardKey = /id="card-key">(plk_[A-Za-z0-9_-]{43})</.exec(page)?.[1] ?? '';
    expect(cardKey).not.toBe('');
    expect(landed.headers.get('cache-control')).toBe('no-store');
    // The same callback cannot install twice (the state is single-use).
    expect((await fetch(`${service.url}${callback.pathname}${callback.search}`)).status).toBe(400);
    tenantId = `salesforce:${salesforce.orgId}`;
    expect(await service.tenants.find(tenantId)).toMatchObject({ provider: 'salesforce', status: 'active' });
  });

  it('given the install job ran, then the PL_ fields and the junction object exist and the first reconcile wrote attribution', async () => {
    await idle();
    const opportunity = salesforce.org.object('Opportunity');
    expect(opportunity?.fields.some((field) => field.name === 'PL_Attribution_Status__c')).toBe(true);
    expect(salesforce.org.object(JUNCTION_OBJECT)).toBeDefined();
    const statuses = new Set(opportunities().map((record) => record.PL_Attribution_Status__c));
    expect(statuses.size).toBeGreaterThan(1);
    // The demo's partner links (written as the junction appeared, as `npm start` does) reached the first reconcile.
    expect(salesforce.org.count(JUNCTION_OBJECT)).toBe(salesforce.partnerLinks.length);
    expect(opportunities().filter((record) => record.PL_Sourced_Partner__c).length).toBeGreaterThan(0);
    expect([...statuses].every((status) => typeof status === 'string' && status.length > 0)).toBe(true);
  });

  /** A call as the org's Apex makes it through its Named Credential: the key, the org and the acting user. */
  const apex = (
    path: string,
    init: { method?: string; body?: unknown; key?: string | null; org?: string; user?: string } = {},
  ) =>
    fetch(`${service.url}/api/salesforce${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? cardKey}` }),
        'x-partnerloop-org-id': init.org ?? salesforce.orgId,
        'x-partnerloop-user-id': init.user ?? salesforce.demoUser.id,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const junctionRows = (dealId: string) =>
    salesforce.org.records(JUNCTION_OBJECT).filter((row) => row.Opportunity__c === dealId);
  const writes = () => salesforce.stats().byOperation['collections.update'] ?? 0;

  it('given the seeded duplicates, when the first reconcile ran, then each planted cluster has its duplicates flagged on the org', async () => {
    await idle();
    const clusters = salesforce.demo!.truth.duplicates;
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      const statuses = cluster.ids.map(
        (id) => salesforce.org.record('Opportunity', salesforce.salesforceId(id) ?? '')?.PL_Dedupe_Status__c,
      );
      expect(statuses.filter((status) => status === 'suspected' || status === 'confirmed').length).toBeGreaterThan(0);
    }
  });

  it("given calls without the org key, with a made-up key, naming another org or holding another org's key, then each is refused and nothing is written", async () => {
    const dealId = String(opportunities().find((record) => !record.IsClosed)!.Id);
    const partner = (await service.features!.mirror.livePartners(tenantId))[0]!;
    const tag = { partnerId: partner.id, role: 'sourced' };
    const before = { writes: writes(), links: junctionRows(dealId).length };

    const noKey = await apex(`/card/deals/${dealId}/partners`, { method: 'POST', body: tag, key: null });
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).error).toMatchObject({ code: 'invalid_signature', details: ['missing_key'] });
    const madeUp = await apex(`/card/deals/${dealId}/partners`, {
      method: 'POST',
      body: tag,
      key: `plk_${'x'.repeat(43)}`,
    });
    expect(madeUp.status).toBe(401);
    expect((await madeUp.json()).error.details).toEqual(['invalid_key']);
    const otherOrgNamed = await apex(`/card/deals/${dealId}`, { org: '00D000000000002' });
    expect(otherOrgNamed.status).toBe(401);
    expect((await otherOrgNamed.json()).error.details).toEqual(['org_mismatch']);

    // Another installed org's key reaches only that org's records: this org's opportunity is not found there.
    const other = await service.tenants.connect('salesforce', '00D0000000000OTHER', {
      accessToken: 'other-access',
      refreshToken: 'other-refresh',
      expiresAt: Date.now() + 3_600_000,
      scopes: ['api'],
    });
    const otherKey = await new CardKeysRepository(service.store.db).issue(other.id);
    const foreign = await apex(`/card/deals/${dealId}/partners`, {
      method: 'POST',
      body: tag,
      key: otherKey,
      org: '00D0000000000OTHER',
    });
    expect(foreign.status).toBe(404);
    expect((await apex(`/card/deals/${dealId}`, { key: otherKey, org: '00D0000000000OTHER' })).status).toBe(404);

    // The refusals above ran to completion (answered); a good call after them is the proof the route works.
    const view = await apex(`/card/deals/${dealId}`);
    expect(view.status).toBe(200);
    expect((await view.json()).deal.id).toBe(dealId);
    expect({ writes: writes(), links: junctionRows(dealId).length }).toEqual(before);
  });

  it('given a partner-sourced opportunity without a partner, when polled it is missing_partner; when a seller tags one through the card API, then the junction row exists, PL_Attribution_Status__c is complete and the tag is audit-logged', async () => {
    const dealId = await newPartnerSourcedOpportunity('Globex platform rollout');
    expect(salesforce.org.record('Opportunity', dealId)?.PL_Attribution_Issues__c).toMatch(/partner/i);
    const partner = (await service.features!.mirror.livePartners(tenantId))[0]!;

    const tagged = await apex(`/card/deals/${dealId}/partners`, {
      method: 'POST',
      body: { partnerId: partner.id, role: 'sourced' },
    });
    expect(tagged.status).toBe(200);
    const view = await tagged.json();
    expect(view.attribution.status).toBe('complete');
    expect(view.attribution.partners).toEqual([expect.objectContaining({ partnerId: partner.id, role: 'sourced' })]);
    expect(junctionRows(dealId)).toEqual([
      expect.objectContaining({ Opportunity__c: dealId, Partner__c: partner.id, Role__c: 'sourced' }),
    ]);
    expect(salesforce.org.record('Opportunity', dealId)?.PL_Attribution_Status__c).toBe('complete');
    const audit = await service.audit.forSubject(tenantId, 'deal', dealId);
    expect(audit.find((entry) => entry.action === 'attribution.tag')).toMatchObject({
      actor: `user:${salesforce.demoUser.id}`,
    });
  });

  it("given a validation rule refusing the status write, when a seller tags, then the refusal waits in the error inbox; after the rule is fixed the admin's retry writes it and resolves the entry", async () => {
    const dealId = await newPartnerSourcedOpportunity('Initech data platform');
    const partner = (await service.features!.mirror.livePartners(tenantId))[1]!;
    const rule = {
      name: 'Partner_Deals_Need_Approval',
      object: 'Opportunity',
      condition: (record: Record<string, unknown>) =>
        record.Id === dealId && record.PL_Attribution_Status__c === 'complete',
      message: 'Partner-attributed deals need finance approval first.',
    };
    salesforce.org.setValidationRule({ ...rule, active: true });

    const tagged = await apex(`/card/deals/${dealId}/partners`, {
      method: 'POST',
      body: { partnerId: partner.id, role: 'sourced' },
    });
    expect(tagged.status).toBe(200);
    expect(salesforce.org.record('Opportunity', dealId)?.PL_Attribution_Status__c).toBe('missing_partner');
    const open = await (await apex('/errors')).json();
    expect(open.entries).toEqual([
      expect.objectContaining({
        source: 'salesforce',
        objectType: 'opportunity',
        recordId: dealId,
        reason: expect.stringContaining('need finance approval'),
        resolvedAt: null,
      }),
    ]);

    // Still refused: the retry says so and the entry stays open.
    const again = await apex(`/errors/salesforce/opportunity/${dealId}/retry`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'refused' });

    salesforce.org.setValidationRule({ ...rule, active: false });
    const retried = await apex(`/errors/salesforce/opportunity/${dealId}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ status: 'sent', entry: { resolvedAt: expect.any(String) } });
    expect(salesforce.org.record('Opportunity', dealId)?.PL_Attribution_Status__c).toBe('complete');
    expect((await (await apex('/errors')).json()).entries).toEqual([]);
  });

  /** A customer account with these partners on its Partners related list (the standard Partner object). */
  const accountWithPartners = (name: string, partnerIds: readonly string[]) => {
    const accountId = salesforce.org.insert('Account', { Name: name });
    for (const partnerId of partnerIds) {
      salesforce.org.insert('Partner', { AccountFromId: accountId, AccountToId: partnerId, Role: 'VAR/Reseller' });
    }
    return accountId;
  };

  it('given exactly one partner on the account, when a partner-sourced opportunity is entered there, then the poll tags that partner as sourced in the junction, audit-logged; with two it is a conflict and nothing is tagged', async () => {
    const [one, two, three] = (await service.features!.mirror.livePartners(tenantId)).map((partner) => partner.id);
    const single = accountWithPartners('Umbrella Holdings', [one!]);
    const dealId = await newPartnerSourcedOpportunity('Umbrella platform rollout', {
      accountId: single,
      status: 'complete',
    });
    expect(junctionRows(dealId)).toEqual([
      expect.objectContaining({ Opportunity__c: dealId, Partner__c: one, Role__c: 'sourced' }),
    ]);
    expect(salesforce.org.record('Opportunity', dealId)?.PL_Sourced_Partner__c).toBe(one);
    const audit = await service.audit.forSubject(tenantId, 'deal', dealId);
    expect(audit.find((entry) => entry.action === 'attribution.tag')).toMatchObject({
      actor: 'system:auto-tag',
      after: { partnerId: one, role: 'sourced' },
    });

    const ambiguous = accountWithPartners('Umbrella Europe', [two!, three!]);
    const conflicted = await newPartnerSourcedOpportunity('Umbrella analytics expansion', {
      accountId: ambiguous,
      status: 'conflict',
    });
    expect(salesforce.org.record('Opportunity', conflicted)?.PL_Attribution_Issues__c).toContain(
      'the account has 2 partners',
    );
    expect(junctionRows(conflicted)).toEqual([]);
  });

  it('given nothing changed, when the org is reconciled again, then nothing is written', async () => {
    // One pass catches up with the tags above (the scores their debounced refresh would write), then one that must
    // find nothing to do.
    await service.features!.sync.reconcile(tenantId);
    await idle();
    const before = salesforce.stats().byOperation['collections.update'] ?? 0;
    const result = await service.features!.sync.reconcile(tenantId);
    expect(result.dealsRead).toBe(opportunities().length);
    expect(result.calls).toBe(0);
    expect(salesforce.stats().byOperation['collections.update'] ?? 0).toBe(before);
  });

  it('given an opportunity changes in Salesforce, when the change poll runs, then it is read by SystemModstamp and applied by id (no full read), and the checkpoint moves on', async () => {
    await poll();
    const pollsBefore = ctx.polls(); // the first poll after an install starts from now: the reconcile read everything
    const started = await checkpoint();
    expect(started).toBeDefined();
    const target = opportunities().find((record) => !record.IsClosed)!;
    salesforce.org.update('Opportunity', String(target.Id), { Amount: 424_242 });
    const before = salesforce.stats().byOperation.query ?? 0;
    await eventually(async () => {
      await poll();
      const found = await service.features!.mirror.findDeal(tenantId, String(target.Id));
      return found?.deal.amount === 424_242;
    }, 30_000);
    // Four change queries a poll (partner accounts, junction rows, account partners, opportunities), then a read of
    // what changed: the opportunities by id, their junction rows and their accounts' partners (both sides) — and what
    // the one-minute overlap brings back of the tests before. Bounded per poll, never a read of the whole org.
    expect((salesforce.stats().byOperation.query ?? 0) - before).toBeLessThan(16 * (ctx.polls() - pollsBefore));
    expect(Date.parse((await checkpoint())!.modstamp)).toBeGreaterThanOrEqual(Date.parse(started!.modstamp));
  }, 60_000);
});
