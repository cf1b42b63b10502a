import { Connection } from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PARTNER_ROLES } from '../../src/model/deal.ts';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { PARTNER_JUNCTION } from './demo-org.ts';
import { type SalesforceStandIn, startSalesforce } from './salesforce.ts';

/**
 * Provisioning through the Tooling API as jsforce 3.10.16 drives it (`conn.tooling.sobject(…).create`,
 * `conn.tooling.query`): custom fields and the partner junction object appear in describe and SOQL at once, a second
 * create of the same name is refused, and the demo's partner links land once the junction exists.
 */

let sf: SalesforceStandIn;
let conn: Connection;

beforeEach(async () => {
  sf = await startSalesforce({ clock: new ManualClock(), seedDemo: true });
  conn = new Connection({ instanceUrl: sf.url, accessToken: sf.issueTokens().access_token, version: sf.apiVersion });
});

afterEach(async () => {
  await sf.close();
});

const statusField = {
  FullName: 'Opportunity.PL_Attribution_Status__c',
  Metadata: {
    type: 'Picklist',
    label: 'Attribution status',
    valueSet: {
      restricted: true,
      valueSetDefinition: {
        sorted: false,
        value: [
          { fullName: 'complete', label: 'Complete', default: false },
          { fullName: 'missing_partner', label: 'Missing partner', default: false },
        ],
      },
    },
  },
};

async function provisionJunction(): Promise<void> {
  const junction = PARTNER_JUNCTION;
  await conn.tooling.sobject('CustomObject').create({
    FullName: junction.object,
    Metadata: {
      label: 'Opportunity Partner',
      pluralLabel: 'Opportunity Partners',
      nameField: { type: 'AutoNumber', label: 'Opportunity Partner Number', displayFormat: 'OP-{000000}' },
      deploymentStatus: 'Deployed',
      sharingModel: 'ReadWrite',
    },
  });
  const fields = [
    {
      FullName: `${junction.object}.${junction.opportunity}`,
      Metadata: {
        type: 'MasterDetail',
        label: 'Opportunity',
        referenceTo: 'Opportunity',
        relationshipName: 'PL_Opportunity',
      },
    },
    {
      FullName: `${junction.object}.${junction.partner}`,
      Metadata: {
        type: 'Lookup',
        label: 'Partner',
        referenceTo: 'Account',
        relationshipName: 'PL_Partner',
        deleteConstraint: 'SetNull',
      },
    },
    {
      FullName: `${junction.object}.${junction.role}`,
      Metadata: {
        type: 'Picklist',
        label: 'Role',
        valueSet: {
          restricted: true,
          valueSetDefinition: { value: PARTNER_ROLES.map((role) => ({ fullName: role, label: role, default: false })) },
        },
      },
    },
    {
      FullName: `${junction.object}.${junction.splitPercent}`,
      Metadata: { type: 'Percent', label: 'Split %', precision: 5, scale: 2 },
    },
  ];
  for (const field of fields) {
    const result = await conn.tooling.sobject('CustomField').create(field);
    expect(result).toMatchObject({ success: true });
  }
}

