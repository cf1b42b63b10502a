import { type Deal, type DealInput, dealSchema } from '../model/deal.ts';
import type { AttributionInput } from './attribution-model.ts';

/**
 * Test builders (used by the attribution tests only). The default deal is open, new business, mid-market (50,000), at
 * `presentationscheduled` (past `qualifiedtobuy`, before `contractsent`) with lead source "Partner" and no partner.
 */
export function makeDeal(overrides: Partial<DealInput> = {}): Deal {
  return dealSchema.parse({
    id: 'd1',
    name: 'Acme platform',
    account: { id: 'a1', name: 'Acme', domain: 'acme.com' },
    amount: 50_000,
    currency: 'USD',
    closeDate: null,
    createdAt: '2026-01-05',
    stage: 'presentationscheduled',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    leadSource: 'Partner',
    partners: [],
    ...overrides,
  });
}

export type InputOverrides = Partial<Omit<AttributionInput, 'deal'>> & { deal?: Partial<DealInput> };

export function makeInput(overrides: InputOverrides = {}): AttributionInput {
  const { deal, ...rest } = overrides;
  return {
    deal: makeDeal(deal),
    pipeline: 'default',
    registrations: [],
    accountPartnerIds: [],
    unlabeledPartnerIds: [],
    hasCoSellMotion: false,
    ...rest,
  };
}

/** A closed deal: won at `closedwon`, or lost at `closedlost` with a loss reason. */
export function closedDeal(won: boolean, overrides: Partial<DealInput> = {}): Partial<DealInput> {
  return {
    isClosed: true,
    isWon: won,
    stage: won ? 'closedwon' : 'closedlost',
    closeDate: '2026-03-31',
    ...(won ? {} : { lossReason: 'price' }),
    ...overrides,
  };
}

export const sourced = (partnerId: string, splitPct?: number) => ({ partnerId, role: 'sourced' as const, splitPct });
export const influenced = (partnerId: string, splitPct?: number) => ({
  partnerId,
  role: 'influenced' as const,
  splitPct,
});
