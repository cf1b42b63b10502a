import type { CrmRecord, HubSpotObjects } from '../../src/crm/hubspot/hubspot-objects.ts';
import { type DemoPortal, PARTNER_ROLE_LABELS } from './demo-portal.ts';

const LABELS = new Map(PARTNER_ROLE_LABELS.map((label) => [label.typeId, label.label]));

/**
 * The demo portal behind the calls `readPortal` makes, so the export and the benchmarks build the canonical model with
 * the service's own read and mapping, without a CRM in the loop (pages of 100, deal→company links with their role
 * labels; the demo has no company↔company links).
 */
export function demoObjects(demo: DemoPortal): HubSpotObjects {
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
    (type === 'companies' ? demo.companies : demo.deals).map(
      (record): CrmRecord => ({
        id: record.id,
        properties: record.properties as Record<string, string | null>,
        createdAt: new Date(record.createdAt).toISOString(),
        updatedAt: new Date(record.updatedAt).toISOString(),
      }),
    );
  return {
    listAll: (type: 'companies' | 'deals') => page(records(type)),
    // Deal→company links; the demo has no company↔company links (account partners).
    batchReadAssociations: async (fromType: string) => (fromType === 'deals' ? links : new Map()),
  } as unknown as HubSpotObjects;
}
