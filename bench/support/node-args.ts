import { NODE_FLAGS } from '../../sync/cli/node-flags.ts';

/**
 * The node flags a benchmark's service or command process runs with: the product's own (`NODE_FLAGS`, as
 * `bin/partnerloop.js` and `npm start` pass them), or `BENCH_NODE_ARGS` (a JSON array) in their place — e.g.
 * `BENCH_NODE_ARGS='[]'` to measure without them, or V8 flags `NODE_OPTIONS` refuses.
 */
export function benchNodeArgs(): string[] {
  const given = process.env.BENCH_NODE_ARGS;
  if (given === undefined || given === '') return [...NODE_FLAGS];
  const parsed: unknown = JSON.parse(given);
  if (!Array.isArray(parsed) || !parsed.every((flag) => typeof flag === 'string')) {
    throw new Error(`BENCH_NODE_ARGS must be a JSON array of strings, got ${given}`);
  }
  return parsed;
}
