import type { CrmDealsRead, CrmPartnersRead, CrmSnapshot } from '../../model/crm-record.ts';
import { PARTNER_ROLES, type PartnerRole } from '../../model/deal.ts';
import type { Partner } from '../../model/partner.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type {
  CrmConnector,
  CrmObject,
  CrmUser,
  NewDeal,
  PartnerLink,
  PropertyUpdate,
  RecordLinks,
  SnapshotReadOptions,
  WriteOutcome,
} from '../crm-connector.ts';
import type { HubSpotClient } from './hubspot-client.ts';
import { isHubSpotForbidden } from './hubspot-errors.ts';
import { hubspotRecordLinks } from './hubspot-links.ts';
import { COMPANY_READ_PROPERTIES, partnerFromHubSpot } from './hubspot-mapping.ts';
import type { HubSpotObjects } from './hubspot-objects.ts';
import { readDeals, readPortal } from './hubspot-portal-reader.ts';
import { type ProvisioningReport, provisionPortal } from './hubspot-provisioning.ts';
import { isPortalAdmin, readUserRole } from './hubspot-users.ts';

/** The association type id of each role label in one portal (ids differ per portal), kept by the service. */
export interface RoleLabelStore {
  load(): Promise<Partial<Record<PartnerRole, number>>>;
  save(labels: Record<PartnerRole, number>): Promise<void>;
}

export interface HubSpotConnectorOptions {
  portalId: string;
  client: HubSpotClient;
  objects: HubSpotObjects;
  roleLabels: RoleLabelStore;
}

/** A stored role-label map, tolerant of settings written by older releases: only numeric ids of known roles count. */
export function parseRoleLabels(stored: unknown): Partial<Record<PartnerRole, number>> {
  if (typeof stored !== 'object' || stored === null) return {};
  const out: Partial<Record<PartnerRole, number>> = {};
  for (const role of PARTNER_ROLES) {
    const typeId = (stored as Record<string, unknown>)[role];
    if (typeof typeId === 'number') out[role] = typeId;
  }
  return out;
}

/**
 * The CRM port on one HubSpot portal: deals are deals, partners are companies flagged as partners, a partner's role
 * on a deal is a labelled deal→company association (the label's type id provisioned per portal).
 */
export class HubSpotConnector implements CrmConnector {
  readonly provider = 'hubspot';
  readonly links: RecordLinks;

  constructor(private readonly options: HubSpotConnectorOptions) {
    this.links = hubspotRecordLinks(options.portalId);
  }

  async readSnapshot({ dealProperties, partnerProperties, ...callbacks }: SnapshotReadOptions): Promise<CrmSnapshot> {
    const snapshot = await readPortal(this.options.objects, {
      extraDealProperties: dealProperties,
      extraCompanyProperties: partnerProperties,
      ...callbacks,
    });
    const { companies, deals, associations, accountPartners } = snapshot.calls;
    return {
      partners: snapshot.partners,
      partnerProperties: snapshot.partnerProperties,
      deals: snapshot.deals,
      readCalls: companies + deals + associations + accountPartners,
    };
  }

  whenCallsFree(calls: number): Promise<void> {
    return this.options.client.whenCallsFree(calls);
  }

  readDeals(
    ids: readonly string[],
    options: { dealProperties: readonly string[]; partnerIds: ReadonlySet<string> },
  ): Promise<CrmDealsRead> {
    return readDeals(this.options.objects, ids, {
      extraDealProperties: options.dealProperties,
      partnerIds: options.partnerIds,
    });
  }

  async readPartners(ids: readonly string[], properties: readonly string[]): Promise<CrmPartnersRead> {
    const records = await this.options.objects.batchRead('companies', ids, [...COMPANY_READ_PROPERTIES, ...properties]);
    return {
      partners: records.map(partnerFromHubSpot).filter((partner): partner is Partner => partner !== undefined),
      properties: new Map(records.map((record) => [record.id, record.properties])),
      read: records.length,
    };
  }

  async writeProperties(object: CrmObject, updates: readonly PropertyUpdate[]): Promise<WriteOutcome> {
    const calls = await this.options.objects.batchUpdate(object === 'partners' ? 'companies' : 'deals', updates);
    return { calls, refused: [] };
  }

  async linkableRoles(): Promise<ReadonlySet<PartnerRole>> {
    return new Set(Object.keys(await this.options.roleLabels.load()) as PartnerRole[]);
  }

  async linkPartners(links: readonly PartnerLink[]): Promise<void> {
    if (links.length === 0) return;
    const labels = await this.options.roleLabels.load();
    const inputs = links.map((link) => ({ fromId: link.dealId, toId: link.partnerId, typeId: typeIdOf(labels, link) }));
    await this.options.objects.batchAssociate('deals', 'companies', inputs);
  }

  async unlinkPartner(link: PartnerLink): Promise<void> {
    const typeId = typeIdOf(await this.options.roleLabels.load(), link);
    await this.options.objects.batchRemoveLabels('deals', 'companies', [
      { fromId: link.dealId, toId: link.partnerId, typeId },
    ]);
  }

  async createDeal(input: NewDeal): Promise<{ id: string; created: boolean }> {
    const found = await this.options.objects.search('deals', {
      filterGroups: [{ filters: [{ propertyName: input.key.property, operator: 'EQ', value: input.key.value }] }],
      properties: ['dealname'],
      limit: 1,
    });
    const existing = found.results[0];
    if (existing) return { id: existing.id, created: false };
    const start = await this.options.objects.firstOpenDealStage();
    const record = await this.options.objects.create('deals', {
      dealname: input.name,
      ...(start ? { pipeline: start.pipeline, dealstage: start.stage } : {}),
      ...(input.amount === null ? {} : { amount: String(input.amount) }),
      ...(input.currency === null ? {} : { deal_currency_code: input.currency.toUpperCase() }),
      ...(input.closeDate === null ? {} : { closedate: input.closeDate }),
      ...input.properties,
      [input.key.property]: input.key.value,
    });
    return { id: record.id, created: true };
  }

  async mergeDeals(primaryId: string, mergedId: string): Promise<{ survivorId: string }> {
    // HubSpot answers with the surviving record, which may carry a new id.
    const result = await this.options.objects.merge('deals', primaryId, mergedId);
    return { survivorId: result?.id ?? primaryId };
  }

  async provision(): Promise<ProvisioningReport> {
    const report = await provisionPortal(this.options.client);
    // The association type id of each role label, for linking partners (ids differ per portal).
    await this.options.roleLabels.save(report.roleLabels);
    return report;
  }

  async user(userId: string): Promise<CrmUser | undefined> {
    const user = await readUserRole(this.options.client, userId);
    return user && { userId: user.userId, admin: isPortalAdmin(user) };
  }

  isForbidden(error: unknown): boolean {
    return isHubSpotForbidden(error);
  }
}

function typeIdOf(labels: Partial<Record<PartnerRole, number>>, link: PartnerLink): number {
  const typeId = labels[link.role];
  if (typeId === undefined) {
    throw new NotFoundError(
      `the ${link.role} association label is not provisioned in this portal yet; try again in a minute`,
    );
  }
  return typeId;
}
