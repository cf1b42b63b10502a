import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MotionState } from '../../src/cosell/motion-state-machine.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import { changedProperties } from '../../src/model/crm-record.ts';
import type { Deal } from '../../src/model/deal.ts';
import { STORE_KINDS } from '../../test/support/test-stores.ts';
import type { Store } from '../platform/store/database.ts';
import { seedDeals, seedPartners, seedTenant } from './cosell.fixtures.ts';
import { CoSellStatusWriter, cosellStatusValues } from './cosell-writer.ts';
import { CoSellMotionsRepository } from './motions.repo.ts';

describe('cosellStatusValues', () => {
  const statuses = new Map<string, MotionState>([
    ['d-active', 'active'],
    ['d-won', 'won'],
  ]);
  it.each([
    {
      case: 'a deal with motions and no CRM value',
      dealId: 'd-active',
      current: undefined,
      expected: { pl_cosell_status: 'active' },
    },
    {
      case: 'a deal whose CRM value is already right',
      dealId: 'd-won',
      current: 'won',
      expected: { pl_cosell_status: 'won' },
    },
    { case: 'a deal without motions and no CRM value', dealId: 'd-none', current: undefined, expected: undefined },
    { case: 'a deal without motions and an empty CRM value', dealId: 'd-none', current: '', expected: undefined },
    { case: 'a deal without motions and a null CRM value', dealId: 'd-none', current: null, expected: undefined },
    {
      case: 'a deal without motions but a stale CRM value',
      dealId: 'd-none',
      current: 'requested',
      expected: { pl_cosell_status: '' },
    },
  ])('given $case, then the desired value is $expected', ({ dealId, current, expected }) => {
    expect(cosellStatusValues([{ dealId, current }], statuses).get(dealId)).toEqual(expected);
  });
});

function canonical(id: string, properties: Record<string, string | null> = {}): CanonicalDeal {
  return { deal: { id } as Deal, properties, unlabeledPartnerIds: [] };
}

describe('CoSellStatusWriter', () => {
  it('given a webhook batch, then it asks for those deals only; given a full reconcile, then for all motions at once', async () => {
    const asked: Array<readonly string[] | 'all'> = [];
    const writer = new CoSellStatusWriter({
      statusesForDeals: async (_tenantId, dealIds) => {
        asked.push(dealIds);
        return new Map([['d-1', 'requested' as const]]);
      },
    });
    const deals = [canonical('d-1'), canonical('d-2', { pl_cosell_status: 'won' })];
    const partial = await writer.desired({ tenantId: 't', deals, partners: [], full: false });
    const full = await writer.desired({ tenantId: 't', deals, partners: [], full: true });
    expect(asked).toEqual([['d-1', 'd-2'], 'all']);
    for (const desired of [partial, full]) {
      expect(Object.fromEntries(desired)).toEqual({
        'd-1': { pl_cosell_status: 'requested' },
        'd-2': { pl_cosell_status: '' },
      });
    }
    expect(writer.properties).toEqual(['pl_cosell_status']);
    expect(await writer.desired({ tenantId: 't', deals: [], partners: [], full: true })).toEqual(new Map());
  });
});

describe.each(STORE_KINDS)('CoSellStatusWriter on $name', (kind) => {
  let store: Store;
  let motions: CoSellMotionsRepository;
  let tenant: string;

  beforeAll(async () => {
    store = await kind.open();
    motions = new CoSellMotionsRepository(store.db);
    tenant = await seedTenant(store, '8001');
    await seedDeals(store, tenant, [{ id: 'd-a' }, { id: 'd-b' }, { id: 'd-c' }]);
    await seedPartners(store, tenant, { 'p-1': 'One', 'p-2': 'Two' });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('given stored motions and the CRM values, then only changed values would be written', async () => {
    const who = { actor: 'Dana', ownerId: 'u-1' };
    const { motion } = await motions.start(tenant, 'd-a', { partnerId: 'p-1', ask: 'Help' }, who);
    await motions.transition(tenant, motion.id, { to: 'accepted' }, who);
    const second = await motions.start(tenant, 'd-a', { partnerId: 'p-2', ask: 'Help too' }, who);
    await motions.transition(tenant, second.motion.id, { to: 'rejected' }, who);
    await motions.start(tenant, 'd-b', { programme: 'AWS ACE', ask: 'Register', asDraft: true }, who);

    const deals = [
      canonical('d-a', { pl_cosell_status: 'requested' }),
      canonical('d-b', { pl_cosell_status: 'draft' }),
      canonical('d-c', { pl_cosell_status: 'active' }),
      canonical('d-none', {}),
    ];
    const writer = new CoSellStatusWriter(motions);
    for (const full of [false, true]) {
      const desired = await writer.desired({ tenantId: tenant, deals, partners: [], full });
      const writes = Object.fromEntries(
        deals.flatMap((entry) => {
          const changed = changedProperties(entry.properties, desired.get(entry.deal.id) ?? {});
          return changed ? [[entry.deal.id, changed]] : [];
        }),
      );
      // d-a: accepted beats the later rejection; d-b: unchanged; d-c: no motions, stale value cleared.
      expect(writes).toEqual({ 'd-a': { pl_cosell_status: 'accepted' }, 'd-c': { pl_cosell_status: '' } });
    }
  });

  it('given the writer clock past the SLA, then open motions are written with the aging flag and closed ones not', async () => {
    const later = new Date(Date.now() + 8 * 24 * 60 * 60 * 1000);
    const writer = new CoSellStatusWriter(motions, { now: () => later });
    const deals = [canonical('d-a', { pl_cosell_status: 'accepted' }), canonical('d-b', { pl_cosell_status: 'draft' })];
    const desired = await writer.desired({ tenantId: tenant, deals, partners: [], full: false });
    expect(Object.fromEntries(desired)).toEqual({
      'd-a': { pl_cosell_status: 'accepted_aging' },
      'd-b': { pl_cosell_status: 'draft_aging' },
    });
  });
});
