import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PIPELINES, DEMO_PORTAL_DEFAULTS } from '../sandbox/demo/demo-portal.ts';
import { scoreDealFit } from '../src/scoring/deal-fit.ts';
import { scorePartners } from '../src/scoring/partner-scoring.ts';
import { DEFAULT_SCORING_CONFIG } from '../src/scoring/scoring-config.ts';
import { dealFitProperties, partnerScoreProperties } from '../src/scoring/scoring-properties.ts';
import { CADENCE_JOB } from '../sync/platform/jobs/schedules.ts';
import { DEAL_FIT_PROPERTIES, PARTNER_SCORE_PROPERTIES } from '../sync/scoring/scoring-run.ts';
import { type InstalledService, startInstalledService } from './support/installed-service.ts';
import { eventually, TEST_DATABASE_URL } from './support/test-stores.ts';

const STORES = [
  { name: 'pglite', databaseUrl: undefined as string | undefined },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', databaseUrl: TEST_DATABASE_URL }] : []),
];

/** The demo portal is generated as of this day: scoring on it then sees live partners, not two-year-old history. */
const AS_OF = DEMO_PORTAL_DEFAULTS.asOf;

type Values = Record<string, string>;

describe.each(STORES)('partner scores written back to the CRM ($name)', ({ databaseUrl }) => {
  let ctx: InstalledService;

  beforeAll(async () => {
    ctx = await startInstalledService({
      databaseUrl,
      sandbox: { deals: 1500, seed: 11 },
      scoring: { asOf: () => AS_OF },
    });
  }, 120_000);
  afterAll(async () => ctx?.close());

  const portal = () => ctx.sandbox.portal;
  const partnerCompanies = () =>
    [...portal().records('companies')].filter((c) => !c.archived && c.properties.pl_is_partner === 'true');
  const liveDeals = () => [...portal().records('deals')].filter((d) => !d.archived);
  /** A record's values of some properties, as HubSpot returns them (unset = ''). */
  const valuesOf = (properties: Record<string, string | undefined>, names: readonly string[]): Values =>
    Object.fromEntries(names.map((name) => [name, properties[name] ?? '']));
  const snapshot = (records: Array<{ id: string; properties: Record<string, string> }>, names: readonly string[]) =>
    new Map(records.map((record) => [record.id, valuesOf(record.properties, names)]));
  const changedIds = (before: Map<string, Values>, after: Map<string, Values>) =>
    [...after].filter(([id, values]) => JSON.stringify(before.get(id)) !== JSON.stringify(values)).map(([id]) => id);
  /** CRM write calls per route (batch updates, upserts, associations, single-record changes). */
  const writeCalls = () =>
    Object.fromEntries(
      Object.entries(ctx.sandbox.stats().routes)
        .filter(([route]) => !route.startsWith('GET ') && !/\/batch\/read$|\/search$|\/oauth\//.test(route))
        .map(([route, stats]) => [route, stats.calls]),
    );
  const companyUpdateCalls = () =>
    ctx.sandbox.stats().routes['POST /crm/objects/2026-03/companies/batch/update']?.calls ?? 0;
  const dealUpdateCalls = () => ctx.sandbox.stats().routes['POST /crm/objects/2026-03/deals/batch/update']?.calls ?? 0;

  /** What the pure engine computes over the service's copy of the portal, at the same as-of, as CRM values. */
  async function expectedValues() {
    const hubspot = ctx.service.features!;
    const deals = (await hubspot.mirror.liveDeals(ctx.tenantId)).map((entry) => entry.deal);
    const partners = await hubspot.mirror.livePartners(ctx.tenantId);
    const scoring = scorePartners({ deals, partners, asOf: AS_OF, config: DEFAULT_SCORING_CONFIG });
    const fits = scoreDealFit({ deals, partnerScores: scoring.partners, asOf: AS_OF });
    return {
      scoring,
      companies: new Map(scoring.partners.map((score) => [score.partnerId, partnerScoreProperties(score) as Values])),
      deals: new Map(fits.map((fit) => [fit.dealId, dealFitProperties(fit) as Values])),
    };
  }

  it('given the demo portal installed, when the first reconcile ran, then every partner company and open deal holds what the engine computes', async () => {
    const expected = await expectedValues();
    const partners = partnerCompanies();
    expect(partners.length).toBe(expected.companies.size);
    for (const company of partners) {
      expect(valuesOf(company.properties, PARTNER_SCORE_PROPERTIES), company.id).toEqual(
        expected.companies.get(company.id),
      );
    }
    // A believable spread, not a degenerate portal: several tiers, dormant partners, scores across the range.
    const tiers = new Set(partners.map((company) => company.properties.pl_partner_tier));
    expect(tiers.size).toBeGreaterThanOrEqual(3);
    expect(partners.some((company) => company.properties.pl_dormant === 'true')).toBe(true);

    const deals = liveDeals();
    let suggested = 0;
    for (const deal of deals) {
      const want = expected.deals.get(deal.id) ?? { pl_partner_fit_score: '', pl_next_best_partner: '' };
      expect(valuesOf(deal.properties, DEAL_FIT_PROPERTIES), deal.id).toEqual(want);
      if (want.pl_next_best_partner !== '') suggested += 1;
    }
    expect(suggested).toBeGreaterThan(10);

    // Stored for the card and operators.
    const stored = await ctx.service.features!.scoring.scores.forPartners(
      ctx.tenantId,
      partners.map((company) => company.id),
    );
    expect(stored.size).toBe(partners.length);
    const top = expected.scoring.partners[0]!;
    expect(stored.get(top.partnerId)).toMatchObject({ ...top, asOf: AS_OF });
    const openWithFit = [...expected.deals.keys()][0]!;
    expect(await ctx.service.features!.scoring.scores.fitForDeal(ctx.tenantId, openWithFit)).toMatchObject({
      dealId: openWithFit,
      asOf: AS_OF,
    });
  });

  it('given scores and fits cleared in HubSpot, when reconciled, then exactly those records are rewritten, 100 per call', async () => {
    await ctx.idle();
    const partners = partnerCompanies();
    const withFit = liveDeals().filter((deal) => (deal.properties.pl_next_best_partner ?? '') !== '');
    expect(withFit.length).toBeGreaterThan(100);
    // Our own outputs: HubSpot sends webhooks for them, which the service acknowledges and drops.
    for (const company of partners)
      portal().update('companies', company, { pl_partner_score: '' }, ctx.sandbox.userActor());
    for (const deal of withFit) portal().update('deals', deal, { pl_next_best_partner: '' }, ctx.sandbox.userActor());
    await ctx.idle();
    ctx.sandbox.resetStats();
    const result = await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect(result).toMatchObject({ companies: partners.length, deals: withFit.length });
    expect(companyUpdateCalls()).toBe(Math.ceil(partners.length / 100));
    expect(dealUpdateCalls()).toBe(Math.ceil(withFit.length / 100));
    expect(result.calls).toBe(Math.ceil(partners.length / 100) + Math.ceil(withFit.length / 100));
    const again = await ctx.service.features!.sync.reconcile(ctx.tenantId);
    expect(again).toMatchObject({ companies: 0, deals: 0, calls: 0 });
  }, 60_000);

  it('given nothing changed, when the nightly cadence reconciles again, then it makes zero CRM writes', async () => {
    await ctx.idle();
    ctx.sandbox.resetStats();
    const periodKey = `nightly:${Date.now()}`;
    await ctx.service.queue.enqueue(CADENCE_JOB, { cadence: 'nightly', periodKey }, { key: periodKey });
    // The cadence fans out to one reconcile per tenant: it reads the whole portal...
    await eventually(
      async () => (ctx.sandbox.stats().routes['GET /crm/objects/2026-03/deals']?.calls ?? 0) > 0 || undefined,
      30_000,
    );
    await ctx.idle();
    // ...and writes nothing: scores, fits and every other write-back are unchanged.
    expect(writeCalls()).toEqual({});
  }, 60_000);

  it('given an open partner deal, when a seller closes it as won in HubSpot, then the debounced refresh rewrites only what that changed', async () => {
    await ctx.idle();
    const expected = await expectedValues();
    const scoreOf = (id: string) => expected.scoring.partners.find((score) => score.partnerId === id);
    // An open new-business deal with an amount and a scored partner on it, and no seeded duplicates: closing a
    // duplicate's original rightly moves the copies' pl_duplicate_confidence, which is not what this test measures.
    const mirrored = await ctx.service.features!.mirror.liveDeals(ctx.tenantId);
    const duplicated = new Set(ctx.sandbox.demo!.truth.duplicates.flatMap((cluster) => cluster.ids));
    const target = mirrored.find(
      (entry) =>
        !entry.deal.isClosed &&
        !duplicated.has(entry.deal.id) &&
        entry.deal.type === 'new_business' &&
        (entry.deal.amount ?? 0) > 0 &&
        entry.deal.partners.length === 1 &&
        scoreOf(entry.deal.partners[0]!.partnerId) !== undefined &&
        Date.parse(entry.deal.createdAt) < Date.parse(`${AS_OF}T00:00:00Z`) - 30 * 86_400_000,
    )!;
    expect(target).toBeDefined();
    const partnerId = target.deal.partners[0]!.partnerId;
    const before = scoreOf(partnerId)!;
    const companiesBefore = snapshot(partnerCompanies(), [...PARTNER_SCORE_PROPERTIES, 'hs_lastmodifieddate']);
    const dealsBefore = snapshot(liveDeals(), [...DEAL_FIT_PROPERTIES, 'hs_lastmodifieddate']);
    ctx.sandbox.resetStats();

    const deal = portal().resolve('deals', target.deal.id)!;
    const pipeline = DEMO_PIPELINES.find((p) => p.id === (deal.properties.pipeline ?? 'default'))!;
    const won = pipeline.stages.find((stage) => stage.isWon)!;
    portal().update('deals', deal, { dealstage: won.id, closedate: '2026-06-29' }, ctx.sandbox.userActor());
    const partner = portal().resolve('companies', partnerId)!;
    await eventually(
      async () => Number(partner.properties.pl_won_revenue ?? 0) === before.wonRevenue + target.deal.amount!,
      30_000,
    );
    await ctx.idle();

    // The partner's record moved by exactly this deal; the deal itself is no longer open, so its fit is cleared.
    expect(Number(partner.properties.pl_open_pipeline ?? 0)).toBeCloseTo(before.openPipeline - target.deal.amount!, 2);
    expect(valuesOf(deal.properties, DEAL_FIT_PROPERTIES)).toEqual({
      pl_partner_fit_score: '',
      pl_next_best_partner: '',
    });

    // Only a subset was rewritten, in one call per kind, and it matches a fresh computation exactly.
    const after = await expectedValues();
    const companiesAfter = snapshot(partnerCompanies(), [...PARTNER_SCORE_PROPERTIES, 'hs_lastmodifieddate']);
    const dealsAfter = snapshot(liveDeals(), [...DEAL_FIT_PROPERTIES, 'hs_lastmodifieddate']);
    for (const company of partnerCompanies()) {
      expect(valuesOf(company.properties, PARTNER_SCORE_PROPERTIES), company.id).toEqual(
        after.companies.get(company.id),
      );
    }
    // HubSpot bumps hs_lastmodifieddate on every accepted write: a record whose values stayed was not written at all.
    const changedCompanies = changedIds(companiesBefore, companiesAfter);
    const changedDeals = changedIds(dealsBefore, dealsAfter).filter((id) => id !== deal.id);
    const sameValues = (before: Map<string, Values>, after: Map<string, Values>, id: string) => {
      const { hs_lastmodifieddate: _b, ...was } = before.get(id) ?? {};
      const { hs_lastmodifieddate: _a, ...now } = after.get(id) ?? {};
      return JSON.stringify(was) === JSON.stringify(now);
    };
    expect(changedCompanies.filter((id) => sameValues(companiesBefore, companiesAfter, id))).toEqual([]);
    expect(changedDeals.filter((id) => sameValues(dealsBefore, dealsAfter, id))).toEqual([]);
    expect(changedCompanies).toContain(partnerId);
    expect(changedCompanies.length).toBeLessThan(companiesAfter.size / 2);
    expect(changedDeals.length).toBeLessThan(expected.deals.size / 4);
    expect(companyUpdateCalls()).toBe(1);
    expect(dealUpdateCalls()).toBeLessThanOrEqual(2); // the drain's attribution write-back, then the refresh's fits
    const operators = await ctx.signedFetch('GET', '/api/scoring/partners');
    expect(operators.status).toBe(200);
    const listed = operators.body.partners as Array<{ partnerId: string; score: number; wonRevenue: number }>;
    expect(listed.find((p) => p.partnerId === partnerId)?.wonRevenue).toBe(before.wonRevenue + target.deal.amount!);
    expect(listed.map((p) => p.score)).toEqual([...listed.map((p) => p.score)].sort((a, b) => b - a));
    expect(operators.body).toMatchObject({ tenantId: ctx.tenantId, asOf: AS_OF });
  }, 60_000);

  it('given an invalid scoring config, when an admin saves it, then 400 names each problem and nothing is stored or written', async () => {
    await ctx.idle();
    const before = await ctx.signedFetch('GET', '/api/scoring/config');
    expect(before.status).toBe(200);
    expect(before.body).toEqual(JSON.parse(JSON.stringify(DEFAULT_SCORING_CONFIG)));
    ctx.sandbox.resetStats();

    const bad = await ctx.signedFetch('PUT', '/api/scoring/config', {
      activity: { dormantAfterDay: 30 },
      weights: { winRate: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: { code: 'invalid_input', message: expect.stringContaining('3 problems'), details: expect.any(Array) },
    });
    const details = (bad.body.error as { details: string[] }).details.join('\n');
    expect(details).toContain('activity.dormantAfterDay: unknown key');
    expect(details).toContain('weights.winRate');
    const notJson = await ctx.signedFetch('PUT', '/api/scoring/config', 'not an object');
    expect(notJson.status).toBe(400);

    expect((await ctx.signedFetch('GET', '/api/scoring/config')).body).toEqual(before.body);
    expect((await ctx.service.tenants.get(ctx.tenantId)).settings.scoring).toBeUndefined();
    await ctx.idle();
    expect(writeCalls()).toEqual({});
  });

  it('given a valid config, when an admin saves it, then it is audit-logged and the CRM is re-scored with it', async () => {
    await ctx.idle();
    expect(partnerCompanies().some((company) => company.properties.pl_partner_tier === 'dormant')).toBe(true);
    const saved = await ctx.signedFetch('PUT', '/api/scoring/config', { activity: { dormantAfterDays: 3650 } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ activity: { dormantAfterDays: 3650, halfLifeDays: 90 } });
    await eventually(async () => partnerCompanies().every((company) => company.properties.pl_dormant === 'false'));
    expect(partnerCompanies().some((company) => company.properties.pl_partner_tier === 'dormant')).toBe(false);
    const audit = await ctx.service.audit.forSubject(ctx.tenantId, 'tenant', ctx.tenantId);
    expect(audit.find((entry) => entry.action === 'scoring.config')).toMatchObject({
      actor: 'user:9000001',
      after: expect.objectContaining({ activity: expect.objectContaining({ dormantAfterDays: 3650 }) }),
    });
  }, 60_000);

  it('given candidate match rules, when an admin previews them, then the changed open deals come from the mirror and nothing is written; saved through PUT, the CRM follows the preview', async () => {
    await ctx.idle();
    const suggested = new Map<string, number>();
    for (const deal of liveDeals()) {
      const partner = deal.properties.pl_next_best_partner;
      if (partner) suggested.set(partner, (suggested.get(partner) ?? 0) + 1);
    }
    const [favourite, count] = [...suggested].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    expect(count).toBeGreaterThan(0);
    const config = (await ctx.signedFetch('GET', '/api/scoring/config')).body;
    const candidate = { rules: [{ name: 'not the favourite', action: 'exclude', partners: { ids: [favourite] } }] };
    const settingsBefore = (await ctx.service.tenants.get(ctx.tenantId)).settings;
    ctx.sandbox.resetStats();

    const preview = await ctx.signedFetch('POST', '/api/scoring/match-rules/preview', candidate);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ tenantId: ctx.tenantId, asOf: AS_OF, changed: count, truncated: count > 200 });
    type Side = { partnerId: string; name: string } | null;
    const changes = preview.body.changes as Array<{
      dealId: string;
      dealName: string;
      before: Side;
      after: Side;
      reason: string;
    }>;
    expect(changes).toHaveLength(Math.min(count, 200));
    const dealById = (id: string) => liveDeals().find((deal) => deal.id === id);
    for (const change of changes) {
      expect(dealById(change.dealId)?.properties.pl_next_best_partner).toBe(favourite);
      expect(change.before?.partnerId).toBe(favourite);
      expect(change.after?.partnerId).not.toBe(favourite);
      expect(change.reason).toContain('is excluded by rule "not the favourite"');
      expect(change.dealName).toBe(dealById(change.dealId)?.properties.dealname);
    }
    const invalid = await ctx.signedFetch('POST', '/api/scoring/match-rules/preview', {
      rules: [{ action: 'exclude' }],
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body.error as { details: string[] }).details).toContain(
      'rules.0.partners: Invalid input: expected object, received undefined',
    );
    await ctx.idle();
    expect(writeCalls()).toEqual({});
    expect((await ctx.service.tenants.get(ctx.tenantId)).settings).toEqual(settingsBefore);

    const saved = await ctx.signedFetch('PUT', '/api/scoring/config', { ...config, matchRules: candidate });
    expect(saved.status).toBe(200);
    await eventually(async () =>
      changes.every(
        (change) => dealById(change.dealId)?.properties.pl_next_best_partner === (change.after?.partnerId ?? ''),
      ),
    );
    expect(liveDeals().some((deal) => deal.properties.pl_next_best_partner === favourite)).toBe(false);
    await ctx.idle();
  }, 90_000);
});
