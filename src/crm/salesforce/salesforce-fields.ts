import {
  CRM_PROPERTIES,
  type CrmPropertyDefinition,
  type CrmPropertyName,
  type CrmPropertyObject,
} from '../../model/crm-properties.ts';
import { PARTNER_ROLES, type PartnerRole } from '../../model/deal.ts';
import type { CrmProvisioningReport } from '../crm-connector.ts';

/**
 * PartnerLoop's schema in a Salesforce org (SPEC §2.6, §4.5), derived from the property catalogue
 * (`src/model/crm-properties.ts`), never listed twice: one custom field per catalogue property on Opportunity (deal
 * properties) or Account (partner properties), and the junction object `PL_Opportunity_Partner__c` that records which
 * partner plays which role on an opportunity. Definitions are Tooling API `CustomField` / `CustomObject` bodies
 * (`FullName` + `Metadata`). `diffSalesforceSchema` compares them with what describe returned: what is missing is
 * created, what exists is never changed (the customer may own it), only compared and reported — the same rule as
 * HubSpot provisioning.
 */

// --- names ----------------------------------------------------------------------------------------------------

/** A catalogue name: `pl_` then lowercase words joined by single underscores. */
const CATALOGUE_NAME = /^pl(?:_[a-z0-9]+)+$/;
/** A PartnerLoop custom field API name, matched case-insensitively (Salesforce API names are). */
const SALESFORCE_NAME = /^pl((?:_[a-z0-9]+)+)__c$/i;
/** Salesforce's limit on a custom field's name (without the `__c` suffix). */
const MAX_FIELD_NAME = 40;

/**
 * The Salesforce API name of a catalogue property. The rule: split the name at underscores, write the `pl` prefix as
 * `PL`, capitalise the first letter of every other word (the rest stays as written: lowercase), join with single
 * underscores and add the custom suffix `__c`: `pl_attribution_status` → `PL_Attribution_Status__c`,
 * `pl_aws_opportunity_id` → `PL_Aws_Opportunity_Id__c`. Mechanical on purpose (no acronym list), so
 * `fromSalesforceName` can undo it. Throws for a name Salesforce would refuse (custom field names allow letters,
 * digits and single underscores, at most 40 characters).
 */
export function toSalesforceName(name: string): string {
  if (!CATALOGUE_NAME.test(name)) throw new Error(`"${name}" is not a PartnerLoop property name (pl_lowercase_words)`);
  const [, ...words] = name.split('_');
  const fieldName = ['PL', ...words.map((word) => word.charAt(0).toUpperCase() + word.slice(1))].join('_');
  if (fieldName.length > MAX_FIELD_NAME) {
    throw new Error(`${fieldName} is longer than Salesforce's ${MAX_FIELD_NAME} characters for a field name`);
  }
  return `${fieldName}__c`;
}

/**
 * The catalogue name of a PartnerLoop field API name (`PL_Attribution_Status__c` → `pl_attribution_status`), in any
 * letter case since Salesforce matches API names case-insensitively; undefined for any other field.
 */
export function fromSalesforceName(apiName: string): string | undefined {
  const match = SALESFORCE_NAME.exec(apiName);
  return match ? `pl${(match[1] ?? '').toLowerCase()}` : undefined;
}

// --- definitions ----------------------------------------------------------------------------------------------

/** The junction object: one row per opportunity × partner account × role. */
export const JUNCTION_OBJECT = 'PL_Opportunity_Partner__c';

/** The Salesforce objects PartnerLoop reads and provisions. */
export type SalesforceObjectName = 'Opportunity' | 'Account' | typeof JUNCTION_OBJECT;

/** Where each kind of catalogue record lives: deals are Opportunities, partners are Accounts. */
export const SALESFORCE_OBJECT_OF: Readonly<Record<CrmPropertyObject, 'Opportunity' | 'Account'>> = {
  deal: 'Opportunity',
  partner: 'Account',
};

/** The Metadata API field types PartnerLoop declares (or meets on the junction). */
export type SalesforceFieldType =
  | 'Text'
  | 'LongTextArea'
  | 'Number'
  | 'Percent'
  | 'Checkbox'
  | 'Date'
  | 'DateTime'
  | 'Picklist'
  | 'Lookup'
  | 'MasterDetail';

export interface PicklistValueMetadata {
  /** The stored value (what the API reads and writes). */
  fullName: string;
  label: string;
  default: boolean;
}

