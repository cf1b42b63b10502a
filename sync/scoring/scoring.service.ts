import { DEFAULT_ATTRIBUTION_RULES, type Segment } from '../../src/attribution/attribution-rules.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { Partner } from '../../src/model/partner.ts';
import { todayAsOf } from '../../src/scoring/deal-timeline.ts';
import {
  type MatchPreviewPartner,
  type MatchRulesPreviewResult,
  previewMatchRules,
} from '../../src/scoring/match-rules-preview.ts';
import { scorePartners } from '../../src/scoring/partner-scoring.ts';
import {
  DEFAULT_SCORING_CONFIG,
  parseMatchRules,
  parseScoringConfig,
  type ScoringConfig,
} from '../../src/scoring/scoring-config.ts';
import { tenantRules } from '../attribution/attribution-writer.ts';
import type { DealWriterInput } from '../crm/tenant-sync.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Tenant, TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { ScoresRepository, StoredPartnerScore, StoredScoringRun } from './scores.repo.ts';
import { computeScoringRunOffThread, type ScoringRun, scoringRunDigest } from './scoring-run.ts';

export interface ScoringServiceDeps {
  tenants: TenantsRepository;
  scores: ScoresRepository;
  audit: AuditLogRepository;
  logger: Logger;
  /** The as-of day of a run, YYYY-MM-DD (default: today, UTC). */
  asOf?: () => string;
}

export interface RankedScores {
  tenantId: string;
  /** The last run, absent before the first full pass. */
  run: Omit<StoredScoringRun, 'config'> | null;
  partners: StoredPartnerScore[];
}

/**
 * The tenant's scoring config: what the admin stored in `settings.scoring` over the defaults. A stored config that no
 * longer parses (a later release tightened the schema) falls back to the defaults with a warning rather than stopping
 * every write-back of the tenant; the admin sees the problem when saving the config again.
 */
export function tenantScoringConfig(tenant: Tenant | undefined, logger?: Logger): ScoringConfig {
  const stored = tenant?.settings.scoring;
  if (stored === undefined) return DEFAULT_SCORING_CONFIG;
  try {
    return parseScoringConfig(stored);
  } catch (error) {
    logger?.warn({ tenantId: tenant?.id, err: error }, 'stored scoring config is invalid; scoring with the defaults');
    return DEFAULT_SCORING_CONFIG;
  }
}

/**
 * The segments partner-match rules name: the amount bands of the tenant's attribution rules (SPEC §2.5 "Segment"),
 * the defaults when the stored rules no longer parse (the attribution writer reports that itself).
 */
export function tenantSegments(tenant: Tenant | undefined): readonly Segment[] {
  try {
    return tenantRules(tenant).segments;
  } catch {
    return DEFAULT_ATTRIBUTION_RULES.segments;
  }
}

/** At most this many changed deals are listed by a preview (the count is always complete): well under 1 MB. */
export const MATCH_PREVIEW_MAX_ROWS = 200;

/**
 * Partner scoring per tenant, for the write-backs and the API. A scoring run is portal-wide, so it is computed once per
 * full write-back pass and shared by the company writer (partner scores) and the deal writer (deal fit) of that pass.
 */
export class ScoringService {
  /**
   * Runs by pass. `CrmTenantSync.writeBack` builds one input object per pass and hands that same object to every
   * deal and company writer, so the object identifies the pass (two passes over the same deals are two objects; a
   * pass whose writers ran again after attribution amended its deals hands the second one to the rest); the entry
   * goes when the pass's input is collected.
   */
  readonly #runs = new WeakMap<DealWriterInput, Promise<ScoringRun>>();
  readonly #asOf: () => string;

  constructor(private readonly deps: ScoringServiceDeps) {
    this.#asOf = deps.asOf ?? (() => todayAsOf());
  }

  /** The run of one write-back pass (computed and stored on first use; the same promise for every writer). */
  runFor(input: DealWriterInput): Promise<ScoringRun> {
    let run = this.#runs.get(input);
    if (!run) {
      run = this.run(input.tenantId, input.deals, input.partners);
      this.#runs.set(input, run);
    }
    return run;
  }

