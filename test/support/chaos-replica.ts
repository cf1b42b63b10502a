/**
 * One replica of the chaos test: what `partnerloop start` runs (the environment validated by the same schema, then
 * `startService`), with the chaos test's timings (test/support/chaos-options.ts), which `partnerloop start` does not
 * take from the environment. Prints `CHAOS REPLICA READY <url> <pid>`; SIGTERM stops it gracefully (exit 0); a start
 * that fails exits 1 with one line.
 * Env: the service's own variables (DATABASE_URL, PUBLIC_URL, HUBSPOT_*, TOKEN_ENCRYPTION_KEY, LOG_LEVEL), and
 * CHAOS_REPLICA, a name bound into every log line.
 */
import { loadConfig } from '../../sync/platform/config/env.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import { startService } from '../../sync/service.ts';
import { chaosServiceOptions } from './chaos-options.ts';

const config = loadConfig(process.env, { sandbox: false });
const logger = createLogger(config.logLevel, undefined, { replica: process.env.CHAOS_REPLICA ?? String(process.pid) });
let service: Awaited<ReturnType<typeof startService>>;
try {
  service = await startService(config, chaosServiceOptions(logger));
} catch (error) {
  process.stderr.write(`chaos replica: start failed: ${(error as Error).message}\n`);
  process.exit(1);
}
const running = service;
process.stdout.write(`CHAOS REPLICA READY ${running.url} ${process.pid}\n`);
const stop = async () => {
  await running.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
