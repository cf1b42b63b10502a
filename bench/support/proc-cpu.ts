import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The fields of a /proc `stat` line after the process name (which may hold spaces), from the state on. */
function fieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The entries of a /proc directory, or null where there is no /proc. */
function procEntries(dir: string): string[] | null {
  try {
    return readdirSync(dir);
  } catch {
    return null;
  }
}

/** The name and CPU used so far (ms, user + system) of a /proc `stat` file's process or thread; undefined if it ended. */
function statCpu(path: string): { name: string; ms: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return undefined; // ended meanwhile
  }
  // Counting from the state (stat's 3rd field), utime and stime are stat's 14th and 15th.
  const fields = fieldsAfterName(stat);
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
  };
}

/**
 * CPU used so far (ms, user + system) by every process of this machine named `name` — the Postgres server's
 * postmaster and backends for `postgres` — from /proc; null where there is no /proc. Take two readings around a
 * phase: processes that ended in between drop out, so use it for phases where the server's backends stay up.
 */
export function processesCpuMs(name: string): number | null {
  const entries = procEntries('/proc');
  if (!entries) return null;
  let ms = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cpu = statCpu(`/proc/${entry}/stat`);
    if (cpu?.name === name) ms += cpu.ms;
  }
  return ms;
}

/**
 * CPU (ms) of this process's child processes that have ended and been waited for (/proc/self/stat's cutime and
 * cstime) — e.g. esbuild's, which bundles the worker threads' code — or 0 where there is no /proc.
 */
export function endedChildrenCpuMs(): number {
  try {
    // cutime and cstime are stat's 16th and 17th fields.
    const fields = fieldsAfterName(readFileSync('/proc/self/stat', 'utf8'));
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU used so far (ms) by this process's threads alive now, from /proc/self/task: `main` (the event loop's thread)
 * and `others` (V8's garbage-collector and compiler helpers, libuv's pool, a module loader's thread); null where
 * there is no /proc. Threads that have ended (a `runOffThread` computation's) count in `process.cpuUsage()` only.
 */
export function liveThreadsCpuMs(): { main: number; others: number } | null {
  const tasks = procEntries('/proc/self/task');
  if (!tasks) return null;
  let main = 0;
  let others = 0;
  for (const task of tasks) {
    const ms = statCpu(`/proc/self/task/${task}/stat`)?.ms ?? 0;
    if (Number(task) === process.pid) main += ms;
    else others += ms;
  }
  return { main, others };
}