/** The `Metadata` of a Tooling API `CustomField` (the Metadata API `CustomField` type, the fields we set). */
export interface CustomFieldMetadata {
  label: string;
  description: string;
  type: SalesforceFieldType;
  length?: number;
  visibleLines?: number;
  precision?: number;
  scale?: number;
  defaultValue?: string;
  valueSet?: {
    restricted: boolean;
    valueSetDefinition: { sorted: false; value: PicklistValueMetadata[] };
  };
  externalId?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
  referenceTo?: string;
  relationshipName?: string;
  relationshipLabel?: string;
  deleteConstraint?: 'SetNull' | 'Restrict';
  reparentableMasterDetail?: boolean;
  writeRequiresMasterRead?: boolean;
}

export interface SalesforceFieldDefinition {
  object: SalesforceObjectName;
  /** The field's API name, e.g. `PL_Attribution_Status__c`. */
  apiName: string;
  /** `Object.Field__c`: the Tooling API `FullName`. */
  fullName: string;
  /** The catalogue property it stores; null for the junction's own fields. */
  property: CrmPropertyName | null;
  /** Whether PartnerLoop writes it (describe must show it editable). */
  written: boolean;
  metadata: CustomFieldMetadata;
}

/** The `Metadata` of a Tooling API `CustomObject` (the fields we set). */
export interface CustomObjectMetadata {
  label: string;
  pluralLabel: string;
  description: string;
  nameField: { type: 'AutoNumber'; label: string; displayFormat: string };
  deploymentStatus: 'Deployed';
  sharingModel: 'ControlledByParent';
}

export interface SalesforceObjectDefinition {
  fullName: typeof JUNCTION_OBJECT;
  metadata: CustomObjectMetadata;
}

export interface SalesforceSchema {
  /** Custom objects to exist first (their fields follow in `fields`). */
  objects: readonly SalesforceObjectDefinition[];
  /** In creation order: an object's master-detail field after the object. */
  fields: readonly SalesforceFieldDefinition[];
}

/** Text fields hold ids, codes and short status lines: Salesforce's maximum for a one-line `Text` field. */
const TEXT_LENGTH = 255;
/** `long_text` (e.g. attribution issues, one per line): ample, and the default size of a Long Text Area. */
const LONG_TEXT_LENGTH = 32_768;
const LONG_TEXT_LINES = 5;
/**
 * One numeric shape for every `number` property: 14 integer digits (amounts) and 4 decimals, because the writers
 * round to at most 4 (win rate 2, duplicate confidence 3, money 2). A narrower scale would make Salesforce round our
 * value, the next read would differ from what the writer computes, and the value would be rewritten on every run.
 */
const NUMBER_PRECISION = 18;
const NUMBER_SCALE = 4;

/**
 * How each catalogue kind is stored in Salesforce. Picklists are unrestricted: an org provisioned by an older
 * release still accepts a value a newer release writes (the diff reports the missing value instead of every write
 * failing with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). Checkboxes need a default and cannot be null.
 */
function fieldShape(property: CrmPropertyDefinition): Omit<CustomFieldMetadata, 'label' | 'description'> {
  switch (property.kind) {
    case 'text':
      return { type: 'Text', length: TEXT_LENGTH };
    case 'long_text':
      return { type: 'LongTextArea', length: LONG_TEXT_LENGTH, visibleLines: LONG_TEXT_LINES };
    case 'number':
      return { type: 'Number', precision: NUMBER_PRECISION, scale: NUMBER_SCALE };
    case 'date':
      return { type: 'Date' };
    case 'flag':
      return { type: 'Checkbox', defaultValue: 'false' };
    case 'choice': {
      const options = property.options ?? [];
      return {
        type: 'Picklist',
        valueSet: picklist(
          options.map((option) => option.value),
          (value) => options.find((option) => option.value === value)?.label ?? value,
          false,
        ),
      };
    }
  }
}

function picklist(
  values: readonly string[],
  label: (value: string) => string,
  restricted: boolean,
): NonNullable<CustomFieldMetadata['valueSet']> {
  return {
    restricted,
    valueSetDefinition: {
      sorted: false,
      value: values.map((value) => ({ fullName: value, label: label(value), default: false })),
    },
  };
}

/** The Salesforce field of one catalogue property. */
export function catalogueField(property: CrmPropertyDefinition): SalesforceFieldDefinition {
  const object = SALESFORCE_OBJECT_OF[property.object];
  const apiName = toSalesforceName(property.name);
  return {
    object,
    apiName,
    fullName: `${object}.${apiName}`,
    property: property.name as CrmPropertyName,
    written: property.writer !== null,
    metadata: { label: property.label, description: property.description, ...fieldShape(property) },
  };
}

