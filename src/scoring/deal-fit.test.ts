import { describe, expect, it } from 'vitest';
import type { Deal } from '../model/deal.ts';
import { type DealFit, scoreDealFit, segmentsOf } from './deal-fit.ts';
import { scorePartners } from './partner-scoring.ts';
import { makeDeal, makePartner, record } from './scoring.fixtures.ts';
import { DEFAULT_SCORING_CONFIG, scoringConfigSchema } from './scoring-config.ts';
import { dealFitProperties } from './scoring-properties.ts';

const AS_OF = '2026-06-30';
const CLOSED = '2026-06-01';

/** Scores the partners, then the fit of the open deals, and returns the fit of `deal`. */
function fitFor(
  history: Deal[],
  deal: Deal,
  options: { dormant?: string[]; config?: typeof DEFAULT_SCORING_CONFIG } = {},
) {
  const ids = new Set([...history, deal].flatMap((d) => d.partners.map((p) => p.partnerId)));
  for (const id of options.dormant ?? []) ids.add(id);
  const partners = [...ids].map((id) =>
    makePartner(id, { registeredAt: options.dormant?.includes(id) ? '2020-01-01' : '2026-06-01' }),
  );
  const deals = [...history, deal];
  const partnerScores = scorePartners({ deals, partners, asOf: AS_OF, config: options.config }).partners;
  const fits = scoreDealFit({ deals, partnerScores, asOf: AS_OF, config: options.config });
  return fits.find((fit) => fit.dealId === deal.id) as DealFit;
}

describe('scoreDealFit: next-best partner', () => {
  const emea = { region: 'EMEA', products: ['Analytics'], amount: 20_000 };
  const amer = { region: 'AMER', products: ['Payments'], amount: 20_000 };

  it('given one partner winning in the deal region and product and one elsewhere, when suggesting, then the first', () => {
    const history = [...record('emeaPro', 7, 9, CLOSED, emea), ...record('amerPro', 9, 10, CLOSED, amer)];
    const deal = makeDeal({ createdAt: '2026-06-20', region: 'EMEA', products: ['Analytics'], amount: 200_000 });
    const fit = fitFor(history, deal);
    expect(fit.nextBestPartner?.partnerId).toBe('emeaPro');
    expect(fit.nextBestPartner?.reason).toBe(
      'won 7 of 9 in region EMEA; 7 of 9 with product Analytics (corrected overall win rate 73%)',
    );
    expect(fit.partnerFitScore).toBeNull();
  });

  it('given the best partner is already on the deal, when suggesting, then the next one is proposed', () => {
    const history = [...record('best', 8, 10, CLOSED, emea), ...record('second', 5, 10, CLOSED, emea)];
    const deal = makeDeal({ createdAt: '2026-06-20', partnerIds: ['best'], ...emea });
    const fit = fitFor(history, deal);
    expect(fit.nextBestPartner?.partnerId).toBe('second');
    expect(fit.partnerFitScore).toBeGreaterThan(fit.nextBestPartner?.fitScore ?? 100);
  });

  it('given 1 lucky win of 1 against 30 wins of 50 in the segment, when suggesting, then shrinkage prefers the record', () => {
    const others = Array.from({ length: 6 }, (_, i) => record(`o${i}`, 1 + i, 10, CLOSED, amer)).flat();
    const history = [...others, ...record('lucky', 1, 1, CLOSED, emea), ...record('steady', 30, 50, CLOSED, emea)];
    const fit = fitFor(history, makeDeal({ createdAt: '2026-06-20', ...emea }));
    expect(fit.nextBestPartner?.partnerId).toBe('steady');
  });

  it.each([
    {
      case: 'no partner ever closed a deal in its segments',
      deal: { region: 'APAC', products: ['Other'], amount: null },
    },
    { case: 'a deal without amount, region or product', deal: { region: null, products: [], amount: null } },
  ])('given $case, when suggesting, then there is no suggestion', ({ deal }) => {
    const history = record('emeaPro', 7, 9, CLOSED, emea);
    expect(fitFor(history, makeDeal({ createdAt: '2026-06-20', ...deal })).nextBestPartner).toBeNull();
  });

  it('given the only experienced partner is dormant, when suggesting, then none unless the tenant allows dormant', () => {
    const history = record('sleepy', 9, 10, '2025-12-01', emea);
    const deal = makeDeal({ createdAt: '2026-06-20', ...emea });
    expect(fitFor(history, deal, { dormant: ['sleepy'] }).nextBestPartner).toBeNull();
    const config = scoringConfigSchema.parse({ fit: { includeDormant: true } });
    expect(fitFor(history, deal, { dormant: ['sleepy'], config }).nextBestPartner?.partnerId).toBe('sleepy');
  });

  it('given deals closed after as-of, when suggesting, then their outcomes do not count', () => {
    const history = [...record('early', 3, 6, CLOSED, emea), ...record('future', 10, 10, '2026-08-01', emea)];
    const fit = fitFor(history, makeDeal({ createdAt: '2026-06-20', ...emea }));
    expect(fit.nextBestPartner?.partnerId).toBe('early');
  });

  it('given closed and open deals, when scoring fit, then only open deals get a result, sorted by id', () => {
    const history = record('p', 3, 4, CLOSED, emea);
    const open = [
      makeDeal({ id: 'z1', createdAt: '2026-06-20', ...emea }),
      makeDeal({ id: 'a1', createdAt: '2026-06-21', ...amer, amount: 900_000 }),
    ];
    const deals = [...history, ...open];
    const partnerScores = scorePartners({ deals, partners: [makePartner('p')], asOf: AS_OF }).partners;
    const fits = scoreDealFit({ deals, partnerScores, asOf: AS_OF });
    expect(fits.map((fit) => fit.dealId)).toEqual(['a1', 'z1']);
    expect(fits.map(dealFitProperties)).toEqual([
      { pl_partner_fit_score: '', pl_next_best_partner: '' },
      { pl_partner_fit_score: '', pl_next_best_partner: 'p' },
    ]);
  });
});

