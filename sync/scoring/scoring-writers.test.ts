import { describe, expect, it } from 'vitest';
import { batchUpdateConnectors } from '../../src/crm/hubspot/testing/batch-update-connector.ts';
import { scoreDealFit } from '../../src/scoring/deal-fit.ts';
import { scorePartners } from '../../src/scoring/partner-scoring.ts';
import { DEFAULT_SCORING_CONFIG } from '../../src/scoring/scoring-config.ts';
import { dealFitProperties, partnerScoreProperties } from '../../src/scoring/scoring-properties.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import { CrmTenantSync } from '../crm/tenant-sync.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Tenant, TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { ScoresRepository } from './scores.repo.ts';
import { AS_OF, TENANT, writerInput } from './scoring.fixtures.ts';
import { ScoringService, tenantScoringConfig } from './scoring.service.ts';
import { computeScoringRun, dealFitValues, partnerScoreValues } from './scoring-run.ts';
import { dealFitWriter, partnerScoresWriter } from './scoring-writers.ts';

function tenantWith(settings: Record<string, unknown>): Tenant {
  return {
    id: TENANT,
    provider: 'hubspot',
    externalId: '777',
    status: 'active',
    settings,
    createdAt: new Date(0),
    disconnectedAt: null,
    disconnectReason: null,
  };
}

/** A service over fakes: the tenant's settings, and a store that counts saves. */
function service(settings: Record<string, unknown> = {}) {
  const saved: string[] = [];
  const warnings: string[] = [];
  const logger = createLogger('silent');
  logger.warn = ((_: unknown, message: string) => {
    warnings.push(message);
  }) as typeof logger.warn;
  const scoring = new ScoringService({
    tenants: { find: async () => tenantWith(settings) } as unknown as TenantsRepository,
    scores: {
      save: async (run: { asOf: string }) => {
        saved.push(run.asOf);
        return { partners: 0, deals: 0, removed: 0 };
      },
    } as unknown as ScoresRepository,
    audit: {} as AuditLogRepository,
    logger,
    asOf: () => AS_OF,
  });
  return { scoring, saved, warnings };
}

describe('scoring run: which deals get fit values', () => {
  const input = writerInput();
  const run = computeScoringRun({ ...input, asOf: AS_OF, config: DEFAULT_SCORING_CONFIG });
  const values = dealFitValues(run, input.deals);

  it.each([
    { case: 'an open deal without partners', dealId: 'open-emea', fit: true, suggested: 'p1' },
    { case: 'an open deal with p2 on it', dealId: 'open-p2', fit: true, suggested: 'p1' },
    { case: 'a deal won after as-of (open at as-of)', dealId: 'won-later', fit: true, suggested: 'p1' },
    { case: 'a renewal (not new business)', dealId: 'renewal', fit: false, suggested: '' },
    { case: 'a deal created after as-of', dealId: 'future', fit: false, suggested: '' },
  ])('given $case, when the run maps deals, then fit values are present: $fit', ({ dealId, fit, suggested }) => {
    expect(run.fits.has(dealId)).toBe(fit);
    expect(values.get(dealId)?.pl_next_best_partner).toBe(suggested);
  });

  it('given closed deals, when the run maps deals, then their values are empty (a stale suggestion is cleared)', () => {
    const closed = input.deals.filter((entry) => entry.deal.isClosed && entry.deal.id !== 'won-later');
    expect(closed.length).toBeGreaterThan(0);
    for (const entry of closed) {
      expect(values.get(entry.deal.id)).toEqual({ pl_partner_fit_score: '', pl_next_best_partner: '' });
    }
  });

  it('given the run, when compared with the pure engine on the same deals and as-of, then it is the same', () => {
    const deals = input.deals.map((entry) => entry.deal);
    const scoring = scorePartners({ deals, partners: input.partners, asOf: AS_OF });
    expect(run.scoring).toEqual(scoring);
    const fits = scoreDealFit({ deals, partnerScores: scoring.partners, asOf: AS_OF });
    expect([...run.fits.values()]).toEqual(fits);
    expect(values.get('open-p2')).toEqual(dealFitProperties(fits.find((fit) => fit.dealId === 'open-p2')!));
  });

  it('given a roster listing a partner twice, when scoring, then the run scores it once instead of failing', () => {
    const twice = computeScoringRun({
      ...input,
      partners: [...input.partners, input.partners[0]!],
      asOf: AS_OF,
      config: DEFAULT_SCORING_CONFIG,
    });
    expect(twice.scoring.partners.map((score) => score.partnerId).sort()).toEqual(['p1', 'p2', 'p3']);
  });
});

