import type { CrmConnectors } from '../../../src/crm/crm-connector.ts';
import {
  SalesforceClient,
  type SalesforceCredentialStore,
  type SalesforceCredentials,
} from '../../../src/crm/salesforce/salesforce-client.ts';
import { SalesforceConnector, type SalesforceRefusedRecord } from '../../../src/crm/salesforce/salesforce-connector.ts';
import { SalesforcePacer } from '../../../src/crm/salesforce/salesforce-pacer.ts';
import { type Clock, systemClock } from '../../../src/shared/clock.ts';
import type { ErrorInboxRepository } from '../../inbox/error-inbox.repo.ts';
import type { Credentials, TenantsRepository } from '../../platform/store/tenants.repo.ts';

export interface SalesforceConnectionsOptions {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  tenants: TenantsRepository;
  /** Records Salesforce refused (validation rules, picklists, locks) go to the tenant's error inbox. */
  inbox: Pick<ErrorInboxRepository, 'record' | 'resolve'>;
  /** The share of an org's remaining daily allowance one run may use (the rest is the org's other integrations'). */
  allowanceShare?: number;
  clock?: Clock;
  /** Mutual exclusion across replicas (sync/platform/store/tenant-lock.ts), for the org's token refresh. */
  lock?: <T>(key: string, work: () => Promise<T>) => Promise<T>;
  onDisconnected?: (tenantId: string, reason: string) => void;
}

/** How the error inbox names what Salesforce refused. */
const INBOX_TYPE: Readonly<Record<SalesforceRefusedRecord['object'], string>> = {
  deals: 'opportunity',
  partners: 'account',
  links: 'partner_link',
};

/** Salesforce sessions have no fixed expiry (they time out when idle); stored as two hours for the record. */
const SESSION_MS = 2 * 60 * 60_000;

/** Our stored credentials ↔ the client's: the org id is the tenant's own id, the instance URL is kept beside them. */
export function toStored(credentials: SalesforceCredentials): Credentials {
  return {
    accessToken: credentials.accessToken,
    refreshToken: credentials.refreshToken,
    expiresAt: credentials.issuedAt + SESSION_MS,
    scopes: ['api', 'refresh_token'],
    instanceUrl: credentials.instanceUrl,
  };
}

/**
 * One Salesforce client per org, kept for the life of the process so its single-flight refresh and pacing cover every
 * caller in this replica; credentials live sealed on the tenants table (saved before a new token is used).
 */
export class SalesforceConnections implements CrmConnectors {
  readonly #connectors = new Map<string, SalesforceConnector>();

  constructor(private readonly options: SalesforceConnectionsOptions) {}

  connector(tenantId: string): SalesforceConnector {
    let connector = this.#connectors.get(tenantId);
    if (!connector) {
      const clock = this.options.clock ?? systemClock;
      const orgId = tenantId.slice(tenantId.indexOf(':') + 1);
      const store = this.credentialStore(tenantId, orgId);
      const client = new SalesforceClient({
        // Replaced by the stored instance URL once the credentials load (an org can move instance).
        instanceUrl: this.options.loginUrl,
        loginUrl: this.options.loginUrl,
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        credentials: store,
        pacer: new SalesforcePacer({ share: this.options.allowanceShare ?? 0.5 }, clock),
        clock,
      });
      connector = new SalesforceConnector({
        client,
        instanceUrl: this.options.loginUrl,
        onRefused: (records) => this.#refused(tenantId, records),
        // A record written after a fix (or a retry) closes its inbox entry.
        onAccepted: async (object, ids) => {
          await this.options.inbox.resolve({ tenantId, source: 'salesforce', objectType: INBOX_TYPE[object] }, ids);
        },
      });
      this.#connectors.set(tenantId, connector);
    }
    return connector;
  }

  forget(tenantId: string): void {
    this.#connectors.delete(tenantId);
  }

  credentialStore(tenantId: string, orgId: string): SalesforceCredentialStore {
    const { tenants } = this.options;
    return {
      load: async () => {
        const stored = await tenants.credentials(tenantId);
        if (!stored) return undefined;
        return {
          accessToken: stored.accessToken,
          refreshToken: stored.refreshToken,
          instanceUrl: stored.instanceUrl ?? this.options.loginUrl,
          orgId,
          issuedAt: stored.expiresAt - SESSION_MS,
        };
      },
      save: (credentials) => tenants.saveCredentials(tenantId, toStored(credentials)),
      ...(this.options.lock
        ? { exclusive: <T>(work: () => Promise<T>) => this.options.lock!(`salesforce-refresh:${tenantId}`, work) }
        : {}),
      markDisconnected: async (reason) => {
        await tenants.disconnect(tenantId, reason);
        this.forget(tenantId);
        this.options.onDisconnected?.(tenantId, reason);
      },
    };
  }

  async #refused(tenantId: string, records: readonly SalesforceRefusedRecord[]): Promise<void> {
    for (const record of records) {
      await this.options.inbox.record(
        {
          tenantId,
          source: 'salesforce',
          objectType: INBOX_TYPE[record.object],
          recordId: record.id,
        },
        { reason: record.reason, details: { code: record.code, fields: record.fields, details: record.details } },
      );
    }
  }
}
