import type { ReferralStore } from './referral-store.ts';

/**
 * A small Partner Center pipeline for demos (`seedDemo`): the partner's own co-sell referrals in each state and two
 * unanswered invitations from Microsoft, spread over the last six weeks. `at(ms)` backdates the store's clock while
 * one referral is written, so created/updated times differ as they would in a real account.
 */
export function seedDemoReferrals(store: ReferralStore, now: number, at: (ms: number | undefined) => void): void {
  const day = 86_400_000;
  const outgoing = (name: string, customer: string, country: string, dealValue: number, externalId: string) => ({
    name,
    externalReferenceId: externalId,
    type: 'Shared',
    qualification: 'SalesQualified',
    customerProfile: { name: customer, address: { country }, size: '51to250employees' },
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: true,
    },
    details: {
      dealValue,
      currency: 'USD',
      closingDateTime: new Date(now + 45 * day).toISOString().slice(0, 10).concat('T00:00:00Z'),
      notes: 'Registered from the CRM by PartnerLoop (demo).',
    },
    target: [{ type: 'SolutionProfile', id: 'SOL-DEMO-0001' }],
  });

  try {
    at(now - 20 * day);
    store.create(outgoing('Contoso – Azure landing zone', 'Contoso Ltd', 'US', 120_000, 'demo-deal-1001'));

    at(now - 40 * day);
    const lost = store.create(outgoing('Woodgrove – data platform', 'Woodgrove Bank', 'GB', 80_000, 'demo-deal-1003'));
    at(now - 10 * day);
    store.setStatus(lost.id, 'Closed', 'Lost', 'Customer chose another vendor');

    at(now - 12 * day);
    const won = store.create(
      outgoing('Fabrikam – Dynamics 365 rollout', 'Fabrikam Inc', 'DE', 250_000, 'demo-deal-1002'),
    );
    at(now - 2 * day);
    store.setStatus(won.id, 'Closed', 'Won', 'Signed');

    at(now - 3 * day);
    store.addIncoming(
      {
        name: 'Northwind – Microsoft 365 Copilot',
        customerName: 'Northwind Traders',
        country: 'US',
        dealValue: 60_000,
        currency: 'USD',
        notes: 'Microsoft seller invites you to co-sell.',
        solutionId: 'SOL-DEMO-0001',
      },
      'c0ffee00-0000-4000-8000-000000000001',
    );

    at(now - 1 * day);
    store.addIncoming(
      {
        name: 'Tailspin Toys – security modernisation',
        customerName: 'Tailspin Toys',
        country: 'CA',
        substatus: 'Received',
        qualification: 'MarketingQualified',
        type: 'Independent',
      },
      'c0ffee00-0000-4000-8000-000000000002',
    );
  } finally {
    at(undefined);
  }
}
