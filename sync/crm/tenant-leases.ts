/**
 * The lease that serialises a tenant's incremental changes (a webhook drain, a change-polling run, the incremental
 * dedupe pass): two never run at once for one tenant, whichever replica queued them. CRM-neutral; the key keeps its
 * historical `hubspot.webhooks.drain:` prefix so leases held across an upgrade still match.
 */
export function drainLeaseKey(tenantId: string): string {
  return `hubspot.webhooks.drain:${tenantId}`;
}

/**
 * The lease of a tenant's full passes: the reconcile (CRM read + every write-back) and the refreshes that recompute
 * write-backs from the mirror (scoring). Never two at once for one tenant: a refresh overlapping a reconcile would
 * write values the reconcile then rewrites. A pass that finds it held is retried later, and then writes only what
 * the other left different. The key keeps its historical `hubspot.reconcile:` prefix.
 */
export function fullPassLeaseKey(tenantId: string): string {
  return `hubspot.reconcile:${tenantId}`;
}
