import { z } from 'zod';
import { MOTION_STATES } from '../../src/model/cosell.ts';
import { InvalidInputError, parseInput } from '../../src/shared/errors.ts';

/**
 * The co-sell requests as the edge receives them (CoSellService for the card and operator motion calls, the operator
 * route for partner endpoints): validated here, so the repositories take typed values only.
 */

export const MOTION_ASK_MAX_CHARS = 2000;
export const MOTION_NOTE_MAX_CHARS = 2000;
export const SLA_DAYS_MIN = 1;
export const SLA_DAYS_MAX = 90;
export const PARTNER_SECRET_MIN_CHARS = 16;

const target = z.string().trim().min(1).max(200).optional();

/** "Start co-sell" (card-api.ts `StartCoSellRequest`, plus `asDraft` for callers that prepare a motion first). */
export const startMotionInputSchema = z
  .strictObject({
    partnerId: target,
    programme: target,
    ask: z.string().trim().min(1, 'Describe what you are asking the partner for.').max(MOTION_ASK_MAX_CHARS),
    slaDays: z.number().int().min(SLA_DAYS_MIN).max(SLA_DAYS_MAX).optional(),
    /** Keep the motion in `draft` instead of requesting at once (the card always requests). */
    asDraft: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.partnerId === undefined && input.programme === undefined) {
      ctx.addIssue({ code: 'custom', path: ['partnerId'], message: 'Choose a partner or name a programme.' });
    } else if (input.partnerId !== undefined && input.programme !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['programme'],
        message: 'A co-sell motion targets a partner or a programme, not both; start one motion for each.',
      });
    }
  });
export type StartMotionInput = z.input<typeof startMotionInputSchema>;
export type StartMotion = z.output<typeof startMotionInputSchema>;

/** card-api.ts `TransitionMotionRequest`, plus the optional version the caller last saw. */
export const transitionMotionInputSchema = z.strictObject({
  to: z.enum(MOTION_STATES),
  note: z.string().trim().max(MOTION_NOTE_MAX_CHARS).optional(),
  /** When given, the change is refused (409) unless the motion is still at this version. */
  expectedVersion: z.number().int().min(1).optional(),
});
export type TransitionMotionInput = z.input<typeof transitionMotionInputSchema>;
export type TransitionMotion = z.output<typeof transitionMotionInputSchema>;

/** What a tenant admin sends to configure a partner's webhook. The secret may be omitted to keep the current one. */
export const partnerEndpointInputSchema = z.strictObject({
  url: z.url().max(2000),
  secret: z.string().min(PARTNER_SECRET_MIN_CHARS).max(512).optional(),
  enabled: z.boolean().default(true),
});
export type PartnerEndpointInput = z.input<typeof partnerEndpointInputSchema>;
/** A validated endpoint request; `url` normalised (WHATWG serialisation). */
export type PartnerEndpointRequest = z.output<typeof partnerEndpointInputSchema>;

/** The card's sentences for the seller stay the message when they are the only problem. */
export function startMotionRequest(body: unknown): StartMotion {
  return parseInput(startMotionInputSchema, body, { what: 'co-sell request', sentenceRefinements: true });
}

export function transitionMotionRequest(body: unknown): TransitionMotion {
  return parseInput(transitionMotionInputSchema, body, { what: 'co-sell transition', sentenceRefinements: true });
}

export interface PartnerEndpointPolicy {
  /** Allow `http:` URLs (the sandbox and tests receive on loopback); production endpoints must be `https:`. */
  allowInsecureHttp?: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function partnerEndpointRequest(body: unknown, policy: PartnerEndpointPolicy = {}): PartnerEndpointRequest {
  const input = parseInput(partnerEndpointInputSchema, body, { what: 'partner webhook endpoint' });
  const url = new URL(input.url);
  const insecureAllowed = policy.allowInsecureHttp === true || LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecureAllowed)) {
    throw new InvalidInputError('The partner webhook URL must use https.', {
      details: ['url: expected an https URL'],
    });
  }
  if (url.username || url.password) {
    throw new InvalidInputError('The partner webhook URL must not carry credentials; use the signing secret.', {
      details: ['url: credentials in the URL'],
    });
  }
  return { ...input, url: url.toString() };
}