/** The junction's field names. */
export const JUNCTION_FIELDS = {
  opportunity: 'Opportunity__c',
  partner: 'Partner__c',
  role: 'Role__c',
  split: 'Split__c',
  linkKey: 'Link_Key__c',
} as const;

/** The child relationship on Opportunity, for sub-queries: `(SELECT … FROM PL_Opportunity_Partners__r)`. */
export const JUNCTION_RELATIONSHIP = 'PL_Opportunity_Partners';

/** Role picklist labels: the role's word, except where the domain's spelling is not how people write it. */
const ROLE_LABELS: Readonly<Partial<Record<PartnerRole, string>>> = { cosell: 'Co-sell' };

export function roleLabel(role: PartnerRole): string {
  return ROLE_LABELS[role] ?? role.charAt(0).toUpperCase() + role.slice(1);
}

export const JUNCTION_OBJECT_DEFINITION: SalesforceObjectDefinition = {
  fullName: JUNCTION_OBJECT,
  metadata: {
    label: 'PartnerLoop opportunity partner',
    pluralLabel: 'PartnerLoop opportunity partners',
    description: 'A partner account on an opportunity, with its role and split (PartnerLoop attribution).',
    nameField: { type: 'AutoNumber', label: 'Link', displayFormat: 'PLP-{000000}' },
    deploymentStatus: 'Deployed',
    // Required by the master-detail to Opportunity: whoever sees the opportunity sees its partners.
    sharingModel: 'ControlledByParent',
  },
};

function junctionField(apiName: string, metadata: CustomFieldMetadata): SalesforceFieldDefinition {
  return {
    object: JUNCTION_OBJECT,
    apiName,
    fullName: `${JUNCTION_OBJECT}.${apiName}`,
    property: null,
    written: true,
    metadata,
  };
}

/**
 * The junction's fields.
 * - `Opportunity__c` is a master-detail: rows go when their opportunity is deleted, and their visibility is the
 *   opportunity's, so a seller sees the partners of every deal they can see.
 * - `Partner__c` is a lookup, not a second master: a second master would also require read access to the partner
 *   account to see the row (sellers often cannot see partner accounts). Deleting the account empties the lookup;
 *   rows without a partner are ignored when read.
 * - `Role__c` is restricted to the canonical roles: a role PartnerLoop does not know would be an attribution it
 *   cannot count.
 * - `Split__c` is a percent (0–100, what `splitPct` holds): Percent fields store 50 for 50 %.
 * - `Link_Key__c` (opportunity:partner:role, unique external id) makes tagging an upsert, so a retried tag after a
 *   lost answer finds the row the first try made instead of adding a second one.
 */
export const JUNCTION_FIELD_DEFINITIONS: readonly SalesforceFieldDefinition[] = [
  junctionField(JUNCTION_FIELDS.opportunity, {
    label: 'Opportunity',
    description: 'The opportunity the partner works on.',
    type: 'MasterDetail',
    referenceTo: 'Opportunity',
    relationshipName: JUNCTION_RELATIONSHIP,
    relationshipLabel: 'PartnerLoop partners',
    reparentableMasterDetail: false,
    writeRequiresMasterRead: false,
  }),
  junctionField(JUNCTION_FIELDS.partner, {
    label: 'Partner',
    description: 'The partner account.',
    type: 'Lookup',
    referenceTo: 'Account',
    relationshipName: 'PL_Partner_Opportunities',
    relationshipLabel: 'PartnerLoop partner opportunities',
    deleteConstraint: 'SetNull',
  }),
  junctionField(JUNCTION_FIELDS.role, {
    label: 'Role',
    description: 'What the partner did on this opportunity.',
    type: 'Picklist',
    valueSet: picklist(PARTNER_ROLES, (value) => roleLabel(value as PartnerRole), true),
  }),
  junctionField(JUNCTION_FIELDS.split, {
    label: 'Split',
    description: 'The partner’s share of this role, in percent (the splits of one role sum to 100).',
    type: 'Percent',
    precision: 5,
    scale: 2,
  }),
  junctionField(JUNCTION_FIELDS.linkKey, {
    label: 'Link key',
    description: 'Opportunity, partner and role of this row; keeps one row per combination (PartnerLoop).',
    type: 'Text',
    length: 80,
    externalId: true,
    unique: true,
    caseSensitive: true,
  }),
];

/** Everything PartnerLoop provisions in an org, in creation order. */
export const PARTNERLOOP_SCHEMA: SalesforceSchema = {
  objects: [JUNCTION_OBJECT_DEFINITION],
  fields: [...CRM_PROPERTIES.map(catalogueField), ...JUNCTION_FIELD_DEFINITIONS],
};

