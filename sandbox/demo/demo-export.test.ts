import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotClient } from '../../src/crm/hubspot/hubspot-client.ts';
import { HubSpotObjects } from '../../src/crm/hubspot/hubspot-objects.ts';
import { readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import { memoryCredentials } from '../../src/crm/hubspot/testing/memory-credentials.ts';
import { dealSchema } from '../../src/model/deal.ts';
import { partnerSchema } from '../../src/model/partner.ts';
import { type Sandbox, startSandbox } from '../server.ts';
import { exportDemoInterchange } from './demo-export.ts';

/*
 * The export is only worth having if `partnerloop report` on it gives the numbers the service computes on its
 * mirror: so it is checked against what the service's own full read (`readPortal`, real client) makes of the same
 * portal served by the sandbox.
 */
describe('exportDemoInterchange', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ deals: 400, seed: 13 });
  });
  afterAll(async () => sandbox?.close());

  it('given the demo portal served by the sandbox, when the service reads it, then it sees exactly the exported deals and partners', async () => {
    const tokens = sandbox.issueToken();
    const client = new HubSpotClient({
      baseUrl: sandbox.url,
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      credentials: memoryCredentials({ ...tokens, scopes: [] }).store,
    });
    const snapshot = await readPortal(new HubSpotObjects(client));
    const exported = await exportDemoInterchange(sandbox.demo!);

    const byId = <T extends { id: string }>(records: readonly T[]) =>
      [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(exported.deals).toHaveLength(400);
    expect(byId(exported.deals)).toEqual(byId(snapshot.deals.map((entry) => entry.deal)));
    expect(byId(exported.partners)).toEqual(byId(snapshot.partners));
    // Something to compare: labelled partners, unlabeled ones dropped (attribution gaps), co-sell among the roles.
    expect(exported.deals.some((deal) => deal.partners.some((entry) => entry.role === 'cosell'))).toBe(true);
    expect(snapshot.deals.some((entry) => entry.unlabeledPartnerIds.length > 0)).toBe(true);
  });

  it('given the export, when each record is validated against the interchange schema, then every one passes unchanged', async () => {
    const exported = await exportDemoInterchange(sandbox.demo!);
    for (const deal of exported.deals) expect(dealSchema.parse(JSON.parse(JSON.stringify(deal)))).toEqual(deal);
    for (const partner of exported.partners) {
      expect(partnerSchema.parse(JSON.parse(JSON.stringify(partner)))).toEqual(partner);
    }
    expect(new Set(exported.partners.map((partner) => partner.type))).toEqual(new Set(['named', 'self_serve']));
  });
});
