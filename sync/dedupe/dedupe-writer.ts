import { z } from 'zod';
import type { DuplicateCluster } from '../../src/dedupe/duplicate-clustering.ts';
import { dedupeOptionsSchema } from '../../src/dedupe/find-duplicates.ts';
import { dealMatchKeys } from '../../src/dedupe/match-keys.ts';
import { type CrmPropertyValuesOf, crmPropertyNamesOf } from '../../src/model/crm-properties.ts';
import type { Deal } from '../../src/model/deal.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { DealWriter } from '../crm/tenant-sync.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { Tenant, TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { DedupeRepository, StoredDuplicate } from './dedupe.repo.ts';
import { clusterDealsOffThread, clusteringDigest } from './duplicate-clusters.ts';

/** Largest webhook drain round whose deals are compared inline (more are noted for `dedupe.refresh`). */
export const DEDUPE_INLINE_LIMIT = 100;

/** The deal properties of SPEC §4.5 the dedupe writer owns (src/model/crm-properties.ts). */
export const DEDUPE_PROPERTIES = crmPropertyNamesOf('dedupe');

/**
 * The admin's dedupe settings (`tenants.settings.dedupe`): the engine's thresholds, and the opt-in merge. Merging
 * is off by default; when on, only duplicates (never registration conflicts) at or above `minConfidence` are merged.
 * Clusters at or above `minConfidence` are `confirmed`, the others `suspected`.
 */
export const dedupeSettingsSchema = dedupeOptionsSchema.extend({
  merge: z
    .strictObject({
      enabled: z.boolean().default(false),
      minConfidence: z.number().min(0.5).max(1).default(0.99),
      /** Merges per run, so one reconcile cannot spend the portal's whole API budget on merges. */
      maxPerRun: z.number().int().min(1).max(1_000).default(100),
    })
    .prefault({}),
});
export type DedupeSettings = z.infer<typeof dedupeSettingsSchema>;

export function tenantDedupeSettings(tenant: Tenant | undefined): DedupeSettings {
  return dedupeSettingsSchema.parse(tenant?.settings.dedupe ?? {});
}

export interface DedupeWriterDeps {
  tenants: TenantsRepository;
  mirror: CrmMirrorRepository;
  dedupe: DedupeRepository;
  logger: Logger;
}

/** The CRM values for one deal, from its cluster (or none) and whether a person ever kept it apart from another. */
export function dedupeValues(
  dealId: string,
  cluster: Pick<StoredDuplicate, 'survivorId' | 'confidence'> | undefined,
  decided: boolean,
  confirmAt: number,
): CrmPropertyValuesOf<'dedupe'> {
  if (!cluster) {
    return {
      pl_duplicate_of: '',
      pl_duplicate_confidence: '',
      pl_dedupe_status: decided ? 'not_duplicate' : 'unique',
    };
  }
  return {
    pl_duplicate_of: cluster.survivorId === dealId ? '' : cluster.survivorId,
    pl_duplicate_confidence: String(cluster.confidence),
    pl_dedupe_status: cluster.confidence >= confirmAt ? 'confirmed' : 'suspected',
  };
}

/**
 * Duplicate flags on every pass (SPEC §2.2): a full pass clusters every deal; a webhook pass compares the changed
 * deals with the stored deals sharing an account, domain or name key, and rewrites only the clusters it touched
 * (a deal that stopped being a duplicate frees its former partner, which is written too).
 */
export function dedupeWriter(deps: DedupeWriterDeps): DealWriter {
  return {
    name: 'dedupe',
    properties: DEDUPE_PROPERTIES,
    // A drain round of a few deals is compared at once; a burst only notes them, and `dedupe.refresh` compares them
    // in bulk a little later, beside the acknowledgements.
    defer: (tenantId, dealIds) => deps.dedupe.notePending(tenantId, dealIds),
    inlineLimit: DEDUPE_INLINE_LIMIT,
    async desired({ tenantId, deals, full }) {
      const settings = tenantDedupeSettings(await deps.tenants.find(tenantId));
      const { merge, ...engine } = settings;
      let subset: Deal[];
      let touched: Set<string>;
      if (full) {
        subset = deals.map((entry) => entry.deal);
        touched = new Set(subset.map((deal) => deal.id));
      } else {
        const changed = new Set(deals.map((entry) => entry.deal.id));
        const previous = await deps.dedupe.clustersFor(tenantId, [...changed]);
        const formerMembers = [...previous.values()].flatMap((row) => row.memberIds);
        const keys = [...new Set(deals.flatMap((entry) => dealMatchKeys(entry.deal)))];
        const byId = new Map<string, Deal>();
        for (const deal of await deps.mirror.dealsSharingKeys(tenantId, keys)) byId.set(deal.id, deal);
        const missing = formerMembers.filter((id) => !byId.has(id));
        for (const entry of await deps.mirror.dealsByIds(tenantId, missing)) byId.set(entry.deal.id, entry.deal);
        for (const entry of deals) byId.set(entry.deal.id, entry.deal);
        subset = [...byId.values()];
        touched = new Set([...changed, ...formerMembers]);
      }
      const ids = subset.map((deal) => deal.id);
      const pairs = await deps.dedupe.decisions(tenantId, full ? null : ids);
      const input = { deals: subset, engine, apart: pairs };
      let relevant: DuplicateCluster[];
      if (full) {
        // A large full pass over the same input as the last one (a reconcile that found nothing changed) keeps its
        // clusters: the same values are compared with the CRM's, without clustering or rewriting them again.
        const digest = await clusteringDigest(input);
        const kept = digest === undefined ? undefined : await deps.dedupe.clustersComputedFrom(tenantId, digest);
        if (kept) {
          relevant = kept;
          deps.logger.debug({ tenantId, clusters: relevant.length }, 'duplicate clusters kept: input unchanged');
        } else {
          relevant = await clusterDealsOffThread(input);
          await deps.dedupe.replace(tenantId, null, relevant, digest);
        }
      } else {
        const clusters = await clusterDealsOffThread(input);
        relevant = clusters.filter((cluster) => cluster.ids.some((id) => touched.has(id)));
        for (const cluster of relevant) for (const id of cluster.ids) touched.add(id);
        await deps.dedupe.replace(tenantId, [...touched], relevant);
      }

      const clusterOf = new Map<string, (typeof relevant)[number]>();
      for (const cluster of relevant) for (const id of cluster.ids) clusterOf.set(id, cluster);
      const decided = new Set(pairs.flat());
      const desired = new Map<string, Record<string, string>>();
      for (const dealId of touched) {
        const cluster = clusterOf.get(dealId);
        desired.set(
          dealId,
          dedupeValues(
            dealId,
            cluster && { survivorId: cluster.survivor, confidence: cluster.confidence },
            decided.has(dealId),
            merge.minConfidence,
          ),
        );
      }
      if (relevant.length > 0) {
        deps.logger.debug({ tenantId, clusters: relevant.length, full }, 'duplicate clusters evaluated');
      }
      return desired;
    },
  };
}