describe('scoring writers', () => {
  it.each([
    { writer: 'partner scores', make: partnerScoresWriter },
    { writer: 'deal fit', make: dealFitWriter },
  ])(
    'given a webhook pass (not full), when the $writer writer runs, then it wants nothing and scores nothing',
    async ({ make }) => {
      const { scoring, saved } = service();
      expect((await make(scoring).desired(writerInput({ full: false }))).size).toBe(0);
      expect(saved).toEqual([]);
    },
  );

  it('given a full pass, when both writers run on its input, then the scoring is computed and stored once', async () => {
    const { scoring, saved } = service();
    const input = writerInput();
    const companies = await partnerScoresWriter(scoring).desired(input);
    const deals = await dealFitWriter(scoring).desired(input);
    expect(saved).toEqual([AS_OF]);
    expect([...companies.keys()].sort()).toEqual(['p1', 'p2', 'p3']);
    expect(deals.size).toBe(input.deals.length);
    const expected = scorePartners({ deals: input.deals.map((e) => e.deal), partners: input.partners, asOf: AS_OF });
    for (const score of expected.partners)
      expect(companies.get(score.partnerId)).toEqual(partnerScoreProperties(score));
    expect(companies.get('p3')).toMatchObject({ pl_dormant: 'true', pl_partner_tier: 'dormant' });
  });

  it('given two full passes, even over the same deals, when the writers run, then each pass computes its own scoring', async () => {
    const { scoring, saved } = service();
    const input = writerInput();
    await partnerScoresWriter(scoring).desired(input);
    await partnerScoresWriter(scoring).desired({ ...input });
    expect(saved).toHaveLength(2);
  });

  it('given a tenant config, when writing, then its thresholds apply', async () => {
    const { scoring } = service({ scoring: { activity: { dormantAfterDays: 5000 } } });
    const companies = await partnerScoresWriter(scoring).desired(writerInput());
    expect(companies.get('p3')).toMatchObject({ pl_dormant: 'false' });
  });

  it('given a stored config that no longer parses, when writing, then the defaults apply with a warning', async () => {
    const { scoring, warnings } = service({ scoring: { activity: { dormantAfterDay: 5 } } });
    const companies = await partnerScoresWriter(scoring).desired(writerInput());
    expect(companies.get('p3')).toMatchObject({ pl_dormant: 'true' });
    expect(warnings).toEqual(['stored scoring config is invalid; scoring with the defaults']);
  });
});

describe('scoring writers in the sync', () => {
  it('given a full write-back pass, when the sync runs both writers, then it scores once and writes only differences', async () => {
    const { scoring, saved } = service();
    const batches: Array<{ type: string; ids: string[] }> = [];
    const sync = new CrmTenantSync({
      crm: batchUpdateConnectors(async (type, inputs) => {
        batches.push({ type, ids: inputs.map((input) => input.id) });
        return Math.ceil(inputs.length / 100);
      }),
      mirror: {
        recordDealValues: async () => undefined,
        recordPartnerValues: async () => undefined,
        dealsByIds: async () => [],
      } as unknown as CrmMirrorRepository,
      logger: createLogger('silent'),
      writers: [dealFitWriter(scoring)],
      companyWriters: [partnerScoresWriter(scoring)],
    });
    const { deals, partners } = writerInput();
    // p2 already holds its values in the CRM; p1 and p3 hold nothing yet.
    const run = computeScoringRun({ tenantId: TENANT, deals, partners, asOf: AS_OF, config: DEFAULT_SCORING_CONFIG });
    const partnerProperties = new Map([
      ['p1', {}],
      ['p2', partnerScoreValues(run).get('p2') ?? {}],
      ['p3', {}],
    ]);
    const result = await sync.writeBack(TENANT, deals, partners, true, { partnerProperties });
    expect(saved).toEqual([AS_OF]);
    expect(result).toEqual({ deals: run.fits.size, companies: 2, calls: 2 });
    expect(batches.find((batch) => batch.type === 'companies')?.ids.sort()).toEqual(['p1', 'p3']);
    expect(batches.find((batch) => batch.type === 'deals')?.ids.sort()).toEqual([...run.fits.keys()].sort());
  });
});

describe('tenantScoringConfig', () => {
  it.each([
    { case: 'no tenant', tenant: undefined, dormantAfterDays: 90 },
    { case: 'no stored config', tenant: tenantWith({}), dormantAfterDays: 90 },
    {
      case: 'an override',
      tenant: tenantWith({ scoring: { activity: { dormantAfterDays: 30 } } }),
      dormantAfterDays: 30,
    },
    { case: 'an invalid stored config', tenant: tenantWith({ scoring: 'nonsense' }), dormantAfterDays: 90 },
  ])(
    'given $case, when reading the config, then dormancy is after $dormantAfterDays days',
    ({ tenant, dormantAfterDays }) => {
      expect(tenantScoringConfig(tenant).activity.dormantAfterDays).toBe(dormantAfterDays);
    },
  );
});
