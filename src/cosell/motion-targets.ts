import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type RetryDecision, retryAfterMs } from '../shared/retry-after.ts';
import { type CoSellMotion, MOTION_STATES, type MotionHistoryEntry, type MotionState } from './motion-state-machine.ts';

/**
 * Where a motion's changes go. Each kind is one `MotionTarget`; the notify job picks it by the delivery's `target`.
 * `partner_webhook` is implemented here; the hyperscaler programmes (AWS Partner Central / ACE, Microsoft Partner
 * Center referrals) plug in later as further kinds with the same contract.
 */
export const MOTION_TARGET_KINDS = ['partner_webhook', 'aws_ace', 'microsoft_referrals'] as const;
export type MotionTargetKind = (typeof MOTION_TARGET_KINDS)[number];

/**
 * The programme a motion names, as a target kind: "AWS", "AWS ACE", "aws_ace", "Amazon" → `aws_ace`; "Microsoft",
 * "Microsoft referral(s)", "microsoft_referrals" → `microsoft_referrals`; anything else (a programme worked by hand)
 * → null, and the motion is tracked without being sent anywhere.
 */
export function programmeKindOf(programme: string | null): 'aws_ace' | 'microsoft_referrals' | null {
  const words = (programme ?? '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
  if (/^(aws|amazon)( ace| partner central)?$|^aws ace$/.test(words) || words === 'ace') return 'aws_ace';
  if (/^(microsoft|msft|mpn)( partner center)?( referrals?)?$/.test(words)) return 'microsoft_referrals';
  return null;
}

/**
 * What a target is told about a motion. Deliberately without history, actors and notes: those are the tenant's
 * internal record (a note may say why the partner is slow); the ask is what the partner is meant to read.
 */
export const notifiedMotionSchema = z.strictObject({
  tenantId: z.string(),
  id: z.string(),
  dealId: z.string(),
  partnerId: z.string().nullable(),
  programme: z.string().nullable(),
  ask: z.string(),
  ownerId: z.string(),
  state: z.enum(MOTION_STATES),
  slaDueAt: z.string(),
  createdAt: z.string(),
});
export type NotifiedMotion = z.infer<typeof notifiedMotionSchema>;

/** One change of a motion, told once per target: `deliveryId` is the idempotency id receivers dedupe on. */
export const motionEventSchema = z.strictObject({
  deliveryId: z.string(),
  type: z.string().regex(/^cosell\.motion\.[a-z]+$/),
  occurredAt: z.string(),
  from: z.enum(MOTION_STATES).nullable(),
  to: z.enum(MOTION_STATES),
});
export type MotionEvent = z.infer<typeof motionEventSchema>;

/** What the outbox stores per delivery: the motion as it was at the event, and the event. */
export const deliveryPayloadSchema = z.strictObject({ motion: notifiedMotionSchema, event: motionEventSchema });
export type DeliveryPayload = z.infer<typeof deliveryPayloadSchema>;

export type DeliveryOutcome =
  | { status: 'delivered'; httpStatus: number }
  /** Worth another try later (timeouts, 408, 429, 5xx, network errors). */
  | { status: 'retry'; error: string; retryAfterSeconds?: number }
  /** Final: trying again cannot help (4xx, redirects, no endpoint). */
  | { status: 'failed'; error: string };

export interface MotionTarget {
  readonly kind: MotionTargetKind;
  /** Tells the target about `event`. Must not throw for delivery problems: it returns the outcome instead. */
  notify(motion: NotifiedMotion, event: MotionEvent): Promise<DeliveryOutcome>;
}

export function notifiedMotion(motion: CoSellMotion): NotifiedMotion {
  return {
    tenantId: motion.tenantId,
    id: motion.id,
    dealId: motion.dealId,
    partnerId: motion.partnerId,
    programme: motion.programme,
    ask: motion.ask,
    ownerId: motion.ownerId,
    state: motion.state,
    slaDueAt: motion.slaDueAt.toISOString(),
    createdAt: motion.createdAt.toISOString(),
  };
}

export function motionEvent(deliveryId: string, entry: MotionHistoryEntry): MotionEvent {
  return {
    deliveryId,
    type: `cosell.motion.${entry.to}`,
    occurredAt: entry.at.toISOString(),
    from: entry.from,
    to: entry.to,
  };
}

/**
 * Whether a partner hears about a change: from the moment it is asked (→ requested) on. A draft is the tenant's own
 * business, so its creation, and withdrawing it before it was ever sent, tell the partner nothing.
 */
export function shouldNotifyPartner(from: MotionState | null, to: MotionState): boolean {
  if (to === 'draft') return false;
  if (from === 'draft' && to === 'withdrawn') return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// partner_webhook: a signed POST to the URL the tenant configured for the partner.
//
// Signature scheme (v1), for receivers:
//   signed content = X-PartnerLoop-Timestamp + "." + raw request body   (timestamp: Unix seconds, decimal)
//   X-PartnerLoop-Signature = "v1=" + lowercase hex HMAC-SHA256(partner secret, signed content)
//   X-PartnerLoop-Delivery = the delivery id (a UUID): identical on every retry of one event; dedupe on it.
// Receivers recompute over the raw bytes, compare in constant time, and refuse timestamps older (or further in the
// future) than 5 minutes, which bounds replay. The header may carry several comma-separated `v1=` values.
// ---------------------------------------------------------------------------------------------------------------

export const PARTNER_WEBHOOK_HEADERS = {
  signature: 'X-PartnerLoop-Signature',
  timestamp: 'X-PartnerLoop-Timestamp',
  delivery: 'X-PartnerLoop-Delivery',
} as const;

export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface PartnerWebhookEndpoint {
  partnerId: string;
  url: string;
  secret: string;
  enabled: boolean;
}

export interface OutboundRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export function partnerWebhookSignature(secret: string, timestamp: string, body: string | Uint8Array): string {
  return `${SIGNATURE_SCHEME}=${hmacHex(secret, timestamp, body)}`;
}

/** The JSON body partners receive: the event id and type, then the motion and the transition. */
export function partnerWebhookBody(motion: NotifiedMotion, event: MotionEvent): string {
  return JSON.stringify({
    id: event.deliveryId,
    type: event.type,
    occurredAt: event.occurredAt,
    motion: {
      id: motion.id,
      dealId: motion.dealId,
      partnerId: motion.partnerId,
      programme: motion.programme,
      state: motion.state,
      ask: motion.ask,
      ownerId: motion.ownerId,
      slaDueAt: motion.slaDueAt,
      createdAt: motion.createdAt,
    },
    transition: { from: event.from, to: event.to },
  });
}

/** The signed request, pure: same inputs, same bytes. `timestampSeconds` is the send time (Unix seconds). */
export function buildPartnerWebhookRequest(input: {
  url: string;
  secret: string;
  deliveryId: string;
  timestampSeconds: number;
  body: string;
}): OutboundRequest {
  const timestamp = String(Math.floor(input.timestampSeconds));
  return {
    url: input.url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'PartnerLoop-Webhooks/1',
      [PARTNER_WEBHOOK_HEADERS.delivery]: input.deliveryId,
      [PARTNER_WEBHOOK_HEADERS.timestamp]: timestamp,
      [PARTNER_WEBHOOK_HEADERS.signature]: partnerWebhookSignature(input.secret, timestamp, input.body),
    },
    body: input.body,
  };
}

export type ReceivedHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: ReceivedHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(',');
  }
  return undefined;
}

