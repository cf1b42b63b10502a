import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLabelledDeals } from '../../sandbox/demo/labelled-deals.ts';
import type { DuplicateCluster } from '../../src/dedupe/duplicate-clustering.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import { STORE_KINDS, silentLogger } from '../../test/support/test-stores.ts';
import { seedTenant, testCipher } from '../cosell/cosell.fixtures.ts';
import { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { DealWriter } from '../crm/tenant-sync.ts';
import type { Store } from '../platform/store/database.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { DedupeRepository } from './dedupe.repo.ts';
import { dedupeWriter } from './dedupe-writer.ts';

/** Above the size that clusters on a worker thread, where a full pass may keep the last pass's clusters. */
const DEALS = 6_000;

describe.each(STORE_KINDS)('a full dedupe pass over an unchanged input on $name', (kind) => {
  let store: Store;
  let tenantId: string;
  let writer: DealWriter;
  const replaced: Array<readonly string[] | null> = [];
  const { deals } = generateLabelledDeals({ deals: DEALS, seed: 11 });
  const entries = (): CanonicalDeal[] =>
    deals.map((deal) => ({ deal: structuredClone(deal), properties: {}, unlabeledPartnerIds: [] }));
  const fullPass = (input: CanonicalDeal[] = entries()) =>
    writer.desired({ tenantId, deals: input, partners: [], full: true });
  const storedStamp = async () =>
    (
      await sql<{ rows: string; latest: string }>`select count(*)::text as rows, max(updated_at)::text as latest
        from deal_duplicates where tenant_id = ${tenantId}`.execute(store.db)
    ).rows[0];

  beforeAll(async () => {
    store = await kind.open();
    tenantId = await seedTenant(store, '8101');
    const dedupe = new DedupeRepository(store.db);
    // Every replacement of the stored clusters, in order (null: the whole tenant's).
    const recording = Object.assign(Object.create(dedupe) as DedupeRepository, {
      replace: (
        id: string,
        dealIds: readonly string[] | null,
        clusters: readonly DuplicateCluster[],
        digest?: string,
      ) => {
        replaced.push(dealIds);
        return dedupe.replace(id, dealIds, clusters, digest);
      },
    });
    writer = dedupeWriter({
      tenants: new TenantsRepository(store.db, testCipher()),
      mirror: new CrmMirrorRepository(store.db),
      dedupe: recording,
      logger: await silentLogger(),
    });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it('given the same deals, settings and decisions, then it keeps the stored clusters and wants the same values', async () => {
    const first = await fullPass();
    expect(replaced).toEqual([null]);
    expect([...first.values()].some((values) => values.pl_duplicate_of !== '')).toBe(true);
    const before = await storedStamp();

    const second = await fullPass();
    expect(replaced).toEqual([null]); // not clustered and stored again
    expect(second).toEqual(first);
    expect(await storedStamp()).toEqual(before);
  }, 120_000);

  it('given a changed deal, a seller decision, new settings or a webhook pass since, then it clusters again', async () => {
    const changed = entries();
    const [a] = changed;
    if (!a) throw new Error('no deals');
    a.deal = { ...a.deal, name: `${a.deal.name} renamed` };
    replaced.length = 0;
    await fullPass(changed);
    expect(replaced).toEqual([null]);

    const dedupe = new DedupeRepository(store.db);
    // A pair: kept apart, neither is in a cluster any more.
    const stored = await dedupe.clustersFor(
      tenantId,
      changed.map((entry) => entry.deal.id),
    );
    const [x, y] = [...stored.values()].find((row) => row.memberIds.length === 2)?.memberIds ?? [];
    if (!x || !y) throw new Error('no cluster to decide on');
    await dedupe.decideNotDuplicate(tenantId, x, y, 'user:1');
    replaced.length = 0;
    const decided = await fullPass(changed);
    expect(replaced).toEqual([null]);
    expect(decided.get(x)?.pl_dedupe_status).toBe('not_duplicate');
    await fullPass(changed);
    expect(replaced).toEqual([null]); // unchanged again: kept

    // The admin changes the engine's settings.
    await new TenantsRepository(store.db, testCipher()).updateSettings(tenantId, { dedupe: { matchThreshold: 0.95 } });
    replaced.length = 0;
    await fullPass(changed);
    expect(replaced).toEqual([null]);

    // A webhook pass rewrites some clusters: the stored ones no longer are the full pass's.
    await writer.desired({ tenantId, deals: changed.slice(0, 3), partners: [], full: false });
    expect(replaced.at(-1)).not.toBeNull();
    replaced.length = 0;
    await fullPass(changed);
    expect(replaced).toEqual([null]);
  }, 180_000);
});
