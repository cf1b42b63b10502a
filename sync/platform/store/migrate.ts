import { type Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { MIGRATIONS } from './migrations/migrations.ts';

function migrator<DB>(db: Kysely<DB>) {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: 'pl_migrations',
    migrationLockTableName: 'pl_migrations_lock',
  });
}

export interface MigrationOutcome {
  applied: string[];
  current: string[];
}

/** Applies every pending migration (under Kysely's advisory lock, so concurrent replicas serialise). */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationOutcome> {
  const { error, results }: MigrationResultSet = await migrator(db).migrateToLatest();
  if (error)
    throw new Error(`migration failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, current: await appliedMigrations(db) };
}

export async function appliedMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrations = await migrator(db).getMigrations();
  return migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name);
}

/** True when every known migration has been applied (what `/readyz` checks). */
export async function isSchemaCurrent<DB>(db: Kysely<DB>): Promise<boolean> {
  const applied = new Set(await appliedMigrations(db));
  return Object.keys(MIGRATIONS).every((name) => applied.has(name));
}
