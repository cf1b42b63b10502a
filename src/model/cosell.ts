/**
 * The co-sell motion's states (SPEC §2.4). Which moves are legal is the state machine's business
 * (`src/cosell/motion-state-machine.ts` `MOTION_TRANSITIONS`, keyed by this list); this is only the list.
 * The database's check constraints hold a frozen copy (migration 0003): a new state needs a new migration.
 */
export const MOTION_STATES = [
  'draft',
  'requested',
  'accepted',
  'rejected',
  'active',
  'won',
  'lost',
  'withdrawn',
] as const;
export type MotionState = (typeof MOTION_STATES)[number];

/**
 * The aging flag as the CRM sees it: an open state whose SLA is mostly gone is written to `pl_cosell_status` as
 * `<state>_aging`, so HubSpot views, filters and workflows can pick up motions that wait too long. Only open states
 * age (terminal ones never do), so only they have a variant; a test holds the keys to the machine's open states.
 */
export const AGING_COSELL_STATUSES = {
  draft: 'draft_aging',
  requested: 'requested_aging',
  accepted: 'accepted_aging',
  active: 'active_aging',
} as const satisfies Partial<Record<MotionState, `${MotionState}_aging`>>;
export type AgingCoSellStatus = (typeof AGING_COSELL_STATUSES)[keyof typeof AGING_COSELL_STATUSES];

/** A `pl_cosell_status` value (SPEC §4.5): a motion state, or an open state's aging variant. */
export type CoSellStatus = MotionState | AgingCoSellStatus;

const agingVariant: Partial<Record<MotionState, AgingCoSellStatus>> = AGING_COSELL_STATUSES;

/** Every `pl_cosell_status` value in display order: each state, followed by its aging variant when it has one. */
export const COSELL_STATUSES: readonly CoSellStatus[] = MOTION_STATES.flatMap((state): CoSellStatus[] => {
  const aging = agingVariant[state];
  return aging === undefined ? [state] : [state, aging];
});

/** The aging variant of a state, if it has one. */
export function agingCoSellStatus(state: MotionState): AgingCoSellStatus | undefined {
  return agingVariant[state];
}

/** A co-sell motion as the deal card shows it (card-api.ts `CardMotion`); times are ISO-8601 strings. */
export interface MotionView {
  id: string;
  state: MotionState;
  partnerId: string | null;
  partnerName: string | null;
  programme: string | null;
  ask: string;
  ownerId: string | null;
  slaDueAt: string | null;
  /** The motion has used up most of its SLA, or is past it. */
  aging: boolean;
  allowedTransitions: MotionState[];
  history: { at: string; from: MotionState | null; to: MotionState; actor: string; note: string | null }[];
  /** Where a programme motion stands with the programme itself (AWS ACE, Microsoft); null for partner motions. */
  cloud: MotionCloudView | null;
}

/** A programme motion's record at the programme, as the card shows it. */
export interface MotionCloudView {
  programme: 'aws_ace' | 'microsoft_referrals';
  /** The programme's own status, e.g. `Submitted`, `In review`, `Approved`; `Needs fixes` when it was refused. */
  status: string;
  stage: string | null;
  /** The programme's record id (ACE opportunity id, Microsoft referral id) once it has one. */
  externalId: string | null;
  /** Why it was not sent or was refused, one sentence per field, in the seller's words. */
  issues: { field: string; message: string }[];
  /** The last send or update problem (throttled, unreachable), retried by itself. */
  lastError: string | null;
}
