import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoObjects } from '../../sandbox/demo/demo-objects.ts';
import { generateDemoPortal } from '../../sandbox/demo/demo-portal.ts';
import { readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { Partner } from '../../src/model/partner.ts';
import { STORE_KINDS, silentLogger } from '../../test/support/test-stores.ts';
import { seedTenant, testCipher } from '../cosell/cosell.fixtures.ts';
import { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { Store } from '../platform/store/database.ts';
import { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { ScoresRepository } from './scores.repo.ts';
import { ScoringService } from './scoring.service.ts';
import type { ScoringRun } from './scoring-run.ts';

/** Above the size that scores on a worker thread, where a run over an unchanged input may keep the stored one. */
const DEALS = 6_000;

describe.each(STORE_KINDS)('a large scoring run over an unchanged input on $name', (kind) => {
  let store: Store;
  let tenantId: string;
  let scores: ScoresRepository;
  let deals: CanonicalDeal[];
  let partners: Partner[];
  let asOf: string;
  /** Runs the engine computed (not kept), counted by the repository's saves. */
  let saves = 0;
  let service: ScoringService;

  const copies = () => structuredClone(deals);
  const computedAt = async () =>
    (
      await sql<{ at: string }>`select computed_at::text as at from scoring_runs where tenant_id = ${tenantId}`.execute(
        store.db,
      )
    ).rows[0]?.at;
  const withoutDuration = ({ durationMs: _ms, ...run }: ScoringRun) => run;

  beforeAll(async () => {
    store = await kind.open();
    tenantId = await seedTenant(store, '8102');
    const demo = generateDemoPortal({ deals: DEALS, seed: 13 });
    const snapshot = await readPortal(demoObjects(demo));
    deals = snapshot.deals;
    partners = snapshot.partners;
    asOf = demo.asOf;
    const repository = new ScoresRepository(store.db);
    scores = Object.assign(Object.create(repository) as ScoresRepository, {
      save: (...args: Parameters<ScoresRepository['save']>) => {
        saves += 1;
        return repository.save(...args);
      },
    });
    service = new ScoringService({
      tenants: new TenantsRepository(store.db, testCipher()),
      scores,
      audit: new AuditLogRepository(store.db),
      logger: await silentLogger(),
      asOf: () => asOf,
    });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it('given the same deals, roster, config and day, then the stored run is kept and equals the computed one', async () => {
    const first = await service.run(tenantId, copies(), partners);
    expect(saves).toBe(1);
    expect(first.fits.size).toBeGreaterThan(0);
    const stamp = await computedAt();

    const second = await service.run(tenantId, copies(), partners);
    expect(saves).toBe(1); // not scored and stored again
    expect(await computedAt()).toBe(stamp);
    expect(second.durationMs).toBe(first.durationMs);
    expect(withoutDuration(second)).toStrictEqual(withoutDuration(first));
  }, 120_000);

  it('given a changed deal, another day, a changed roster or a run stored without a digest since, then it scores again', async () => {
    const changed = copies();
    const [a] = changed;
    if (!a) throw new Error('no deals');
    a.deal = { ...a.deal, amount: (a.deal.amount ?? 0) + 1 };
    saves = 0;
    await service.run(tenantId, changed, partners);
    expect(saves).toBe(1);
    await service.run(tenantId, changed, partners);
    expect(saves).toBe(1); // unchanged again: kept

    asOf = '2099-01-01';
    await service.run(tenantId, changed, partners);
    expect(saves).toBe(2);

    await service.run(tenantId, changed, partners.slice(1));
    expect(saves).toBe(3);

    // A small run (inline, no digest) replaces the stored scores: the large input's digest is forgotten with them.
    await service.run(tenantId, changed.slice(0, 10), partners.slice(1));
    expect(saves).toBe(4);
    await service.run(tenantId, changed, partners.slice(1));
    expect(saves).toBe(5);
  }, 120_000);
});
