import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Splits live here (HubSpot has no place for them); roles live in the CRM as labelled associations.
  await db.schema
    .createTable('deal_partner_splits')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('split_pct', 'double precision', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deal_partner_splits_pkey', ['tenant_id', 'deal_id', 'partner_id', 'role'])
    .execute();

  // The last evaluation of each deal: for coverage reports, the card, and the partners frozen at close.
  await db.schema
    .createTable('deal_attributions')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('partner_involved', 'boolean', (c) => c.notNull())
    .addColumn('issues', 'jsonb', (c) => c.notNull())
    .addColumn('partners_at_close', 'jsonb')
    .addColumn('evaluated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deal_attributions_pkey', ['tenant_id', 'deal_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deal_attributions').ifExists().execute();
  await db.schema.dropTable('deal_partner_splits').ifExists().execute();
}
