import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { RosterActionResult } from '../../extensions/app/pages/operator-api.ts';
import { crmPropertyNameOf } from '../../src/model/crm-properties.ts';
import {
  type RosterAction,
  rosterActionOf,
  rosterActionSchema,
  rosterActionValue,
} from '../../src/model/roster-action.ts';
import { NotFoundError, parseInput } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CompanyWriter, CrmTenantSync } from '../crm/tenant-sync.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';

/**
 * The roster lever of the operator home (SPEC §2.5 "mark a dormant partner for re-engagement or archive", §4.5
 * `pl_roster_action`). A decision is an audit entry (subject `partner_roster`, the partner's company id); the latest
 * entry per partner is the decision that stands, so the trail and the state cannot disagree and no table is needed.
 * The CRM gets it through the one company write path: the `roster-action` company writer (diffed against the mirror,
 * batched) run at once for the change, and again on every full pass, so a write HubSpot refused lands later and
 * `pl_roster_action` is owned by PartnerLoop like the other `pl_*` properties.
 */

export const ROSTER_ACTION_WRITER = 'roster-action';
export const ROSTER_ACTION_PROPERTY = crmPropertyNameOf('roster');
export const ROSTER_SUBJECT = 'partner_roster';
export const ROSTER_AUDIT_ACTION = 'partner.roster_action';

export const rosterActionRequestSchema = z.strictObject({
  action: rosterActionSchema.nullable(),
  note: z.string().trim().min(1).max(500).optional(),
});

/** The decisions that stand, from the audit trail. */
export class RosterDecisions {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async all(tenantId: string): Promise<Map<string, RosterAction | null>> {
    const rows = await this.db
      .selectFrom('audit_log')
      .select(['subject_id', sql<string | null>`after->>'action'`.as('action')])
      .distinctOn('subject_id')
      .where('tenant_id', '=', tenantId)
      .where('subject_type', '=', ROSTER_SUBJECT)
      .where('action', '=', ROSTER_AUDIT_ACTION)
      .orderBy('subject_id')
      .orderBy('id', 'desc')
      .execute();
    return new Map(rows.map((row) => [row.subject_id, rosterActionOf(row.action)]));
  }
}

/** Desired `pl_roster_action` of every roster partner with a decision (partners without one are left alone). */
export function rosterActionWriter(decisions: RosterDecisions): CompanyWriter {
  return {
    name: ROSTER_ACTION_WRITER,
    properties: [ROSTER_ACTION_PROPERTY],
    async desired({ tenantId, partners }) {
      const decided = await decisions.all(tenantId);
      const desired = new Map<string, Record<string, string>>();
      for (const partner of partners) {
        if (decided.has(partner.id)) {
          desired.set(partner.id, { [ROSTER_ACTION_PROPERTY]: rosterActionValue(decided.get(partner.id) ?? null) });
        }
      }
      return desired;
    },
  };
}

export interface RosterActionsDeps {
  mirror: Pick<CrmMirrorRepository, 'livePartners' | 'livePartnerProperties'>;
  sync: Pick<CrmTenantSync, 'writeBack'>;
  audit: Pick<AuditLogRepository, 'append'>;
  logger: Logger;
  /**
   * Creates what is missing of PartnerLoop's properties in the portal (idempotent provisioning). A portal installed
   * before `pl_roster_action` existed lacks it, and HubSpot refuses the write; the first failed write provisions and
   * tries once more.
   */
  provision?: (tenantId: string) => Promise<unknown>;
}

export class RosterActionsService {
  constructor(private readonly deps: RosterActionsDeps) {}

  /** Records the operator's decision for a roster partner and writes it to the partner company. */
  async set(tenantId: string, partnerId: string, body: unknown, actor: string): Promise<RosterActionResult> {
    const request = parseInput(rosterActionRequestSchema, body ?? {});
    const partners = await this.deps.mirror.livePartners(tenantId);
    if (!partners.some((partner) => partner.id === partnerId)) {
      throw new NotFoundError(`company ${partnerId.slice(0, 40)} is not a partner in this portal`);
    }
    const before = rosterActionOf(
      (await this.deps.mirror.livePartnerProperties(tenantId)).get(partnerId)?.[ROSTER_ACTION_PROPERTY],
    );
    await this.deps.audit.append({
      tenantId,
      actor,
      action: ROSTER_AUDIT_ACTION,
      subjectType: ROSTER_SUBJECT,
      subjectId: partnerId,
      before: { action: before },
      after: { action: request.action },
      reason: request.note,
    });
    // The company writer diffs every decided partner against the mirror: only this change (if any) is sent.
    const write = () => this.deps.sync.writeBack(tenantId, [], partners, true, { writers: [ROSTER_ACTION_WRITER] });
    let written = true;
    try {
      await write();
    } catch (first) {
      try {
        if (!this.deps.provision) throw first;
        await this.deps.provision(tenantId);
        await write();
      } catch (error) {
        // Saved either way: the next full pass writes it (HubSpot throttled or refused the call just now).
        written = false;
        this.deps.logger.warn(
          { err: error, tenantId, partnerId },
          'roster action saved; the CRM write will be retried',
        );
      }
    }
    if (written) {
      const now = (await this.deps.mirror.livePartnerProperties(tenantId)).get(partnerId)?.[ROSTER_ACTION_PROPERTY];
      written = rosterActionOf(now) === request.action;
    }
    return { partnerId, action: request.action, written };
  }
}
