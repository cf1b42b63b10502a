import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The key an installed Salesforce org's Apex presents to the card API (through its External Credential): only its
  // SHA-256 is kept, so the store cannot hand it out; one per tenant, replaced on every install.
  await db.schema
    .createTable('card_keys')
    .addColumn('tenant_id', 'text', (col) => col.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('key_hash', 'text', (col) => col.notNull().unique())
    .addColumn('issued_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('card_keys').execute();
}
