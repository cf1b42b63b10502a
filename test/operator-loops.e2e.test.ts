import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorMetrics } from '../src/metrics/operator-metrics.ts';
import { coveredPeriod, periodKey, shiftPeriod } from '../src/metrics/periods.ts';
import { CADENCE_JOB } from '../sync/platform/jobs/schedules.ts';
import type { DailyResult, PeriodResult } from '../sync/reports/operator-loops.ts';
import { ReportsReadRepository } from '../sync/reports/reports-read.repo.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

/** The demo history ends 2026-06-30; as of the next day the loops cover 2026-Q2, June 2026 and ISO week 26. */
const AS_OF = '2026-07-01';

describe.each(STORES)('the Operator OS loops on an installed portal ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({ databaseUrl, sandbox: { deals: 600, seed: 5 } });
  }, 120_000);
  afterAll(async () => ctx?.close());

  const reports = () => ctx.service.features!.reports;
  const storedRows = async (loop: string) =>
    (
      await sql<{ period_key: string; version: number; reason: string }>`
        select period_key, version, reason from operator_loop_results
        where tenant_id = ${ctx.tenantId} and loop = ${loop} order by period_start, version`.execute(
        ctx.service.store.db,
      )
    ).rows;

  /** What the pure engine computes over the service's mirror, stored attributions and motions. */
  async function expectedQuarter(period = coveredPeriod('quarter', AS_OF)) {
    const hubspot = ctx.service.features!;
    const read = new ReportsReadRepository(ctx.service.store.db);
    const attributions = await read.attributions(ctx.tenantId);
    const metrics = new OperatorMetrics({
      kind: 'quarter',
      asOf: AS_OF,
      partners: await hubspot.mirror.livePartners(ctx.tenantId),
      rules: await hubspot.attribution.rules(ctx.tenantId),
      coSellDealIds: await read.dealsWithMotions(ctx.tenantId),
      attributionOf: (deal) => attributions.get(deal.id),
      trendPeriods: 6,
    });
    for (const { deal } of await hubspot.mirror.liveDeals(ctx.tenantId)) metrics.add(deal);
    const index = metrics.periods.findIndex((p) => p.start === period.start);
    return { ...metrics.periodMetrics()[index], dormantRoster: metrics.dormantRoster(period) };
  }

  it('given the first quarterly run, then the covered quarter and five before it are stored with the engine numbers', async () => {
    const outcome = await reports().loops.run(ctx.tenantId, 'quarterly', { asOf: AS_OF, reason: 'test run' });
    expect(outcome.periods.map((p) => p.periodKey)).toEqual([
      '2025-Q1',
      '2025-Q2',
      '2025-Q3',
      '2025-Q4',
      '2026-Q1',
      '2026-Q2',
    ]);
    const rows = await storedRows('quarterly');
    expect(rows.map((r) => [r.period_key, r.version])).toEqual(outcome.periods.map((p) => [p.periodKey, 1]));
    expect(rows.at(-1)?.reason).toBe('test run');
    expect(rows[0]?.reason).toBe('backfill: first run of this loop');

    const stored = await reports().results.current<PeriodResult>(ctx.tenantId, 'quarterly');
    const expected = await expectedQuarter();
    const { quarterly, ...metrics } = stored!.result;
    expect(metrics).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(
      stored!.result.partnerWinRate.named.closed + stored!.result.partnerWinRate.unattached.closed,
    ).toBeGreaterThan(0);
    expect(quarterly).toEqual({ reengage: expect.any(Array), archive: expect.any(Array) });
    for (const row of [...quarterly!.reengage, ...quarterly!.archive]) {
      expect(row.url).toBe(`https://app.hubspot.com/contacts/${ctx.portalId}/record/0-2/${row.partnerId}`);
    }
    // An earlier quarter holds that quarter's own numbers, not the latest.
    const q1 = await reports().results.current<PeriodResult>(ctx.tenantId, 'quarterly', '2026-Q1');
    expect(q1!.result.period).toEqual(shiftPeriod(coveredPeriod('quarter', AS_OF), -1));
  });

  it('given nothing changed, when the quarter is run again, then no version is added', async () => {
    const outcome = await reports().loops.run(ctx.tenantId, 'quarterly', { asOf: AS_OF });
    expect(outcome.periods).toEqual([{ periodKey: '2026-Q2', version: 1, stored: false }]);
    expect((await storedRows('quarterly')).length).toBe(6);
  });

  it('given a closed quarter whose data changed, when it is run again, then a new version keeps the old one', async () => {
    const q2 = coveredPeriod('quarter', AS_OF);
    const [row] = (
      await sql<{ deal_id: string }>`
        select deal_id from crm_deals where tenant_id = ${ctx.tenantId} and deleted_at is null
          and (deal->>'createdAt') >= ${q2.start} and (deal->>'createdAt') < ${q2.end}
          and coalesce(deal->>'type', 'new_business') in ('new_business', 'expansion')
        order by deal_id limit 1`.execute(ctx.service.store.db)
    ).rows;
    // A late edit in the store's mirror (as a webhook drain would bring): the deal's seller moves region.
    await sql`update crm_deals set deal = jsonb_set(deal, '{region}', '"Antarctica"')
      where tenant_id = ${ctx.tenantId} and deal_id = ${row!.deal_id}`.execute(ctx.service.store.db);
    const outcome = await reports().loops.run(ctx.tenantId, 'quarterly', { asOf: AS_OF, reason: 'late edits' });
    expect(outcome.periods).toEqual([{ periodKey: '2026-Q2', version: 2, stored: true }]);
    const versions = await reports().results.versions(ctx.tenantId, 'quarterly', '2026-Q2');
    expect(versions.map((v) => [v.version, v.reason])).toEqual([
      [1, 'test run'],
      [2, 'late edits (replaces version 1)'],
    ]);
    const v1 = await reports().results.version<PeriodResult>(ctx.tenantId, 'quarterly', '2026-Q2', 1);
    const v2 = await reports().results.current<PeriodResult>(ctx.tenantId, 'quarterly', '2026-Q2');
    expect(v1!.result.sellerActivation.some((r) => r.region === 'Antarctica')).toBe(false);
    expect(v2!.result.sellerActivation.some((r) => r.region === 'Antarctica')).toBe(true);
  });

  it('given two replicas ticking the monthly cadence, then the loop runs once and stores each month once', async () => {
    const tick = { cadence: 'monthly', periodKey: '2026-07' };
    await Promise.all([
      ctx.service.queue.enqueue(CADENCE_JOB, tick, { key: 'monthly:2026-07' }),
      ctx.service.queue.enqueue(CADENCE_JOB, tick, { key: 'monthly:2026-07' }),
    ]);
    await ctx.idle();
    const rows = await storedRows('monthly');
    expect(rows.map((r) => [r.period_key, r.version])).toEqual([
      ['2026-01', 1],
      ['2026-02', 1],
      ['2026-03', 1],
      ['2026-04', 1],
      ['2026-05', 1],
      ['2026-06', 1],
    ]);
    expect(rows.at(-1)?.reason).toBe('scheduled');
    const jobs = await sql<{ n: number }>`
      select count(*)::int as n from pgboss.job where name = 'reports.monthly' and state = 'completed'`.execute(
      ctx.service.store.db,
    );
    expect(jobs.rows[0]!.n).toBe(1);
  });

  it('given a co-sell motion, when the daily loop runs, then the queue and exceptions link their records', async () => {
    const open = [...ctx.sandbox.portal.records('deals')].find(
      (deal) => !deal.archived && deal.properties.hs_is_closed !== 'true',
    )!;
    const started = await ctx.signedFetch('POST', `/api/card/deals/${open.id}/cosell`, {
      programme: 'AWS ACE',
      ask: 'Register the opportunity with AWS.',
    });
    expect(started.status).toBe(201);
    await reports().loops.run(ctx.tenantId, 'daily', { asOf: AS_OF });
    const daily = (await reports().results.current<DailyResult>(ctx.tenantId, 'daily', AS_OF))!.result;
    expect(daily.queue).toContainEqual(
      expect.objectContaining({
        dealId: open.id,
        programme: 'AWS ACE',
        state: 'requested',
        reason: 'awaiting_partner_answer',
        url: `https://app.hubspot.com/contacts/${ctx.portalId}/record/0-3/${open.id}`,
      }),
    );
    expect(daily.counts.queue).toBe(daily.queue.length);
    const exceptions = await sql<{ n: number }>`
      select count(*)::int as n from deal_attributions a join crm_deals d using (tenant_id, deal_id)
      where a.tenant_id = ${ctx.tenantId} and a.status in ('missing_partner', 'conflict')
        and d.deleted_at is null and coalesce((d.deal->>'isClosed')::boolean, false) = false`.execute(
      ctx.service.store.db,
    );
    expect(daily.counts.attributionExceptions).toBe(exceptions.rows[0]!.n);
    expect(daily.attributionExceptions.every((e) => ['missing_partner', 'conflict'].includes(e.status))).toBe(true);
  });

  it('given the weekly loop, then it stores pipeline sourced by partner and the CRM-side reconciliation', async () => {
    await reports().loops.run(ctx.tenantId, 'weekly', { asOf: AS_OF });
    const week = (await reports().results.current<PeriodResult>(ctx.tenantId, 'weekly'))!;
    expect(week.periodKey).toBe('2026-W26');
    const weekly = week.result.weekly!;
    expect(weekly.sourcedByPartner.reduce((sum, p) => sum + p.deals, 0)).toBeGreaterThanOrEqual(
      week.result.pipelineSourced.deals,
    );
    expect(weekly.reconciliation.total).toBe(
      Object.values(weekly.reconciliation.byKind).reduce((sum, n) => sum + n, 0),
    );
    expect((await storedRows('weekly')).length).toBe(8);
  });

  describe('the operator API', () => {
    it('given stored loops, when reading them signed, then each loop, a period, its versions and the trend come back', async () => {
      const all = await ctx.signedFetch('GET', '/api/reports/loops');
      expect(all.status).toBe(200);
      const loops = all.body.loops as Record<string, { periodKey: string; version: number } | null>;
      expect(loops.quarterly).toMatchObject({ periodKey: '2026-Q2', version: 2 });
      expect(loops.daily).toMatchObject({ periodKey: AS_OF });

      const q1 = await ctx.signedFetch('GET', '/api/reports/loops/quarterly?period=2026-Q1');
      expect(q1.body).toMatchObject({ periodKey: '2026-Q1', period: { start: '2026-01-01', end: '2026-04-01' } });
      const v1 = await ctx.signedFetch('GET', '/api/reports/loops/quarterly?period=2026-Q2&version=1');
      expect(v1.body).toMatchObject({ version: 1, reason: 'test run' });
      const versions = await ctx.signedFetch('GET', '/api/reports/loops/quarterly/versions?period=2026-Q2');
      expect((versions.body.versions as unknown[]).length).toBe(2);

      const trend = await ctx.signedFetch('GET', '/api/reports/trend?metric=lift&period=quarter&periods=6');
      const points = trend.body.points as Array<{ periodKey: string; value: { method: string } }>;
      expect(points.map((p) => p.periodKey)).toEqual([
        '2025-Q1',
        '2025-Q2',
        '2025-Q3',
        '2025-Q4',
        '2026-Q1',
        '2026-Q2',
      ]);
      expect(points.every((p) => p.value.method === 'mantel_haenszel_rd')).toBe(true);
    });

    it('given format=csv, then the period exports as report rows and lists as tables', async () => {
      const csv = await ctx.signedFetch('GET', '/api/reports/loops/quarterly?period=2026-Q2&format=csv');
      expect(csv.status).toBe(200);
      const rows = String(csv.body.text).trim().split('\n');
      expect(rows[0]).toBe('period_start,period_end,metric,group,field,value');
      expect(rows).toContain('2026-04-01,2026-07-01,lift,,method,mantel_haenszel_rd');
      const queue = await ctx.signedFetch('GET', `/api/reports/loops/daily?period=${AS_OF}&format=csv`);
      expect(String(queue.body.text).split('\n')[0]).toMatch(/^motionId,dealId,dealName,partnerId,/);
      const trend = await ctx.signedFetch('GET', '/api/reports/trend?metric=producingPartnerRate&format=csv');
      expect(String(trend.body.text)).toContain('2026-04-01,2026-07-01,producingPartnerRate,,rate,');
    });

    it.each([
      ['/api/reports/loops/yearly', 400, 'invalid_input'],
      ['/api/reports/loops/quarterly?period=1999-Q1', 404, 'not_found'],
      ['/api/reports/loops/quarterly?version=1', 400, 'invalid_input'],
      ['/api/reports/trend?metric=vibes', 400, 'invalid_input'],
      ['/api/reports/loops/daily?period=2026-07-01&format=csv&list=nothing', 404, 'not_found'],
    ])('given GET %s, then %i in the error envelope', async (path, status, code) => {
      const response = await ctx.signedFetch('GET', path);
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
    });

    it('given another tenant with its own results, then a request signed for this portal never sees them', async () => {
      const other = await ctx.service.tenants.connect('hubspot', '777777', {
        accessToken: 'x',
        refreshToken: 'y',
        expiresAt: Date.now() + 3_600_000,
        scopes: [],
      });
      const secret = { lift: 'tenant B only' };
      await reports().results.save(
        other.id,
        'quarterly',
        '2031-Q1',
        { start: '2031-01-01', end: '2031-04-01' },
        secret,
        'b',
      );
      const latest = await ctx.signedFetch('GET', '/api/reports/loops/quarterly');
      expect(latest.body).toMatchObject({ periodKey: '2026-Q2' });
      const named = await ctx.signedFetch('GET', '/api/reports/loops/quarterly?period=2031-Q1');
      expect(named.status).toBe(404);
      const trend = await ctx.signedFetch('GET', '/api/reports/trend?metric=lift&periods=52');
      expect(JSON.stringify(trend.body)).not.toContain('tenant B only');
    });

    it('given a run request, then the loop is queued with its reason and a new version appears only if numbers changed', async () => {
      const completed = async () =>
        (
          await sql<{ n: number }>`
            select count(*)::int as n from pgboss.job where name = 'reports.monthly' and state = 'completed'`.execute(
            ctx.service.store.db,
          )
        ).rows[0]!.n;
      // The co-sell motion started above changed June's co-sell pipeline: a catch-up run may store a version.
      const first = await ctx.signedFetch('POST', '/api/reports/loops/monthly/run', {
        asOf: AS_OF,
        reason: 'catch up',
      });
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ loop: 'monthly', reason: 'catch up', jobId: expect.any(String) });
      await ctx.idle();
      const before = await storedRows('monthly');
      expect(before.filter((r) => r.period_key === '2026-06').map((r) => r.reason)).toEqual(
        expect.arrayContaining(['scheduled']),
      );
      const run = await ctx.signedFetch('POST', '/api/reports/loops/monthly/run', { asOf: AS_OF, reason: 'checking' });
      expect(run.status).toBe(202);
      await ctx.idle();
      expect(await completed()).toBe(3); // the tick's run and both requests ran
      expect(await storedRows('monthly')).toEqual(before); // the same numbers again: nothing stored
      const bad = await ctx.signedFetch('POST', '/api/reports/loops/monthly/run', { asOf: 'soon' });
      expect(bad.status).toBe(400);
    });
  });

  it('keys periods like the cadence ticks do', () => {
    expect(periodKey(coveredPeriod('week', AS_OF))).toBe('2026-W26');
  });
});