/** The field that stores a catalogue property. */
export function salesforceFieldOf(name: string): SalesforceFieldDefinition | undefined {
  return PARTNERLOOP_SCHEMA.fields.find((field) => field.property === name);
}

/** The Tooling API body that creates a field: `POST /tooling/sobjects/CustomField`. */
export function toolingCustomField(field: SalesforceFieldDefinition): {
  FullName: string;
  Metadata: CustomFieldMetadata;
} {
  return { FullName: field.fullName, Metadata: field.metadata };
}

/** The Tooling API body that creates an object: `POST /tooling/sobjects/CustomObject`. */
export function toolingCustomObject(object: SalesforceObjectDefinition): {
  FullName: string;
  Metadata: CustomObjectMetadata;
} {
  return { FullName: object.fullName, Metadata: object.metadata };
}

// --- what the org holds -----------------------------------------------------------------------------------------

/**
 * A field as sObject describe returns it (`/sobjects/{object}/describe`, jsforce `DescribeField`), the parts we
 * compare. Describe speaks its own types (`string`, `textarea`, `double`, `percent`, `boolean`, `date`, `datetime`,
 * `picklist`, `reference`), not the Metadata API's.
 */
export interface DescribedField {
  name: string;
  type: string;
  length?: number | null | undefined;
  precision?: number | null | undefined;
  scale?: number | null | undefined;
  calculated?: boolean | null | undefined;
  updateable?: boolean | null | undefined;
  restrictedPicklist?: boolean | null | undefined;
  picklistValues?: ReadonlyArray<{ value: string; active: boolean }> | null | undefined;
  referenceTo?: readonly string[] | null | undefined;
  /** 0 or 1 on a master-detail field, absent on a lookup. */
  relationshipOrder?: number | null | undefined;
}

export interface DescribedObject {
  name: string;
  fields: readonly DescribedField[];
}

/**
 * What describe said. Opportunity and Account always exist; the junction is absent until created (describe answers
 * NOT_FOUND). Describe lists only the fields the integration user may read: a field hidden by field-level security
 * looks missing here, and creating it fails with a duplicate name (the I/O layer reports that, not this diff).
 */
export interface DescribedSchema {
  Opportunity: DescribedObject;
  Account: DescribedObject;
  [JUNCTION_OBJECT]?: DescribedObject | undefined;
}

/** The describe type of each Metadata type. Custom number fields describe as `double` whatever their scale. */
const DESCRIBE_TYPES: Readonly<Record<SalesforceFieldType, readonly string[]>> = {
  Text: ['string'],
  LongTextArea: ['textarea'],
  Number: ['double', 'int'],
  Percent: ['percent'],
  Checkbox: ['boolean'],
  Date: ['date'],
  DateTime: ['datetime'],
  Picklist: ['picklist'],
  Lookup: ['reference'],
  MasterDetail: ['reference'],
};

/**
 * How an existing field differs from our definition in ways that break our writes or their meaning: another type,
 * a formula, no edit access, too short, too few decimals (the rounded value would be rewritten every run), picklist
 * values missing, another reference target. Labels, descriptions and extra picklist values are the customer's.
 */
export function fieldMismatches(field: SalesforceFieldDefinition, described: DescribedField): string[] {
  const wanted = field.metadata;
  const expected = DESCRIBE_TYPES[wanted.type];
  if (!expected.includes(described.type)) return [`is a ${described.type} field, expected ${expected[0]}`];
  const problems: string[] = [];
  if (described.calculated) problems.push('is a formula field, which PartnerLoop cannot write');
  else if (field.written && described.updateable === false) {
    problems.push("is not editable by PartnerLoop's user (grant field-level edit access)");
  }
  if (wanted.length !== undefined && typeof described.length === 'number' && described.length < wanted.length) {
    problems.push(`holds ${described.length} characters, PartnerLoop writes up to ${wanted.length}`);
  }
  if (wanted.scale !== undefined && typeof described.scale === 'number' && described.scale < wanted.scale) {
    problems.push(`keeps ${described.scale} decimals, PartnerLoop writes ${wanted.scale}`);
  }
  if (wanted.precision !== undefined && wanted.scale !== undefined && typeof described.precision === 'number') {
    const digits = described.precision - (described.scale ?? 0);
    if (digits < wanted.precision - wanted.scale) {
      problems.push(
        `holds ${digits} digits before the decimal point, PartnerLoop may need ${wanted.precision - wanted.scale}`,
      );
    }
  }
  if (wanted.valueSet) {
    const active = new Set((described.picklistValues ?? []).filter((v) => v.active).map((v) => v.value));
    const lacking = wanted.valueSet.valueSetDefinition.value.map((v) => v.fullName).filter((v) => !active.has(v));
    if (lacking.length > 0) {
      problems.push(
        described.restrictedPicklist
          ? `is a restricted picklist without ${lacking.join(', ')} (writing those values fails)`
          : `has no picklist values ${lacking.join(', ')}`,
      );
    }
  }
  if (wanted.referenceTo !== undefined && !(described.referenceTo ?? []).includes(wanted.referenceTo)) {
    problems.push(`refers to ${(described.referenceTo ?? []).join(', ') || 'nothing'}, expected ${wanted.referenceTo}`);
  }
  if (wanted.type === 'MasterDetail' && typeof described.relationshipOrder !== 'number') {
    problems.push('is a lookup, not a master-detail (its rows stay when their opportunity is deleted)');
  }
  return problems;
}

