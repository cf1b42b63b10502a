import { describe, expect, it } from 'vitest';
import { CRM_PROPERTIES } from '../../model/crm-properties.ts';
import { PARTNER_ROLES } from '../../model/deal.ts';
import {
  type DescribedField,
  type DescribedSchema,
  diffSalesforceSchema,
  fromSalesforceName,
  JUNCTION_OBJECT,
  linkableRoles,
  PARTNERLOOP_SCHEMA,
  provisioningReport,
  type SalesforceFieldDefinition,
  salesforceFieldOf,
  toolingCustomField,
  toSalesforceName,
} from './salesforce-fields.ts';

/** What describe answers for a field exactly as PartnerLoop declares it. */
function describedAsDeclared(field: SalesforceFieldDefinition): DescribedField {
  const m = field.metadata;
  const types: Record<string, string> = {
    Text: 'string',
    LongTextArea: 'textarea',
    Number: 'double',
    Percent: 'percent',
    Checkbox: 'boolean',
    Date: 'date',
    DateTime: 'datetime',
    Picklist: 'picklist',
    Lookup: 'reference',
    MasterDetail: 'reference',
  };
  return {
    name: field.apiName,
    type: types[m.type] ?? 'string',
    length: m.length ?? 0,
    precision: m.precision ?? 0,
    scale: m.scale ?? 0,
    updateable: true,
    calculated: false,
    restrictedPicklist: m.valueSet?.restricted ?? false,
    picklistValues: m.valueSet?.valueSetDefinition.value.map((v) => ({ value: v.fullName, active: true })) ?? [],
    referenceTo: m.referenceTo ? [m.referenceTo] : [],
    relationshipOrder: m.type === 'MasterDetail' ? 0 : null,
  };
}

function fullyProvisioned(): DescribedSchema {
  const fieldsOf = (object: string) =>
    PARTNERLOOP_SCHEMA.fields.filter((field) => field.object === object).map(describedAsDeclared);
  return {
    Opportunity: { name: 'Opportunity', fields: [{ name: 'Id', type: 'id' }, ...fieldsOf('Opportunity')] },
    Account: { name: 'Account', fields: [{ name: 'Id', type: 'id' }, ...fieldsOf('Account')] },
    [JUNCTION_OBJECT]: { name: JUNCTION_OBJECT, fields: fieldsOf(JUNCTION_OBJECT) },
  };
}

function withField(schema: DescribedSchema, object: 'Opportunity' | 'Account', field: DescribedField): DescribedSchema {
  const current = schema[object];
  return {
    ...schema,
    [object]: { ...current, fields: [...current.fields.filter((f) => f.name !== field.name), field] },
  };
}

describe('Salesforce field names', () => {
  it.each([
    ['pl_attribution_status', 'PL_Attribution_Status__c'],
    ['pl_aws_opportunity_id', 'PL_Aws_Opportunity_Id__c'],
    ['pl_is_partner', 'PL_Is_Partner__c'],
    ['pl_win_rate_30d', 'PL_Win_Rate_30d__c'],
  ])('given %s, when named for Salesforce, then it is %s and converts back', (name, apiName) => {
    expect(toSalesforceName(name)).toBe(apiName);
    expect(fromSalesforceName(apiName)).toBe(name);
  });

  it('given every catalogue property, then its Salesforce name round-trips and fits the 40-character limit', () => {
    for (const { name } of CRM_PROPERTIES) {
      const apiName = toSalesforceName(name);
      expect(apiName.length - '__c'.length).toBeLessThanOrEqual(40);
      expect(fromSalesforceName(apiName)).toBe(name);
    }
  });

  it.each([
    ['PL_ATTRIBUTION_STATUS__C', 'pl_attribution_status'],
    ['pl_dedupe_status__c', 'pl_dedupe_status'],
    ['Region__c', undefined],
    ['PL_Opportunity_Partner__c.Role__c', undefined],
    ['PL__Double__c', undefined],
    ['Name', undefined],
  ])('given the API name %s in any case, when read back, then it is %s', (apiName, name) => {
    expect(fromSalesforceName(apiName)).toBe(name);
  });

  it.each([['attribution_status'], ['pl_Attribution'], ['pl__double'], ['pl_x; DROP'], [`pl_${'a'.repeat(40)}`]])(
    'given the invalid property name %s, then naming it throws',
    (name) => {
      expect(() => toSalesforceName(name)).toThrow();
    },
  );
});

