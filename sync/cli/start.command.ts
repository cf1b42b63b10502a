import { InvalidInputError } from '../../src/shared/errors.ts';
import { type Config, loadConfig } from '../config/env.ts';
import { type Sandbox, startSandbox } from '../sandbox/sandbox-server.ts';
import { startService } from '../service.ts';
import type { CliCommand } from './cli-command.ts';
import { waitForSignal } from './wait-for-signal.ts';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the service (HTTP, jobs, schedules); --sandbox adds the CRM sandbox with a demo portal',
  usage: [
    'partnerloop start [--sandbox] [--sandbox-deals N] [--sandbox-seed N]',
    '',
    '  --sandbox          local mode: no credentials; starts the CRM sandbox with a seeded demo portal and connects it',
    '  --sandbox-deals N  demo portal size (default 3000)',
    '  --sandbox-seed N   demo data seed (default 1)',
  ].join('\n'),
  options: { sandbox: { type: 'boolean' }, 'sandbox-deals': { type: 'string' }, 'sandbox-seed': { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, stdout }) {
    const sandboxMode = values.sandbox === true;
    let config = loadConfig(env, { sandbox: sandboxMode });
    let sandbox: Sandbox | undefined;
    if (sandboxMode) {
      const deals = positiveInt(values['sandbox-deals'], '--sandbox-deals', 3000);
      const seed = positiveInt(values['sandbox-seed'], '--sandbox-seed', 1);
      sandbox = await startSandbox({ deals, seed });
      config = sandboxConfig(config, sandbox);
    }
    const service = await startService(config);
    try {
      stdout.write(
        `PartnerLoop is running on ${config.publicUrl} (listening on ${service.url}; database: ${service.store.kind})\n`,
      );
      stdout.write(
        `  health:  ${service.url}/healthz  ready: ${service.url}/readyz  metrics: ${service.url}/metrics\n`,
      );
      if (sandbox) {
        const portalId = String(sandbox.portal.portalId);
        // Sandbox portals live in memory: each start connects the demo portal afresh (the install flow does this
        // for real portals).
        const tokens = sandbox.issueToken();
        await service.tenants.connect('hubspot', portalId, { ...tokens, scopes: [] });
        const partners = [...sandbox.portal.records('companies')].filter(
          (c) => c.properties.pl_is_partner === 'true',
        ).length;
        stdout.write(
          `  CRM sandbox: ${sandbox.url} — demo portal ${portalId} connected as tenant hubspot:${portalId} ` +
            `(${sandbox.portal.count('deals')} deals, ${sandbox.portal.count('companies')} companies, ${partners} partners)\n`,
        );
      }
      await waitForSignal();
      stdout.write('PartnerLoop is stopping: finishing in-flight jobs…\n');
    } finally {
      await service.stop();
      await sandbox?.close();
    }
    return 0;
  },
};

/** In sandbox mode the app talks to the local sandbox with the sandbox app's credentials. */
function sandboxConfig(config: Config, sandbox: Sandbox): Config {
  return {
    ...config,
    hubspot: {
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      appId: String(sandbox.app.appId),
      apiBaseUrl: sandbox.url,
    },
  };
}

function positiveInt(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidInputError(`${flag} must be a non-negative integer, got "${String(value)}"`);
  }
  return parsed;
}
