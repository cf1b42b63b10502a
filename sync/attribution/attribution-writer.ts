import { evaluateAttribution } from '../../src/attribution/attribution-engine.ts';
import type { AttributionResult, Registration } from '../../src/attribution/attribution-model.ts';
import { attributionProperties } from '../../src/attribution/attribution-properties.ts';
import {
  type AttributionRules,
  DEFAULT_ATTRIBUTION_RULES,
  parseAttributionRules,
} from '../../src/attribution/attribution-rules.ts';
import { crmPropertyNamesOf } from '../../src/model/crm-properties.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { Deal, DealPartner, PartnerRole } from '../../src/model/deal.ts';
import type { Partner } from '../../src/model/partner.ts';
import type { DealWriter } from '../crm/tenant-sync.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Tenant, TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { AttributionRepository, SplitRow } from './attribution.repo.ts';

/** The deal properties of SPEC §4.5 the attribution writer owns (src/model/crm-properties.ts). */
export const ATTRIBUTION_PROPERTIES = crmPropertyNamesOf('attribution');

const REGISTRATION_STATUSES = new Set(['pending', 'approved', 'rejected']);

/** The tenant's rules (admin-edited JSON in settings), or the defaults. */
export function tenantRules(tenant: Tenant | undefined): AttributionRules {
  const stored = tenant?.settings.attributionRules;
  return stored === undefined ? DEFAULT_ATTRIBUTION_RULES : parseAttributionRules(stored);
}

/** A deal's tagged partners with the splits the store holds. */
export function withSplits(deal: Deal, splits: readonly SplitRow[] | undefined): Deal {
  if (!splits || splits.length === 0) return deal;
  return {
    ...deal,
    partners: deal.partners.map((partner) => ({
      ...partner,
      splitPct: splits.find((s) => s.partnerId === partner.partnerId && s.role === partner.role)?.splitPct ?? null,
    })),
  };
}

/** The raw CRM properties a deal's evaluation reads (`evaluateDeal`): the card reads only these of a mirrored deal. */
export const EVALUATION_PROPERTIES = [
  'pipeline',
  'partner_registration_status',
  'partner_registration_partner_id',
] as const;

/** Raw values holding at least the evaluation's properties (a deal's full values satisfy it). */
export type EvaluationValues = Readonly<Partial<Record<(typeof EVALUATION_PROPERTIES)[number], string | null>>>;

/** What `evaluateDeal` reads of a mirrored deal: its raw values typed to `EVALUATION_PROPERTIES`, so it reads no other. */
export type EvaluatedEntry = Pick<CanonicalDeal, 'deal' | 'unlabeledPartnerIds' | 'accountPartnerIds'> & {
  properties: EvaluationValues;
};

function registrationsOf(properties: EvaluationValues): Registration[] {
  const status = properties.partner_registration_status?.trim().toLowerCase();
  const partnerId = properties.partner_registration_partner_id?.trim();
  if (!status || !partnerId || !REGISTRATION_STATUSES.has(status)) return [];
  return [{ partnerId, status: status as Registration['status'] }];
}

export interface AttributionWriterDeps {
  tenants: TenantsRepository;
  attributions: AttributionRepository;
  audit: AuditLogRepository;
  logger: Logger;
  /** Deals with a co-sell motion (partner-involved by definition); none until co-sell is wired. */
  dealsWithMotions?: (tenantId: string, dealIds: readonly string[]) => Promise<ReadonlySet<string>>;
}

export interface Evaluation<Entry extends EvaluatedEntry = CanonicalDeal> {
  entry: Entry;
  deal: Deal;
  result: AttributionResult;
}

/** Evaluates deals against the tenant's rules (pure engine), with splits, registrations and partners at close. */
export async function evaluateDeals(
  deps: AttributionWriterDeps,
  tenantId: string,
  deals: readonly CanonicalDeal[],
  partners: readonly Partner[],
): Promise<Evaluation[]> {
  const tenant = await deps.tenants.find(tenantId);
  const rules = tenantRules(tenant);
  const ids = deals.map((entry) => entry.deal.id);
  const [splits, atClose, motions] = await Promise.all([
    deps.attributions.splits(tenantId, ids),
    deps.attributions.partnersAtClose(tenantId, ids),
    deps.dealsWithMotions ? deps.dealsWithMotions(tenantId, ids) : Promise.resolve(new Set<string>()),
  ]);
  const partnerNames = Object.fromEntries(partners.map((partner) => [partner.id, partner.name]));
  return deals.map((entry) =>
    evaluateDeal(
      entry,
      {
        splits: splits.get(entry.deal.id),
        partnersAtClose: atClose.get(entry.deal.id),
        hasCoSellMotion: motions.has(entry.deal.id),
      },
      rules,
      partnerNames,
    ),
  );
}

