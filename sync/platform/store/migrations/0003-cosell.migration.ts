import { type Kysely, sql } from 'kysely';

// Frozen copies of the motion states at the time of this migration (not imported: a migration must not move when the
// TypeScript model does). The list itself is src/model/cosell.ts `MOTION_STATES`; a state added there needs a new
// migration that widens these checks.
const MOTION_STATES = sql.raw(`'draft', 'requested', 'accepted', 'rejected', 'active', 'won', 'lost', 'withdrawn'`);
const OPEN_MOTION_STATES = sql.raw(`'draft', 'requested', 'accepted', 'active'`);

// Migrations take Kysely<unknown>: they must not depend on the current TypeScript schema, which moves on.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Co-sell motions (SPEC §2.4). `version` is the optimistic-concurrency counter: a change is written only against
  // the version it was computed from. A motion targets a partner or a programme, never both, never neither.
  await db.schema
    .createTable('cosell_motions')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text')
    .addColumn('programme', 'text')
    .addColumn('ask', 'text', (c) => c.notNull().check(sql`char_length(ask) between 1 and 2000`))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('sla_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in (${MOTION_STATES})`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1).check(sql`version >= 1`))
    .addPrimaryKeyConstraint('cosell_motions_pkey', ['tenant_id', 'id'])
    .addCheckConstraint('cosell_motions_one_target', sql`(partner_id is null) <> (programme is null)`)
    .execute();
  await db.schema
    .createIndex('cosell_motions_deal_idx')
    .on('cosell_motions')
    .columns(['tenant_id', 'deal_id'])
    .execute();
  // The queue reads only open motions.
  await sql`create index cosell_motions_open_idx on cosell_motions (tenant_id, sla_due_at) where state in (${OPEN_MOTION_STATES})`.execute(
    db,
  );
  // One open motion per deal and target: a double-submitted "Start co-sell" cannot create two (the dedupe key is the
  // database's to enforce, not a read-then-insert race).
  await sql`create unique index cosell_motions_open_target_key on cosell_motions (tenant_id, deal_id, coalesce('partner:' || partner_id, 'programme:' || programme)) where state in (${OPEN_MOTION_STATES})`.execute(
    db,
  );

  // Each motion's history, append-only: one row per state change (from is null for the creation).
  await db.schema
    .createTable('cosell_motion_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('motion_id', 'uuid', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.check(sql`from_state in (${MOTION_STATES})`))
    .addColumn('to_state', 'text', (c) => c.notNull().check(sql`to_state in (${MOTION_STATES})`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addForeignKeyConstraint(
      'cosell_motion_events_motion_fkey',
      ['tenant_id', 'motion_id'],
      'cosell_motions',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('cosell_motion_events_motion_idx')
    .on('cosell_motion_events')
    .columns(['tenant_id', 'motion_id', 'id'])
    .execute();

  // Per-partner webhook endpoints the tenant configures; the secret is an AES-256-GCM envelope bound to the tenant.
  await db.schema
    .createTable('partner_webhook_endpoints')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('partner_webhook_endpoints_pkey', ['tenant_id', 'partner_id'])
    .execute();

  // The outbox: one row per (motion event, target), written in the motion's transaction, delivered by a keyed job
  // (key = delivery_id). The row's status — not the job — is what makes a second run send nothing.
  await db.schema
    .createTable('outbound_deliveries')
    .addColumn('delivery_id', 'uuid', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('motion_id', 'uuid', (c) => c.notNull())
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('cosell_motion_events.id').onDelete('cascade'))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'delivered', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addForeignKeyConstraint(
      'outbound_deliveries_motion_fkey',
      ['tenant_id', 'motion_id'],
      'cosell_motions',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addUniqueConstraint('outbound_deliveries_event_target_key', ['event_id', 'target'])
    .execute();
  await sql`create index outbound_deliveries_pending_idx on outbound_deliveries (created_at) where status = 'pending'`.execute(
    db,
  );
  await db.schema
    .createIndex('outbound_deliveries_motion_idx')
    .on('outbound_deliveries')
    .columns(['tenant_id', 'motion_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['outbound_deliveries', 'partner_webhook_endpoints', 'cosell_motion_events', 'cosell_motions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
