// The card's only I/O: requests to the sync service through a `hubspot.fetch`-shaped function.
// HubSpot signs each request and appends portalId/userId itself, so nothing here carries tenant identity or secrets.

import type { HubSpotFetchOptions } from '@hubspot/ui-extensions';
import type {
  CardView,
  NotDuplicateRequest,
  PartnerRole,
  PartnerSearchResponse,
  RosterPartner,
  StartCoSellRequest,
  TagPartnerRequest,
  TransitionMotionRequest,
} from './card-api.ts';
import { REQUEST_TIMEOUT_MS } from './card-config.ts';

/** The signature of `hubspot.fetch`; tests and the local preview pass their own. */
export type CardFetcher = (url: string, options?: HubSpotFetchOptions) => Promise<Response>;

export type CardRequestErrorCode =
  /** The fetcher threw: no connection, DNS, HubSpot's proxy timed out. */
  | 'network_error'
  /** A non-2xx answer without a readable envelope. */
  | 'http_error'
  /** A 2xx answer whose body is not what the contract promises. */
  | 'bad_response'
  /** A non-2xx answer with the service's envelope; `serviceCode` holds its code. */
  | 'service_error'
  /** Anything else that went wrong in the card while handling a request. */
  | 'unexpected';

export const UNREACHABLE_MESSAGE = 'PartnerLoop could not be reached. Check your connection and try again.';
const BUSY_MESSAGE = 'PartnerLoop is busy right now. Wait a moment and try again.';
const UNVERIFIED_MESSAGE = 'HubSpot could not verify this request with PartnerLoop. Reload the page and try again.';
const UNREADABLE_MESSAGE = 'PartnerLoop sent an answer the card could not read. Reload the page and try again.';

const MAX_MESSAGE_CHARS = 300;
const MAX_DETAILS = 5;

/** A failed card request: `message` is for logs, `userMessage` and `details` are safe to show the seller. */
export class CardRequestError extends Error {
  override readonly name = 'CardRequestError';
  readonly code: CardRequestErrorCode;
  readonly status: number | null;
  readonly serviceCode: string | null;
  readonly userMessage: string;
  readonly details: string[];

  constructor(args: {
    code: CardRequestErrorCode;
    message: string;
    userMessage: string;
    status?: number;
    serviceCode?: string;
    details?: string[];
    cause?: unknown;
  }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause });
    this.code = args.code;
    this.status = args.status ?? null;
    this.serviceCode = args.serviceCode ?? null;
    this.userMessage = args.userMessage;
    this.details = args.details ?? [];
  }
}

/** Whatever was thrown, the text the card may show for it: never a stack, never provider text. */
export function userMessageOf(error: unknown): string {
  return error instanceof CardRequestError ? error.userMessage : UNREACHABLE_MESSAGE;
}

const enc = encodeURIComponent;

export const cardPaths = {
  dealView: (dealId: string) => `/api/card/deals/${enc(dealId)}`,
  partnerSearch: (query: string) => `/api/card/partners?q=${enc(query)}`,
  dealPartners: (dealId: string) => `/api/card/deals/${enc(dealId)}/partners`,
  dealPartner: (dealId: string, partnerId: string, role: PartnerRole) =>
    `/api/card/deals/${enc(dealId)}/partners/${enc(partnerId)}/${enc(role)}`,
  notDuplicate: (dealId: string) => `/api/card/deals/${enc(dealId)}/not-duplicate`,
  coSell: (dealId: string) => `/api/card/deals/${enc(dealId)}/cosell`,
  motionTransition: (motionId: string) => `/api/card/motions/${enc(motionId)}/transition`,
};

export interface CardClient {
  getDealView(dealId: string): Promise<CardView>;
  searchPartners(query: string): Promise<RosterPartner[]>;
  tagPartner(dealId: string, request: TagPartnerRequest): Promise<CardView>;
  untagPartner(dealId: string, partnerId: string, role: PartnerRole): Promise<CardView>;
  markNotDuplicate(dealId: string, request: NotDuplicateRequest): Promise<CardView>;
  startCoSell(dealId: string, request: StartCoSellRequest): Promise<CardView>;
  transitionMotion(motionId: string, request: TransitionMotionRequest): Promise<CardView>;
}

/** HTTP methods the service's signed routes take from an extension. */
export type ServiceMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ServiceRequestOptions {
  fetcher: CardFetcher;
  apiBase: string;
  /** Names the contract in log messages: "card", "operator home", "settings". */
  contract: string;
  /** What the user reads when a 2xx body does not match the contract. */
  unreadableMessage: string;
  /** Envelope details kept on a failure: the card shows five, a settings form maps every one to its field. */
  maxDetails?: number;
}

/**
 * One request to the service, as every extension (card, operator home, settings) sends it: `hubspot.fetch` with the
 * card's timeout, the body as an object (hubspot.fetch serializes it itself); a failure becomes a CardRequestError with
 * a sentence the user may read, a 2xx body that fails `guard` one too.
 */
