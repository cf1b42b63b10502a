import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeDeal } from '../../src/dedupe/testing/deal-fixtures.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { Partner } from '../../src/model/partner.ts';
import { eventually, STORE_KINDS, testEncryptionKey } from '../../test/support/test-stores.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { Store } from '../platform/store/database.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { TokenCipher } from '../platform/store/token-cipher.ts';
import { CrmMirrorRepository } from './crm-mirror.repo.ts';
import { drainLeaseKey } from './tenant-leases.ts';
import { type CompanyWriter, CrmTenantSync, type DealWriter, type DealWriterInput } from './tenant-sync.ts';
import { MemoryCrm } from './testing/memory-crm.ts';

// The write-back diff of the CRM-neutral tenant sync, over the CRM port (an in-memory CRM) and the real mirror.

function crmDeal(id: string, properties: Record<string, string | null> = {}): CanonicalDeal {
  return { deal: makeDeal(id), properties, unlabeledPartnerIds: [], accountPartnerIds: [] };
}

function partner(id: string): Partner {
  return { id, name: `Partner ${id}`, type: 'named', registeredAt: '2025-01-01T00:00:00.000Z', region: null };
}

/** A writer with fixed desired values per deal id; `seen` records each input it was given. */
function fixedWriter(
  name: string,
  properties: readonly string[],
  values: Record<string, Record<string, string>>,
  extra: Partial<DealWriter> = {},
): DealWriter & { seen: DealWriterInput[] } {
  const seen: DealWriterInput[] = [];
  return {
    name,
    properties,
    seen,
    async desired(input) {
      seen.push(input);
      const given = new Set(input.deals.map((entry) => entry.deal.id));
      return new Map(Object.entries(values).filter(([id]) => given.has(id) || !input.full));
    },
    ...extra,
  };
}

/** An amending writer (auto-tags): after 20 ms, tags partner p9 on every deal when `amend()` says so. */
function taggingWriter(amend: () => boolean): DealWriter {
  return {
    name: 'tagger',
    properties: ['pl_tag'],
    amendsDeals: true,
    desired: async ({ deals }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (amend()) {
        for (const entry of deals) {
          entry.deal = { ...entry.deal, partners: [{ partnerId: 'p9', role: 'influenced', splitPct: null }] };
        }
      }
      return new Map([['1', { pl_tag: 'tagged' }]]);
    },
  };
}

/** A writer whose engine fails ('engine failed'). */
function failingWriter(property: string): DealWriter {
  return {
    name: 'failing',
    properties: [property],
    desired: async () => {
      throw new Error('engine failed');
    },
  };
}

const writes = (crm: MemoryCrm) => crm.calls.filter((call) => call.op === 'writeProperties');

