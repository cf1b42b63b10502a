import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../../../test/support/test-stores.ts';
import { seedTenant } from '../../cosell/cosell.fixtures.ts';
import type { Store } from './database.ts';
import { refreshPlannerStatistics } from './planner-statistics.ts';

describe.each(STORE_KINDS)('planner statistics on $name', (kind) => {
  let store: Store;
  let tenantId: string;

  const rowsPlannedFor = async (table: string) =>
    Number(
      (
        await sql<{ n: string }>`select reltuples::bigint::text as n from pg_class where relname = ${table}`.execute(
          store.db,
        )
      ).rows[0]?.n,
    );
  const addPartners = (from: number, to: number) =>
    sql`
    insert into crm_partners (tenant_id, partner_id, partner, properties)
    select ${tenantId}, 'p' || g, jsonb_build_object('id', 'p' || g, 'name', 'Partner ' || g), '{}'::jsonb
    from generate_series(${from}::int, ${to}::int) g`.execute(store.db);

  beforeAll(async () => {
    store = await kind.open();
    tenantId = await seedTenant(store, '9901');
  });
  afterAll(async () => {
    await store?.close();
  });

  it('given a table loaded after the migrations, then it is analysed once, and again only after it grew by a fifth', async () => {
    // Whatever the migrations and the connect wrote is analysed first; a table that holds nothing is left alone.
    expect(await refreshPlannerStatistics(store.db)).toContain('tenants');
    expect(await refreshPlannerStatistics(store.db)).toEqual([]);

    await addPartners(1, 2_000);
    // Never analysed: the planner has no row count for it (-1) until the refresh.
    expect(await rowsPlannedFor('crm_partners')).toBe(-1);
    expect(await refreshPlannerStatistics(store.db)).toEqual(['crm_partners', 'roster_versions']);
    expect(await rowsPlannedFor('crm_partners')).toBe(2_000);
    expect(await refreshPlannerStatistics(store.db)).toEqual([]);

    // 10 % more rows: below the threshold, nothing is analysed; twice the rows, the table is.
    await addPartners(2_001, 2_200);
    expect(await refreshPlannerStatistics(store.db)).toEqual([]);
    await addPartners(2_201, 4_000);
    expect(await refreshPlannerStatistics(store.db)).toEqual(['crm_partners']);
    expect(await rowsPlannedFor('crm_partners')).toBe(4_000);
  });
});
