import { demoObjects } from '../sandbox/demo/demo-objects.ts';
import { generateDemoPortal } from '../sandbox/demo/demo-portal.ts';
import { readPortal } from '../src/crm/hubspot/hubspot-portal-reader.ts';
import { batchUpdateConnectors } from '../src/crm/hubspot/testing/batch-update-connector.ts';
import { DEFAULT_SCORING_CONFIG } from '../src/scoring/scoring-config.ts';
import { CrmMirrorRepository } from '../sync/crm/crm-mirror.repo.ts';
import { CrmTenantSync } from '../sync/crm/tenant-sync.ts';
import { createLogger } from '../sync/platform/log/logger.ts';
import { AuditLogRepository } from '../sync/platform/store/audit-log.repo.ts';
import { openStore } from '../sync/platform/store/database.ts';
import { migrateToLatest } from '../sync/platform/store/migrate.ts';
import { TenantsRepository } from '../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../sync/platform/store/token-cipher.ts';
import { createScoringFeatures } from '../sync/scoring/scoring.module.ts';
import { computeScoringRun, dealFitValues, partnerScoreValues } from '../sync/scoring/scoring-run.ts';
import type { BenchModule } from './bench-module.ts';
import { measure } from './support/measure.ts';

/**
 * The CPU the partner-score write-back adds to a full pass of a large portal (SPEC §6: a 100k-deal reconcile has a
 * local CPU budget of 10 s), measured without the CRM: the demo portal is read into the canonical model in memory,
 * then (1) the pure scoring run, (2) the scoring writers in a reconcile-style write-back (compute, store, compare;
 * first pass writes every partner and open deal, second pass nothing), and (3) a refresh from the mirror (what the
 * debounced job after webhooks runs: it also loads every deal from the store). CRM writes go to a counting fake.
 */

const bench: BenchModule = {
  name: 'scoring-writeback',
  description: 'partner-score write-back CPU over a 100k-deal portal (--quick: 10k): run, reconcile share, refresh',
  async run({ quick, log }) {
    const dealCount = quick ? 10_000 : 100_000;
    const demo = generateDemoPortal({ deals: dealCount, seed: 2026 });
    const snapshot = await readPortal(demoObjects(demo));
    const asOf = demo.asOf;
    log(`portal: ${snapshot.deals.length} deals, ${snapshot.partners.length} partners (as of ${asOf})`);

    // (1) The pure run: partner scores + the fit of every open deal, then the CRM values.
    const pure = await measure(async () => {
      const run = computeScoringRun({
        tenantId: 't',
        deals: snapshot.deals,
        partners: snapshot.partners,
        asOf,
        config: DEFAULT_SCORING_CONFIG,
      });
      return { run, companies: partnerScoreValues(run).size, deals: dealFitValues(run, snapshot.deals).size };
    });
    log(`pure run: ${pure.cpuMs} ms CPU (${pure.result.run.fits.size} open deals)`);

    const store = await openStore({ dataDir: 'memory://' });
    try {
      await migrateToLatest(store.db);
      const logger = createLogger('silent');
      const tenants = new TenantsRepository(store.db, new TokenCipher(Buffer.alloc(32, 9)));
      const tenantId = (
        await tenants.connect('hubspot', String(demo.portalId), {
          accessToken: 'a',
          refreshToken: 'r',
          expiresAt: 1,
          scopes: [],
        })
      ).id;
      const mirror = new CrmMirrorRepository(store.db);
      await mirror.upsertPartners(tenantId, snapshot.partners, snapshot.partnerProperties);
      await mirror.upsertDeals(tenantId, snapshot.deals);
      const scoring = createScoringFeatures(
        store.db,
        { tenants, audit: new AuditLogRepository(store.db), logger },
        { asOf: () => asOf },
      );
      let written = 0;
      const sync = new CrmTenantSync({
        crm: batchUpdateConnectors(async (_type, inputs) => {
          written += inputs.length;
          return Math.ceil(inputs.length / 100);
        }),
        mirror,
        logger,
        writers: scoring.dealWriters,
        companyWriters: scoring.companyWriters,
      });

      // (2) Inside a reconcile: the writers over the deals just read (no store read of the deals).
      const reconcilePass = () =>
        measure(() =>
          sync.writeBack(tenantId, snapshot.deals, snapshot.partners, true, {
            partnerProperties: snapshot.partnerProperties,
          }),
        );
      const firstPass = await reconcilePass();
      log(`reconcile share, first pass: ${firstPass.cpuMs} ms CPU, ${firstPass.result.calls} calls`);
      // The CRM now holds what was written: the next full read would return it (new values objects, as a read gives).
      for (const entry of snapshot.deals) {
        entry.properties = { ...entry.properties, ...dealFitValues(pure.result.run, [entry]).get(entry.deal.id) };
      }
      for (const [id, values] of partnerScoreValues(pure.result.run)) {
        Object.assign(snapshot.partnerProperties.get(id) ?? {}, values);
      }
      const secondPass = await reconcilePass();
      log(`reconcile share, second pass: ${secondPass.cpuMs} ms CPU, ${secondPass.result.calls} calls`);

      // (3) The debounced refresh after webhooks: everything from the store, nothing changed. Most of it is loading
      // the mirror (every deal's JSON), measured on its own first.
      const mirrorLoad = await measure(() => mirror.liveDeals(tenantId));
      log(`mirror load: ${mirrorLoad.cpuMs} ms CPU, ${mirrorLoad.wallMs} ms wall (${mirrorLoad.result.length} deals)`);
      written = 0;
      const refresh = await measure(() => sync.refreshFromMirror(tenantId));
      log(`refresh from the mirror: ${refresh.cpuMs} ms CPU, ${refresh.wallMs} ms wall, ${refresh.result.calls} calls`);

      const per100k = (ms: number) => Number(((ms / 1000) * (100_000 / dealCount)).toFixed(2));
      const budgetSeconds = 10;
      return {
        deals: snapshot.deals.length,
        partners: snapshot.partners.length,
        openDeals: pure.result.run.fits.size,
        pureRun: { cpuMs: pure.cpuMs, wallMs: pure.wallMs, cpuSecondsPer100kDeals: per100k(pure.cpuMs) },
        reconcileFirstPass: {
          cpuMs: firstPass.cpuMs,
          wallMs: firstPass.wallMs,
          cpuSecondsPer100kDeals: per100k(firstPass.cpuMs),
          ...firstPass.result,
        },
        reconcileSecondPass: {
          cpuMs: secondPass.cpuMs,
          wallMs: secondPass.wallMs,
          cpuSecondsPer100kDeals: per100k(secondPass.cpuMs),
          ...secondPass.result,
        },
        mirrorLoad: { cpuMs: mirrorLoad.cpuMs, wallMs: mirrorLoad.wallMs },
        refreshFromMirror: {
          cpuMs: refresh.cpuMs,
          wallMs: refresh.wallMs,
          cpuSecondsPer100kDeals: per100k(refresh.cpuMs),
          ...refresh.result,
          recordsWritten: written,
        },
        reconcileCpuBudgetSecondsPer100k: budgetSeconds,
        scoringShareOfBudget: Number((per100k(firstPass.cpuMs) / budgetSeconds).toFixed(3)),
        targets: { secondPassWritesNothing: secondPass.result.calls === 0 && refresh.result.calls === 0 },
      };
    } finally {
      await store.close();
    }
  },
};

export default bench;
