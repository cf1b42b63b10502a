import type { RecordLinks } from '../crm-connector.ts';

/**
 * Where a HubSpot record opens for a user: `https://app.hubspot.com/contacts/{portalId}/record/{objectTypeId}/{id}`
 * (object type ids 0-3 deals, 0-2 companies). One place for the URL shape the card, the operator lists and exports use.
 */
export function hubspotRecordLinks(portalId: string | number, appUrl = 'https://app.hubspot.com'): RecordLinks {
  const base = `${appUrl}/contacts/${encodeURIComponent(String(portalId))}/record`;
  return {
    deal: (id: string) => `${base}/0-3/${encodeURIComponent(id)}`,
    partner: (id: string) => `${base}/0-2/${encodeURIComponent(id)}`,
  };
}
