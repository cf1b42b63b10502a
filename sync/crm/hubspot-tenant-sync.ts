import {
  COMPANY_READ_PROPERTIES,
  changedProperties,
  partnerFromHubSpot,
} from '../../src/crm/hubspot/hubspot-mapping.ts';
import { type CanonicalDeal, readDeals, readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import type { WebhookWork } from '../../src/crm/hubspot/hubspot-webhook-events.ts';
import type { Partner } from '../../src/model/partner.ts';
import type { Logger } from '../log/logger.ts';
import type { CrmMirrorRepository } from './crm-mirror.repo.ts';
import type { HubSpotConnections } from './hubspot-connections.ts';

/**
 * One feature's write-back to deals: which deal properties it owns, and their desired values for some deals. The
 * sync compares against what HubSpot holds and writes only differences, batched, for every writer at once.
 */
export interface DealWriter {
  readonly name: string;
  readonly properties: readonly string[];
  desired(input: DealWriterInput): Promise<ReadonlyMap<string, Record<string, string>>>;
}

export interface DealWriterInput {
  tenantId: string;
  /** The deals to compute values for (changed ones on a webhook; all live deals on a reconcile). */
  deals: readonly CanonicalDeal[];
  /** The tenant's partner roster. */
  partners: readonly Partner[];
  /** True on a full reconcile (writers may use portal-wide context). */
  full: boolean;
}

export interface WriteBackResult {
  /** Deals whose CRM values changed. */
  deals: number;
  /** Batch update calls made. */
  calls: number;
}

export interface ReconcileResult extends WriteBackResult {
  tenantId: string;
  dealsRead: number;
  partnersRead: number;
  deletedDeals: number;
  readCalls: number;
}

export interface WebhookWorkResult extends WriteBackResult {
  refreshedDeals: number;
  missingDeals: number;
  refreshedCompanies: number;
  aliases: number;
}

export interface HubSpotTenantSyncOptions {
  connections: HubSpotConnections;
  mirror: CrmMirrorRepository;
  writers?: readonly DealWriter[];
  logger: Logger;
}

/**
 * Keeps the store's mirror of a HubSpot tenant current (a full reconcile, or the records named by webhook events) and
 * runs the deal writers over what changed. Every step is idempotent: re-running it converges on the same CRM state.
 */
export class HubSpotTenantSync {
  readonly #writers: readonly DealWriter[];

  constructor(private readonly options: HubSpotTenantSyncOptions) {
    this.#writers = options.writers ?? [];
  }

  /** Deal properties the writers own: read with every deal so write-back can compare. */
  get writtenProperties(): string[] {
    return [...new Set(this.#writers.flatMap((writer) => writer.properties))];
  }

  async reconcile(tenantId: string, onProgress?: (read: number) => void): Promise<ReconcileResult> {
    const { mirror, connections } = this.options;
    const snapshot = await readPortal(connections.objects(tenantId), {
      extraDealProperties: this.writtenProperties,
      ...(onProgress ? { onProgress } : {}),
    });
    await mirror.upsertPartners(tenantId, snapshot.partners);
    await mirror.markUnseenDeleted(tenantId, 'companies', new Set(snapshot.partners.map((partner) => partner.id)));
    await mirror.upsertDeals(tenantId, snapshot.deals);
    const deletedDeals = await mirror.markUnseenDeleted(
      tenantId,
      'deals',
      new Set(snapshot.deals.map((entry) => entry.deal.id)),
    );
    const written = await this.writeBack(tenantId, snapshot.deals, snapshot.partners, true);
    const { companies, deals, associations } = snapshot.calls;
    return {
      tenantId,
      dealsRead: snapshot.deals.length,
      partnersRead: snapshot.partners.length,
      deletedDeals,
      readCalls: companies + deals + associations,
      ...written,
    };
  }

  /** Applies the work a batch of webhook events implies: aliases first, then fresh reads of every touched record. */
  async applyWebhookWork(tenantId: string, work: WebhookWork): Promise<WebhookWorkResult> {
    const { mirror, connections } = this.options;
    const objects = connections.objects(tenantId);
    for (const alias of work.aliases) await mirror.addAlias(tenantId, alias.objectType, alias.oldId, alias.newId);

    let refreshedCompanies = 0;
    if (work.companies.length > 0) {
      const companyIds = await this.resolveAll(tenantId, 'companies', work.companies);
      const records = await objects.batchRead('companies', companyIds, COMPANY_READ_PROPERTIES);
      const partners = records.map(partnerFromHubSpot).filter((partner): partner is Partner => partner !== undefined);
      await mirror.upsertPartners(tenantId, partners);
      const stillPartners = new Set(partners.map((partner) => partner.id));
      await mirror.retirePartners(
        tenantId,
        work.companies.filter((id) => !stillPartners.has(id)),
      );
      refreshedCompanies = records.length;
    }

    const dealIds = await this.resolveAll(tenantId, 'deals', work.deals);
    const merged = work.aliases.filter((alias) => alias.objectType === 'deals').map((alias) => alias.oldId);
    const read = await readDeals(objects, dealIds, { extraDealProperties: this.writtenProperties });
    await mirror.upsertPartners(tenantId, read.partners);
    await mirror.upsertDeals(tenantId, read.deals);
    await mirror.markDeleted(tenantId, 'deals', [...read.missing, ...merged]);
    const partners = this.#writers.length > 0 ? await mirror.livePartners(tenantId) : [];
    const written = await this.writeBack(tenantId, read.deals, partners, false);
    return {
      refreshedDeals: read.deals.length,
      missingDeals: read.missing.length,
      refreshedCompanies,
      aliases: work.aliases.length,
      ...written,
    };
  }

  /** Runs every writer over `deals` and writes only the values HubSpot does not already hold, 100 per call. */
  async writeBack(
    tenantId: string,
    deals: readonly CanonicalDeal[],
    partners: readonly Partner[],
    full: boolean,
  ): Promise<WriteBackResult> {
    if (this.#writers.length === 0 || deals.length === 0) return { deals: 0, calls: 0 };
    const desired = new Map<string, Record<string, string>>();
    for (const writer of this.#writers) {
      const values = await writer.desired({ tenantId, deals, partners, full });
      for (const [dealId, properties] of values) desired.set(dealId, { ...desired.get(dealId), ...properties });
    }
    const updates = new Map<string, Record<string, string>>();
    for (const entry of deals) {
      const want = desired.get(entry.deal.id);
      const changed = want ? changedProperties(entry.properties, want) : undefined;
      if (changed) updates.set(entry.deal.id, changed);
    }
    if (updates.size === 0) return { deals: 0, calls: 0 };
    const calls = await this.options.connections.objects(tenantId).batchUpdate(
      'deals',
      [...updates].map(([id, properties]) => ({ id, properties })),
    );
    await this.options.mirror.recordDealValues(tenantId, updates);
    this.options.logger.info({ tenantId, deals: updates.size, calls }, 'deal properties written back');
    return { deals: updates.size, calls };
  }

  private async resolveAll(tenantId: string, objectType: string, ids: readonly string[]): Promise<string[]> {
    const resolved = await this.options.mirror.resolveIds(tenantId, objectType, ids);
    return [...new Set(resolved.values())];
  }
}
