// The TypeScript mirror of the Apex class PartnerLoopCardController
// (extensions/salesforce/force-app/main/default/classes/PartnerLoopCardController.cls), for the local preview of the
// Salesforce card: the same inputs checked with the same sentences, each method mapped to the same ONE service call
// (method, path under `/api/salesforce/card`, JSON body), and a non-2xx answer turned into the same message. Pure: the
// preview's routes make the call (salesforce-preview.routes.ts). When the class changes, this file changes with it;
// card-controller.mirror.test.ts pins each mapping.

import { z } from 'zod';
import { MOTION_STATES } from '../../../src/model/cosell.ts';
import { PARTNER_ROLES } from '../../../src/model/deal.ts';
import { InvalidInputError, parseInput } from '../../../src/shared/errors.ts';

export const UNREACHABLE_MESSAGE = 'PartnerLoop could not be reached. Check your connection and try again.';
export const UNVERIFIED_MESSAGE =
  'PartnerLoop could not verify this Salesforce org. Ask your Salesforce admin to check the PartnerLoop named credential and its OrgKey.';
export const BUSY_MESSAGE = 'PartnerLoop is busy right now. Wait a moment and try again.';

/** The controller's callout timeout (`TIMEOUT_MS`). */
export const APEX_TIMEOUT_MS = 10_000;
/** Where every callout goes, after the Named Credential's base URL (`BASE_PATH`). */
export const APEX_BASE_PATH = '/api/salesforce/card';

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const MOTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Apex `Set<String>` iterates in insertion order: the class lists these in src/model's order (card-contract test). */
const PARTNER_ROLE_SET: ReadonlySet<string> = new Set(PARTNER_ROLES);
const MOTION_STATE_SET: ReadonlySet<string> = new Set(MOTION_STATES);
const SEARCH_MIN_CHARS = 2;
const SEARCH_MAX_CHARS = 100;
const ASK_MAX_CHARS = 1000;
const PROGRAMME_MAX_CHARS = 200;
const NOTE_MAX_CHARS = 2000;
const REASON_MIN_CHARS = 3;
const REASON_MAX_CHARS = 500;
const SLA_DAYS_MIN = 1;
const SLA_DAYS_MAX = 90;
const MESSAGE_MAX_CHARS = 300;

/**
 * What the controller throws for a bad input: an AuraHandledException, whose message the LWC shows as words
 * (`error.body.message`). Answered 400 by the preview's Apex endpoint, before any call to the service.
 */
export class ApexUserError extends InvalidInputError {}

/** The one service call an Apex method makes. */
export interface ApexCallout {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under APEX_BASE_PATH, with its query string. */
  path: string;
  body: Record<string, unknown> | null;
}

// Apex parameters as LWC sends them: a missing one and `null` are both Apex's null. A value of the wrong type never
// reaches Apex (the platform refuses it), so it is refused here too, with the parameter named.
const text = z.string().nullish();
const decimal = z.number().finite().nullish();
const integer = z.number().int().nullish();

const PARAMS = {
  getCard: z.strictObject({ opportunityId: text }),
  searchPartners: z.strictObject({ query: text }),
  tagPartner: z.strictObject({ opportunityId: text, partnerId: text, role: text, splitPct: decimal }),
  untagPartner: z.strictObject({ opportunityId: text, partnerId: text, role: text, overrideReason: text }),
  markNotDuplicate: z.strictObject({ opportunityId: text, otherDealId: text }),
  startCoSell: z.strictObject({ opportunityId: text, partnerId: text, programme: text, ask: text, slaDays: integer }),
  transitionMotion: z.strictObject({ motionId: text, toState: text, note: text }),
} as const;

export type ApexMethod = keyof typeof PARAMS;
/** The `@AuraEnabled` methods the card imports (`@salesforce/apex/PartnerLoopCardController.<method>`). */
export const APEX_METHODS = Object.keys(PARAMS) as ApexMethod[];

export function isApexMethod(name: string): name is ApexMethod {
  return Object.hasOwn(PARAMS, name);
}

type ParamsOf<M extends ApexMethod> = z.output<(typeof PARAMS)[M]>;