describe('segmentsOf', () => {
  it.each([
    { amount: 9_999, label: 'at under 10k' },
    { amount: 10_000, label: 'at 10k–50k' },
    { amount: 250_000, label: 'at 250k and above' },
  ])('given an amount of $amount, when placing the deal, then its band reads "$label"', ({ amount, label }) => {
    const [band] = segmentsOf(makeDeal({ amount, region: null, products: [] }), DEFAULT_SCORING_CONFIG.fit.amountBands);
    expect(band?.label).toBe(label);
  });

  it('given products in mixed case and repeated, when placing the deal, then each product is one sorted segment', () => {
    const segments = segmentsOf(makeDeal({ amount: null, region: ' emea ', products: ['b', 'A', 'B'] }), [10]);
    expect(segments.map((s) => s.key)).toEqual(['region:emea', 'product:a', 'product:b']);
  });
});

describe('scoreDealFit: partner-match rules', () => {
  // Two partners with a record in EMEA: "strong" wins more there; "regional" is a self-serve partner.
  const emea = { region: 'EMEA', products: ['Analytics'], amount: 20_000 };
  const history = () => [
    ...record('strong', 8, 10, CLOSED, emea),
    ...record('regional', 5, 10, CLOSED, emea),
    // A product specialist: wins every Analytics deal, loses every other one (so its overall record is middling).
    ...record('productPro', 20, 20, CLOSED, { region: 'AMER', products: ['Analytics'], amount: 200_000 }),
    ...record('productPro', 0, 20, CLOSED, { region: 'AMER', products: ['Other'], amount: 200_000 }),
  ];

  function suggest(matchRules: unknown, deal: Partial<Parameters<typeof makeDeal>[0]> = {}) {
    const config = scoringConfigSchema.parse({ matchRules });
    const open = makeDeal({ createdAt: '2026-06-20', ...emea, ...deal });
    const deals = [...history(), open];
    const partners = ['strong', 'regional', 'productPro'].map((id) =>
      makePartner(id, { registeredAt: '2026-06-01', type: id === 'regional' ? 'self_serve' : 'named' }),
    );
    const partnerScores = scorePartners({ deals, partners, asOf: AS_OF, config }).partners;
    return scoreDealFit({ deals, partnerScores, asOf: AS_OF, config }).find((fit) => fit.dealId === open.id)
      ?.nextBestPartner;
  }

  it.each([
    { case: 'no rules (the defaults)', rules: {}, deal: {}, expected: 'strong' },
    {
      case: 'an exclude of the best partner in the deal region',
      rules: { rules: [{ scope: { regions: ['emea'] }, action: 'exclude', partners: { ids: ['strong'] } }] },
      deal: {},
      expected: 'productPro',
    },
    {
      case: 'an exclude scoped to another region',
      rules: { rules: [{ scope: { regions: ['APAC'] }, action: 'exclude', partners: { ids: ['strong'] } }] },
      deal: {},
      expected: 'strong',
    },
    {
      case: 'a prefer of self-serve partners in the deal segment (smb < 25k)',
      rules: {
        rules: [{ scope: { segments: ['smb'] }, action: 'prefer', partners: { types: ['self_serve'] }, boost: 50 }],
      },
      deal: {},
      expected: 'regional',
    },
    {
      case: 'the same prefer on an enterprise deal',
      rules: {
        rules: [{ scope: { segments: ['smb'] }, action: 'prefer', partners: { types: ['self_serve'] }, boost: 50 }],
      },
      deal: { amount: 500_000 },
      expected: 'strong',
    },
    {
      case: 'a segment rule on a deal without an amount (segment "unknown")',
      rules: { rules: [{ scope: { segments: ['unknown'] }, action: 'exclude', partners: { ids: ['strong'] } }] },
      deal: { amount: null },
      expected: 'productPro',
    },
    {
      case: 'a prefer and an exclude of the same partner',
      rules: {
        rules: [
          { action: 'prefer', partners: { ids: ['regional'] }, boost: 100 },
          { action: 'exclude', partners: { ids: ['regional'] } },
        ],
      },
      deal: {},
      expected: 'strong',
    },
    {
      case: 'only the product dimension weighted',
      rules: { dimensionWeights: { amount: 0, region: 0, product: 1 } },
      deal: {},
      expected: 'productPro',
    },
  ])('given $case, when suggesting for an EMEA deal, then $expected', ({ rules, deal, expected }) => {
    expect(suggest(rules, deal)?.partnerId).toBe(expected);
  });

  it('given a named prefer rule decides the suggestion, then the reason names it and the fit score is the real one', () => {
    const plain = suggest({ rules: [{ action: 'exclude', partners: { ids: ['strong'] } }] });
    const preferred = suggest({
      rules: [
        { action: 'exclude', partners: { ids: ['strong'] } },
        { name: 'EMEA resellers', action: 'prefer', partners: { ids: ['regional'] }, boost: 50 },
      ],
    });
    expect(plain?.partnerId).toBe('productPro');
    expect(preferred?.partnerId).toBe('regional');
    expect(preferred?.reason).toMatch(/; preferred by rule "EMEA resellers"$/);
    expect(preferred?.fitScore).toBeLessThan(plain?.fitScore ?? 0);
  });

  it('given a prefer rule naming a partner that never worked the deal segments, then it is still not suggested', () => {
    const fit = suggest({ rules: [{ action: 'prefer', partners: { ids: ['stranger'] }, boost: 100 }] });
    expect(fit?.partnerId).toBe('strong');
  });

  it('given no rules, when scoring, then every fit equals the engine before the lever (equal weights, no boosts)', () => {
    const explicit = suggest({ dimensionWeights: { amount: 1, region: 1, product: 1 }, rules: [] });
    expect(explicit).toEqual(suggest({}));
  });
});
