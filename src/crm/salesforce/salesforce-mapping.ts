import type { CrmPropertyDefinition, CrmPropertyObject } from '../../model/crm-properties.ts';
import { crmPropertiesOf } from '../../model/crm-properties.ts';
import type { CanonicalDeal, CrmValues } from '../../model/crm-record.ts';
import { type Deal, type DealPartner, type DealType, type PartnerRole, partnerRoleSchema } from '../../model/deal.ts';
import type { Partner } from '../../model/partner.ts';
import { InvalidInputError } from '../../shared/errors.ts';
import { EPOCH, isoInstant } from '../../shared/iso-instant.ts';
import type { CrmObject, NewDeal, PartnerLink, PropertyUpdate } from '../crm-connector.ts';
import { JUNCTION_FIELDS, JUNCTION_OBJECT, SALESFORCE_OBJECT_OF, toSalesforceName } from './salesforce-fields.ts';

/**
 * Salesforce records ⇄ the canonical model (SPEC §4.4), pure: Opportunities become deals, Accounts flagged
 * `PL_Is_Partner__c` become partners (the same rule as HubSpot's `pl_is_partner` companies), junction rows
 * (`PL_Opportunity_Partner__c`) become the deal's partner roles. Open/won comes from the org's OpportunityStage rows,
 * never from stage names. The reverse direction turns PartnerLoop's property updates (canonical `pl_…` names, CRM
 * strings) into typed `PL_…__c` values for sObject Collections, and the SOQL the reads send is built here with every
 * literal escaped and every identifier checked.
 */

// --- records as SOQL returns them ---------------------------------------------------------------------------------

/** A record as the REST API returns it from SOQL: fields by API name, relationships as nested records. */
export interface SoqlRecord {
  attributes?: { type: string; url?: string };
  [field: string]: unknown;
}

function isRecord(value: unknown): value is SoqlRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A field of a record by API name or relationship path (`Account.Name`). The REST API answers with each field's own
 * spelling whatever the query said, so a name in another letter case is found too (API names are case-insensitive).
 */
export function fieldValue(record: SoqlRecord, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (!isRecord(current)) return undefined;
    if (part in current) {
      current = current[part];
      continue;
    }
    const lower = part.toLowerCase();
    const key = Object.keys(current).find((name) => name.toLowerCase() === lower);
    current = key === undefined ? undefined : current[key];
  }
  return current;
}

function text(value: unknown): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const cleaned = text(value);
  if (cleaned === null) return null;
  const parsed = Number(cleaned);
  return Number.isFinite(parsed) ? parsed : null;
}

function flag(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A Salesforce date (`2026-03-31`) as is: going through `Date` could shift it a day in a non-UTC process. */
function day(value: unknown): string | null {
  const cleaned = text(value);
  if (cleaned === null) return null;
  if (ISO_DAY.test(cleaned)) return cleaned;
  return isoInstant(cleaned)?.slice(0, 10) ?? null;
}

/** A Salesforce date-time (`2026-01-02T09:30:00.000+0000`, always UTC from the API) as ISO-8601; else the epoch. */
function instant(value: unknown): string {
  const cleaned = text(value);
  return (cleaned === null ? null : isoInstant(cleaned)) ?? EPOCH;
}

/** A website as a bare domain: `https://www.Acme.com/about` → `acme.com` (what dedupe's domain keys compare). */
export function domainOf(website: unknown): string | null {
  const cleaned = text(website);
  if (cleaned === null) return null;
  try {
    const host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(cleaned) ? cleaned : `https://${cleaned}`).hostname;
    const domain = host.toLowerCase().replace(/^www\./, '');
    return domain.includes('.') ? domain : null;
  } catch {
    return null;
  }
}

// --- opportunity stages -----------------------------------------------------------------------------------------

/** A row of `OpportunityStage` (see `soqlForOpportunityStages`). */
export interface OpportunityStageRow extends SoqlRecord {
  ApiName?: string | null;
  MasterLabel?: string | null;
  IsActive?: boolean | null;
  IsClosed?: boolean | null;
  IsWon?: boolean | null;
  SortOrder?: number | null;
}

