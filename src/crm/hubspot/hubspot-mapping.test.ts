import { describe, expect, it } from 'vitest';
import { dealSchema } from '../../model/deal.ts';
import { dealFromHubSpot, partnerFromHubSpot } from './hubspot-mapping.ts';

describe('HubSpot ↔ canonical mapping', () => {
  it('given a full HubSpot deal, then every canonical field maps and the result passes the interchange schema', () => {
    const deal = dealFromHubSpot(
      {
        id: '301',
        properties: {
          dealname: ' Acme – CRM 2026 ',
          amount: '12500.50',
          deal_currency_code: 'eur',
          closedate: '2026-03-31T00:00:00.000Z',
          createdate: '2026-01-02T09:30:00.000Z',
          dealstage: 'closedlost',
          hs_is_closed: 'true',
          hs_is_closed_won: 'false',
          dealtype: 'existingbusiness',
          hubspot_owner_id: '77',
          region: 'EMEA',
          lead_source: 'partner',
          products: 'crm;cpq; ',
          closed_lost_reason: 'price',
        },
      },
      {
        account: { id: '9', name: 'Acme GmbH', domain: 'acme.de' },
        partners: [{ partnerId: '55', role: 'sourced', splitPct: null }],
      },
    );
    expect(deal).toEqual({
      id: '301',
      name: 'Acme – CRM 2026',
      account: { id: '9', name: 'Acme GmbH', domain: 'acme.de' },
      amount: 12500.5,
      currency: 'EUR',
      closeDate: '2026-03-31',
      createdAt: '2026-01-02T09:30:00.000Z',
      stage: 'closedlost',
      isClosed: true,
      isWon: false,
      type: 'expansion',
      ownerId: '77',
      region: 'EMEA',
      leadSource: 'partner',
      products: ['crm', 'cpq'],
      partners: [{ partnerId: '55', role: 'sourced', splitPct: null }],
      lossReason: 'price',
    });
    expect(dealSchema.safeParse(deal).success).toBe(true);
  });

  it.each([
    [{}, { amount: null, closeDate: null, type: null, products: [], isClosed: false, isWon: false }],
    [
      { amount: 'n/a', dealtype: 'weird', hs_is_closed: 'false', hs_is_closed_won: 'true' },
      { amount: null, type: null, isWon: false },
    ],
    [{ closedate: '1767225600000' }, { closeDate: '2026-01-01' }],
  ])('given sparse or odd properties %j, then the mapping degrades to nulls, never throws', (properties, expected) => {
    expect(
      dealFromHubSpot({ id: '1', properties, createdAt: '2026-01-01T00:00:00Z' }, { account: undefined, partners: [] }),
    ).toMatchObject(expected);
  });

  it('given companies, then only pl_is_partner=true ones become partners, with their type', () => {
    expect(
      partnerFromHubSpot({
        id: '5',
        properties: {
          name: 'Northwind',
          pl_is_partner: 'true',
          pl_partner_type: 'self_serve',
          createdate: '2025-01-01T00:00:00Z',
          region: 'NA',
        },
      }),
    ).toEqual({
      id: '5',
      name: 'Northwind',
      type: 'self_serve',
      registeredAt: '2025-01-01T00:00:00.000Z',
      region: 'NA',
    });
    expect(partnerFromHubSpot({ id: '6', properties: { name: 'Customer', pl_is_partner: 'false' } })).toBeUndefined();
  });
});
