/**
 * The org's schema: sObject definitions and their fields, with the properties the describe calls report (REST API
 * "sObject Describe", field properties as in the SOAP `DescribeSObjectResult`/`Field` types that jsforce 3 mirrors in
 * `lib/types/common.d.ts`). Standard objects carry the fields PartnerLoop reads or writes (names and types from the
 * Object Reference: Account, Opportunity, User, Profile, OpportunityStage, Organization); custom objects and fields
 * are added by provisioning (tooling-metadata.ts). Lookups are case-insensitive, like the API.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'currency'
  | 'double'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'url'
  | 'email'
  | 'phone'
  /** Tooling API `Metadata` columns: stored as JSON text, answered as an object. */
  | 'complexvalue';

export interface PicklistEntry {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  custom: boolean;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  calculated: boolean;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  picklistValues: PicklistEntry[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  /** Master-detail: deleting the parent deletes this record. */
  cascadeDelete: boolean;
  externalId: boolean;
  unique: boolean;
  nameField: boolean;
  autoNumber: boolean;
  /** Auto-number fields: `PLOP-{0000}`. */
  displayFormat?: string;
  /** Stored-form value used when a create leaves the field out (`defaultedOnCreate`). */
  defaultValue: unknown;
  description: string | null;
  inlineHelpText: string | null;
  /** Tooling API id (`00N…`) of a custom field, and when it was created. */
  customFieldId?: string;
  createdDate?: number;
  /** The Metadata a custom field was created or last updated with (tooling `Metadata`). */
  metadata?: Record<string, unknown>;
}

export type FieldSpec = Partial<Omit<FieldDef, 'name' | 'type' | 'label'>> & { label?: string };

/** Default properties per type; `spec` overrides. A required field is `nillable: false` and not defaulted. */
export function field(name: string, type: FieldType, spec: FieldSpec = {}): FieldDef {
  const numeric = type === 'currency' || type === 'double' || type === 'percent' || type === 'int';
  const text = type === 'string' || type === 'textarea' || type === 'url' || type === 'email' || type === 'phone';
  const base: FieldDef = {
    name,
    label: spec.label ?? humanize(name),
    type,
    custom: name.endsWith('__c'),
    nillable: type !== 'boolean' && type !== 'id',
    createable: type !== 'id',
    updateable: type !== 'id',
    defaultedOnCreate: type === 'boolean' || type === 'id',
    calculated: false,
    length: type === 'id' || type === 'reference' ? 18 : text ? 255 : type === 'picklist' ? 255 : 0,
    precision: type === 'currency' ? 18 : numeric ? 18 : 0,
    scale: type === 'currency' ? 2 : 0,
    digits: type === 'int' ? 9 : 0,
    picklistValues: [],
    restrictedPicklist: false,
    referenceTo: [],
    relationshipName: null,
    cascadeDelete: false,
    externalId: false,
    unique: false,
    nameField: false,
    autoNumber: false,
    defaultValue: type === 'boolean' ? false : null,
    description: null,
    inlineHelpText: null,
  };
  if (type === 'multipicklist') base.length = 4099;
  if (type === 'textarea') base.length = spec.length ?? 32_000;
  const merged: FieldDef = { ...base, ...stripUndefined(spec) } as FieldDef;
  merged.label = spec.label ?? base.label;
  return merged;
}

/** A read-only system field (audit dates, calculated flags). */
export function systemField(name: string, type: FieldType, spec: FieldSpec = {}): FieldDef {
  return field(name, type, {
    createable: false,
    updateable: false,
    nillable: false,
    defaultedOnCreate: true,
    ...spec,
  });
}

export function picklist(values: ReadonlyArray<string | readonly [value: string, label: string]>): PicklistEntry[] {
  return values.map((entry) => {
    const [value, label] = typeof entry === 'string' ? [entry, entry] : entry;
    return { value, label, active: true, defaultValue: false };
  });
}

export interface SObjectOptions {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom?: boolean;
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  queryable?: boolean;
  /** Tooling API objects answer under `/tooling/sobjects/…`. */
  tooling?: boolean;
  /** `ReadWrite`, or `ControlledByParent` once a master-detail field exists. */
  sharingModel?: string;
  customObjectId?: string;
  createdDate?: number;
  description?: string | null;
}

export class SObjectDef {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly queryable: boolean;
  readonly tooling: boolean;
  sharingModel: string;
  readonly customObjectId: string | undefined;
  readonly createdDate: number | undefined;
  readonly description: string | null;
  readonly #fields: FieldDef[] = [];
  readonly #index = new Map<string, FieldDef>();
  readonly #relationships = new Map<string, FieldDef>();