/** What the store adds to a mirrored deal for its evaluation. */
export interface StoredAttributionInputs {
  splits: readonly SplitRow[] | undefined;
  partnersAtClose: DealPartner[] | undefined;
  hasCoSellMotion: boolean;
}

/** One deal evaluated against the rules (pure; `evaluateDeals` reads the stored inputs of many deals at once). */
export function evaluateDeal<Entry extends EvaluatedEntry>(
  entry: Entry,
  stored: StoredAttributionInputs,
  rules: AttributionRules,
  partnerNames: Readonly<Record<string, string>>,
): Evaluation<Entry> {
  const deal = withSplits(entry.deal, stored.splits);
  const result = evaluateAttribution(
    {
      deal,
      pipeline: entry.properties.pipeline ?? null,
      registrations: registrationsOf(entry.properties),
      // Partners associated with the deal's account company: one is auto-tagged, two or more are a conflict.
      accountPartnerIds: entry.accountPartnerIds ?? [],
      unlabeledPartnerIds: entry.unlabeledPartnerIds,
      hasCoSellMotion: stored.hasCoSellMotion,
      partnersAtClose: stored.partnersAtClose,
      partnerNames,
    },
    rules,
  );
  return { entry, deal, result };
}

/**
 * Attribution enforced on every evaluated deal: status and issues written to the deal (only when they change), the
 * partners at close captured, and unambiguous auto-tags applied as labelled associations (audit-logged).
 */
export function attributionWriter(deps: AttributionWriterDeps): DealWriter {
  return {
    name: 'attribution',
    properties: ATTRIBUTION_PROPERTIES,
    // Auto-tags are added to the given deals for the writers after this one (dedupe, scores).
    amendsDeals: true,
    async desired({ tenantId, deals, partners, links, amended }) {
      const evaluations = await evaluateDeals(deps, tenantId, deals, partners);
      // Auto-tags become links the sync writes through the CRM port; a role the CRM cannot link yet is left alone.
      const linkable = links ? await links.linkableRoles() : new Set<PartnerRole>();
      const autoTags: Array<{ dealId: string; partnerId: string; role: PartnerRole; reason: string }> = [];
      const desired = new Map<string, Record<string, string>>();
      const records: Array<{ dealId: string; result: AttributionResult; closedPartners: DealPartner[] | null }> = [];
      for (const { entry, deal, result } of evaluations) {
        let effective = deal;
        const tag = result.autoTag;
        if (tag && linkable.has(tag.role)) {
          autoTags.push({ dealId: deal.id, partnerId: tag.partnerId, role: tag.role, reason: tag.reason });
          effective = {
            ...deal,
            partners: [...deal.partners, { partnerId: tag.partnerId, role: tag.role, splitPct: null }],
          };
          // The writers after this one in the same pass (dedupe, scores) see the tagged partner, so one pass
          // converges; the mirror catches up from the association event (or the next read).
          entry.deal = { ...entry.deal, partners: [...entry.deal.partners, effective.partners.at(-1) as DealPartner] };
        }
        desired.set(deal.id, { ...attributionProperties(result, effective) });
        records.push({ dealId: deal.id, result, closedPartners: deal.isClosed ? effective.partners : null });
      }
      // The auto-tags are on the deals: the writers after this one need not wait for the rows stored below.
      amended?.();
      if (autoTags.length > 0 && links) {
        links.link(autoTags, async () => {
          for (const tag of autoTags) {
            await deps.audit.append({
              tenantId,
              actor: 'system:auto-tag',
              action: 'attribution.tag',
              subjectType: 'deal',
              subjectId: tag.dealId,
              before: null,
              after: { partnerId: tag.partnerId, role: tag.role },
              reason: tag.reason,
            });
          }
          deps.logger.info({ tenantId, autoTags: autoTags.length }, 'unambiguous partners auto-tagged');
        });
      }
      await deps.attributions.record(tenantId, records);
      return desired;
    },
  };
}
