/**
 * The lease that serialises a tenant's incremental changes (a webhook drain, a change-polling run, the incremental
 * dedupe pass): two never run at once for one tenant, whichever replica queued them. CRM-neutral; the key keeps its
 * historical `hubspot.webhooks.drain:` prefix so leases held across an upgrade still match.
 */
export function drainLeaseKey(tenantId: string): string {
  return `hubspot.webhooks.drain:${tenantId}`;
}
