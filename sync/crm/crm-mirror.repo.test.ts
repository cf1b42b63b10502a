import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dealMatchKeys } from '../../src/dedupe/match-keys.ts';
import { makeDeal } from '../../src/dedupe/testing/deal-fixtures.ts';
import { changedProperties } from '../../src/model/crm-record.ts';
import type { Partner } from '../../src/model/partner.ts';
import { eventually, STORE_KINDS, testEncryptionKey } from '../../test/support/test-stores.ts';
import type { Store } from '../platform/store/database.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { TokenCipher } from '../platform/store/token-cipher.ts';
import { CrmMirrorRepository, rosterVersionOf } from './crm-mirror.repo.ts';

/** A mirrored deal as the CRM adapters read it (the canonical model plus the raw CRM values). */
type MirrorDeal = Parameters<CrmMirrorRepository['upsertDeals']>[1][number];
type Values = Record<string, string | null>;

function mirrorDeal(id: string, properties: Values, name = `Deal ${id}`): MirrorDeal {
  return {
    deal: makeDeal(id, { name, account: { id: `a-${id}`, name: `Account ${id}`, domain: null } }),
    properties,
    unlabeledPartnerIds: [],
    accountPartnerIds: [],
  };
}

function partner(id: string): Partner {
  return { id, name: `Partner ${id}`, type: 'named', registeredAt: '2025-01-01T00:00:00.000Z', region: null };
}

const propertiesById = (deals: readonly MirrorDeal[]) =>
  Object.fromEntries(deals.map((entry) => [entry.deal.id, entry.properties]));

