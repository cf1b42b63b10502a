import { type Kysely, sql } from 'kysely';

/** A table analysed at some size is analysed again once it holds this much more (autovacuum's default is 10 % rows). */
const GROWTH = 1.2;
/** Below this many bytes of growth a table is not analysed again (a few pages of a small table change no plan). */
const SLACK_BYTES = 64 * 1024;

/**
 * Refreshes the planner's statistics of the store's tables that were never analysed but hold rows, or have grown by a
 * fifth (and 64 kB) since they were; returns the tables analysed. The size on disk is read from the table files, so it
 * holds at once, on PGlite (no autovacuum, and its activity counters lag) and on a Postgres without autovacuum alike.
 * Without statistics Postgres plans every per-tenant lookup for a table of a few rows: the card's partner scores were
 * read by scanning the tenant's whole score table (docs/BEHAVIOR.md, "No statistics, no key lookups").
 */
export async function refreshPlannerStatistics<DB>(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name
    from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
      and pg_relation_size(c.oid) > case when c.reltuples < 0 then 0
        else ${GROWTH}::float8 * c.relpages * current_setting('block_size')::int + ${SLACK_BYTES}::int end
    order by c.relname`.execute(db);
  const tables = rows.map((row) => row.name);
  if (tables.length > 0) await sql`analyze ${sql.join(tables.map((table) => sql.table(table)))}`.execute(db);
  return tables;
}
