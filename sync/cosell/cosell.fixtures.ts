// Test support for the co-sell store suites: tenants and the mirror rows a motion needs (a deal, a partner).
import { testEncryptionKey } from '../../test/support/test-stores.ts';
import type { Store } from '../platform/store/database.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { TokenCipher } from '../platform/store/token-cipher.ts';

export const testCipher = () => new TokenCipher(testEncryptionKey());

export async function seedTenant(store: Store, externalId: string): Promise<string> {
  const tenant = await new TenantsRepository(store.db, testCipher()).connect('hubspot', externalId, {
    accessToken: 'at',
    refreshToken: 'rt',
    expiresAt: 1,
    scopes: [],
  });
  return tenant.id;
}

export interface SeedDeal {
  id: string;
  name?: string;
  amount?: number | null;
  isClosed?: boolean;
  properties?: Record<string, string | null>;
}

export async function seedDeals(store: Store, tenantId: string, deals: readonly SeedDeal[]): Promise<void> {
  await store.db
    .insertInto('crm_deals')
    .values(
      deals.map((deal) => ({
        tenant_id: tenantId,
        deal_id: deal.id,
        deal: JSON.stringify({
          id: deal.id,
          name: deal.name ?? `Deal ${deal.id}`,
          account: { id: `a-${deal.id}`, name: `Account ${deal.id}`, domain: null },
          amount: deal.amount ?? null,
          currency: 'USD',
          closeDate: null,
          createdAt: '2026-01-05T00:00:00.000Z',
          stage: deal.isClosed ? 'closedwon' : 'qualifiedtobuy',
          isClosed: deal.isClosed ?? false,
          isWon: deal.isClosed ?? false,
          type: 'new_business',
          ownerId: 'u-77',
          region: null,
          leadSource: null,
          products: [],
          partners: [],
        }),
        properties: JSON.stringify(deal.properties ?? {}),
        unlabeled_partner_ids: '[]',
      })),
    )
    .execute();
}

export async function seedPartners(store: Store, tenantId: string, partners: Record<string, string>): Promise<void> {
  await store.db
    .insertInto('crm_partners')
    .values(
      Object.entries(partners).map(([id, name]) => ({
        tenant_id: tenantId,
        partner_id: id,
        partner: JSON.stringify({ id, name, type: 'named', registeredAt: '2025-01-01', region: null }),
        properties: '{}',
      })),
    )
    .execute();
}

export async function countRows(
  store: Store,
  table: 'cosell_motions' | 'cosell_motion_events' | 'outbound_deliveries' | 'audit_log',
): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
