import { join } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import { loadConfig } from '../config/env.ts';
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
    const [
      { provisionPortal },
      { createLogger },
      { encryptionKey, hubspotFeatures },
      { openStore },
      { migrateToLatest },
      { TenantsRepository },
      { TokenCipher },
    ] = await Promise.all([
      import('../../src/crm/hubspot/hubspot-provisioning.ts'),
      import('../log/logger.ts'),
      import('../service.ts'),
      import('../store/database.ts'),
      import('../store/migrate.ts'),
      import('../store/tenants.repo.ts'),
      import('../store/token-cipher.ts'),
    ]);
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
    try {
      await migrateToLatest(store.db);
      const tenants = new TenantsRepository(store.db, new TokenCipher(encryptionKey(config, logger)));
      const tenantId = `hubspot:${portal}`;
      const tenant = await tenants.find(tenantId);
      if (!tenant) throw new NotFoundError(`portal ${portal} has not installed PartnerLoop (no tenant ${tenantId})`);
      if (tenant.status !== 'active') {
        throw new InvalidInputError(
          `portal ${portal} is disconnected since ${tenant.disconnectedAt?.toISOString() ?? '?'}: ${tenant.disconnectReason ?? 'no reason recorded'}; reinstall the app`,
        );
      }
      const features = hubspotFeatures(config, store, tenants, logger, undefined);
      if (!features) throw new InvalidInputError('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are required');
      // Idempotent (five reads when nothing is missing): a reconcile never writes to properties that do not exist.
      const provisioning = await provisionPortal(features.connections.client(tenantId));
      await tenants.updateSettings(tenantId, { roleLabels: provisioning.roleLabels });
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
      await store.close();
    }
  },
};