export interface OpportunityStage {
  /** The picklist value `Opportunity.StageName` holds. */
  name: string;
  label: string;
  active: boolean;
  closed: boolean;
  won: boolean;
  sortOrder: number;
}

/** The org's stages by value and by label, case-insensitively (see `stageOf`). */
export type StageMap = ReadonlyMap<string, OpportunityStage>;

/**
 * The org's stages, keyed by picklist value (`ApiName`) and, as a fallback, by label: `StageName` holds the value,
 * which equals the label unless an admin renamed the label. Inactive stages are kept, since old opportunities sit in
 * them. Which stages close and win is the org's setting (`IsClosed`, `IsWon`), never a stage name we assume.
 */
export function stageMapFromOpportunityStages(rows: readonly OpportunityStageRow[]): StageMap {
  const stages = rows.flatMap((row): OpportunityStage[] => {
    const name = text(row.ApiName) ?? text(row.MasterLabel);
    if (name === null) return [];
    const closed = row.IsClosed === true;
    return [
      {
        name,
        label: text(row.MasterLabel) ?? name,
        active: row.IsActive !== false,
        closed,
        // Salesforce only lets a closed stage be won; a row saying otherwise is not trusted to win.
        won: closed && row.IsWon === true,
        sortOrder: numeric(row.SortOrder) ?? Number.MAX_SAFE_INTEGER,
      },
    ];
  });
  const map = new Map<string, OpportunityStage>();
  // Labels first, values after: a value always wins over another stage's label.
  for (const stage of stages) map.set(stage.label.toLowerCase(), stage);
  for (const stage of stages) map.set(stage.name.toLowerCase(), stage);
  return map;
}

export function stageOf(stages: StageMap, stageName: string | null): OpportunityStage | undefined {
  return stageName === null ? undefined : stages.get(stageName.toLowerCase());
}

/** Where a new deal starts: the active open stage first in the org's order. */
export function firstOpenStage(stages: StageMap): OpportunityStage | undefined {
  let first: OpportunityStage | undefined;
  for (const stage of new Set(stages.values())) {
    if (!stage.active || stage.closed) continue;
    if (!first || stage.sortOrder < first.sortOrder) first = stage;
  }
  return first;
}

// --- mapping options -----------------------------------------------------------------------------------------------

/**
 * Salesforce's standard `Opportunity.Type` values (and common variants) → the canonical intent. A replacement re-sells
 * what the customer has (counted with renewals, not as new business); a downgrade shrinks the account (counted as
 * churn, so it never reads as a new-business win). Tenants override or extend this with `typeMap`.
 */
export const DEFAULT_TYPE_MAP: Readonly<Record<string, DealType | null>> = {
  'New Customer': 'new_business',
  'New Business': 'new_business',
  'Existing Customer - Upgrade': 'expansion',
  'Existing Business': 'expansion',
  Expansion: 'expansion',
  Upsell: 'expansion',
  'Existing Customer - Replacement': 'renewal',
  Renewal: 'renewal',
  'Existing Customer - Downgrade': 'churn',
  Churn: 'churn',
};

/** Where the org keeps what the standard Opportunity lacks; every field is an API name or path (`Account.Region__c`). */
export interface OpportunityMappingOptions {
  /** The deal type field (default `Type`). */
  typeField?: string;
  /** Type values → intent, on top of `DEFAULT_TYPE_MAP`; matched ignoring case, spaces and punctuation. */
  typeMap?: Readonly<Record<string, DealType | null>>;
  /** The region (no standard field: none unless configured). */
  regionField?: string | null;
  /** The loss reason (no standard field; orgs add e.g. `Loss_Reason__c`). */
  lossReasonField?: string | null;
  /** The lead source (default `LeadSource`). */
  leadSourceField?: string;
  /** A multi-select picklist of products (values separated by `;`), if the org has one. */
  productsField?: string | null;
  /** `CurrencyIsoCode` in a multi-currency org; without it every amount is in `orgCurrency`. */
  currencyField?: string | null;
  orgCurrency?: string | null;
  /** The partner roster: links to accounts not on it are left out (as HubSpot leaves out non-partner companies). */
  partnerIds?: ReadonlySet<string>;
  /**
   * The org's deal registration fields, if it has them (status, and the partner account id): attribution reads a
   * registration from the raw values `partner_registration_status` / `partner_registration_partner_id`.
   */
  registration?: { statusField: string; partnerField: string } | null;
}

