import { join } from 'node:path';
import { loadConfig } from '../platform/config/env.ts';
import type { CliCommand } from './cli-command.ts';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply pending database migrations (DATABASE_URL, or the embedded database)',
  usage:
    'partnerloop migrate\n\nApplies every pending migration to DATABASE_URL (or embedded PGlite under DATA_DIR) and lists them.',
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ env, stdout }) {
    // Only the database matters here: migrating needs no CRM credentials.
    const config = loadConfig(env, { sandbox: true });
    const [{ openStore }, { migrateToLatest }] = await Promise.all([
      import('../platform/store/database.ts'),
      import('../platform/store/migrate.ts'),
    ]);
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
    try {
      const { applied, current } = await migrateToLatest(store.db);
      stdout.write(
        applied.length > 0
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
          : `database is up to date (${current.length} migration(s))\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
