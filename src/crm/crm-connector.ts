import type { CrmStageOrder } from '../attribution/attribution-rules.ts';
import type { CanonicalDeal, CrmDealsRead, CrmPartnersRead, CrmSnapshot, CrmValues } from '../model/crm-record.ts';
import type { PartnerRole } from '../model/deal.ts';
import type { Partner } from '../model/partner.ts';

/** The CRMs PartnerLoop connects to; a tenant belongs to exactly one. */
export type CrmProvider = 'hubspot' | 'salesforce';

/** The canonical objects the port reads and writes: deals, and the partner records (HubSpot companies, Accounts). */
export type CrmObject = 'deals' | 'partners';

/** A deal↔partner link with the partner's role on it (HubSpot: a labelled association; Salesforce: a junction row). */
export interface PartnerLink {
  dealId: string;
  partnerId: string;
  role: PartnerRole;
}

/** Changed values for one record, by CRM property name. */
export interface PropertyUpdate {
  id: string;
  properties: Record<string, string>;
}

/** A deal PartnerLoop creates (an inbound programme referral no existing deal matched). */
export interface NewDeal {
  name: string;
  amount: number | null;
  /** ISO 4217. */
  currency: string | null;
  /** YYYY-MM-DD. */
  closeDate: string | null;
  /** PartnerLoop's own properties to set (canonical names, §4.5). */
  properties: Record<string, string>;
  /** The property that identifies the deal's origin (e.g. `pl_aws_opportunity_id`) and its value. */
  key: { property: string; value: string };
}

/** What PartnerLoop needs to know of a CRM user: whether they administer the tenant's CRM. */
export interface CrmUser {
  userId: string;
  admin: boolean;
}

/** Where a record opens for a user of the CRM. */
export interface RecordLinks {
  deal(id: string): string;
  partner(id: string): string;
}

/** What a provisioning run did: created, already there, and what differs from ours and was left alone. */
export interface CrmProvisioningReport {
  created: Record<string, readonly string[]>;
  existing: Record<string, readonly string[]>;
  warnings: string[];
}

/**
 * The CRM port (SPEC §3): every feature talks to a tenant's CRM through these canonical operations, never to an SDK.
 * An adapter (`src/crm/hubspot`, later `src/crm/salesforce`) maps them onto its API: it paces and batches its calls
 * inside the provider's limits, refreshes tokens, and answers in the canonical model (`src/model`).
 */
/** What a write did: its calls, and the ids of records refused one by one (kept in the error inbox, not written). */
export interface WriteOutcome {
  calls: number;
  refused: readonly string[];
}

export interface SnapshotReadOptions {
  dealProperties: readonly string[];
  partnerProperties: readonly string[];
  onProgress?: (dealsRead: number) => void;
  onPartners?: (partners: readonly Partner[], properties: ReadonlyMap<string, CrmValues>) => void;
  onDeals?: (deals: readonly CanonicalDeal[]) => void;
}

export interface CrmConnector {
  readonly provider: CrmProvider;
  /** Where this tenant's records open for a user. */
  readonly links: RecordLinks;
  /**
   * A full read: every partner and every deal with its partner links, plus the named properties for write-back.
   * `onPartners` is handed the whole roster once, as soon as it is read and before any deal; `onDeals` each piece of
   * completed deals as it is read (a few pages' worth), every deal exactly once and before the read resolves. So the
   * caller can store them meanwhile; the snapshot still lists them all.
   */
  readSnapshot(options: SnapshotReadOptions): Promise<CrmSnapshot>;
  /**
   * Resolves once `calls` requests could start now without waiting on the CRM's short rate window (HubSpot's
   * ten-secondly limit) nor spending faster than it refills; absent where there is none (Salesforce paces by its daily
   * allowance).
   */
  whenCallsFree?(calls: number): Promise<void>;
  /** Deals by id (ids the CRM lacks come back as `missing`); `partnerIds` is the known roster. */
  readDeals(
    ids: readonly string[],
    options: { dealProperties: readonly string[]; partnerIds: ReadonlySet<string> },
  ): Promise<CrmDealsRead>;
  /** Partner records by id, with the named properties. */
  readPartners(ids: readonly string[], properties: readonly string[]): Promise<CrmPartnersRead>;
  /**
   * Writes changed values in the provider's batch size; answers the calls made and the records the CRM refused on
   * their own (Salesforce's per-record errors; HubSpot refuses whole batches, by throwing), which were not written.
   */
  writeProperties(object: CrmObject, updates: readonly PropertyUpdate[]): Promise<WriteOutcome>;
  /**
   * The CRM's own stage order where it is not HubSpot's default pipeline (Salesforce: OpportunityStage); the install
   * derives the tenant's default attribution rules from it. Absent: the HubSpot defaults apply.
   */
  stageOrder?(): Promise<CrmStageOrder>;
  /** The roles this tenant's CRM can record on a link now (HubSpot: the association labels provisioned so far). */
  linkableRoles(): Promise<ReadonlySet<PartnerRole>>;
  /** Links partners to deals with a role (a role not linkable yet is refused with a NotFoundError). */
  linkPartners(links: readonly PartnerLink[]): Promise<void>;
  /** Removes the role from a deal↔partner link. */
  unlinkPartner(link: PartnerLink): Promise<void>;
  /**
   * Creates a deal in the first open stage unless a deal already holds `key.value` in `key.property` (then that deal
   * is answered): a retry after a crash finds the deal the first try made instead of making a second.
   */
  createDeal(input: NewDeal): Promise<{ id: string; created: boolean }>;
  /** Merges `mergedId` into `primaryId`; answers the surviving deal's id. */
  mergeDeals(primaryId: string, mergedId: string): Promise<{ survivorId: string }>;
  /** Creates what is missing of PartnerLoop's properties and labels; never changes what exists. Idempotent. */
  provision(): Promise<CrmProvisioningReport>;
  /** A user of the CRM, or undefined when there is no such user. */
  user(userId: string): Promise<CrmUser | undefined>;
  /** Whether an error this adapter threw means "the CRM refused to tell" (e.g. a missing scope): 403-like. */
  isForbidden(error: unknown): boolean;
}

/** The connector of each tenant, chosen by the tenant's provider. */
export interface CrmConnectors {
  connector(tenantId: string): CrmConnector;
  /** Drops cached clients of a tenant (after a disconnect or reinstall). */
  forget(tenantId: string): void;
}
