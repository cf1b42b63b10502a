import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchModule } from './bench-module.ts';

/**
 * The CSV side of `src/interchange` on a generated deals file (1M rows; 50k with --quick): rows per second and peak
 * RSS of `streamDeals` (split, convert, validate) and of the splitting alone, each read in its own child process
 * pinned to one core; five runs each, reported as the best and the median (on a shared machine the best run is the
 * one least disturbed), with the CPU time of the read beside the wall time. The file mixes what real exports hold: quoted names with commas and
 * doubled quotes, a multi-line note every 1,000 rows, lists, partner shorthand and empty optional cells.
 */

const FULL_ROWS = 1_000_000;
const QUICK_ROWS = 50_000;
const RUNS = 5;

const run = promisify(execFile);
const WORKER = new URL('./csv/csv-read.worker.ts', import.meta.url).pathname;
const ONE_CORE = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');

const HEADER =
  'id,name,account.id,account.name,account.domain,amount,currency,closeDate,createdAt,stage,isClosed,isWon,type,' +
  'ownerId,region,leadSource,products,partners,notes';
const STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'closedwon', 'closedlost'] as const;
const TYPES = ['new_business', 'expansion', 'renewal', ''] as const;
const REGIONS = ['EMEA', 'NA', 'APAC', ''] as const;

/** Row `i` of the file: deterministic (no randomness needed to vary the shapes). */
function row(i: number): string {
  const stage = STAGES[i % STAGES.length] as string;
  const closed = stage.startsWith('closed');
  const name = i % 10 === 0 ? `"Deal ${i}, ""phase ${i % 7}"""` : `Deal ${i} platform renewal`;
  const account = i % 5_000;
  const partners =
    i % 3 === 0 ? `p${i % 97}:sourced:60;p${(i + 1) % 97}:influenced:40` : i % 3 === 1 ? `p${i % 97}:cosell` : '';
  const notes = i % 1_000 === 0 ? '"first line\nsecond line"' : '';
  return [
    `d${i}`,
    name,
    `a${account}`,
    `Account ${account} Ltd`,
    i % 4 === 0 ? '' : `account${account}.example`,
    i % 9 === 0 ? '' : String(1_000 + ((i * 37) % 250_000)),
    'usd',
    closed ? `2025-${String((i % 12) + 1).padStart(2, '0')}-15` : '',
    `2024-${String((i % 12) + 1).padStart(2, '0')}-0${(i % 9) + 1}T10:00:00Z`,
    stage,
    closed ? 'true' : 'false',
    stage === 'closedwon' ? 'true' : 'false',
    TYPES[i % TYPES.length],
    String(100 + (i % 40)),
    REGIONS[i % REGIONS.length],
    i % 2 === 0 ? 'Partner' : 'Web',
    i % 2 === 0 ? 'crm;cpq' : 'crm',
    partners,
    notes,
  ].join(',');
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${HEADER}\n`);
  for (let i = 1; i <= rows; i += 1) {
    if (!out.write(`${row(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface ReadRun {
  rows: number;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
}

async function read(mode: 'deals' | 'rows', file: string): Promise<ReadRun> {
  const node = [process.execPath, '--import', 'tsx', WORKER, mode, file];
  const [command, ...rest] = ONE_CORE ? ['taskset', '-c', '0', ...node] : node;
  const { stdout } = await run(command as string, rest, { cwd: process.cwd() });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ReadRun;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const bench: BenchModule = {
  name: 'csv-reader',
  description: 'CSV interchange reader: rows/s and peak RSS on a generated deals file',
  async run({ quick, log }) {
    const rows = quick ? QUICK_ROWS : FULL_ROWS;
    const dir = await mkdtemp(join(tmpdir(), 'pl-csv-bench-'));
    try {
      const file = join(dir, 'deals.csv');
      await writeCsv(file, rows);
      const results: Record<string, unknown> = { rows };
      for (const mode of ['rows', 'deals'] as const) {
        const runs: ReadRun[] = [];
        for (let i = 0; i < RUNS; i += 1) {
          const result = await read(mode, file);
          if (result.rows !== rows) throw new Error(`${mode}: read ${result.rows} records, expected ${rows}`);
          runs.push(result);
          log(
            `${mode} run ${i + 1}: ${Math.round(result.wallMs)} ms (cpu ${Math.round(result.cpuMs)} ms), ` +
              `peak RSS ${result.peakRssMb} MB`,
          );
        }
        const best = Math.min(...runs.map((r) => r.wallMs));
        const typical = median(runs.map((r) => r.wallMs));
        results[mode] = {
          rowsPerSecondBest: Math.round(rows / (best / 1000)),
          rowsPerSecondMedian: Math.round(rows / (typical / 1000)),
          cpuMsBest: Math.round(Math.min(...runs.map((r) => r.cpuMs))),
          peakRssMb: median(runs.map((r) => r.peakRssMb)),
          runsMs: runs.map((r) => Math.round(r.wallMs)),
        };
      }
      return results;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
