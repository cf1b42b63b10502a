import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../features.ts';
import type { Config } from './config/env.ts';
import type { Logger } from './log/logger.ts';
import { AuditLogRepository } from './store/audit-log.repo.ts';
import { openStore, type Store } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import { withStartupLock } from './store/startup-lock.ts';
import { TenantsRepository } from './store/tenants.repo.ts';
import { TokenCipher } from './store/token-cipher.ts';

/**
 * Opens the store, brings its schema to the latest migration (replicas starting together on an empty database take
 * turns, see sync/platform/store/startup-lock.ts) and builds what every part shares: tenants, the audit log, the token cipher.
 * The caller closes `store`.
 */
export async function openPlatform(config: Config, logger: Logger): Promise<Platform & { store: Store }> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
  try {
    const { applied } = await withStartupLock(store, () => migrateToLatest(store.db));
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    // One cipher seals CRM tokens and partner webhook secrets (AES-256-GCM, tenant id as associated data).
    const cipher = new TokenCipher(encryptionKey(config, logger));
    return {
      config,
      store,
      db: store.db,
      tenants: new TenantsRepository(store.db, cipher),
      audit: new AuditLogRepository(store.db),
      cipher,
      logger,
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The key that seals CRM tokens. Outside sandbox mode it must come from TOKEN_ENCRYPTION_KEY (config validation
 * enforces that); in sandbox mode a generated key is kept in DATA_DIR so sandbox tenants survive restarts.
 */
export function encryptionKey(config: Config, logger: Logger): Buffer {
  if (config.tokenEncryptionKey) return config.tokenEncryptionKey;
  if (!config.sandbox) throw new Error('TOKEN_ENCRYPTION_KEY is required outside sandbox mode');
  const path = join(config.dataDir, 'sandbox-token-key');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    const key = randomBytes(32);
    writeFileSync(path, key.toString('base64'), { mode: 0o600 });
    logger.warn(
      { path },
      'sandbox mode: generated a development token key (set TOKEN_ENCRYPTION_KEY for real tenants)',
    );
    return key;
  }
}
