import type { Deal, DealPartner, DealType } from '../../model/deal.ts';
import type { Partner } from '../../model/partner.ts';
import { EPOCH, isoInstant } from '../../shared/iso-instant.ts';
import type { CrmRecord } from './hubspot-objects.ts';

/** Deal properties the app reads (standard HubSpot names plus the portal's `region`, `lead_source`, `products`). */
export const DEAL_READ_PROPERTIES = [
  'dealname',
  'amount',
  'deal_currency_code',
  'closedate',
  'createdate',
  'dealstage',
  'pipeline',
  'hs_is_closed',
  'hs_is_closed_won',
  'dealtype',
  'hubspot_owner_id',
  'region',
  'lead_source',
  'products',
  'closed_lost_reason',
  // Deal registrations (the portal's registration properties; see docs/BEHAVIOR.md), read for attribution.
  'partner_registration_status',
  'partner_registration_partner_id',
  'hs_lastmodifieddate',
] as const;

export const COMPANY_READ_PROPERTIES = [
  'name',
  'domain',
  'region',
  'createdate',
  'pl_is_partner',
  'pl_partner_type',
] as const;

/** HubSpot's `dealtype` values → the canonical intent. `existingbusiness` is HubSpot's word for expansion. */
const DEAL_TYPES: Readonly<Record<string, DealType>> = {
  newbusiness: 'new_business',
  new_business: 'new_business',
  existingbusiness: 'expansion',
  expansion: 'expansion',
  renewal: 'renewal',
  churn: 'churn',
};

export interface DealContext {
  /** The customer company (the deal's primary company association). */
  account: { id: string; name: string; domain: string | null } | undefined;
  partners: DealPartner[];
}

function text(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function number(value: string | null | undefined): number | null {
  const cleaned = text(value);
  if (cleaned === null) return null;
  const parsed = Number(cleaned);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Epoch milliseconds as digits (older payloads) as an ISO instant, else the ISO timestamp read; null if neither. */
function instant(value: string): string | null {
  if (!/^\d+$/.test(value)) return isoInstant(value);
  const time = new Date(Number(value));
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

function date(value: string | null | undefined): string | null {
  const cleaned = text(value);
  // HubSpot date properties come as ISO timestamps (or epoch ms in older payloads).
  return cleaned === null ? null : (instant(cleaned)?.slice(0, 10) ?? null);
}

function dateTime(value: string | null | undefined, fallback: string | undefined): string {
  const cleaned = text(value) ?? fallback;
  return (cleaned === undefined ? undefined : instant(cleaned)) ?? EPOCH;
}

/** A HubSpot deal and its associations → the canonical Deal the domain works on. */
export function dealFromHubSpot(record: CrmRecord, context: DealContext): Deal {
  const p = record.properties;
  const isClosed = p.hs_is_closed === 'true';
  return {
    id: record.id,
    name: text(p.dealname) ?? `Deal ${record.id}`,
    account: context.account ?? { id: `no-company:${record.id}`, name: '(no company)', domain: null },
    amount: number(p.amount),
    currency: text(p.deal_currency_code)?.toUpperCase() ?? null,
    closeDate: date(p.closedate),
    createdAt: dateTime(p.createdate, record.createdAt),
    stage: text(p.dealstage) ?? 'unknown',
    isClosed,
    isWon: isClosed && p.hs_is_closed_won === 'true',
    type: DEAL_TYPES[text(p.dealtype)?.toLowerCase() ?? ''] ?? null,
    ownerId: text(p.hubspot_owner_id),
    region: text(p.region),
    leadSource: text(p.lead_source),
    products: (text(p.products) ?? '')
      .split(';')
      .map((product) => product.trim())
      .filter((product) => product !== ''),
    partners: context.partners,
    lossReason: text(p.closed_lost_reason),
  };
}

/** A company flagged `pl_is_partner` → the canonical Partner; other companies are not partners. */
export function partnerFromHubSpot(record: CrmRecord): Partner | undefined {
  const p = record.properties;
  if (p.pl_is_partner !== 'true') return undefined;
  return {
    id: record.id,
    name: text(p.name) ?? `Company ${record.id}`,
    type: p.pl_partner_type === 'self_serve' ? 'self_serve' : 'named',
    registeredAt: dateTime(p.createdate, record.createdAt),
    region: text(p.region),
  };
}
