import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseInput } from '../../shared/errors.ts';
import { COMPANY_READ_PROPERTIES, DEAL_READ_PROPERTIES } from './hubspot-mapping.ts';

/**
 * HubSpot webhook batches (developer-platform `object.*` events and legacy `deal.*` / `company.*` ones) → the work
 * they imply. Events are only triggers: the state is always re-read from HubSpot, so a replayed, duplicated or
 * reordered event cannot write anything wrong. Pure; no I/O.
 */

export const WEBHOOK_BATCH_LIMIT = 100;

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);

/** One event as HubSpot sends it; unknown fields are kept (HubSpot adds fields over time). */
export const webhookEventSchema = z.looseObject({
  eventId: id,
  subscriptionId: id,
  portalId: id,
  appId: id.optional(),
  occurredAt: z.number().int().nonnegative(),
  subscriptionType: z.string().min(1).max(200),
  attemptNumber: z.number().int().nonnegative().optional(),
  objectId: id.optional(),
  objectTypeId: z.string().max(20).optional(),
  propertyName: z.string().max(200).optional(),
  propertyValue: z.unknown().optional(),
  changeSource: z.string().max(100).optional(),
  sourceId: z.string().max(200).optional(),
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).max(1000).optional(),
  newObjectId: id.optional(),
  fromObjectId: id.optional(),
  toObjectId: id.optional(),
  fromObjectTypeId: z.string().max(20).optional(),
  toObjectTypeId: z.string().max(20).optional(),
  associationType: z.string().max(100).optional(),
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

export const webhookBatchSchema = z
  .array(webhookEventSchema, { message: 'a webhook delivery must be a JSON array of events' })
  .min(1, 'a webhook delivery must hold at least one event')
  .max(WEBHOOK_BATCH_LIMIT, `a webhook delivery holds at most ${WEBHOOK_BATCH_LIMIT} events`);

/** Validates a delivery; a bad one is refused whole (400) with every problem listed as `[index].field: message`. */
export function parseWebhookBatch(body: unknown): WebhookEvent[] {
  return parseInput(webhookBatchSchema, body, { what: 'webhook delivery' });
}

export type EventKind = 'creation' | 'deletion' | 'propertyChange' | 'merge' | 'associationChange' | 'restore';
export type EventObject = 'deals' | 'companies';

const OBJECT_TYPE_IDS: Readonly<Record<string, EventObject>> = { '0-3': 'deals', '0-2': 'companies' };
const LEGACY_OBJECTS: Readonly<Record<string, EventObject>> = { deal: 'deals', company: 'companies' };
const KINDS: ReadonlySet<string> = new Set([
  'creation',
  'deletion',
  'propertyChange',
  'merge',
  'associationChange',
  'restore',
]);

export interface ClassifiedEvent {
  kind: EventKind;
  objectType: EventObject;
  objectId: string;
}

/** What an event is about, or undefined for events we do not act on (other objects, unknown types). */
export function classifyEvent(event: WebhookEvent): ClassifiedEvent | undefined {
  const [prefix, action] = event.subscriptionType.split('.', 2);
  if (!prefix || !action || !KINDS.has(action)) return undefined;
  const kind = action as EventKind;
  const objectType = prefix === 'object' ? OBJECT_TYPE_IDS[event.objectTypeId ?? ''] : LEGACY_OBJECTS[prefix];
  if (kind === 'associationChange') {
    // Deal↔company links matter from either side; the deal is what we re-read.
    const fromDeal =
      event.fromObjectTypeId === '0-3' || (event.associationType ?? '').toUpperCase().startsWith('DEAL_TO_COMPANY');
    const toDeal =
      event.toObjectTypeId === '0-3' || (event.associationType ?? '').toUpperCase().startsWith('COMPANY_TO_DEAL');
    const dealId = fromDeal ? (event.fromObjectId ?? event.objectId) : toDeal ? event.toObjectId : undefined;
    return dealId ? { kind, objectType: 'deals', objectId: dealId } : undefined;
  }
  if (!objectType) return undefined;
  const objectId = kind === 'merge' ? (event.newObjectId ?? event.primaryObjectId ?? event.objectId) : event.objectId;
  return objectId ? { kind, objectType, objectId } : undefined;
}

/** Identifies one event across redeliveries: everything but `attemptNumber` (HubSpot's eventId alone may repeat). */
export function eventDedupeKey(event: WebhookEvent): string {
  const { attemptNumber: _attempt, ...rest } = event;
  const canonical = JSON.stringify(rest, Object.keys(rest).sort());
  return createHash('sha256').update(canonical).digest('base64url');
}

const READ_PROPERTIES: Readonly<Record<EventObject, ReadonlySet<string>>> = {
  deals: new Set<string>(DEAL_READ_PROPERTIES),
  companies: new Set<string>(COMPANY_READ_PROPERTIES),
};

/**
 * Events that cannot change anything we compute: a property we do not read (our own `pl_*` outputs among them), or
 * a property change written by this very app (HubSpot delivers an app's own writes back to it). Associations,
 * merges and deletions are never skipped, even our own: they are re-read, which is idempotent.
 */
export function isIgnorable(event: WebhookEvent, classified: ClassifiedEvent, appId: string | undefined): boolean {
  if (classified.kind !== 'propertyChange') return false;
  if (event.propertyName !== undefined && !READ_PROPERTIES[classified.objectType].has(event.propertyName)) return true;
  return appId !== undefined && event.changeSource === 'INTEGRATION' && event.sourceId === appId;
}

/**
 * HubSpot stamps `occurredAt` by its clock and a full read's start is ours: events this close before the start are
 * re-read anyway.
 */
export const CLOCK_SKEW_MS = 2 * 60_000;

/**
 * Whether a full read that began at `readStartedAt` (ms) already holds what the event changed: it happened before
 * the read began (by more than the clock skew), and the read saw every record after it. Merges are never covered: the
 * read sees the survivor, but only the event names the merged-away ids (the aliases).
 */
export function coveredByFullRead(event: WebhookEvent, readStartedAt: number): boolean {
  if (event.occurredAt >= readStartedAt - CLOCK_SKEW_MS) return false;
  return classifyEvent(event)?.kind !== 'merge';
}

export interface WebhookWork {
  /** Deals to re-read (created, changed, re-associated, restored, merge survivors, and deleted ones to confirm). */
  deals: string[];
  companies: string[];
  /** Merged-away ids → the surviving id, in the order they happened. */
  aliases: Array<{ objectType: EventObject; oldId: string; newId: string }>;
}

/** The work a set of events implies, applied in `occurredAt` order (ties by arrival). */
export function planWebhookWork(events: readonly WebhookEvent[]): WebhookWork {
  const ordered = events.map((event, index) => ({ event, index }));
  ordered.sort((a, b) => a.event.occurredAt - b.event.occurredAt || a.index - b.index);
  const deals = new Set<string>();
  const companies = new Set<string>();
  const aliases: WebhookWork['aliases'] = [];
  for (const { event } of ordered) {
    const classified = classifyEvent(event);
    if (!classified) continue;
    const touched = classified.objectType === 'deals' ? deals : companies;
    touched.add(classified.objectId);
    if (classified.kind === 'merge') {
      const merged = new Set([...(event.mergedObjectIds ?? []), event.primaryObjectId, event.objectId]);
      for (const oldId of merged) {
        if (!oldId || oldId === classified.objectId) continue;
        aliases.push({ objectType: classified.objectType, oldId, newId: classified.objectId });
        touched.add(oldId);
      }
    }
  }
  return { deals: [...deals], companies: [...companies], aliases };
}
