import { loadConfig } from '../config/env.ts';
import { startService } from '../service.ts';
import type { CliCommand } from './cli-command.ts';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the service (HTTP, jobs, schedules); --sandbox for local mode without credentials',
  usage:
    'partnerloop start [--sandbox]\n\n  --sandbox  local mode: no HubSpot credentials needed, embedded data under DATA_DIR',
  options: { sandbox: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, stdout }) {
    const config = loadConfig(env, { sandbox: values.sandbox === true });
    const service = await startService(config);
    stdout.write(
      `PartnerLoop is running on ${config.publicUrl} (listening on ${service.url}; database: ${service.store.kind})\n`,
    );
    stdout.write(`  health:  ${service.url}/healthz  ready: ${service.url}/readyz  metrics: ${service.url}/metrics\n`);
    await waitForSignal();
    stdout.write('PartnerLoop is stopping: finishing in-flight jobs…\n');
    await service.stop();
    return 0;
  },
};

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
