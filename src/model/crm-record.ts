import { z } from 'zod';
import { InvalidInputError } from '../shared/errors.ts';
import type { Deal } from './deal.ts';
import type { Partner } from './partner.ts';

/** A CRM record id: HubSpot's numeric ids and Salesforce's 15/18-character ids both fit. */
const CRM_RECORD_ID = /^[A-Za-z0-9]{1,40}$/;

/**
 * A record id as a request body names it; the connector is what finds out whether the record exists.
 */
export function crmRecordIdSchema(field: string, record: string) {
  return z.string().trim().regex(CRM_RECORD_ID, `${field} must be a CRM ${record} id`);
}

/** How each CRM's record ids look: HubSpot's are numeric; Salesforce's are 15 or 18 alphanumeric characters. */
const RECORD_ID_FORMS: Record<string, { pattern: RegExp; name: string }> = {
  hubspot: { pattern: /^\d{1,20}$/, name: 'HubSpot deal id' },
  salesforce: { pattern: /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, name: 'Salesforce record id' },
};

/**
 * A deal id as a request names it (a path segment or a body field), checked at the edge against the form of the
 * tenant's CRM (tenant ids are `provider:externalId`) before any store read: anything else is invalid input, never
 * a lookup.
 */
export function requestedDealId(tenantId: string, raw: string): string {
  const form = RECORD_ID_FORMS[tenantId.slice(0, tenantId.indexOf(':'))] ?? {
    pattern: CRM_RECORD_ID,
    name: 'CRM deal id',
  };
  if (!form.pattern.test(raw)) throw new InvalidInputError(`"${raw.slice(0, 40)}" is not a ${form.name}`);
  return raw;
}

/** A record's raw CRM values by internal property name (what HubSpot or Salesforce holds, as strings). */
export type CrmValues = Record<string, string | null>;

/**
 * A deal as the domain sees it (the interchange schema's `Deal`) together with the raw CRM values the write-back
 * diffs against: every CRM adapter reads deals into this shape.
 */
export interface CanonicalDeal {
  deal: Deal;
  /** The raw CRM properties, for change-only write-back. */
  properties: CrmValues;
  /** Partners linked to the deal without a role (an attribution gap, not a guess). */
  unlabeledPartnerIds: string[];
  /**
   * Partners linked to the deal's account (the candidates of account-based auto-tagging). Absent where it was not
   * read (e.g. hand-built fixtures), which means none.
   */
  accountPartnerIds?: string[];
}

/** A full read of one tenant's CRM into the canonical model. */
export interface CrmSnapshot {
  partners: Partner[];
  /** The raw CRM values of each partner record, for change-only partner write-back. */
  partnerProperties: Map<string, CrmValues>;
  deals: CanonicalDeal[];
  /** API calls the read made. */
  readCalls: number;
}

/** Deals read by id: those found (with any partners they link that were not known), and the ids the CRM lacks. */
export interface CrmDealsRead {
  deals: CanonicalDeal[];
  partners: Partner[];
  missing: string[];
}

/** Partner records read by id: the ones that are partners, and every record's raw values (partners or not). */
export interface CrmPartnersRead {
  partners: Partner[];
  properties: Map<string, CrmValues>;
  /** Records the CRM returned (partners and records that stopped being partners). */
  read: number;
}

/**
 * What changed in a tenant's CRM and must be re-read: deals, partner records, and merged-away ids → the surviving id
 * in the order they happened. HubSpot's webhooks are planned into it; a polling connector produces the same shape.
 */
export interface CrmChangeSet {
  deals: string[];
  companies: string[];
  aliases: Array<{ objectType: 'deals' | 'companies'; oldId: string; newId: string }>;
}

/**
 * The properties to write: only those whose value differs from what the CRM holds (CRMs return every value as a
 * string; an empty string and a missing value are the same "unset"). Unchanged records produce no write at all.
 */
export function changedProperties(
  current: Readonly<Record<string, string | null | undefined>>,
  desired: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  // Allocates nothing when nothing changed (a reconcile compares every deal with every writer's values).
  let changed: Record<string, string> | undefined;
  for (const name in desired) {
    const value = desired[name] as string;
    if ((current[name] ?? '') === value) continue;
    changed ??= {};
    changed[name] = value;
  }
  return changed;
}
