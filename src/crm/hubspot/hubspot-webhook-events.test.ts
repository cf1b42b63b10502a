import { describe, expect, it } from 'vitest';
import {
  classifyEvent,
  eventDedupeKey,
  isIgnorable,
  parseWebhookBatch,
  planWebhookWork,
  type WebhookEvent,
} from './hubspot-webhook-events.ts';

function event(overrides: Record<string, unknown>): WebhookEvent {
  return parseWebhookBatch([
    { eventId: 1, subscriptionId: 2, portalId: 3, occurredAt: 1000, subscriptionType: 'object.creation', ...overrides },
  ])[0]!;
}

describe('classifyEvent', () => {
  it.each([
    [
      { subscriptionType: 'object.creation', objectTypeId: '0-3', objectId: 10 },
      { kind: 'creation', objectType: 'deals', objectId: '10' },
    ],
    [
      { subscriptionType: 'deal.propertyChange', objectId: 11, propertyName: 'amount' },
      { kind: 'propertyChange', objectType: 'deals', objectId: '11' },
    ],
    [
      { subscriptionType: 'company.deletion', objectId: 12 },
      { kind: 'deletion', objectType: 'companies', objectId: '12' },
    ],
    [
      {
        subscriptionType: 'object.merge',
        objectTypeId: '0-3',
        objectId: 13,
        primaryObjectId: 13,
        mergedObjectIds: [14],
        newObjectId: 15,
      },
      { kind: 'merge', objectType: 'deals', objectId: '15' },
    ],
    [
      {
        subscriptionType: 'object.associationChange',
        fromObjectTypeId: '0-2',
        toObjectTypeId: '0-3',
        fromObjectId: 20,
        toObjectId: 21,
      },
      { kind: 'associationChange', objectType: 'deals', objectId: '21' },
    ],
    [
      {
        subscriptionType: 'deal.associationChange',
        associationType: 'DEAL_TO_COMPANY',
        fromObjectId: 22,
        toObjectId: 23,
      },
      { kind: 'associationChange', objectType: 'deals', objectId: '22' },
    ],
    [{ subscriptionType: 'object.creation', objectTypeId: '0-1', objectId: 30 }, undefined],
    [{ subscriptionType: 'contact.creation', objectId: 31 }, undefined],
    [{ subscriptionType: 'object.unknownThing', objectTypeId: '0-3', objectId: 32 }, undefined],
  ])('given %o, when classified, then %o', (input, expected) => {
    expect(classifyEvent(event(input))).toEqual(expected);
  });
});

describe('eventDedupeKey', () => {
  it('given a redelivery (only attemptNumber differs), when keyed, then the key is the same', () => {
    expect(eventDedupeKey(event({ attemptNumber: 0, objectId: 5 }))).toBe(
      eventDedupeKey(event({ attemptNumber: 3, objectId: 5 })),
    );
  });

  it('given the same eventId for another object or time, when keyed, then the keys differ (HubSpot eventIds may repeat)', () => {
    const base = eventDedupeKey(event({ objectId: 5 }));
    expect(eventDedupeKey(event({ objectId: 6 }))).not.toBe(base);
    expect(eventDedupeKey(event({ objectId: 5, occurredAt: 1001 }))).not.toBe(base);
  });
});

describe('isIgnorable', () => {
  const change = (overrides: Record<string, unknown>) =>
    event({ subscriptionType: 'object.propertyChange', objectTypeId: '0-3', objectId: 1, ...overrides });
  it.each([
    ['a property we read, changed by a user', { propertyName: 'amount', changeSource: 'CRM_UI' }, false],
    ['a property we write (our output)', { propertyName: 'pl_attribution_status' }, true],
    ['our own write echoed back', { propertyName: 'amount', changeSource: 'INTEGRATION', sourceId: '77' }, true],
    ['another integration’s write', { propertyName: 'amount', changeSource: 'INTEGRATION', sourceId: '78' }, false],
  ])('given %s, when checked, then ignorable is %s', (_name, overrides, expected) => {
    const e = change(overrides);
    expect(isIgnorable(e, classifyEvent(e)!, '77')).toBe(expected);
  });

  it('given a deletion made by our own app, when checked, then it is never ignored', () => {
    const e = event({
      subscriptionType: 'object.deletion',
      objectTypeId: '0-3',
      objectId: 1,
      changeSource: 'INTEGRATION',
      sourceId: '77',
    });
    expect(isIgnorable(e, classifyEvent(e)!, '77')).toBe(false);
  });
});

describe('planWebhookWork', () => {
  it('given events out of order, when planned, then merges alias every merged id to the survivor in occurredAt order', () => {
    const work = planWebhookWork([
      event({
        subscriptionType: 'object.merge',
        objectTypeId: '0-3',
        occurredAt: 3000,
        primaryObjectId: 2,
        mergedObjectIds: [3],
        newObjectId: 2,
        objectId: 2,
      }),
      event({
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-3',
        occurredAt: 1000,
        objectId: 3,
        propertyName: 'amount',
      }),
      event({
        subscriptionType: 'object.merge',
        objectTypeId: '0-3',
        occurredAt: 2000,
        primaryObjectId: 9,
        mergedObjectIds: [8],
        newObjectId: 10,
        objectId: 9,
      }),
      event({
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-2',
        occurredAt: 1500,
        objectId: 50,
        propertyName: 'pl_is_partner',
      }),
    ]);
    expect(work.aliases).toEqual([
      { objectType: 'deals', oldId: '8', newId: '10' },
      { objectType: 'deals', oldId: '9', newId: '10' },
      { objectType: 'deals', oldId: '3', newId: '2' },
    ]);
    expect(new Set(work.deals)).toEqual(new Set(['3', '8', '9', '10', '2']));
    expect(work.companies).toEqual(['50']);
  });
});

describe('parseWebhookBatch', () => {
  it('given a bad event, when parsed, then every problem is named with its index and field', () => {
    expect(() => parseWebhookBatch([{ eventId: 'x' }])).toThrow(/\[0\]\.eventId|0\.eventId|\[0\]eventId/);
    try {
      parseWebhookBatch([{ eventId: 1, subscriptionId: 2, portalId: 3, occurredAt: -1, subscriptionType: '' }]);
    } catch (error) {
      const details = (error as { details: string[] }).details;
      expect(details.some((d) => d.startsWith('[0].occurredAt'))).toBe(true);
      expect(details.some((d) => d.startsWith('[0].subscriptionType'))).toBe(true);
    }
  });
});
