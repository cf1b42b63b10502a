/**
 * The client side of the reconcile benchmark, in its own process so its CPU time is measured apart from the
 * sandbox's. Reads the whole portal into the canonical model, then writes one property to every deal whose value
 * differs (changed-only, batched), and prints a JSON line with its own measurements.
 * Env: SANDBOX_URL, CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, MARKER (the value to write).
 */

import { readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import { changedProperties } from '../../src/model/crm-record.ts';
import { openStore } from '../../sync/platform/store/database.ts';
import { migrateToLatest } from '../../sync/platform/store/migrate.ts';
import { TenantsRepository } from '../../sync/platform/store/tenants.repo.ts';
import { TokenCipher } from '../../sync/platform/store/token-cipher.ts';
import { HubSpotConnections } from '../../sync/providers/hubspot/hubspot-connections.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const started = performance.now();
const cpuBefore = process.cpuUsage();
const store = await openStore({ dataDir: 'memory://' });
await migrateToLatest(store.db);
const tenants = new TenantsRepository(store.db, new TokenCipher(Buffer.alloc(32, 9)));
await tenants.connect('hubspot', 'bench', {
  accessToken: env('ACCESS_TOKEN'),
  refreshToken: env('REFRESH_TOKEN'),
  expiresAt: Date.now() + 3_600_000,
  scopes: [],
});
let calls = 0;
const connections = new HubSpotConnections({
  apiBaseUrl: env('SANDBOX_URL'),
  clientId: env('CLIENT_ID'),
  clientSecret: env('CLIENT_SECRET'),
  tenants,
  onCall: () => {
    calls += 1;
  },
});
const client = connections.client('hubspot:bench');
const objects = connections.objects('hubspot:bench');

// The property we write, created the way provisioning will: read first, create only when missing.
const existing = await client.call({
  method: 'GET',
  path: '/crm/properties/2026-03/deals/pl_bench_marker',
  idempotent: true,
  notFoundIsEmpty: true,
  operation: 'property read',
});
if (!existing) {
  await client.call({
    method: 'POST',
    path: '/crm/properties/2026-03/deals',
    body: {
      name: 'pl_bench_marker',
      label: 'PartnerLoop bench marker',
      type: 'string',
      fieldType: 'text',
      groupName: 'dealinformation',
    },
    idempotent: false,
    operation: 'property create',
  });
}
const cpuAfterStartup = process.cpuUsage();
const reconcileStarted = performance.now();
const snapshot = await readPortal(objects, {
  extraDealProperties: ['pl_bench_marker'],
  onProgress: (read) => {
    if (read % 20_000 === 0) process.stderr.write(`  read ${read} deals\n`);
  },
});
const readMs = performance.now() - reconcileStarted;
const marker = env('MARKER');
const updates = snapshot.deals.flatMap(({ deal, properties }) => {
  const changed = changedProperties(properties, { pl_bench_marker: marker });
  return changed ? [{ id: deal.id, properties: changed }] : [];
});
const writeCalls = await objects.batchUpdate('deals', updates);
const cpu = process.cpuUsage(cpuBefore);
const reconcileCpu = process.cpuUsage(cpuAfterStartup);
await store.close();
process.stdout.write(
  `${JSON.stringify({
    deals: snapshot.deals.length,
    partners: snapshot.partners.length,
    readCalls: snapshot.calls,
    changed: updates.length,
    writeCalls,
    clientCalls: calls,
    wallSeconds: (performance.now() - reconcileStarted) / 1000,
    startupSeconds: (reconcileStarted - started) / 1000,
    readSeconds: readMs / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    reconcileCpuSeconds: (reconcileCpu.user + reconcileCpu.system) / 1e6,
  })}\n`,
);
