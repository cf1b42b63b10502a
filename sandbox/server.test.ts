import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/shared/testing/manual-clock.ts';
import { routeKey, type Sandbox, type SandboxStats, startSandbox } from './server.ts';

/* HTTP-level behaviour of the sandbox with plain fetch (the SDK contract lives in src/crm/hubspot/sandbox-sdk.test.ts). */

describe('sandbox HTTP', () => {
  const clock = new ManualClock();
  let sandbox: Sandbox;
  let token: string;
  const otherPortalId = 99_000_001;

  const call = async (method: string, path: string, body?: unknown, bearer: string | null = token) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      // biome-ignore lint/suspicious/noExplicitAny: tests read HubSpot-shaped JSON loosely and assert on it.
      json: text ? (JSON.parse(text) as Record<string, any>) : undefined,
    };
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      deals: 120,
      seed: 2,
      clock,
      portals: [{ portalId: otherPortalId, deals: 20, seed: 4 }],
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    clock.advance(20_000);
    sandbox.faults.clear();
    token = sandbox.issueToken().accessToken;
  });

  it('given no token, when calling the CRM, then a 401 with HubSpot’s error body comes back', async () => {
    const response = await call('GET', '/crm/objects/2026-03/deals', undefined, null);
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(response.json?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('given a short token lifetime, when it passes, then the token is refused as expired', async () => {
    const short = sandbox.issueToken({ lifetimeMs: 1_000 }).accessToken;
    expect((await call('GET', '/crm/v3/objects/deals?limit=1', undefined, short)).status).toBe(200);
    clock.advance(1_000);
    const expired = await call('GET', '/crm/v3/objects/deals?limit=1', undefined, short);
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({
      category: 'EXPIRED_AUTHENTICATION',
      message: 'The OAuth token used to make this call expired 0 second(s) ago.',
    });
  });

  it('given a body over 1 MB, when posted, then it is refused with 413', async () => {
    const big = { inputs: [{ id: '1', properties: { description: 'x'.repeat(1_100_000) } }] };
    const response = await call('POST', '/crm/v3/objects/deals/batch/update', big);
    expect(response.status).toBe(413);
    expect(response.json?.status).toBe('error');
  });

  it('given malformed JSON, when posted, then it is a 400', async () => {
    const response = await call('POST', '/crm/v3/objects/deals/search', '{"filterGroups": [');
    expect(response.status).toBe(400);
    expect(response.json?.category).toBe('VALIDATION_ERROR');
  });

  it('given some unknown ids, when batch-reading, then known ones come back with a 207 listing the missing', async () => {
    const known = sandbox.demo?.deals[0]?.id ?? '';
    const response = await call('POST', '/crm/objects/2026-03/deals/batch/read', {
      inputs: [{ id: known }, { id: '1' }],
      properties: ['dealname'],
    });
    expect(response.status).toBe(207);
    expect(response.json?.results.map((result: { id: string }) => result.id)).toEqual([known]);
    expect(response.json?.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['1'] } });
    expect(response.json?.numErrors).toBe(1);
  });

  it('given a unique property, when upserting twice, then the first creates and the second updates the same record', async () => {
    await call('POST', '/crm/properties/2026-03/deals', {
      name: 'external_key',
      label: 'External key',
      type: 'string',
      fieldType: 'text',
      groupName: 'dealinformation',
      hasUniqueValue: true,
    });
    const first = await call('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [
        {
          id: 'ext-1',
          idProperty: 'external_key',
          properties: { dealname: 'Upserted', pipeline: 'default', dealstage: 'qualifiedtobuy' },
        },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.json?.results[0]).toMatchObject({ new: true, properties: { external_key: 'ext-1' } });
    const second = await call('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [{ id: 'ext-1', idProperty: 'external_key', properties: { dealname: 'Upserted again' } }],
    });
    expect(second.json?.results[0]).toMatchObject({ new: false, id: first.json?.results[0].id });
    const read = await call('GET', '/crm/v3/objects/deals/ext-1?idProperty=external_key&properties=dealname');
    expect(read.json?.properties.dealname).toBe('Upserted again');
  });

  it('given duplicate ids in one batch update, when sent, then HubSpot’s duplicate-id 400 comes back', async () => {
    const id = sandbox.demo?.deals[3]?.id;
    const response = await call('POST', '/crm/v3/objects/deals/batch/update', {
      inputs: [
        { id, properties: { description: 'a' } },
        { id, properties: { description: 'b' } },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.json?.message).toContain('Duplicate IDs');
  });

  it('given a stage of another pipeline, when updating, then the write is refused as an invalid option', async () => {
    const id = sandbox.demo?.deals.find((deal) => deal.properties.pipeline === 'default')?.id;
    const response = await call('PATCH', `/crm/v3/objects/deals/${id}`, {
      properties: { dealstage: 'partner_qualified' },
    });
    expect(response.status).toBe(400);
    expect(response.json?.message).toContain('INVALID_OPTION');
    const moved = await call('PATCH', `/crm/v3/objects/deals/${id}`, { properties: { dealstage: 'closedwon' } });
    expect(moved.json?.properties).toMatchObject({ dealstage: 'closedwon' });
    const read = await call('GET', `/crm/v3/objects/deals/${id}?properties=hs_is_closed_won,hs_is_closed`);
    expect(read.json?.properties).toMatchObject({ hs_is_closed: 'true', hs_is_closed_won: 'true' });
  });

  it('given a read-only property, when written, then the write is refused', async () => {
    const id = sandbox.demo?.deals[4]?.id;
    const response = await call('PATCH', `/crm/v3/objects/deals/${id}`, {
      properties: { hs_lastmodifieddate: '2020-01-01' },
    });
    expect(response.status).toBe(400);
    expect(response.json?.message).toContain('READ_ONLY_VALUE');
  });

  it('given an archived deal, when listing, then it only shows with archived=true and reads 404 otherwise', async () => {
    const id = sandbox.demo?.deals[5]?.id ?? '';
    expect((await call('DELETE', `/crm/v3/objects/deals/${id}`)).status).toBe(204);
    expect((await call('GET', `/crm/v3/objects/deals/${id}`)).status).toBe(404);
    expect((await call('GET', `/crm/v3/objects/deals/${id}?archived=true`)).json?.archived).toBe(true);
    const archived = await call('GET', '/crm/v3/objects/deals?archived=true&limit=100');
    expect(archived.json?.results.map((deal: { id: string }) => deal.id)).toContain(id);
  });

  it('given two portals, when a token of one reads the other’s record, then it is not found (tenants are isolated)', async () => {
    const otherDeal = sandbox.portals.get(otherPortalId)?.records('deals').next().value;
    const mine = await call('GET', `/crm/v3/objects/deals/${otherDeal?.id}`);
    const otherToken = sandbox.issueToken({ portalId: otherPortalId }).accessToken;
    const theirs = await call(
      'GET',
      `/crm/v3/objects/deals/${otherDeal?.id}?properties=dealname`,
      undefined,
      otherToken,
    );
    expect(theirs.status).toBe(200);
    // Both demo portals number deals the same way: the same id must not reach across tenants.
    expect(mine.json?.properties.dealname).not.toBe(theirs.json?.properties.dealname);
    const portalInfo = await call('GET', `/oauth/v1/access-tokens/${otherToken}`, undefined, null);
    expect(portalInfo.json?.hub_id).toBe(otherPortalId);
  });

  it('given each portal, when one exhausts its window, then the other still has its own', async () => {
    const tight = await startSandbox({
      deals: 5,
      limits: { tenSecondly: 2 },
      clock,
      portals: [{ portalId: 1, empty: true }],
    });
    try {
      const a = tight.issueToken().accessToken;
      const b = tight.issueToken({ portalId: 1 }).accessToken;
      const get = (bearer: string) =>
        fetch(`${tight.url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${bearer}` } });
      expect([(await get(a)).status, (await get(a)).status, (await get(a)).status]).toEqual([200, 200, 429]);
      expect((await get(b)).status).toBe(200);
    } finally {
      await tight.close();
    }
  });

  it('given Retry-After turned off, when limited, then the 429 has no Retry-After', async () => {
    const quiet = await startSandbox({ empty: true, limits: { tenSecondly: 1, sendRetryAfter: false }, clock });
    try {
      const bearer = quiet.issueToken().accessToken;
      const get = () => fetch(`${quiet.url}/crm/v3/objects/deals`, { headers: { authorization: `Bearer ${bearer}` } });
      await get();
      const limited = await get();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBeNull();
      expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    } finally {
      await quiet.close();
    }
  });

  it('given the 2026-03 paths, when reading properties, groups, labels, pipelines and owners, then they answer like v3/v4', async () => {
    const properties = await call('GET', '/crm/properties/2026-03/companies');
    expect(properties.json?.results.map((property: { name: string }) => property.name)).toEqual(
      expect.arrayContaining(['name', 'domain', 'pl_is_partner', 'pl_partner_type']),
    );
    const groups = await call('GET', '/crm/properties/2026-03/companies/groups');
    expect(groups.json?.results.map((group: { name: string }) => group.name)).toContain('partnerloop');
    const labels = await call('GET', '/crm/associations/2026-03/deals/companies/labels');
    expect(labels.json?.results).toContainEqual({ category: 'USER_DEFINED', typeId: 101, label: 'Sourced' });
    const pipelines = await call('GET', '/crm/pipelines/2026-03/deals');
    expect(pipelines.json?.results[0].stages[0].metadata).toEqual({ isClosed: 'false', probability: '0.2' });
    const owners = await call('GET', '/crm/owners/2026-03/?limit=2');
    expect(owners.json?.results).toHaveLength(2);
    expect(owners.json?.paging.next.after).toBe('2');
  });

  it('given a property batch naming one existing property, when created, then the others are created and a 207 lists the existing one', async () => {
    const input = (name: string) => ({
      name,
      label: name,
      type: 'string',
      fieldType: 'text',
      groupName: 'partnerloop',
    });
    const response = await call('POST', '/crm/properties/2026-03/companies/batch/create', {
      inputs: [input('pl_batch_new_a'), input('pl_is_partner'), input('pl_batch_new_b')],
    });
    expect(response.status).toBe(207);
    expect(response.json?.results.map((property: { name: string }) => property.name)).toEqual([
      'pl_batch_new_a',
      'pl_batch_new_b',
    ]);
    expect(response.json?.errors).toEqual([
      expect.objectContaining({ category: 'OBJECT_ALREADY_EXISTS', context: { name: ['pl_is_partner'] } }),
    ]);
    expect(sandbox.portal.definitions('companies').get('pl_is_partner')?.type).toBe('bool');
    const clean = await call('POST', '/crm/properties/2026-03/companies/batch/create', {
      inputs: [input('pl_batch_new_c')],
    });
    expect(clean.status).toBe(201);
    expect(clean.json?.errors).toBeUndefined();
  });

  it('given a 2026-03 association batch archive, when sent, then it answers 200 with a batch body (v4 answers 204)', async () => {
    const association = sandbox.demo?.associations.find((entry) => entry.typeIds.includes(102));
    const body = { inputs: [{ from: { id: association?.dealId }, to: [{ id: association?.companyId }] }] };
    const dated = await call('POST', '/crm/associations/2026-03/deals/companies/batch/archive', body);
    expect(dated.status).toBe(200);
    expect(dated.json?.status).toBe('COMPLETE');
    const read = await call('POST', '/crm/v4/associations/deals/companies/batch/read', {
      inputs: [{ id: association?.dealId }],
    });
    const targets = read.json?.results[0].to.map((target: { toObjectId: number }) => String(target.toObjectId));
    expect(targets).not.toContain(association?.companyId);
    expect((await call('POST', '/crm/v4/associations/deals/companies/batch/archive', body)).status).toBe(204);
  });

  it('given a new primary company, when associating, then the previous primary loses the flag', async () => {
    const dealId = sandbox.demo?.deals[8]?.id ?? '';
    const newCompany = sandbox.demo?.truth.customerIds.at(-1) ?? '';
    await call('PUT', `/crm/v4/objects/deals/${dealId}/associations/companies/${newCompany}`, [
      { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 },
    ]);
    const list = await call('GET', `/crm/v4/objects/deals/${dealId}/associations/companies`);
    const primaries = list.json?.results.filter((result: { associationTypes: Array<{ typeId: number }> }) =>
      result.associationTypes.some((type) => type.typeId === 5),
    );
    expect(primaries.map((result: { toObjectId: number }) => String(result.toObjectId))).toEqual([newCompany]);
  });

  it('given association ids on a record read, when asked, then they come back v3-style with type names', async () => {
    const dealId = sandbox.demo?.deals[9]?.id ?? '';
    const read = await call('GET', `/crm/v3/objects/deals/${dealId}?associations=companies`);
    expect(read.json?.associations.companies.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'deal_to_company' }),
        expect.objectContaining({ type: 'deal_to_company_unlabeled' }),
      ]),
    );
  });

  it('given the stats, when calls were made, then they are counted per route with ids folded', async () => {
    sandbox.resetStats();
    await call('GET', `/crm/v3/objects/deals/${sandbox.demo?.deals[10]?.id}`);
    await call('GET', `/crm/v3/objects/deals/${sandbox.demo?.deals[11]?.id}`);
    const stats = (await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as SandboxStats;
    expect(stats.routes['GET /crm/v3/objects/deals/:id']).toMatchObject({ calls: 2, statuses: { '200': 2 } });
    expect(routeKey('get', '/oauth/v1/access-tokens/abc')).toBe('GET /oauth/v1/access-tokens/:token');
  });

  it('given faults posted over HTTP, when requests come, then they are injected and counted as injected, not limited', async () => {
    sandbox.resetStats();
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        route: 'GET /crm/v3/objects/companies',
        script: [{ type: 'status', status: 429, retryAfterSeconds: 3 }],
      }),
    });
    const limited = await call('GET', '/crm/v3/objects/companies');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.json?.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect((await call('GET', '/crm/v3/objects/companies')).status).toBe(200);
    expect(sandbox.stats()).toMatchObject({ rateLimited: 0, injected: 1 });
  });

  it('given added latency, when a request comes, then it still succeeds', async () => {
    sandbox.faults.add({ route: '/crm/**', script: [{ type: 'latency', ms: 30 }] });
    const started = performance.now();
    expect((await call('GET', '/crm/v3/objects/deals?limit=1')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('given the 2026-03 token endpoint, when refreshing and introspecting, then the dated shapes come back', async () => {
    const issued = sandbox.issueToken();
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: sandbox.app.clientId,
        client_secret: sandbox.app.clientSecret,
        ...fields,
      }),
    });
    const refreshed = await fetch(
      `${sandbox.url}/oauth/2026-03/token`,
      form({ grant_type: 'refresh_token', refresh_token: issued.refreshToken }),
    );
    const tokens = (await refreshed.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      expires_in: 1800,
      hub_id: sandbox.portal.portalId,
      token_use: 'access_token',
    });
    const introspected = await fetch(
      `${sandbox.url}/oauth/2026-03/token/introspect`,
      form({ token: String(tokens.access_token) }),
    );
    expect(await introspected.json()).toMatchObject({
      active: true,
      hub_id: sandbox.portal.portalId,
      app_id: sandbox.app.appId,
    });
    const unknown = await fetch(`${sandbox.url}/oauth/2026-03/token/introspect`, form({ token: 'nope' }));
    expect(await unknown.json()).toEqual({ active: false });
  });

  it('given the spec exemption turned on, when association calls exceed the window, then only they keep passing', async () => {
    const exempt = await startSandbox({
      deals: 5,
      clock,
      limits: { tenSecondly: 1, exemptAssociationsFromTenSecondly: true },
    });
    try {
      const headers = { authorization: `Bearer ${exempt.issueToken().accessToken}` };
      const labels = () => fetch(`${exempt.url}/crm/v4/associations/deals/companies/labels`, { headers });
      const deals = () => fetch(`${exempt.url}/crm/v3/objects/deals`, { headers });
      expect([(await deals()).status, (await deals()).status]).toEqual([200, 429]);
      expect([(await labels()).status, (await labels()).status]).toEqual([200, 200]);
    } finally {
      await exempt.close();
    }
  });

  it('given rotation on, when refreshing, then a new refresh token replaces the old one', async () => {
    const rotating = await startSandbox({ empty: true, tokens: { rotateRefreshTokens: true }, clock });
    try {
      const issued = rotating.issueToken();
      const refresh = async (refreshToken: string) =>
        fetch(`${rotating.url}/oauth/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            client_id: rotating.app.clientId,
            client_secret: rotating.app.clientSecret,
            refresh_token: refreshToken,
          }),
        });
      const first = (await (await refresh(issued.refreshToken)).json()) as { refresh_token: string };
      expect(first.refresh_token).not.toBe(issued.refreshToken);
      expect((await refresh(issued.refreshToken)).status).toBe(400);
      expect((await refresh(first.refresh_token)).status).toBe(200);
    } finally {
      await rotating.close();
    }
  });
});
