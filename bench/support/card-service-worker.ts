/**
 * The service side of the card benchmark, in its own process: starts the real service on a store a reconcile already
 * filled (DATA_DIR or DATABASE_URL), reports its URL over IPC, and on `stop` reports its event-loop delay and exits.
 * The signed API's per-portal budget is off (`testing.apiBudget: false`): the benchmark measures serving cost, not the
 * throttle (which answers 429 past 100 requests / 10 s per portal in production).
 * Also reports its CPU (every thread: with PGlite, the database's too) from `measure` to `stop`.
 * Env: the service's (HUBSPOT_*, TOKEN_ENCRYPTION_KEY, DATA_DIR, DATABASE_URL).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../sync/platform/config/env.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import { startService } from '../../sync/service.ts';

const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent' }, { sandbox: false });
const service = await startService(config, { logger: createLogger('silent'), testing: { apiBudget: false } });
const lag = monitorEventLoopDelay({ resolution: 5 });
let cpuAtMeasure = process.cpuUsage();
process.on('message', async (message: { type: string }) => {
  if (message.type === 'measure') {
    lag.reset();
    lag.enable();
    cpuAtMeasure = process.cpuUsage();
    process.send?.({ type: 'measuring' });
  } else if (message.type === 'stop') {
    lag.disable();
    const cpu = process.cpuUsage(cpuAtMeasure);
    const ms = (ns: number) => Number((ns / 1e6).toFixed(1));
    process.send?.({
      type: 'lag',
      p50: ms(lag.percentile(50)),
      p99: ms(lag.percentile(99)),
      max: ms(lag.max),
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
    await service.stop();
    process.exit(0);
  }
});
process.send?.({ type: 'ready', url: service.url });