export function createServiceRequest(options: ServiceRequestOptions) {
  const base = options.apiBase.replace(/\/+$/, '');
  return async function send<T>(
    method: ServiceMethod,
    path: string,
    guard: ((body: unknown) => body is T) | ((body: unknown) => boolean),
    body?: object,
  ): Promise<T> {
    const init: HubSpotFetchOptions = { method, timeout: REQUEST_TIMEOUT_MS };
    if (body !== undefined) init.body = { ...body };
    const what = `${method} ${path}`;

    let response: Response;
    try {
      response = await options.fetcher(`${base}${path}`, init);
    } catch (cause) {
      throw new CardRequestError({
        code: 'network_error',
        message: `${what} failed before an answer arrived`,
        userMessage: UNREACHABLE_MESSAGE,
        cause,
      });
    }

    const payload = await readJson(response);
    if (!response.ok) throw errorFromResponse(what, response.status, payload, options.maxDetails);
    if (!guard(payload)) {
      throw new CardRequestError({
        code: 'bad_response',
        message: `${what}: HTTP ${response.status} body does not match the ${options.contract} contract`,
        userMessage: options.unreadableMessage,
        status: response.status,
      });
    }
    return payload as T;
  };
}

export function createCardClient(options: { fetcher: CardFetcher; apiBase: string }): CardClient {
  const send = createServiceRequest({ ...options, contract: 'card', unreadableMessage: UNREADABLE_MESSAGE });

  return {
    getDealView: (dealId) => send('GET', cardPaths.dealView(dealId), isCardView),
    searchPartners: async (query) =>
      (await send('GET', cardPaths.partnerSearch(query), isPartnerSearchResponse)).partners,
    tagPartner: (dealId, request) => send('POST', cardPaths.dealPartners(dealId), isCardView, request),
    untagPartner: (dealId, partnerId, role) =>
      send('DELETE', cardPaths.dealPartner(dealId, partnerId, role), isCardView),
    markNotDuplicate: (dealId, request) => send('POST', cardPaths.notDuplicate(dealId), isCardView, request),
    startCoSell: (dealId, request) => send('POST', cardPaths.coSell(dealId), isCardView, request),
    transitionMotion: (motionId, request) => send('POST', cardPaths.motionTransition(motionId), isCardView, request),
  };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** Maps a non-2xx answer to what the seller reads: the service's own message when it sent the envelope. */
export function errorFromResponse(
  what: string,
  status: number,
  payload: unknown,
  maxDetails = MAX_DETAILS,
): CardRequestError {
  const envelope = readEnvelope(payload, maxDetails);
  if (envelope) {
    // A signature failure is plumbing between HubSpot and the service (its details are reason codes): the seller
    // can only reload, so they get the card's own sentence. Every other envelope message is meant for them.
    const unverified = status === 401;
    return new CardRequestError({
      code: 'service_error',
      message: `${what}: HTTP ${status} ${envelope.code}: ${envelope.message}`,
      userMessage: unverified ? UNVERIFIED_MESSAGE : envelope.message,
      status,
      serviceCode: envelope.code,
      details: unverified ? [] : envelope.details,
    });
  }
  return new CardRequestError({
    code: 'http_error',
    message: `${what}: HTTP ${status} without an error envelope`,
    userMessage: genericMessageFor(status),
    status,
  });
}

function genericMessageFor(status: number): string {
  if (status === 401) return UNVERIFIED_MESSAGE;
  if (status === 429) return BUSY_MESSAGE;
  // 5xx without our envelope comes from a proxy or gateway (HubSpot's included), not from the service.
  if (status >= 500) return UNREACHABLE_MESSAGE;
  return `PartnerLoop could not complete this request (HTTP ${status}).`;
}

function readEnvelope(
  payload: unknown,
  maxDetails: number,
): { code: string; message: string; details: string[] } | null {
  if (!isRecord(payload) || !isRecord(payload.error)) return null;
  const { code, message, details } = payload.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  const shown = oneLine(message);
  if (shown === '') return null;
  return { code, message: shown, details: Array.isArray(details) ? detailLines(details, maxDetails) : [] };
}

/** Envelope details are zod issues or strings; only their human-readable text is shown. */
function detailLines(details: unknown[], maxDetails: number): string[] {
  const lines: string[] = [];
  for (const detail of details) {
    const text = typeof detail === 'string' ? detail : isRecord(detail) ? detail.message : undefined;
    if (typeof text === 'string' && text.trim() !== '') lines.push(oneLine(text));
    if (lines.length === maxDetails) break;
  }
  return lines;
}

/** First line only, bounded: a message is never allowed to become a stack dump in the card. */
function oneLine(text: string): string {
  const first = (text.split('\n')[0] ?? '').trim();
  return first.length > MAX_MESSAGE_CHARS ? `${first.slice(0, MAX_MESSAGE_CHARS - 1)}…` : first;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shallow shape check: enough that rendering cannot crash on a wrong body. */
export function isCardView(value: unknown): value is CardView {
  if (!isRecord(value)) return false;
  const { deal, attribution, dedupe, motions } = value;
  return (
    isRecord(deal) &&
    typeof deal.id === 'string' &&
    isRecord(attribution) &&
    typeof attribution.status === 'string' &&
    Array.isArray(attribution.partners) &&
    Array.isArray(attribution.issues) &&
    isRecord(dedupe) &&
    Array.isArray(dedupe.duplicates) &&
    Array.isArray(motions) &&
    motions.every(
      (motion) => isRecord(motion) && Array.isArray(motion.allowedTransitions) && Array.isArray(motion.history),
    )
  );
}

function isPartnerSearchResponse(value: unknown): value is PartnerSearchResponse {
  return isRecord(value) && Array.isArray(value.partners);
}
