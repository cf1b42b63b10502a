import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STORE_KINDS, testEncryptionKey } from '../../../test/support/test-stores.ts';
import { AuditLogRepository } from './audit-log.repo.ts';
import { CheckpointsRepository } from './checkpoints.repo.ts';
import type { Store } from './database.ts';
import { appliedMigrations, isSchemaCurrent, migrateToLatest } from './migrate.ts';
import { MIGRATIONS } from './migrations/migrations.ts';
import { TenantsRepository } from './tenants.repo.ts';
import { TokenCipher } from './token-cipher.ts';

describe.each(STORE_KINDS)('store on $name', (kind) => {
  let store: Store;
  let tenants: TenantsRepository;
  beforeAll(async () => {
    store = await kind.open();
    tenants = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
  });
  afterAll(async () => {
    await store?.close();
  });

  it('given a migrated database, when migrating again, then nothing is applied and the schema is current', async () => {
    const again = await migrateToLatest(store.db);
    expect(again.applied).toEqual([]);
    // Every migration, in the order of their names (which is how they are applied).
    const names = Object.keys(MIGRATIONS);
    expect(names).toEqual([...names].sort());
    expect(names.slice(0, 6)).toEqual([
      '0001-foundation',
      '0002-hubspot-sync',
      '0003-cosell',
      '0004-attribution',
      '0005-dedupe',
      '0006-scoring',
    ]);
    expect(await appliedMigrations(store.db)).toEqual(names);
    expect(await isSchemaCurrent(store.db)).toBe(true);
  });

  it('given an install, when credentials are stored, then the row holds only ciphertext and reads back decrypted', async () => {
    const credentials = {
      accessToken: 'at-secret-123',
      refreshToken: 'rt-secret-456',
      expiresAt: 1_800_000_000_000,
      scopes: ['crm.objects.deals.read'],
    };
    const tenant = await tenants.connect('hubspot', '1001', credentials);
    expect(tenant).toMatchObject({ id: 'hubspot:1001', provider: 'hubspot', externalId: '1001', status: 'active' });
    const raw = await store.db
      .selectFrom('tenants')
      .select('credentials')
      .where('id', '=', 'hubspot:1001')
      .executeTakeFirstOrThrow();
    expect(raw.credentials).toMatch(/^v1\./);
    expect(raw.credentials).not.toContain('at-secret-123');
    expect(raw.credentials).not.toContain('rt-secret-456');
    expect(await tenants.credentials('hubspot:1001')).toEqual(credentials);
  });

  it('given a tenant, when its ciphertext is copied onto another tenant, then it does not decrypt there', async () => {
    await tenants.connect('hubspot', '1002', { accessToken: 'b', refreshToken: 'b', expiresAt: 1, scopes: [] });
    const a = await store.db
      .selectFrom('tenants')
      .select('credentials')
      .where('id', '=', 'hubspot:1001')
      .executeTakeFirstOrThrow();
    await store.db
      .updateTable('tenants')
      .set({ credentials: a.credentials })
      .where('id', '=', 'hubspot:1002')
      .execute();
    await expect(tenants.credentials('hubspot:1002')).rejects.toThrow();
  });

  it('given rotated tokens, when saved, then the new ones are read back; when disconnected, then they are purged', async () => {
    await tenants.saveCredentials('hubspot:1001', {
      accessToken: 'at-2',
      refreshToken: 'rt-2',
      expiresAt: 2,
      scopes: [],
    });
    expect((await tenants.credentials('hubspot:1001'))?.accessToken).toBe('at-2');
    await tenants.disconnect('hubspot:1001', 'app uninstalled');
    const raw = await store.db
      .selectFrom('tenants')
      .selectAll()
      .where('id', '=', 'hubspot:1001')
      .executeTakeFirstOrThrow();
    expect(raw.credentials).toBeNull();
    expect(raw.status).toBe('disconnected');
    expect(raw.disconnect_reason).toBe('app uninstalled');
    expect(await tenants.credentials('hubspot:1001')).toBeUndefined();
    await expect(
      tenants.saveCredentials('hubspot:1001', { accessToken: 'x', refreshToken: 'y', expiresAt: 3, scopes: [] }),
    ).rejects.toThrow(/disconnected/);
    expect((await tenants.listActive()).map((t) => t.id)).not.toContain('hubspot:1001');
  });

  it('given a tenant read for a request guard, then this process sees its own changes at once and another replica’s within the bound', async () => {
    const credentials = { accessToken: 'at', refreshToken: 'rt', expiresAt: 1, scopes: [] };
    await tenants.connect('hubspot', '1003', credentials);
    expect((await tenants.findRecent('hubspot:1003'))?.status).toBe('active');
    // Another replica (another repository on the same store) changes the row: within the bound, the remembered row.
    const replica = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
    await replica.updateSettings('hubspot:1003', { marker: 'from the replica' });
    expect((await tenants.findRecent('hubspot:1003', 60_000))?.settings.marker).toBeUndefined();
    expect((await tenants.findRecent('hubspot:1003', 0))?.settings.marker).toBe('from the replica');
    // This process's own writes are seen at once, whatever the bound.
    await tenants.updateSettings('hubspot:1003', { marker: 'ours' });
    expect((await tenants.findRecent('hubspot:1003', 60_000))?.settings.marker).toBe('ours');
    await tenants.disconnect('hubspot:1003', 'app uninstalled');
    expect((await tenants.findRecent('hubspot:1003', 60_000))?.status).toBe('disconnected');
    await tenants.connect('hubspot', '1003', credentials);
    expect((await tenants.findRecent('hubspot:1003', 60_000))?.status).toBe('active');
    // Unknown tenants are not remembered: an install elsewhere is seen on the next request.
    expect(await tenants.findRecent('hubspot:1004', 60_000)).toBeUndefined();
    await replica.connect('hubspot', '1004', credentials);
    expect((await tenants.findRecent('hubspot:1004', 60_000))?.status).toBe('active');
  });

  it('given an audit entry, when listed for its subject, then actor, before/after and reason are kept', async () => {
    const audit = new AuditLogRepository(store.db);
    await audit.append({
      tenantId: 'hubspot:1002',
      actor: 'user:7',
      action: 'partner.tag',
      subjectType: 'deal',
      subjectId: 'd1',
      before: { partners: [] },
      after: { partners: [{ partnerId: 'p1', role: 'sourced' }] },
      reason: 'seller tagged',
    });
    const entries = await audit.forSubject('hubspot:1002', 'deal', 'd1');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'user:7',
      action: 'partner.tag',
      before: { partners: [] },
      after: { partners: [{ partnerId: 'p1', role: 'sourced' }] },
      reason: 'seller tagged',
    });
  });

  it('given a checkpoint schema, when saved and loaded, then it round-trips; an outdated shape reads as absent', async () => {
    const checkpoints = new CheckpointsRepository(store.db);
    const schema = z.strictObject({ cursor: z.string(), since: z.number() });
    expect(await checkpoints.load('hubspot:1002', 'deals', schema)).toBeUndefined();
    await checkpoints.save('hubspot:1002', 'deals', schema, { cursor: 'abc', since: 5 });
    await checkpoints.save('hubspot:1002', 'deals', schema, { cursor: 'def', since: 6 });
    expect(await checkpoints.load('hubspot:1002', 'deals', schema)).toEqual({ cursor: 'def', since: 6 });
    expect(await checkpoints.load('hubspot:1002', 'deals', z.strictObject({ page: z.number() }))).toBeUndefined();
    await expect(checkpoints.save('hubspot:1002', 'deals', schema, { cursor: 1 } as never)).rejects.toThrow();
  });

  it('given an open transaction, when another query runs meanwhile, then it neither joins nor sees the uncommitted write', async () => {
    const tenantCount = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from tenants`.execute(store.db)).rows[0]?.n;
    const before = await tenantCount();
    let release!: () => void;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    let insideStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      insideStarted = resolve;
    });
    const transaction = store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('tenants')
        .values({ id: 'hubspot:tx', provider: 'hubspot', external_id: 'tx', status: 'active', settings: '{}' })
        .execute();
      insideStarted();
      await hold;
      throw new Error('roll back');
    });
    await started;
    const outside = store.db.selectFrom('tenants').select('id').where('id', '=', 'hubspot:tx').execute();
    release();
    await expect(transaction).rejects.toThrow('roll back');
    expect(await outside).toEqual([]);
    expect(await store.db.selectFrom('tenants').select('id').where('id', '=', 'hubspot:tx').execute()).toEqual([]);
    expect(await tenantCount()).toBe(before);
  });
});
