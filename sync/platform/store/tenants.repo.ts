import type { Kysely } from 'kysely';
import { z } from 'zod';
import { NotFoundError } from '../../../src/shared/errors.ts';
import type { StoreSchema, TenantsTable } from './schema.ts';
import type { TokenCipher } from './token-cipher.ts';

export type Provider = TenantsTable['provider'];

export interface Tenant {
  id: string;
  provider: Provider;
  externalId: string;
  status: TenantsTable['status'];
  settings: Record<string, unknown>;
  createdAt: Date;
  disconnectedAt: Date | null;
  disconnectReason: string | null;
}

/** OAuth credentials as stored (encrypted) per tenant. */
export const credentialsSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** Epoch milliseconds. */
  expiresAt: z.number().int(),
  scopes: z.array(z.string()).default([]),
  /** Provider-specific extras (e.g. Salesforce instance URL). */
  instanceUrl: z.string().optional(),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export function tenantIdOf(provider: Provider, externalId: string): string {
  return `${provider}:${externalId}`;
}

/** The provider a tenant id names (ids are `provider:externalId`, made only by `tenantIdOf`). */
export function providerOf(tenantId: string): Provider | undefined {
  const provider = tenantId.slice(0, tenantId.indexOf(':'));
  return provider === 'hubspot' || provider === 'salesforce' ? provider : undefined;
}

type TenantRow = {
  id: string;
  provider: Provider;
  external_id: string;
  status: TenantsTable['status'];
  settings: Record<string, unknown>;
  created_at: Date;
  disconnected_at: Date | null;
  disconnect_reason: string | null;
};

const TENANT_COLUMNS = [
  'id',
  'provider',
  'external_id',
  'status',
  'settings',
  'created_at',
  'disconnected_at',
  'disconnect_reason',
] as const;

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    provider: row.provider,
    externalId: row.external_id,
    status: row.status,
    settings: row.settings,
    createdAt: row.created_at,
    disconnectedAt: row.disconnected_at,
    disconnectReason: row.disconnect_reason,
  };
}

export class TenantsRepository {
  /** Tenants as this process last read them for request guards (`findRecent`), with when. */
  readonly #recent = new Map<string, { tenant: Tenant; at: number }>();

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly cipher: TokenCipher,
  ) {}

  /** Creates the tenant or reconnects it (an install over a disconnected tenant), storing fresh credentials. */
  async connect(provider: Provider, externalId: string, credentials: Credentials): Promise<Tenant> {
    const id = tenantIdOf(provider, externalId);
    const sealed = this.cipher.encryptJson(credentialsSchema.parse(credentials), id);
    const row = await this.db
      .insertInto('tenants')
      .values({ id, provider, external_id: externalId, status: 'active', credentials: sealed, settings: '{}' })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          status: 'active',
          credentials: sealed,
          updated_at: new Date(),
          disconnected_at: null,
          disconnect_reason: null,
        }),
      )
      .returning(TENANT_COLUMNS)
      .executeTakeFirstOrThrow();
    this.#recent.delete(id);
    return toTenant(row);
  }

  async find(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').select(TENANT_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toTenant(row) : undefined;
  }

  /**
   * The tenant as this process read it at most `maxAgeMs` ago: for the guards of signed requests, which otherwise
   * read the same row for every card view. This process's own changes (connect, settings, disconnect) show at once;
   * another replica's within `maxAgeMs`. Unknown ids are never remembered, so an install is seen at once everywhere.
   */
  async findRecent(id: string, maxAgeMs = 1_000): Promise<Tenant | undefined> {
    const now = performance.now();
    const hit = this.#recent.get(id);
    if (hit && now - hit.at < maxAgeMs) return hit.tenant;
    const tenant = await this.find(id);
    if (tenant) this.#recent.set(id, { tenant, at: now });
    else this.#recent.delete(id);
    return tenant;
  }

  async get(id: string): Promise<Tenant> {
    const tenant = await this.find(id);
    if (!tenant) throw new NotFoundError(`unknown tenant ${id}`);
    return tenant;
  }

  async listActive(provider?: Provider): Promise<Tenant[]> {
    let query = this.db.selectFrom('tenants').select(TENANT_COLUMNS).where('status', '=', 'active');
    if (provider) query = query.where('provider', '=', provider);
    const rows = await query.orderBy('id').execute();
    return rows.map(toTenant);
  }

  async credentials(id: string): Promise<Credentials | undefined> {
    const row = await this.db
      .selectFrom('tenants')
      .select(['credentials', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row?.credentials || row.status !== 'active') return undefined;
    return credentialsSchema.parse(this.cipher.decryptJson(row.credentials, id));
  }

  /** Persists rotated credentials (called before the new access token is used). */
  async saveCredentials(id: string, credentials: Credentials): Promise<void> {
    const sealed = this.cipher.encryptJson(credentialsSchema.parse(credentials), id);
    const result = await this.db
      .updateTable('tenants')
      .set({ credentials: sealed, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFoundError(`unknown or disconnected tenant ${id}`);
  }

  /** Merges `patch` into the tenant's settings (top-level keys replaced). */
  async updateSettings(id: string, patch: Record<string, unknown>): Promise<void> {
    const tenant = await this.get(id);
    await this.db
      .updateTable('tenants')
      .set({ settings: JSON.stringify({ ...tenant.settings, ...patch }), updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    this.#recent.delete(id);
  }

  /** Disconnects: credentials are purged (not just flagged), the reason kept for the operator to see. */
  async disconnect(id: string, reason: string): Promise<void> {
    await this.db
      .updateTable('tenants')
      .set({
        status: 'disconnected',
        credentials: null,
        disconnected_at: new Date(),
        disconnect_reason: reason,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    this.#recent.delete(id);
  }
}
