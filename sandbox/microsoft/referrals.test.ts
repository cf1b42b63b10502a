import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import {
  type MicrosoftReferralsOptions,
  type MicrosoftReferralsStandIn,
  startMicrosoftReferrals,
} from './microsoft-referrals.ts';
import type { Referral } from './referral-store.ts';

/**
 * The referrals REST API driven with plain `fetch`, as PartnerLoop's Microsoft adapter will: create, read, list with
 * OData filters and paging, JSON Patch updates with the status table, throttling and faults. Time is a ManualClock.
 */

const MINUTE = 60_000;
let clock: ManualClock;
let standIn: MicrosoftReferralsStandIn;
let token: string;

async function start(options: MicrosoftReferralsOptions = {}): Promise<void> {
  standIn = await startMicrosoftReferrals({ clock, ...options });
  token = standIn.issueTokens().accessToken;
}

beforeEach(async () => {
  clock = new ManualClock();
  await start();
});

afterEach(async () => {
  await standIn.close();
});

interface ListBody {
  '@odata.count': number;
  '@odata.nextLink'?: string;
  value: Referral[];
}

const call = (path: string, init: RequestInit = {}) =>
  fetch(path.startsWith('http') ? path : `${standIn.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
  });

const collection = '/v1.0/engagements/referrals';

function referralBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Contoso – Azure migration',
    externalReferenceId: 'hs-deal-1001',
    type: 'Independent',
    customerProfile: { name: 'Contoso Ltd', address: { country: 'us', city: 'Redmond' } },
    consent: { consentToContact: true, consentToShareReferralWithMicrosoftSellers: false },
    details: { dealValue: 50_000, currency: 'usd', closingDateTime: '2026-09-30T00:00:00Z' },
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}): Promise<Referral> {
  const response = await call(collection, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(referralBody(overrides)),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Referral;
}

async function list(query: string): Promise<ListBody> {
  const response = await call(`${collection}?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ListBody;
}

