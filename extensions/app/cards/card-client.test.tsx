// Named .test.tsx because vitest's include covers `extensions/**/*.test.tsx` only.
import { describe, expect, it, vi } from 'vitest';
import {
  type CardFetcher,
  CardRequestError,
  cardPaths,
  createCardClient,
  errorFromResponse,
  isCardView,
  UNREACHABLE_MESSAGE,
} from './card-client.ts';
import { completeView, jsonResponse } from './testing/card-fixtures.ts';

describe('errorFromResponse', () => {
  it.each([
    {
      given: 'a 409 envelope',
      status: 409,
      payload: { error: { code: 'illegal_transition', message: 'Accept the motion first.', details: [] } },
      code: 'service_error',
      serviceCode: 'illegal_transition',
      userMessage: 'Accept the motion first.',
    },
    {
      given: 'an envelope whose message carries a stack',
      status: 500,
      payload: { error: { code: 'internal', message: 'Something failed.\n    at x (/srv/a.js:1:1)' } },
      code: 'service_error',
      serviceCode: 'internal',
      userMessage: 'Something failed.',
    },
    {
      given: 'a 401 envelope for a stale signature',
      status: 401,
      payload: {
        error: { code: 'invalid_signature', message: 'invalid HubSpot signature: stale', details: ['stale'] },
      },
      code: 'service_error',
      serviceCode: 'invalid_signature',
      userMessage: 'HubSpot could not verify this request with PartnerLoop. Reload the page and try again.',
    },
    {
      given: 'a 401 without an envelope',
      status: 401,
      payload: undefined,
      code: 'http_error',
      serviceCode: null,
      userMessage: 'HubSpot could not verify this request with PartnerLoop. Reload the page and try again.',
    },
    {
      given: 'a 429 without an envelope',
      status: 429,
      payload: { message: 'rate limited' },
      code: 'http_error',
      serviceCode: null,
      userMessage: 'PartnerLoop is busy right now. Wait a moment and try again.',
    },
    {
      given: 'a 504 from a gateway',
      status: 504,
      payload: undefined,
      code: 'http_error',
      serviceCode: null,
      userMessage: UNREACHABLE_MESSAGE,
    },
    {
      given: 'a 404 without an envelope',
      status: 404,
      payload: { error: 'not found' },
      code: 'http_error',
      serviceCode: null,
      userMessage: 'PartnerLoop could not complete this request (HTTP 404).',
    },
    {
      given: 'an envelope with an empty message',
      status: 400,
      payload: { error: { code: 'invalid_input', message: '  ' } },
      code: 'http_error',
      serviceCode: null,
      userMessage: 'PartnerLoop could not complete this request (HTTP 400).',
    },
  ])('given $given, when mapped, then the seller reads "$userMessage"', (row) => {
    const error = errorFromResponse('GET /x', row.status, row.payload);
    expect(error).toBeInstanceOf(CardRequestError);
    expect({ code: error.code, serviceCode: error.serviceCode, userMessage: error.userMessage }).toEqual({
      code: row.code,
      serviceCode: row.serviceCode,
      userMessage: row.userMessage,
    });
    expect(error.status).toBe(row.status);
  });

  it('given envelope details, when mapped, then only their readable text is kept, at most five', () => {
    const details = [
      { path: ['splitPct'], message: 'Split must be at most 100.' },
      'Role is required.',
      { path: ['x'] },
      42,
      ...Array.from({ length: 6 }, (_, i) => `Extra ${i}`),
    ];
    const error = errorFromResponse('POST /x', 400, { error: { code: 'invalid_input', message: 'Invalid.', details } });
    expect(error.details).toEqual(['Split must be at most 100.', 'Role is required.', 'Extra 0', 'Extra 1', 'Extra 2']);
  });
});

describe('createCardClient', () => {
  it('given ids with reserved characters, when paths are built, then each segment is encoded', () => {
    expect(cardPaths.dealPartner('9 001', 'p/acme', 'sourced')).toBe(
      '/api/card/deals/9%20001/partners/p%2Facme/sourced',
    );
    expect(cardPaths.partnerSearch('A&B Co')).toBe('/api/card/partners?q=A%26B%20Co');
  });

  it('given a fetcher that times out, when the view is requested, then the error is the generic unreachable one', async () => {
    const timeout = Object.assign(new Error('Request timed out after 10000ms'), { name: 'TimeoutError' });
    const fetcher = vi.fn<CardFetcher>().mockRejectedValue(timeout);
    const client = createCardClient({ fetcher, apiBase: 'https://pl.test' });

    const error = await client.getDealView('1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CardRequestError);
    expect(error).toMatchObject({ code: 'network_error', userMessage: UNREACHABLE_MESSAGE, cause: timeout });
  });

  it('given a 200 whose body is not a CardView, when the view is requested, then it is refused before rendering', async () => {
    const fetcher = vi.fn<CardFetcher>().mockResolvedValue(jsonResponse({ deal: null }));
    const client = createCardClient({ fetcher, apiBase: 'https://pl.test' });

    await expect(client.getDealView('1')).rejects.toMatchObject({ code: 'bad_response', status: 200 });
  });

  it('given a tag request, when sent, then the body is a plain object and no portal id is added', async () => {
    const fetcher = vi.fn<CardFetcher>().mockResolvedValue(jsonResponse(completeView));
    const client = createCardClient({ fetcher, apiBase: 'https://pl.test//' });

    await client.tagPartner('9001', { partnerId: 'p-acme', role: 'cosell', splitPct: 0 });
    expect(fetcher).toHaveBeenCalledExactlyOnceWith('https://pl.test/api/card/deals/9001/partners', {
      method: 'POST',
      timeout: 10_000,
      body: { partnerId: 'p-acme', role: 'cosell', splitPct: 0 },
    });
  });
});

describe('isCardView', () => {
  it.each([
    ['a complete view', completeView, true],
    ['null', null, false],
    ['a view without motions', { ...completeView, motions: undefined }, false],
    ['a motion without history', { ...completeView, motions: [{ id: 'm', allowedTransitions: [] }] }, false],
  ])('given %s, when checked, then it is %s', (_name, value, expected) => {
    expect(isCardView(value)).toBe(expected);
  });
});
