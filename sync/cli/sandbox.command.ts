import { parseAsOf, todayAsOf } from '../../src/scoring/deal-timeline.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import type { CliCommand, CliContext } from './cli-command.ts';
import { waitForSignal } from './wait-for-signal.ts';

// The defaults below are the demo generator's (DEMO_PORTAL_DEFAULTS, sandbox/demo/demo-portal.ts), written out because
// production code never imports the sandbox statically; sandbox.command.test.ts checks they still match.
const USAGE = `partnerloop sandbox [--port N] [--seed N] [--deals N] [--as-of YYYY-MM-DD] [--webhook-target URL] [--export DIR]

  Runs the CRM sandbox alone: a loopback server speaking the HubSpot API subset PartnerLoop uses, seeded with a
  demo portal, and prints its URL and demo credentials. Stops on Ctrl+C (SIGINT) or SIGTERM.

  --port            port to listen on (default: a free port)
  --seed            demo data seed (default 42)
  --deals           number of demo deals (default 3000)
  --as-of           the day the demo history ends (served: default today, as \`partnerloop start --sandbox\` does)
  --webhook-target  where to deliver signed webhooks when records change (e.g. http://localhost:3000/webhooks/hubspot)
  --export          write the demo portal as interchange files DIR/deals.jsonl and DIR/partners.jsonl (what the
                    service reads from it) and exit without serving: input for partnerloop report, score, dedupe`;

/** The token printed for manual use outlives HubSpot's 30 minutes so a demo session does not need a refresh. */
const DEMO_TOKEN_LIFETIME_MS = 24 * 60 * 60_000;

function integerFlag(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const number = Number(text);
  if (!/^\d+$/.test(text) || number < min || number > max) {
    throw new InvalidInputError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return number;
}

function urlFlag(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // reported below
  }
  throw new InvalidInputError(`--${name} must be an http(s) URL, got "${text}"`);
}

/** Starts the sandbox, prints how to use it, and stops when `stopped` settles. */
export async function runSandbox(context: CliContext, stopped: () => Promise<unknown>): Promise<number> {
  const { values, stdout } = context;
  const port = integerFlag(values.port, 'port', 0, 65_535);
  const seedFlag = integerFlag(values.seed, 'seed', 0, 2 ** 31 - 1);
  const dealsFlag = integerFlag(values.deals, 'deals', 0, 2_000_000);
  const webhookTarget = urlFlag(values['webhook-target'], 'webhook-target');
  // The served history ends today unless asked otherwise, as `start --sandbox` does: against the generator's fixed
  // day, long past, every partner would look dormant and every open deal overdue.
  const asOf = typeof values['as-of'] === 'string' ? values['as-of'] : todayAsOf();
  parseAsOf(asOf, '--as-of');
  // The sandbox is loaded only here, through import(): production never imports it statically.
  // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
  const { DEMO_PORTAL_DEFAULTS } = await import('../../sandbox/demo/demo-portal.ts');
  const seed = seedFlag ?? DEMO_PORTAL_DEFAULTS.seed;
  const deals = dealsFlag ?? DEMO_PORTAL_DEFAULTS.deals;
  // The same portal the sandbox would serve, as interchange files, instead of serving it.
  if (typeof values.export === 'string') {
    // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
    const { exportDemoPortal } = await import('../../sandbox/demo/demo-export.ts');
    return exportDemoPortal(context, values.export, { seed, deals, asOf });
  }
  // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
  const { startSandbox } = await import('../../sandbox/server.ts');

  const sandbox = await startSandbox({
    seed,
    deals,
    asOf,
    ...(port === undefined ? {} : { port }),
    ...(webhookTarget === undefined ? {} : { webhookTarget }),
  });
  // The co-sell programmes' stand-ins, beside the CRM (SPEC §5).
  const [{ startAwsPartnerCentral }, { startMicrosoftReferrals }, { startSalesforce }] = await Promise.all([
    // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
    import('../../sandbox/aws/aws-partner-central.ts'),
    // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
    import('../../sandbox/microsoft/microsoft-referrals.ts'),
    // biome-ignore lint/style/noRestrictedImports: the sandbox-mode door into sandbox/, a dynamic import by design
    import('../../sandbox/salesforce/salesforce.ts'),
  ]);
  const aws = await startAwsPartnerCentral({ seedDemo: true });
  const microsoft = await startMicrosoftReferrals({ seedDemo: true });
  // The Salesforce demo org tells the same story as the HubSpot portal (the same generator, seed and as-of day).
  const salesforce = await startSalesforce({ seedDemo: { deals, seed, asOf } });
  const tokens = sandbox.issueToken({ lifetimeMs: DEMO_TOKEN_LIFETIME_MS });
  const { clientId, clientSecret, appId } = sandbox.app;
  const portal = sandbox.portal;
  const lines = [
    `CRM sandbox (HubSpot API subset) listening on ${sandbox.url}`,
    `  portal id:      ${portal.portalId}  (${portal.count('deals')} deals, ${portal.count('companies')} companies, seed ${seed})`,
    `  history ends:   ${asOf}`,
    `  client id:      ${clientId}`,
    `  client secret:  ${clientSecret}   (also the webhook signature key)`,
    `  app id:         ${appId}`,
    `  access token:   ${tokens.accessToken}   (valid 24 h)`,
    `  refresh token:  ${tokens.refreshToken}`,
    `  authorize:      ${sandbox.url}/oauth/authorize?client_id=${clientId}&redirect_uri=<your callback>&scope=oauth`,
    `  webhooks:       ${webhookTarget ?? 'off (use --webhook-target URL)'}`,
    `  use it:         HUBSPOT_API_BASE_URL=${sandbox.url} HUBSPOT_CLIENT_ID=${clientId} HUBSPOT_CLIENT_SECRET=${clientSecret} HUBSPOT_APP_ID=${appId}`,
    `  try:           curl -H "Authorization: Bearer ${tokens.accessToken}" "${sandbox.url}/crm/objects/2026-03/deals?limit=2&properties=dealname,amount"`,
    `AWS Partner Central stand-in: ${aws.url}  (AWS JSON 1.0, region ${aws.region}, catalog Sandbox; access key ${aws.credentials.accessKeyId}, secret ${aws.credentials.secretAccessKey})`,
    `Microsoft referrals stand-in: ${microsoft.url}/v1.0/engagements/referrals  (Entra authority ${microsoft.authority}; client id ${microsoft.clientId}, secret ${microsoft.clientSecret}, user ${microsoft.demoUser.username})`,
    `Salesforce stand-in: login ${salesforce.loginUrl}/services/oauth2/authorize  (org ${salesforce.orgId}, API v${salesforce.apiVersion}; consumer key ${salesforce.clientId}, secret ${salesforce.clientSecret}; user ${salesforce.demoUser.username} / ${salesforce.demoUser.password}; PKCE required)`,
    'Press Ctrl+C to stop.',
  ];
  stdout.write(`${lines.join('\n')}\n`);
  try {
    await stopped();
  } finally {
    await Promise.all([sandbox.close(), aws.close(), microsoft.close(), salesforce.close()]);
  }
  stdout.write('CRM sandbox stopped.\n');
  return 0;
}

export const sandboxCommand: CliCommand = {
  name: 'sandbox',
  summary: 'run the CRM sandbox alone (HubSpot API subset with demo data) and print its URL and credentials',
  usage: USAGE,
  options: {
    port: { type: 'string' },
    seed: { type: 'string' },
    deals: { type: 'string' },
    'as-of': { type: 'string' },
    'webhook-target': { type: 'string' },
    export: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  run: (context) => runSandbox(context, waitForSignal),
};
