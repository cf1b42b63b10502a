import { Connection } from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { type SalesforceStandIn, startSalesforce } from './salesforce.ts';

/**
 * Describe and writes through jsforce 3.10.16: picklists read from the org, sObject Collections (the 200-record cap,
 * per-record errors, allOrNone), field checks, validation rules switched from the test, locked rows, single-record
 * CRUD and upsert by external id.
 */

let clock: ManualClock;
let sf: SalesforceStandIn;
let conn: Connection;

beforeEach(async () => {
  clock = new ManualClock();
  sf = await startSalesforce({ clock, seedDemo: true });
  conn = new Connection({ instanceUrl: sf.url, accessToken: sf.issueTokens().access_token, version: sf.apiVersion });
});

afterEach(async () => {
  await sf.close();
});

/** The Salesforce ids of the first demo deals. */
function opportunityIds(count: number): string[] {
  return (sf.demo?.deals ?? []).slice(0, count).map((deal) => sf.salesforceId(deal.id) ?? '');
}

describe('describe', () => {
  it('given the demo org, when Opportunity is described, then StageName lists the org stages and OpportunityStage says which close', async () => {
    const describe = await conn.describe('Opportunity');
    const stageName = describe.fields.find((field) => field.name === 'StageName');
    expect(stageName).toMatchObject({ type: 'picklist', nillable: false, restrictedPicklist: true, updateable: true });
    const stages = (stageName?.picklistValues ?? []).map((entry: { value: string }) => entry.value);
    expect(stages).toEqual([
      'Appointment Scheduled',
      'Qualified To Buy',
      'Presentation Scheduled',
      'Decision Maker Bought-In',
      'Contract Sent',
      'Closed Won',
      'Closed Lost',
      'Registered',
      'Qualified',
      'Joint Proposal',
      'Negotiation',
    ]);
    expect(stageName?.picklistValues?.[0]).toEqual({
      active: true,
      defaultValue: false,
      label: 'Appointment Scheduled',
      validFor: null,
      value: 'Appointment Scheduled',
    });
    expect(describe.fields.find((field) => field.name === 'Amount')).toMatchObject({
      type: 'currency',
      precision: 18,
      scale: 2,
    });
    expect(describe.fields.find((field) => field.name === 'AccountId')).toMatchObject({
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account',
    });
    expect(describe.fields.find((field) => field.name === 'IsWon')).toMatchObject({
      createable: false,
      updateable: false,
    });

    const closed = await conn.query<{ ApiName: string; IsWon: boolean }>(
      'SELECT ApiName, IsWon FROM OpportunityStage WHERE IsClosed = true ORDER BY SortOrder',
    );
    expect(closed.records.map((stage) => [stage.ApiName, stage.IsWon])).toEqual([
      ['Closed Won', true],
      ['Closed Lost', false],
    ]);
  });

  it('given the global describe, when listed, then the standard objects are there and the junction is not yet', async () => {
    const global = await conn.describeGlobal();
    const names = global.sobjects.map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['Account', 'Opportunity', 'User', 'OpportunityStage']));
    expect(names).not.toContain('PL_Opportunity_Partner__c');
  });
});