export type PartnerWebhookVerification =
  | { ok: true; deliveryId: string; timestampSeconds: number }
  | { ok: false; reason: 'missing_header' | 'malformed' | 'stale' | 'mismatch' };

/**
 * For receivers (and our tests): checks a delivery's signature over the raw body. `secrets` may hold the current and
 * the previous secret while a partner rotates. Constant-time comparison; stale or far-future timestamps refused.
 */
export function verifyPartnerWebhook(input: {
  secrets: string | readonly string[];
  headers: ReceivedHeaders;
  body: string | Uint8Array;
  nowSeconds: number;
  toleranceSeconds?: number;
}): PartnerWebhookVerification {
  const signature = header(input.headers, PARTNER_WEBHOOK_HEADERS.signature);
  const timestamp = header(input.headers, PARTNER_WEBHOOK_HEADERS.timestamp);
  const deliveryId = header(input.headers, PARTNER_WEBHOOK_HEADERS.delivery);
  if (!signature || !timestamp || !deliveryId) return { ok: false, reason: 'missing_header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => part.slice(SIGNATURE_SCHEME.length + 1));
  if (candidates.length === 0 || candidates.some((hex) => !/^[0-9a-f]{64}$/.test(hex))) {
    return { ok: false, reason: 'malformed' };
  }
  const timestampSeconds = Number(timestamp);
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - timestampSeconds) > tolerance) return { ok: false, reason: 'stale' };
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, timestamp, input.body), 'hex');
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) return { ok: true, deliveryId, timestampSeconds };
    }
  }
  return { ok: false, reason: 'mismatch' };
}

