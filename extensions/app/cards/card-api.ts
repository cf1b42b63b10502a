// The contract between the deal card and the sync service's card endpoints (`/api/card/...`).
// Types and tiny pure helpers only: the service imports these, and the card bundle must stay free of runtime deps.
// The lists are src/model's (SPEC §3), copied into this folder by `npm run generate:models` because HubSpot builds
// the card from its own folder; the shapes the service builds come from src as types (erased at build).

import type { MotionView } from '../../../src/model/cosell.ts';
import type { DuplicateView } from '../../../src/model/dedupe.ts';
import {
  type AttributionStatus,
  type DedupeStatus,
  MOTION_STATES,
  type MotionState,
  PARTNER_ROLES,
  type PartnerRole,
  type PartnerType,
} from './model.generated.ts';

export {
  ATTRIBUTION_STATUSES,
  type AttributionStatus,
  DEDUPE_STATUSES,
  type DedupeStatus,
  MOTION_STATES,
  type MotionState,
  PARTNER_ROLES,
  type PartnerRole,
} from './model.generated.ts';

export interface CardPartner {
  partnerId: string;
  name: string;
  role: PartnerRole;
  splitPct: number | null;
  tier: string | null;
  score: number | null;
}

/** Another deal of this deal's duplicate cluster (built by the service's dedupe module). */
export type CardDuplicate = DuplicateView;

/** A co-sell motion on the deal (built by src/cosell/motion-view.ts `toCardMotion`). */
export type CardMotion = MotionView;

export interface CardView {
  deal: { id: string; name: string; stage: string; amount: number | null; currency: string | null; isClosed: boolean };
  attribution: {
    status: AttributionStatus;
    issues: string[];
    partners: CardPartner[];
    frozen: boolean;
    suggestedFix: { partnerId: string; name: string; role: PartnerRole; reason: string } | null;
  };
  dedupe: { status: DedupeStatus; duplicates: CardDuplicate[] };
  nextBestPartner: { partnerId: string; name: string; fitScore: number; reason: string } | null;
  motions: CardMotion[];
}

export interface RosterPartner {
  id: string;
  name: string;
  type: PartnerType;
  tier: string | null;
  score: number | null;
}

/** GET `/api/card/partners?q=` */
export interface PartnerSearchResponse {
  partners: RosterPartner[];
}

/** POST `/api/card/deals/{dealId}/partners` */
export interface TagPartnerRequest {
  partnerId: string;
  role: PartnerRole;
  splitPct?: number;
}

/** POST `/api/card/deals/{dealId}/not-duplicate` */
export interface NotDuplicateRequest {
  otherDealId: string;
}

/** POST `/api/card/deals/{dealId}/cosell` */
export interface StartCoSellRequest {
  partnerId?: string;
  programme?: string;
  ask: string;
  slaDays?: number;
}

/** POST `/api/card/motions/{motionId}/transition` */
export interface TransitionMotionRequest {
  to: MotionState;
  note?: string;
}

/** Every non-2xx answer from the service carries this envelope (the same shape as the service's error middleware). */
export interface CardErrorEnvelope {
  error: { code: string; message: string; details: unknown[] };
}

export const SPLIT_PCT_MIN = 0;
export const SPLIT_PCT_MAX = 100;

/** A split is a percentage of one role's credit: a finite number from 0 to 100. */
export function isValidSplitPct(value: number): boolean {
  return Number.isFinite(value) && value >= SPLIT_PCT_MIN && value <= SPLIT_PCT_MAX;
}

export function isPartnerRole(value: unknown): value is PartnerRole {
  return typeof value === 'string' && (PARTNER_ROLES as readonly string[]).includes(value);
}

export function isMotionState(value: unknown): value is MotionState {
  return typeof value === 'string' && (MOTION_STATES as readonly string[]).includes(value);
}