describe('custom fields', () => {
  it('given a new field, when created twice, then the first lands and the second is DUPLICATE_DEVELOPER_NAME', async () => {
    const first = await conn.tooling.sobject('CustomField').create(statusField);
    expect(first).toEqual({ id: expect.stringMatching(/^00N5L/), success: true, errors: [], warnings: [], infos: [] });

    await expect(conn.tooling.sobject('CustomField').create(statusField)).rejects.toMatchObject({
      name: 'DUPLICATE_DEVELOPER_NAME',
      message: 'There is already a field named PL_Attribution_Status on Opportunity.',
    });

    const describe = await conn.describe('Opportunity');
    expect(describe.fields.find((field) => field.name === 'PL_Attribution_Status__c')).toMatchObject({
      type: 'picklist',
      custom: true,
      nillable: true,
      restrictedPicklist: true,
      picklistValues: [
        { value: 'complete', label: 'Complete', active: true, defaultValue: false, validFor: null },
        { value: 'missing_partner', label: 'Missing partner', active: true, defaultValue: false, validFor: null },
      ],
    });
    const query = await conn.query<{ PL_Attribution_Status__c: string | null }>(
      'SELECT Id, PL_Attribution_Status__c FROM Opportunity LIMIT 1',
    );
    expect(query.records[0]?.PL_Attribution_Status__c).toBeNull();
  });

  it('given the provisioned field, when tooling queries read what exists, then CustomField and FieldDefinition show it', async () => {
    const { id } = (await conn.tooling.sobject('CustomField').create(statusField)) as { id: string };
    const fields = await conn.tooling.query<{ Id: string; DeveloperName: string }>(
      "SELECT Id, DeveloperName FROM CustomField WHERE TableEnumOrId = 'Opportunity' AND DeveloperName LIKE 'PL_%'",
    );
    expect(fields.records.map((record) => [record.Id, record.DeveloperName])).toEqual([[id, 'PL_Attribution_Status']]);
    const one = await conn.tooling.query<{ FullName: string; Metadata: { type: string } }>(
      `SELECT FullName, Metadata FROM CustomField WHERE Id = '${id}'`,
    );
    expect(one.records[0]).toMatchObject({
      FullName: 'Opportunity.PL_Attribution_Status__c',
      Metadata: { type: 'Picklist' },
    });
    await expect(conn.tooling.query('SELECT Metadata FROM CustomField')).rejects.toMatchObject({
      name: 'MALFORMED_QUERY',
    });
    const definitions = await conn.tooling.query<{ QualifiedApiName: string; DataType: string }>(
      "SELECT QualifiedApiName, DataType FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Opportunity' AND QualifiedApiName LIKE 'PL_%'",
    );
    expect(definitions.records.map((record) => [record.QualifiedApiName, record.DataType])).toEqual([
      ['PL_Attribution_Status__c', 'Picklist'],
    ]);
  });

  it.each([
    [
      { FullName: 'Opportunity.PL_Score__c', Metadata: { type: 'Number', label: 'Score' } },
      'FIELD_INTEGRITY_EXCEPTION',
    ],
    [
      { FullName: 'Opportunity.PL_Flag__c', Metadata: { type: 'Checkbox', label: 'Flag' } },
      'FIELD_INTEGRITY_EXCEPTION',
    ],
    [
      { FullName: 'Opportunity.PL_Bad', Metadata: { type: 'Text', length: 10, label: 'Bad' } },
      'FIELD_INTEGRITY_EXCEPTION',
    ],
    [
      { FullName: 'Nothing__c.PL_X__c', Metadata: { type: 'Text', length: 10, label: 'X' } },
      'INVALID_CROSS_REFERENCE_KEY',
    ],
    [{ FullName: 'Opportunity.PL_X__c', Metadata: { type: 'Text', length: 10 } }, 'REQUIRED_FIELD_MISSING'],
    [
      {
        FullName: 'Account.PL_Is_Partner__c',
        Metadata: { type: 'Checkbox', label: 'Is partner', defaultValue: false },
      },
      'DUPLICATE_DEVELOPER_NAME',
    ],
  ])('given metadata %j, when created, then %s', async (body, code) => {
    await expect(conn.tooling.sobject('CustomField').create(body)).rejects.toMatchObject({ name: code });
  });

  it('given new picklist values, when the field metadata is patched, then describe lists them', async () => {
    const { id } = (await conn.tooling.sobject('CustomField').create(statusField)) as { id: string };
    const values = [
      ...statusField.Metadata.valueSet.valueSetDefinition.value,
      { fullName: 'conflict', label: 'Conflict', default: false },
    ];
    await conn.tooling.sobject('CustomField').update({
      Id: id,
      Metadata: { ...statusField.Metadata, valueSet: { restricted: true, valueSetDefinition: { value: values } } },
    });
    const describe = await conn.describe('Opportunity');
    const field = describe.fields.find((entry) => entry.name === 'PL_Attribution_Status__c');
    expect((field?.picklistValues ?? []).map((entry: { value: string }) => entry.value)).toEqual([
      'complete',
      'missing_partner',
      'conflict',
    ]);
  });
});

describe('the partner junction object', () => {
  it('given an un-provisioned demo org, when the junction is created, then partner links can be seeded and queried', async () => {
    await expect(conn.query('SELECT Id FROM PL_Opportunity_Partner__c')).rejects.toMatchObject({
      name: 'INVALID_TYPE',
    });
    expect(() => sf.seedPartnerLinks()).toThrow(/no PL_Opportunity_Partner__c yet/);

    await provisionJunction();
    const describe = await conn.describe(PARTNER_JUNCTION.object);
    expect(describe).toMatchObject({ custom: true, keyPrefix: 'a00', createable: true });
    expect(describe.fields.find((field) => field.name === PARTNER_JUNCTION.opportunity)).toMatchObject({
      type: 'reference',
      referenceTo: ['Opportunity'],
      relationshipName: 'PL_Opportunity__r',
      cascadeDelete: true,
      nillable: false,
    });
    expect(describe.fields.some((field) => field.name === 'OwnerId')).toBe(false);

    const seeded = sf.seedPartnerLinks();
    expect(seeded).toEqual({ created: sf.partnerLinks.length, failed: 0 });

    const sourced = await conn.query<{
      Name: string;
      PL_Partner__r: { Name: string };
      PL_Opportunity__r: { Name: string };
    }>(
      "SELECT Name, PL_Partner__r.Name, PL_Opportunity__r.Name FROM PL_Opportunity_Partner__c WHERE PL_Role__c = 'sourced' ORDER BY Name LIMIT 1",
    );
    expect(sourced.records[0]?.Name).toBe('OP-000001');
    expect(sourced.totalSize).toBe(1);
    const all = await conn.query('SELECT COUNT() FROM PL_Opportunity_Partner__c');
    expect(all.totalSize).toBe(sf.partnerLinks.length);
    const unlabeled = sf.partnerLinks.filter((link) => link.role === null).length;
    const gaps = await conn.query('SELECT COUNT() FROM PL_Opportunity_Partner__c WHERE PL_Role__c = null');
    expect(gaps.totalSize).toBe(unlabeled);
    expect(unlabeled).toBeGreaterThan(0);
  });

  it('given junction rows, when their opportunity is deleted, then the master-detail rows go with it', async () => {
    await provisionJunction();
    sf.seedPartnerLinks();
    const link = sf.partnerLinks[0];
    const soql = `SELECT COUNT() FROM PL_Opportunity_Partner__c WHERE PL_Opportunity__c = '${link?.opportunityId}'`;
    expect((await conn.query(soql)).totalSize).toBeGreaterThan(0);
    await conn.sobject('Opportunity').destroy(link?.opportunityId ?? '');
    expect((await conn.query(soql)).totalSize).toBe(0);
  });
});
