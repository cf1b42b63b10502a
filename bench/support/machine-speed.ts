import { hash } from 'node:crypto';
import { SeededRandom } from '../../src/shared/seeded-random.ts';
import { percentiles } from './measure.ts';

const STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'closedwon', 'closedlost'];

/**
 * A fixed CPU workload shaped like the service's own (objects built, serialised, parsed, hashed, normalised and
 * sorted), so a figure can be read against how fast this machine ran when it was taken. This shared 2-core machine's
 * speed moves by up to ~2× from hour to hour for the same build (README, Performance). The reading tracks that drift
 * only roughly (it can change during a benchmark): context for a figure, not a divisor for it.
 */
function workload(): number {
  const random = new SeededRandom(2026);
  const deals = Array.from({ length: 2_000 }, (_, i) => ({
    id: String(100_000 + i),
    name: `Acme ${Math.floor(random.next() * 10_000)} Renewal — Q${1 + (i % 4)}`,
    amount: Math.round(random.next() * 1_000_000) / 100,
    stage: STAGES[i % STAGES.length],
    properties: Object.fromEntries(
      Array.from({ length: 12 }, (_, k) => [`pl_property_${k}`, random.next().toString(36)]),
    ),
  }));
  const parsed = JSON.parse(JSON.stringify(deals)) as typeof deals;
  let checksum = 0;
  const keys = parsed.map((deal) => {
    const key = deal.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
    checksum += hash('sha1', `${key}\u0000${JSON.stringify(deal.properties)}`, 'buffer')[0] ?? 0;
    return key;
  });
  keys.sort();
  return checksum + keys.length;
}

/**
 * This machine's speed now: the median time of nine runs of the workload after one warm-up (about 0.4 s in all on
 * this machine in a fast hour). Lower is faster.
 */
export function machineSpeedMs(): number {
  workload();
  const times: number[] = [];
  for (let i = 0; i < 9; i += 1) {
    const started = performance.now();
    workload();
    times.push(performance.now() - started);
  }
  return percentiles(times).p50 ?? 0;
}
