import type { Kysely } from 'kysely';
import type { StoreSchema } from './schema.ts';

export interface AuditEntry {
  tenantId: string | null;
  /** Who: `user:<id>`, `system:<job>`, `cli`. */
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | undefined;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  createdAt: Date;
}

/** Append-only audit trail: who changed what, with before/after. */
export class AuditLogRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async append(entry: AuditEntry, db: Kysely<StoreSchema> = this.db): Promise<void> {
    await db
      .insertInto('audit_log')
      .values({
        tenant_id: entry.tenantId,
        actor: entry.actor,
        action: entry.action,
        subject_type: entry.subjectType,
        subject_id: entry.subjectId,
        before: entry.before === undefined ? null : JSON.stringify(entry.before),
        after: entry.after === undefined ? null : JSON.stringify(entry.after),
        reason: entry.reason ?? null,
      })
      .execute();
  }

  async forSubject(tenantId: string, subjectType: string, subjectId: string): Promise<StoredAuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      tenantId: row.tenant_id,
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      before: row.before ?? undefined,
      after: row.after ?? undefined,
      reason: row.reason ?? undefined,
      createdAt: row.created_at,
    }));
  }
}