/** The raw value names attribution reads a registration from (the HubSpot portal's property names). */
export const REGISTRATION_VALUES = {
  status: 'partner_registration_status',
  partnerId: 'partner_registration_partner_id',
} as const;

/** Where the org keeps a partner account's region (none unless configured). */
export interface AccountMappingOptions {
  regionField?: string | null;
}

function typeKey(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function dealType(value: string | null, overrides: OpportunityMappingOptions['typeMap']): DealType | null {
  if (value === null) return null;
  const key = typeKey(value);
  for (const map of [overrides ?? {}, DEFAULT_TYPE_MAP]) {
    for (const [name, type] of Object.entries(map)) if (typeKey(name) === key) return type;
  }
  return null;
}

function configured(field: string | null | undefined): string | undefined {
  return field === null || field === undefined || field.trim() === '' ? undefined : field;
}

// --- junction rows --------------------------------------------------------------------------------------------------

/** A partner on an opportunity as a junction row says it; `role` null = a row without a (known) role. */
export interface OpportunityPartnerLink {
  partnerId: string;
  role: PartnerRole | null;
  splitPct: number | null;
}

/** A role from a picklist value or label, ignoring case and punctuation (`Co-sell` → `cosell`). */
export function roleFromValue(value: unknown): PartnerRole | null {
  const key = (text(value) ?? '')
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .replace(/^partner/, '');
  const parsed = partnerRoleSchema.safeParse(key);
  return parsed.success ? parsed.data : null;
}

/**
 * Junction rows → each opportunity's partner links. Rows without an opportunity or a partner (the partner account was
 * deleted and the lookup emptied) say nothing and are skipped; a repeated partner × role keeps its first row; a split
 * outside 0–100 is treated as absent rather than trusted.
 */
export function partnerLinksFromJunction(rows: readonly SoqlRecord[]): Map<string, OpportunityPartnerLink[]> {
  const byOpportunity = new Map<string, OpportunityPartnerLink[]>();
  for (const row of rows) {
    const opportunityId = text(fieldValue(row, JUNCTION_FIELDS.opportunity));
    const partnerId = text(fieldValue(row, JUNCTION_FIELDS.partner));
    if (opportunityId === null || partnerId === null) continue;
    const role = roleFromValue(fieldValue(row, JUNCTION_FIELDS.role));
    const split = numeric(fieldValue(row, JUNCTION_FIELDS.split));
    const links = byOpportunity.get(opportunityId) ?? [];
    if (links.some((link) => link.partnerId === partnerId && link.role === role)) continue;
    links.push({ partnerId, role, splitPct: split !== null && split >= 0 && split <= 100 ? split : null });
    byOpportunity.set(opportunityId, links);
  }
  return byOpportunity;
}

// --- opportunity → deal -----------------------------------------------------------------------------------------------

/**
 * An Opportunity (with `Account.Name`, `Account.Website`) and its partner links → the canonical Deal. Open/won is the
 * stage's setting in the org; a stage the map lacks (added since the map was read) falls back to the record's own
 * `IsClosed`/`IsWon`, which Salesforce derives from the same setting.
 */
export function dealFromOpportunity(
  record: SoqlRecord,
  links: readonly OpportunityPartnerLink[],
  stages: StageMap,
  options: OpportunityMappingOptions = {},
): Deal {
  const id = text(record.Id) ?? '';
  const stageName = text(record.StageName);
  const stage = stageOf(stages, stageName);
  const isClosed = stage ? stage.closed : flag(record.IsClosed);
  const isWon = isClosed && (stage ? stage.won : flag(record.IsWon));
  const accountId = text(record.AccountId);
  const currencyField = configured(options.currencyField);
  const currency = (currencyField ? text(fieldValue(record, currencyField)) : null) ?? text(options.orgCurrency);
  const field = (name: string | null | undefined) => {
    const path = configured(name);
    return path ? text(fieldValue(record, path)) : null;
  };
  return {
    id,
    name: text(record.Name) ?? `Opportunity ${id}`,
    account: accountId
      ? {
          id: accountId,
          name: text(fieldValue(record, 'Account.Name')) ?? `Account ${accountId}`,
          domain: domainOf(fieldValue(record, 'Account.Website')),
        }
      : { id: `no-account:${id}`, name: '(no account)', domain: null },
    amount: numeric(record.Amount),
    currency: currency?.toUpperCase() ?? null,
    closeDate: day(record.CloseDate),
    createdAt: instant(record.CreatedDate),
    stage: stage?.name ?? stageName ?? 'unknown',
    isClosed,
    isWon,
    type: dealType(field(options.typeField ?? 'Type'), options.typeMap),
    ownerId: text(record.OwnerId),
    region: field(options.regionField),
    leadSource: field(options.leadSourceField ?? 'LeadSource'),
    products: (field(options.productsField) ?? '')
      .split(';')
      .map((product) => product.trim())
      .filter((product) => product !== ''),
    partners: dealPartners(links, options.partnerIds),
    lossReason: field(options.lossReasonField),
  };
}

function dealPartners(
  links: readonly OpportunityPartnerLink[],
  roster: ReadonlySet<string> | undefined,
): DealPartner[] {
  return links.flatMap((link) =>
    link.role !== null && (!roster || roster.has(link.partnerId))
      ? [{ partnerId: link.partnerId, role: link.role, splitPct: link.splitPct }]
      : [],
  );
}

/** The deal, its PartnerLoop values for change-only write-back, and the partners linked without a role. */
export function canonicalDealFromOpportunity(
  record: SoqlRecord,
  links: readonly OpportunityPartnerLink[],
  stages: StageMap,
  options: OpportunityMappingOptions = {},
): CanonicalDeal {
  const roster = options.partnerIds;
  const unlabeled = links
    .filter((link) => link.role === null && (!roster || roster.has(link.partnerId)))
    .map((link) => link.partnerId);
  const registration = options.registration;
  return {
    deal: dealFromOpportunity(record, links, stages, options),
    properties: {
      ...canonicalValues(record, 'deal'),
      ...(registration
        ? {
            [REGISTRATION_VALUES.status]: text(fieldValue(record, registration.statusField)),
            [REGISTRATION_VALUES.partnerId]: text(fieldValue(record, registration.partnerField)),
          }
        : {}),
    },
    unlabeledPartnerIds: [...new Set(unlabeled)],
  };
}

// --- account → partner ----------------------------------------------------------------------------------------------

/**
 * An Account flagged `PL_Is_Partner__c` → the canonical Partner; other accounts are customers. The flag (a PartnerLoop
 * checkbox, §4.5) rather than the PRM `IsPartner` field: it exists in every edition and is what HubSpot tenants use.
 */
export function partnerFromAccount(record: SoqlRecord, options: AccountMappingOptions = {}): Partner | undefined {
  if (!flag(fieldValue(record, toSalesforceName('pl_is_partner')))) return undefined;
  const id = text(record.Id) ?? '';
  const regionField = configured(options.regionField);
  return {
    id,
    name: text(record.Name) ?? `Account ${id}`,
    type: text(fieldValue(record, toSalesforceName('pl_partner_type'))) === 'self_serve' ? 'self_serve' : 'named',
    registeredAt: instant(record.CreatedDate),
    region: regionField ? text(fieldValue(record, regionField)) : null,
  };
}

// --- PartnerLoop values ------------------------------------------------------------------------------------------------

/**
 * A record's PartnerLoop values by catalogue name, as the strings the writers compute (`changedProperties` compares
 * them): numbers as `String(n)`, checkboxes `true`/`false`, dates `YYYY-MM-DD`, empty = null. Only fields the record
 * carries are listed.
 */
export function canonicalValues(record: SoqlRecord, object: CrmPropertyObject): CrmValues {
  const values: CrmValues = {};
  for (const property of crmPropertiesOf(object)) {
    const value = fieldValue(record, toSalesforceName(property.name));
    if (value === undefined) continue;
    values[property.name] =
      property.kind === 'date' ? day(value) : typeof value === 'string' ? (value === '' ? null : value) : text(value);
  }
  return values;
}

/** A value as the REST API takes it. */
export type SalesforceValue = string | number | boolean | null;

/** One record for sObject Collections: its type in `attributes`, its id, the fields to set. */
export interface SalesforceRecordWrite {
  attributes: { type: string };
  Id?: string;
  [field: string]: SalesforceValue | { type: string } | undefined;
}

const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

const OBJECT_OF_CRM_OBJECT: Readonly<Record<CrmObject, CrmPropertyObject>> = { deals: 'deal', partners: 'partner' };

function typedValue(property: CrmPropertyDefinition, value: string): SalesforceValue {
  switch (property.kind) {
    case 'number': {
      if (value.trim() === '') return null;
      const parsed = Number(value);
      if (!Number.isFinite(parsed)) throw new InvalidInputError(`${property.name}: "${value}" is not a number`);
      return parsed;
    }
    case 'flag':
      // A checkbox cannot be empty: clearing it unchecks it.
      if (value === 'true') return true;
      if (value === 'false' || value === '') return false;
      throw new InvalidInputError(`${property.name}: "${value}" is not true or false`);
    case 'date':
      if (value === '') return null;
      if (!ISO_DAY.test(value)) throw new InvalidInputError(`${property.name}: "${value}" is not a date YYYY-MM-DD`);
      return value;
    default:
      // Salesforce clears a field written as null; an empty string would be stored as a value on some types.
      return value === '' ? null : value;
  }
}

/**
 * PartnerLoop's values (canonical names, CRM strings) → Salesforce fields with typed values. A name that is not a
 * catalogue property of that kind of record is refused: the write path must never reach an arbitrary field.
 */
export function salesforceValues(
  object: CrmObject,
  properties: Readonly<Record<string, string>>,
): Record<string, SalesforceValue> {
  const catalogue = crmPropertiesOf(OBJECT_OF_CRM_OBJECT[object]);
  const values: Record<string, SalesforceValue> = {};
  for (const [name, value] of Object.entries(properties)) {
    const property = catalogue.find((candidate) => candidate.name === name);
    if (!property) throw new InvalidInputError(`${name} is not a PartnerLoop ${OBJECT_OF_CRM_OBJECT[object]} property`);
    values[toSalesforceName(name)] = typedValue(property, value);
  }
  return values;
}

/** Property updates → sObject Collections records (`PATCH /composite/sobjects`, ≤ 200 per call: `COLLECTION_LIMIT`). */
export function recordsForUpdates(object: CrmObject, updates: readonly PropertyUpdate[]): SalesforceRecordWrite[] {
  const type = SALESFORCE_OBJECT_OF[OBJECT_OF_CRM_OBJECT[object]];
  return updates.map((update) => {
    if (!SALESFORCE_ID.test(update.id)) throw new InvalidInputError(`"${update.id}" is not a Salesforce record id`);
    return { attributes: { type }, Id: update.id, ...salesforceValues(object, update.properties) };
  });
}

/** sObject Collections take at most 200 records per call. */
export const COLLECTION_LIMIT = 200;

const CASE_SAFE_SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * The 18-character, case-insensitive form of a record id (the API answers with it; users paste 15-character ids):
 * each 5-character block of the 15 adds one suffix letter that encodes which of its characters are uppercase.
 */
export function caseSafeId(id: string): string {
  if (!SALESFORCE_ID.test(id)) throw new InvalidInputError(`"${id}" is not a Salesforce record id`);
  if (id.length === 18) return id;
  let suffix = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const char = id.charAt(block * 5 + i);
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += CASE_SAFE_SUFFIX.charAt(bits);
  }
  return id + suffix;
}