describe('sObject Collections', () => {
  it('given 201 records, when created in one call, then the whole call is refused with EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, (_, index) => ({ Name: `Bulk ${index}` }));
    await expect(conn.sobject('Account').create(records)).rejects.toMatchObject({
      name: 'EXCEEDED_ID_LIMIT',
      message: 'record limit reached. cannot submit more than 200 records in this operation',
    });
    expect(sf.org.count('Account')).toBe(798);
  });

  it('given 200 records, when created in one call, then all are saved and the call counts once', async () => {
    const used = sf.stats().apiUsage.used;
    const records = Array.from({ length: 200 }, (_, index) => ({ Name: `Bulk ${index}` }));
    const results = await conn.sobject('Account').create(records);
    expect(results.every((result) => result.success)).toBe(true);
    expect(sf.org.count('Account')).toBe(998);
    expect(sf.stats().apiUsage.used).toBe(used + 1);
  });

  it('given invalid records and allOrNone false, when updated, then the valid ones land and each failure says why', async () => {
    const [a, b, c, d] = opportunityIds(4) as [string, string, string, string];
    const results = await conn.sobject('Opportunity').update(
      [
        { Id: a, NextStep: 'Joint call' },
        { Id: b, StageName: 'Haggling' },
        { Id: c, Name: null },
        { Id: d, Name: 'x'.repeat(121) },
      ],
      { allOrNone: false },
    );
    expect(results).toEqual([
      { id: a, success: true, errors: [] },
      {
        id: b,
        success: false,
        errors: [
          {
            statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            message: 'Stage: bad value for restricted picklist field: Haggling',
            fields: ['StageName'],
          },
        ],
      },
      {
        id: c,
        success: false,
        errors: [
          { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] },
        ],
      },
      {
        id: d,
        success: false,
        errors: [
          {
            statusCode: 'STRING_TOO_LONG',
            message: `Name: data value too large: ${'x'.repeat(40)}... (max length=120)`,
            fields: ['Name'],
          },
        ],
      },
    ]);
    expect(sf.org.record('Opportunity', a)?.NextStep).toBe('Joint call');
  });

  it('given one invalid record and allOrNone true, when created, then nothing is saved and the others roll back', async () => {
    const results = await conn.sobject('Opportunity').create(
      [
        { Name: 'Good', StageName: 'Contract Sent', CloseDate: '2026-09-30' },
        { Name: 'No close date', StageName: 'Contract Sent' },
      ],
      { allOrNone: true },
    );
    expect(results).toEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      },
      {
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [CloseDate]',
            fields: ['CloseDate'],
          },
        ],
      },
    ]);
    expect(sf.org.count('Opportunity')).toBe(3_000);
  });

  it('given a created opportunity, when read back, then the stage decided IsClosed, IsWon and the forecast', async () => {
    const [result] = await conn
      .sobject('Opportunity')
      .create([{ Name: 'Won one', StageName: 'Closed Won', CloseDate: '2026-06-30', Amount: '1250.555' }]);
    expect(result?.success).toBe(true);
    const record = sf.org.record('Opportunity', result?.id ?? '');
    expect(record).toMatchObject({
      IsClosed: true,
      IsWon: true,
      ForecastCategoryName: 'Closed',
      Probability: 100,
      Amount: 1250.56,
      OwnerId: sf.demoUser.id,
      CurrencyIsoCode: 'USD',
      CreatedDate: '2026-06-30T12:00:00.000+0000',
      SystemModstamp: '2026-06-30T12:00:00.000+0000',
    });
  });

  it('given a field the object does not have, when a collection is sent, then the whole call fails with INVALID_FIELD', async () => {
    const [a] = opportunityIds(1) as [string];
    await expect(conn.sobject('Opportunity').update([{ Id: a, PL_Cosell_Status__c: 'open' }])).rejects.toMatchObject({
      name: 'INVALID_FIELD',
      message: "No such column 'PL_Cosell_Status__c' on sobject of type Opportunity",
    });
  });

  it('given retrieve and delete of several ids, when called, then missing ids answer null and per-record errors', async () => {
    const [a, b] = opportunityIds(2) as [string, string];
    const rows = await conn.sobject('Opportunity').retrieve([a, '0065L00000ZZZZZQAA'], { fields: ['Id', 'Name'] });
    expect(rows[0]).toMatchObject({ Id: a, Name: sf.demo?.deals[0]?.properties.dealname });
    expect(rows[1]).toBeNull();
    const deleted = await conn.sobject('Opportunity').destroy([b, b]);
    expect(deleted[0]).toEqual({ id: b, success: true, errors: [] });
    expect(deleted[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_ID_FIELD' }] });
    const again = await conn.sobject('Opportunity').destroy([b]);
    expect(again[0]).toMatchObject({ success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED' }] });
  });
});

describe('validation rules and locks', () => {
  it('given the large-deal rule on and then off, when a big deal without a next step is saved, then refused, then saved', async () => {
    const [a] = opportunityIds(1) as [string];
    sf.org.setValidationRuleActive('Large_Deal_Needs_Next_Step', true);

    const refused = await conn.sobject('Opportunity').update([{ Id: a, Amount: 1_500_000, NextStep: '' }]);
    expect(refused[0]).toEqual({
      id: a,
      success: false,
      errors: [
        {
          statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          message: 'Opportunities over 1,000,000 need a Next Step.',
          fields: ['NextStep'],
        },
      ],
    });
    // A single-record call answers the same refusal as a 400 error array.
    await expect(conn.sobject('Opportunity').update({ Id: a, Amount: 1_500_000, NextStep: '' })).rejects.toMatchObject({
      name: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    });

    sf.org.setValidationRuleActive('Large_Deal_Needs_Next_Step', false);
    const saved = await conn.sobject('Opportunity').update([{ Id: a, Amount: 1_500_000, NextStep: '' }]);
    expect(saved[0]?.success).toBe(true);
    expect(sf.org.record('Opportunity', a)?.Amount).toBe(1_500_000);
  });

  it('given a rule defined by the test, when it fires, then its message reaches the caller', async () => {
    sf.org.setValidationRule({
      name: 'Churn_Needs_Loss_Reason',
      object: 'Opportunity',
      active: true,
      condition: (record) => record.Type === 'Churn' && record.Loss_Reason__c === null,
      message: 'Say why the customer churned.',
    });
    const [result] = await conn
      .sobject('Opportunity')
      .create([{ Name: 'Churn', Type: 'Churn', StageName: 'Closed Lost', CloseDate: '2026-07-01' }]);
    expect(result?.errors).toEqual([
      { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Say why the customer churned.', fields: [] },
    ]);
  });

  it('given a locked record, when updated, then UNABLE_TO_LOCK_ROW for it only, and the next attempt succeeds', async () => {
    const [a, b] = opportunityIds(2) as [string, string];
    sf.org.lockRows([a], 1);
    const first = await conn.sobject('Opportunity').update([
      { Id: a, NextStep: 'x' },
      { Id: b, NextStep: 'y' },
    ]);
    expect(first[0]).toEqual({
      id: a,
      success: false,
      errors: [
        {
          statusCode: 'UNABLE_TO_LOCK_ROW',
          message: `unable to obtain exclusive access to this record or 1 records: ${a}`,
          fields: [],
        },
      ],
    });
    expect(first[1]?.success).toBe(true);
    const retry = await conn.sobject('Opportunity').update([{ Id: a, NextStep: 'x' }]);
    expect(retry[0]?.success).toBe(true);
  });
});

describe('single records', () => {
  it('given create, retrieve, update and delete of one account, when done through jsforce, then each lands', async () => {
    const created = await conn.sobject('Account').create({ Name: 'Solo Ltd', Website: 'solo.example' });
    expect(created).toMatchObject({ success: true, id: expect.stringMatching(/^0015L/) });
    const id = created.success ? created.id : '';
    await conn.sobject('Account').update({ Id: id, Industry: 'Media' });
    const record = await conn.sobject('Account').retrieve(id);
    expect(record).toMatchObject({ Name: 'Solo Ltd', Industry: 'Media', IsDeleted: false });
    await conn.sobject('Account').destroy(id);
    await expect(conn.sobject('Account').retrieve(id)).rejects.toMatchObject({ name: 'ENTITY_IS_DELETED' });
    await expect(conn.sobject('Account').retrieve('0015L00000ZZZZZQAA')).rejects.toMatchObject({ name: 'NOT_FOUND' });
  });

  it('given an external id field, when upserted twice by it, then created once and then updated', async () => {
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Account.PL_External_Id__c',
      Metadata: { type: 'Text', length: 64, label: 'External id', externalId: true, unique: true },
    });
    const first = await conn
      .sobject('Account')
      .upsert([{ PL_External_Id__c: 'ext-1', Name: 'Upserted' }], 'PL_External_Id__c');
    const second = await conn
      .sobject('Account')
      .upsert([{ PL_External_Id__c: 'EXT-1', Name: 'Upserted again' }], 'PL_External_Id__c');
    expect(first[0]).toMatchObject({ success: true, created: true });
    expect(second[0]).toMatchObject({ success: true, created: false, id: first[0]?.id });
    expect(sf.org.record('Account', first[0]?.id ?? '')?.Name).toBe('Upserted again');
  });
});
