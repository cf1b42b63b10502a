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

  it.each([
    // Kept as read (toISOString's own form, a day every month has).
    ['2026-03-28T23:59:59.999Z', '2026-03-28', '2026-03-28T23:59:59.999Z'],
    ['0001-01-01T00:00:00.000Z', '0001-01-01', '0001-01-01T00:00:00.000Z'],
    // The long way: Date.parse rolls a day the month lacks over, and normalises other forms.
    ['2026-02-30T00:00:00.000Z', '2026-03-02', '2026-03-02T00:00:00.000Z'],
    ['2027-02-29T12:00:00.000Z', '2027-03-01', '2027-03-01T12:00:00.000Z'],
    ['2028-02-29T12:00:00.000Z', '2028-02-29', '2028-02-29T12:00:00.000Z'],
    ['2026-04-31T00:00:00.000Z', '2026-05-01', '2026-05-01T00:00:00.000Z'],
    ['2026-01-31T24:00:00.000Z', '2026-02-01', '2026-02-01T00:00:00.000Z'],
    ['2026-03-31T00:00:00Z', '2026-03-31', '2026-03-31T00:00:00.000Z'],
    ['2026-03-10T10:00:00+02:00', '2026-03-10', '2026-03-10T08:00:00.000Z'],
    [' 2026-03-10T10:00:00.000Z ', '2026-03-10', '2026-03-10T10:00:00.000Z'],
    ['1767225600000', '2026-01-01', '2026-01-01T00:00:00.000Z'],
  ])(
    'given the timestamp %j, then the close date is %s and the creation instant %s, as Date.parse reads them',
    (value, closeDate, createdAt) => {
      const deal = dealFromHubSpot(
        { id: '1', properties: { closedate: value, createdate: value } },
        { account: undefined, partners: [] },
      );
      expect(deal).toMatchObject({ closeDate, createdAt });
      const trimmed = value.trim();
      const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
      expect(createdAt).toBe(new Date(ms).toISOString());
    },
  );

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
