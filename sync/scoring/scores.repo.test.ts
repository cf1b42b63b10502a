import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG } from '../../src/scoring/scoring-config.ts';
import { STORE_KINDS, testEncryptionKey } from '../../test/support/test-stores.ts';
import type { Store } from '../platform/store/database.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { TokenCipher } from '../platform/store/token-cipher.ts';
import { ScoresRepository } from './scores.repo.ts';
import { AS_OF, canonical, writerInput } from './scoring.fixtures.ts';
import { computeScoringRun, type ScoringRun } from './scoring-run.ts';

describe.each(STORE_KINDS)('scores repository on $name', (kind) => {
  let store: Store;
  let scores: ScoresRepository;
  let tenantId: string;

  beforeAll(async () => {
    store = await kind.open();
    scores = new ScoresRepository(store.db);
    const tenants = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
    tenantId = (
      await tenants.connect('hubspot', '777', { accessToken: 'a', refreshToken: 'r', expiresAt: 1, scopes: [] })
    ).id;
  });
  afterAll(async () => store?.close());

  const runOf = (input = writerInput(), asOf = AS_OF): ScoringRun =>
    computeScoringRun({ ...input, tenantId, asOf, config: DEFAULT_SCORING_CONFIG });
  const count = async (table: 'partner_scores' | 'deal_fits') =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(store.db)).rows[0]!.n;

  it('given a first run, when saved, then every partner and open deal is stored and reads back as computed', async () => {
    const run = runOf();
    const outcome = await scores.save(run, new Date('2026-06-30T02:00:00Z'));
    expect(outcome).toEqual({ partners: 3, deals: run.fits.size, removed: 0 });
    const stored = await scores.forPartners(tenantId, ['p1', 'p3', 'nobody']);
    expect([...stored.keys()].sort()).toEqual(['p1', 'p3']);
    const p1 = run.scoring.partners.find((score) => score.partnerId === 'p1')!;
    expect(stored.get('p1')).toEqual({ ...p1, asOf: AS_OF, computedAt: new Date('2026-06-30T02:00:00Z') });
    expect((await scores.ranked(tenantId)).map((score) => score.partnerId)).toEqual(
      run.scoring.partners.map((score) => score.partnerId),
    );
    const fit = run.fits.get('open-p2')!;
    expect(await scores.fitForDeal(tenantId, 'open-p2')).toEqual({
      dealId: 'open-p2',
      partnerFitScore: fit.partnerFitScore,
      nextBestPartner: fit.nextBestPartner,
      asOf: AS_OF,
      computedAt: new Date('2026-06-30T02:00:00Z'),
    });
    expect(await scores.fitForDeal(tenantId, 'renewal')).toBeUndefined();
    expect(await scores.lastRun(tenantId)).toMatchObject({ asOf: AS_OF, partners: 3, openDeals: run.fits.size });
  });

  it('given the same run again, when saved, then no row is rewritten', async () => {
    expect(await scores.save(runOf())).toEqual({ partners: 0, deals: 0, removed: 0 });
  });

  it('given one deal closed and a partner gone, when saved, then only those rows change', async () => {
    const input = writerInput();
    const deals = input.deals.map((entry) =>
      entry.deal.id === 'open-emea'
        ? canonical({ ...entry.deal, isClosed: true, isWon: false, closeDate: '2026-06-20', lossReason: 'price' })
        : entry,
    );
    const run = runOf({ ...input, deals, partners: input.partners.filter((partner) => partner.id !== 'p3') });
    const outcome = await scores.save(run);
    // p2's open deal and the fits of deals in the same segment may move; p3 and the closed deal are removed.
    expect(outcome.removed).toBe(2);
    expect(outcome.partners).toBeLessThanOrEqual(2);
    expect(await scores.fitForDeal(tenantId, 'open-emea')).toBeUndefined();
    expect((await scores.forPartners(tenantId, ['p3'])).size).toBe(0);
    expect(await count('partner_scores')).toBe(2);
    expect(await count('deal_fits')).toBe(run.fits.size);
  });

  it('given a new day, when saved, then every row carries the new as-of', async () => {
    const outcome = await scores.save(runOf(writerInput(), '2026-07-01'));
    expect(outcome.partners).toBe(3);
    expect([...(await scores.forPartners(tenantId, ['p1', 'p2', 'p3'])).values()].map((s) => s.asOf)).toEqual([
      '2026-07-01',
      '2026-07-01',
      '2026-07-01',
    ]);
  });
});
