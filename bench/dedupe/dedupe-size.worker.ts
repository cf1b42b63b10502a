/**
 * One measurement of the dedupe benchmark in a process of its own, so peak RSS belongs to one size:
 * - `cli <deals.jsonl> <clusters.jsonl>`: the real `partnerloop dedupe` (read + validate + dedupe + write);
 * - `engine <deals.jsonl>`: the file is read first, then only `dedupeDeals` is timed.
 * Prints one JSON line on stdout.
 */
import { Writable } from 'node:stream';
import { dedupeDeals } from '../../src/dedupe/find-duplicates.ts';
import { readDeals } from '../../src/interchange/interchange-files.ts';
import { runCli } from '../../sync/cli/main.ts';

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const [mode, file, out] = process.argv.slice(2);
  if (mode === 'cli' && file && out) {
    let stderr = '';
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        stderr += String(chunk);
        callback();
      },
    });
    const started = performance.now();
    const code = await runCli(['dedupe', file, '--out', out], { stdout: sink, stderr: sink, env: {} });
    const wallMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ mode, code, wallMs, peakRssMb: peakRssMb(), stderr: stderr.trim() })}\n`);
    return;
  }
  if (mode === 'engine' && file) {
    const deals = await readDeals(file);
    const started = performance.now();
    const { stats } = dedupeDeals(deals);
    const engineMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ mode, engineMs, stats, peakRssMb: peakRssMb() })}\n`);
    return;
  }
  process.stderr.write('usage: dedupe-size.worker.ts cli <deals.jsonl> <clusters.jsonl> | engine <deals.jsonl>\n');
  process.exitCode = 2;
}

await main();