  constructor(options: SObjectOptions, fields: readonly FieldDef[]) {
    this.name = options.name;
    this.label = options.label;
    this.labelPlural = options.labelPlural;
    this.keyPrefix = options.keyPrefix;
    this.custom = options.custom ?? options.name.endsWith('__c');
    this.createable = options.createable ?? true;
    this.updateable = options.updateable ?? true;
    this.deletable = options.deletable ?? true;
    this.queryable = options.queryable ?? true;
    this.tooling = options.tooling ?? false;
    this.sharingModel = options.sharingModel ?? 'ReadWrite';
    this.customObjectId = options.customObjectId;
    this.createdDate = options.createdDate;
    this.description = options.description ?? null;
    for (const definition of fields) this.addField(definition);
  }

  get fields(): readonly FieldDef[] {
    return this.#fields;
  }

  field(name: string): FieldDef | undefined {
    return this.#index.get(name.toLowerCase());
  }

  /** The reference field behind a relationship name (`Account` → AccountId, `PL_Opportunity__r` → PL_Opportunity__c). */
  relationship(name: string): FieldDef | undefined {
    return this.#relationships.get(name.toLowerCase());
  }

  addField(definition: FieldDef): void {
    const key = definition.name.toLowerCase();
    if (this.#index.has(key)) throw new Error(`${this.name}.${definition.name} already exists`);
    this.#fields.push(definition);
    this.#index.set(key, definition);
    if (definition.relationshipName) this.#relationships.set(definition.relationshipName.toLowerCase(), definition);
  }

  removeField(name: string): void {
    const definition = this.field(name);
    if (!definition) return;
    this.#fields.splice(this.#fields.indexOf(definition), 1);
    this.#index.delete(definition.name.toLowerCase());
    if (definition.relationshipName) this.#relationships.delete(definition.relationshipName.toLowerCase());
  }

  /** The field shown as the record's name (`Name`), if any. */
  get nameFieldName(): string | undefined {
    return this.#fields.find((definition) => definition.nameField)?.name;
  }
}

/** The fields every data object has (Object Reference, "System Fields"). */
export function auditFields(options: { isDeleted?: boolean; owner?: boolean } = {}): FieldDef[] {
  const fields: FieldDef[] = [systemField('Id', 'id', { label: 'Record ID', defaultedOnCreate: true })];
  if (options.owner !== false) {
    fields.push(
      field('OwnerId', 'reference', {
        label: 'Owner ID',
        referenceTo: ['User'],
        relationshipName: 'Owner',
        nillable: false,
        defaultedOnCreate: true,
      }),
    );
  }
  if (options.isDeleted !== false) fields.push(systemField('IsDeleted', 'boolean', { label: 'Deleted' }));
  fields.push(
    systemField('CreatedDate', 'datetime', { label: 'Created Date' }),
    systemField('CreatedById', 'reference', {
      label: 'Created By ID',
      referenceTo: ['User'],
      relationshipName: 'CreatedBy',
    }),
    systemField('LastModifiedDate', 'datetime', { label: 'Last Modified Date' }),
    systemField('LastModifiedById', 'reference', {
      label: 'Last Modified By ID',
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
    }),
    systemField('SystemModstamp', 'datetime', { label: 'System Modstamp' }),
  );
  return fields;
}

export const FORECAST_CATEGORIES = picklist([
  ['Omitted', 'Omitted'],
  ['Pipeline', 'Pipeline'],
  ['Best Case', 'Best Case'],
  ['Commit', 'Commit'],
  ['Closed', 'Closed'],
]);

/** A stage of the org's sales process, as an OpportunityStage row and a StageName picklist value. */
export interface StageSpec {
  label: string;
  isClosed: boolean;
  isWon: boolean;
  /** 0–100 */
  probability: number;
  forecastCategory: string;
}

/** The stages a new Salesforce org ships with (Setup → Opportunity Stages). */
export const DEFAULT_STAGES: readonly StageSpec[] = [
  { label: 'Prospecting', isClosed: false, isWon: false, probability: 10, forecastCategory: 'Pipeline' },
  { label: 'Qualification', isClosed: false, isWon: false, probability: 10, forecastCategory: 'Pipeline' },
  { label: 'Needs Analysis', isClosed: false, isWon: false, probability: 20, forecastCategory: 'Pipeline' },
  { label: 'Value Proposition', isClosed: false, isWon: false, probability: 50, forecastCategory: 'Pipeline' },
  { label: 'Id. Decision Makers', isClosed: false, isWon: false, probability: 60, forecastCategory: 'Pipeline' },
  { label: 'Perception Analysis', isClosed: false, isWon: false, probability: 70, forecastCategory: 'Pipeline' },
  { label: 'Proposal/Price Quote', isClosed: false, isWon: false, probability: 75, forecastCategory: 'Pipeline' },
  { label: 'Negotiation/Review', isClosed: false, isWon: false, probability: 90, forecastCategory: 'Pipeline' },
  { label: 'Closed Won', isClosed: true, isWon: true, probability: 100, forecastCategory: 'Closed' },
  { label: 'Closed Lost', isClosed: true, isWon: false, probability: 0, forecastCategory: 'Omitted' },
];

export interface StandardPicklists {
  stages: readonly StageSpec[];
  accountTypes: readonly string[];
  industries: readonly string[];
  opportunityTypes: readonly string[];
  leadSources: ReadonlyArray<readonly [string, string]>;
  currencies: readonly string[];
  defaultCurrency: string;
}

export const DEFAULT_PICKLISTS: StandardPicklists = {
  stages: DEFAULT_STAGES,
  accountTypes: [
    'Prospect',
    'Customer - Direct',
    'Customer - Channel',
    'Channel Partner / Reseller',
    'Installation Partner',
    'Technology Partner',
    'Other',
  ],
  industries: ['Agriculture', 'Banking', 'Education', 'Healthcare', 'Manufacturing', 'Retail', 'Technology', 'Other'],
  opportunityTypes: [
    'Existing Customer - Upgrade',
    'Existing Customer - Replacement',
    'Existing Customer - Downgrade',
    'New Customer',
  ],
  leadSources: [
    ['Web', 'Web'],
    ['Phone Inquiry', 'Phone Inquiry'],
    ['Partner Referral', 'Partner Referral'],
    ['Purchased List', 'Purchased List'],
    ['Other', 'Other'],
  ],
  currencies: ['USD'],
  defaultCurrency: 'USD',
};

/** The standard objects, with the org's picklist values (stages, types, lead sources, currencies). */
export function standardObjects(lists: StandardPicklists): SObjectDef[] {
  const currency = field('CurrencyIsoCode', 'picklist', {
    label: 'Currency ISO Code',
    picklistValues: lists.currencies.map((code) => ({
      value: code,
      label: code,
      active: true,
      defaultValue: code === lists.defaultCurrency,
    })),
    restrictedPicklist: true,
    defaultedOnCreate: true,
    defaultValue: lists.defaultCurrency,
    length: 3,
  });
  const account = new SObjectDef(
    { name: 'Account', label: 'Account', labelPlural: 'Accounts', keyPrefix: '001', custom: false },
    [
      ...auditFields(),
      field('Name', 'string', { label: 'Account Name', nillable: false, nameField: true }),
      field('Type', 'picklist', { label: 'Account Type', picklistValues: picklist(lists.accountTypes) }),
      field('Industry', 'picklist', { picklistValues: picklist(lists.industries) }),
      field('Website', 'url', { length: 255 }),
      field('BillingCountry', 'string', { label: 'Billing Country', length: 80 }),
      field('Description', 'textarea', { label: 'Account Description' }),
      { ...currency },
    ],
  );
  const stageValues = lists.stages.map((stage) => ({
    value: stage.label,
    label: stage.label,
    active: true,
    defaultValue: false,
  }));
  const opportunity = new SObjectDef(
    { name: 'Opportunity', label: 'Opportunity', labelPlural: 'Opportunities', keyPrefix: '006', custom: false },
    [
      ...auditFields(),
      field('AccountId', 'reference', { label: 'Account ID', referenceTo: ['Account'], relationshipName: 'Account' }),
      field('Name', 'string', { nillable: false, nameField: true, length: 120 }),
      field('Description', 'textarea'),
      // StageName is backed by OpportunityStage: a value the org does not have is refused like a restricted picklist.
      field('StageName', 'picklist', {
        label: 'Stage',
        nillable: false,
        picklistValues: stageValues,
        restrictedPicklist: true,
      }),
      field('Amount', 'currency', { precision: 18, scale: 2 }),
      field('Probability', 'percent', { label: 'Probability (%)', precision: 3, scale: 0, defaultedOnCreate: true }),
      field('CloseDate', 'date', { label: 'Close Date', nillable: false }),
      field('Type', 'picklist', { label: 'Opportunity Type', picklistValues: picklist(lists.opportunityTypes) }),
      field('NextStep', 'string', { label: 'Next Step' }),
      field('LeadSource', 'picklist', { label: 'Lead Source', picklistValues: picklist(lists.leadSources) }),
      systemField('IsClosed', 'boolean', { label: 'Closed' }),
      systemField('IsWon', 'boolean', { label: 'Won' }),
      field('ForecastCategoryName', 'picklist', {
        label: 'Forecast Category',
        picklistValues: FORECAST_CATEGORIES.map((entry) => ({ ...entry })),
        restrictedPicklist: true,
        defaultedOnCreate: true,
      }),
      { ...currency, label: 'Opportunity Currency' },
    ],
  );
  const user = new SObjectDef(
    {
      name: 'User',
      label: 'User',
      labelPlural: 'Users',
      keyPrefix: '005',
      custom: false,
      // The stand-in does not provision users through the API (Salesforce allows it with the right licences).
      createable: false,
      deletable: false,
    },
    [
      ...auditFields({ isDeleted: false, owner: false }),
      field('Username', 'string', { nillable: false, length: 80, unique: true }),
      field('LastName', 'string', { label: 'Last Name', nillable: false, length: 80 }),
      field('FirstName', 'string', { label: 'First Name', length: 40 }),
      systemField('Name', 'string', { label: 'Full Name', length: 121, nameField: true, calculated: true }),
      field('Email', 'email', { nillable: false, length: 128 }),
      field('IsActive', 'boolean', { label: 'Active' }),
      field('ProfileId', 'reference', {
        label: 'Profile ID',
        referenceTo: ['Profile'],
        relationshipName: 'Profile',
        nillable: false,
      }),
      field('UserType', 'picklist', {
        label: 'User Type',
        picklistValues: picklist(['Standard', 'PowerPartner', 'CsnOnly']),
        restrictedPicklist: true,
        createable: false,
        updateable: false,
        defaultedOnCreate: true,
      }),
    ],
  );
  const profile = new SObjectDef(
    {
      name: 'Profile',
      label: 'Profile',
      labelPlural: 'Profiles',
      keyPrefix: '00e',
      custom: false,
      createable: false,
      updateable: false,
      deletable: false,
    },
    [
      ...auditFields({ isDeleted: false, owner: false }),
      field('Name', 'string', { nillable: false, nameField: true }),
      field('UserType', 'picklist', { label: 'User Type', picklistValues: picklist(['Standard']) }),
      field('PermissionsModifyAllData', 'boolean', { label: 'Modify All Data' }),
      field('PermissionsViewAllData', 'boolean', { label: 'View All Data' }),
      field('PermissionsApiEnabled', 'boolean', { label: 'API Enabled' }),
    ],
  );
  const stage = new SObjectDef(
    {
      name: 'OpportunityStage',
      label: 'Opportunity Stage',
      labelPlural: 'Opportunity Stages',
      keyPrefix: '01J',
      custom: false,
      createable: false,
      updateable: false,
      deletable: false,
    },
    [
      ...auditFields({ isDeleted: false, owner: false }),
      field('MasterLabel', 'string', { label: 'Master Label', nillable: false, nameField: true }),
      field('ApiName', 'string', { label: 'API Name', nillable: false }),
      field('IsActive', 'boolean', { label: 'Is Active' }),
      field('IsClosed', 'boolean', { label: 'Closed' }),
      field('IsWon', 'boolean', { label: 'Won' }),
      field('SortOrder', 'int', { label: 'Sort Order' }),
      field('DefaultProbability', 'percent', { label: 'Probability (%)', precision: 3, scale: 0 }),
      field('ForecastCategoryName', 'picklist', {
        label: 'Forecast Category Name',
        picklistValues: FORECAST_CATEGORIES.map((entry) => ({ ...entry })),
        restrictedPicklist: true,
      }),
      field('Description', 'string'),
    ],
  );
  const organization = new SObjectDef(
    {
      name: 'Organization',
      label: 'Organization',
      labelPlural: 'Organizations',
      keyPrefix: '00D',
      custom: false,
      createable: false,
      updateable: false,
      deletable: false,
    },
    [
      ...auditFields({ isDeleted: false, owner: false }),
      field('Name', 'string', { nillable: false, nameField: true }),
      field('OrganizationType', 'string', { label: 'Edition' }),
      field('IsSandbox', 'boolean', { label: 'Is Sandbox' }),
      field('InstanceName', 'string', { label: 'Instance Name' }),
      field('DefaultLocaleSidKey', 'string', { label: 'Locale' }),
      field('TimeZoneSidKey', 'string', { label: 'Default Time Zone' }),
      field('LanguageLocaleKey', 'string', { label: 'Language' }),
    ],
  );
  // Account partners (Account → Partners related list): the customer in AccountFromId, the partner in AccountToId;
  // Salesforce adds the reverse row itself. With OpportunityId set, the partner of one opportunity instead.
  const partner = new SObjectDef(
    {
      name: 'Partner',
      label: 'Partner',
      labelPlural: 'Partners',
      keyPrefix: '00I',
      custom: false,
      updateable: false,
    },
    [
      ...auditFields({ owner: false }),
      field('AccountFromId', 'reference', {
        label: 'Account ID (From)',
        referenceTo: ['Account'],
        relationshipName: 'AccountFrom',
      }),
      field('AccountToId', 'reference', {
        label: 'Account ID (To)',
        referenceTo: ['Account'],
        relationshipName: 'AccountTo',
        nillable: false,
      }),
      field('OpportunityId', 'reference', {
        label: 'Opportunity ID',
        referenceTo: ['Opportunity'],
        relationshipName: 'Opportunity',
      }),
      field('Role', 'picklist', {
        picklistValues: picklist([
          'System Integrator',
          'Agency',
          'Advertiser',
          'VAR/Reseller',
          'Distributor',
          'Developer',
          'Broker',
          'Lender',
          'Supplier',
          'Institution',
          'Contractor',
          'Dealer',
          'Consultant',
        ]),
      }),
      field('IsPrimary', 'boolean', { label: 'Primary' }),
    ],
  );
  return [account, opportunity, user, profile, stage, organization, partner];
}

/** `PL_Split_Percent__c` → `PL Split Percent`, `AccountId` → `Account Id`. */
export function humanize(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
