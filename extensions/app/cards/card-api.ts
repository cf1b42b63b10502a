// The contract between the deal card and the sync service's card endpoints (`/api/card/...`).
// Types and tiny pure helpers only: the service imports these, and the card bundle must stay free of runtime deps.

export type PartnerRole = 'sourced' | 'influenced' | 'cosell' | 'reseller' | 'referral';
export type AttributionStatus =
  | 'complete'
  | 'missing_partner'
  | 'missing_role'
  | 'invalid_split'
  | 'conflict'
  | 'not_partner_involved';
export type DedupeStatus = 'unique' | 'suspected' | 'confirmed' | 'not_duplicate';
export type MotionState = 'draft' | 'requested' | 'accepted' | 'rejected' | 'active' | 'won' | 'lost' | 'withdrawn';

export interface CardPartner {
  partnerId: string;
  name: string;
  role: PartnerRole;
  splitPct: number | null;
  tier: string | null;
  score: number | null;
}

export interface CardDuplicate {
  otherDealId: string;
  otherDealName: string | null;
  kind: 'duplicate' | 'registration_conflict';
  confidence: number;
  reasons: string[];
  url: string | null;
}

export interface CardMotion {
  id: string;
  state: MotionState;
  partnerId: string | null;
  partnerName: string | null;
  programme: string | null;
  ask: string;
  ownerId: string | null;
  slaDueAt: string | null;
  aging: boolean;
  allowedTransitions: MotionState[];
  history: { at: string; from: MotionState | null; to: MotionState; actor: string; note: string | null }[];
}

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
  type: 'named' | 'self_serve';
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

export const PARTNER_ROLES = [
  'sourced',
  'influenced',
  'cosell',
  'reseller',
  'referral',
] as const satisfies readonly PartnerRole[];

export const MOTION_STATES = [
  'draft',
  'requested',
  'accepted',
  'rejected',
  'active',
  'won',
  'lost',
  'withdrawn',
] as const satisfies readonly MotionState[];

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
