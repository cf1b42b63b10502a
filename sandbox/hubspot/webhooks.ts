import { createHash } from 'node:crypto';
import { signV3 } from '../../src/crm/hubspot/hubspot-signature.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { ChangeActor, PortalChange } from './portal/portal-changes.ts';
import { type CrmObjectType, OBJECT_TYPE_IDS } from './properties.ts';

/**
 * HubSpot-style webhook delivery: changes made in a sandbox portal become events, batched (≤ 100 per request, per
 * portal) after a short delay, POSTed as a JSON array to the app's target URL with `X-HubSpot-Signature-v3` +
 * `X-HubSpot-Request-Timestamp` (and the legacy v1 `X-HubSpot-Signature`), and retried with back-off when the
 * receiver fails (5xx, 429 after its Retry-After, timeout, connection error), each retry carrying `attemptNumber + 1`;
 * a 400/401/403/404/405 answer is final.
 *
 * Changes made through the API by the app itself are delivered too, with `changeSource: "INTEGRATION"` and
 * `sourceId` = the app id — HubSpot does not filter an app's own writes, so the consumer must skip its echoes.
 */

export type WebhookEventType = 'creation' | 'deletion' | 'propertyChange' | 'merge' | 'associationChange';

export interface WebhookSubscription {
  id: number;
  objectType: CrmObjectType;
  eventType: WebhookEventType;
  /** For propertyChange: the one property watched; undefined = every property (a sandbox convenience). */
  propertyName?: string;
}

export interface WebhookOptions {
  /** Where batches go; undefined = no webhooks (changes are not recorded). */
  target: string | undefined;
  /**
   * `object`: the developer-platform format (`object.propertyChange` + `objectTypeId`), used by project apps on
   * platform 2025.2+; `legacy`: `deal.propertyChange`, `company.creation`, … of the legacy webhooks API.
   */
  style: 'object' | 'legacy';
  batchDelayMs: number;
  maxBatchSize: number;
  /** Attempts per batch including the first (HubSpot: up to 10 retries over 24 hours; faster here). */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** HubSpot waits 5 seconds for the receiver before counting a timeout. */
  timeoutMs: number;
  maxConcurrentRequests: number;
  subscriptions: WebhookSubscription[];
  /** Drop events caused by the app's own token (not HubSpot's behaviour; for tests that want silence). */
  suppressOwnAppChanges: boolean;
}

export function defaultSubscriptions(): WebhookSubscription[] {
  const types: WebhookEventType[] = ['creation', 'deletion', 'propertyChange', 'merge', 'associationChange'];
  const objects: CrmObjectType[] = ['deals', 'companies'];
  return objects.flatMap((objectType, o) =>
    types.map((eventType, t) => ({ id: 5_000_000 + o * 100 + t, objectType, eventType })),
  );
}

export const DEFAULT_WEBHOOK_OPTIONS: Omit<WebhookOptions, 'subscriptions'> = {
  target: undefined,
  style: 'object',
  batchDelayMs: 50,
  maxBatchSize: 100,
  maxAttempts: 10,
  retryBaseMs: 100,
  retryMaxMs: 5_000,
  timeoutMs: 5_000,
  maxConcurrentRequests: 10,
  suppressOwnAppChanges: false,
};

export type WebhookEvent = Record<string, string | number | boolean | string[] | number[]> & {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
};

export interface DeliveryRecord {
  portalId: number;
  attempt: number;
  events: number;
  status: number | undefined;
  error: string | undefined;
  at: number;
}

const NO_RETRY_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 405]);

const LEGACY_NAMES: Readonly<Record<CrmObjectType, string>> = { deals: 'deal', companies: 'company' };

