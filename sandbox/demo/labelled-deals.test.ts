import { describe, expect, it } from 'vitest';
import { dealSchema } from '../../src/model/deal.ts';
import { DUPLICATE_MECHANISMS, HARD_NEGATIVE_TYPES } from './anomaly-kinds.ts';
import { generateLabelledDeals } from './labelled-deals.ts';

describe('generateLabelledDeals', () => {
  const world = generateLabelledDeals({ seed: 11, deals: 4000 });

  it('given a seed and a size, when generated, then exactly that many valid, uniquely identified deals', () => {
    expect(world.deals).toHaveLength(4000);
    expect(new Set(world.deals.map((d) => d.id)).size).toBe(4000);
    for (const deal of world.deals.slice(0, 500)) expect(dealSchema.parse(deal)).toEqual(deal);
    expect(world.truth.labels.map((l) => l.dealId)).toEqual(world.deals.map((d) => d.id));
  });

  it('given the same seed twice, when generated, then the worlds are identical; another seed differs', () => {
    const again = generateLabelledDeals({ seed: 11, deals: 4000 });
    expect(again).toEqual(world);
    expect(generateLabelledDeals({ seed: 12, deals: 4000 }).deals).not.toEqual(world.deals);
  });

  it('given a world, when labelled, then every duplicate mechanism and every hard-negative type occurs', () => {
    const mechanisms = new Set(world.truth.labels.map((l) => l.mechanism));
    for (const mechanism of DUPLICATE_MECHANISMS) expect(mechanisms).toContain(mechanism);
    const types = new Set(world.truth.hardNegatives.map((g) => g.type));
    for (const type of HARD_NEGATIVE_TYPES) expect(types).toContain(type);
  });

  it('given a world, when inspected, then it carries the noise the engine must survive', () => {
    const deals = world.deals;
    const share = (test: (d: (typeof deals)[number]) => boolean) => deals.filter(test).length / deals.length;
    expect(share((d) => d.account.domain === null)).toBeGreaterThan(0.05);
    expect(share((d) => /^https?:|^www\./i.test(d.account.domain ?? ''))).toBeGreaterThan(0.05);
    expect(share((d) => d.type === null)).toBeGreaterThan(0.05);
    expect(share((d) => /[^ -~]/.test(d.account.name))).toBeGreaterThan(0.01);
    const byEvent = new Map<string, string[]>();
    for (const [index, label] of world.truth.labels.entries()) {
      byEvent.set(label.eventId, [...(byEvent.get(label.eventId) ?? []), deals[index]?.account.id ?? '']);
    }
    const multiRecordEvents = [...byEvent.values()].filter((accounts) => accounts.length > 1);
    // Duplicate company records: some copies sit on another account id.
    expect(multiRecordEvents.some((accounts) => new Set(accounts).size > 1)).toBe(true);
  });

  it('given zero deals, when generated, then an empty world', () => {
    expect(generateLabelledDeals({ seed: 1, deals: 0 })).toEqual({
      deals: [],
      truth: { labels: [], hardNegatives: [] },
    });
  });
});