  /**
   * Scores the tenant's deals and partners as of today with its config, and stores the result. A large run over the
   * same input as the stored one (a reconcile that found nothing changed, the same day) keeps the stored run instead.
   */
  async run(tenantId: string, deals: readonly CanonicalDeal[], partners: readonly Partner[]): Promise<ScoringRun> {
    const tenant = await this.deps.tenants.find(tenantId);
    const config = tenantScoringConfig(tenant, this.deps.logger);
    const input = { tenantId, deals, partners, asOf: this.#asOf(), config, segments: tenantSegments(tenant) };
    const digest = await scoringRunDigest(input);
    const kept = digest === undefined ? undefined : await this.deps.scores.runComputedFrom(tenantId, digest);
    if (kept) {
      this.deps.logger.debug(
        { tenantId, asOf: kept.asOf, partners: kept.scoring.partners.length },
        'partner scores kept: input unchanged',
      );
      return { tenantId, config, ...kept };
    }
    const run = await computeScoringRunOffThread(input);
    const stored = await this.deps.scores.save(run, new Date(), digest);
    this.deps.logger.info(
      {
        tenantId,
        asOf: run.asOf,
        partners: run.scoring.partners.length,
        openDeals: run.fits.size,
        ms: run.durationMs,
        stored,
      },
      'partner scores computed',
    );
    return run;
  }

  async config(tenantId: string): Promise<ScoringConfig> {
    return tenantScoringConfig(await this.deps.tenants.get(tenantId), this.deps.logger);
  }

  /**
   * Replaces the tenant's config; an invalid one is refused with every problem named and nothing stored. What the
   * admin sent is kept (not the filled-in result), so the values they did not set follow future defaults.
   */
  async setConfig(tenantId: string, body: unknown, actor: string): Promise<ScoringConfig> {
    const config = parseScoringConfig(body);
    const before = await this.config(tenantId);
    await this.deps.tenants.updateSettings(tenantId, { scoring: body });
    await this.deps.audit.append({
      tenantId,
      actor,
      action: 'scoring.config',
      subjectType: 'tenant',
      subjectId: tenantId,
      before,
      after: config,
    });
    return config;
  }

  /**
   * What candidate partner-match rules would change (SPEC §2.5 "Levers"): the tenant's mirror scored as of today with
   * its config, and again with the candidate rules in place of its own, compared deal by deal. Nothing is stored; an
   * invalid candidate is refused with every problem named, like the config PUT.
   */
  async previewMatchRules(
    tenantId: string,
    body: unknown,
    mirror: { deals: () => Promise<CanonicalDeal[]>; partners: () => Promise<Partner[]> },
  ): Promise<MatchRulesPreviewResult> {
    const candidate = parseMatchRules(body);
    const tenant = await this.deps.tenants.get(tenantId);
    const config = tenantScoringConfig(tenant, this.deps.logger);
    const [canonical, roster] = await Promise.all([mirror.deals(), mirror.partners()]);
    const asOf = this.#asOf();
    const deals = canonical.map((entry) => entry.deal);
    const partners = [...new Map(roster.map((partner) => [partner.id, partner])).values()];
    const partnerScores = scorePartners({ deals, partners, asOf, config }).partners;
    const names = new Map(partners.map((partner) => [partner.id, partner.name]));
    const nameOf = (id: string) => names.get(id) ?? `Company ${id}`;
    const preview = previewMatchRules({
      deals,
      partnerScores,
      asOf,
      config,
      candidate,
      segments: tenantSegments(tenant),
      nameOf,
    });
    const dealNames = new Map(deals.map((deal) => [deal.id, deal.name]));
    const side = (fit: { partnerId: string; fitScore: number } | null): MatchPreviewPartner | null =>
      fit === null ? null : { partnerId: fit.partnerId, name: nameOf(fit.partnerId), fitScore: fit.fitScore };
    return {
      tenantId,
      asOf,
      openDeals: preview.openDeals,
      changed: preview.changes.length,
      changes: preview.changes.slice(0, MATCH_PREVIEW_MAX_ROWS).map((change) => ({
        dealId: change.dealId,
        dealName: dealNames.get(change.dealId) ?? `Deal ${change.dealId}`,
        before: side(change.before),
        after: side(change.after),
        reason: change.reason,
      })),
      truncated: preview.changes.length > MATCH_PREVIEW_MAX_ROWS,
    };
  }

  async ranked(tenantId: string): Promise<RankedScores> {
    const [run, partners] = await Promise.all([this.deps.scores.lastRun(tenantId), this.deps.scores.ranked(tenantId)]);
    if (!run) return { tenantId, run: null, partners };
    const { config: _config, ...summary } = run;
    return { tenantId, run: summary, partners };
  }
}
