import { z } from 'zod';
import { attributionCoverage } from '../../src/attribution/attribution-coverage.ts';
import { checkAttributionChange } from '../../src/attribution/attribution-hygiene.ts';
import type { AttributionResult } from '../../src/attribution/attribution-model.ts';
import { type AttributionRules, parseAttributionRules } from '../../src/attribution/attribution-rules.ts';
import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import { crmRecordIdSchema, requestedDealId } from '../../src/model/crm-record.ts';
import { type DealPartner, partnerRoleSchema } from '../../src/model/deal.ts';
import { AppError, NotFoundError, parseInput } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository, MirroredDeal } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { AdminRequiredError } from '../roles/admin-roles.ts';
import type { AttributionRepository } from './attribution.repo.ts';
import { type AttributionWriterDeps, evaluateDeals, tenantRules } from './attribution-writer.ts';

/** A change to a closed deal's attribution without an admin override (SPEC §2.1: frozen after close). */
export class AttributionFrozenError extends AppError {
  readonly code = 'attribution_frozen';
}

export const tagRequestSchema = z.strictObject({
  partnerId: crmRecordIdSchema('partnerId', 'partner'),
  role: partnerRoleSchema,
  splitPct: z
    .number()
    .min(0, 'splitPct must be between 0 and 100')
    .max(100, 'splitPct must be between 0 and 100')
    .nullish(),
  override: z.strictObject({ reason: z.string().trim().min(3).max(500) }).optional(),
});
export type TagRequest = z.infer<typeof tagRequestSchema>;

/** The optional body of an untag: an admin's override (with its reason) to remove a partner from a closed deal. */
export const untagRequestSchema = z.strictObject({
  override: z.strictObject({ reason: z.string().trim().min(3).max(500) }).optional(),
});

/**
 * Called right before a change that needs the after-close override is written: it throws unless the acting user may
 * override (an admin). Without one, an override is always refused.
 */
export type OverrideAuthorizer = () => Promise<void>;

export interface DealAttributionView {
  deal: MirroredDeal;
  partners: Array<DealPartner & { name: string }>;
  result: AttributionResult;
  /** Every partner's name in the tenant's roster (for suggestions that name a partner not on the deal). */
  partnerNames: ReadonlyMap<string, string>;
}

export interface AttributionServiceDeps extends AttributionWriterDeps {
  mirror: CrmMirrorRepository;
  sync: CrmTenantSync;
  crm: CrmConnectors;
  attributions: AttributionRepository;
  tenants: TenantsRepository;
  audit: AuditLogRepository;
}

/** Reading and changing one deal's attribution for the card and operators; every change audit-logged. */
export class AttributionService {
  constructor(private readonly deps: AttributionServiceDeps) {}

  async view(tenantId: string, dealId: string): Promise<DealAttributionView> {
    const deal = await this.deps.mirror.requireLiveDeal(tenantId, requestedDealId(tenantId, dealId));
    const partners = await this.deps.mirror.livePartners(tenantId);
    const [evaluation] = await evaluateDeals(this.deps, tenantId, [deal], partners);
    const names = new Map(partners.map((p) => [p.id, p.name]));
    return {
      deal,
      partners: evaluation!.deal.partners.map((p) => ({
        ...p,
        name: names.get(p.partnerId) ?? `Company ${p.partnerId}`,
      })),
      result: evaluation!.result,
      partnerNames: names,
    };
  }

  /** Tags a partner with a role (and optional split) on the deal: CRM association label first, then split, audit. */
  async tag(
    tenantId: string,
    dealId: string,
    body: unknown,
    actor: string,
    authorizeOverride?: OverrideAuthorizer,
  ): Promise<DealAttributionView> {
    const request = parseInput(tagRequestSchema, body);
    const deal = await this.deps.mirror.requireLiveDeal(tenantId, requestedDealId(tenantId, dealId));
    const roster = await this.deps.mirror.livePartners(tenantId);
    // 404 like any record the portal does not have (a partner of another portal included), as co-sell answers.
    if (!roster.some((p) => p.id === request.partnerId)) {
      throw new NotFoundError(`company ${request.partnerId} is not a partner in this portal`, {
        details: ['partnerId'],
      });
    }
    const before = (await this.view(tenantId, deal.deal.id)).partners.map(({ name: _n, ...p }) => p);
    const after = [
      ...before.filter((p) => !(p.partnerId === request.partnerId && p.role === request.role)),
      { partnerId: request.partnerId, role: request.role, splitPct: request.splitPct ?? null },
    ];
    await this.guardFrozen(tenantId, deal, before, after, actor, request.override?.reason, authorizeOverride);
    await this.deps.crm
      .connector(tenantId)
      .linkPartners([{ dealId: deal.deal.id, partnerId: request.partnerId, role: request.role }]);
    await this.deps.attributions.setSplit(
      tenantId,
      deal.deal.id,
      request.partnerId,
      request.role,
      request.splitPct ?? null,
      actor,
    );
    await this.deps.audit.append({
      tenantId,
      actor,
      action: 'attribution.tag',
      subjectType: 'deal',
      subjectId: deal.deal.id,
      before,
      after,
      reason: request.override?.reason,
    });
    return this.refresh(tenantId, deal.deal.id);
  }

