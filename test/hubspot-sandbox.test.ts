import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox/server.ts';
import type { HubSpotObjects } from '../src/crm/hubspot/hubspot-objects.ts';
import type { Store } from '../sync/platform/store/database.ts';
import { TenantsRepository } from '../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../sync/platform/store/token-cipher.ts';
import { HubSpotConnections } from '../sync/providers/hubspot/hubspot-connections.ts';
import { STORE_KINDS, testEncryptionKey } from './support/test-stores.ts';

/** The real SDK (through our client) against the CRM sandbox, with the store of the service behind it. */
describe('HubSpot client against the CRM sandbox', () => {
  let sandbox: Sandbox;
  let store: Store;
  let tenants: TenantsRepository;
  const tenantId = 'hubspot:sandbox';

  function connections(limits = { tenSecondly: 108, windowMs: 10_000, searchPerSecond: 50 }) {
    return new HubSpotConnections({
      apiBaseUrl: sandbox.url,
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      tenants,
      limits,
    });
  }

  async function connect(lifetimeMs?: number) {
    const issued = sandbox.issueToken(lifetimeMs ? { lifetimeMs } : {});
    await tenants.connect('hubspot', 'sandbox', {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      // The client believes the token is good for an hour, so only the sandbox's 401 can trigger the refresh.
      expiresAt: Date.now() + 3_600_000,
      scopes: [],
    });
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ deals: 10_450, seed: 7, limits: { searchPerSecond: 50 } });
    store = await STORE_KINDS[0]!.open();
    tenants = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
    await connect();
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
    await store?.close();
  });

  it('given more than one page of companies, when listed, then every page arrives and ids are unique', async () => {
    const objects = connections().objects(tenantId);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of objects.listAll('companies', ['name', 'domain'])) {
      pages += 1;
      ids.push(...page.map((record) => record.id));
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(sandbox.portal.count('companies'));
  });

  it('given a scripted 500 then 200, when a batch update runs, then it lands once and the sandbox saw two calls', async () => {
    const objects = connections().objects(tenantId);
    const [first] = (await objects.search('deals', { filterGroups: [], limit: 1, properties: ['dealname'] })).results;
    sandbox.faults.add({ route: 'POST /crm/objects/2026-03/deals/batch/update', script: [500, 'pass'] });
    sandbox.resetStats();
    await objects.batchUpdate('deals', [{ id: first!.id, properties: { dealname: 'Renamed by PartnerLoop' } }]);
    expect(sandbox.portal.resolve('deals', first!.id)?.properties.dealname).toBe('Renamed by PartnerLoop');
    expect(sandbox.stats().routes['POST /crm/objects/2026-03/deals/batch/update']?.calls).toBe(2);
  });

  it('given an access token the sandbox has expired, when called, then 401 → refresh → retry succeeds and the new token is stored', async () => {
    await connect(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = await tenants.credentials(tenantId);
    const objects = connections().objects(tenantId);
    const record = await objects.read('companies', [...sandbox.portal.records('companies')][0]!.id, ['name']);
    expect(record?.properties.name).toBeTruthy();
    const after = await tenants.credentials(tenantId);
    expect(after?.accessToken).not.toBe(before?.accessToken);
    expect(sandbox.oauth.accessTokenInfo(after!.accessToken)).toBeDefined();
  });

  it('given the portal limit is tighter than our pacing, when bursting, then 429s carry Retry-After and every call still succeeds', async () => {
    const tight = await startSandbox({ deals: 20, seed: 3, limits: { tenSecondly: 5, windowMs: 1000 } });
    try {
      const issued = tight.issueToken();
      await tenants.connect('hubspot', 'tight', { ...issued, expiresAt: Date.now() + 3_600_000, scopes: [] });
      const objects = new HubSpotConnections({
        apiBaseUrl: tight.url,
        clientId: tight.app.clientId,
        clientSecret: tight.app.clientSecret,
        tenants,
        limits: { tenSecondly: Number.POSITIVE_INFINITY, windowMs: 1000, searchPerSecond: 50 },
      }).objects('hubspot:tight');
      const ids = [...tight.portal.records('companies')].slice(0, 8).map((record) => record.id);
      const results = await Promise.all(ids.map((id) => objects.read('companies', id, ['name'])));
      expect(results.every((record) => record !== undefined)).toBe(true);
      expect(tight.stats().rateLimited).toBeGreaterThan(0);
    } finally {
      await tight.close();
    }
  });
});