export interface FailedDelivery {
  /** HTTP status of a non-2xx answer; undefined when no answer came (timeout, refused, reset). */
  status: number | undefined;
  /** `Retry-After` header value, if any. */
  retryAfter?: string | null | undefined;
  /** What went wrong on the network, for the record. */
  networkError?: string | undefined;
}

/**
 * What a failed delivery means, in the decision shape every adapter's classifier returns (src/shared/retry-after.ts):
 * no answer, 408, 429 and 5xx are worth retrying (after the endpoint's Retry-After when it sends one; the delivery id
 * makes a repeat safe for receivers that dedupe); every other status is final — a 4xx says the request itself is
 * wrong for that receiver, and redirects are not followed (a signed request is for the URL the tenant configured).
 */
export function classifyDeliveryFailure(failure: FailedDelivery, nowMs: number = Date.now()): RetryDecision {
  const { status } = failure;
  if (status === undefined) {
    return { action: 'retry', reason: `partner endpoint unreachable (${failure.networkError ?? 'no answer'})` };
  }
  const reason = `partner endpoint answered HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    const waitMs = retryAfterMs(failure.retryAfter, nowMs);
    return waitMs === undefined ? { action: 'retry', reason } : { action: 'retry', waitMs, reason };
  }
  if (status >= 300 && status < 400) return { action: 'fail', reason: `${reason} (redirects are not followed)` };
  if (status >= 400) return { action: 'fail', reason };
  return { action: 'retry', reason };
}

/** The delivery outcome a decision amounts to (the notify job retries through pg-boss, the wait in whole seconds). */
function deliveryOutcome(decision: RetryDecision): DeliveryOutcome {
  if (decision.action !== 'retry') return { status: 'failed', error: decision.reason };
  return decision.waitMs === undefined
    ? { status: 'retry', error: decision.reason }
    : { status: 'retry', error: decision.reason, retryAfterSeconds: Math.ceil(decision.waitMs / 1000) };
}

/** What a partner endpoint's answer means for the delivery: 2xx delivered, anything else as `classifyDeliveryFailure`. */
export function classifyDeliveryResponse(
  status: number,
  retryAfter?: string | null,
  nowMs: number = Date.now(),
): DeliveryOutcome {
  if (status >= 200 && status < 300) return { status: 'delivered', httpStatus: status };
  return deliveryOutcome(classifyDeliveryFailure({ status, retryAfter }, nowMs));
}

export interface PartnerWebhookTargetOptions {
  /** The tenant's configured endpoint for a partner (secret decrypted), if any. */
  endpointFor(tenantId: string, partnerId: string): Promise<PartnerWebhookEndpoint | undefined>;
  fetch?: typeof fetch;
  /** Epoch milliseconds. */
  now?: () => number;
  timeoutMs?: number;
}

/** The `partner_webhook` target: signs and POSTs the event; never throws for HTTP or network problems. */
export function createPartnerWebhookTarget(options: PartnerWebhookTargetOptions): MotionTarget {
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    kind: 'partner_webhook',
    async notify(motion, event) {
      if (motion.partnerId === null) return { status: 'failed', error: 'the motion has no partner to notify' };
      const endpoint = await options.endpointFor(motion.tenantId, motion.partnerId);
      if (!endpoint?.enabled) return { status: 'failed', error: 'no enabled webhook endpoint for the partner' };
      const request = buildPartnerWebhookRequest({
        url: endpoint.url,
        secret: endpoint.secret,
        deliveryId: event.deliveryId,
        timestampSeconds: now() / 1000,
        body: partnerWebhookBody(motion, event),
      });
      let response: Response;
      try {
        response = await send(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        const message = error instanceof Error ? `${error.name}: ${error.message}${cause}` : String(error);
        return deliveryOutcome(classifyDeliveryFailure({ status: undefined, networkError: message }, now()));
      }
      // The answer's body is not ours to keep (provider text never reaches sellers or logs); drain it so the socket
      // is released.
      await response.body?.cancel().catch(() => undefined);
      return classifyDeliveryResponse(response.status, response.headers.get('retry-after'), now());
    },
  };
}