  async untag(
    tenantId: string,
    dealId: string,
    partnerId: string,
    roleText: string,
    actor: string,
    body?: unknown,
    authorizeOverride?: OverrideAuthorizer,
  ) {
    const role = parseInput(partnerRoleSchema, roleText);
    const reason = parseInput(untagRequestSchema, body ?? {}).override?.reason;
    const deal = await this.deps.mirror.requireLiveDeal(tenantId, requestedDealId(tenantId, dealId));
    const before = (await this.view(tenantId, deal.deal.id)).partners.map(({ name: _n, ...p }) => p);
    if (!before.some((p) => p.partnerId === partnerId && p.role === role)) {
      throw new NotFoundError(`partner ${partnerId} is not tagged as ${role} on deal ${deal.deal.id}`);
    }
    const after = before.filter((p) => !(p.partnerId === partnerId && p.role === role));
    await this.guardFrozen(tenantId, deal, before, after, actor, reason, authorizeOverride);
    await this.deps.crm.connector(tenantId).unlinkPartner({ dealId: deal.deal.id, partnerId, role });
    await this.deps.attributions.setSplit(tenantId, deal.deal.id, partnerId, role, null, actor);
    await this.deps.audit.append({
      tenantId,
      actor,
      action: 'attribution.untag',
      subjectType: 'deal',
      subjectId: deal.deal.id,
      before,
      after,
      reason,
    });
    return this.refresh(tenantId, deal.deal.id);
  }

  async rules(tenantId: string): Promise<AttributionRules> {
    return tenantRules(await this.deps.tenants.get(tenantId));
  }

  /** Replaces the tenant's rules; invalid rules are refused with every problem named (nothing stored). */
  async setRules(tenantId: string, body: unknown, actor: string): Promise<AttributionRules> {
    const rules = parseAttributionRules(body);
    const before = await this.rules(tenantId);
    await this.deps.tenants.updateSettings(tenantId, { attributionRules: rules });
    await this.deps.audit.append({
      tenantId,
      actor,
      action: 'attribution.rules',
      subjectType: 'tenant',
      subjectId: tenantId,
      before,
      after: rules,
    });
    return rules;
  }

  async coverage(tenantId: string) {
    const { statuses } = await this.deps.attributions.coverage(tenantId);
    const results = statuses.flatMap((row) =>
      Array.from({ length: row.n }, () => ({
        status: row.status as AttributionResult['status'],
        partnerInvolved: row.partnerInvolved,
      })),
    );
    return attributionCoverage(results);
  }

  /** Re-reads the deal from the CRM and re-runs the writers (the status write-back), then answers the new view. */
  private async refresh(tenantId: string, dealId: string): Promise<DealAttributionView> {
    await this.deps.sync.applyWebhookWork(tenantId, { deals: [dealId], companies: [], aliases: [] });
    return this.view(tenantId, dealId);
  }

  /**
   * A closed deal's partners are frozen (per the tenant's rules); a change goes through only with an override, and an
   * override only for an admin — checked here, after every validation and before anything is written.
   */
  private async guardFrozen(
    tenantId: string,
    deal: MirroredDeal,
    before: DealPartner[],
    after: DealPartner[],
    actor: string,
    reason: string | undefined,
    authorizeOverride: OverrideAuthorizer | undefined,
  ): Promise<void> {
    const rules = await this.rules(tenantId);
    const check = checkAttributionChange(before, after, deal.deal, reason ? { actor, reason } : null, rules);
    if (check.outcome === 'rejected') throw new AttributionFrozenError(check.message, { details: check.changes });
    if (check.override) {
      if (!authorizeOverride)
        throw new AdminRequiredError("only a HubSpot super admin can override a closed deal's attribution");
      await authorizeOverride();
    }
  }
}
