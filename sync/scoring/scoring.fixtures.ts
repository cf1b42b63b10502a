import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { Deal } from '../../src/model/deal.ts';
import { closedDeal, makeDeal, makePartner, record } from '../../src/scoring/scoring.fixtures.ts';
import type { DealWriterInput } from '../crm/tenant-sync.ts';

/** Test builders for the scoring write-back (tests only). */

export const TENANT = 'hubspot:777';
export const AS_OF = '2026-06-30';

export function canonical(deal: Deal, properties: Record<string, string | null> = {}): CanonicalDeal {
  return { deal, properties, unlabeledPartnerIds: [] };
}

/**
 * A small portal: p1 wins often in EMEA, p2 rarely, p3 never had a deal (registered long ago: dormant), plus open
 * deals for the fit, one renewal, one deal closed after as-of and one created after it.
 */
export function smallPortal() {
  const partners = [makePartner('p1'), makePartner('p2'), makePartner('p3', { registeredAt: '2024-01-01' })];
  const history = [
    ...record('p1', 6, 8, '2026-05-01', { region: 'EMEA', amount: 20_000 }),
    ...record('p2', 1, 6, '2026-05-15', { region: 'EMEA', amount: 20_000 }),
  ];
  const open = makeDeal({ id: 'open-emea', region: 'EMEA', amount: 25_000, createdAt: '2026-06-01' });
  const openWithP2 = makeDeal({
    id: 'open-p2',
    region: 'EMEA',
    amount: 25_000,
    createdAt: '2026-06-02',
    partnerIds: ['p2'],
  });
  const renewal = makeDeal({ id: 'renewal', type: 'renewal', createdAt: '2026-06-03', partnerIds: ['p1'] });
  const wonLater = closedDeal(['p2'], true, '2026-07-20', { id: 'won-later', daysOpen: 60, region: 'EMEA' });
  const future = makeDeal({ id: 'future', createdAt: '2026-08-01', partnerIds: ['p1'], region: 'EMEA' });
  const deals = [...history, open, openWithP2, renewal, wonLater, future].map((deal) => canonical(deal));
  return { partners, deals };
}

export function writerInput(overrides: Partial<DealWriterInput> = {}): DealWriterInput {
  const { partners, deals } = smallPortal();
  return { tenantId: TENANT, deals, partners, full: true, ...overrides };
}
