import { afterEach, describe, expect, it } from 'vitest';
import { type SalesforceStandIn, startSalesforce } from '../sandbox/salesforce/salesforce.ts';
import { ErrorInboxRepository } from '../sync/inbox/error-inbox.repo.ts';
import { openStore, type Store } from '../sync/platform/store/database.ts';
import { migrateToLatest } from '../sync/platform/store/migrate.ts';
import { withTenantLock } from '../sync/platform/store/tenant-lock.ts';
import { TenantsRepository } from '../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../sync/platform/store/token-cipher.ts';
import { SalesforceConnections, toStored } from '../sync/providers/salesforce/salesforce-connections.ts';
import { createTempDatabase, TEST_DATABASE_URL, testEncryptionKey } from './support/test-stores.ts';

/**
 * SPEC §2.6: one refresh in flight per Salesforce org across replicas. With Refresh Token Rotation a refresh retires
 * the token it used, so two replicas refreshing at once would leave one holding a retired token (and, without care,
 * disconnect a healthy org). Two "replicas" here are two SalesforceConnections on their own store connections — two
 * pools on one Postgres, or one PGlite (one process) — against a stand-in that rotates refresh tokens.
 */
interface Replicas {
  stores: Store[];
  close(): Promise<void>;
}

async function pgliteReplicas(): Promise<Replicas> {
  const store = await openStore({ dataDir: 'memory://' });
  await migrateToLatest(store.db);
  return { stores: [store, store], close: () => store.close() };
}

async function postgresReplicas(adminUrl: string): Promise<Replicas> {
  const database = await createTempDatabase(adminUrl);
  const stores = [
    await openStore({ databaseUrl: database.url, poolSize: 3 }),
    await openStore({ databaseUrl: database.url, poolSize: 3 }),
  ];
  await migrateToLatest(stores[0]!.db);
  return {
    stores,
    close: async () => {
      for (const store of stores) await store.close();
      await database.drop();
    },
  };
}

const KINDS = [
  { name: 'pglite', open: pgliteReplicas },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', open: () => postgresReplicas(TEST_DATABASE_URL as string) }] : []),
];

describe.each(KINDS)('Salesforce token refresh across replicas ($name)', ({ open }) => {
  let sf: SalesforceStandIn | undefined;
  let replicas: Replicas | undefined;
  afterEach(async () => {
    await sf?.close();
    await replicas?.close();
  });

  it('given expired sessions in two replicas at once, when both call Salesforce, then one refresh serves both, the rotated token is stored and the org stays connected', async () => {
    sf = await startSalesforce({ seedDemo: { deals: 20 }, rotateRefreshTokens: true });
    replicas = await open();
    const cipher = new TokenCipher(testEncryptionKey());
    const session = sf.session();
    const tenants = new TenantsRepository(replicas.stores[0]!.db, cipher);
    const tenant = await tenants.connect('salesforce', sf.orgId, toStored(session));
    const connections = replicas.stores.map(
      (store) =>
        new SalesforceConnections({
          loginUrl: sf!.loginUrl,
          clientId: sf!.clientId,
          clientSecret: sf!.clientSecret,
          tenants: new TenantsRepository(store.db, cipher),
          inbox: new ErrorInboxRepository(store.db),
          lock: (key, work) => withTenantLock(store, key, work),
        }),
    );
    const admin = sf.demoUser.id;
    // Each replica has used the session once (each holds it in memory), then Salesforce times every session out.
    for (const replica of connections)
      expect(await replica.connector(tenant.id).user(admin)).toMatchObject({ admin: true });
    sf.expireSessions();
    sf.resetStats();

    const answers = await Promise.all(connections.map((replica) => replica.connector(tenant.id).user(admin)));

    expect(answers).toEqual([expect.objectContaining({ admin: true }), expect.objectContaining({ admin: true })]);
    expect(sf.stats().byOperation['oauth.token.refresh_token']).toBe(1);
    const stored = await tenants.credentials(tenant.id);
    expect(stored?.refreshToken).not.toBe(session.refreshToken);
    expect((await tenants.find(tenant.id))?.status).toBe('active');
    // The stored (rotated) refresh token is the live one: a later refresh with it works.
    sf.expireSessions();
    expect(await connections[1]!.connector(tenant.id).user(admin)).toMatchObject({ admin: true });
    expect((await tenants.find(tenant.id))?.status).toBe('active');
  });
});
