import { type RawBuilder, sql } from 'kysely';

/** The column types a bulk statement expands rows into (fixed in code, never from input). */
export type BulkColumnType = 'text' | 'jsonb' | 'boolean' | 'double precision' | 'integer' | 'timestamptz';

/**
 * Many rows as one JSON parameter, expanded by the database (`jsonb_to_recordset`): one statement and one bound value
 * per batch instead of one value per cell, the same on PGlite and Postgres. Use as
 * ``sql`insert into t (a, b) select r.a, r.b from ${recordset(json, { a: 'text', b: 'jsonb' })}` `` where `json` is
 * a JSON array of objects keyed by column name (`toJsonArray`, or text the caller already serialised).
 */
export function recordset(json: string, columns: Readonly<Record<string, BulkColumnType>>): RawBuilder<unknown> {
  const definitions = Object.entries(columns)
    .map(([name, type]) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad bulk column name ${name}`);
      return `${name} ${type}`;
    })
    .join(', ');
  return sql`jsonb_to_recordset(${json}::jsonb) as r(${sql.raw(definitions)})`;
}

/** Ids one `tenantKeyIn` lookup takes (they travel as one array parameter, not one parameter each). */
export const IDS_PER_LOOKUP = 10_000;

/**
 * `(tenant_id, <column>) in (…ids…)` as one key lookup per id whatever the planner knows: a plain `<column> in (…)`
 * list on a table without statistics (a first load, before any analyze; BEHAVIOR.md) is planned as a scan of the
 * tenant's rows filtered by the list. `column` is the second column of a (tenant_id, …) key or index of the table.
 */
export function tenantKeyIn(tenantId: string, column: 'deal_id', ids: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`(tenant_id, ${sql.ref(column)}) in (select ${tenantId}, unnest(${ids}::text[]))`;
}
