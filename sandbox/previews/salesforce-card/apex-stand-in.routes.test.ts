import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../../sync/platform/http/error-envelope.ts';
import { createLogger } from '../../../sync/platform/log/logger.ts';
import type { Tenant } from '../../../sync/platform/store/tenants.repo.ts';
import { apexStandInRouter, PREVIEW_ORG_HEADER, PREVIEW_SALESFORCE_USER_ID } from './apex-stand-in.routes.ts';
import { UNREACHABLE_MESSAGE, UNVERIFIED_MESSAGE } from './card-controller.mirror.ts';

const ORG = '00D5L0000001PLSUA2';
const OPP = '0065L000000001xQAA';
const PARTNER = '0015L0000000042QAA';
const KEY = `plk_${'k'.repeat(43)}`;

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The service's card API as the stand-in reaches it: records each call, answers what the test set. */
let received: Received[] = [];
let answer: { status: number; body: string } = { status: 200, body: '{"deal":{"id":"x"}}' };
const issued: string[] = [];
let service: Server;
let preview: Server;
let previewUrl: string;

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

beforeAll(async () => {
  const upstream = express();
  upstream.use(express.text({ type: () => true }));
  upstream.all('/{*path}', (req, res) => {
    received.push({
      method: req.method,
      url: req.originalUrl,
      headers: req.headers,
      body: typeof req.body === 'string' ? req.body : '',
    });
    res.status(answer.status).type('application/json').send(answer.body);
  });
  service = await listen(upstream);

  const tenant = { id: `salesforce:${ORG}`, provider: 'salesforce', externalId: ORG, status: 'active' } as Tenant;
  const app = express();
  app.use(
    '/preview/salesforce/apex',
    apexStandInRouter({
      serviceUrl: urlOf(service),
      publicUrl: 'https://partnerloop.example',
      tenants: { find: async (id) => (id === tenant.id ? tenant : undefined) },
      cardKeys: {
        issue: async (tenantId) => {
          issued.push(tenantId);
          return KEY;
        },
      },
      logger: createLogger('silent'),
    }),
  );
  app.use(errorMiddleware(createLogger('silent')));
  preview = await listen(app);
  previewUrl = urlOf(preview);
});
afterAll(async () => {
  await new Promise((resolve) => preview?.close(resolve));
  await new Promise((resolve) => service?.close(resolve));
});
beforeEach(() => {
  received = [];
  answer = { status: 200, body: '{"deal":{"id":"x"}}' };
});

