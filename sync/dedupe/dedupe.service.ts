import { z } from 'zod';
import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import { crmRecordIdSchema, requestedDealId } from '../../src/model/crm-record.ts';
import { InvalidInputError, parseInput } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { DedupeRepository } from './dedupe.repo.ts';
import { type DedupeSettings, dedupeSettingsSchema, tenantDedupeSettings } from './dedupe-writer.ts';

export const notDuplicateRequestSchema = z.strictObject({
  otherDealId: crmRecordIdSchema('otherDealId', 'deal'),
});

export interface DedupeServiceDeps {
  tenants: TenantsRepository;
  mirror: CrmMirrorRepository;
  dedupe: DedupeRepository;
  sync: CrmTenantSync;
  crm: CrmConnectors;
  audit: AuditLogRepository;
  logger: Logger;
}

export interface MergeRunResult {
  merged: number;
  failed: number;
  /** Why nothing ran, when nothing did. */
  skipped?: 'merge_disabled';
}

/** The seller's and admin's side of de-duplication: decisions, the card's warnings, settings, opt-in merges. */
export class DedupeService {
  constructor(private readonly deps: DedupeServiceDeps) {}

  /**
   * "Not a duplicate": remembered forever (the pair is vetoed in every later pass), audit-logged, and both deals'
   * flags re-evaluated and written at once.
   */
  async notDuplicate(tenantId: string, dealId: string, body: unknown, actor: string): Promise<void> {
    const { otherDealId } = parseInput(notDuplicateRequestSchema, body);
    const deal = await this.deps.mirror.requireLiveDeal(tenantId, requestedDealId(tenantId, dealId));
    const other = await this.deps.mirror.requireLiveDeal(tenantId, requestedDealId(tenantId, otherDealId));
    if (deal.deal.id === other.deal.id) {
      throw new InvalidInputError('a deal cannot be marked as not a duplicate of itself', {
        details: ['otherDealId: the deal itself'],
      });
    }
    const created = await this.deps.dedupe.decideNotDuplicate(tenantId, deal.deal.id, other.deal.id, actor);
    if (created) {
      await this.deps.audit.append({
        tenantId,
        actor,
        action: 'dedupe.not_duplicate',
        subjectType: 'deal',
        subjectId: deal.deal.id,
        before: null,
        after: { notDuplicateOf: other.deal.id },
      });
    }
    await this.deps.sync.writeBack(tenantId, [deal, other], await this.deps.mirror.livePartners(tenantId), false, {
      writers: ['dedupe'],
    });
  }

  async settings(tenantId: string): Promise<DedupeSettings> {
    return tenantDedupeSettings(await this.deps.tenants.get(tenantId));
  }

  async setSettings(tenantId: string, body: unknown, actor: string): Promise<DedupeSettings> {
    const settings = parseInput(dedupeSettingsSchema, body);
    const before = await this.settings(tenantId);
    await this.deps.tenants.updateSettings(tenantId, { dedupe: settings });
    await this.deps.audit.append({
      tenantId,
      actor,
      action: 'dedupe.settings',
      subjectType: 'tenant',
      subjectId: tenantId,
      before,
      after: settings,
    });
    return settings;
  }

  /**
   * Opt-in merges through the CRM's merge (SPEC §2.2): duplicates at or above the tenant's threshold, into the
   * cluster's survivor, at most `maxPerRun` per run. The CRM answers with the surviving record; the merged id keeps
   * pointing at it (alias), the mirror marks it gone, and the audit log names both. A failed merge is logged and
   * left for the next run.
   */
  async mergeEligible(tenantId: string): Promise<MergeRunResult> {
    const { merge } = await this.settings(tenantId);
    if (!merge.enabled) return { merged: 0, failed: 0, skipped: 'merge_disabled' };
    const candidates = await this.deps.dedupe.mergeCandidates(tenantId, merge.minConfidence, merge.maxPerRun);
    const connector = this.deps.crm.connector(tenantId);
    let merged = 0;
    let failed = 0;
    const gone = new Set<string>();
    for (const candidate of candidates) {
      if (gone.has(candidate.survivorId) || gone.has(candidate.dealId)) continue;
      try {
        // Numbered before the merge: a read that began earlier (and saw the merged deal) will not bring it back.
        const read = await this.deps.mirror.readStart();
        const { survivorId: survivor } = await connector.mergeDeals(candidate.survivorId, candidate.dealId);
        await this.deps.mirror.addAlias(tenantId, 'deals', candidate.dealId, survivor);
        if (survivor !== candidate.survivorId) {
          await this.deps.mirror.addAlias(tenantId, 'deals', candidate.survivorId, survivor);
          gone.add(candidate.survivorId);
        }
        await this.deps.mirror.markDeleted(tenantId, 'deals', [candidate.dealId], read);
        gone.add(candidate.dealId);
        await this.deps.audit.append({
          tenantId,
          actor: 'system:dedupe-merge',
          action: 'dedupe.merge',
          subjectType: 'deal',
          subjectId: candidate.dealId,
          before: { dealId: candidate.dealId, survivorId: candidate.survivorId },
          after: { mergedInto: survivor },
          reason: `confidence ${candidate.confidence}: ${candidate.reasons.join('; ')}`,
        });
        merged += 1;
      } catch (error) {
        failed += 1;
        this.deps.logger.warn(
          { tenantId, dealId: candidate.dealId, survivorId: candidate.survivorId, err: error },
          'merge failed; it is retried on the next run',
        );
      }
    }
    if (gone.size > 0) {
      // The survivors' flags: re-read them (the merge changed them in HubSpot) and re-run the writers.
      const survivors = [...new Set(candidates.map((c) => c.survivorId))];
      const resolved = await this.deps.mirror.resolveIds(tenantId, 'deals', survivors);
      await this.deps.sync.applyWebhookWork(tenantId, {
        deals: [...new Set(resolved.values())],
        companies: [],
        aliases: [],
      });
    }
    return { merged, failed };
  }
}
