import { type Deal, type DealInput, dealSchema } from '../../model/deal.ts';

/** A plausible open deal at "Acme Robotics"; tests override what their case is about. Validated like a file record. */
export function makeDeal(id: string, overrides: Partial<DealInput> = {}): Deal {
  return dealSchema.parse({
    id,
    name: 'Acme Robotics - Analytics',
    account: { id: 'a1', name: 'Acme Robotics Inc', domain: 'acme-robotics.com' },
    amount: 50_000,
    currency: 'USD',
    closeDate: '2025-06-30',
    createdAt: '2025-03-01T10:00:00Z',
    stage: 'presentationscheduled',
    isClosed: false,
    isWon: false,
    type: 'new_business',
    ownerId: 'u1',
    region: 'NA',
    leadSource: 'Outbound',
    products: ['Analytics Pro'],
    partners: [],
    ...overrides,
  });
}
