import { todayAsOf } from '../../src/scoring/deal-timeline.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import { type Config, loadConfig } from '../platform/config/env.ts';
import type { Service } from '../service.ts';
import type { CliCommand, CliContext } from './cli-command.ts';
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
  async run({ values, env, stdout, stderr }) {
    const sandboxMode = values.sandbox === true;
    let config = loadConfig(env, { sandbox: sandboxMode });
    const sandbox = sandboxMode ? await startLocalSandbox(values, env, stderr) : undefined;
    if (sandbox) config = sandboxConfig(config, sandbox);
    let service: Service;
    try {
      const { startService } = await import('../service.ts');
      service = await startService(config);
    } catch (error) {
      // The sandbox's server would keep a failed start's process alive: close it, so the CLI exits non-zero.
      await sandbox?.close();
      throw error;
    }
    // Listen for SIGTERM/SIGINT before printing anything: whoever reads our output may stop us at once.
    const stopSignal = waitForSignal();
    let programmes: { url: string; microsoftUrl: string; close(): Promise<void> } | undefined;
    try {
      // Issue #14: the operator home (sandbox mode serves it locally) is the first thing to open.
      if (sandbox)
        stdout.write(`PartnerLoop operator home: ${service.publicUrl}/ (also ${service.publicUrl}/operator)\n`);
      stdout.write(
        `PartnerLoop is running on ${service.publicUrl} (listening on ${service.url}; database: ${service.store.kind})\n`,
      );
      stdout.write(
        `  health:  ${service.url}/healthz  ready: ${service.url}/readyz  metrics: ${service.url}/metrics\n`,
      );
      if (sandbox) {
        const portalId = String(sandbox.portal.portalId);
        // Sandbox portals live in memory, so each start installs the demo portal afresh — through the real OAuth
        // flow (install → consent → callback), which provisions properties and queues the first reconcile.
        sandbox.webhooks.setTarget(`${service.publicUrl}/webhooks/hubspot`);
        await installThroughOAuth(service.url);
        const partners = [...sandbox.portal.records('companies')].filter(
          (c) => c.properties.pl_is_partner === 'true',
        ).length;
        stdout.write(
          `  CRM sandbox: ${sandbox.url} — demo portal ${portalId} installed as tenant hubspot:${portalId} ` +
            `(${sandbox.portal.count('deals')} deals, ${sandbox.portal.count('companies')} companies, ${partners} partners); ` +
            'provisioning and the first reconcile are queued\n',
        );
        await installThroughOAuth(service.url, 'salesforce');
        stdout.write(
          `  Salesforce stand-in: ${sandbox.salesforce.loginUrl} — demo org ${sandbox.salesforce.orgId} installed as tenant ` +
            `salesforce:${sandbox.salesforce.orgId} (${sandbox.salesforce.opportunities} opportunities); provisioning ` +
            'and the first reconcile are queued\n',
        );
        programmes = await connectLocalProgrammes(service, `hubspot:${portalId}`);
        stdout.write(
          `  AWS Partner Central stand-in: ${programmes.url} — connected to tenant hubspot:${portalId} ` +
            '(Sandbox catalog); start co-sell with programme "AWS ACE" on a deal card\n',
        );
        stdout.write(
          `  Microsoft referrals stand-in: ${programmes.microsoftUrl} — signed in for tenant hubspot:${portalId}; ` +
            'start co-sell with programme "Microsoft" on a deal card\n',
        );
      }
      stdout.write(`  install: ${service.publicUrl}/oauth/hubspot/install\n`);
      // The local card preview exists in sandbox mode only (sandbox/previews).
      if (sandbox) {
        stdout.write(`  card preview: ${service.publicUrl}/preview\n`);
        stdout.write(`  Salesforce card preview: ${service.publicUrl}/preview/salesforce\n`);
      }
      await stopSignal;
      stdout.write('PartnerLoop is stopping: finishing in-flight jobs…\n');
    } finally {
      await service.stop();
      await programmes?.close();
      await sandbox?.close();
    }
    return 0;
  },
};

/**
 * `--sandbox`: starts the CRM sandbox with a demo portal whose history ends today, so scores, dormancy and co-sell
 * aging look like a live portal's. The sandbox is loaded here only, through import(): production never imports it
 * statically, and the other commands start faster.
 */
