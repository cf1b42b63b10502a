import type {
  CrmConnector,
  CrmConnectors,
  CrmObject,
  CrmProvisioningReport,
  CrmUser,
  NewDeal,
  PartnerLink,
  PropertyUpdate,
  RecordLinks,
  SnapshotReadOptions,
  WriteOutcome,
} from '../../../src/crm/crm-connector.ts';
import type {
  CanonicalDeal,
  CrmDealsRead,
  CrmPartnersRead,
  CrmSnapshot,
  CrmValues,
} from '../../../src/model/crm-record.ts';
import { dealSchema, PARTNER_ROLES, type PartnerRole } from '../../../src/model/deal.ts';
import type { Partner } from '../../../src/model/partner.ts';

/** One call the in-memory CRM received, in order (tests assert what the sync sent and in which order). */
export type MemoryCrmCall =
  | { op: 'writeProperties'; object: CrmObject; updates: PropertyUpdate[] }
  | { op: 'linkPartners'; links: PartnerLink[] }
  | { op: 'unlinkPartner'; link: PartnerLink }
  | { op: 'mergeDeals'; primaryId: string; mergedId: string }
  | { op: 'createDeal'; input: NewDeal };

/**
 * A CRM behind the port, in memory: deals with their raw values, partner records, and a log of every write. Writes
 * land in the stored values, so the next read returns them (as a real CRM would). For unit tests of CRM-neutral code.
 */
export class MemoryCrm implements CrmConnector {
  readonly provider = 'hubspot';
  readonly links: RecordLinks = { deal: (id) => `memory://deal/${id}`, partner: (id) => `memory://partner/${id}` };
  readonly calls: MemoryCrmCall[] = [];
  readonly deals = new Map<string, CanonicalDeal>();
  readonly partners = new Map<string, { partner: Partner | undefined; values: CrmValues }>();
  roles: ReadonlySet<PartnerRole> = new Set(PARTNER_ROLES);
  /** Records per write call (HubSpot's batch size is 100). */
  batchSize = 100;
  /** Deals per piece a full read hands to `onDeals`, and what runs before each piece after the first (a page read). */
  snapshotPieces: { size: number; between?: () => Promise<void> } = { size: Number.POSITIVE_INFINITY };

  addDeal(entry: CanonicalDeal): this {
    this.deals.set(entry.deal.id, structuredClone(entry));
    return this;
  }

  /** A partner record (or, with `partner` undefined, a record that is not a partner). */
  addPartnerRecord(id: string, partner: Partner | undefined, values: CrmValues = {}): this {
    this.partners.set(id, { partner, values: { ...values } });
    return this;
  }

  async readSnapshot(options: SnapshotReadOptions) {
    const partners = [...this.partners.values()].flatMap((record) => (record.partner ? [record.partner] : []));
    const partnerProperties = new Map(
      partners.map((partner) => [
        partner.id,
        pick(this.partners.get(partner.id)?.values ?? {}, options.partnerProperties),
      ]),
    );
    options.onPartners?.(partners, partnerProperties);
    const deals = [...this.deals.values()].map((entry) => this.#read(entry, options.dealProperties));
    const { size, between } = this.snapshotPieces;
    for (let start = 0; start < deals.length; start += size) {
      if (start > 0) await between?.();
      options.onDeals?.(deals.slice(start, start + size));
    }
    return { partners, partnerProperties, deals, readCalls: 1 } satisfies CrmSnapshot;
  }

  async readDeals(ids: readonly string[], options: { dealProperties: readonly string[] }): Promise<CrmDealsRead> {
    const found = ids.flatMap((id) => {
      const entry = this.deals.get(id);
      return entry ? [this.#read(entry, options.dealProperties)] : [];
    });
    return { deals: found, partners: [], missing: ids.filter((id) => !this.deals.has(id)) };
  }

  async readPartners(ids: readonly string[], properties: readonly string[]): Promise<CrmPartnersRead> {
    const records = ids.flatMap((id) => {
      const record = this.partners.get(id);
      return record ? [{ id, ...record }] : [];
    });
    return {
      partners: records.flatMap((record) => (record.partner ? [record.partner] : [])),
      properties: new Map(records.map((record) => [record.id, pick(record.values, properties)])),
      read: records.length,
    };
  }

  async writeProperties(object: CrmObject, updates: readonly PropertyUpdate[]): Promise<WriteOutcome> {
    this.calls.push({ op: 'writeProperties', object, updates: structuredClone([...updates]) });
    for (const { id, properties } of updates) {
      const values = object === 'deals' ? this.deals.get(id)?.properties : this.partners.get(id)?.values;
      if (values) Object.assign(values, properties);
    }
    return { calls: Math.ceil(updates.length / this.batchSize), refused: [] };
  }

  async linkableRoles(): Promise<ReadonlySet<PartnerRole>> {
    return this.roles;
  }

  async linkPartners(links: readonly PartnerLink[]): Promise<void> {
    if (links.length > 0) this.calls.push({ op: 'linkPartners', links: [...links] });
  }

  async unlinkPartner(link: PartnerLink): Promise<void> {
    this.calls.push({ op: 'unlinkPartner', link });
  }

  async createDeal(input: NewDeal): Promise<{ id: string; created: boolean }> {
    for (const entry of this.deals.values()) {
      if (entry.properties[input.key.property] === input.key.value) return { id: entry.deal.id, created: false };
    }
    this.calls.push({ op: 'createDeal', input: structuredClone(input) });
    const id = `new-${this.deals.size + 1}`;
    const deal = dealSchema.parse({
      id,
      name: input.name,
      account: { id: `account-${id}`, name: input.name },
      amount: input.amount,
      currency: input.currency,
      closeDate: input.closeDate,
      createdAt: new Date().toISOString(),
      stage: 'appointmentscheduled',
      isClosed: false,
      isWon: false,
    });
    const properties = { ...input.properties, [input.key.property]: input.key.value };
    this.deals.set(id, { deal, properties, unlabeledPartnerIds: [] });
    return { id, created: true };
  }

  async mergeDeals(primaryId: string, mergedId: string): Promise<{ survivorId: string }> {
    this.calls.push({ op: 'mergeDeals', primaryId, mergedId });
    this.deals.delete(mergedId);
    return { survivorId: primaryId };
  }

  async provision(): Promise<CrmProvisioningReport> {
    return { created: {}, existing: {}, warnings: [] };
  }

  async user(userId: string): Promise<CrmUser | undefined> {
    return { userId, admin: false };
  }

  isForbidden(): boolean {
    return false;
  }

  /** This CRM as the only tenant's connector set. */
  asConnectors(): CrmConnectors {
    return { connector: () => this, forget: () => undefined };
  }

  #read(entry: CanonicalDeal, properties: readonly string[]): CanonicalDeal {
    return { ...structuredClone(entry), properties: pick(entry.properties, properties) };
  }
}

/** The named properties of a record, as a CRM answers a read that names them (absent ones come back null). */
function pick(values: CrmValues, names: readonly string[]): CrmValues {
  return Object.fromEntries(names.map((name) => [name, values[name] ?? null]));
}
