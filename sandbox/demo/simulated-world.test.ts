import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeals, readPartners } from '../../src/interchange/interchange-files.ts';
import { operatorReport } from '../../src/metrics/operator-metrics.ts';
import { dealSchema } from '../../src/model/deal.ts';
import { partnerSchema } from '../../src/model/partner.ts';
import { SEGMENT_PROFILES, simulatedWorld, writeSimulatedWorld } from './simulated-world.ts';

const AS_OF = '2026-07-01';

describe('simulated world', () => {
  it('given the same seed, then the same world; given another seed, then another', () => {
    const first = simulatedWorld({ seed: 7, deals: 500 });
    const again = simulatedWorld({ seed: 7, deals: 500 });
    const other = simulatedWorld({ seed: 8, deals: 500 });
    const deals = [...first.deals()];
    expect(deals).toHaveLength(500);
    expect([...again.deals()]).toEqual(deals);
    expect(again.partners).toEqual(first.partners);
    expect([...first.deals()]).toEqual(deals); // every call replays the sequence
    expect([...other.deals()]).not.toEqual(deals);
  });

  it('given a world, then its records are canonical interchange records naming roster partners registered by then', () => {
    const world = simulatedWorld({ seed: 3, deals: 3_000 });
    const deals = [...world.deals()];
    for (const deal of deals) expect(dealSchema.parse(deal)).toEqual(deal);
    for (const partner of world.partners) expect(partnerSchema.parse(partner)).toEqual(partner);
    const registered = new Map(world.partners.map((p) => [p.id, p.registeredAt]));
    const late = deals.filter((d) =>
      d.partners.some((p) => (registered.get(p.partnerId) ?? '9999') > d.createdAt.slice(0, 10)),
    );
    expect(late).toEqual([]);
    expect(new Set(deals.map((d) => d.id)).size).toBe(deals.length);
    expect(new Set(world.partners.map((p) => p.type))).toEqual(new Set(['named', 'self_serve']));
    // The types, open deals and null amounts the engine must handle are all there.
    expect(new Set(deals.map((d) => d.type))).toEqual(new Set(['new_business', 'expansion', 'renewal', 'churn', null]));
    expect(deals.some((d) => !d.isClosed)).toBe(true);
    expect(deals.some((d) => d.amount === null)).toBe(true);
  });

  it('given a large world, then partners attach far more to enterprise deals and the report recovers the true lift, unlike the raw difference', () => {
    const world = simulatedWorld({ seed: 11, deals: 60_000, trueLift: 0.08, asOf: AS_OF });
    const report = operatorReport(world.deals(), { kind: 'quarter', asOf: AS_OF, partners: world.partners });
    const { lift } = report;
    const rates = Object.fromEntries(
      lift.strata.map((s) => [s.segment, s.attached.closed / (s.attached.closed + s.unattached.closed)]),
    );
    expect(lift.strata.map((s) => s.segment)).toEqual(['smb', 'mid_market', 'enterprise', 'unknown']);
    expect(rates.enterprise).toBeGreaterThan(5 * (rates.smb as number));
    expect(lift.ciLow).toBeLessThanOrEqual(0.08);
    expect(lift.ciHigh).toBeGreaterThanOrEqual(0.08);
    expect(Math.abs((lift.estimate as number) - 0.08)).toBeLessThan(0.03);
    // The crude difference carries the segment confounding the world was built with.
    expect(world.truth.expectedRawDifference - 0.08).toBeGreaterThan(0.07);
    expect((lift.raw as number) - 0.08).toBeGreaterThan(0.05);
  });

  it('given the truth, then an attached deal wins with the base rate plus the lift in every segment', () => {
    const { truth } = simulatedWorld({ seed: 1, deals: 0, trueLift: 0.05 });
    for (const [segment, profile] of Object.entries(SEGMENT_PROFILES)) {
      expect(truth.segments[segment as keyof typeof SEGMENT_PROFILES].attachedWinRate).toBeCloseTo(
        profile.baseWinRate + 0.05,
        12,
      );
    }
  });

  it.each([
    [{ trueLift: 0.7 }, /trueLift: expected a risk difference/],
    [{ asOf: '2026-13-01' }, /asOf: expected a date/],
    [{ deals: -1 }, /deals: expected a count/],
  ])('given %o, then the options are refused in words', (bad, message) => {
    expect(() => simulatedWorld({ seed: 1, deals: 10, ...bad })).toThrow(message);
  });

  it('given a world written to JSONL, then the interchange readers read back the same records', async () => {
    const world = simulatedWorld({ seed: 5, deals: 2_500 });
    const dir = mkdtempSync(join(tmpdir(), 'pl-simulated-world-'));
    const paths = { dealsPath: join(dir, 'deals.jsonl'), partnersPath: join(dir, 'partners.jsonl') };
    const written = await writeSimulatedWorld(world, paths);
    expect(written.deals).toBe(2_500);
    expect(await readDeals(paths.dealsPath)).toEqual([...world.deals()]);
    expect(await readPartners(paths.partnersPath)).toEqual(world.partners);
  });
});
