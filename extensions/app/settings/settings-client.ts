import type { MatchPreviewPartner, MatchRulesPreviewResult } from '../../../src/scoring/match-rules-preview.ts';
// The admin settings' only I/O (the Settings page and the operator home's match-rules lever): the existing signed
// endpoints, through a `hubspot.fetch`-shaped function. Failures are the card's CardRequestError, but with every
// validation detail kept (the card shows five; a settings form maps each one to its field).

import { type CardFetcher, createServiceRequest } from '../cards/card-client.ts';

const UNREADABLE_MESSAGE =
  'PartnerLoop sent an answer the settings page could not read. Reload the page and try again.';
/** The card keeps five details; a form needs all of its "path: message" lines (bounded, one line each). */
const MAX_DETAILS = 50;

/** The three admin settings documents, each read and replaced whole at its own endpoint. */
export const SETTINGS_DOCUMENTS = ['attributionRules', 'scoringConfig', 'dedupeSettings'] as const;
export type SettingsDocument = (typeof SETTINGS_DOCUMENTS)[number];

export const settingsPaths: Record<SettingsDocument, string> & { matchPreview: string; programmes: string } = {
  attributionRules: '/api/attribution/rules',
  scoringConfig: '/api/scoring/config',
  dedupeSettings: '/api/dedupe/settings',
  matchPreview: '/api/scoring/match-rules/preview',
  programmes: '/api/programmes',
};

export type SettingsValue = Record<string, unknown>;

/** `POST /api/scoring/match-rules/preview`: the service's answer type (src/scoring/match-rules-preview.ts). */
export type MatchRulesPreview = MatchRulesPreviewResult;
export type { MatchPreviewPartner };

/** One programme as `GET /api/programmes` answers it (sync/cloud/cloud.routes.ts): never a secret. */
export interface ProgrammeConnectionStatus {
  programme: string;
  connected: boolean;
  settings?: Record<string, unknown>;
  /** The credential, masked to its last four characters. */
  credential?: string;
  /** The newest change the poll has read. */
  checkpoint?: string | null;
  lastError?: string | null;
  connectedAt?: string;
}

export interface SettingsClient {
  read(document: SettingsDocument): Promise<SettingsValue>;
  /** Replaces the document (admin only: a 403 otherwise); answers the effective value the service stored. */
  save(document: SettingsDocument, value: SettingsValue): Promise<SettingsValue>;
  previewMatchRules(matchRules: unknown): Promise<MatchRulesPreview>;
  programmes(): Promise<ProgrammeConnectionStatus[]>;
}

export function createSettingsClient(options: { fetcher: CardFetcher; apiBase: string }): SettingsClient {
  const send = createServiceRequest({
    ...options,
    contract: 'settings',
    unreadableMessage: UNREADABLE_MESSAGE,
    maxDetails: MAX_DETAILS,
  });

  return {
    read: (document) => send('GET', settingsPaths[document], isRecord),
    save: (document, value) => send('PUT', settingsPaths[document], isRecord, value),
    previewMatchRules: (matchRules) =>
      send(
        'POST',
        settingsPaths.matchPreview,
        (body) => isRecord(body) && Array.isArray(body.changes) && typeof body.changed === 'number',
        isRecord(matchRules) ? matchRules : { value: matchRules },
      ),
    programmes: async () =>
      (
        await send<{ programmes: ProgrammeConnectionStatus[] }>(
          'GET',
          settingsPaths.programmes,
          (body) => isRecord(body) && Array.isArray(body.programmes),
        )
      ).programmes,
  };
}

/**
 * Splits the 400 envelope's details ("path: message", path dotted from the document's root) by the top-level key they
 * name; what names no known key (`(root)`, `body`) stays general.
 */
export function detailsByField(
  details: readonly string[],
  fields: readonly string[],
): { byField: Map<string, string[]>; general: string[] } {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  for (const line of details) {
    const separator = line.indexOf(': ');
    const path = separator === -1 ? '' : line.slice(0, separator);
    const field = path.split('.')[0] ?? '';
    if (fields.includes(field)) {
      const rest = path.slice(field.length + 1);
      const message = line.slice(separator + 2);
      byField.set(field, [...(byField.get(field) ?? []), rest === '' ? message : `${rest}: ${message}`]);
    } else {
      general.push(line);
    }
  }
  return { byField, general };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