describe('PartnerLoop schema for Salesforce', () => {
  it('given the catalogue, then every property has one field on Opportunity (deal) or Account (partner)', () => {
    for (const property of CRM_PROPERTIES) {
      const field = salesforceFieldOf(property.name);
      expect(field?.object).toBe(property.object === 'deal' ? 'Opportunity' : 'Account');
      expect(field?.fullName).toBe(`${field?.object}.${toSalesforceName(property.name)}`);
      expect(field?.metadata.label).toBe(property.label);
    }
    expect(PARTNERLOOP_SCHEMA.fields.filter((field) => field.property !== null)).toHaveLength(CRM_PROPERTIES.length);
  });

  it.each<[string, Record<string, unknown>]>([
    ['pl_attribution_issues', { type: 'LongTextArea', length: 32768, visibleLines: 5 }],
    ['pl_sourced_partner', { type: 'Text', length: 255 }],
    ['pl_duplicate_confidence', { type: 'Number', precision: 18, scale: 4 }],
    ['pl_last_opportunity_date', { type: 'Date' }],
    ['pl_dormant', { type: 'Checkbox', defaultValue: 'false' }],
  ])('given the property %s, then its Tooling metadata is %j', (name, shape) => {
    const field = salesforceFieldOf(name);
    expect(field && toolingCustomField(field).Metadata).toMatchObject(shape);
  });

  it('given a choice property, then it is an unrestricted picklist with the catalogue values and labels in order', () => {
    const field = salesforceFieldOf('pl_attribution_status');
    expect(field?.metadata.valueSet?.restricted).toBe(false);
    const values = field?.metadata.valueSet?.valueSetDefinition.value ?? [];
    const property = CRM_PROPERTIES.find((p) => p.name === 'pl_attribution_status');
    expect(values.map((v) => v.fullName)).toEqual(property?.options?.map((o) => o.value));
    expect(values.find((v) => v.fullName === 'not_partner_involved')?.label).toBe('Not partner-involved');
  });

  it('given the junction, then it declares a master-detail to Opportunity, a lookup to Account, a restricted role picklist of the canonical roles and a percent split', () => {
    const fields = Object.fromEntries(
      PARTNERLOOP_SCHEMA.fields.filter((f) => f.object === JUNCTION_OBJECT).map((f) => [f.apiName, f.metadata]),
    );
    expect(fields.Opportunity__c).toMatchObject({ type: 'MasterDetail', referenceTo: 'Opportunity' });
    expect(fields.Partner__c).toMatchObject({ type: 'Lookup', referenceTo: 'Account', deleteConstraint: 'SetNull' });
    expect(fields.Role__c?.valueSet?.restricted).toBe(true);
    expect(fields.Role__c?.valueSet?.valueSetDefinition.value.map((v) => v.fullName)).toEqual([...PARTNER_ROLES]);
    expect(fields.Role__c?.valueSet?.valueSetDefinition.value.find((v) => v.fullName === 'cosell')?.label).toBe(
      'Co-sell',
    );
    expect(fields.Split__c).toMatchObject({ type: 'Percent', precision: 5, scale: 2 });
    expect(fields.Link_Key__c).toMatchObject({ type: 'Text', externalId: true, unique: true });
    expect(PARTNERLOOP_SCHEMA.objects[0]?.metadata.sharingModel).toBe('ControlledByParent');
  });
});

