import type { CrmConnectors } from '../../../src/crm/crm-connector.ts';
import type { CredentialStore } from '../../../src/crm/crm-credentials.ts';
import { type CallEvent, HubSpotClient } from '../../../src/crm/hubspot/hubspot-client.ts';
import { HubSpotConnector, parseRoleLabels } from '../../../src/crm/hubspot/hubspot-connector.ts';
import { HubSpotObjects } from '../../../src/crm/hubspot/hubspot-objects.ts';
import { type PortalLimits, PortalRateLimiter } from '../../../src/crm/hubspot/rate-limiter.ts';
import { type Clock, systemClock } from '../../../src/shared/clock.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';

export interface HubSpotConnectionsOptions {
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  tenants: TenantsRepository;
  limits?: PortalLimits;
  clock?: Clock;
  onCall?: (tenantId: string, event: CallEvent) => void;
  /** Told when HubSpot refuses a tenant's refresh token for good (the tenant is then disconnected). */
  onDisconnected?: (tenantId: string, reason: string) => void;
}

/**
 * One HubSpot client per tenant, kept for the life of the process so its pacing and single-flight refresh cover every
 * caller in this replica. Credentials and checkpoints live in the store (encrypted / validated).
 */
export class HubSpotConnections implements CrmConnectors {
  readonly #clients = new Map<
    string,
    { client: HubSpotClient; objects: HubSpotObjects; connector: HubSpotConnector }
  >();

  constructor(private readonly options: HubSpotConnectionsOptions) {}

  #connection(tenantId: string) {
    let connection = this.#clients.get(tenantId);
    if (!connection) {
      const clock = this.options.clock ?? systemClock;
      const onCall = this.options.onCall;
      const client = new HubSpotClient({
        baseUrl: this.options.apiBaseUrl,
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        credentials: this.credentialStore(tenantId),
        limiter: new PortalRateLimiter(this.options.limits, clock),
        clock,
        ...(onCall ? { onCall: (event: CallEvent) => onCall(tenantId, event) } : {}),
      });
      const objects = new HubSpotObjects(client);
      const { tenants } = this.options;
      const connector = new HubSpotConnector({
        portalId: tenantId.slice(tenantId.indexOf(':') + 1),
        client,
        objects,
        roleLabels: {
          load: async () => parseRoleLabels((await tenants.find(tenantId))?.settings.roleLabels),
          save: (roleLabels) => tenants.updateSettings(tenantId, { roleLabels }),
        },
      });
      connection = { client, objects, connector };
      this.#clients.set(tenantId, connection);
    }
    return connection;
  }

  client(tenantId: string): HubSpotClient {
    return this.#connection(tenantId).client;
  }

  objects(tenantId: string): HubSpotObjects {
    return this.#connection(tenantId).objects;
  }

  /** The tenant's portal behind the CRM port. */
  connector(tenantId: string): HubSpotConnector {
    return this.#connection(tenantId).connector;
  }

  /** Drops the cached client (after a disconnect or reinstall). */
  forget(tenantId: string): void {
    this.#clients.delete(tenantId);
  }

  credentialStore(tenantId: string): CredentialStore {
    const { tenants } = this.options;
    return {
      load: () => tenants.credentials(tenantId),
      save: (credentials) => tenants.saveCredentials(tenantId, credentials),
      markDisconnected: async (reason) => {
        await tenants.disconnect(tenantId, reason);
        this.forget(tenantId);
        this.options.onDisconnected?.(tenantId, reason);
      },
    };
  }
}
