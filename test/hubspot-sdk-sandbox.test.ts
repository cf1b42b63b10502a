import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox/server.ts';
import { signV3 } from '../src/crm/hubspot/hubspot-signature.ts';
import { ManualClock } from '../src/shared/testing/manual-clock.ts';

/*
 * The real @hubspot/api-client 13.5, pointed at the CRM sandbox with `basePath`: the sandbox must be something the
 * SDK cannot tell from HubSpot for the calls the app makes. (This file lives under src/crm/hubspot because only the
 * CRM port may import the SDK.)
 */

type ApiError = { code: number; body: Record<string, unknown>; headers: Record<string, string> };

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('the SDK against the sandbox', () => {
  const clock = new ManualClock();
  let sandbox: Sandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startSandbox({ deals: 400, seed: 7, clock });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    // A fresh window per test: move past any earlier requests rather than sleeping.
    clock.advance(20_000);
    sandbox.faults.clear();
    sandbox.resetStats();
    client = new Client({ accessToken: sandbox.issueToken().accessToken, basePath: sandbox.url });
  });

  /** The live deals as the sandbox holds them, in id order (what listing and searching return first). */
  const liveDeals = () =>
    [...sandbox.portal.records('deals')].filter((deal) => !deal.archived).sort((a, b) => Number(a.id) - Number(b.id));
  /** A page of one deal as the SDK returns it: the first deal by id, with HubSpot's default properties, and a cursor. */
  const pageOfFirstDeal = () => {
    const deal = liveDeals()[0]!;
    return {
      results: [
        {
          id: deal.id,
          archived: false,
          createdAt: expect.any(Date),
          updatedAt: expect.any(Date),
          properties: {
            hs_object_id: deal.id,
            dealname: deal.properties.dealname,
            amount: deal.properties.amount,
            createdate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        },
      ],
      paging: { next: { after: expect.stringMatching(/^\d+$/) } },
    };
  };

  it('given a portal of 400 deals, when listing two pages of 100, then the pages follow each other without overlap', async () => {
    const first = await client.crm.deals.basicApi.getPage(100, undefined, ['dealname', 'amount']);
    const after = first.paging?.next?.after;
    expect(first.results).toHaveLength(100);
    expect(after).toMatch(/^\d+$/);
    expect(Number(after)).toBeGreaterThan(Number(first.results.at(-1)?.id));
    const second = await client.crm.deals.basicApi.getPage(100, after, ['dealname']);
    expect(second.results).toHaveLength(100);

    const ids = [...first.results, ...second.results].map((deal) => deal.id);
    expect(new Set(ids).size).toBe(200);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    expect(second.results[0]?.id).toBe(after);
    expect(first.results[0]?.properties).toHaveProperty('dealname');
    expect(first.results[0]?.properties).toHaveProperty('hs_object_id', first.results[0]?.id);
    expect(first.results[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('given a limit above 100, when listing, then HubSpot refuses it with a 400', async () => {
    const error = await failure(client.crm.deals.basicApi.getPage(101));
    expect(error.code).toBe(400);
    expect(error.body.category).toBe('VALIDATION_ERROR');
  });

  it('given three deals, when batch-updating them, then the properties change and the modification date moves', async () => {
    const deals = sandbox.demo?.deals.slice(0, 3) ?? [];
    const before = deals.map((deal) => deal.properties.hs_lastmodifieddate);
    const response = await client.crm.deals.batchApi.update({
      inputs: deals.map((deal, index) => ({
        id: deal.id,
        properties: { description: `checked ${index}`, amount: String(1000 * (index + 1)) },
      })),
    });
    expect(response.status).toBe('COMPLETE');
    expect(response.results.map((deal) => deal.properties.description).sort()).toEqual([
      'checked 0',
      'checked 1',
      'checked 2',
    ]);

    const read = await client.crm.deals.batchApi.read({
      inputs: deals.map((deal) => ({ id: deal.id })),
      properties: ['description', 'amount', 'hs_lastmodifieddate'],
      propertiesWithHistory: [],
    });
    for (const deal of read.results) {
      const index = deals.findIndex((candidate) => candidate.id === deal.id);
      expect(deal.properties.amount).toBe(String(1000 * (index + 1)));
      expect(deal.properties.hs_lastmodifieddate).toBe(new Date(clock.now()).toISOString());
      expect(deal.properties.hs_lastmodifieddate).not.toBe(before[index]);
    }
  });

  it('given a batch of 101 inputs, when updating, then the sandbox refuses the batch', async () => {
    const inputs = Array.from({ length: 101 }, (_, index) => ({ id: String(30_000_000_001 + index), properties: {} }));
    const error = await failure(client.crm.deals.batchApi.update({ inputs }));
    expect(error.code).toBe(400);
    expect(String(error.body.message)).toContain('100');
  });

  it('given an unknown property, when updating, then the whole batch fails with HubSpot’s PROPERTY_DOESNT_EXIST', async () => {
    const deal = sandbox.demo?.deals[0];
    const error = await failure(
      client.crm.deals.batchApi.update({ inputs: [{ id: deal?.id ?? '', properties: { no_such_property: 'x' } }] }),
    );
    expect(error.code).toBe(400);
    expect(error.body.category).toBe('VALIDATION_ERROR');
    expect(String(error.body.message)).toContain('PROPERTY_DOESNT_EXIST');
  });

  it('given filters, when searching, then only matching deals come back with the total', async () => {
    const partnerLed = sandbox.demo?.deals.filter(
      (deal) => deal.properties.lead_source === 'partner' && Number(deal.properties.amount ?? 0) >= 20_000,
    );
    const result = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'lead_source', operator: 'EQ' as never, value: 'partner' },
            { propertyName: 'amount', operator: 'GTE' as never, value: '20000' },
          ],
        },
      ],
      sorts: ['-amount'],
      properties: ['amount', 'lead_source'],
      limit: 200,
      after: '0',
    });
    expect(result.total).toBe(partnerLed?.length);
    expect(result.results.every((deal) => deal.properties.lead_source === 'partner')).toBe(true);
    const amounts = result.results.map((deal) => Number(deal.properties.amount));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
  });

  it('given a partner company, when searching deals by association, then its deals are found', async () => {
    const link = sandbox.demo?.associations.find((association) => association.typeIds.includes(101));
    const result = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'associations.company', operator: 'EQ' as never, value: link?.companyId ?? '' }] },
      ],
      sorts: [],
      properties: ['dealname'],
      limit: 100,
      after: '0',
    });
    expect(result.results.map((deal) => deal.id)).toContain(link?.dealId);
  });

  it('given more than 200 per page, when searching, then HubSpot refuses the limit', async () => {
    const error = await failure(
      client.crm.deals.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 201, after: '0' }),
    );
    expect(error.code).toBe(400);
  });

  it('given 110 calls in the window, when the 111th comes, then it gets a 429 with the rate-limit headers and policy', async () => {
    const statuses: number[] = [];
    for (let call = 0; call < 110; call++) {
      const response = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/companies?limit=1' });
      statuses.push(response.status);
      if (call === 109) expect(response.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    }
    expect(new Set(statuses)).toEqual(new Set([200]));

    const error = await failure(client.crm.companies.basicApi.getPage(1));
    expect(error.code).toBe(429);
    expect(error.headers['x-hubspot-ratelimit-max']).toBe('110');
    expect(error.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    expect(error.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
    expect(Number(error.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The SDK keeps only the documented Error fields; the raw body also carries the policy its retry logic reads.
    expect(error.body.message).toBe('You have reached your ten_secondly_rolling limit.');
    const raw = await fetch(`${sandbox.url}/crm/v3/objects/companies?limit=1`, {
      headers: { authorization: `Bearer ${sandbox.issueToken().accessToken}` },
    });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(sandbox.stats().rateLimited).toBe(2);

    clock.advance(10_000);
    const recovered = await client.crm.companies.basicApi.getPage(1);
    expect(recovered.results).toHaveLength(1);
  });

  it('given six searches in one second, when the sixth comes, then the search limit answers 429 and other calls still pass', async () => {
    const search = () =>
      client.crm.deals.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 1, after: '0' });
    for (let call = 0; call < 5; call++) await search();
    const error = await failure(search());
    expect(error.code).toBe(429);
    expect(error.body.message).toBe('You have reached your secondly limit.');
    await expect(client.crm.deals.basicApi.getPage(1)).resolves.toMatchObject(pageOfFirstDeal());
    clock.advance(1_000);
    await expect(search()).resolves.toMatchObject({
      total: liveDeals().length,
      results: [{ id: liveDeals()[0]?.id, properties: { hs_object_id: liveDeals()[0]?.id } }],
    });
  });

  it('given a scripted 500 then pass, when the SDK retries, then the second attempt succeeds and both were counted', async () => {
    sandbox.faults.add({ route: 'GET /crm/v3/objects/deals', script: [500] });
    const retrying = new Client({
      accessToken: sandbox.issueToken().accessToken,
      basePath: sandbox.url,
      numberOfApiCallRetries: 2,
    });
    const page = await retrying.crm.deals.basicApi.getPage(2);
    expect(page.results).toHaveLength(2);
    const route = sandbox.stats().routes['GET /crm/v3/objects/deals'];
    expect(route?.statuses).toEqual({ '200': 1, '500': 1 });
    expect(route?.injected).toBe(1);
  });

  it('given a dropped connection, when calling, then the SDK sees a network error, and the next call passes', async () => {
    sandbox.faults.add({ route: '/crm/**', script: ['drop'] });
    await expect(client.crm.deals.basicApi.getPage(1)).rejects.toThrow();
    await expect(client.crm.deals.basicApi.getPage(1)).resolves.toMatchObject(pageOfFirstDeal());
  });

  it('given the authorize redirect, when exchanging the code and refreshing via the SDK oauth API, then tokens work until they expire', async () => {
    const redirectUri = 'http://localhost:3000/oauth/hubspot/callback';
    const authorize = new URL('/oauth/authorize', sandbox.url);
    authorize.search = new URLSearchParams({
      client_id: sandbox.app.clientId,
      redirect_uri: redirectUri,
      scope: 'oauth crm.objects.deals.read crm.objects.deals.write',
      state: 'csrf-123',
    }).toString();
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get('location') ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe('csrf-123');
    const code = callback.searchParams.get('code') ?? '';

    const anonymous = new Client({ basePath: sandbox.url });
    const { clientId, clientSecret } = sandbox.app;
    const tokens = await anonymous.oauth.tokensApi.create(
      'authorization_code',
      code,
      redirectUri,
      clientId,
      clientSecret,
    );
    expect(tokens.expiresIn).toBe(1800);
    expect(tokens.tokenType).toBe('bearer');

    const info = await anonymous.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(sandbox.portal.portalId);
    expect(info.appId).toBe(sandbox.app.appId);
    expect(info.scopes).toContain('crm.objects.deals.read');

    const installed = new Client({ accessToken: tokens.accessToken, basePath: sandbox.url });
    await expect(installed.crm.deals.basicApi.getPage(1)).resolves.toMatchObject(pageOfFirstDeal());

    const reused = await failure(
      anonymous.oauth.tokensApi.create('authorization_code', code, redirectUri, clientId, clientSecret),
    );
    expect(reused.code).toBe(400);
    expect(reused.body).toMatchObject({ status: 'BAD_AUTH_CODE' });

    clock.advance(30 * 60_000);
    const expired = await failure(installed.crm.deals.basicApi.getPage(1));
    expect(expired.code).toBe(401);
    expect(expired.body.category).toBe('EXPIRED_AUTHENTICATION');

    const refreshed = await anonymous.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      clientId,
      clientSecret,
      tokens.refreshToken,
    );
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    installed.setAccessToken(refreshed.accessToken);
    await expect(installed.crm.deals.basicApi.getPage(1)).resolves.toMatchObject(pageOfFirstDeal());

    const bad = await failure(
      anonymous.oauth.tokensApi.create('refresh_token', undefined, undefined, clientId, clientSecret, 'not-a-token'),
    );
    expect(bad.code).toBe(400);
    expect(bad.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
  });

  it('given a token without write scope, when writing, then HubSpot’s MISSING_SCOPES 403 comes back', async () => {
    const reader = new Client({
      accessToken: sandbox.issueToken({ scopes: ['oauth', 'crm.objects.deals.read'] }).accessToken,
      basePath: sandbox.url,
    });
    const error = await failure(reader.crm.deals.basicApi.create({ properties: { dealname: 'x' }, associations: [] }));
    expect(error.code).toBe(403);
    expect(error.body.category).toBe('MISSING_SCOPES');
  });

  it('given two deals, when merging, then the survivor keeps its id and the merged id resolves to it', async () => {
    const [primary, merged] = sandbox.demo?.deals.slice(10, 12) ?? [];
    const survivor = await client.crm.deals.basicApi.merge({
      primaryObjectId: primary?.id ?? '',
      objectIdToMerge: merged?.id ?? '',
    });
    expect(survivor.id).toBe(primary?.id);
    expect(survivor.properties.hs_merged_object_ids).toContain(merged?.id);

    const viaOldId = await client.crm.deals.basicApi.getById(merged?.id ?? '', ['dealname']);
    expect(viaOldId.id).toBe(primary?.id);
    const companies = await client.crm.associations.v4.basicApi.getPage('deals', primary?.id ?? '', 'companies');
    const mergedCompanies = sandbox.demo?.associations
      .filter((association) => association.dealId === merged?.id)
      .map((association) => Number(association.companyId));
    for (const companyId of mergedCompanies ?? []) {
      expect(companies.results.map((result) => Number(result.toObjectId))).toContain(companyId);
    }
  });

  it('given a new label, when associating a deal to a partner with it, then batch read returns the label', async () => {
    const created = await client.crm.associations.v4.schema.definitionsApi.create('deals', 'companies', {
      label: 'Technology partner',
      name: 'technology_partner',
    });
    const typeId = created.results[0]?.typeId ?? 0;
    const deal = sandbox.demo?.deals[20];
    const partnerId = sandbox.demo?.truth.partnerIds[1] ?? '';

    const batch = await client.crm.associations.v4.batchApi.create('deals', 'companies', {
      inputs: [
        {
          _from: { id: deal?.id ?? '' },
          to: { id: partnerId },
          types: [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: typeId }],
        },
      ],
    });
    expect(batch.results[0]?.labels).toContain('Technology partner');

    const read = await client.crm.associations.v4.batchApi.getPage('deals', 'companies', {
      inputs: [{ id: deal?.id ?? '' }],
    });
    const toPartner = read.results[0]?.to.find((target) => String(target.toObjectId) === partnerId);
    expect(toPartner?.associationTypes.map((type) => type.typeId).sort((a, b) => a - b)).toEqual([341, typeId]);
    expect(toPartner?.associationTypes.find((type) => type.typeId === typeId)?.label).toBe('Technology partner');

    const labels = await client.crm.associations.v4.schema.definitionsApi.getAll('deals', 'companies');
    expect(labels.results.map((label) => label.label)).toEqual(
      expect.arrayContaining([
        'Primary',
        'Sourced',
        'Influenced',
        'Co-sell',
        'Reseller',
        'Referral',
        'Technology partner',
      ]),
    );
  });

  it('given the partnerloop group, when creating a property via the SDK, then it can be written and read', async () => {
    await client.crm.properties.groupsApi.create('deals', { name: 'partnerloop', label: 'PartnerLoop' });
    await client.crm.properties.coreApi.create('deals', {
      name: 'pl_attribution_status',
      label: 'Attribution status',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'partnerloop',
      options: [
        { label: 'Complete', value: 'complete', displayOrder: 0, hidden: false },
        { label: 'Missing partner', value: 'missing_partner', displayOrder: 1, hidden: false },
      ],
    });
    const again = await failure(
      client.crm.properties.coreApi.create('deals', {
        name: 'pl_attribution_status',
        label: 'x',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'partnerloop',
      }),
    );
    expect(again.code).toBe(409);

    const deal = sandbox.demo?.deals[30];
    await client.crm.deals.basicApi.update(deal?.id ?? '', { properties: { pl_attribution_status: 'complete' } });
    const read = await client.crm.deals.basicApi.getById(deal?.id ?? '', ['pl_attribution_status']);
    expect(read.properties.pl_attribution_status).toBe('complete');
    const invalid = await failure(
      client.crm.deals.basicApi.update(deal?.id ?? '', { properties: { pl_attribution_status: 'nonsense' } }),
    );
    expect(invalid.code).toBe(400);
    expect(String(invalid.body.message)).toContain('INVALID_OPTION');
  });

  it('given a signature from signV3, when the SDK’s own validator checks it, then it accepts it', async () => {
    const { Signature } = await import('@hubspot/api-client');
    const timestamp = Date.now();
    const input = { method: 'POST', uri: 'https://example.com/webhooks', body: '[{"eventId":1}]', timestamp };
    const signature = signV3({ ...input, secret: 'secret' });
    const valid = Signature.isValid({
      signatureVersion: 'v3',
      signature,
      clientSecret: 'secret',
      requestBody: input.body,
      url: input.uri,
      method: 'POST',
      timestamp,
    });
    expect(valid).toBe(true);
  });
});

describe('the SDK against a large sandbox portal', () => {
  let sandbox: Sandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startSandbox({ deals: 10_050, seed: 3 });
    client = new Client({ accessToken: sandbox.issueToken().accessToken, basePath: sandbox.url });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('given more than 10,000 matches, when paging to the 10,000th result, then the next page is HubSpot’s 400', async () => {
    const last = await client.crm.deals.searchApi.doSearch({
      filterGroups: [],
      sorts: [],
      properties: ['dealname'],
      limit: 100,
      after: '9900',
    });
    expect(last.total).toBe(10_050);
    expect(last.results).toHaveLength(100);
    expect(last.paging?.next?.after).toBe('10000');

    const beyond = await failure(
      client.crm.deals.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 100, after: '10000' }),
    );
    expect(beyond.code).toBe(400);
    expect(beyond.body.category).toBe('VALIDATION_ERROR');
  });
});
