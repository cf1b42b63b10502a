import type { CrmConnectors } from '../../crm-connector.ts';
import type { HubSpotClient } from '../hubspot-client.ts';
import { HubSpotConnector } from '../hubspot-connector.ts';
import type { HubSpotObjects } from '../hubspot-objects.ts';

/**
 * The HubSpot adapter over a stand-in for its batch update only (no client, no role labels): for tests and benchmarks
 * of write-back passes that count what the adapter sends, by HubSpot object type ('deals', 'companies').
 */
export function batchUpdateConnectors(
  batchUpdate: (type: string, inputs: Array<{ id: string; properties: Record<string, string> }>) => Promise<number>,
): CrmConnectors {
  const connector = new HubSpotConnector({
    portalId: '1',
    client: {} as HubSpotClient,
    objects: { batchUpdate } as unknown as HubSpotObjects,
    roleLabels: { load: async () => ({}), save: async () => undefined },
  });
  return { connector: () => connector, forget: () => undefined };
}
