/**
 * Where a HubSpot record opens for a user: `https://app.hubspot.com/contacts/{portalId}/record/{objectTypeId}/{id}`
 * (object type ids 0-3 deals, 0-2 companies). One place for the URL shape the card, the operator lists and exports use.
 */
export function hubspotRecordLinks(tenant: { externalId: string }, appUrl = 'https://app.hubspot.com') {
  const base = `${appUrl}/contacts/${encodeURIComponent(tenant.externalId)}/record`;
  return {
    deal: (id: string) => `${base}/0-3/${encodeURIComponent(id)}`,
    company: (id: string) => `${base}/0-2/${encodeURIComponent(id)}`,
  };
}