describe('the tenant sync write-back (CRM port, mirror on PGlite)', () => {
  let store: Store;
  let tenantId: string;
  let mirror: CrmMirrorRepository;
  let crm: MemoryCrm;
  const logger = createLogger('silent');
  const sync = (writers: DealWriter[], companyWriters: CompanyWriter[] = []) =>
    new CrmTenantSync({ crm: crm.asConnectors(), mirror, logger, writers, companyWriters });

  let portal = 7000;

  beforeAll(async () => {
    store = await STORE_KINDS[0]!.open();
    mirror = new CrmMirrorRepository(store.db);
  });
  // A fresh tenant (and CRM) per case: one store, cases isolated by tenant like the service's rows.
  beforeEach(async () => {
    const tenants = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
    portal += 1;
    const credentials = { accessToken: 'a', refreshToken: 'r', expiresAt: 1, scopes: [] };
    tenantId = (await tenants.connect('hubspot', String(portal), credentials)).id;
    crm = new MemoryCrm();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('given values the CRM lacks, when reconciled twice, then the first pass writes only the differences in one call and the second writes nothing', async () => {
    crm
      .addDeal(crmDeal('1', { pl_status: 'complete' }))
      .addDeal(crmDeal('2', { pl_status: 'missing_partner' }))
      .addDeal(crmDeal('3'));
    const writer = fixedWriter('status', ['pl_status'], {
      '1': { pl_status: 'complete' },
      '2': { pl_status: 'complete' },
      '3': { pl_status: 'not_required' },
    });
    const first = await sync([writer]).reconcile(tenantId);
    expect(first).toMatchObject({ dealsRead: 3, deals: 2, calls: 1 });
    expect(writes(crm)).toEqual([
      {
        op: 'writeProperties',
        object: 'deals',
        updates: [
          { id: '2', properties: { pl_status: 'complete' } },
          { id: '3', properties: { pl_status: 'not_required' } },
        ],
      },
    ]);
    const second = await sync([writer]).reconcile(tenantId);
    expect(second).toMatchObject({ dealsRead: 3, deals: 0, companies: 0, calls: 0 });
    expect(writes(crm)).toHaveLength(1);
  });

  it('given a CRM that reads deals and partners in no particular order, then a full pass hands the writers both in id order, as a pass from the mirror does', async () => {
    for (const id of ['20', '3', '100', '7']) crm.addDeal(crmDeal(id));
    for (const id of ['p2', 'p10', 'p1']) crm.addPartnerRecord(id, partner(id));
    const writer = fixedWriter('status', ['pl_status'], {});
    const tenantSync = sync([writer]);
    await tenantSync.reconcile(tenantId);
    await tenantSync.refreshFromMirror(tenantId);
    expect(writer.seen).toHaveLength(2);
    for (const input of writer.seen) {
      expect(input.deals.map((entry) => entry.deal.id)).toEqual(['3', '7', '20', '100']);
      expect(input.partners.map((p) => p.id)).toEqual(['p1', 'p2', 'p10']);
    }
  });

  it('given a read in pieces, then the roster and each piece are in the mirror while the read goes on, and the whole is written back once', async () => {
    for (const id of ['1', '2', '3', '4', '5']) crm.addDeal(crmDeal(id));
    crm.addPartnerRecord('p1', partner('p1'));
    const stored = async () => (await mirror.liveDeals(tenantId)).map((entry) => entry.deal.id).sort();
    const seenBetween: string[][] = [];
    crm.snapshotPieces = {
      size: 2,
      // The next "page" waits until the pieces handed so far are stored: it never comes if they wait for the read.
      between: async () => {
        const expected = (seenBetween.length + 1) * 2;
        await eventually(async () => (await stored()).length === expected, 5_000);
        // The roster went in before the first piece.
        expect((await mirror.livePartners(tenantId)).map((p) => p.id)).toEqual(['p1']);
        seenBetween.push(await stored());
      },
    };
    const writer = fixedWriter('status', ['pl_status'], { '1': { pl_status: 'x' }, '5': { pl_status: 'y' } });
    const result = await sync([writer]).reconcile(tenantId);
    expect(seenBetween).toEqual([
      ['1', '2'],
      ['1', '2', '3', '4'],
    ]);
    expect(await stored()).toEqual(['1', '2', '3', '4', '5']);
    expect(result).toMatchObject({ dealsRead: 5, deals: 2, calls: 1 });
    expect(writer.seen).toHaveLength(1);
    expect(writer.seen[0]?.deals.map((entry) => entry.deal.id)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('given a mirror write that fails on a piece, then the read stops at the next piece and the reconcile fails with it, writing nothing back', async () => {
    for (const id of ['1', '2', '3', '4', '5', '6']) crm.addDeal(crmDeal(id));
    let pieces = 0;
    let failed = false;
    const failing = Object.create(mirror) as CrmMirrorRepository;
    failing.upsertDeals = async (tenant, deals, read) => {
      pieces += 1;
      if (pieces === 2) {
        failed = true;
        throw new Error('store unavailable');
      }
      return mirror.upsertDeals(tenant, deals, read);
    };
    let handed = 0;
    crm.snapshotPieces = {
      size: 2,
      between: async () => {
        handed += 1;
        if (handed === 2) await eventually(async () => failed, 5_000);
      },
    };
    const refreshed: number[] = [];
    failing.refreshStatistics = async (written) => {
      refreshed.push(written);
    };
    const writer = fixedWriter('status', ['pl_status'], { '1': { pl_status: 'x' } });
    const failingSync = new CrmTenantSync({ crm: crm.asConnectors(), mirror: failing, logger, writers: [writer] });
    await expect(failingSync.reconcile(tenantId)).rejects.toThrow('store unavailable');
    // The third piece was refused when it was handed over (after the failure), and no later piece was written.
    expect(pieces).toBe(2);
    // What did go in still counts for the planner statistics (a retry may write too few rows to refresh them).
    expect(refreshed).toEqual([2]);
    expect((await mirror.liveDeals(tenantId)).map((entry) => entry.deal.id).sort()).toEqual(['1', '2']);
    expect(writer.seen).toEqual([]);
    expect(writes(crm)).toEqual([]);
  });

  it('given a deal a drain stores during the read (created after the read passed its page), then the pass does not mark it deleted', async () => {
    for (const id of ['1', '2', '3', '4']) crm.addDeal(crmDeal(id));
    crm.snapshotPieces = {
      size: 2,
      between: async () => {
        await mirror.upsertDeals(tenantId, [crmDeal('99')]);
      },
    };
    const result = await sync([]).reconcile(tenantId);
    expect(result.deletedDeals).toBe(0);
    expect((await mirror.liveDeals(tenantId)).map((entry) => entry.deal.id).sort()).toEqual(['1', '2', '3', '4', '99']);
  });

  it('given a stop during the read, then the pieces not yet written are skipped and the pass ends with the stop', async () => {
    for (const id of ['1', '2', '3', '4', '5', '6']) crm.addDeal(crmDeal(id));
    const stop = new AbortController();
    let handed = 0;
    crm.snapshotPieces = {
      size: 2,
      between: async () => {
        handed += 1;
        if (handed === 1) {
          await eventually(async () => (await mirror.liveDeals(tenantId)).length === 2, 5_000);
          stop.abort(new Error('service stopping'));
        }
      },
    };
    const writer = fixedWriter('status', ['pl_status'], { '1': { pl_status: 'x' } });
    await expect(sync([writer]).reconcile(tenantId, undefined, stop.signal)).rejects.toThrow('service stopping');
    expect((await mirror.liveDeals(tenantId)).map((entry) => entry.deal.id).sort()).toEqual(['1', '2']);
    expect(writer.seen).toEqual([]);
    expect(await sync([]).lastFullReadStartedAt(tenantId)).toBeUndefined();
  });

  it('given a drain under way when a full pass starts, then the pass records the drain start as its own (the drain may still write older reads)', async () => {
    crm.addDeal(crmDeal('1'));
    const drainStarted = new Date(Date.now() - 5 * 60_000);
    await sql`insert into job_leases (lease_key, job_name, job_id, owner, acquired_at)
      values (${drainLeaseKey(tenantId)}, 'hubspot.webhooks.drain', 'j1', 'other', ${drainStarted})`.execute(store.db);
    try {
      await sync([]).reconcile(tenantId);
      expect((await sync([]).lastFullReadStartedAt(tenantId))?.getTime()).toBe(drainStarted.getTime());
    } finally {
      await sql`delete from job_leases where lease_key = ${drainLeaseKey(tenantId)}`.execute(store.db);
    }
  });

  it('given a full pass that ends, then its read start is recorded for the webhook drain; one that fails records nothing', async () => {
    crm.addDeal(crmDeal('1'));
    const failing = failingWriter('pl_x');
    await expect(sync([failing]).reconcile(tenantId)).rejects.toThrow('engine failed');
    expect(await sync([]).lastFullReadStartedAt(tenantId)).toBeUndefined();

    const before = Date.now();
    await sync([fixedWriter('status', ['pl_status'], {})]).reconcile(tenantId);
    const after = Date.now();
    const recorded = (await sync([]).lastFullReadStartedAt(tenantId))?.getTime() ?? Number.NaN;
    expect(recorded).toBeGreaterThanOrEqual(before);
    expect(recorded).toBeLessThanOrEqual(after);
  });

  it('given a full pass, then the planner statistics are refreshed once its writers have stored their results and before it writes; a failing refresh only warns', async () => {
    crm.addDeal(crmDeal('1'));
    const steps: string[] = [];
    const writer = fixedWriter(
      'status',
      ['pl_status'],
      { '1': { pl_status: 'x' } },
      {
        async desired() {
          steps.push('writer stored');
          return new Map([['1', { pl_status: 'x' }]]);
        },
      },
    );
    const options = { crm: crm.asConnectors(), mirror, logger, writers: [writer] };
    const refreshing = new CrmTenantSync({
      ...options,
      refreshPlannerStatistics: async () => {
        steps.push(`statistics (CRM writes so far: ${writes(crm).length})`);
        return ['deal_attributions'];
      },
    });
    await refreshing.reconcile(tenantId);
    expect(steps).toEqual(['writer stored', 'statistics (CRM writes so far: 0)']);
    expect(writes(crm)).toHaveLength(1);

    // A webhook pass (not full) leaves them to the next full pass.
    steps.length = 0;
    crm.addDeal(crmDeal('2'));
    await refreshing.applyWebhookWork(tenantId, { deals: ['2'], companies: [], aliases: [] });
    expect(steps).toEqual(['writer stored']);

    const warnings: unknown[] = [];
    const watched = { ...logger, warn: (...args: unknown[]) => void warnings.push(args) } as typeof logger;
    const failing = new CrmTenantSync({
      ...options,
      logger: watched,
      refreshPlannerStatistics: async () => {
        throw new Error('analyze refused');
      },
    });
    crm.addDeal(crmDeal('3', { pl_status: 'stale' }));
    await expect(failing.reconcile(tenantId)).resolves.toMatchObject({ dealsRead: 3 });
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('planner statistics not refreshed');
  });

  it('given an empty desired value and an unset CRM value, then nothing is written (empty equals unset)', async () => {
    crm.addDeal(crmDeal('1', { pl_sourced_partner: null })).addDeal(crmDeal('2'));
    const writer = fixedWriter('sourced', ['pl_sourced_partner'], {
      '1': { pl_sourced_partner: '' },
      '2': { pl_sourced_partner: '' },
    });
    expect(await sync([writer]).reconcile(tenantId)).toMatchObject({ deals: 0, calls: 0 });
    expect(crm.calls).toEqual([]);
  });

  it('given two writers on one deal, then their values are merged into one update per deal', async () => {
    crm.addDeal(crmDeal('1'));
    const a = fixedWriter('a', ['pl_a'], { '1': { pl_a: 'x' } });
    const b = fixedWriter('b', ['pl_b'], { '1': { pl_b: 'y' } });
    await sync([a, b]).reconcile(tenantId);
    expect(writes(crm)).toEqual([
      { op: 'writeProperties', object: 'deals', updates: [{ id: '1', properties: { pl_a: 'x', pl_b: 'y' } }] },
    ]);
  });

  it('given two writers, then they run at once, and a failing one fails the pass only after the other has ended', async () => {
    crm.addDeal(crmDeal('1'));
    let bStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      bStarted = resolve;
    });
    // `a` finishes only once `b` has started: run one after the other, the pass would never end.
    const a = fixedWriter('a', ['pl_a'], { '1': { pl_a: 'x' } });
    const slowA: DealWriter = {
      ...a,
      desired: async (input) => {
        await started;
        return a.desired(input);
      },
    };
    const b = fixedWriter('b', ['pl_b'], { '1': { pl_b: 'y' } }, {});
    const startedB: DealWriter = {
      ...b,
      desired: async (input) => {
        bStarted();
        return b.desired(input);
      },
    };
    await sync([slowA, startedB]).reconcile(tenantId);
    expect(writes(crm)).toEqual([
      { op: 'writeProperties', object: 'deals', updates: [{ id: '1', properties: { pl_a: 'x', pl_b: 'y' } }] },
    ]);

    let slowEnded = false;
    const failing = failingWriter('pl_c');
    const slow: DealWriter = {
      name: 'slow',
      properties: ['pl_d'],
      desired: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        slowEnded = true;
        return new Map([['1', { pl_d: 'z' }]]);
      },
    };
    await expect(sync([failing, slow]).reconcile(tenantId)).rejects.toThrow('engine failed');
    expect(slowEnded).toBe(true);
    expect(writes(crm)).toHaveLength(1);
  });

  it('given a writer that amends the deals, then the writers after it start once it has ended and see its amendment', async () => {
    crm.addDeal(crmDeal('1'));
    const order: string[] = [];
    const tagger: DealWriter = {
      name: 'tagger',
      properties: ['pl_tag'],
      amendsDeals: true,
      desired: async ({ deals }) => {
        order.push('tagger started');
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (const entry of deals) {
          entry.deal = { ...entry.deal, partners: [{ partnerId: 'p9', role: 'influenced', splitPct: null }] };
        }
        order.push('tagger ended');
        return new Map([['1', { pl_tag: 'tagged' }]]);
      },
    };
    const seer: DealWriter = {
      name: 'seer',
      properties: ['pl_seen'],
      desired: async ({ deals }) => {
        order.push('seer started');
        return new Map(deals.map((entry) => [entry.deal.id, { pl_seen: String(entry.deal.partners.length) }]));
      },
    };
    await sync([tagger, seer]).reconcile(tenantId);
    expect(order).toEqual(['tagger started', 'tagger ended', 'seer started']);
    expect(writes(crm)).toEqual([
      {
        op: 'writeProperties',
        object: 'deals',
        updates: [{ id: '1', properties: { pl_tag: 'tagged', pl_seen: '1' } }],
      },
    ]);
  });

  describe('an amending writer that says when its amendments are final', () => {
    /** Tags every deal, says so, then "stores its rows" until what `store` gives settles. */
    function announcingTagger(order: string[], store: () => Promise<void>): DealWriter {
      return {
        name: 'tagger',
        properties: ['pl_tag'],
        amendsDeals: true,
        desired: async ({ deals, amended }) => {
          for (const entry of deals) {
            entry.deal = { ...entry.deal, partners: [{ partnerId: 'p9', role: 'influenced', splitPct: null }] };
          }
          amended?.();
          order.push('tagger amended');
          await store();
          order.push('tagger ended');
          return new Map([['1', { pl_tag: 'tagged' }]]);
        },
      };
    }
    const seer = (order: string[]): DealWriter => ({
      name: 'seer',
      properties: ['pl_seen'],
      desired: async ({ deals }) => {
        order.push('seer started');
        return new Map(deals.map((entry) => [entry.deal.id, { pl_seen: String(entry.deal.partners.length) }]));
      },
    });

    it('given it said its amendments are final, then the writers after it start before it ends and see them', async () => {
      crm.addDeal(crmDeal('1'));
      const order: string[] = [];
      let store = () => {};
      const stored = new Promise<void>((resolve) => {
        store = resolve;
      });
      const pass = sync([announcingTagger(order, () => stored), seer(order)]).reconcile(tenantId);
      await eventually(async () => order.includes('seer started'));
      expect(order).toEqual(['tagger amended', 'seer started']);
      store();
      await pass;
      expect(order).toEqual(['tagger amended', 'seer started', 'tagger ended']);
      expect(writes(crm)).toEqual([
        {
          op: 'writeProperties',
          object: 'deals',
          updates: [{ id: '1', properties: { pl_tag: 'tagged', pl_seen: '1' } }],
        },
      ]);
    });

    it('given it fails after saying so, then the pass fails once the writers after it have ended, and writes nothing', async () => {
      crm.addDeal(crmDeal('1'));
      const order: string[] = [];
      let slowEnded = false;
      const slow: DealWriter = {
        name: 'slow',
        properties: ['pl_slow'],
        desired: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          slowEnded = true;
          return new Map();
        },
      };
      const failing = () => Promise.reject(new Error('store failed'));
      const pass = sync([announcingTagger(order, failing), seer(order), slow]);
      await expect(pass.reconcile(tenantId)).rejects.toThrow('store failed');
      expect(order).toEqual(['tagger amended', 'seer started']);
      expect(slowEnded).toBe(true);
      expect(writes(crm)).toEqual([]);
    });
  });

  it('given a second reconcile that read nothing new, then the writers after an amending one start beside it', async () => {
    crm.addDeal(crmDeal('1', { pl_tag: 'tagged', pl_seen: '0' }));
    const order: string[] = [];
    const tagger: DealWriter = {
      name: 'tagger',
      properties: ['pl_tag'],
      amendsDeals: true,
      desired: async () => {
        order.push('tagger started');
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push('tagger ended');
        return new Map([['1', { pl_tag: 'tagged' }]]);
      },
    };
    const seer = fixedWriter('seer', ['pl_seen'], { '1': { pl_seen: '0' } });
    const writers = [
      tagger,
      {
        ...seer,
        desired: (input: DealWriterInput) => {
          order.push('seer');
          return seer.desired(input);
        },
      },
    ];
    await sync(writers).reconcile(tenantId);
    expect(order).toEqual(['tagger started', 'tagger ended', 'seer']); // the first read filled the mirror
    order.length = 0;
    await sync(writers).reconcile(tenantId);
    expect(order).toEqual(['tagger started', 'seer', 'tagger ended']);
    expect(writes(crm)).toEqual([]);
  });

  it('given a second reconcile that read nothing new but the amending writer amends after all, then the writers after it run again on a fresh input', async () => {
    crm.addDeal(crmDeal('1', { pl_tag: 'tagged', pl_seen: '0' }));
    let amend = false;
    const tagger = taggingWriter(() => amend);
    const inputs: DealWriterInput[] = [];
    const seer: DealWriter = {
      name: 'seer',
      properties: ['pl_seen'],
      desired: async (input) => {
        inputs.push(input);
        return new Map(input.deals.map((entry) => [entry.deal.id, { pl_seen: String(entry.deal.partners.length) }]));
      },
    };
    await sync([tagger, seer]).reconcile(tenantId);
    amend = true;
    inputs.length = 0;
    await sync([tagger, seer]).reconcile(tenantId);
    expect(inputs).toHaveLength(2); // beside the tagger, then again after it
    expect(inputs[1]).not.toBe(inputs[0]);
    expect(inputs[1]?.deals).toBe(inputs[0]?.deals);
    expect(writes(crm)).toEqual([
      { op: 'writeProperties', object: 'deals', updates: [{ id: '1', properties: { pl_seen: '1' } }] },
    ]);
  });

  it('given a speculative pass, when a writer after the amending one fails, then the pass fails unless the amendment makes it run again', async () => {
    crm.addDeal(crmDeal('1', { pl_tag: 'tagged', pl_seen: '0' }));
    let amend = false;
    let failures = 0;
    const tagger = taggingWriter(() => amend);
    const inputs: DealWriterInput[] = [];
    const flaky: DealWriter = {
      name: 'flaky',
      properties: ['pl_seen'],
      // Fails on the deals as read (synchronously, before any promise), succeeds once they carry the amendment.
      desired: (input) => {
        inputs.push(input);
        if (input.deals.every((entry) => entry.deal.partners.length === 0) && failures < 2) {
          failures += 1;
          throw new Error('engine failed');
        }
        return Promise.resolve(
          new Map(input.deals.map((entry) => [entry.deal.id, { pl_seen: String(entry.deal.partners.length) }])),
        );
      },
    };
    const scorer = fixedWriter('scorer', ['pl_score'], {});
    const syncOf = () => sync([tagger, flaky], [scorer]);
    failures = 2; // the first pass (not speculative) succeeds
    await syncOf().reconcile(tenantId);
    failures = 0;
    await expect(syncOf().reconcile(tenantId)).rejects.toThrow('engine failed');
    expect(writes(crm)).toEqual([]);

    amend = true;
    inputs.length = 0;
    scorer.seen.length = 0;
    await syncOf().reconcile(tenantId);
    expect(inputs).toHaveLength(2); // failed beside the tagger, then ran again after it
    expect(scorer.seen).toEqual([inputs[1]]); // the company writers share the second run's input
    expect(writes(crm)).toEqual([
      { op: 'writeProperties', object: 'deals', updates: [{ id: '1', properties: { pl_seen: '1' } }] },
    ]);
  });

  it('given two writers of one property, then the sync refuses to start', () => {
    const a = fixedWriter('a', ['pl_x'], {});
    const b = fixedWriter('b', ['pl_y', 'pl_x'], {});
    expect(() => sync([a, b])).toThrow('writers a and b both write pl_x');
  });

  it('given a writer failing before an amending one, then the amending writer does not run and the pass fails', async () => {
    crm.addDeal(crmDeal('1'));
    let amended = false;
    const failing = failingWriter('pl_x');
    const tagger: DealWriter = {
      name: 'tagger',
      properties: ['pl_tag'],
      amendsDeals: true,
      desired: async () => {
        amended = true;
        return new Map();
      },
    };
    await expect(sync([failing, tagger]).reconcile(tenantId)).rejects.toThrow('engine failed');
    expect(amended).toBe(false);
    expect(writes(crm)).toEqual([]);
    // Again on a pass that read nothing new (the writers after the amending one would start beside it).
    await expect(sync([failing, tagger]).reconcile(tenantId)).rejects.toThrow('engine failed');
    expect(amended).toBe(false);
  });

  it('given a writer that queues partner links, then the links are written before the values, and its follow-up runs after the links', async () => {
    crm.addDeal(crmDeal('1')).addPartnerRecord('p1', partner('p1'));
    const order: string[] = [];
    const writer: DealWriter = {
      name: 'auto-tag',
      properties: ['pl_status'],
      async desired(input) {
        if ((await input.links?.linkableRoles())?.has('sourced')) {
          input.links?.link([{ dealId: '1', partnerId: 'p1', role: 'sourced' }], async () => {
            order.push(`afterLinked after ${crm.calls.length} call(s)`);
          });
        }
        return new Map([['1', { pl_status: 'complete' }]]);
      },
    };
    await sync([writer]).reconcile(tenantId);
    expect(crm.calls.map((call) => call.op)).toEqual(['linkPartners', 'writeProperties']);
    expect(crm.calls[0]).toEqual({ op: 'linkPartners', links: [{ dealId: '1', partnerId: 'p1', role: 'sourced' }] });
    expect(order).toEqual(['afterLinked after 1 call(s)']);
  });

  it('given a role the CRM cannot link yet, then the writer sees it missing and no link is made', async () => {
    crm.roles = new Set();
    crm.addDeal(crmDeal('1'));
    let linkable: ReadonlySet<string> | undefined;
    const writer: DealWriter = {
      name: 'auto-tag',
      properties: [],
      async desired(input) {
        linkable = await input.links?.linkableRoles();
        return new Map();
      },
    };
    await sync([writer]).reconcile(tenantId);
    expect(linkable?.size).toBe(0);
    expect(crm.calls).toEqual([]);
  });

  it('given company writers, then they run on full passes only and write only partners whose values differ', async () => {
    crm
      .addDeal(crmDeal('1'))
      .addPartnerRecord('p1', partner('p1'), { pl_tier: 'gold' })
      .addPartnerRecord('p2', partner('p2'), { pl_tier: 'silver' });
    const scores: CompanyWriter = {
      name: 'scores',
      properties: ['pl_tier'],
      async desired() {
        return new Map([
          ['p1', { pl_tier: 'gold' }],
          ['p2', { pl_tier: 'gold' }],
          ['not-a-partner', { pl_tier: 'gold' }],
        ]);
      },
    };
    const tenantSync = sync([], [scores]);
    expect(await tenantSync.reconcile(tenantId)).toMatchObject({ companies: 1, calls: 1 });
    expect(writes(crm)).toEqual([
      { op: 'writeProperties', object: 'partners', updates: [{ id: 'p2', properties: { pl_tier: 'gold' } }] },
    ]);
    // A webhook pass (not full) never runs company writers.
    expect(await tenantSync.writeBack(tenantId, [crmDeal('1')], [], false)).toEqual({
      deals: 0,
      companies: 0,
      calls: 0,
    });
    // The mirror recorded what was written: a pass from the mirror has nothing left to write.
    expect(await tenantSync.refreshFromMirror(tenantId)).toEqual({ deals: 0, companies: 0, calls: 0 });
  });

  it('given a writer naming a deal beyond those given, then that deal is compared from the mirror', async () => {
    crm.addDeal(crmDeal('1')).addDeal(crmDeal('2', { pl_dup: 'suspected' }));
    const base = fixedWriter('none', ['pl_dup'], {});
    await sync([base]).reconcile(tenantId);
    // A webhook pass over deal 1 whose result clears deal 2's flag (it stopped being a duplicate).
    const writer = fixedWriter('dedupe', ['pl_dup'], { '1': { pl_dup: '' }, '2': { pl_dup: '' } });
    const result = await sync([writer]).writeBack(tenantId, [crmDeal('1')], [], false);
    expect(result).toEqual({ deals: 1, companies: 0, calls: 1 });
    expect(writes(crm).at(-1)).toEqual({
      op: 'writeProperties',
      object: 'deals',
      updates: [{ id: '2', properties: { pl_dup: '' } }],
    });
  });

  it('given a change set, then missing and merged-away deals are marked deleted and the survivors are written', async () => {
    crm.addDeal(crmDeal('1')).addDeal(crmDeal('2')).addDeal(crmDeal('3'));
    await sync([]).reconcile(tenantId);
    crm.deals.delete('2');
    crm.deals.delete('3');
    const writer = fixedWriter('status', ['pl_status'], { '1': { pl_status: 'complete' } });
    const result = await sync([writer]).applyWebhookWork(tenantId, {
      deals: ['1', '2'],
      companies: [],
      aliases: [{ objectType: 'deals', oldId: '3', newId: '1' }],
    });
    expect(result).toMatchObject({ refreshedDeals: 1, missingDeals: 1, aliases: 1, deals: 1, calls: 1 });
    expect((await mirror.findDeal(tenantId, '2'))?.deletedAt).not.toBeNull();
    expect((await mirror.findDeal(tenantId, '3'))?.deletedAt).not.toBeNull();
    expect(await mirror.resolveId(tenantId, 'deals', '3')).toBe('1');
  });

  it('given a deferring writer and a round above its inline limit, then it is handed the ids and does not run inline', async () => {
    for (const id of ['1', '2', '3']) crm.addDeal(crmDeal(id));
    await sync([]).reconcile(tenantId);
    const deferred: string[][] = [];
    const costly = fixedWriter(
      'costly',
      ['pl_dup'],
      { '1': { pl_dup: 'x' } },
      {
        inlineLimit: 2,
        defer: async (_tenant, ids) => {
          deferred.push([...ids]);
        },
      },
    );
    const small = await sync([costly]).applyWebhookWork(tenantId, { deals: ['1'], companies: [], aliases: [] });
    expect(small).toMatchObject({ deals: 1 });
    expect(deferred).toEqual([]);
    const large = await sync([costly]).applyWebhookWork(tenantId, {
      deals: ['1', '2', '3'],
      companies: [],
      aliases: [],
    });
    expect(large).toMatchObject({ deals: 0, calls: 0 });
    expect(deferred).toEqual([['1', '2', '3']]);
  });

  describe('a webhook pass re-reading a deal while a reconcile reads (newest read wins)', () => {
    /** Writes each deal's amount as read: what the pass computed from. */
    const amountWriter = (): DealWriter => ({
      name: 'amount',
      properties: ['pl_amount_seen'],
      desired: async ({ deals }) =>
        new Map(deals.map((entry) => [entry.deal.id, { pl_amount_seen: String(entry.deal.amount) }])),
    });
    /** Deal `id`'s amount changes to 75,000 in the CRM, and its change event's webhook pass re-reads and writes it. */
    const changeAndDrain = async (id: string) => {
      const entry = crm.deals.get(id);
      if (entry) entry.deal = { ...entry.deal, amount: 75_000 };
      await sync([amountWriter()]).applyWebhookWork(tenantId, { deals: [id], companies: [], aliases: [] });
    };

    it('given a deal changed and re-read by a webhook pass after the reconcile read it, then the reconcile neither stores nor writes from its older read', async () => {
      crm.addDeal(crmDeal('2', { pl_amount_seen: null })).addDeal(crmDeal('1', { pl_amount_seen: null }));
      const writers = [amountWriter()];
      // Deal 2, then deal 1 in a second piece: between them the deal changes in the CRM and its change event's pass
      // re-reads and stores it — before the reconcile stores the copy it read at its start.
      crm.snapshotPieces = {
        size: 1,
        between: () => changeAndDrain('1'),
      };

      const result = await sync(writers).reconcile(tenantId);

      expect((await mirror.findDeal(tenantId, '1'))?.deal.amount).toBe(75_000);
      expect(crm.deals.get('1')?.properties.pl_amount_seen).toBe('75000');
      // The webhook pass wrote deal 1; the reconcile wrote deal 2 only (deal 1's newest values were already there).
      expect(writes(crm).flatMap((call) => call.updates)).toEqual([
        { id: '1', properties: { pl_amount_seen: '75000' } },
        { id: '2', properties: { pl_amount_seen: '50000' } },
      ]);
      expect(result).toMatchObject({ dealsRead: 2, deals: 1 });
    });

    it('given a deal the reconcile already stored, when a webhook pass re-reads it changed before the write-back, then the reconcile computes from the newer row', async () => {
      crm.addDeal(crmDeal('1', { pl_amount_seen: null })).addDeal(crmDeal('2', { pl_amount_seen: null }));
      const writers = [amountWriter()];
      // Deal 1 is in the first piece: once the reconcile stored it, the deal changes and its event's pass runs.
      crm.snapshotPieces = {
        size: 1,
        between: async () => {
          await eventually(async () => (await mirror.findDeal(tenantId, '1')) !== undefined);
          await changeAndDrain('1');
        },
      };

      await sync(writers).reconcile(tenantId);

      expect((await mirror.findDeal(tenantId, '1'))?.deal.amount).toBe(75_000);
      expect(crm.deals.get('1')?.properties.pl_amount_seen).toBe('75000');
      expect(writes(crm).flatMap((call) => call.updates)).toEqual([
        { id: '1', properties: { pl_amount_seen: '75000' } },
        { id: '2', properties: { pl_amount_seen: '50000' } },
      ]);
    });

    it('given a webhook pass storing a newer read while the reconcile computes, then the reconcile leaves that deal to it and writes the rest', async () => {
      crm.addDeal(crmDeal('1', { pl_amount_seen: null })).addDeal(crmDeal('2', { pl_amount_seen: null }));
      let drained = false;
      // A writer of the reconcile's: while it computes, deal 1 changes and its event's pass re-reads and writes it.
      const slowAmounts: DealWriter = {
        ...amountWriter(),
        desired: async (input) => {
          const values = await amountWriter().desired(input);
          if (input.full && !drained) {
            drained = true;
            await changeAndDrain('1');
          }
          return values;
        },
      };

      const result = await sync([slowAmounts]).reconcile(tenantId);

      // The reconcile computed '50000' for deal 1 from its older read, and did not write it over the newer '75000'.
      expect(crm.deals.get('1')?.properties.pl_amount_seen).toBe('75000');
      expect(writes(crm).flatMap((call) => call.updates)).toEqual([
        { id: '1', properties: { pl_amount_seen: '75000' } },
        { id: '2', properties: { pl_amount_seen: '50000' } },
      ]);
      expect(result).toMatchObject({ deals: 1 });
      expect((await mirror.findDeal(tenantId, '1'))?.properties.pl_amount_seen).toBe('75000');
    });

    it('given a reconcile that found a deal gone after a webhook pass began reading it, then the pass does not bring it back', async () => {
      crm.addDeal(crmDeal('1')).addDeal(crmDeal('2'));
      await sync([]).reconcile(tenantId);
      const readDeals = crm.readDeals.bind(crm);
      crm.readDeals = async (ids, options) => {
        const read = await readDeals(ids, options);
        crm.deals.delete('1');
        await sync([]).reconcile(tenantId);
        return read;
      };

      await sync([amountWriter()]).applyWebhookWork(tenantId, { deals: ['1'], companies: [], aliases: [] });

      expect((await mirror.findDeal(tenantId, '1'))?.deletedAt).not.toBeNull();
      expect(writes(crm)).toEqual([]);
    });

    it('given a deal deleted in the CRM and found gone by a webhook pass after the reconcile read it, then the reconcile does not bring it back', async () => {
      crm.addDeal(crmDeal('2')).addDeal(crmDeal('1'));
      await sync([]).reconcile(tenantId);
      const writers = [amountWriter()];
      crm.snapshotPieces = {
        size: 1,
        between: async () => {
          crm.deals.delete('1');
          await sync(writers).applyWebhookWork(tenantId, { deals: ['1'], companies: [], aliases: [] });
        },
      };

      await sync(writers).reconcile(tenantId);

      expect((await mirror.findDeal(tenantId, '1'))?.deletedAt).not.toBeNull();
      expect(writes(crm).flatMap((call) => call.updates.map((update) => update.id))).toEqual(['2']);
    });

    it('given a webhook pass whose read began before a reconcile stored a newer read, then the pass keeps the newer row and computes from it', async () => {
      crm.addDeal(crmDeal('1', { pl_amount_seen: null }));
      await sync([]).reconcile(tenantId);
      // The pass reads deal 1 (old amount); before it stores it, a reconcile reads the changed deal and stores it.
      const readDeals = crm.readDeals.bind(crm);
      crm.readDeals = async (ids, options) => {
        const read = await readDeals(ids, options);
        const entry = crm.deals.get('1');
        if (entry) entry.deal = { ...entry.deal, amount: 90_000 };
        await sync([]).reconcile(tenantId);
        return read;
      };

      await sync([amountWriter()]).applyWebhookWork(tenantId, { deals: ['1'], companies: [], aliases: [] });

      expect((await mirror.findDeal(tenantId, '1'))?.deal.amount).toBe(90_000);
      expect(writes(crm).flatMap((call) => call.updates)).toEqual([
        { id: '1', properties: { pl_amount_seen: '90000' } },
      ]);
    });
  });
});