const apex = (body: unknown, headers: Record<string, string> = { [PREVIEW_ORG_HEADER]: ORG }) =>
  fetch(`${previewUrl}/preview/salesforce/apex`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('the preview’s Apex stand-in (POST /preview/salesforce/apex)', () => {
  it.each([
    ['getCard', { opportunityId: OPP }, 'GET', `/api/salesforce/card/deals/${OPP}`, ''],
    ['searchPartners', { query: 'acme co' }, 'GET', '/api/salesforce/card/partners?q=acme+co', ''],
    [
      'tagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'sourced', splitPct: 40 },
      'POST',
      `/api/salesforce/card/deals/${OPP}/partners`,
      `{"partnerId":"${PARTNER}","role":"sourced","splitPct":40}`,
    ],
    [
      'untagPartner',
      { opportunityId: OPP, partnerId: PARTNER, role: 'referral', overrideReason: null },
      'DELETE',
      `/api/salesforce/card/deals/${OPP}/partners/${PARTNER}/referral`,
      '',
    ],
    [
      'markNotDuplicate',
      { opportunityId: OPP, otherDealId: PARTNER },
      'POST',
      `/api/salesforce/card/deals/${OPP}/not-duplicate`,
      `{"otherDealId":"${PARTNER}"}`,
    ],
    [
      'startCoSell',
      { opportunityId: OPP, partnerId: null, programme: 'AWS ACE', ask: 'Intro', slaDays: 7 },
      'POST',
      `/api/salesforce/card/deals/${OPP}/cosell`,
      '{"programme":"AWS ACE","ask":"Intro","slaDays":7}',
    ],
    [
      'transitionMotion',
      { motionId: 'motion-1', toState: 'requested', note: 'please' },
      'POST',
      '/api/salesforce/card/motions/motion-1/transition',
      '{"to":"requested","note":"please"}',
    ],
  ] as const)(
    'given %s(%j), when called, then the service gets %s %s with the org key, org and user, and the page gets its answer as a string',
    async (method, params, verb, url, body) => {
      const response = await apex({ method, params });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(answer.body);
      expect(received).toEqual([
        {
          method: verb,
          url,
          body,
          headers: expect.objectContaining({
            authorization: `Bearer ${KEY}`,
            'x-partnerloop-org-id': ORG,
            'x-partnerloop-user-id': PREVIEW_SALESFORCE_USER_ID,
            'content-type': 'application/json',
          }),
        },
      ]);
    },
  );

  it('given several calls, then the org’s card key was issued once and kept', () => {
    expect(issued).toEqual([`salesforce:${ORG}`]);
  });

  it.each([
    [{ method: 'tagPartner', params: { opportunityId: OPP, partnerId: PARTNER, role: 'boss' } }, 'role must be one of'],
    [
      { method: 'getCard', params: { opportunityId: '../../settings' } },
      'opportunityId must be a Salesforce record id',
    ],
    [{ method: 'searchPartners', params: { query: 'a' } }, 'Type at least 2 characters to search.'],
    [{ method: 'deleteEverything', params: {} }, 'has no @AuraEnabled method "deleteEverything"'],
    [{ method: 'getCard', params: { opportunityId: OPP }, extra: 1 }, 'extra: unknown key'],
  ])('given a bad input (%j), then 400 {message} and nothing reaches the service', async (body, message) => {
    const response = await apex(body);
    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain(message);
    // The same stand-in forwards a good call: the refusal above was the input's, and it was answered before sending.
    expect(received).toEqual([]);
    expect((await apex({ method: 'getCard', params: { opportunityId: OPP } })).status).toBe(200);
    expect(received).toHaveLength(1);
  });

  it('given a call naming no org or an org that is not installed, then it is refused and nothing is sent', async () => {
    const noOrg = await apex({ method: 'getCard', params: { opportunityId: OPP } }, {});
    expect(noOrg.status).toBe(400);
    const otherOrg = await apex(
      { method: 'getCard', params: { opportunityId: OPP } },
      { [PREVIEW_ORG_HEADER]: '00D5L0000009OTHERA' },
    );
    expect(otherOrg.status).toBe(404);
    expect(received).toEqual([]);
  });

  it('given a request under a foreign host name (DNS rebinding), then 404 and nothing is sent', async () => {
    const { port } = preview.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/preview/salesforce/apex',
          headers: { host: `attacker.example:${port}`, 'content-type': 'application/json', [PREVIEW_ORG_HEADER]: ORG },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ method: 'getCard', params: { opportunityId: OPP } }));
    });
    expect(status).toBe(404);
    expect(received).toEqual([]);
  });

  it.each([
    [
      404,
      '{"error":{"code":"not_found","message":"deal 006 is not in PartnerLoop","details":[]}}',
      'deal 006 is not in PartnerLoop',
    ],
    [
      401,
      '{"error":{"code":"invalid_signature","message":"the org key is not valid","details":[]}}',
      UNVERIFIED_MESSAGE,
    ],
    [503, 'Service Unavailable', UNREACHABLE_MESSAGE],
  ])(
    'given the service answers %i, then the page gets that status with the message the class would throw',
    async (status, body, message) => {
      answer = { status, body };
      const response = await apex({ method: 'getCard', params: { opportunityId: OPP } });
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ message });
    },
  );
});

describe('the preview’s Apex stand-in without its service', () => {
  it('given the service unreachable, then 502 with the class’s "could not be reached" sentence', async () => {
    const closed = await listen(express());
    const url = urlOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const app = express();
    app.use(
      '/apex',
      apexStandInRouter({
        serviceUrl: url,
        publicUrl: 'https://partnerloop.example',
        tenants: { find: async () => ({ id: `salesforce:${ORG}`, externalId: ORG, status: 'active' }) as Tenant },
        cardKeys: { issue: async () => KEY },
        logger: createLogger('silent'),
      }),
    );
    const server = await listen(app);
    try {
      const response = await fetch(`${urlOf(server)}/apex`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [PREVIEW_ORG_HEADER]: ORG },
        body: JSON.stringify({ method: 'getCard', params: { opportunityId: OPP } }),
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: UNREACHABLE_MESSAGE });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
