import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { InvalidInputError } from '../../../src/shared/errors.ts';
import type { StoreSchema } from './schema.ts';
import type { TokenCipher } from './token-cipher.ts';

/** How long a sign-in may sit on a consent screen before its `state` expires. */
export const OAUTH_STATE_TTL_MS = 15 * 60_000;

/**
 * Single-use OAuth `state` values, kept in the store so any replica can finish a sign-in another started. A state
 * may carry the tenant it was started for and a payload (a PKCE verifier, settings), sealed with the state itself as
 * associated data: it never travels through the browser.
 */
export class OAuthStatesRepository {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly cipher: TokenCipher,
    private readonly now: () => number = Date.now,
  ) {}

  async create(provider: string, options: { tenantId?: string; payload?: unknown } = {}): Promise<string> {
    const state = randomBytes(24).toString('base64url');
    await this.db
      .insertInto('oauth_states')
      .values({
        state,
        provider,
        tenant_id: options.tenantId ?? null,
        payload:
          options.payload === undefined ? null : this.cipher.encryptJson(options.payload, `oauth-state:${state}`),
      })
      .execute();
    return state;
  }

  /**
   * Uses the state up (once, within the TTL) and answers what it carried; anything else is a 400 in words (`link`
   * names what the user started: "install", "sign-in").
   */
  async consume(
    provider: string,
    state: string,
    link: 'install' | 'sign-in' = 'sign-in',
  ): Promise<{ tenantId: string | null; payload: unknown }> {
    const now = this.now();
    const row = await this.db
      .updateTable('oauth_states')
      .set({ consumed_at: new Date(now) })
      .where('state', '=', state)
      .where('provider', '=', provider)
      .where('consumed_at', 'is', null)
      .where('created_at', '>', new Date(now - OAUTH_STATE_TTL_MS))
      .returning(['tenant_id', 'payload'])
      .executeTakeFirst();
    if (!row) {
      const again = link === 'install' ? 'start the install again' : 'start again';
      throw new InvalidInputError(`the ${link} link has expired or was already used (state mismatch); ${again}`, {
        details: ['state: expired or already used'],
      });
    }
    return {
      tenantId: row.tenant_id,
      payload: row.payload === null ? undefined : this.cipher.decryptJson(row.payload, `oauth-state:${state}`),
    };
  }
}
