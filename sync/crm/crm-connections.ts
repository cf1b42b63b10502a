import type { CrmConnector, CrmConnectors, CrmProvider } from '../../src/crm/crm-connector.ts';
import { providerOf } from '../platform/store/tenants.repo.ts';

/**
 * The connector of each tenant, chosen by the tenant's provider among the configured ones (HubSpot when its app
 * credentials are set; Salesforce beside it later). Features hold this, never a provider's own connections.
 */
export class CrmConnections implements CrmConnectors {
  constructor(private readonly providers: Partial<Record<CrmProvider, CrmConnectors>>) {}

  /** Whether any CRM is configured (without one, the service runs no CRM work). */
  get configured(): boolean {
    return Object.keys(this.providers).length > 0;
  }

  connector(tenantId: string): CrmConnector {
    return this.#provider(tenantId).connector(tenantId);
  }

  forget(tenantId: string): void {
    this.#provider(tenantId).forget(tenantId);
  }

  #provider(tenantId: string): CrmConnectors {
    const provider = providerOf(tenantId);
    const connectors = provider && this.providers[provider];
    if (!connectors) throw new Error(`no CRM connector is configured for tenant ${tenantId}`);
    return connectors;
  }
}
