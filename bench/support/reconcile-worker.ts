/**
 * The client side of the reconcile benchmark: runs the real `partnerloop reconcile --portal <id>` command (the same
 * composition root as the service: provisioning check, full read, mirror refresh, every feature's write-back, the
 * after-reconcile loops) in its own process, so its CPU time is measured apart from the sandbox's. The environment is
 * the service's (HUBSPOT_API_BASE_URL or SALESFORCE_*, DATA_DIR or DATABASE_URL, TOKEN_ENCRYPTION_KEY, …) plus PORTAL,
 * or RECONCILE_ARGS for another tenant flag (`--org` for a Salesforce org).
 * Prints the command's JSON line, then one JSON line with this process's measurements.
 */

import { runCli } from '../../sync/cli/main.ts';
import { endedChildrenCpuMs, liveThreadsCpuMs } from './proc-cpu.ts';

// `--portal <PORTAL>` (HubSpot), or the tenant flags in RECONCILE_ARGS (JSON), e.g. ["--org","00D…"] for Salesforce.
const args: string[] = process.env.RECONCILE_ARGS
  ? (JSON.parse(process.env.RECONCILE_ARGS) as string[])
  : ['--portal', process.env.PORTAL ?? ''];
// The command loads its modules lazily; loading (and tsx's transpiling) them first keeps compile time out of the CPU
// figure, which is then the command's own work: opening the store, the reconcile, the loops after it.
await Promise.all([
  import('../../sync/platform/log/logger.ts'),
  import('../../sync/platform/platform.ts'),
  import('../../sync/features.ts'),
  import('../../sync/providers/hubspot/hubspot.provider.ts'),
  import('../../sync/providers/salesforce/salesforce.provider.ts'),
  import('../../sync/crm/crm-connections.ts'),
]);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const childrenCpuBefore = endedChildrenCpuMs();
const threadsBefore = liveThreadsCpuMs();
let lagMax = 0;
let last = performance.now();
// Event-loop lag: how long the thread was held between two 50 ms ticks (what a card request would have waited).
const lagTimer = setInterval(() => {
  const now = performance.now();
  lagMax = Math.max(lagMax, now - last - 50);
  last = now;
}, 50);
let output = '';
const code = await runCli(['reconcile', ...args], {
  stdout: {
    write: (chunk: string) => {
      output += chunk;
      return true;
    },
  } as NodeJS.WritableStream,
  stderr: process.stderr,
  env: process.env,
});
clearInterval(lagTimer);
const cpu = process.cpuUsage(cpuBefore);
const threadsAfter = liveThreadsCpuMs();
// The worker threads' code is bundled by esbuild's own process (sync/platform/workers/off-thread.ts): end it, so that
// its CPU counts too.
await (await import('esbuild')).stop();
const childrenCpuMs = endedChildrenCpuMs() - childrenCpuBefore;
process.stdout.write(output);
/**
 * Where the process's CPU went: the event loop's thread, the helper threads still alive (V8's garbage collector and
 * compiler, libuv), and the rest — the engines' worker threads, ended by now (runOffThread).
 */
function cpuSecondsByThread(totalMs: number) {
  if (!threadsBefore || !threadsAfter) return null;
  const main = threadsAfter.main - threadsBefore.main;
  const helpers = threadsAfter.others - threadsBefore.others;
  const seconds = (ms: number) => Number((ms / 1000).toFixed(2));
  return { main: seconds(main), helpers: seconds(helpers), engines: seconds(Math.max(0, totalMs - main - helpers)) };
}
process.stdout.write(
  `${JSON.stringify({
    exitCode: code,
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6 + childrenCpuMs / 1000,
    childProcessesCpuSeconds: childrenCpuMs / 1000,
    cpuSecondsByThread: cpuSecondsByThread((cpu.user + cpu.system) / 1000),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    maxEventLoopLagMs: Math.round(lagMax),
  })}\n`,
);
process.exitCode = code;
