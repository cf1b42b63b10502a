import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../../test/support/test-stores.ts';
import { AttributionRepository } from '../attribution/attribution.repo.ts';
import { seedDeals, seedPartners, seedTenant } from '../cosell/cosell.fixtures.ts';
import { CoSellMotionsRepository } from '../cosell/motions.repo.ts';
import { CrmMirrorRepository, rosterVersionOf } from '../crm/crm-mirror.repo.ts';
import { DedupeRepository } from '../dedupe/dedupe.repo.ts';
import type { Store } from '../platform/store/database.ts';
import { ScoresRepository } from '../scoring/scores.repo.ts';
import { CardRepository } from './card.repo.ts';

describe.each(STORE_KINDS)('the card view read on $name', (kind) => {
  let store: Store;
  let cards: CardRepository;
  let mirror: CrmMirrorRepository;
  let tenant: string;
  let other: string;

  const tagPartner = async (tenantId: string, dealId: string, partnerId: string, role: string) => {
    await sql`update crm_deals set deal = jsonb_set(deal, '{partners}', deal->'partners' || ${JSON.stringify([
      { partnerId, role, splitPct: null },
    ])}::jsonb) where tenant_id = ${tenantId} and deal_id = ${dealId}`.execute(store.db);
  };
  const score = async (tenantId: string, partnerId: string, tier: string, value: number) => {
    await sql`insert into partner_scores (tenant_id, partner_id, partner_type, score, tier, win_rate, win_rate_low,
        raw_win_rate, closed_deals, won_deals, open_deals, won_revenue, avg_deal_size, open_pipeline,
        avg_days_to_close, activity, last_opportunity_at, days_since_last_opportunity, recent_opportunities,
        baseline_opportunities, dormant, decaying, components, as_of, fingerprint)
      values (${tenantId}, ${partnerId}, 'named', ${value}, ${tier}, 0.5, 0.4, null, 4, 2, 1, 1000, 500, 100, 30, 1,
        null, null, 1, 1, false, false, '{}'::jsonb, '2026-12-01', 'f')`.execute(store.db);
  };

  beforeAll(async () => {
    store = await kind.open();
    cards = new CardRepository(store.db);
    mirror = new CrmMirrorRepository(store.db);
    tenant = await seedTenant(store, '7001');
    other = await seedTenant(store, '7002');
    await seedDeals(store, tenant, [
      {
        id: 'd-main',
        name: 'Globex platform',
        amount: 50_000,
        properties: {
          pl_dedupe_status: 'possible',
          pipeline: 'default',
          partner_registration_status: 'approved',
          dealname: 'Globex platform',
          amount: '50000',
          hs_lastmodifieddate: '2026-12-01T10:00:00.000Z',
        },
      },
      { id: 'd-twin', name: 'Globex platform (copy)', amount: 50_000 },
      { id: 'd-gone', name: 'Deleted twin' },
      { id: 'd-plain', name: 'Nothing stored' },
      { id: 'd-closed', name: 'Closed deal', isClosed: true },
    ]);
    await seedDeals(store, other, [{ id: 'd-main', name: 'Their deal' }]);
    await seedPartners(store, tenant, { 'p-acme': 'Acme', 'p-beta': 'Beta' });
    await tagPartner(tenant, 'd-main', 'p-acme', 'sourced');
    await tagPartner(tenant, 'd-main', 'p-beta', 'influenced');
    await score(tenant, 'p-acme', 'gold', 82);
    await score(tenant, 'p-beta', 'bronze', 20);
    await score(other, 'p-acme', 'platinum', 99);
    const attributions = new AttributionRepository(store.db);
    await attributions.setSplit(tenant, 'd-main', 'p-acme', 'sourced', 60, 'test');
    await attributions.record(tenant, [
      {
        dealId: 'd-closed',
        result: { status: 'complete', partnerInvolved: true, issues: [] } as never,
        closedPartners: [{ partnerId: 'p-acme', role: 'sourced', splitPct: 100 }],
      },
    ]);
    await new CoSellMotionsRepository(store.db).start(
      tenant,
      'd-main',
      { partnerId: 'p-acme', ask: 'Intro please', programme: null } as never,
      { actor: 'Dana', ownerId: 'u-1', now: new Date('2026-12-01T00:00:00Z') },
    );
    await sql`insert into deal_fits (tenant_id, deal_id, partner_fit_score, next_best_partner_id,
        next_best_fit_score, next_best_reason, as_of, fingerprint)
      values (${tenant}, 'd-main', 70, 'p-beta', 64, 'wins in this segment', '2026-12-01', 'f')`.execute(store.db);
    await new DedupeRepository(store.db).replace(tenant, null, [
      {
        survivor: 'd-main',
        ids: ['d-gone', 'd-main', 'd-twin'],
        kind: 'duplicate',
        confidence: 0.93,
        reasons: ['same account', 'same amount'],
      } as never,
    ]);
    await mirror.markDeleted(tenant, 'deals', ['d-gone']);
    // d-old was merged into d-mid, which was merged into d-main; a cycle elsewhere must not loop.
    await mirror.addAlias(tenant, 'deals', 'd-old', 'd-mid');
    await mirror.addAlias(tenant, 'deals', 'd-mid', 'd-main');
    await mirror.addAlias(tenant, 'deals', 'd-loop-a', 'd-loop-b');
    await mirror.addAlias(tenant, 'deals', 'd-loop-b', 'd-loop-a');
  });
  afterAll(async () => {
    await store?.close();
  });

  it('given a deal with every input stored, then one read returns each of them, the same as the per-table reads', async () => {
    const inputs = await cards.inputs(tenant, 'd-main');
    expect(inputs).toBeDefined();
    expect(inputs!.deal.deal.id).toBe('d-main');
    expect(inputs!.deal.deal.partners.map((p) => p.partnerId)).toEqual(['p-acme', 'p-beta']);
    // Only the raw values the card reads (the evaluation's and the duplicate status), those the deal has.
    expect(inputs!.deal.properties).toStrictEqual({
      pl_dedupe_status: 'possible',
      pipeline: 'default',
      partner_registration_status: 'approved',
    });
    expect(inputs!.splits).toEqual(
      (await new AttributionRepository(store.db).splits(tenant, ['d-main'])).get('d-main'),
    );
    expect(inputs!.splits).toEqual([{ partnerId: 'p-acme', role: 'sourced', splitPct: 60 }]);
    expect(inputs!.hasMotions).toBe(true);
    const stored = await new ScoresRepository(store.db).forPartners(tenant, ['p-acme', 'p-beta']);
    expect(Object.fromEntries(inputs!.scores)).toEqual(
      Object.fromEntries([...stored].map(([id, s]) => [id, { tier: s.tier, score: s.score }])),
    );
    expect(inputs!.scores.get('p-acme')).toEqual({ tier: 'gold', score: 82 });
    expect(inputs!.fit).toEqual({ partnerId: 'p-beta', fitScore: 64, reason: 'wins in this segment' });
    expect(inputs!.duplicates).toEqual({
      memberIds: ['d-gone', 'd-main', 'd-twin'],
      kind: 'duplicate',
      confidence: 0.93,
      reasons: ['same account', 'same amount'],
      // Deleted members keep their place in the cluster but have no name (the card shows the id).
      names: new Map([
        ['d-main', 'Globex platform'],
        ['d-twin', 'Globex platform (copy)'],
      ]),
    });
    const version = await rosterVersionOf(tenant).execute(store.db);
    expect(inputs!.rosterVersion).toBe(version.rows[0]?.version);
    expect((await mirror.rosterAt(tenant, inputs!.rosterVersion)).map((p) => p.name)).toEqual(['Acme', 'Beta']);
  });

  it('given a deal with nothing stored beside it, then its inputs are empty, not missing', async () => {
    const inputs = await cards.inputs(tenant, 'd-plain');
    expect(inputs).toMatchObject({
      splits: [],
      partnersAtClose: undefined,
      hasMotions: false,
      scores: new Map(),
      fit: null,
      duplicates: null,
    });
    expect((await cards.inputs(tenant, 'd-closed'))?.partnersAtClose).toEqual([
      { partnerId: 'p-acme', role: 'sourced', splitPct: 100 },
    ]);
  });

  it('given merged ids, then the chain is followed to the live deal, and a cycle ends', async () => {
    expect((await cards.inputs(tenant, 'd-old'))?.deal.deal.id).toBe('d-main');
    expect((await cards.inputs(tenant, 'd-mid'))?.deal.deal.id).toBe('d-main');
    expect(await cards.inputs(tenant, 'd-loop-a')).toBeUndefined();
    expect(await mirror.resolveId(tenant, 'deals', 'd-old')).toBe('d-main');
  });

  it('given many views asked at once across tenants, then they share statements and each gets its own inputs', async () => {
    const asks: Array<[string, string]> = [];
    for (let round = 0; round < 6; round++) {
      for (const id of ['d-main', 'd-twin', 'd-gone', 'd-old', 'd-nope', 'd-closed', 'd-loop-a'])
        asks.push([tenant, id]);
      asks.push([other, 'd-main']);
    }
    // Asked one at a time, each view is a statement of its own.
    const alone: Array<Awaited<ReturnType<CardRepository['inputs']>>> = [];
    for (const [tenantId, dealId] of asks) alone.push(await cards.inputs(tenantId, dealId));
    let statements = 0;
    const counted = new CardRepository(
      store.db.withPlugin({
        transformQuery: ({ node }) => {
          statements += 1;
          return node;
        },
        transformResult: async ({ result }) => result,
      }),
    );
    const together = await Promise.all(asks.map(([tenantId, dealId]) => counted.inputs(tenantId, dealId)));
    expect(together).toEqual(alone);
    expect(together.map((inputs) => inputs?.deal.deal.name ?? null).slice(0, 8)).toEqual([
      'Globex platform',
      'Globex platform (copy)',
      null,
      'Globex platform',
      null,
      'Closed deal',
      null,
      'Their deal',
    ]);
    // 48 views: the first two went at once, each alone; the other 46 waited and went in one.
    expect(statements).toBe(3);
  });

  it('given a card statement that fails, then every view waiting on it fails and the next views are read', async () => {
    let fail = true;
    const failing = new CardRepository(
      store.db.withPlugin({
        transformQuery: ({ node }) => {
          if (fail) throw new Error('connection lost');
          return node;
        },
        transformResult: async ({ result }) => result,
      }),
    );
    const asked = ['d-main', 'd-twin', 'd-plain', 'd-closed'].map((id) =>
      failing.inputs(tenant, id).then(
        () => 'read',
        (error: Error) => error.message,
      ),
    );
    expect(await Promise.all(asked)).toEqual([
      'connection lost',
      'connection lost',
      'connection lost',
      'connection lost',
    ]);
    fail = false;
    expect((await failing.inputs(tenant, 'd-twin'))?.deal.deal.name).toBe('Globex platform (copy)');
  });

  it('given a deleted, unknown or other tenant’s deal, then nothing is returned', async () => {
    expect(await cards.inputs(tenant, 'd-gone')).toBeUndefined();
    expect(await cards.inputs(tenant, 'd-nope')).toBeUndefined();
    const theirs = await cards.inputs(other, 'd-main');
    expect(theirs?.deal.deal.name).toBe('Their deal');
    // Their partner scores and our motions do not leak across tenants.
    expect(theirs).toMatchObject({ hasMotions: false, splits: [], fit: null, duplicates: null });
  });
});