/** One junction row per opportunity × partner × role: the upsert key of a link. */
export function junctionLinkKey(link: PartnerLink): string {
  return `${caseSafeId(link.dealId)}:${caseSafeId(link.partnerId)}:${link.role}`;
}

/**
 * A link as a junction row, upserted by `Link_Key__c` (so a repeated tag finds its row). The split is only written
 * when given: omitting it leaves a split someone set in Salesforce alone.
 */
export function junctionRecord(link: PartnerLink, splitPct?: number | null): SalesforceRecordWrite {
  return {
    attributes: { type: JUNCTION_OBJECT },
    [JUNCTION_FIELDS.opportunity]: caseSafeId(link.dealId),
    [JUNCTION_FIELDS.partner]: caseSafeId(link.partnerId),
    [JUNCTION_FIELDS.role]: link.role,
    [JUNCTION_FIELDS.linkKey]: junctionLinkKey(link),
    ...(splitPct === undefined ? {} : { [JUNCTION_FIELDS.split]: splitPct }),
  };
}

/**
 * The Opportunity a new deal becomes, in the given (first open) stage. `CloseDate` is required by Salesforce: a deal
 * without one gets `closeDateFallback` (the caller's choice, e.g. the end of the quarter).
 */
export function opportunityForNewDeal(
  input: NewDeal,
  stage: OpportunityStage,
  options: { closeDateFallback: string; currencyField?: string | null },
): SalesforceRecordWrite {
  const closeDate = input.closeDate ?? options.closeDateFallback;
  if (!ISO_DAY.test(closeDate)) throw new InvalidInputError(`"${closeDate}" is not a close date YYYY-MM-DD`);
  const currencyField = configured(options.currencyField);
  return {
    attributes: { type: 'Opportunity' },
    Name: input.name,
    StageName: stage.name,
    CloseDate: closeDate,
    ...(input.amount === null ? {} : { Amount: input.amount }),
    ...(currencyField && input.currency ? { [soqlIdentifier(currencyField)]: input.currency } : {}),
    ...salesforceValues('deals', { ...input.properties, [input.key.property]: input.key.value }),
  };
}

