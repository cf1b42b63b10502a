import { type Deal, type DealInput, dealSchema } from '../model/deal.ts';
import { type Partner, type PartnerInput, partnerSchema } from '../model/partner.ts';

/** Test builders (used by the scoring tests only): valid canonical records with overridable fields. */

let sequence = 0;

export function makeDeal(overrides: Partial<DealInput> & { partnerIds?: string[] } = {}): Deal {
  sequence += 1;
  const { partnerIds, ...fields } = overrides;
  return dealSchema.parse({
    id: `d${sequence}`,
    name: `Deal ${sequence}`,
    account: { id: `a${sequence}`, name: `Account ${sequence}`, domain: null },
    amount: 10_000,
    currency: 'USD',
    closeDate: null,
    createdAt: '2026-01-01',
    stage: 'appointmentscheduled',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    partners: (partnerIds ?? []).map((partnerId) => ({ partnerId, role: 'sourced' })),
    ...fields,
  });
}

/** A deal closed (won or lost) on `closeDate`, created `daysOpen` days before. */
export function closedDeal(
  partnerIds: string[],
  won: boolean,
  closeDate: string,
  overrides: Partial<DealInput> & { daysOpen?: number } = {},
): Deal {
  const { daysOpen = 30, ...fields } = overrides;
  const created = new Date(Date.parse(`${closeDate}T00:00:00Z`) - daysOpen * 86_400_000).toISOString().slice(0, 10);
  return makeDeal({
    partnerIds,
    isClosed: true,
    isWon: won,
    stage: won ? 'closedwon' : 'closedlost',
    closeDate,
    createdAt: created,
    ...(won ? {} : { lossReason: 'price' }),
    ...fields,
  });
}

export function makePartner(id: string, overrides: Partial<PartnerInput> = {}): Partner {
  return partnerSchema.parse({ id, name: `Partner ${id}`, type: 'named', registeredAt: '2024-01-01', ...overrides });
}

/** `closed` deals of which the first `won` are won, all closed on `closeDate`. */
export function record(
  partnerId: string,
  won: number,
  closed: number,
  closeDate: string,
  overrides: Partial<DealInput> & { daysOpen?: number } = {},
) {
  return Array.from({ length: closed }, (_, i) => closedDeal([partnerId], i < won, closeDate, overrides));
}