describe('diffSalesforceSchema', () => {
  it('given a bare org, then everything is missing: the junction object first, every field, nothing existing', () => {
    const diff = diffSalesforceSchema({
      Opportunity: { name: 'Opportunity', fields: [{ name: 'Id', type: 'id' }] },
      Account: { name: 'Account', fields: [{ name: 'Id', type: 'id' }] },
    });
    expect(diff.missing.objects.map((o) => o.fullName)).toEqual([JUNCTION_OBJECT]);
    expect(diff.missing.fields).toHaveLength(PARTNERLOOP_SCHEMA.fields.length);
    expect(diff.existing).toEqual([]);
    expect(diff.warnings).toEqual([]);
  });

  it('given a provisioned org, then nothing is missing and nothing is warned about (a second run creates nothing)', () => {
    const diff = diffSalesforceSchema(fullyProvisioned());
    expect(diff.missing).toEqual({ objects: [], fields: [] });
    expect(diff.existing).toHaveLength(PARTNERLOOP_SCHEMA.fields.length + 1);
    expect(diff.warnings).toEqual([]);
  });

  it('given field names in another letter case, then they are found (API names are case-insensitive)', () => {
    const schema = fullyProvisioned();
    const lower: DescribedSchema = {
      ...schema,
      Opportunity: {
        name: 'Opportunity',
        fields: schema.Opportunity.fields.map((f) => ({ ...f, name: f.name.toLowerCase() })),
      },
    };
    expect(diffSalesforceSchema(lower).missing.fields).toEqual([]);
  });

  const dedupe = salesforceFieldOf('pl_dedupe_status') as SalesforceFieldDefinition;
  const confidence = salesforceFieldOf('pl_duplicate_confidence') as SalesforceFieldDefinition;
  const sourced = salesforceFieldOf('pl_sourced_partner') as SalesforceFieldDefinition;
  const isPartner = salesforceFieldOf('pl_is_partner') as SalesforceFieldDefinition;
  it.each<[string, 'Opportunity' | 'Account', DescribedField, string | undefined]>([
    [
      'another type',
      'Opportunity',
      { ...describedAsDeclared(dedupe), type: 'string' },
      'Opportunity.PL_Dedupe_Status__c exists but is a string field, expected picklist; left unchanged',
    ],
    [
      'a formula',
      'Opportunity',
      { ...describedAsDeclared(sourced), calculated: true },
      'is a formula field, which PartnerLoop cannot write',
    ],
    [
      'no edit access on a field PartnerLoop writes',
      'Opportunity',
      { ...describedAsDeclared(sourced), updateable: false },
      "is not editable by PartnerLoop's user",
    ],
    [
      'no edit access on a field PartnerLoop only reads',
      'Account',
      { ...describedAsDeclared(isPartner), updateable: false },
      undefined,
    ],
    [
      'a shorter text',
      'Opportunity',
      { ...describedAsDeclared(sourced), length: 40 },
      'holds 40 characters, PartnerLoop writes up to 255',
    ],
    [
      'fewer decimals',
      'Opportunity',
      { ...describedAsDeclared(confidence), precision: 18, scale: 2 },
      'keeps 2 decimals, PartnerLoop writes 4',
    ],
    [
      'a restricted picklist lacking our values',
      'Opportunity',
      {
        ...describedAsDeclared(dedupe),
        restrictedPicklist: true,
        picklistValues: [
          { value: 'unique', active: true },
          { value: 'suspected', active: true },
          { value: 'confirmed', active: false },
        ],
      },
      'is a restricted picklist without confirmed, not_duplicate (writing those values fails)',
    ],
    [
      'extra picklist values of the customer',
      'Opportunity',
      {
        ...describedAsDeclared(dedupe),
        picklistValues: [...(describedAsDeclared(dedupe).picklistValues ?? []), { value: 'theirs', active: true }],
      },
      undefined,
    ],
  ])(
    'given an existing field with %s, then it is existing, never missing, and the warning says so',
    (_, object, field, warning) => {
      const diff = diffSalesforceSchema(withField(fullyProvisioned(), object, field));
      expect(diff.missing.fields).toEqual([]);
      if (warning === undefined) expect(diff.warnings).toEqual([]);
      else expect(diff.warnings).toEqual([expect.stringContaining(warning)]);
    },
  );

  it('given a junction whose opportunity field is a lookup, then the warning says rows outlive their opportunity', () => {
    const schema = fullyProvisioned();
    const junction = schema[JUNCTION_OBJECT];
    const lookup: DescribedSchema = {
      ...schema,
      [JUNCTION_OBJECT]: {
        name: JUNCTION_OBJECT,
        fields: (junction?.fields ?? []).map((f) =>
          f.name === 'Opportunity__c' ? { ...f, relationshipOrder: null } : f,
        ),
      },
    };
    expect(diffSalesforceSchema(lookup).warnings).toEqual([
      expect.stringContaining('is a lookup, not a master-detail'),
    ]);
  });

  it('given a diff and the names created, then the port report groups them by object', () => {
    const schema = fullyProvisioned();
    const partial: DescribedSchema = {
      ...schema,
      Opportunity: { name: 'Opportunity', fields: schema.Opportunity.fields.filter((f) => f.name !== dedupe.apiName) },
    };
    const diff = diffSalesforceSchema(partial);
    expect(diff.missing.fields.map((f) => f.fullName)).toEqual(['Opportunity.PL_Dedupe_Status__c']);
    const report = provisioningReport(diff, ['Opportunity.PL_Dedupe_Status__c']);
    expect(report.created).toEqual({ Opportunity: ['PL_Dedupe_Status__c'] });
    expect(report.existing[JUNCTION_OBJECT]).toContain(JUNCTION_OBJECT);
    expect(report.existing[JUNCTION_OBJECT]).toContain('Role__c');
    expect(report.existing.Account).toContain('PL_Is_Partner__c');
  });
});

describe('linkableRoles', () => {
  it('given a provisioned junction, then every canonical role is linkable', () => {
    expect([...linkableRoles(fullyProvisioned())]).toEqual([...PARTNER_ROLES]);
  });

  it('given no junction, then no role is linkable', () => {
    const { [JUNCTION_OBJECT]: _junction, ...bare } = fullyProvisioned();
    expect(linkableRoles(bare).size).toBe(0);
  });

  it('given a role picklist lacking a value or with it inactive, then only the active canonical values are linkable', () => {
    const schema = fullyProvisioned();
    const junction = schema[JUNCTION_OBJECT];
    const older: DescribedSchema = {
      ...schema,
      [JUNCTION_OBJECT]: {
        name: JUNCTION_OBJECT,
        fields: (junction?.fields ?? []).map((f) =>
          f.name === 'Role__c'
            ? {
                ...f,
                picklistValues: [
                  { value: 'sourced', active: true },
                  { value: 'influenced', active: false },
                  { value: 'other', active: true },
                ],
              }
            : f,
        ),
      },
    };
    expect([...linkableRoles(older)]).toEqual(['sourced']);
  });
});