describe('reading a whole portal into the canonical model', () => {
  /**
   * A seeded sandbox portal connected as tenant `hubspot:demo`, read through the service's own client (stats reset),
   * for `use`; both closed after.
   */
  async function withPortal(
    options: { deals: number; seed: number },
    use: (sandbox: Sandbox, objects: HubSpotObjects) => Promise<void>,
  ) {
    const sandbox = await startSandbox(options);
    const store = await STORE_KINDS[0]!.open();
    try {
      const tenants = new TenantsRepository(store.db, new TokenCipher(testEncryptionKey()));
      await tenants.connect('hubspot', 'demo', { ...sandbox.issueToken(), scopes: [] });
      const objects = new HubSpotConnections({
        apiBaseUrl: sandbox.url,
        clientId: sandbox.app.clientId,
        clientSecret: sandbox.app.clientSecret,
        tenants,
      }).objects('hubspot:demo');
      sandbox.resetStats();
      await use(sandbox, objects);
    } finally {
      await sandbox.close();
      await store.close();
    }
  }

  it('given a seeded demo portal, then deals carry their customer, labelled partner roles, and unlabeled partners separately', async () => {
    const { readPortal } = await import('../src/crm/hubspot/hubspot-portal-reader.ts');
    await withPortal({ deals: 300, seed: 11 }, async (sandbox, objects) => {
      const snapshot = await readPortal(objects);
      const partnerCompanies = [...sandbox.portal.records('companies')].filter(
        (c) => c.properties.pl_is_partner === 'true',
      );
      expect(snapshot.partners.map((p) => p.id).sort()).toEqual(partnerCompanies.map((c) => c.id).sort());
      expect(snapshot.deals).toHaveLength(sandbox.portal.count('deals'));
      const minimum =
        Math.ceil(sandbox.portal.count('companies') / 100) +
        Math.ceil(sandbox.portal.count('deals') / 100) +
        Math.ceil(sandbox.portal.count('deals') / 1000) +
        Math.ceil(partnerCompanies.length / 1000);
      expect(sandbox.stats().calls).toBe(minimum);

      // Cross-check every deal's partner roles against the sandbox's own association table.
      const labelRole: Record<string, string> = {
        Sourced: 'sourced',
        Influenced: 'influenced',
        'Co-sell': 'cosell',
        Reseller: 'reseller',
        Referral: 'referral',
      };
      const partnerIds = new Set(partnerCompanies.map((c) => c.id));
      let withPartners = 0;
      for (const { deal, unlabeledPartnerIds } of snapshot.deals) {
        const links = sandbox.portal.associationsOf('deals', deal.id, 'companies');
        const expectedRoles: string[] = [];
        const expectedUnlabeled: string[] = [];
        for (const [companyId, typeIds] of links ?? []) {
          if (!partnerIds.has(companyId)) {
            expect(deal.account.id).toBe(companyId);
            continue;
          }
          const roles = typeIds
            .map((typeId) => sandbox.portal.associationType('deals', 'companies', typeId)?.label)
            .filter((l): l is string => !!l && l in labelRole);
          if (roles.length === 0) expectedUnlabeled.push(companyId);
          for (const label of roles) expectedRoles.push(`${companyId}:${labelRole[label]}`);
        }
        expect(deal.partners.map((p) => `${p.partnerId}:${p.role}`).sort()).toEqual(expectedRoles.sort());
        expect([...unlabeledPartnerIds].sort()).toEqual(expectedUnlabeled.sort());
        if (deal.partners.length > 0) withPartners += 1;
      }
      expect(withPartners).toBeGreaterThan(10);
    });
  }, 60_000);

  it('given more deals than one association batch, then the roster and then completed deals are handed over a thousand at a time while the read goes on, in the same calls', async () => {
    const { readPortal } = await import('../src/crm/hubspot/hubspot-portal-reader.ts');
    await withPortal({ deals: 2_300, seed: 5 }, async (sandbox, objects) => {
      const pieces: Array<{ ids: string[]; callsSoFar: number }> = [];
      const rosters: Array<{ ids: string[]; piecesBefore: number }> = [];
      const snapshot = await readPortal(objects, {
        onPartners: (partners) => rosters.push({ ids: partners.map((p) => p.id), piecesBefore: pieces.length }),
        onDeals: (deals) =>
          pieces.push({ ids: deals.map((entry) => entry.deal.id), callsSoFar: sandbox.stats().calls }),
      });
      // The roster once, before any deal.
      expect(rosters).toEqual([{ ids: snapshot.partners.map((p) => p.id), piecesBefore: 0 }]);
      expect(rosters[0]?.ids.length).toBeGreaterThan(0);
      expect(pieces.map((piece) => piece.ids.length)).toEqual([1_000, 1_000, 300]);
      // Every deal once, in the snapshot's order.
      expect(pieces.flatMap((piece) => piece.ids)).toEqual(snapshot.deals.map((entry) => entry.deal.id));
      const total = sandbox.stats().calls;
      // Handed over as completed: the first piece before the later deal pages were read.
      expect(pieces[0]?.callsSoFar).toBeLessThan(total - 10);
      expect(pieces.at(-1)?.callsSoFar).toBe(total);
      const partners = [...sandbox.portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true');
      expect(total).toBe(
        Math.ceil(sandbox.portal.count('companies') / 100) +
          Math.ceil(2_300 / 100) +
          Math.ceil(2_300 / 1000) +
          Math.ceil(partners.length / 1000),
      );
    });
  }, 60_000);
});
