import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardView } from '../extensions/app/cards/card-api.ts';
import { SeededRandom } from '../src/shared/seeded-random.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

/**
 * The request thread stays free (issue #20): a scoring refresh big enough to run its engine off the request thread
 * (above 5,000 deals) runs in the background while the card API is asked for deals one after another. Only requests
 * that started and ended while the refresh job was active count; the service's event-loop delay is measured over the
 * same window. Budgets are loose on purpose (a shared CI machine; the benchmark holds the tight figures): before the
 * refresh moved off the thread, one froze the service for seconds.
 */
const DEALS = 5_500;
const CARD_P95_BUDGET_MS = 250;
const CARD_MAX_BUDGET_MS = 1_000;
const LAG_MAX_BUDGET_MS = 500;

const stores: Array<[string, string | undefined]> = [['pglite', undefined]];
if (TEST_DATABASE_URL) stores.push(['postgres', TEST_DATABASE_URL]);

describe.each(stores)('the card API during a background scoring refresh (%s)', (_kind, databaseUrl) => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({
      sandbox: { deals: DEALS, seed: 2026, limits: { tenSecondly: Number.POSITIVE_INFINITY } },
      databaseUrl,
      // The refresh runs when asked (no debounce), so the window is the job's own.
      scoring: { debounceSeconds: 0 },
      // Measured here is serving, not the per-portal budget (100 requests / 10 s answers 429 beyond it).
      apiBudget: false,
      // The install reconciles 5,500 deals at HubSpot's pace; on a busy CI machine that outlasts the default wait.
      idleTimeoutMs: 200_000,
    });
  }, 300_000);
  afterAll(async () => {
    await ctx?.close();
  });

  it('given a refresh running, when sellers open cards, then each answers within budget and the loop never stalls', async () => {
    const refreshState = async () => {
      const rows = await sql<{ state: string }>`
        select state from pgboss.job where name = 'scoring.refresh' order by created_on desc limit 1`.execute(
        ctx.service.store.db,
      );
      return rows.rows[0]?.state;
    };
    const ids = [...ctx.sandbox.portal.records('deals')].map((record) => record.id);
    const random = new SeededRandom(11);
    // A changed config re-scores every partner and re-fits every open deal: real writes, not a no-op refresh.
    const saved = await ctx.signedFetch('PUT', '/api/scoring/config', { activity: { dormantAfterDays: 3650 } });
    expect(saved.status).toBe(200);
    await eventually(async () => (await refreshState()) === 'active', 30_000, 20);

    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const during: number[] = [];
    let requests = 0;
    for (;;) {
      const before = await refreshState();
      if (before !== 'active') break;
      const id = ids[Math.floor(random.next() * ids.length)] as string;
      const started = performance.now();
      const card = await ctx.signedFetch('GET', `/api/card/deals/${id}`);
      const ms = performance.now() - started;
      requests += 1;
      expect(card.status).toBe(200);
      expect((card.body as unknown as CardView).deal.id).toBe(id);
      if ((await refreshState()) === 'active') during.push(ms);
    }
    lag.disable();
    expect(await refreshState()).toBe('completed');

    during.sort((a, b) => a - b);
    const p95 = during[Math.floor(during.length * 0.95)] ?? Number.NaN;
    const max = during.at(-1) ?? Number.NaN;
    const lagMaxMs = lag.max / 1e6;
    console.log(
      `card during refresh: ${during.length}/${requests} requests inside the refresh, p95 ${p95.toFixed(1)} ms, ` +
        `max ${max.toFixed(1)} ms; event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${lagMaxMs.toFixed(1)} ms`,
    );
    // Enough requests fell inside the refresh for the figures to mean something.
    expect(during.length).toBeGreaterThanOrEqual(20);
    expect(p95).toBeLessThan(CARD_P95_BUDGET_MS);
    expect(max).toBeLessThan(CARD_MAX_BUDGET_MS);
    expect(lagMaxMs).toBeLessThan(LAG_MAX_BUDGET_MS);
    // The refresh did its work: the new config reached the CRM's partner companies.
    await ctx.idle();
    const partners = [...ctx.sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true');
    expect(partners.length).toBeGreaterThan(0);
    expect(partners.every((company) => company.properties.pl_dormant === 'false')).toBe(true);
  }, 300_000);
});