async function startLocalSandbox(values: CliContext['values'], env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream) {
  const deals = positiveInt(values['sandbox-deals'], '--sandbox-deals', 3000);
  const seed = positiveInt(values['sandbox-seed'], '--sandbox-seed', 1);
  const [{ startSandbox }, { sandboxCredentialsNotice }] = await Promise.all([
    // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
    import('../../sandbox/server.ts'),
    // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
    import('../../sandbox/hubspot/credentials.ts'),
  ]);
  const asOf = todayAsOf();
  const sandbox = await startSandbox({ deals, seed, asOf });
  const notice = sandboxCredentialsNotice(env, sandbox.app);
  if (notice) stderr.write(`${notice}\n`);
  // The Salesforce demo org tells the same story (the same generator, seed and day), installed as a second tenant.
  // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
  const { startSalesforce } = await import('../../sandbox/salesforce/salesforce.ts');
  const salesforce = await startSalesforce({ seedDemo: { deals, seed, asOf, linksAtProvisioning: true } });
  return {
    url: sandbox.url,
    app: sandbox.app,
    portal: sandbox.portal,
    webhooks: sandbox.webhooks,
    salesforce: {
      loginUrl: salesforce.loginUrl,
      clientId: salesforce.clientId,
      clientSecret: salesforce.clientSecret,
      orgId: salesforce.orgId,
      opportunities: salesforce.org.count('Opportunity'),
    },
    close: async () => {
      await sandbox.close();
      await salesforce.close();
    },
  };
}

/**
 * `--sandbox`: the AWS Partner Central stand-in (Sandbox catalog, a few demo opportunities), connected to the demo
 * tenant the way an admin's `PUT /api/programmes/aws` would, so a newcomer can start an AWS co-sell from the card.
 */
async function connectLocalProgrammes(service: Service, tenantId: string) {
  // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
  const { startAwsPartnerCentral } = await import('../../sandbox/aws/aws-partner-central.ts');
  const aws = await startAwsPartnerCentral({ seedDemo: true });
  const connections = service.features?.cloud.connections;
  if (connections) {
    const candidate = connections.awsCandidate(
      tenantId,
      {
        catalog: 'Sandbox',
        region: aws.region,
        accessKeyId: aws.credentials.accessKeyId,
        secretAccessKey: aws.credentials.secretAccessKey,
        endpoint: aws.url,
        countryCode: 'US',
        industry: 'Software and Internet',
      },
      { allowEndpoint: true },
    );
    await connections.setAws(tenantId, candidate, 'system:sandbox');
  }
  // Microsoft: the admin's sign-in, played by a browser that follows the stand-in's consent redirect to our callback.
  // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
  const { startMicrosoftReferrals } = await import('../../sandbox/microsoft/microsoft-referrals.ts');
  const microsoft = await startMicrosoftReferrals({ seedDemo: true });
  const cloud = service.features?.cloud;
  if (cloud) {
    const { authorizeUrl } = await cloud.microsoft.beginSignIn(
      tenantId,
      { entraTenantId: microsoft.entraTenantId, countryCode: 'US', currency: 'USD' },
      {
        actor: 'system:sandbox',
        redirectUri: `${service.url}/oauth/microsoft/callback`,
        standIn: { baseUrl: `${microsoft.url}/v1.0/engagements`, auth: microsoft.msalAuthOptions() },
      },
    );
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    const callback = consent.headers.get('location');
    const landed = callback ? await fetch(callback) : undefined;
    if (!landed?.ok) throw new Error(`the Microsoft stand-in sign-in failed (${landed?.status ?? consent.status})`);
  }
  return {
    url: aws.url,
    microsoftUrl: microsoft.url,
    close: async () => {
      await aws.close();
      await microsoft.close();
    },
  };
}

/** What the service needs of the sandbox to talk to it (sync/ declares it; it never imports the sandbox's types). */
interface LocalCrm {
  url: string;
  app: { clientId: string; clientSecret: string; appId: number };
  salesforce: { loginUrl: string; clientId: string; clientSecret: string };
}

/** In sandbox mode the app talks to the local sandbox with the sandbox app's credentials. */
function sandboxConfig(config: Config, sandbox: LocalCrm): Config {
  return {
    ...config,
    hubspot: {
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      appId: String(sandbox.app.appId),
      apiBaseUrl: sandbox.url,
    },
    salesforce: {
      clientId: sandbox.salesforce.clientId,
      clientSecret: sandbox.salesforce.clientSecret,
      loginUrl: sandbox.salesforce.loginUrl,
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

/** Walks the OAuth install the way an admin's browser would: our install URL → consent (auto-approved) → callback. */
async function installThroughOAuth(serviceUrl: string, provider: 'hubspot' | 'salesforce' = 'hubspot'): Promise<void> {
  const response = await fetch(`${serviceUrl}/oauth/${provider}/install`, { redirect: 'follow' });
  if (!response.ok) {
    const body = await response.text();
    throw new Error(`sandbox install failed (HTTP ${response.status}): ${body.slice(0, 300)}`);
  }
  await response.arrayBuffer().catch(() => undefined);
}
