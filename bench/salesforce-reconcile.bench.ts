import { randomBytes } from 'node:crypto';
import { type SalesforceStandIn, startSalesforce } from '../sandbox/salesforce/salesforce.ts';
import { defaultRulesForStageOrder } from '../src/attribution/attribution-rules.ts';
import { JUNCTION_FIELDS, JUNCTION_OBJECT } from '../src/crm/salesforce/salesforce-fields.ts';
import { ErrorInboxRepository } from '../sync/inbox/error-inbox.repo.ts';
import { TenantsRepository } from '../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../sync/platform/store/token-cipher.ts';
import { SalesforceConnections, toStored } from '../sync/providers/salesforce/salesforce-connections.ts';
import type { BenchModule } from './bench-module.ts';
import { benchStores, emptyBenchStore, runWorker } from './hubspot-reconcile.bench.ts';

/** Records per SOQL page (the REST API's default batch) and per sObject Collections call. */
const QUERY_PAGE = 2_000;
const COLLECTION = 200;
/** The org's daily allowance (an Enterprise org's base) and the share of what is left a PartnerLoop run may spend. */
const DAILY_LIMIT = 1_000_000;

/**
 * An installed org as the install leaves it: the tenant connected with the stand-in's tokens, PartnerLoop's fields
 * and junction provisioned, the demo's partner links written as junction rows, the default rules in the org's stages.
 */
async function prepareOrg(sf: SalesforceStandIn, key: Buffer, databaseUrl: string | undefined) {
  const bench = await emptyBenchStore('sf-reconcile', databaseUrl);
  const { store } = bench;
  const tenants = new TenantsRepository(store.db, new TokenCipher(key));
  const tenant = await tenants.connect('salesforce', sf.orgId, toStored(sf.session()));
  const connections = new SalesforceConnections({
    loginUrl: sf.loginUrl,
    clientId: sf.clientId,
    clientSecret: sf.clientSecret,
    tenants,
    inbox: new ErrorInboxRepository(store.db),
  });
  const connector = connections.connector(tenant.id);
  await connector.provision();
  sf.seedPartnerLinks({
    object: JUNCTION_OBJECT,
    opportunity: JUNCTION_FIELDS.opportunity,
    partner: JUNCTION_FIELDS.partner,
    role: JUNCTION_FIELDS.role,
    splitPercent: JUNCTION_FIELDS.split,
  });
  await tenants.updateSettings(tenant.id, {
    attributionRules: defaultRulesForStageOrder(await connector.stageOrder()),
  });
  await store.close();
  return {
    env: {
      ...bench.env,
      SALESFORCE_CLIENT_ID: sf.clientId,
      SALESFORCE_CLIENT_SECRET: sf.clientSecret,
      SALESFORCE_LOGIN_URL: sf.loginUrl,
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
      RECONCILE_ARGS: JSON.stringify(['--org', sf.orgId]),
    },
    close: bench.close,
  };
}

/**
 * The real job for Salesforce (SPEC §6): `partnerloop reconcile --org` (provisioning check, full SOQL read with
 * queryMore, mirror refresh, every feature's write-back through sObject Collections, the after-reconcile loops)
 * against a 100,000-opportunity stand-in org, twice — the second pass finds nothing changed and must write nothing.
 * Calls against the page/collection minimum; the org's daily allowance spent; wall time against the allowance-paced
 * bound (Salesforce has no per-second rate limit and sends no Retry-After: the pacer only waits when the run would
 * overdraw its share of the rolling 24-hour allowance, which a run inside it never does — the bound is then the
 * calls themselves, so wall time is reported beside the command's CPU, the figure that decides it).
 */
const bench: BenchModule = {
  name: 'salesforce-reconcile',
  description:
    'the real `partnerloop reconcile --org` against the Salesforce stand-in, twice (100k opportunities; --quick: 10k)',
  async run({ quick, log }) {
    const deals = quick ? 10_000 : 100_000;
    const out: Record<string, unknown> = { deals };
    for (const [kind, url] of benchStores()) {
      const sf = await startSalesforce({ seedDemo: { deals, seed: 2026 }, dailyApiLimit: DAILY_LIMIT });
      const key = randomBytes(32);
      const org = await prepareOrg(sf, key, url);
      try {
        const opportunities = sf.org.count('Opportunity');
        const partners = sf.demo?.truth.partnerIds.length ?? 0;
        const links = sf.org.count(JUNCTION_OBJECT);
        const pass = async (label: string) => {
          sf.resetStats();
          log(`${kind}: ${label} (${opportunities} opportunities, ${partners} partners, ${links} partner links)`);
          const report = await runWorker(org.env);
          const stats = sf.stats();
          // Reads by page: the stage list, the account partners, the partner accounts, the opportunities, the
          // junction rows; writes by collection of 200.
          const readMinimum =
            1 +
            Math.max(1, Math.ceil(sf.org.count('Partner') / QUERY_PAGE)) +
            Math.ceil(partners / QUERY_PAGE) +
            Math.ceil(opportunities / QUERY_PAGE) +
            Math.ceil(links / QUERY_PAGE);
          const writeMinimum =
            Math.ceil(report.result.deals / COLLECTION) + Math.ceil(report.result.companies / COLLECTION);
          const reads = (stats.byOperation.query ?? 0) + (stats.byOperation.queryMore ?? 0);
          const writes = stats.byOperation['collections.update'] ?? 0;
          // Everything else the command needs: describes, the stage list, provisioning's checks, the token.
          const other = stats.calls - reads - writes;
          const minimum = readMinimum + writeMinimum + other;
          return {
            calls: stats.calls,
            minimumCalls: minimum,
            callsRatio: Number((stats.calls / minimum).toFixed(4)),
            readCalls: reads,
            writeCalls: writes,
            otherCalls: other,
            dailyAllowanceUsedPct: Number(((stats.calls / DAILY_LIMIT) * 100).toFixed(3)),
            wallSeconds: Number(report.wallSeconds.toFixed(2)),
            cpuSeconds: Number(report.cpuSeconds.toFixed(2)),
            cpuSecondsPer100kDeals: Number(((report.cpuSeconds * 100_000) / deals).toFixed(2)),
            cpuRatio: Number(((report.cpuSeconds * 100_000) / deals / 10).toFixed(4)),
            cpuSecondsByThread: report.cpuSecondsByThread,
            peakRssMb: report.peakRssMb,
            maxEventLoopLagMs: report.maxEventLoopLagMs,
            dealsWritten: report.result.deals,
            companiesWritten: report.result.companies,
            byOperation: stats.byOperation,
          };
        };
        const first = await pass('first reconcile');
        const second = await pass('second reconcile (nothing changed)');
        const targets = {
          callsRatioAtMost1_05: first.callsRatio <= 1.05 && second.callsRatio <= 1.05,
          cpuAtMost10sPer100k: first.cpuSecondsPer100kDeals <= 10 && second.cpuSecondsPer100kDeals <= 10,
          secondPassWritesNothing: second.dealsWritten === 0 && second.companiesWritten === 0,
        };
        out[kind] = { opportunities, partners, links, firstPass: first, secondPass: second, targets };
      } finally {
        await org.close();
        await sf.close();
      }
    }
    return out;
  },
};

export default bench;
