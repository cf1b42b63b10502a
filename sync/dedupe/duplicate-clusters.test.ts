import { describe, expect, it } from 'vitest';
import { generateLabelledDeals } from '../../sandbox/demo/labelled-deals.ts';
import { dealDigest } from '../../src/model/deal-digest.ts';
import { clusterDeals, clusterDealsOffThread, clusteringDigest } from './duplicate-clusters.ts';

describe('duplicate clustering off the request thread', () => {
  it('given a pass above the inline size with seller decisions, when clustered off-thread, then the clusters equal the inline ones and the decisions hold', async () => {
    const generated = generateLabelledDeals({ deals: 6_000, seed: 5 }).deals;
    // Text beyond ASCII (which dedupe normalises the long way) clusters the same on the thread.
    const deals = [
      ...generated,
      ...[0, 1].map((copy) => ({
        ...(generated[0] as (typeof generated)[number]),
        id: `90000${copy}`,
        name: 'Société Générale – Łódź 😀',
        account: { id: `80000${copy}`, name: 'Société Générale', domain: 'societegenerale.fr' },
      })),
    ];
    const inline = clusterDeals({ deals, engine: {}, apart: [] });
    expect(inline.some((cluster) => cluster.ids.includes('900000') && cluster.ids.includes('900001'))).toBe(true);
    const [first] = inline;
    expect(first).toBeDefined();
    const [a, b] = (first?.ids ?? []) as [string, string];
    const input = { deals, engine: {}, apart: [a < b ? ([a, b] as const) : ([b, a] as const)] };

    const off = await clusterDealsOffThread(input);
    expect(off).toStrictEqual(clusterDeals(input));
    expect(off.some((cluster) => cluster.ids.includes(a) && cluster.ids.includes(b))).toBe(false);
  });

  it("given deals the mirror digested and fresh copies of them, then the clustering digests are equal; one changed deal, or the deals' order, changes it", async () => {
    const { deals } = generateLabelledDeals({ deals: 6_000, seed: 7 });
    // As the mirror stores a read: each deal's digest taken from its JSON.
    for (const deal of deals) dealDigest(deal, JSON.stringify(deal));
    const digest = await clusteringDigest({ deals, engine: {}, apart: [] });
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await clusteringDigest({ deals: structuredClone(deals), engine: {}, apart: [] })).toBe(digest);

    const changed = deals.map((deal, i) => (i === 4_321 ? { ...deal, amount: (deal.amount ?? 0) + 1 } : deal));
    expect(await clusteringDigest({ deals: changed, engine: {}, apart: [] })).not.toBe(digest);
    expect(await clusteringDigest({ deals: [...deals].reverse(), engine: {}, apart: [] })).not.toBe(digest);
    expect(await clusteringDigest({ deals, engine: { matchThreshold: 0.95 }, apart: [] })).not.toBe(digest);
  });
});
