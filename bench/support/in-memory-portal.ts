import type { HubSpotObjects } from '../../src/crm/hubspot/hubspot-objects.ts';
import { type DemoPortal, PARTNER_ROLE_LABELS } from '../../sync/sandbox/demo-portal.ts';

const LABELS = new Map(PARTNER_ROLE_LABELS.map((label) => [label.typeId, label.label]));

/**
 * The demo portal behind the calls `readPortal` makes, so benchmarks build the canonical model with the real mapping
 * without a CRM in the loop (pages of 100, deal→company links with their role labels).
 */
export function inMemoryObjects(demo: DemoPortal): HubSpotObjects {
  const page = <T>(items: readonly T[]) =>
    (async function* () {
      for (let i = 0; i < items.length; i += 100) yield items.slice(i, i + 100);
    })();
  const links = new Map<string, Array<{ toId: string; typeIds: number[]; labels: string[] }>>();
  for (const association of demo.associations) {
    const list = links.get(association.dealId) ?? [];
    list.push({
      toId: association.companyId,
      typeIds: association.typeIds,
      labels: association.typeIds.flatMap((typeId) => LABELS.get(typeId) ?? []),
    });
    links.set(association.dealId, list);
  }
  const records = (type: 'companies' | 'deals') =>
    (type === 'companies' ? demo.companies : demo.deals).map((record) => ({
      id: record.id,
      properties: record.properties as Record<string, string | null>,
    }));
  return {
    listAll: (type: 'companies' | 'deals') => page(records(type)),
    // Deal→company links; the demo has no company↔company links (account partners).
    batchReadAssociations: async (fromType: string) => (fromType === 'deals' ? links : new Map()),
  } as unknown as HubSpotObjects;
}

/** Wall and CPU time (this process, so the embedded database counts) of one piece of async work. */
export async function measure<T>(work: () => Promise<T>): Promise<{ result: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return {
    result,
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((used.user + used.system) / 1000),
  };
}
