import { Alert, Button, ErrorState, NumberInput, Select, StatusTag, Text, TextArea } from '@hubspot/ui-extensions';
import { createRenderer, type RenderedElementNode, type RenderedNode } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CardFetcher } from '../cards/card-client.ts';
import { errorResponse, jsonResponse } from '../cards/testing/card-fixtures.ts';
import { PartnerLoopSettings } from './PartnerLoopSettings.tsx';

const API = 'https://partnerloop.example.com';
const GET = { method: 'GET', timeout: 10_000 };

const attribution = {
  involvement: {
    leadSources: ['Partner'],
    partnerAssociation: true,
    registrationStatuses: ['approved'],
    coSellMotion: true,
  },
  requireLossReason: true,
  countUntypedAsNewBusiness: true,
};
const scoring = {
  activity: { dormantAfterDays: 90 },
  matchRules: { dimensionWeights: { amount: 1, region: 1, product: 1 }, rules: [] },
  referencePercentile: 0.9,
};
const dedupe = { matchThreshold: 0.9, merge: { enabled: false, minConfidence: 0.99, maxPerRun: 100 } };

type Route = () => Response | Promise<Response>;

/** Answers by `METHOD path`; every call is recorded; an unrouted request fails the test. */
function routedFetcher(routes: Record<string, Route | Route[]>) {
  const served = new Map<string, number>();
  return vi.fn<CardFetcher>(async (url, options) => {
    const key = `${options?.method ?? 'GET'} ${url.replace(API, '')}`;
    const route = routes[key];
    if (route === undefined) throw new Error(`unexpected request: ${key}`);
    const list = Array.isArray(route) ? route : [route];
    const index = Math.min(served.get(key) ?? 0, list.length - 1);
    served.set(key, index + 1);
    return (list[index] as Route)();
  });
}

const json =
  (body: unknown, status = 200): Route =>
  () =>
    jsonResponse(body, status);

const programmes = {
  programmes: [
    {
      programme: 'aws_ace',
      connected: true,
      settings: { catalog: 'Sandbox', region: 'us-east-1', countryCode: 'US' },
      credential: '****WXYZ',
      checkpoint: '2026-12-05T09:14:00.000Z',
      lastError: 'AWS is throttling requests; the next poll tries again.',
      connectedAt: '2026-12-01T10:00:00.000Z',
    },
    { programme: 'microsoft_referrals', connected: false },
  ],
};

const reads = {
  'GET /api/attribution/rules': json(attribution),
  'GET /api/scoring/config': json(scoring),
  'GET /api/dedupe/settings': json(dedupe),
  'GET /api/programmes': json(programmes),
};

async function renderSettings(routes: Record<string, Route | Route[]>) {
  const fetcher = routedFetcher(routes);
  const renderer = createRenderer('settings');
  renderer.render(
    <PartnerLoopSettings context={renderer.mocks.context} actions={renderer.mocks.actions} fetcher={fetcher} />,
  );
  await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'settings-dedupe-save')).not.toBeNull());
  return { renderer, fetcher };
}

