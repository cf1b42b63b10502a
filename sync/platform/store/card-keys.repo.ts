import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StoreSchema } from './schema.ts';

/** What every card key starts with, so a leaked one is recognisable (secret scanners, logs). */
export const CARD_KEY_PREFIX = 'plk_';
const KEY_PATTERN = /^plk_[A-Za-z0-9_-]{43}$/;

function hashOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The per-org keys of the Salesforce card API (SPEC §2.6): issued at install, shown once to the admin who pastes it
 * into the org's External Credential, presented by the org's Apex on every card call. Only the SHA-256 of a key is
 * stored (the key has 256 random bits: no salt or slow hash is needed), and the tenant comes from the key alone.
 */
export class CardKeysRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  /** A new key for the tenant, replacing the one before (which stops working at once). Shown once; never stored. */
  async issue(tenantId: string): Promise<string> {
    const key = `${CARD_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    await this.db
      .insertInto('card_keys')
      .values({ tenant_id: tenantId, key_hash: hashOf(key) })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ key_hash: hashOf(key), issued_at: new Date() }))
      .execute();
    return key;
  }

  /** The tenant a presented key belongs to, or undefined (malformed, replaced, or never issued). */
  async tenantOf(key: string): Promise<string | undefined> {
    if (!KEY_PATTERN.test(key)) return undefined;
    const row = await this.db
      .selectFrom('card_keys')
      .select('tenant_id')
      .where('key_hash', '=', hashOf(key))
      .executeTakeFirst();
    return row?.tenant_id;
  }
}