// --- SOQL ------------------------------------------------------------------------------------------------------------

const SOQL_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * A string as a SOQL literal: single-quoted, with SOQL's backslash escapes for the quote, the backslash, the double
 * quote and the control characters it names. Any other control character is refused rather than guessed at (none
 * belongs in an id or a picklist value). `%` and `_` are left alone: they are only wildcards after LIKE, which the
 * builders never use.
 */
export function soqlString(value: string): string {
  let quoted = "'";
  for (const char of value) {
    const escaped = SOQL_ESCAPES[char];
    if (escaped !== undefined) quoted += escaped;
    else if (char < ' ' || char === '\u007f') {
      throw new InvalidInputError('a SOQL string may not contain control characters');
    } else quoted += char;
  }
  return `${quoted}'`;
}

/** A field name or relationship path (`Account.Name`, `Loss_Reason__c`): the only thing spliced unquoted. */
const SOQL_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,79}(?:\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$/;

/** A field name checked before it enters a query (configured field names come from tenant settings). */
export function soqlIdentifier(name: string): string {
  if (!SOQL_IDENTIFIER.test(name)) {
    throw new InvalidInputError(`"${name.slice(0, 80)}" is not a Salesforce field name`);
  }
  return name;
}

/** SOQL date-time literals take whole seconds; a bound is floored, which can only widen an inclusive lower bound. */
export function soqlDateTime(ms: number): string {
  if (!Number.isFinite(ms)) throw new InvalidInputError('not a point in time');
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** Ids per `IN (…)`: keeps a query well inside the REST API's URI length. */
export const SOQL_IDS_PER_QUERY = 200;

function idList(ids: readonly string[]): string {
  if (ids.length === 0) throw new InvalidInputError('a SOQL id filter needs at least one id');
  if (ids.length > SOQL_IDS_PER_QUERY) {
    throw new InvalidInputError(`at most ${SOQL_IDS_PER_QUERY} ids per query, got ${ids.length}`);
  }
  return `(${[...new Set(ids)]
    .map((id) => {
      if (!SALESFORCE_ID.test(id)) throw new InvalidInputError(`"${id.slice(0, 40)}" is not a Salesforce record id`);
      return soqlString(id);
    })
    .join(', ')})`;
}

function toMs(value: string | number, what: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidInputError(`${what} is not a point in time`);
  return ms;
}

/** An incremental read: records changed at or after `since` minus the overlap, and (optionally) before `until`. */
export interface ModstampWindow {
  /** The checkpoint: ISO-8601 or epoch ms. Absent = a full read. */
  since?: string | number | undefined;
  /** Read back this far before `since`: changes committed late (long transactions) carry an earlier stamp. */
  overlapMs?: number | undefined;
  /** Exclusive upper bound (e.g. now minus a settling lag), so the checkpoint never passes the window read. */
  until?: string | number | undefined;
}

/**
 * The bounds a window's query uses, in epoch ms (seconds, as SOQL takes them): `from` inclusive, `to` exclusive. The
 * caller checkpoints against these, never against its wish.
 */
export function modstampBounds(window: ModstampWindow): { from: number | undefined; to: number | undefined } {
  const overlap = window.overlapMs ?? 0;
  if (!(overlap >= 0)) throw new InvalidInputError('overlapMs must be zero or more');
  const from = window.since === undefined ? undefined : toMs(window.since, 'since') - overlap;
  const to = window.until === undefined ? undefined : toMs(window.until, 'until');
  return {
    from: from === undefined ? undefined : Math.floor(from / 1000) * 1000,
    to: to === undefined ? undefined : Math.floor(to / 1000) * 1000,
  };
}

function modstampFilter(window: ModstampWindow): string[] {
  const { from, to } = modstampBounds(window);
  return [
    ...(from === undefined ? [] : [`SystemModstamp >= ${soqlDateTime(from)}`]),
    ...(to === undefined ? [] : [`SystemModstamp < ${soqlDateTime(to)}`]),
  ];
}

/** A field list with `required` first, checked, without repeats (compared case-insensitively). */
function selectList(required: readonly string[], fields: readonly string[]): string {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const field of [...required, ...fields]) {
    const key = soqlIdentifier(field).toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    list.push(field);
  }
  return list.join(', ');
}

/**
 * `SystemModstamp` (not `LastModifiedDate`) because system changes — a stage's probability, a roll-up, an automated
 * update — also bump it, and it is indexed. Ordered by stamp then id: pages follow the stamp, and ties are stable.
 */
const BY_MODSTAMP = 'ORDER BY SystemModstamp, Id';

function query(object: string, fields: string, conditions: readonly string[], order: string): string {
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${fields} FROM ${object}${where} ${order}`;
}

/** Opportunities changed in a window (or the given ids), with `fields` (see `opportunityReadFields`). */
export function soqlForOpportunities(
  options: ModstampWindow & { fields: readonly string[]; ids?: readonly string[]; accountIds?: readonly string[] },
): string {
  const conditions = [
    ...modstampFilter(options),
    ...(options.ids ? [`Id IN ${idList(options.ids)}`] : []),
    ...(options.accountIds ? [`AccountId IN ${idList(options.accountIds)}`] : []),
  ];
  return query('Opportunity', selectList(['Id', 'SystemModstamp'], options.fields), conditions, BY_MODSTAMP);
}

/** Accounts: the partners only (`partnersOnly`), or by id (to see which stopped being partners), optionally in a window. */
export function soqlForAccounts(
  options: ModstampWindow & { fields: readonly string[]; ids?: readonly string[]; partnersOnly?: boolean },
): string {
  const conditions = [
    ...(options.partnersOnly ? [`${toSalesforceName('pl_is_partner')} = true`] : []),
    ...modstampFilter(options),
    ...(options.ids ? [`Id IN ${idList(options.ids)}`] : []),
  ];
  return query('Account', selectList(['Id', 'SystemModstamp'], options.fields), conditions, BY_MODSTAMP);
}

/**
 * Account partners (the standard `Partner` object, Account → Partners): account-level rows only (no `OpportunityId`),
 * all of them, those touching some accounts (`side` names which column holds them), or those changed in a window.
 */
export function soqlForAccountPartners(
  options: ModstampWindow & { accountIds?: readonly string[]; side?: 'AccountFromId' | 'AccountToId' } = {},
): string {
  const conditions = [
    'OpportunityId = null',
    ...modstampFilter(options),
    ...(options.accountIds ? [`${options.side ?? 'AccountFromId'} IN ${idList(options.accountIds)}`] : []),
  ];
  return query('Partner', 'Id, SystemModstamp, AccountFromId, AccountToId', conditions, BY_MODSTAMP);
}

/**
 * Each customer account's partners from `Partner` rows, the roster deciding which side is the partner (Salesforce
 * keeps a reverse row for each, so either direction may come back; a row between two partners or two customers says
 * nothing here). The candidates of account-based auto-tagging, sorted.
 */
export function accountPartnersFromRows(
  rows: readonly SoqlRecord[],
  roster: ReadonlySet<string>,
): Map<string, string[]> {
  const byAccount = new Map<string, Set<string>>();
  for (const row of rows) {
    const from = typeof row.AccountFromId === 'string' ? caseSafeId(row.AccountFromId) : undefined;
    const to = typeof row.AccountToId === 'string' ? caseSafeId(row.AccountToId) : undefined;
    if (!from || !to) continue;
    const [customer, partner] = roster.has(to) && !roster.has(from) ? [from, to] : [to, from];
    if (!roster.has(partner) || roster.has(customer)) continue;
    const partners = byAccount.get(customer) ?? new Set<string>();
    partners.add(partner);
    byAccount.set(customer, partners);
  }
  return new Map([...byAccount].map(([account, partners]) => [account, [...partners].sort()]));
}

/** Junction rows: of some opportunities, or changed in a window. */
export function soqlForJunction(options: ModstampWindow & { opportunityIds?: readonly string[] } = {}): string {
  const fields = [
    'Id',
    'SystemModstamp',
    JUNCTION_FIELDS.opportunity,
    JUNCTION_FIELDS.partner,
    JUNCTION_FIELDS.role,
    JUNCTION_FIELDS.split,
  ];
  const conditions = [
    ...modstampFilter(options),
    ...(options.opportunityIds ? [`${JUNCTION_FIELDS.opportunity} IN ${idList(options.opportunityIds)}`] : []),
  ];
  return query(JUNCTION_OBJECT, selectList(fields, []), conditions, BY_MODSTAMP);
}

/** Every stage of the org, inactive ones too (old opportunities sit in them). */
export function soqlForOpportunityStages(): string {
  return 'SELECT ApiName, MasterLabel, IsActive, IsClosed, IsWon, SortOrder FROM OpportunityStage ORDER BY SortOrder';
}

/** The oldest opportunity holding `value` in a PartnerLoop property (how `createDeal` finds the deal a retry made). */
export function soqlForOpportunityByProperty(property: string, value: string): string {
  const field = toSalesforceName(property);
  return `SELECT Id FROM Opportunity WHERE ${soqlIdentifier(field)} = ${soqlString(value)} ORDER BY CreatedDate, Id LIMIT 1`;
}

/** The Opportunity fields `dealFromOpportunity` reads, plus the PartnerLoop deal properties named. */
export function opportunityReadFields(
  options: OpportunityMappingOptions,
  properties: readonly string[] = [],
): string[] {
  const optional = [
    options.regionField,
    options.lossReasonField,
    options.productsField,
    options.currencyField,
    options.registration?.statusField,
    options.registration?.partnerField,
  ].flatMap((field) => {
    const name = configured(field);
    return name ? [name] : [];
  });
  return [
    'Id',
    'Name',
    'AccountId',
    'Account.Name',
    'Account.Website',
    'Amount',
    'CloseDate',
    'CreatedDate',
    'StageName',
    'IsClosed',
    'IsWon',
    'OwnerId',
    'SystemModstamp',
    options.typeField ?? 'Type',
    options.leadSourceField ?? 'LeadSource',
    ...optional,
    ...propertyFields('deal', properties),
  ].map(soqlIdentifier);
}

/** The Account fields `partnerFromAccount` reads, plus the PartnerLoop partner properties named. */
export function accountReadFields(options: AccountMappingOptions, properties: readonly string[] = []): string[] {
  const region = configured(options.regionField);
  return [
    'Id',
    'Name',
    'Website',
    'CreatedDate',
    'SystemModstamp',
    toSalesforceName('pl_is_partner'),
    toSalesforceName('pl_partner_type'),
    ...(region ? [region] : []),
    ...propertyFields('partner', properties),
  ].map(soqlIdentifier);
}

function propertyFields(object: CrmPropertyObject, properties: readonly string[]): string[] {
  const names = new Set(crmPropertiesOf(object).map((property) => property.name as string));
  return properties.map((name) => {
    if (!names.has(name)) throw new InvalidInputError(`${name} is not a PartnerLoop ${object} property`);
    return toSalesforceName(name);
  });
}
