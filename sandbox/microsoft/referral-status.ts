/**
 * Referral status and substatus as Partner Center's referral-resources page declares them, and the one decision over
 * them: may a referral move from one (status, substatus) to another?
 *
 * | status | may move to         | substatus                     |
 * |--------|---------------------|-------------------------------|
 * | New    | New, Active, Closed | Pending, Received             |
 * | Active | Active, Closed      | Accepted                      |
 * | Closed | Closed              | Won, Lost, Declined, Expired  |
 *
 * The table lets Closed move to Closed (a new substatus), which the Microsoft side uses; a partner's PATCH on a
 * closed referral is refused before this check (closed referrals are read-only, SPEC §2.7).
 */

export const REFERRAL_STATUSES = ['New', 'Active', 'Closed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const REFERRAL_SUBSTATUSES = ['Pending', 'Received', 'Accepted', 'Won', 'Lost', 'Declined', 'Expired'] as const;
export type ReferralSubstatus = (typeof REFERRAL_SUBSTATUSES)[number];

export const SUBSTATUSES_OF: Readonly<Record<ReferralStatus, readonly ReferralSubstatus[]>> = {
  New: ['Pending', 'Received'],
  Active: ['Accepted'],
  Closed: ['Won', 'Lost', 'Declined', 'Expired'],
};

export const NEXT_STATUSES: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  New: ['New', 'Active', 'Closed'],
  Active: ['Active', 'Closed'],
  Closed: ['Closed'],
};

export interface StatusPair {
  status: ReferralStatus;
  substatus: ReferralSubstatus;
}

export type StatusChangeDecision =
  | { allowed: true; to: StatusPair }
  | { allowed: false; field: 'status' | 'substatus'; message: string };

export const isReferralStatus = (value: unknown): value is ReferralStatus =>
  typeof value === 'string' && (REFERRAL_STATUSES as readonly string[]).includes(value);

export const isReferralSubstatus = (value: unknown): value is ReferralSubstatus =>
  typeof value === 'string' && (REFERRAL_SUBSTATUSES as readonly string[]).includes(value);

/** May `from` become `to`? `to` comes from outside (a PATCH body, a test), so it is checked as unknown values. */
export function decideStatusChange(
  from: StatusPair,
  to: { status: unknown; substatus: unknown },
): StatusChangeDecision {
  if (!isReferralStatus(to.status)) {
    return { allowed: false, field: 'status', message: `status must be one of ${REFERRAL_STATUSES.join(', ')}` };
  }
  if (!NEXT_STATUSES[from.status].includes(to.status)) {
    return {
      allowed: false,
      field: 'status',
      message: `status cannot move from ${from.status} to ${to.status}; allowed: ${NEXT_STATUSES[from.status].join(', ')}`,
    };
  }
  const substatuses = SUBSTATUSES_OF[to.status];
  if (!isReferralSubstatus(to.substatus) || !substatuses.includes(to.substatus)) {
    return {
      allowed: false,
      field: 'substatus',
      message: `substatus of a ${to.status} referral must be one of ${substatuses.join(', ')}`,
    };
  }
  return { allowed: true, to: { status: to.status, substatus: to.substatus } };
}
