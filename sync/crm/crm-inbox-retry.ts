import type { ErrorInboxRepository, InboxRetry, InboxSource } from '../inbox/error-inbox.repo.ts';
import type { CrmTenantSync } from './tenant-sync.ts';

/**
 * The error inbox's retry of a deal the CRM refused on its own (Salesforce's per-record errors: a validation rule, a
 * picklist value, a locked row): read the deal again and write what PartnerLoop wants on it, like a change poll would.
 * A refused write is never recorded as written, so the next reconcile tries it too; this is the operator's "now".
 */
export function crmInboxRetry(sync: CrmTenantSync, inbox: ErrorInboxRepository, source: InboxSource): InboxRetry {
  return async (tenantId, objectType, recordId) => {
    const key = { tenantId, source, objectType, recordId };
    if (objectType !== 'opportunity') {
      return {
        status: 'waiting',
        message: 'The next full reconcile (nightly, or `partnerloop reconcile`) writes it again.',
      };
    }
    const result = await sync.applyWebhookWork(tenantId, { deals: [recordId], companies: [], aliases: [] });
    if (result.missingDeals > 0) {
      await inbox.resolve({ tenantId, source, objectType }, [recordId]);
      return { status: 'gone', message: 'The opportunity no longer exists in the CRM.' };
    }
    // Nothing left to write: the CRM already holds PartnerLoop's values (someone fixed the record there).
    if (result.deals === 0) await inbox.resolve({ tenantId, source, objectType }, [recordId]);
    const entry = await inbox.get(key);
    return entry && entry.resolved_at === null
      ? { status: 'refused', message: entry.reason }
      : { status: 'sent', message: 'The CRM accepted the record.' };
  };
}
