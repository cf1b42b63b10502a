import type { BenchModule } from './bench-module.ts';

/** Every benchmark `npm run bench` knows, loaded lazily so `--only` runs just one. */
export const benches: Record<string, () => Promise<BenchModule>> = {
  scoring: () => import('./scoring.bench.ts').then((m) => m.default),
  dedupe: () => import('./dedupe.bench.ts').then((m) => m.default),
  'hubspot-reconcile': () => import('./hubspot-reconcile.bench.ts').then((m) => m.default),
  'salesforce-reconcile': () => import('./salesforce-reconcile.bench.ts').then((m) => m.default),
  'scoring-writeback': () => import('./scoring-writeback.bench.ts').then((m) => m.default),
  'card-api': () => import('./card-api.bench.ts').then((m) => m.default),
  'webhook-ack': () => import('./webhook-ack.bench.ts').then((m) => m.default),
  report: () => import('./report.bench.ts').then((m) => m.default),
  'operator-loops': () => import('./operator-loops.bench.ts').then((m) => m.default),
  'operator-home': () => import('./operator-home.bench.ts').then((m) => m.default),
  chaos: () => import('./chaos.bench.ts').then((m) => m.default),
  'csv-reader': () => import('./csv-reader.bench.ts').then((m) => m.default),
};
