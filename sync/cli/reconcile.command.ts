import { InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import { loadConfig } from '../platform/config/env.ts';
import type { CliCommand } from './cli-command.ts';

export const reconcileCommand: CliCommand = {
  name: 'reconcile',
  summary:
    'full reconcile of one installed HubSpot portal or Salesforce org: re-read it, refresh the mirror, write back what changed',
  usage: [
    'partnerloop reconcile --portal <id> | --org <id> | --tenant <provider:id>',
    '',
    'Reads every partner, deal and partner link of the portal or org (within its limits), updates the',
    "service's mirror, runs the write-backs and writes only values that changed. Prints one JSON line of counts;",
    'progress goes to stderr.',
  ].join('\n'),
  options: { portal: { type: 'string' }, org: { type: 'string' }, tenant: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, stdout, stderr }) {
    const tenantId = tenantIdFrom(values);
    const [provider, external] = [tenantId.slice(0, tenantId.indexOf(':')), tenantId.slice(tenantId.indexOf(':') + 1)];
    const what = provider === 'hubspot' ? `portal ${external}` : `Salesforce org ${external}`;
    const config = loadConfig(env, { sandbox: false });
    // The service's modules load only when this command runs (the CLI starts fast for the file commands).
    const [
      { createLogger },
      { openPlatform },
      { createFeatures },
      { createHubSpotProvider },
      { createSalesforceProvider },
      { CrmConnections },
      { ErrorInboxRepository },
    ] = await Promise.all([
      import('../platform/log/logger.ts'),
      import('../platform/platform.ts'),
      import('../features.ts'),
      import('../providers/hubspot/hubspot.provider.ts'),
      import('../providers/salesforce/salesforce.provider.ts'),
      import('../crm/crm-connections.ts'),
      import('../inbox/error-inbox.repo.ts'),
    ]);
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const platform = await openPlatform(config, logger);
    try {
      const { tenants } = platform;
      const tenant = await tenants.find(tenantId);
      if (!tenant) throw new NotFoundError(`${what} has not installed PartnerLoop (no tenant ${tenantId})`);
      if (tenant.status !== 'active') {
        throw new InvalidInputError(
          `${what} is disconnected since ${tenant.disconnectedAt?.toISOString() ?? '?'}: ${tenant.disconnectReason ?? 'no reason recorded'}; reinstall the app`,
        );
      }
      // The same composition as the service (sync/service.ts), without its queue: this one-shot enqueues nothing.
      const hubspot = provider === 'hubspot' ? createHubSpotProvider(config, platform) : undefined;
      const salesforce =
        provider === 'salesforce'
          ? createSalesforceProvider(config, { ...platform, inbox: new ErrorInboxRepository(platform.store.db) })
          : undefined;
      if (provider === 'hubspot' && !hubspot) {
        throw new InvalidInputError('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are required');
      }
      if (provider === 'salesforce' && !salesforce) {
        throw new InvalidInputError('SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET are required');
      }
      const crm = new CrmConnections({
        ...(hubspot ? { hubspot: hubspot.connections } : {}),
        ...(salesforce ? { salesforce: salesforce.connections } : {}),
      });
      const features = createFeatures(platform, crm, {
        enqueue: async () => {
          throw new Error('no job queue in this process');
        },
      });
      // Idempotent (a few reads when nothing is missing): a reconcile never writes to properties that do not exist.
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

const PORTAL_REQUIRED = '--portal <id> is required: the HubSpot portal (hub) id';

/** `--portal 123` (HubSpot), `--org 00D…` (Salesforce) or `--tenant hubspot:123`; exactly one. */
function tenantIdFrom(values: Record<string, string | boolean | undefined>): string {
  const given = (['portal', 'org', 'tenant'] as const).filter((name) => typeof values[name] === 'string');
  // The HubSpot wording stays as it always was (scripts read it); Salesforce is named in the usage.
  if (given.length === 0) throw new InvalidInputError(PORTAL_REQUIRED);
  if (given.length > 1) {
    throw new InvalidInputError(
      'give exactly one of --portal <HubSpot portal id>, --org <Salesforce org id>, --tenant <provider:id>',
    );
  }
  const value = String(values[given[0] as string]).trim();
  if (given[0] === 'portal') {
    if (!/^\d{1,20}$/.test(value)) throw new InvalidInputError(PORTAL_REQUIRED);
    return `hubspot:${value}`;
  }
  if (given[0] === 'org') {
    if (!/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(value)) {
      throw new InvalidInputError('--org <id> must be a Salesforce org id (00D…, 15 or 18 characters)');
    }
    return `salesforce:${value}`;
  }
  if (!/^(hubspot:\d{1,20}|salesforce:00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?)$/.test(value)) {
    throw new InvalidInputError('--tenant must be hubspot:<portal id> or salesforce:<org id>');
  }
  return value;
}
