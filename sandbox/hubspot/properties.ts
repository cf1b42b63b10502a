/**
 * Property and property-group definitions of the sandbox portal, in the shape of HubSpot's properties API
 * (`Property` / `PropertyGroup` of PublicApiSpecs/CRM/Properties/Rollouts/145899/2026-03/properties.json).
 * Only the HubSpot-defined properties the app touches are listed; portals add their own through the API.
 */

export type CrmObjectType = 'deals' | 'companies';

export const OBJECT_TYPE_IDS: Readonly<Record<CrmObjectType, string>> = { deals: '0-3', companies: '0-2' };

export type PropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';
export type FieldType =
  | 'text'
  | 'textarea'
  | 'number'
  | 'date'
  | 'select'
  | 'radio'
  | 'checkbox'
  | 'booleancheckbox'
  | 'calculation_equation'
  | 'html'
  | 'file'
  | 'phonenumber';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  /** The API refuses writes to these (HubSpot: `modificationMetadata.readOnlyValue`). */
  readOnlyValue: boolean;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PropertyGroupDefinition {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

type DefinitionInput = Pick<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'> &
  Partial<Omit<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'>>;

/** The epoch the built-in definitions claim as their creation time (fixed, so responses are reproducible). */
const BUILT_IN_AT = Date.UTC(2019, 0, 1);

export function defineProperty(input: DefinitionInput, at = BUILT_IN_AT): PropertyDefinition {
  return {
    description: '',
    options: [],
    displayOrder: -1,
    hasUniqueValue: false,
    hidden: false,
    formField: false,
    hubspotDefined: false,
    calculated: false,
    readOnlyValue: false,
    archived: false,
    createdAt: at,
    updatedAt: at,
    ...input,
  };
}

export function options(pairs: ReadonlyArray<readonly [value: string, label: string]>): PropertyOption[] {
  return pairs.map(([value, label], displayOrder) => ({ value, label, displayOrder, hidden: false }));
}

const hubspot = (input: DefinitionInput) => defineProperty({ hubspotDefined: true, ...input });

/** The HubSpot-defined deal properties the app reads or writes. */
export function builtInDealProperties(): PropertyDefinition[] {
  return [
    hubspot({ name: 'dealname', label: 'Deal Name', type: 'string', fieldType: 'text', groupName: 'dealinformation' }),
    hubspot({ name: 'amount', label: 'Amount', type: 'number', fieldType: 'number', groupName: 'dealinformation' }),
    hubspot({
      name: 'closedate',
      label: 'Close Date',
      type: 'datetime',
      fieldType: 'date',
      groupName: 'dealinformation',
    }),
    hubspot({
      name: 'pipeline',
      label: 'Pipeline',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'dealinformation',
    }),
    hubspot({
      name: 'dealstage',
      label: 'Deal Stage',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'dealinformation',
    }),
    hubspot({
      name: 'dealtype',
      label: 'Deal Type',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'dealinformation',
      // HubSpot ships newbusiness/existingbusiness; portals add their own options (renewal, churn) — this one has.
      options: options([
        ['newbusiness', 'New Business'],
        ['existingbusiness', 'Existing Business'],
        ['renewal', 'Renewal'],
        ['churn', 'Churn'],
      ]),
    }),
    hubspot({
      name: 'hubspot_owner_id',
      label: 'Deal owner',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'dealinformation',
    }),
    hubspot({
      name: 'closed_lost_reason',
      label: 'Closed Lost Reason',
      type: 'string',
      fieldType: 'textarea',
      groupName: 'dealinformation',
    }),
    hubspot({
      name: 'description',
      label: 'Deal Description',
      type: 'string',
      fieldType: 'textarea',
      groupName: 'dealinformation',
    }),
    hubspot({
      name: 'deal_currency_code',
      label: 'Currency',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'dealinformation',
      options: options([
        ['USD', 'US Dollar'],
        ['EUR', 'Euro'],
        ['GBP', 'British Pound'],
        ['AUD', 'Australian Dollar'],
        ['BRL', 'Brazilian Real'],
      ]),
    }),
    ...systemProperties('dealinformation'),
    hubspot({
      name: 'hs_is_closed',
      label: 'Is Deal Closed?',
      type: 'bool',
      fieldType: 'booleancheckbox',
      groupName: 'dealinformation',
      calculated: true,
      readOnlyValue: true,
    }),
    hubspot({
      name: 'hs_is_closed_won',
      label: 'Is Closed Won',
      type: 'bool',
      fieldType: 'booleancheckbox',
      groupName: 'dealinformation',
      calculated: true,
      readOnlyValue: true,
    }),
  ];
}

/** The HubSpot-defined company properties the app reads or writes. */
export function builtInCompanyProperties(): PropertyDefinition[] {
  return [
    hubspot({
      name: 'name',
      label: 'Company name',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
    }),
    hubspot({
      name: 'domain',
      label: 'Company Domain Name',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
    }),
    hubspot({
      name: 'country',
      label: 'Country/Region',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
    }),
    hubspot({
      name: 'industry',
      label: 'Industry',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
    }),
    hubspot({
      name: 'hubspot_owner_id',
      label: 'Company owner',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'companyinformation',
    }),
    ...systemProperties('companyinformation'),
  ];
}

function systemProperties(groupName: string): PropertyDefinition[] {
  return [
    hubspot({
      name: 'createdate',
      label: 'Create Date',
      type: 'datetime',
      fieldType: 'date',
      groupName,
      readOnlyValue: false,
    }),
    hubspot({
      name: 'hs_lastmodifieddate',
      label: 'Last Modified Date',
      type: 'datetime',
      fieldType: 'date',
      groupName,
      calculated: true,
      readOnlyValue: true,
    }),
    hubspot({
      name: 'hs_object_id',
      label: 'Record ID',
      type: 'number',
      fieldType: 'number',
      groupName,
      hasUniqueValue: true,
      readOnlyValue: true,
    }),
    hubspot({
      name: 'hs_merged_object_ids',
      label: 'Merged Record IDs',
      type: 'enumeration',
      fieldType: 'checkbox',
      groupName,
      calculated: true,
      readOnlyValue: true,
    }),
  ];
}

export function builtInGroups(objectType: CrmObjectType): PropertyGroupDefinition[] {
  return objectType === 'deals'
    ? [{ name: 'dealinformation', label: 'Deal information', displayOrder: 0, archived: false }]
    : [{ name: 'companyinformation', label: 'Company information', displayOrder: 0, archived: false }];
}

/** Properties every read returns even when not asked for (HubSpot's default set for the object). */
export const ALWAYS_RETURNED: Readonly<Record<CrmObjectType, readonly string[]>> = {
  deals: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  companies: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** Returned when a list/read/search names no properties (the documented defaults per object). */
export const DEFAULT_RETURNED: Readonly<Record<CrmObjectType, readonly string[]>> = {
  deals: [
    'dealname',
    'amount',
    'closedate',
    'pipeline',
    'dealstage',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
  ],
  companies: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** The JSON the properties API returns for a definition. */
export function propertyToJson(definition: PropertyDefinition) {
  return {
    name: definition.name,
    label: definition.label,
    type: definition.type,
    fieldType: definition.fieldType,
    description: definition.description,
    groupName: definition.groupName,
    options: definition.options,
    displayOrder: definition.displayOrder,
    calculated: definition.calculated,
    externalOptions: false,
    hasUniqueValue: definition.hasUniqueValue,
    hidden: definition.hidden,
    hubspotDefined: definition.hubspotDefined,
    formField: definition.formField,
    archived: definition.archived,
    createdAt: new Date(definition.createdAt).toISOString(),
    updatedAt: new Date(definition.updatedAt).toISOString(),
    modificationMetadata: {
      archivable: !definition.hubspotDefined,
      readOnlyDefinition: definition.hubspotDefined,
      readOnlyValue: definition.readOnlyValue,
    },
    dataSensitivity: 'non_sensitive',
  };
}

export function groupToJson(group: PropertyGroupDefinition) {
  return { name: group.name, label: group.label, displayOrder: group.displayOrder, archived: group.archived };
}
