// The operator home's only I/O: requests to the sync service through a `hubspot.fetch`-shaped function (HubSpot signs
// each one and appends portalId/userId). Failures become CardRequestError, the card's error type: the same readable
// sentences, never a stack or provider text.

import { type CardFetcher, createServiceRequest } from '../cards/card-client.ts';
import type {
  HomeList,
  HomeListRows,
  HomeLoop,
  HomePage,
  HomeSection,
  HomeSectionViews,
  HomeSummary,
  InvitationAccepted,
  LoopRunAccepted,
  RosterActionRequest,
  RosterActionResult,
} from './operator-api.ts';

const UNREADABLE_MESSAGE =
  'PartnerLoop sent an answer the operator home could not read. Reload the page and try again.';

const enc = encodeURIComponent;

export const homePaths = {
  summary: () => '/api/reports/home',
  section: (section: HomeSection) => `/api/reports/home/sections/${enc(section)}`,
  list: (list: HomeList, period: string | null, offset: number, limit: number) =>
    `/api/reports/home/lists/${enc(list)}?${period === null ? '' : `period=${enc(period)}&`}offset=${offset}&limit=${limit}`,
  roster: (partnerId: string) => `/api/reports/home/roster/${enc(partnerId)}`,
  runLoop: (loop: HomeLoop) => `/api/reports/loops/${enc(loop)}/run`,
  acceptInvitation: (invitationId: string) => `/api/programmes/aws/invitations/${enc(invitationId)}/accept`,
};

export interface OperatorClient {
  summary(): Promise<HomeSummary>;
  section<S extends HomeSection>(section: S): Promise<HomeSectionViews[S]>;
  list<L extends HomeList>(
    list: L,
    period: string | null,
    offset: number,
    limit: number,
  ): Promise<HomePage<HomeListRows[L]>>;
  setRosterAction(partnerId: string, request: RosterActionRequest): Promise<RosterActionResult>;
  runLoop(loop: HomeLoop, reason: string): Promise<LoopRunAccepted>;
  /** Accepts an AWS referral (admins only; the service answers at once and finishes in the background). */
  acceptInvitation(invitationId: string): Promise<InvitationAccepted>;
}

export function createOperatorClient(options: { fetcher: CardFetcher; apiBase: string }): OperatorClient {
  const send = createServiceRequest({ ...options, contract: 'operator home', unreadableMessage: UNREADABLE_MESSAGE });

  return {
    summary: () => send('GET', homePaths.summary(), isSummary),
    section: (section) => send('GET', homePaths.section(section), (body) => isRecord(body) && body.section === section),
    list: (list, period, offset, limit) =>
      send('GET', homePaths.list(list, period, offset, limit), (body) => isRecord(body) && Array.isArray(body.rows)),
    setRosterAction: (partnerId, request) =>
      send('PUT', homePaths.roster(partnerId), (body) => isRecord(body) && body.partnerId === partnerId, request),
    runLoop: (loop, reason) =>
      send('POST', homePaths.runLoop(loop), (body) => isRecord(body) && body.loop === loop, { reason }),
    acceptInvitation: (invitationId) =>
      send(
        'POST',
        homePaths.acceptInvitation(invitationId),
        (body) => isRecord(body) && body.invitationId === invitationId,
      ),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSummary(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (value.status === 'disconnected') return typeof value.portalId === 'string';
  return value.status === 'active' && isRecord(value.loops) && isRecord(value.schedule);
}
