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

/**
 * node's arguments for a benchmark's TypeScript worker (`entry`, through tsx as the CLI runs): `benchNodeArgs()`, and
 * with `profile` a CPU profile into `BENCH_CPU_PROF_DIR` when it is set (for finding where the process's time goes).
 */
export function tsWorkerArgs(entry: string, options: { profile?: boolean } = {}): string[] {
  const profileDir = options.profile ? process.env.BENCH_CPU_PROF_DIR : undefined;
  return [
    ...benchNodeArgs(),
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import',
    'tsx',
    entry,
  ];
}
