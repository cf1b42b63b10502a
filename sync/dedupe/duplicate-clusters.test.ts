import { describe, expect, it } from 'vitest';
import { generateLabelledDeals } from '../../sandbox/demo/labelled-deals.ts';
import { clusterDeals, clusterDealsOffThread } from './duplicate-clusters.ts';

describe('duplicate clustering off the request thread', () => {
  it('given a pass above the inline size with seller decisions, when clustered off-thread, then the clusters equal the inline ones and the decisions hold', async () => {
    const { deals } = generateLabelledDeals({ deals: 6_000, seed: 5 });
    const inline = clusterDeals({ deals, engine: {}, apart: [] });
    const [first] = inline;
    expect(first).toBeDefined();
    const [a, b] = (first?.ids ?? []) as [string, string];
    const input = { deals, engine: {}, apart: [a < b ? ([a, b] as const) : ([b, a] as const)] };

    const off = await clusterDealsOffThread(input);
    expect(off).toStrictEqual(clusterDeals(input));
    expect(off.some((cluster) => cluster.ids.includes(a) && cluster.ids.includes(b))).toBe(false);
  });
});