const MAPPINGS: { [M in ApexMethod]: (params: ParamsOf<M>) => ApexCallout } = {
  getCard: ({ opportunityId }) => ({
    method: 'GET',
    path: `/deals/${requireId(opportunityId, 'opportunityId')}`,
    body: null,
  }),

  searchPartners: ({ query }) => {
    const searched = (query ?? '').trim();
    if (searched.length < SEARCH_MIN_CHARS) throw userError(`Type at least ${SEARCH_MIN_CHARS} characters to search.`);
    // EncodingUtil.urlEncode is form encoding (a space is `+`), as URLSearchParams writes it.
    return {
      method: 'GET',
      path: `/partners?${new URLSearchParams({ q: searched.slice(0, SEARCH_MAX_CHARS) })}`,
      body: null,
    };
  },

  tagPartner: ({ opportunityId, partnerId, role, splitPct }) => {
    const dealId = requireId(opportunityId, 'opportunityId');
    const body: Record<string, unknown> = { partnerId: requireId(partnerId, 'partnerId'), role: requireRole(role) };
    if (splitPct !== null && splitPct !== undefined) {
      if (splitPct < 0 || splitPct > 100) throw userError('Enter a split from 0 to 100 %, or leave it empty.');
      body.splitPct = splitPct;
    }
    return { method: 'POST', path: `/deals/${dealId}/partners`, body };
  },

  untagPartner: ({ opportunityId, partnerId, role, overrideReason }) => {
    const path =
      `/deals/${requireId(opportunityId, 'opportunityId')}` +
      `/partners/${requireId(partnerId, 'partnerId')}/${requireRole(role)}`;
    if (!isNotBlank(overrideReason)) return { method: 'DELETE', path, body: null };
    const reason = overrideReason.trim();
    if (reason.length < REASON_MIN_CHARS || reason.length > REASON_MAX_CHARS) {
      throw userError(`Give a reason of ${REASON_MIN_CHARS} to ${REASON_MAX_CHARS} characters for the override.`);
    }
    return { method: 'DELETE', path, body: { override: { reason } } };
  },

  markNotDuplicate: ({ opportunityId, otherDealId }) => {
    const dealId = requireId(opportunityId, 'opportunityId');
    return {
      method: 'POST',
      path: `/deals/${dealId}/not-duplicate`,
      body: { otherDealId: requireId(otherDealId, 'otherDealId') },
    };
  },

  startCoSell: ({ opportunityId, partnerId, programme, ask, slaDays }) => {
    const dealId = requireId(opportunityId, 'opportunityId');
    const toPartner = isNotBlank(partnerId);
    const toProgramme = isNotBlank(programme);
    if (toPartner === toProgramme) {
      throw userError('A co-sell motion goes to a partner or to a programme: name exactly one.');
    }
    const body: Record<string, unknown> = {};
    if (toPartner) {
      body.partnerId = requireId(partnerId, 'partnerId');
    } else {
      const programmeText = (programme ?? '').trim();
      if (programmeText.length > PROGRAMME_MAX_CHARS) {
        throw userError(`Keep the programme name under ${PROGRAMME_MAX_CHARS} characters.`);
      }
      body.programme = programmeText;
    }
    const askText = (ask ?? '').trim();
    if (askText.length === 0) throw userError('Describe what you are asking the partner for.');
    if (askText.length > ASK_MAX_CHARS) throw userError(`Keep the ask under ${ASK_MAX_CHARS} characters.`);
    body.ask = askText;
    if (slaDays !== null && slaDays !== undefined) {
      if (slaDays < SLA_DAYS_MIN || slaDays > SLA_DAYS_MAX) {
        throw userError(`The SLA is a whole number of days from ${SLA_DAYS_MIN} to ${SLA_DAYS_MAX}.`);
      }
      body.slaDays = slaDays;
    }
    return { method: 'POST', path: `/deals/${dealId}/cosell`, body };
  },

  transitionMotion: ({ motionId, toState, note }) => {
    const motion = (motionId ?? '').trim();
    if (!MOTION_ID.test(motion)) throw userError('motionId must be a PartnerLoop motion id.');
    if (toState === null || toState === undefined || !MOTION_STATE_SET.has(toState)) {
      throw userError(`toState must be one of ${[...MOTION_STATE_SET].join(', ')}.`);
    }
    const body: Record<string, unknown> = { to: toState };
    if (isNotBlank(note)) {
      const noteText = note.trim();
      if (noteText.length > NOTE_MAX_CHARS) throw userError(`Keep the note under ${NOTE_MAX_CHARS} characters.`);
      body.note = noteText;
    }
    return { method: 'POST', path: `/motions/${motion}/transition`, body };
  },
};

/**
 * The service call an Apex method makes for these parameters, or an ApexUserError (nothing is sent) when the
 * controller would refuse them.
 */
export function apexCallout(method: ApexMethod, params: unknown): ApexCallout {
  const parsed = parseInput(PARAMS[method], params ?? {}, { what: `${method} parameters` });
  return (MAPPINGS[method] as (value: typeof parsed) => ApexCallout)(parsed);
}

/** What the seller reads for a non-2xx answer (`messageFor`): the service's own message when it sent its envelope. */
export function apexMessageFor(status: number, body: string): string {
  // A refused key is plumbing between the org and the service: only the admin can fix it.
  if (status === 401) return UNVERIFIED_MESSAGE;
  const fromEnvelope = envelopeMessage(body);
  if (fromEnvelope !== null) return fromEnvelope;
  if (status === 429) return BUSY_MESSAGE;
  // 5xx without the envelope comes from a proxy or gateway, not from the service.
  if (status >= 500) return UNREACHABLE_MESSAGE;
  return `PartnerLoop could not complete this request (HTTP ${status}).`;
}

/** `error.message` of the envelope `{"error":{"code","message","details"}}`: its first line, bounded; else null. */
function envelopeMessage(body: string): string | null {
  if (body.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const envelope = isRecord(parsed) ? parsed.error : undefined;
  const message = isRecord(envelope) ? envelope.message : undefined;
  if (typeof message !== 'string') return null;
  const firstLine = (message.split('\n')[0] ?? '').trim();
  return firstLine === '' ? null : abbreviate(firstLine, MESSAGE_MAX_CHARS);
}

/** Apex `String.abbreviate(max)`: longer text is cut to `max - 3` characters and `...`. */
function abbreviate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 3)}...`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Apex `String.isNotBlank`: not null, not empty, not only whitespace. */
function isNotBlank(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && value.trim() !== '';
}

function requireId(value: string | null | undefined, field: string): string {
  const id = (value ?? '').trim();
  if (!SALESFORCE_ID.test(id)) {
    throw userError(`${field} must be a Salesforce record id (15 or 18 letters and digits).`);
  }
  return id;
}

function requireRole(role: string | null | undefined): string {
  if (role === null || role === undefined || !PARTNER_ROLE_SET.has(role)) {
    throw userError(`role must be one of ${[...PARTNER_ROLE_SET].join(', ')}.`);
  }
  return role;
}

function userError(message: string): ApexUserError {
  return new ApexUserError(message);
}
