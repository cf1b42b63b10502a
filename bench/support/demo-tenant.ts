import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoObjects } from '../../sandbox/demo/demo-objects.ts';
import { generateDemoPortal } from '../../sandbox/demo/demo-portal.ts';
import { DEFAULT_ATTRIBUTION_RULES } from '../../src/attribution/attribution-rules.ts';
import { hubspotRecordLinks } from '../../src/crm/hubspot/hubspot-links.ts';
import { readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import { DEFAULT_SCORING_CONFIG } from '../../src/scoring/scoring-config.ts';
import { CoSellMotionsRepository } from '../../sync/cosell/motions.repo.ts';
import { CrmMirrorRepository } from '../../sync/crm/crm-mirror.repo.ts';
import type { Logger } from '../../sync/platform/log/logger.ts';
import { openStore } from '../../sync/platform/store/database.ts';
import { migrateToLatest } from '../../sync/platform/store/migrate.ts';
import { TenantsRepository } from '../../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../../sync/platform/store/token-cipher.ts';
import { LoopResultsRepository } from '../../sync/reports/loop-results.repo.ts';
import { OperatorLoops } from '../../sync/reports/operator-loops.ts';
import { ReportsReadRepository } from '../../sync/reports/reports-read.repo.ts';
import { ScoresRepository } from '../../sync/scoring/scores.repo.ts';

/**
 * A demo portal of `deals` deals read through the real mapping and mirrored for one tenant on a disk-backed embedded
 * database (as `npm start` keeps it: PGlite's in-memory filesystem grows by copying and would skew the figures), with
 * the repositories and the operator loops the benchmarks drive. `close` removes everything.
 */
export async function openDemoTenant(options: { deals: number; label: string; logger: Logger }) {
  const demo = generateDemoPortal({ deals: options.deals, seed: 2026 });
  const snapshot = await readPortal(demoObjects(demo));
  const asOf = demo.asOf;
  const dataDir = await mkdtemp(join(tmpdir(), `pl-bench-${options.label}-`));
  const store = await openStore({ dataDir });
  const close = async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await migrateToLatest(store.db);
    const tenants = new TenantsRepository(store.db, new TokenCipher(Buffer.alloc(32, 9)));
    const credentials = { accessToken: 'a', refreshToken: 'r', expiresAt: 1, scopes: [] };
    const tenantId = (await tenants.connect('hubspot', String(demo.portalId), credentials)).id;
    const mirror = new CrmMirrorRepository(store.db);
    await mirror.upsertPartners(tenantId, snapshot.partners, snapshot.partnerProperties);
    await mirror.upsertDeals(tenantId, snapshot.deals);
    const motions = new CoSellMotionsRepository(store.db);
    const scores = new ScoresRepository(store.db);
    const results = new LoopResultsRepository(store.db);
    const now = new Date(`${asOf}T12:00:00Z`);
    const loops = new OperatorLoops({
      results,
      read: new ReportsReadRepository(store.db),
      tenants,
      rules: async () => DEFAULT_ATTRIBUTION_RULES,
      scoringConfig: async () => DEFAULT_SCORING_CONFIG,
      livePartners: (id) => mirror.livePartners(id),
      motionQueue: (id) => motions.queue(id, now),
      cosellStatuses: (id) => motions.statusesForDeals(id, 'all', now),
      partnerScores: (id) => scores.ranked(id),
      links: () => hubspotRecordLinks(demo.portalId),
      logger: options.logger,
      now: () => now,
    });
    return { demo, snapshot, asOf, now, store, tenants, tenantId, mirror, scores, results, loops, close };
  } catch (error) {
    await close();
    throw error;
  }
}