function textOf(node: RenderedNode): string {
  const parts: string[] = [];
  const walk = (current: RenderedNode) => {
    if (current.nodeType === 'text') parts.push(current.text);
    else if ('childNodes' in current) for (const child of current.childNodes) walk(child);
  };
  walk(node);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

function fire(node: Pick<RenderedElementNode, 'trigger'>, event: string, value: unknown) {
  (node.trigger as (eventPropName: string, eventArg?: unknown) => void)(event, value);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PartnerLoopSettings: reading', () => {
  it('given the three documents, then each form shows its values by field and the programmes say "not connected"', async () => {
    const { renderer, fetcher } = await renderSettings(reads);
    for (const path of ['/api/attribution/rules', '/api/scoring/config', '/api/dedupe/settings']) {
      expect(fetcher).toHaveBeenCalledWith(`${API}${path}`, GET);
    }
    expect(renderer.findByTestId(Select, 'settings-attribution-field-requireLossReason').props.value).toBe(true);
    expect(
      JSON.parse(String(renderer.findByTestId(TextArea, 'settings-attribution-field-involvement').props.value)),
    ).toEqual(attribution.involvement);
    expect(renderer.findByTestId(NumberInput, 'settings-scoring-field-referencePercentile').props.value).toBe(0.9);
    expect(
      JSON.parse(String(renderer.findByTestId(TextArea, 'settings-scoring-field-matchRules').props.value)),
    ).toEqual(scoring.matchRules);
    expect(renderer.findByTestId(NumberInput, 'settings-dedupe-field-matchThreshold').props.value).toBe(0.9);
    // A dedupe number the tenant never set is offered empty, with the service's own value behind it.
    expect(renderer.findByTestId(NumberInput, 'settings-dedupe-field-renewalGapDays').props.value).toBeUndefined();
    await renderer.waitFor(() =>
      expect(renderer.maybeFindByTestId(StatusTag, 'settings-programmes-aws-status')).not.toBeNull(),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/programmes`, GET);
    expect(renderer.findByTestId(StatusTag, 'settings-programmes-aws-status').text).toBe('Connected');
    expect(renderer.findByTestId(Text, 'settings-programmes-aws-facts').text).toBe(
      'catalog Sandbox · us-east-1 · credential ****WXYZ · read up to 2026-12-05 09:14 UTC',
    );
    expect(renderer.findByTestId(Text, 'settings-programmes-aws-last-error').text).toContain('throttling');
    expect(renderer.findByTestId(StatusTag, 'settings-programmes-microsoft-status').text).toBe('Not connected');
    expect(renderer.maybeFindByTestId(Text, 'settings-programmes-microsoft-facts')).toBeNull();
  });

  it('given a document cannot be read, then that form says so in words and retries alone', async () => {
    const fetcher = routedFetcher({
      ...reads,
      'GET /api/dedupe/settings': [() => errorResponse(503, 'unavailable', 'PartnerLoop is restarting'), json(dedupe)],
    });
    const renderer = createRenderer('settings');
    renderer.render(
      <PartnerLoopSettings context={renderer.mocks.context} actions={renderer.mocks.actions} fetcher={fetcher} />,
    );
    await renderer.waitFor(() =>
      expect(renderer.maybeFindByTestId(ErrorState, 'settings-dedupe-error')).not.toBeNull(),
    );
    expect(textOf(renderer.findByTestId(ErrorState, 'settings-dedupe-error'))).toContain('PartnerLoop is restarting');
    expect(renderer.maybeFindByTestId(Button, 'settings-scoring-save')).not.toBeNull();
    renderer.findByTestId(Button, 'settings-dedupe-retry').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Button, 'settings-dedupe-save')).not.toBeNull());
  });
});

describe('PartnerLoopSettings: saving', () => {
  it('given an admin edits the attribution rules, when saving, then the PUT carries the whole document with the edit', async () => {
    const saved = { ...attribution, requireLossReason: false };
    const { renderer, fetcher } = await renderSettings({ ...reads, 'PUT /api/attribution/rules': json(saved) });
    fire(renderer.findByTestId(Select, 'settings-attribution-field-requireLossReason'), 'onChange', false);
    renderer.findByTestId(Button, 'settings-attribution-save').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.mocks.actions.addAlert.calls).toContainEqual([
        { type: 'success', message: 'Attribution rules saved.' },
      ]),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/attribution/rules`, {
      method: 'PUT',
      timeout: 10_000,
      body: { ...attribution, requireLossReason: false },
    });
  });

  it('given the scoring config with new match rules, when saving, then the PUT carries them and the 400 details land on their fields', async () => {
    const { renderer, fetcher } = await renderSettings({
      ...reads,
      'PUT /api/scoring/config': () =>
        errorResponse(
          400,
          'invalid_input',
          'invalid scoring config (2 problems): matchRules.rules.0.partners: names no partner',
          [
            'matchRules.rules.0.partners: names no partner; list ids, types or tiers',
            'referencePercentile: Too big: expected number to be <=1',
          ],
        ),
    });
    const rules = { rules: [{ action: 'exclude', partners: {} }] };
    fire(renderer.findByTestId(TextArea, 'settings-scoring-field-matchRules'), 'onChange', JSON.stringify(rules));
    fire(renderer.findByTestId(NumberInput, 'settings-scoring-field-referencePercentile'), 'onChange', 2);
    renderer.findByTestId(Button, 'settings-scoring-save').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.findByTestId(TextArea, 'settings-scoring-field-matchRules').props.error).toBe(true),
    );
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/scoring/config`, {
      method: 'PUT',
      timeout: 10_000,
      body: { ...scoring, matchRules: rules, referencePercentile: 2 },
    });
    expect(renderer.findByTestId(TextArea, 'settings-scoring-field-matchRules').props.validationMessage).toBe(
      'rules.0.partners: names no partner; list ids, types or tiers',
    );
    expect(
      renderer.findByTestId(NumberInput, 'settings-scoring-field-referencePercentile').props.validationMessage,
    ).toBe('Too big: expected number to be <=1');
    expect(renderer.findByTestId(TextArea, 'settings-scoring-field-activity').props.error).toBe(false);
    expect(renderer.mocks.actions.addAlert.calls).toEqual([]);
  });

  it('given a field that is not JSON, when saving, then it is marked and nothing is sent', async () => {
    const { renderer, fetcher } = await renderSettings(reads);
    fire(renderer.findByTestId(TextArea, 'settings-scoring-field-activity'), 'onChange', '{ dormantAfterDays: ');
    renderer.findByTestId(Button, 'settings-scoring-save').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.findByTestId(TextArea, 'settings-scoring-field-activity').props.validationMessage).toBe(
        'not valid JSON',
      ),
    );
    expect(fetcher.mock.calls.filter(([, options]) => options?.method === 'PUT')).toEqual([]);
  });

  it('given a plain user saves the dedupe settings, when the service answers 403, then the form says only a super admin can, in words', async () => {
    const { renderer, fetcher } = await renderSettings({
      ...reads,
      'PUT /api/dedupe/settings': () =>
        errorResponse(403, 'admin_required', 'only a HubSpot super admin can change the dedupe settings', ['user:42']),
    });
    fire(renderer.findByTestId(NumberInput, 'settings-dedupe-field-matchThreshold'), 'onChange', 0.95);
    fire(renderer.findByTestId(NumberInput, 'settings-dedupe-field-renewalGapDays'), 'onChange', 30);
    renderer.findByTestId(Button, 'settings-dedupe-save').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFindByTestId(Alert, 'settings-dedupe-forbidden')).not.toBeNull());
    expect(textOf(renderer.findByTestId(Alert, 'settings-dedupe-forbidden'))).toBe(
      'only a HubSpot super admin can change the dedupe settings. Ask a super admin of this HubSpot account to make the change.',
    );
    expect(renderer.findByTestId(Alert, 'settings-dedupe-forbidden').props.title).toBe(
      'Only a super admin can save these settings',
    );
    // Unset optional numbers stay out of the body; the ones the admin typed go in.
    expect(fetcher).toHaveBeenCalledWith(`${API}/api/dedupe/settings`, {
      method: 'PUT',
      timeout: 10_000,
      body: { matchThreshold: 0.95, renewalGapDays: 30, merge: dedupe.merge },
    });
  });
});
