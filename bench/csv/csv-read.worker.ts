/**
 * One read of the CSV benchmark in a process of its own, so peak RSS belongs to that read:
 * - `deals <file.csv>`: `streamDeals` (split + convert cells + validate with the deal schema), records counted;
 * - `rows <file.csv>`: `readRecords` with no column kinds and a pass-through schema, i.e. the splitting alone.
 * Prints one JSON line on stdout.
 */
import { z } from 'zod';
import { streamDeals } from '../../src/interchange/interchange-files.ts';
import { readRecords } from '../../src/interchange/record-reader.ts';

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'deals' && mode !== 'rows') || !file) {
    process.stderr.write('usage: csv-read.worker.ts deals|rows <file.csv>\n');
    process.exitCode = 2;
    return;
  }
  const records = mode === 'deals' ? streamDeals(file) : readRecords(file, { schema: z.unknown(), csvColumns: {} });
  let rows = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for await (const _ of records) rows += 1;
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(`${JSON.stringify({ mode, rows, wallMs, cpuMs, peakRssMb: peakRssMb() })}\n`);
}

await main();
