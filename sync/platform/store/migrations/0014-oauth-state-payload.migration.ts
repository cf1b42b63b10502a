import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A sign-in started for a known tenant (connecting a programme, Salesforce's PKCE) carries what the callback needs:
  // the tenant, and a sealed payload (the PKCE verifier, the settings chosen) kept server-side, never in the browser.
  await db.schema.alterTable('oauth_states').addColumn('tenant_id', 'text').execute();
  await db.schema.alterTable('oauth_states').addColumn('payload', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_states').dropColumn('payload').execute();
  await db.schema.alterTable('oauth_states').dropColumn('tenant_id').execute();
}