export interface SalesforceSchemaDiff {
  /** What to create, in order: objects first, then fields. */
  missing: { objects: SalesforceObjectDefinition[]; fields: SalesforceFieldDefinition[] };
  /** Full names (`Opportunity.PL_Dedupe_Status__c`, `PL_Opportunity_Partner__c`) already there, left as they are. */
  existing: string[];
  /** Existing definitions that differ from ours; never changed, only reported. */
  warnings: string[];
}

function describedField(object: DescribedObject | undefined, apiName: string): DescribedField | undefined {
  const wanted = apiName.toLowerCase();
  return object?.fields.find((field) => field.name.toLowerCase() === wanted);
}

/**
 * The pure decision of provisioning: what of `wanted` the org lacks, what it has, and how what it has differs. A
 * field that exists with another type (or any other mismatch) is a warning and is never changed: it may be the
 * customer's, and changing a field's type can destroy data.
 */
export function diffSalesforceSchema(
  described: DescribedSchema,
  wanted: SalesforceSchema = PARTNERLOOP_SCHEMA,
): SalesforceSchemaDiff {
  const diff: SalesforceSchemaDiff = { missing: { objects: [], fields: [] }, existing: [], warnings: [] };
  for (const object of wanted.objects) {
    if (described[object.fullName]) diff.existing.push(object.fullName);
    else diff.missing.objects.push(object);
  }
  for (const field of wanted.fields) {
    const found = describedField(described[field.object], field.apiName);
    if (!found) {
      diff.missing.fields.push(field);
      continue;
    }
    diff.existing.push(field.fullName);
    const problems = fieldMismatches(field, found);
    if (problems.length > 0) {
      diff.warnings.push(
        `${field.fullName} exists but ${problems.join('; ')}; left unchanged — PartnerLoop's writes to it may fail`,
      );
    }
  }
  return diff;
}

/** The object of a full name: `Opportunity.PL_X__c` → `Opportunity`; an object's own name is itself. */
function objectOf(fullName: string): string {
  const dot = fullName.indexOf('.');
  return dot < 0 ? fullName : fullName.slice(0, dot);
}

function byObject(fullNames: readonly string[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const fullName of fullNames) {
    const object = objectOf(fullName);
    const name = fullName.slice(object.length + 1) || fullName;
    grouped[object] = [...(grouped[object] ?? []), name];
  }
  return grouped;
}

/**
 * The port's report of a provisioning run: what it created (full names), what was there, and the warnings, grouped by
 * object (`{ Opportunity: ['PL_Dedupe_Status__c'], PL_Opportunity_Partner__c: ['PL_Opportunity_Partner__c', …] }`).
 */
export function provisioningReport(
  diff: SalesforceSchemaDiff,
  created: readonly string[],
  extraWarnings: readonly string[] = [],
): CrmProvisioningReport {
  return {
    created: byObject(created),
    existing: byObject(diff.existing),
    warnings: [...diff.warnings, ...extraWarnings],
  };
}

/**
 * The roles a link can be recorded with now: the active values of the junction's role picklist, when the junction and
 * its opportunity, partner and role fields exist. An org whose junction predates a role cannot take it yet.
 */
export function linkableRoles(described: DescribedSchema): ReadonlySet<PartnerRole> {
  const junction = described[JUNCTION_OBJECT];
  const required = [JUNCTION_FIELDS.opportunity, JUNCTION_FIELDS.partner, JUNCTION_FIELDS.role];
  if (!junction || required.some((name) => !describedField(junction, name))) return new Set();
  const active = new Set(
    (describedField(junction, JUNCTION_FIELDS.role)?.picklistValues ?? []).filter((v) => v.active).map((v) => v.value),
  );
  return new Set(PARTNER_ROLES.filter((role) => active.has(role)));
}
