import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { benches } from './benches.ts';
import { machineSpeedMs } from './support/machine-speed.ts';

/**
 * `npm run bench [-- --only name[,name]] [--quick] [--out file]`: runs the benchmarks one after another and prints
 * one JSON document (also written to bench-results/latest.json). Progress goes to stderr. Each result begins with
 * `machineSpeedMs`, a fixed workload's time just before and after it (lower is faster): this shared machine's speed
 * moves by up to ~2× between hours for the same build.
 */
export async function main(argv: string[]): Promise<number> {
  let values: { only?: string | undefined; quick?: boolean | undefined; out?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { only: { type: 'string' }, quick: { type: 'boolean' }, out: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message.split('. ')[0]}\n`);
    return 2;
  }
  const names = values.only ? values.only.split(',') : Object.keys(benches);
  const unknown = names.filter((name) => !(name in benches));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown benchmark ${unknown.join(', ')} (known: ${Object.keys(benches).join(', ')})\n`,
    );
    return 2;
  }
  const results: Record<string, unknown> = {};
  for (const name of names) {
    const load = benches[name];
    if (!load) continue;
    const bench = await load();
    process.stderr.write(`bench ${name}: ${bench.description}\n`);
    const started = performance.now();
    const speedBefore = machineSpeedMs();
    const result = await bench.run({
      quick: values.quick === true,
      log: (line) => process.stderr.write(`  ${line}\n`),
    });
    // How fast this machine ran around the benchmark (support/machine-speed.ts): read a figure against it.
    results[name] = { machineSpeedMs: { before: speedBefore, after: machineSpeedMs() }, ...result };
    process.stderr.write(`bench ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const report = { generatedAt: new Date().toISOString(), node: process.version, results };
  const json = JSON.stringify(report, null, 2);
  const out = values.out ?? 'bench-results/latest.json';
  await mkdir(out.includes('/') ? out.slice(0, out.lastIndexOf('/')) : '.', { recursive: true });
  await writeFile(out, `${json}\n`);
  process.stdout.write(`${json}\n`);
  return 0;
}