export class WebhookDispatcher {
  readonly options: WebhookOptions;
  readonly deliveries: DeliveryRecord[] = [];
  /** Events waiting for the next batch, per portal (sent after `batchDelayMs` or at `maxBatchSize`). */
  private readonly queues = new Map<number, WebhookEvent[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Retries waiting for their backoff, each with the resolver that wakes it (close() wakes them all, to give up). */
  private readonly retryTimers = new Map<NodeJS.Timeout, () => void>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private nextEventId = 1_000_001;
  private closed = false;

  constructor(
    options: Partial<WebhookOptions>,
    private readonly app: { appId: number; clientSecret: string },
    private readonly clock: Clock,
  ) {
    this.options = { ...DEFAULT_WEBHOOK_OPTIONS, subscriptions: defaultSubscriptions(), ...options };
  }

  setTarget(target: string | undefined): void {
    this.options.target = target;
  }

  /** Turns one portal change into the events its subscriptions ask for, and queues them. */
  record(portalId: number, change: PortalChange): void {
    // Without a target there is nobody to deliver to; HubSpot does not queue for an app without a URL either.
    if (this.closed || !this.options.target) return;
    if (this.options.suppressOwnAppChanges && isOwnApp(change.actor, this.app.appId)) return;
    for (const event of this.eventsFor(portalId, change)) {
      let queue = this.queues.get(portalId);
      if (!queue) {
        queue = [];
        this.queues.set(portalId, queue);
      }
      queue.push(event);
      if (queue.length >= this.options.maxBatchSize) this.drain(portalId);
    }
    if (this.queues.size > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        for (const portal of [...this.queues.keys()]) this.drain(portal);
      }, this.options.batchDelayMs);
      this.timer.unref?.();
    }
  }

  /** Events recorded but not sent yet. */
  pending(portalId?: number): WebhookEvent[] {
    if (portalId !== undefined) return [...(this.queues.get(portalId) ?? [])];
    return [...this.queues.values()].flat();
  }

  /** Sends what is queued now and waits until every delivery, retries included, has finished. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const portal of [...this.queues.keys()]) this.drain(portal);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // A retry waiting for its backoff is woken, sees `closed` and gives up: clearing its timer alone would leave its
    // delivery pending forever, and this close with it.
    for (const [timer, wake] of this.retryTimers) {
      clearTimeout(timer);
      wake();
    }
    this.retryTimers.clear();
    this.queues.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private drain(portalId: number): void {
    const queue = this.queues.get(portalId);
    if (!queue || queue.length === 0 || !this.options.target) return;
    this.queues.delete(portalId);
    for (let start = 0; start < queue.length; start += this.options.maxBatchSize) {
      this.track(this.deliver(portalId, queue.slice(start, start + this.options.maxBatchSize), 0));
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async acquire(): Promise<void> {
    if (this.active < this.options.maxConcurrentRequests) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private async deliver(portalId: number, events: WebhookEvent[], attempt: number): Promise<void> {
    const target = this.options.target;
    if (!target || this.closed) return;
    const batch = events.map((event) => ({ ...event, attemptNumber: attempt }));
    const body = JSON.stringify(batch);
    const timestamp = this.clock.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (sandbox)',
      'x-hubspot-signature-v3': signV3({ secret: this.app.clientSecret, method: 'POST', uri: target, body, timestamp }),
      'x-hubspot-request-timestamp': String(timestamp),
      'x-hubspot-signature': createHash('sha256')
        .update(this.app.clientSecret + body)
        .digest('hex'),
      'x-hubspot-signature-version': 'v1',
    };
    let status: number | undefined;
    let error: string | undefined;
    let retryAfterMs: number | undefined;
    await this.acquire();
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
      await response.arrayBuffer().catch(() => undefined);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    } finally {
      this.release();
    }
    this.deliveries.push({ portalId, attempt, events: batch.length, status, error, at: timestamp });
    const ok = status !== undefined && status >= 200 && status < 300;
    // HubSpot does not retry 400/401/403/404/405 answers: the receiver refused the batch on purpose.
    const refused = status !== undefined && NO_RETRY_STATUSES.has(status);
    if (ok || refused || attempt + 1 >= this.options.maxAttempts || this.closed) return;
    // A 429 from the receiver is retried after its Retry-After (capped like every sandbox delay).
    const backoff = this.options.retryBaseMs * 2 ** attempt;
    const delay = Math.min(
      this.options.retryMaxMs,
      status === 429 && retryAfterMs !== undefined ? retryAfterMs : backoff,
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        resolve();
      }, delay);
      this.retryTimers.set(timer, resolve);
    });
    await this.deliver(portalId, events, attempt + 1);
  }

  private subscriptionFor(
    objectType: CrmObjectType,
    eventType: WebhookEventType,
    propertyName?: string,
  ): WebhookSubscription | undefined {
    return this.options.subscriptions.find(
      (subscription) =>
        subscription.objectType === objectType &&
        subscription.eventType === eventType &&
        (eventType !== 'propertyChange' ||
          subscription.propertyName === undefined ||
          subscription.propertyName === propertyName),
    );
  }

  private base(
    portalId: number,
    subscription: WebhookSubscription,
    objectType: CrmObjectType,
    at: number,
    actor: ChangeActor,
  ) {
    const legacy = this.options.style === 'legacy';
    const subscriptionType = legacy
      ? `${LEGACY_NAMES[objectType]}.${subscription.eventType}`
      : `object.${subscription.eventType}`;
    return {
      eventId: this.nextEventId++,
      subscriptionId: subscription.id,
      portalId,
      appId: this.app.appId,
      occurredAt: at,
      subscriptionType,
      attemptNumber: 0,
      ...(legacy ? {} : { objectTypeId: OBJECT_TYPE_IDS[objectType] }),
      changeSource: actor.changeSource,
      sourceId: actor.sourceId,
    };
  }

  private eventsFor(portalId: number, change: PortalChange): WebhookEvent[] {
    switch (change.kind) {
      case 'creation':
      case 'deletion': {
        const subscription = this.subscriptionFor(change.objectType, change.kind);
        if (!subscription) return [];
        return [
          {
            ...this.base(portalId, subscription, change.objectType, change.at, change.actor),
            objectId: Number(change.objectId),
            changeFlag: change.kind === 'creation' ? 'CREATED' : 'DELETED',
          },
        ];
      }
      case 'propertyChange': {
        const subscription = this.subscriptionFor(change.objectType, 'propertyChange', change.propertyName);
        if (!subscription) return [];
        return [
          {
            ...this.base(portalId, subscription, change.objectType, change.at, change.actor),
            objectId: Number(change.objectId),
            propertyName: change.propertyName,
            propertyValue: change.propertyValue,
          },
        ];
      }
      case 'merge': {
        const subscription = this.subscriptionFor(change.objectType, 'merge');
        if (!subscription) return [];
        return [
          {
            ...this.base(portalId, subscription, change.objectType, change.at, change.actor),
            objectId: Number(change.primaryObjectId),
            primaryObjectId: Number(change.primaryObjectId),
            mergedObjectIds: change.mergedObjectIds.map(Number),
            newObjectId: Number(change.newObjectId),
            numberOfPropertiesMoved: change.numberOfPropertiesMoved,
          },
        ];
      }
      case 'associationChange': {
        const subscription = this.subscriptionFor(change.fromType, 'associationChange');
        if (!subscription) return [];
        const common = this.base(portalId, subscription, change.fromType, change.at, change.actor);
        const legacy = this.options.style === 'legacy';
        return [
          {
            ...common,
            objectId: Number(change.fromId),
            ...(legacy
              ? { associationType: `${LEGACY_NAMES[change.fromType]}_TO_${LEGACY_NAMES[change.toType]}`.toUpperCase() }
              : {
                  fromObjectTypeId: OBJECT_TYPE_IDS[change.fromType],
                  toObjectTypeId: OBJECT_TYPE_IDS[change.toType],
                  associationTypeId: change.typeId,
                  associationCategory: change.category,
                }),
            fromObjectId: Number(change.fromId),
            toObjectId: Number(change.toId),
            associationRemoved: change.removed,
            isPrimaryAssociation: change.isPrimary,
          },
        ];
      }
    }
  }
}

export function isOwnApp(actor: ChangeActor, appId: number): boolean {
  return actor.changeSource === 'INTEGRATION' && actor.sourceId === String(appId);
}
