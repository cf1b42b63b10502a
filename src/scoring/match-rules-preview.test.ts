import { describe, expect, it } from 'vitest';
import { previewMatchRules } from './match-rules-preview.ts';
import { scorePartners } from './partner-scoring.ts';
import { makeDeal, makePartner, record } from './scoring.fixtures.ts';
import { DEFAULT_SCORING_CONFIG, parseMatchRules } from './scoring-config.ts';

const AS_OF = '2026-06-30';
const CLOSED = '2026-06-01';

describe('previewMatchRules', () => {
  const emea = { region: 'EMEA', products: ['Analytics'], amount: 20_000 };
  const amer = { region: 'AMER', products: ['Payments'], amount: 200_000 };
  const history = [
    ...record('strong', 8, 10, CLOSED, emea),
    ...record('second', 5, 10, CLOSED, emea),
    ...record('amerPro', 9, 10, CLOSED, amer),
  ];
  const openEmea = makeDeal({ id: 'open-emea', createdAt: '2026-06-20', ...emea });
  const openAmer = makeDeal({ id: 'open-amer', createdAt: '2026-06-20', ...amer });
  const deals = [...history, openEmea, openAmer];
  const partnerScores = scorePartners({
    deals,
    partners: ['strong', 'second', 'amerPro'].map((id) => makePartner(id, { registeredAt: '2026-06-01' })),
    asOf: AS_OF,
  }).partners;
  const names: Record<string, string> = { strong: 'Strong Ltd', second: 'Second GmbH', amerPro: 'Amer Pro' };
  const run = (candidate: unknown) =>
    previewMatchRules({
      deals,
      partnerScores,
      asOf: AS_OF,
      config: DEFAULT_SCORING_CONFIG,
      candidate: parseMatchRules(candidate),
      nameOf: (id) => names[id] ?? id,
    });

  it('given the same rules as today, when previewing, then nothing changes', () => {
    expect(run({})).toEqual({ openDeals: 2, changes: [] });
  });

  it('given an exclude of the EMEA favourite, when previewing, then only the EMEA deal changes, with the rule as reason', () => {
    const preview = run({
      rules: [
        { name: 'no Strong in EMEA', scope: { regions: ['EMEA'] }, action: 'exclude', partners: { ids: ['strong'] } },
      ],
    });
    expect(preview.changes).toHaveLength(1);
    expect(preview.changes[0]).toMatchObject({
      dealId: 'open-emea',
      before: { partnerId: 'strong' },
      after: { partnerId: 'second' },
      reason: 'Strong Ltd is excluded by rule "no Strong in EMEA"',
    });
  });

  it('given every EMEA candidate excluded, when previewing, then the deal loses its suggestion and says why', () => {
    const preview = run({
      rules: [{ scope: { regions: ['emea'] }, action: 'exclude', partners: { ids: ['strong', 'second'] } }],
    });
    expect(preview.changes).toEqual([
      expect.objectContaining({
        dealId: 'open-emea',
        after: null,
        reason: 'Strong Ltd is excluded by rule 1; no eligible partner is left for this deal',
      }),
    ]);
  });

  it('given a prefer of the runner-up, when previewing, then the reason names the preferring rule', () => {
    const preview = run({ rules: [{ action: 'prefer', partners: { ids: ['second'] }, boost: 60 }] });
    expect(preview.changes.map((c) => [c.dealId, c.after?.partnerId, c.reason])).toEqual([
      ['open-emea', 'second', 'Second GmbH is preferred by rule 1'],
    ]);
  });
});
