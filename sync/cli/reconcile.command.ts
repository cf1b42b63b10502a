import { InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import { loadConfig } from '../platform/config/env.ts';
import type { CliCommand } from './cli-command.ts';

export const reconcileCommand: CliCommand = {
  name: 'reconcile',
  summary: 'full reconcile of one installed HubSpot portal: re-read it, refresh the mirror, write back what changed',
  usage: [
    'partnerloop reconcile --portal <id>',
    '',
    'Reads every company, deal and deal→company association of the portal (within its rate limits), updates the',
    "service's mirror, runs the write-backs and writes only values that changed. Prints one JSON line of counts;",
    'progress goes to stderr.',
  ].join('\n'),
  options: { portal: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, stdout, stderr }) {
    const portal = typeof values.portal === 'string' ? values.portal.trim() : '';
    if (!/^\d{1,20}$/.test(portal))
      throw new InvalidInputError('--portal <id> is required: the HubSpot portal (hub) id');
    const config = loadConfig(env, { sandbox: false });
    // The service's modules load only when this command runs (the CLI starts fast for the file commands).
    const [{ createLogger }, { openPlatform }, { createFeatures }, { createHubSpotProvider }, { CrmConnections }] =
      await Promise.all([
        import('../platform/log/logger.ts'),
        import('../platform/platform.ts'),
        import('../features.ts'),
        import('../providers/hubspot/hubspot.provider.ts'),
        import('../crm/crm-connections.ts'),
      ]);
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const platform = await openPlatform(config, logger);
    try {
      const { tenants } = platform;
      const tenantId = `hubspot:${portal}`;
      const tenant = await tenants.find(tenantId);
      if (!tenant) throw new NotFoundError(`portal ${portal} has not installed PartnerLoop (no tenant ${tenantId})`);
      if (tenant.status !== 'active') {
        throw new InvalidInputError(
          `portal ${portal} is disconnected since ${tenant.disconnectedAt?.toISOString() ?? '?'}: ${tenant.disconnectReason ?? 'no reason recorded'}; reinstall the app`,
        );
      }
      // The same composition as the service (sync/service.ts), without its queue: this one-shot enqueues nothing.
      const hubspot = createHubSpotProvider(config, platform);
      if (!hubspot) throw new InvalidInputError('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are required');
      const crm = new CrmConnections({ hubspot: hubspot.connections });
      const features = createFeatures(platform, crm, {
        enqueue: async () => {
          throw new Error('no job queue in this process');
        },
      });
      // Idempotent (five reads when nothing is missing): a reconcile never writes to properties that do not exist.
      await crm.connector(tenantId).provision();
      let lastReport = 0;
      const result = await features.sync.reconcile(tenantId, (read) => {
        if (read - lastReport >= 1000) {
          lastReport = read;
          stderr.write(`reconcile ${tenantId}: ${read} deals read\n`);
        }
      });
      stdout.write(`${JSON.stringify({ ...result, ...(await features.afterReconcile(tenantId)) })}\n`);
      return 0;
    } finally {
      await platform.store.close();
    }
  },
};