describe.each(STORE_KINDS)('the CRM mirror on $name', (kind) => {
  let store: Store;
  let mirror: CrmMirrorRepository;
  let tenant: string;
  let other: string;

  /** A connected tenant (the mirror's rows belong to one). */
  const connect = async (externalId: string) => {
    const tenants = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
    const credentials = { accessToken: 'at', refreshToken: 'rt', expiresAt: 1, scopes: [] };
    return (await tenants.connect('hubspot', externalId, credentials)).id;
  };

  beforeAll(async () => {
    store = await kind.open();
    mirror = new CrmMirrorRepository(store.db);
    tenant = await connect('8101');
    other = await connect('8102');
  });
  afterAll(async () => {
    await store?.close();
  });

  describe('recording written deal values', () => {
    it('given mirrored deals, when the values just written are recorded, then dealsByIds and liveDeals return them and the next diff is empty', async () => {
      await mirror.upsertDeals(tenant, [
        mirrorDeal('101', { amount: '48000', pl_attribution_status: 'missing_partner', pl_sourced_partner: null }),
        mirrorDeal('102', { amount: '900', pl_attribution_status: 'complete' }),
      ]);
      await mirror.upsertDeals(other, [mirrorDeal('101', { pl_attribution_status: 'missing_partner' })]);
      const written = { pl_attribution_status: 'complete', pl_sourced_partner: '55' };

      await mirror.recordDealValues(tenant, new Map([['101', written]]));

      // Written keys replace the stored ones; keys not written keep their value.
      const expected = { amount: '48000', pl_attribution_status: 'complete', pl_sourced_partner: '55' };
      expect(propertiesById(await mirror.dealsByIds(tenant, ['101', '102']))).toStrictEqual({
        '101': expected,
        '102': { amount: '900', pl_attribution_status: 'complete' },
      });
      expect(propertiesById(await mirror.liveDeals(tenant))).toStrictEqual({
        '101': expected,
        '102': { amount: '900', pl_attribution_status: 'complete' },
      });
      expect((await mirror.findDeal(tenant, '101'))?.properties).toStrictEqual(expected);
      // What the next write-back compares against: the same desired values are no change.
      const [again] = await mirror.dealsByIds(tenant, ['101']);
      expect(changedProperties(again?.properties ?? {}, written)).toBeUndefined();
      expect(changedProperties(again?.properties ?? {}, { pl_sourced_partner: '56' })).toStrictEqual({
        pl_sourced_partner: '56',
      });
      // The same deal id in another tenant is another deal.
      expect(propertiesById(await mirror.dealsByIds(other, ['101']))).toStrictEqual({
        '101': { pl_attribution_status: 'missing_partner' },
      });
    });

    it('given a cleared value, when recorded, then the empty string is stored (the diff reads it as unset)', async () => {
      await mirror.upsertDeals(tenant, [mirrorDeal('103', { pl_duplicate_of: '101', pl_dedupe_status: 'suspected' })]);
      await mirror.recordDealValues(tenant, new Map([['103', { pl_duplicate_of: '', pl_dedupe_status: 'unique' }]]));
      const [deal] = await mirror.dealsByIds(tenant, ['103']);
      expect(deal?.properties).toStrictEqual({ pl_duplicate_of: '', pl_dedupe_status: 'unique' });
      expect(changedProperties(deal?.properties ?? {}, { pl_duplicate_of: '' })).toBeUndefined();
    });

    it('given several deals and one not mirrored, when recorded in one call, then each gets its own values and no row is created', async () => {
      await mirror.upsertDeals(tenant, [mirrorDeal('104', {}), mirrorDeal('105', { pl_partner_score: '10' })]);
      await mirror.recordDealValues(
        tenant,
        new Map([
          ['104', { pl_partner_score: '71' }],
          ['105', { pl_partner_score: '72' }],
          ['999', { pl_partner_score: '73' }],
        ]),
      );
      expect(propertiesById(await mirror.dealsByIds(tenant, ['104', '105', '999']))).toStrictEqual({
        '104': { pl_partner_score: '71' },
        '105': { pl_partner_score: '72' },
      });
      expect(await mirror.findDeal(tenant, '999')).toBeUndefined();
    });

    it('given recorded values, when the deal is read from the CRM again, then the fresh read replaces them', async () => {
      await mirror.upsertDeals(tenant, [mirrorDeal('106', { pl_attribution_status: 'missing_partner' })]);
      await mirror.recordDealValues(tenant, new Map([['106', { pl_attribution_status: 'complete' }]]));
      // A seller cleared it in HubSpot since: the re-read is the truth the next diff compares with.
      await mirror.upsertDeals(tenant, [mirrorDeal('106', { pl_attribution_status: '' })]);
      const [deal] = await mirror.dealsByIds(tenant, ['106']);
      expect(deal?.properties).toStrictEqual({ pl_attribution_status: '' });
      expect(changedProperties(deal?.properties ?? {}, { pl_attribution_status: 'complete' })).toStrictEqual({
        pl_attribution_status: 'complete',
      });
    });
  });

  describe('recording written partner values', () => {
    it('given partners with raw values, when the values just written are recorded, then livePartnerProperties returns them and the next diff is empty', async () => {
      await mirror.upsertPartners(
        tenant,
        [partner('p1'), partner('p2')],
        new Map([
          ['p1', { name: 'Partner p1', pl_partner_score: '40', pl_is_partner: 'true' }],
          ['p2', { name: 'Partner p2', pl_partner_score: null, pl_is_partner: 'true' }],
        ]),
      );
      await mirror.upsertPartners(other, [partner('p1')], new Map([['p1', { pl_partner_score: '1' }]]));
      const written = { pl_partner_score: '64', pl_partner_tier: 'gold' };

      await mirror.recordPartnerValues(tenant, new Map([['p1', written]]));

      const stored = await mirror.livePartnerProperties(tenant);
      expect(Object.fromEntries(stored)).toStrictEqual({
        p1: { name: 'Partner p1', pl_partner_score: '64', pl_is_partner: 'true', pl_partner_tier: 'gold' },
        p2: { name: 'Partner p2', pl_partner_score: null, pl_is_partner: 'true' },
      });
      expect(changedProperties(stored.get('p1') ?? {}, written)).toBeUndefined();
      expect(Object.fromEntries(await mirror.livePartnerProperties(other))).toStrictEqual({
        p1: { pl_partner_score: '1' },
      });
    });

    it('given recorded values, when partners are upserted without raw values, then the stored values stay; with them, they are replaced', async () => {
      const own = await connect('8301');
      await mirror.upsertPartners(
        own,
        [partner('p2')],
        new Map([['p2', { name: 'Partner p2', pl_is_partner: 'true' }]]),
      );
      await mirror.recordPartnerValues(own, new Map([['p2', { pl_partner_score: '12' }]]));
      // A read that did not fetch the raw values (e.g. a roster refresh) keeps the recorded ones.
      await mirror.upsertPartners(own, [{ ...partner('p2'), name: 'Renamed p2' }]);
      expect((await mirror.livePartnerProperties(own)).get('p2')).toStrictEqual({
        name: 'Partner p2',
        pl_is_partner: 'true',
        pl_partner_score: '12',
      });
      expect((await mirror.livePartners(own)).map((p) => p.name)).toEqual(['Renamed p2']);

      // A full read's raw values replace them.
      await mirror.upsertPartners(own, [partner('p2')], new Map([['p2', { pl_partner_score: '13' }]]));
      expect((await mirror.livePartnerProperties(own)).get('p2')).toStrictEqual({ pl_partner_score: '13' });
    });
  });

  describe('a first load (planner statistics)', () => {
    it('given an unanalysed mirror, when a load of 5,000 deals in pieces ends, then the statistics count them and a second read writes nothing', async () => {
      const own = await connect('8451');
      const statistics = async () =>
        Number(
          (
            await sql<{ n: number }>`select reltuples::float8 as n from pg_class where relname = 'crm_deals'`.execute(
              store.db,
            )
          ).rows[0]?.n,
        );
      expect(await statistics()).toBeLessThan(5_000);
      const deals = Array.from({ length: 5_000 }, (_, i) => mirrorDeal(String(700_000 + i), { amount: String(i) }));
      let written = 0;
      for (let start = 0; start < deals.length; start += 1_000) {
        written += await mirror.upsertDeals(own, deals.slice(start, start + 1_000));
      }
      expect(written).toBe(5_000);
      // Pieces leave the statistics to the end of the load (one analyze, not one per piece).
      expect(await statistics()).toBeLessThan(5_000);
      await mirror.refreshStatistics(written);
      // Without the analyze the store would still plan for an empty table (no autovacuum here, none in PGlite).
      expect(await statistics()).toBeGreaterThanOrEqual(5_000);
      expect(await mirror.upsertDeals(own, deals)).toBe(0);
    });
  });

  describe('a read that finds nothing changed (row digests)', () => {
    it('given mirrored deals, when the same deals are read again, then nothing is written and their match keys stay', async () => {
      const own = await connect('8401');
      const deals = ['301', '302'].map((id) => mirrorDeal(id, { amount: id }, `Globex renewal ${id}`));
      expect(await mirror.upsertDeals(own, deals)).toBe(2);
      const before = await store.db
        .selectFrom('crm_deals')
        .select(['deal_id', 'synced_at'])
        .where('tenant_id', '=', own)
        .execute();

      expect(await mirror.upsertDeals(own, deals)).toBe(0);
      const after = await store.db
        .selectFrom('crm_deals')
        .select(['deal_id', 'synced_at'])
        .where('tenant_id', '=', own)
        .execute();
      expect(after).toStrictEqual(before);
      const keys = dealMatchKeys(deals[0]?.deal ?? makeDeal('x'));
      expect((await mirror.dealsSharingKeys(own, keys)).map((deal) => deal.id)).toContain('301');

      // One changed deal among unchanged ones: only it is written.
      expect(await mirror.upsertDeals(own, [deals[0] as MirrorDeal, mirrorDeal('302', { amount: '9' })])).toBe(1);
      expect((await mirror.findDeal(own, '302'))?.properties).toStrictEqual({ amount: '9' });
    });

    it('given values we wrote, when the CRM gives back exactly what the last read held (our write undone), then the row is rewritten to it', async () => {
      const own = await connect('8402');
      const read = mirrorDeal('311', { pl_attribution_status: 'missing_partner' });
      await mirror.upsertDeals(own, [read]);
      await mirror.recordDealValues(own, new Map([['311', { pl_attribution_status: 'complete' }]]));

      expect(await mirror.upsertDeals(own, [read])).toBe(1);
      expect((await mirror.findDeal(own, '311'))?.properties).toStrictEqual({
        pl_attribution_status: 'missing_partner',
      });
    });

    it('given values we wrote over what was stored, when the next read finds exactly them, then nothing is written', async () => {
      const own = await connect('8405');
      const read = mirrorDeal('341', { amount: '7', pl_attribution_status: 'missing_partner' });
      await mirror.upsertDeals(own, [read]);
      await mirror.recordDealValues(
        own,
        new Map([['341', { pl_attribution_status: 'complete' }]]),
        new Map([['341', read.properties]]),
      );

      // HubSpot gives the written value back (keys in another order): the row already holds it.
      const reread = mirrorDeal('341', { pl_attribution_status: 'complete', amount: '7' });
      expect(await mirror.upsertDeals(own, [reread])).toBe(0);
      expect((await mirror.findDeal(own, '341'))?.properties).toStrictEqual({
        amount: '7',
        pl_attribution_status: 'complete',
      });
      // Anything else is written.
      expect(
        await mirror.upsertDeals(own, [mirrorDeal('341', { amount: '8', pl_attribution_status: 'complete' })]),
      ).toBe(1);
    });

    it('given the row changed between the comparison and the record (another read), when recorded, then the next read rewrites it', async () => {
      const own = await connect('8406');
      const compared = mirrorDeal('351', { amount: '1', pl_attribution_status: 'missing_partner' });
      await mirror.upsertDeals(own, [compared]);
      await mirror.upsertDeals(own, [mirrorDeal('351', { amount: '2', pl_attribution_status: 'missing_partner' })]);
      await mirror.recordDealValues(
        own,
        new Map([['351', { pl_attribution_status: 'complete' }]]),
        new Map([['351', compared.properties]]),
      );

      // What the stale comparison would predict is not what the row holds ({amount: 2, complete}).
      expect(
        await mirror.upsertDeals(own, [mirrorDeal('351', { amount: '1', pl_attribution_status: 'complete' })]),
      ).toBe(1);
      expect((await mirror.findDeal(own, '351'))?.properties).toStrictEqual({
        amount: '1',
        pl_attribution_status: 'complete',
      });
    });

    it('given values that would read alike run together (null, empty, separators inside a value), when read, then each is told apart', async () => {
      const own = await connect('8407');
      const variants: Values[] = [
        { a: null, b: 'x' },
        { a: '', b: 'x' },
        { a: 'x', b: null },
        { a: 'x', b: '' },
        { a: 'x\u0001', b: '' },
        { a: 'x\u00021\u0001', b: '' },
      ];
      expect(await mirror.upsertDeals(own, [mirrorDeal('361', variants[0] ?? {})])).toBe(1);
      for (const values of variants.slice(1)) {
        expect(await mirror.upsertDeals(own, [mirrorDeal('361', values)])).toBe(1);
        expect((await mirror.findDeal(own, '361'))?.properties).toStrictEqual(values);
      }
      // The same values in another key order are the same values.
      expect(await mirror.upsertDeals(own, [mirrorDeal('361', { b: '', a: 'x\u00021\u0001' })])).toBe(0);
    });

    it('given reads that began in some order, when stored out of order, then the newest read stays and the older is reported superseded', async () => {
      const own = await connect('8408');
      const [first, second, third, fourth] = [
        await mirror.readStart(),
        await mirror.readStart(),
        await mirror.readStart(),
        await mirror.readStart(),
      ];
      expect(new Set([first, second, third, fourth]).size).toBe(4);
      const numbers = [first, second, third, fourth].map(BigInt);
      expect(numbers.every((n, i) => i === 0 || (numbers[i - 1] ?? n) < n)).toBe(true);
      const readsAfter = async (read: string) => [...(await mirror.readsAfter(own, read, ['371', '372']))];

      const newest = mirrorDeal('371', { amount: '2' }, 'Initech expansion');
      expect(await mirror.upsertDeals(own, [newest], second)).toBe(1);
      const older = mirrorDeal('371', { amount: '1' }, 'Globex renewal');
      expect(await mirror.upsertDeals(own, [older, mirrorDeal('372', {})], first)).toBe(1);
      expect((await mirror.findDeal(own, '371'))?.properties).toStrictEqual({ amount: '2' });
      // Its match keys are the newer read's too.
      const storedKeys = await store.db
        .selectFrom('deal_match_keys')
        .select('match_key')
        .where('tenant_id', '=', own)
        .where('deal_id', '=', '371')
        .execute();
      expect(storedKeys.map((row) => row.match_key).sort()).toStrictEqual([...dealMatchKeys(newest.deal)].sort());
      expect(await readsAfter(first)).toStrictEqual([['371', second]]);
      expect(await readsAfter(second)).toStrictEqual([]);

      // A read that found the deal gone counts too: an older read does not bring it back, a newer one does.
      await mirror.markDeleted(own, 'deals', ['371'], third);
      expect(await mirror.upsertDeals(own, [mirrorDeal('371', { amount: '2' })], second)).toBe(0);
      expect((await mirror.findDeal(own, '371'))?.deletedAt).not.toBeNull();
      expect(await readsAfter(second)).toStrictEqual([['371', third]]);
      expect(await mirror.upsertDeals(own, [mirrorDeal('371', { amount: '3' })], fourth)).toBe(1);
      expect((await mirror.findDeal(own, '371'))?.deletedAt).toBeNull();
      // Without a read's number (a caller that does not order its reads) the deals replace what is stored.
      expect(await mirror.upsertDeals(own, [mirrorDeal('371', { amount: '0' })])).toBe(1);
      expect((await mirror.findDeal(own, '371'))?.properties).toStrictEqual({ amount: '0' });
    });

    it('given a deal marked deleted, when it is read again unchanged, then it comes back to life', async () => {
      const own = await connect('8403');
      const deal = mirrorDeal('321', { amount: '5' });
      await mirror.upsertDeals(own, [deal]);
      await mirror.markDeleted(own, 'deals', ['321']);

      expect(await mirror.upsertDeals(own, [deal])).toBe(1);
      expect((await mirror.findDeal(own, '321'))?.deletedAt).toBeNull();
    });

    it('given a deal moved to another account, when read again, then its match keys follow the new account', async () => {
      const own = await connect('8404');
      const old = mirrorDeal('331', {});
      const renamed: MirrorDeal = {
        ...old,
        deal: makeDeal('331', { account: { id: 'a-999', name: 'Umbrella Corp', domain: 'umbrella.example' } }),
      };
      await mirror.upsertDeals(own, [old]);
      await mirror.upsertDeals(own, [renamed]);
      const oldOnly = dealMatchKeys(old.deal).filter((key) => !dealMatchKeys(renamed.deal).includes(key));

      expect(oldOnly.length).toBeGreaterThan(0);
      expect(await mirror.dealsSharingKeys(own, oldOnly)).toStrictEqual([]);
      expect((await mirror.dealsSharingKeys(own, dealMatchKeys(renamed.deal))).map((deal) => deal.id)).toStrictEqual([
        '331',
      ]);
    });
  });

  describe('the roster kept per tenant', () => {
    it('given a roster read by one replica, when another replica renames, retires or adds a partner, then the next read sees it', async () => {
      const own = await connect('8501');
      const replica = new CrmMirrorRepository(store.db);
      await mirror.upsertPartners(own, [partner('1'), partner('2')]);
      expect((await mirror.livePartners(own)).map((p) => p.name)).toEqual(['Partner 1', 'Partner 2']);

      await replica.upsertPartners(own, [{ ...partner('1'), name: 'Renamed One' }]);
      expect((await mirror.livePartners(own)).map((p) => p.name)).toEqual(['Renamed One', 'Partner 2']);
      await replica.retirePartners(own, ['2']);
      expect((await mirror.livePartners(own)).map((p) => p.id)).toEqual(['1']);
      await replica.upsertPartners(own, [partner('2'), partner('3')]);
      expect((await mirror.livePartners(own)).map((p) => p.id)).toEqual(['1', '2', '3']);
    });

    it('given partner rows, when any statement inserts, updates or deletes some, then only their tenant version moves, in the writing transaction', async () => {
      const own = await connect('8503');
      const version = async (tenantId: string, db: Kysely<StoreSchema> = store.db) =>
        (await rosterVersionOf(tenantId).execute(db)).rows[0]?.version;
      expect(await version(own)).toBe('0');
      await mirror.upsertPartners(own, [partner('1'), partner('2')]);
      await mirror.upsertPartners(other, [partner('9')]);
      const afterInsert = await version(own);
      const otherBefore = await version(other);

      // A statement that matches no row moves nothing.
      await sql`update crm_partners set partner = partner where tenant_id = ${own} and partner_id = 'none'`.execute(
        store.db,
      );
      expect(await version(own)).toBe(afterInsert);

      // A write rolled back leaves the version as it was; a hard delete moves it like a soft one.
      await expect(
        store.db.transaction().execute(async (trx) => {
          await sql`delete from crm_partners where tenant_id = ${own} and partner_id = '2'`.execute(trx);
          expect(await version(own, trx)).not.toBe(afterInsert);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await version(own)).toBe(afterInsert);
      await sql`delete from crm_partners where tenant_id = ${own} and partner_id = '2'`.execute(store.db);
      const afterDelete = await version(own);
      expect(afterDelete).not.toBe(afterInsert);
      expect((await mirror.livePartners(own)).map((p) => p.id)).toEqual(['1']);
      await mirror.retirePartners(own, ['1']);
      expect(await version(own)).not.toBe(afterDelete);
      expect(await mirror.livePartners(own)).toEqual([]);
      expect(await version(other)).toBe(otherBefore);

      // A removed tenant takes its partners and its counter with it.
      await sql`delete from tenants where id = ${own}`.execute(store.db);
      expect(
        (
          await sql<{ n: string }>`select count(*)::text as n from roster_versions where tenant_id = ${own}`.execute(
            store.db,
          )
        ).rows[0]?.n,
      ).toBe('0');
      expect(await version(other)).toBe(otherBefore);
    });

    it('given a cached roster, when a caller changes the list it got, then the next caller gets the roster intact', async () => {
      const own = await connect('8502');
      await mirror.upsertPartners(own, [partner('1'), partner('2')]);
      const first = await mirror.livePartners(own);
      first.pop();
      expect(() => {
        (first[0] as { name: string }).name = 'x';
      }).toThrow(TypeError);
      expect((await mirror.livePartners(own)).map((p) => [p.id, p.name])).toEqual([
        ['1', 'Partner 1'],
        ['2', 'Partner 2'],
      ]);
    });
  });

  describe('a full read: upsertDeals then markUnseenDeleted', () => {
    /**
     * A full read starting after every row the tenant has stored so far (PGlite's clock can read the same instant for
     * two statements in a row; a row stored at the read's very start counts as newer than the read).
     */
    async function readStartingAfterStored(tenantId: string) {
      const { rows } = await sql<{ at: string | null }>`
        select greatest((select max(synced_at) from crm_deals where tenant_id = ${tenantId}),
          (select max(synced_at) from crm_partners where tenant_id = ${tenantId}))::text as at`.execute(store.db);
      const stored = rows[0]?.at ?? null;
      return eventually(async () => {
        const read = await mirror.fullReadStart(tenantId);
        const after = await sql<{ after: boolean }>`
          select ${stored}::timestamptz is null or ${stored}::timestamptz < ${read.startedAt}::timestamptz as after`.execute(
          store.db,
        );
        return after.rows[0]?.after ? read : undefined;
      });
    }

    it('given mirrored deals, when a full read did not see some, then exactly those are marked deleted and leave the live reads', async () => {
      const own = await connect('8201');
      const theirs = await connect('8202');
      await mirror.upsertDeals(
        own,
        ['201', '202', '203', '204'].map((id) => mirrorDeal(id, { amount: id })),
      );
      await mirror.upsertDeals(theirs, [mirrorDeal('202', {})]);

      // The next full read sees 201 and 203 (and 205, new).
      const { startedAt } = await readStartingAfterStored(own);
      await mirror.upsertDeals(own, [mirrorDeal('201', { amount: '1' }), mirrorDeal('203', {}), mirrorDeal('205', {})]);
      // Meanwhile a drain stores 206, created after the read passed its page: newer than the read, not deleted.
      await mirror.upsertDeals(own, [mirrorDeal('206', {})]);
      const gone = await mirror.markUnseenDeleted(own, 'deals', new Set(['201', '203', '205']), startedAt);

      expect(gone).toBe(2);
      expect((await mirror.liveDeals(own)).map((entry) => entry.deal.id)).toEqual(['201', '203', '205', '206']);
      expect((await mirror.dealsByIds(own, ['201', '202', '204'])).map((entry) => entry.deal.id)).toEqual(['201']);
      expect((await mirror.findDeal(own, '202'))?.deletedAt).toBeInstanceOf(Date);
      expect((await mirror.findDeal(own, '204'))?.deletedAt).toBeInstanceOf(Date);
      expect((await mirror.findDeal(own, '201'))?.deletedAt).toBeNull();
      expect((await mirror.findDeal(own, '201'))?.properties).toStrictEqual({ amount: '1' });
      expect(await mirror.counts(own)).toStrictEqual({ deals: 4, deletedDeals: 2, partners: 0 });
      // Another tenant's deal with a deleted id is untouched.
      expect((await mirror.findDeal(theirs, '202'))?.deletedAt).toBeNull();

      // Nothing more is unseen: a second pass deletes nothing; a deal seen again comes back to life.
      const second = await readStartingAfterStored(own);
      expect(
        await mirror.markUnseenDeleted(own, 'deals', new Set(['201', '203', '205', '206']), second.startedAt),
      ).toBe(0);
      await mirror.upsertDeals(own, [mirrorDeal('202', { amount: 'back' })]);
      expect((await mirror.findDeal(own, '202'))?.deletedAt).toBeNull();
      expect(await mirror.counts(own)).toStrictEqual({ deals: 5, deletedDeals: 1, partners: 0 });
    });

    it('given partners, when a full read did not see one, then it leaves the roster and its values', async () => {
      const own = await connect('8302');
      await mirror.upsertPartners(
        own,
        [partner('p1'), partner('p8'), partner('p9')],
        new Map([['p9', { pl_is_partner: 'true' }]]),
      );
      const gone = await mirror.markUnseenDeleted(
        own,
        'companies',
        new Set(['p1', 'p8']),
        (await readStartingAfterStored(own)).startedAt,
      );
      expect(gone).toBe(1);
      expect((await mirror.livePartners(own)).map((p) => p.id)).toEqual(['p1', 'p8']);
      expect([...(await mirror.livePartnerProperties(own)).keys()].sort()).toEqual(['p1', 'p8']);
      expect(await mirror.counts(own)).toStrictEqual({ deals: 0, deletedDeals: 0, partners: 2 });
    });
  });

  describe('resolving ids through merge aliases', () => {
    it('given merges (a chain, a cycle, another object type, another tenant), when resolving many ids, then each maps to where it lives now, like resolveId', async () => {
      // a → b → c (merged twice), x → y, p ↔ q (a cycle must not hang), and lookalikes that must not apply.
      for (const [oldId, newId] of [
        ['a', 'b'],
        ['b', 'c'],
        ['x', 'y'],
        ['p', 'q'],
        ['q', 'p'],
      ]) {
        await mirror.addAlias(tenant, 'deals', oldId as string, newId as string);
      }
      await mirror.addAlias(tenant, 'companies', 'z', 'company-z');
      await mirror.addAlias(other, 'deals', 'y', 'theirs');
      await mirror.addAlias(tenant, 'deals', 'same', 'same');

      const ids = ['a', 'b', 'c', 'x', 'y', 'z', 'same', 'unknown', 'a'];
      const resolved = await mirror.resolveIds(tenant, 'deals', ids);

      expect(Object.fromEntries(resolved)).toStrictEqual({
        a: 'c',
        b: 'c',
        c: 'c',
        x: 'y',
        y: 'y',
        z: 'z',
        same: 'same',
        unknown: 'unknown',
      });
      for (const id of ids) expect(resolved.get(id)).toBe(await mirror.resolveId(tenant, 'deals', id));
      // The cycle ends rather than loops; both ways agree where it ends.
      const cycle = await mirror.resolveIds(tenant, 'deals', ['p', 'q']);
      expect(cycle.get('p')).toBe(await mirror.resolveId(tenant, 'deals', 'p'));
      expect(cycle.get('q')).toBe(await mirror.resolveId(tenant, 'deals', 'q'));
      expect(Object.fromEntries(cycle)).toStrictEqual({ p: 'q', q: 'p' });

      expect(Object.fromEntries(await mirror.resolveIds(tenant, 'companies', ['z', 'a']))).toStrictEqual({
        z: 'company-z',
        a: 'a',
      });
      expect(Object.fromEntries(await mirror.resolveIds(other, 'deals', ['x', 'y']))).toStrictEqual({
        x: 'x',
        y: 'theirs',
      });
      expect((await mirror.resolveIds(tenant, 'deals', [])).size).toBe(0);
    });

    it('given an alias re-pointed by a later merge, when resolving, then the latest target wins', async () => {
      await mirror.addAlias(tenant, 'deals', 'm1', 'm2');
      await mirror.addAlias(tenant, 'deals', 'm1', 'm3');
      expect(Object.fromEntries(await mirror.resolveIds(tenant, 'deals', ['m1']))).toStrictEqual({ m1: 'm3' });
    });
  });
});
