import { type Kysely, type Selectable, sql } from 'kysely';
import { type CloudOpportunity, cloudOpportunitySchema } from '../../src/cosell/cloud-reconciliation.ts';
import { recordset } from '../platform/store/bulk.ts';
import type { ProgrammeInvitationsTable, StoreSchema } from '../platform/store/schema.ts';
import type { ProgrammeKind } from './programme-connections.repo.ts';

export type ProgrammeInvitationRow = Selectable<ProgrammeInvitationsTable>;

/** An inbound referral as a programme lists it, before anyone acted on it. */
export interface ListedInvitation {
  id: string;
  /** The programme's own status, mapped: only `pending` can be accepted. */
  status: 'pending' | 'accepted' | 'rejected' | 'expired';
  title: string;
  customerName: string;
  sender: string;
  invitedAt: Date;
  expiresAt: Date | null;
  payload: unknown;
}

/**
 * What the connected programmes hold (SPEC §2.7), mirrored by their polls: every opportunity in the neutral form the
 * weekly reconciliation reads, and the inbound invitations waiting for the operator. One statement per page.
 */
export class ProgrammeRecordsRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** Upserts a page of a programme's opportunities (the latest modification wins; an older listing never regresses). */
  async mirror(tenantId: string, programme: ProgrammeKind, records: readonly CloudOpportunity[]): Promise<void> {
    if (records.length === 0) return;
    const rows = JSON.stringify(
      records.map((record) => ({
        external_id: record.id,
        record: cloudOpportunitySchema.parse(record),
        last_modified_at: record.lastModifiedAt,
      })),
    );
    await sql`
      insert into programme_opportunities (tenant_id, programme, external_id, record, last_modified_at, mirrored_at)
      select ${tenantId}, ${programme}, r.external_id, r.record, r.last_modified_at, now()
      from ${recordset(rows, { external_id: 'text', record: 'jsonb', last_modified_at: 'timestamptz' })}
      on conflict (tenant_id, programme, external_id) do update
        set record = excluded.record, last_modified_at = excluded.last_modified_at, mirrored_at = excluded.mirrored_at
        where programme_opportunities.last_modified_at <= excluded.last_modified_at`.execute(this.db);
  }

  /** Every mirrored opportunity of the tenant's programmes. */
  async opportunities(tenantId: string): Promise<CloudOpportunity[]> {
    const rows = await this.db
      .selectFrom('programme_opportunities')
      .select('record')
      .where('tenant_id', '=', tenantId)
      .orderBy('programme')
      .orderBy('external_id')
      .execute();
    return rows.map((row) => cloudOpportunitySchema.parse(row.record));
  }

  /**
   * Records what a programme lists. A row the operator already acted on keeps our status (accepting, accepted);
   * the programme's word moves only rows still pending on our side.
   */
  async listInvitations(tenantId: string, programme: ProgrammeKind, listed: readonly ListedInvitation[]) {
    if (listed.length === 0) return;
    const rows = JSON.stringify(
      listed.map((invitation) => ({
        invitation_id: invitation.id,
        status: invitation.status,
        title: invitation.title,
        customer_name: invitation.customerName,
        sender: invitation.sender,
        invited_at: invitation.invitedAt.toISOString(),
        expires_at: invitation.expiresAt?.toISOString() ?? null,
        payload: invitation.payload,
      })),
    );
    await sql`
      insert into programme_invitations
        (tenant_id, programme, invitation_id, status, title, customer_name, sender, invited_at, expires_at, payload)
      select ${tenantId}, ${programme}, r.invitation_id, r.status, r.title, r.customer_name, r.sender, r.invited_at,
        r.expires_at, r.payload
      from ${recordset(rows, {
        invitation_id: 'text',
        status: 'text',
        title: 'text',
        customer_name: 'text',
        sender: 'text',
        invited_at: 'timestamptz',
        expires_at: 'timestamptz',
        payload: 'jsonb',
      })}
      on conflict (tenant_id, programme, invitation_id) do update
        set status = case when programme_invitations.status = 'pending' then excluded.status
                          else programme_invitations.status end,
            title = excluded.title, customer_name = excluded.customer_name, expires_at = excluded.expires_at,
            payload = case when excluded.payload = '{}'::jsonb then programme_invitations.payload
                           else excluded.payload end,
            updated_at = now()`.execute(this.db);
  }

  async invitations(
    tenantId: string,
    options: { status?: readonly ProgrammeInvitationRow['status'][] } = {},
  ): Promise<ProgrammeInvitationRow[]> {
    let query = this.db
      .selectFrom('programme_invitations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('expires_at')
      .orderBy('invitation_id');
    if (options.status) query = query.where('status', 'in', options.status);
    return query.execute();
  }

  async invitation(tenantId: string, programme: ProgrammeKind, invitationId: string) {
    return this.db
      .selectFrom('programme_invitations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .where('invitation_id', '=', invitationId)
      .executeTakeFirst();
  }

  async updateInvitation(
    key: { tenantId: string; programme: ProgrammeKind; invitationId: string },
    values: Partial<{
      status: ProgrammeInvitationRow['status'];
      opportunityId: string;
      dealId: string;
      dealCreated: boolean;
      acceptedBy: string;
      lastError: string | null;
    }>,
  ): Promise<void> {
    await this.db
      .updateTable('programme_invitations')
      .set({
        ...(values.status === undefined ? {} : { status: values.status }),
        ...(values.opportunityId === undefined ? {} : { opportunity_id: values.opportunityId }),
        ...(values.dealId === undefined ? {} : { deal_id: values.dealId }),
        ...(values.dealCreated === undefined ? {} : { deal_created: values.dealCreated }),
        ...(values.acceptedBy === undefined ? {} : { accepted_by: values.acceptedBy }),
        ...(values.lastError === undefined ? {} : { last_error: values.lastError }),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', key.tenantId)
      .where('programme', '=', key.programme)
      .where('invitation_id', '=', key.invitationId)
      .execute();
  }
}