function patch(id: string, operations: unknown, headers: Record<string, string> = {}) {
  return call(`${collection}/${id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(operations),
  });
}

const filter = (expression: string) => `$filter=${encodeURIComponent(expression)}`;

describe('create and read', () => {
  it('given a valid referral, when it is created, then it comes back Active/Accepted and outgoing, and GET by id returns it', async () => {
    const created = await create();

    expect(created).toMatchObject({
      name: 'Contoso – Azure migration',
      externalReferenceId: 'hs-deal-1001',
      status: 'Active',
      substatus: 'Accepted',
      direction: 'Outgoing',
      createdDateTime: '2026-06-30T12:00:00.0000000Z',
      updatedDateTime: '2026-06-30T12:00:00.0000000Z',
      customerProfile: { address: { country: 'US' } },
      details: { dealValue: 50_000, currency: 'USD' },
    });
    expect(created.eTag).toMatch(/^"[0-9a-f-]{36}"$/);
    const response = await call(`${collection}/${created.id}`);
    expect(response.headers.get('etag')).toBe(created.eTag);
    expect(await response.json()).toMatchObject({
      id: created.id,
      eTag: created.eTag,
      links: { self: { method: 'GET' } },
    });
    expect(standIn.referral(created.id)?.name).toBe(created.name);
  });

  it('given a body missing and breaking required fields, when it is created, then 400 names every field in the error data', async () => {
    const response = await call(collection, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'Partnered',
        customerProfile: { name: 'Contoso Ltd', address: {} },
        consent: {},
        details: { dealValue: -5, currency: 'dollars', closingDateTime: 'next Tuesday' },
      }),
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; data: Array<{ field: string }> };
    expect(body.code).toBe('BadRequest');
    expect(body.data.map((problem) => problem.field).sort()).toEqual([
      'customerProfile.address.country',
      'details.closingDateTime',
      'details.currency',
      'details.dealValue',
      'name',
      'type',
    ]);
    expect(standIn.referrals()).toHaveLength(0);
  });

  it('given an unknown id, when it is read, then 404 in the Partner Center error shape', async () => {
    const response = await call(`${collection}/00000000-0000-4000-8000-000000000000`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NotFound', source: 'PartnerCenter.Referrals' });
  });
});

describe('list', () => {
  it('given referrals changed at different times, when listed by updatedDateTime gt a watermark and externalReferenceId, then only the matching later ones come back in order', async () => {
    const early = await create({ externalReferenceId: 'hs-1' });
    clock.advance(MINUTE);
    const watermark = new Date(clock.now()).toISOString();
    clock.advance(MINUTE);
    const late = await create({ externalReferenceId: 'hs-2' });
    clock.advance(MINUTE);
    await patch(early.id, [{ op: 'replace', path: '/details/notes', value: 'touched' }]);

    const changed = await list(`${filter(`updatedDateTime gt ${watermark}`)}&$orderby=updatedDateTime asc`);
    const one = await list(filter(`externalReferenceId eq 'hs-2' and updatedDateTime gt ${watermark}`));

    expect(changed.value.map((referral) => referral.id)).toEqual([late.id, early.id]);
    expect(one.value.map((referral) => referral.id)).toEqual([late.id]);
    expect(one['@odata.count']).toBe(1);
  });

  it('given more referrals than a page, when the client follows @odata.nextLink, then every referral comes exactly once in order and $top caps the total', async () => {
    await standIn.close();
    await start({ pageSize: 2 });
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push((await create({ externalReferenceId: `hs-${index}` })).id);
      clock.advance(1000);
    }

    const seen: string[] = [];
    let page = await list('$orderby=createdDateTime desc');
    for (;;) {
      seen.push(...page.value.map((referral) => referral.id));
      const next = page['@odata.nextLink'];
      if (!next) break;
      expect(next.startsWith(`${standIn.url}${collection}?`)).toBe(true);
      const response = await call(next);
      page = (await response.json()) as ListBody;
    }
    const topped = await list('$top=3&$orderby=createdDateTime asc');
    const rest = (await (await call(topped['@odata.nextLink'] ?? '')).json()) as ListBody;

    expect(seen).toEqual([...ids].reverse());
    expect([...topped.value, ...rest.value].map((referral) => referral.id)).toEqual(ids.slice(0, 3));
    expect(rest['@odata.nextLink']).toBeUndefined();
  });

  it.each([
    ['a lambda operator', filter("team/any(t:t/email eq 'a@b.c')"), '$filter'],
    ['an unknown property', filter("colour eq 'blue'"), '$filter'],
    ['an unsupported order', '$orderby=name', '$orderby'],
    ['a zero $top', '$top=0', '$top'],
    ['an unsupported option', '$expand=team', '$filter'],
  ])('given %s, when listing, then 400 names the option', async (_case, query, option) => {
    const response = await call(`${collection}?${query}`);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { data: Array<{ field: string }> }).data[0]?.field).toBe(option);
  });
});

describe('update', () => {
  it('given a referral, when /details/dealValue is replaced with Prefer: return=representation, then 200 returns it with the value, a new eTag and a later updatedDateTime', async () => {
    const created = await create();
    clock.advance(5 * MINUTE);

    const response = await patch(created.id, [{ op: 'replace', path: '/details/dealValue', value: '75000' }], {
      Prefer: 'return=representation',
    });

    expect(response.status).toBe(200);
    const updated = (await response.json()) as Referral;
    expect(updated.details.dealValue).toBe(75_000);
    expect(updated.eTag).not.toBe(created.eTag);
    expect(updated.updatedDateTime).toBe('2026-06-30T12:05:00.0000000Z');
    expect(response.headers.get('etag')).toBe(updated.eTag);
  });

  it('given no Prefer header and the json-patch media type, when patched, then 204 with no body and the change is stored', async () => {
    const created = await create();

    const response = await patch(
      created.id,
      [{ op: 'add', path: '/team/-', value: { email: 'jane@vendor.example' } }],
      {
        'Content-Type': 'application/json-patch+json',
      },
    );

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(standIn.referral(created.id)?.team).toEqual([{ email: 'jane@vendor.example' }]);
  });

  it('given an incoming New/Pending invitation, when the partner patches status Active/Accepted, then it is accepted and listed as Active', async () => {
    const id = standIn.addIncomingReferral({ name: 'Northwind – Copilot', customerName: 'Northwind' });
    clock.advance(MINUTE);

    const response = await patch(
      id,
      [
        { op: 'replace', path: '/status', value: 'Active' },
        { op: 'replace', path: '/substatus', value: 'Accepted' },
      ],
      { Prefer: 'return=representation' },
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'Active',
      substatus: 'Accepted',
      direction: 'Incoming',
      acceptedDateTime: '2026-06-30T12:01:00.0000000Z',
    });
    expect((await list(filter("status eq 'Active' and direction eq 'Incoming'"))).value.map((r) => r.id)).toEqual([id]);
  });

  it.each([
    ['a status move the table forbids (Active → New)', [{ op: 'replace', path: '/status', value: 'New' }], 'status'],
    ['a substatus that does not fit the status', [{ op: 'replace', path: '/substatus', value: 'Won' }], 'substatus'],
    ['a remove op', [{ op: 'remove', path: '/details/notes' }], '[0].op'],
    [
      'a read-only path',
      [{ op: 'replace', path: '/createdDateTime', value: '2020-01-01T00:00:00Z' }],
      '/createdDateTime',
    ],
    ['a negative deal value', [{ op: 'replace', path: '/details/dealValue', value: -1 }], 'details.dealValue'],
    ['a path that does not exist', [{ op: 'replace', path: '/details/nope', value: 1 }], '/details/nope'],
    ['a property referrals do not have', [{ op: 'add', path: '/colour', value: 'blue' }], '/colour'],
  ])('given %s, when patched, then 400 names it and nothing changes', async (_case, operations, field) => {
    const created = await create();

    const response = await patch(created.id, operations);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { data: Array<{ field: string }> }).data.map((p) => p.field)).toContain(field);
    expect(standIn.referral(created.id)?.eTag).toBe(created.eTag);
  });

  it('given a stale If-Match, when patched, then 412; with the current eTag it succeeds', async () => {
    const created = await create();
    await patch(created.id, [{ op: 'replace', path: '/details/notes', value: 'first' }]);

    const stale = await patch(created.id, [{ op: 'replace', path: '/details/notes', value: 'second' }], {
      'If-Match': created.eTag,
    });
    const current = standIn.referral(created.id)?.eTag ?? '';
    const fresh = await patch(created.id, [{ op: 'replace', path: '/details/notes', value: 'second' }], {
      'If-Match': current,
    });

    expect(stale.status).toBe(412);
    expect(fresh.status).toBe(204);
    expect(standIn.referral(created.id)?.details.notes).toBe('second');
  });

  it('given a referral Microsoft closed as Won, when the partner patches it, then 409 and it stays as it was', async () => {
    const created = await create();
    const closed = standIn.setStatus(created.id, 'Closed', 'Won', 'Signed');

    const response = await patch(created.id, [{ op: 'replace', path: '/details/dealValue', value: 1 }]);

    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'Conflict' });
    expect(standIn.referral(created.id)).toEqual(closed);
  });

  it('given a text/plain body, when patched, then 415', async () => {
    const created = await create();

    const response = await patch(created.id, [], { 'Content-Type': 'text/plain' });

    expect(response.status).toBe(415);
  });
});

describe('authentication, throttling and faults', () => {
  it('given an access token past its 3600 s lifetime, when the API is called, then 401 with a Bearer invalid_token challenge', async () => {
    clock.advance(3600 * 1000);

    const response = await call(collection);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=".*", error="invalid_token"/);
  });

  it('given no Authorization header, when the API is called, then 401 with a bare Bearer challenge', async () => {
    const response = await fetch(`${standIn.url}${collection}`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api.partner.microsoft.com"');
  });

  it('given an injected 429 with Retry-After on the list route, when the client calls twice, then the first is 429 with Retry-After and the second passes', async () => {
    standIn.faults.add({ route: `GET ${collection}`, script: [{ type: 'status', status: 429, retryAfterSeconds: 7 }] });

    const first = await call(collection);
    const second = await call(collection);

    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.json()).toMatchObject({ code: 'TooManyRequests' });
    expect(second.status).toBe(200);
    expect(standIn.stats()).toMatchObject({ injected: 1, throttled: 0 });
  });

  it('given a limit of 2 requests per minute, when a third comes, then 429 with the seconds until a slot frees, and after that minute it passes', async () => {
    await standIn.close();
    await start({ requestsPerMinute: 2 });
    await call(collection);
    clock.advance(20_000);
    await call(collection);

    const third = await call(collection);
    clock.advance(40_000);
    const fourth = await call(collection);

    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('40');
    expect(fourth.status).toBe(200);
    expect(standIn.stats()).toMatchObject({ throttled: 1, byRoute: { [`GET ${collection}`]: 4 } });
  });
});

describe('the Microsoft side', () => {
  it('given an invitation nobody answers, when its 14 days pass, then it is Closed/Expired and shows up as changed', async () => {
    const id = standIn.addIncomingReferral({ name: 'Tailspin', customerName: 'Tailspin Toys' });
    const watermark = new Date(clock.now()).toISOString();
    clock.advance(14 * 24 * 60 * MINUTE);
    token = standIn.issueTokens().accessToken;

    const changed = await list(filter(`updatedDateTime gt ${watermark}`));

    expect(changed.value).toHaveLength(1);
    expect(changed.value[0]).toMatchObject({ id, status: 'Closed', substatus: 'Expired' });
  });

  it('given seedDemo, when the stand-in starts, then the pipeline holds outgoing, closed and incoming referrals', async () => {
    await standIn.close();
    await start({ seedDemo: true });

    const statuses = standIn
      .referrals()
      .map((referral) => `${referral.direction}:${referral.status}/${referral.substatus}`);

    expect(statuses.sort()).toEqual([
      'Incoming:New/Pending',
      'Incoming:New/Received',
      'Outgoing:Active/Accepted',
      'Outgoing:Closed/Lost',
      'Outgoing:Closed/Won',
    ]);
    expect(() => standIn.setStatus(standIn.referrals()[0]?.id ?? '', 'New', 'Pending')).toThrow(/cannot move/);
  });
});
