import { describe, expect, it } from 'vitest';
import { CRM_PROPERTIES } from '../../model/crm-properties.ts';
import { changedProperties } from '../../model/crm-record.ts';
import { dealSchema } from '../../model/deal.ts';
import { partnerSchema } from '../../model/partner.ts';
import {
  accountPartnersFromRows,
  accountReadFields,
  canonicalDealFromOpportunity,
  canonicalValues,
  caseSafeId,
  dealFromOpportunity,
  domainOf,
  firstOpenStage,
  junctionLinkKey,
  junctionRecord,
  modstampBounds,
  type OpportunityPartnerLink,
  type OpportunityStageRow,
  opportunityForNewDeal,
  opportunityReadFields,
  partnerFromAccount,
  partnerLinksFromJunction,
  recordsForUpdates,
  type SoqlRecord,
  salesforceValues,
  soqlDateTime,
  soqlForAccountPartners,
  soqlForAccounts,
  soqlForJunction,
  soqlForOpportunities,
  soqlForOpportunityByProperty,
  soqlIdentifier,
  soqlString,
  stageMapFromOpportunityStages,
} from './salesforce-mapping.ts';

const OPP = '006Hs00001AbCdEIAV';
const ACCOUNT = '001Hs00002XyZaBIAV';
const PARTNER_A = '001Hs00003PaRtNIAA';
const PARTNER_B = '001Hs00004PaRtNIAB';

/** A customised org: its own stage names, a renamed label, an inactive stage. Nothing here is a default name. */
const STAGE_ROWS: OpportunityStageRow[] = [
  { ApiName: 'Discovery', MasterLabel: 'Discovery', IsActive: true, IsClosed: false, IsWon: false, SortOrder: 2 },
  { ApiName: 'Intake', MasterLabel: 'Intake', IsActive: false, IsClosed: false, IsWon: false, SortOrder: 1 },
  { ApiName: 'Signed', MasterLabel: 'Contract signed', IsActive: true, IsClosed: true, IsWon: true, SortOrder: 5 },
  { ApiName: 'Walked Away', MasterLabel: 'Walked away', IsActive: true, IsClosed: true, IsWon: false, SortOrder: 6 },
  { ApiName: 'Odd', MasterLabel: 'Odd', IsActive: true, IsClosed: false, IsWon: true, SortOrder: 7 },
];
const STAGES = stageMapFromOpportunityStages(STAGE_ROWS);

function opportunity(fields: Record<string, unknown> = {}): SoqlRecord {
  return {
    attributes: { type: 'Opportunity', url: `/services/data/v62.0/sobjects/Opportunity/${OPP}` },
    Id: OPP,
    Name: ' Acme – CRM 2026 ',
    AccountId: ACCOUNT,
    Account: {
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${ACCOUNT}` },
      Name: 'Acme GmbH',
      Website: 'https://www.Acme.de/about',
    },
    Amount: 12500.5,
    CloseDate: '2026-03-31',
    CreatedDate: '2026-01-02T09:30:00.000+0000',
    StageName: 'Walked Away',
    IsClosed: true,
    IsWon: false,
    Type: 'Existing Customer - Upgrade',
    OwnerId: '005Hs00000OwNeRIAA',
    LeadSource: 'Partner Referral',
    SystemModstamp: '2026-04-01T10:00:00.000+0000',
    ...fields,
  };
}

describe('OpportunityStage rows → stage map', () => {
  it.each([
    ['Signed', { name: 'Signed', closed: true, won: true }],
    ['signed', { name: 'Signed', closed: true, won: true }],
    ['Contract signed', { name: 'Signed', closed: true, won: true }],
    ['Walked Away', { name: 'Walked Away', closed: true, won: false }],
    ['Intake', { name: 'Intake', active: false, closed: false }],
    ['Odd', { name: 'Odd', closed: false, won: false }],
  ])('given the stage %s, then the org’s own setting says %j', (name, expected) => {
    expect(STAGES.get(name.toLowerCase())).toMatchObject(expected);
  });

  it('given the stages, then a new deal starts in the first active open stage, not an inactive one', () => {
    expect(firstOpenStage(STAGES)?.name).toBe('Discovery');
  });
});

describe('Opportunity → canonical deal', () => {
  it('given a full opportunity, then every canonical field maps and the result passes the interchange schema', () => {
    const links: OpportunityPartnerLink[] = [{ partnerId: PARTNER_A, role: 'sourced', splitPct: 60 }];
    const deal = dealFromOpportunity(
      opportunity({ CurrencyIsoCode: 'eur', Region__c: 'EMEA', Loss_Reason__c: 'price', Products__c: 'crm;cpq; ' }),
      links,
      STAGES,
      {
        regionField: 'Region__c',
        lossReasonField: 'Loss_Reason__c',
        productsField: 'Products__c',
        currencyField: 'CurrencyIsoCode',
      },
    );
    expect(deal).toEqual({
      id: OPP,
      name: 'Acme – CRM 2026',
      account: { id: ACCOUNT, name: 'Acme GmbH', domain: 'acme.de' },
      amount: 12500.5,
      currency: 'EUR',
      closeDate: '2026-03-31',
      createdAt: '2026-01-02T09:30:00.000Z',
      stage: 'Walked Away',
      isClosed: true,
      isWon: false,
      type: 'expansion',
      ownerId: '005Hs00000OwNeRIAA',
      region: 'EMEA',
      leadSource: 'Partner Referral',
      products: ['crm', 'cpq'],
      partners: [{ partnerId: PARTNER_A, role: 'sourced', splitPct: 60 }],
      lossReason: 'price',
    });
    expect(dealSchema.safeParse(deal).success).toBe(true);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'a won stage the org named itself',
      { StageName: 'Signed', IsClosed: false, IsWon: false },
      { isClosed: true, isWon: true, stage: 'Signed' },
    ],
    [
      'the label instead of the value',
      { StageName: 'Contract signed' },
      { isClosed: true, isWon: true, stage: 'Signed' },
    ],
    ['an open stage', { StageName: 'Discovery', IsClosed: true, IsWon: true }, { isClosed: false, isWon: false }],
    [
      'a stage the map lacks: the record’s own flags',
      { StageName: 'New Stage', IsClosed: true, IsWon: true },
      { isClosed: true, isWon: true, stage: 'New Stage' },
    ],
    [
      'won without closed is never won',
      { StageName: 'Unmapped', IsClosed: false, IsWon: true },
      { isClosed: false, isWon: false },
    ],
  ])('given %s, then open/won follow the org', (_, fields, expected) => {
    expect(dealFromOpportunity(opportunity(fields), [], STAGES)).toMatchObject(expected);
  });

  it.each<[string | null, string | null]>([
    ['New Customer', 'new_business'],
    ['New Business', 'new_business'],
    ['Existing Customer - Upgrade', 'expansion'],
    ['existing customer – upgrade', 'expansion'],
    ['Existing Business', 'expansion'],
    ['Existing Customer - Replacement', 'renewal'],
    ['Existing Customer - Downgrade', 'churn'],
    ['Renewal', 'renewal'],
    ['Something else', null],
    [null, null],
  ])('given the type %s, then the intent is %s', (type, intent) => {
    expect(dealFromOpportunity(opportunity({ Type: type }), [], STAGES).type).toBe(intent);
  });

  it('given a tenant type map and another type field, then they override the defaults', () => {
    const options = {
      typeField: 'Deal_Kind__c',
      typeMap: { Renewal: 'churn' as const, 'Cross-sell': 'expansion' as const },
    };
    expect(dealFromOpportunity(opportunity({ Deal_Kind__c: 'Cross-sell' }), [], STAGES, options).type).toBe(
      'expansion',
    );
    expect(dealFromOpportunity(opportunity({ Deal_Kind__c: 'renewal' }), [], STAGES, options).type).toBe('churn');
    expect(dealFromOpportunity(opportunity({ Deal_Kind__c: 'New Customer' }), [], STAGES, options).type).toBe(
      'new_business',
    );
  });

  it('given a region on the account (a relationship path), then it is read from there', () => {
    const record = opportunity({ Account: { Name: 'Acme', Website: null, BillingCountry: 'DE' } });
    expect(dealFromOpportunity(record, [], STAGES, { regionField: 'Account.BillingCountry' }).region).toBe('DE');
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'no account',
      { AccountId: null, Account: null },
      { account: { id: `no-account:${OPP}`, name: '(no account)', domain: null } },
    ],
    ['no amount or close date', { Amount: null, CloseDate: null }, { amount: null, closeDate: null }],
    ['an amount as text', { Amount: '12' }, { amount: 12 }],
    ['no currency field and an org currency', {}, { currency: null }],
    ['no name', { Name: '  ' }, { name: `Opportunity ${OPP}` }],
    ['no created date', { CreatedDate: null }, { createdAt: '1970-01-01T00:00:00.000Z' }],
    ['no configured fields', {}, { region: null, lossReason: null, products: [] }],
  ])('given %s, then the mapping degrades to nulls, never throws', (_, fields, expected) => {
    const deal = dealFromOpportunity(opportunity(fields), [], STAGES);
    expect(deal).toMatchObject(expected);
    expect(dealSchema.safeParse(deal).success).toBe(true);
  });

  it('given an org currency, then an opportunity without a currency field is in it', () => {
    expect(dealFromOpportunity(opportunity(), [], STAGES, { orgCurrency: 'usd' }).currency).toBe('USD');
  });

  it('given links with a role, without one, and to an account off the roster, then the deal keeps the rostered roles and the unlabeled partners are listed', () => {
    const links: OpportunityPartnerLink[] = [
      { partnerId: PARTNER_A, role: 'sourced', splitPct: null },
      { partnerId: PARTNER_A, role: 'cosell', splitPct: null },
      { partnerId: PARTNER_B, role: null, splitPct: null },
      { partnerId: ACCOUNT, role: 'influenced', splitPct: null },
    ];
    const canonical = canonicalDealFromOpportunity(opportunity(), links, STAGES, {
      partnerIds: new Set([PARTNER_A, PARTNER_B]),
    });
    expect(canonical.deal.partners).toEqual([
      { partnerId: PARTNER_A, role: 'sourced', splitPct: null },
      { partnerId: PARTNER_A, role: 'cosell', splitPct: null },
    ]);
    expect(canonical.unlabeledPartnerIds).toEqual([PARTNER_B]);
  });

  it('given the org’s registration fields, then the raw values carry the registration attribution reads', () => {
    const registration = { statusField: 'Registration_Status__c', partnerField: 'Registered_Partner__c' };
    const canonical = canonicalDealFromOpportunity(
      opportunity({
        Registration_Status__c: 'Approved',
        Registered_Partner__c: PARTNER_A,
        PL_Dedupe_Status__c: 'unique',
      }),
      [],
      STAGES,
      { registration },
    );
    expect(canonical.properties).toEqual({
      pl_dedupe_status: 'unique',
      partner_registration_status: 'Approved',
      partner_registration_partner_id: PARTNER_A,
    });
    expect(opportunityReadFields({ registration })).toEqual(
      expect.arrayContaining(['Registration_Status__c', 'Registered_Partner__c']),
    );
  });
});

describe('junction rows → partner links', () => {
  it('given rows of two opportunities, then each gets its links; empty lookups, repeats and bad splits are handled', () => {
    const other = '006Hs00001ZzZzZIAV';
    const links = partnerLinksFromJunction([
      { Opportunity__c: OPP, Partner__c: PARTNER_A, Role__c: 'sourced', Split__c: 50 },
      { Opportunity__c: OPP, Partner__c: PARTNER_A, Role__c: 'sourced', Split__c: 70 },
      { Opportunity__c: OPP, Partner__c: PARTNER_B, Role__c: 'Co-sell', Split__c: 150 },
      { Opportunity__c: OPP, Partner__c: null, Role__c: 'influenced' },
      { Opportunity__c: other, Partner__c: PARTNER_B, Role__c: 'mystery', Split__c: null },
    ]);
    expect(links.get(OPP)).toEqual([
      { partnerId: PARTNER_A, role: 'sourced', splitPct: 50 },
      { partnerId: PARTNER_B, role: 'cosell', splitPct: null },
    ]);
    expect(links.get(other)).toEqual([{ partnerId: PARTNER_B, role: null, splitPct: null }]);
  });
});

describe('Account → partner', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined]>([
    [
      'a flagged self-serve partner',
      { PL_Is_Partner__c: true, PL_Partner_Type__c: 'self_serve', Region__c: 'NA' },
      { type: 'self_serve', region: 'NA' },
    ],
    ['a flagged partner without a type', { PL_Is_Partner__c: true }, { type: 'named', region: null }],
    ['a customer', { PL_Is_Partner__c: false }, undefined],
    ['an account without the field', {}, undefined],
  ])('given %s, then the partner is %j', (_, fields, expected) => {
    const partner = partnerFromAccount(
      { Id: PARTNER_A, Name: 'Northwind', CreatedDate: '2025-01-01T00:00:00.000+0000', ...fields },
      { regionField: 'Region__c' },
    );
    if (expected === undefined) {
      expect(partner).toBeUndefined();
      return;
    }
    expect(partner).toEqual({
      id: PARTNER_A,
      name: 'Northwind',
      registeredAt: '2025-01-01T00:00:00.000Z',
      ...expected,
    });
    expect(partnerSchema.safeParse(partner).success).toBe(true);
  });
});

describe('PartnerLoop values ⇄ Salesforce fields', () => {
  it.each<[string, string, string | number | boolean | null]>([
    ['pl_attribution_status', 'complete', 'complete'],
    ['pl_attribution_status', '', null],
    ['pl_attribution_issues', 'line one\nline two', 'line one\nline two'],
    ['pl_duplicate_confidence', '0.875', 0.875],
    ['pl_duplicate_confidence', '', null],
    ['pl_partner_fit_score', '87', 87],
  ])('given the deal property %s = %j, then Salesforce gets %j', (name, value, expected) => {
    expect(salesforceValues('deals', { [name]: value })).toEqual({
      [`PL_${name.slice(3).replace(/(^|_)([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase())}__c`]:
        expected,
    });
  });

  it.each<[string, string, string | number | boolean | null]>([
    ['pl_dormant', 'true', true],
    ['pl_dormant', 'false', false],
    ['pl_dormant', '', false],
    ['pl_last_opportunity_date', '2026-02-03', '2026-02-03'],
    ['pl_last_opportunity_date', '', null],
    ['pl_won_revenue', '1250000.5', 1250000.5],
  ])('given the partner property %s = %j, then Salesforce gets %j', (name, value, expected) => {
    expect(Object.values(salesforceValues('partners', { [name]: value }))).toEqual([expected]);
  });

  it.each<[string, 'deals' | 'partners', Record<string, string>, string]>([
    ['an unknown property', 'deals', { Name: 'x' }, 'Name is not a PartnerLoop deal property'],
    ['a partner property on a deal', 'deals', { pl_dormant: 'true' }, 'pl_dormant is not a PartnerLoop deal property'],
    ['a bad number', 'deals', { pl_duplicate_confidence: 'high' }, 'is not a number'],
    ['a bad flag', 'partners', { pl_dormant: 'yes' }, 'is not true or false'],
    ['a bad date', 'partners', { pl_last_opportunity_date: '03/02/2026' }, 'is not a date'],
  ])('given %s, then the write is refused', (_, object, properties, message) => {
    expect(() => salesforceValues(object, properties)).toThrow(message);
  });

  it('given what a writer computes, when written and read back, then nothing differs (no rewrite loop)', () => {
    const desired: Record<string, string> = {
      pl_partner_type: 'named',
      pl_partner_score: '72',
      pl_partner_tier: 'core',
      pl_win_rate: '0.35',
      pl_won_revenue: '125000.5',
      pl_avg_deal_size: '',
      pl_open_pipeline: '0',
      pl_last_opportunity_date: '2026-05-01',
      pl_dormant: 'false',
      pl_roster_action: '',
    };
    // What the REST API answers after the write: typed JSON values, nulls for cleared fields.
    const readBack = JSON.parse(
      JSON.stringify(recordsForUpdates('partners', [{ id: PARTNER_A, properties: desired }])[0]),
    );
    expect(changedProperties(canonicalValues(readBack, 'partner'), desired)).toBeUndefined();
  });

  it('given updates, then each becomes a typed collection record with its id; a malformed id is refused', () => {
    expect(recordsForUpdates('deals', [{ id: OPP, properties: { pl_dedupe_status: 'unique' } }])).toEqual([
      { attributes: { type: 'Opportunity' }, Id: OPP, PL_Dedupe_Status__c: 'unique' },
    ]);
    expect(() => recordsForUpdates('deals', [{ id: "006' OR Id != '", properties: {} }])).toThrow(
      'is not a Salesforce record id',
    );
  });

  it('given a record, then the canonical values list only the PartnerLoop fields it carries, as strings', () => {
    expect(
      canonicalValues(
        opportunity({ PL_Duplicate_Confidence__c: 0.5, PL_Dedupe_Status__c: 'suspected', PL_Duplicate_Of__c: null }),
        'deal',
      ),
    ).toEqual({ pl_duplicate_of: null, pl_duplicate_confidence: '0.5', pl_dedupe_status: 'suspected' });
  });

  it('given every catalogue property, then its field is read (all are selectable by name)', () => {
    const deals = CRM_PROPERTIES.filter((p) => p.object === 'deal').map((p) => p.name);
    expect(opportunityReadFields({}, deals)).toContain('PL_Microsoft_Referral_Id__c');
    expect(() => opportunityReadFields({}, ['pl_dormant'])).toThrow('not a PartnerLoop deal property');
  });
});

describe('junction writes and ids', () => {
  it.each([
    ['00570000001ZwTi', '00570000001ZwTiAAK'],
    ['001000000000000', '001000000000000AAA'],
    ['AAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAA555'],
    [OPP, OPP],
  ])('given the id %s, then its case-safe form is %s', (id, safe) => {
    expect(caseSafeId(id)).toBe(safe);
  });

  it('given a link with 15-character ids, then the row and its key use 18-character ids, and the split only when given', () => {
    const link = { dealId: '006Hs00001AbCdE', partnerId: PARTNER_A, role: 'referral' as const };
    expect(junctionLinkKey(link)).toBe(`${OPP}:${PARTNER_A}:referral`);
    expect(junctionRecord(link)).toEqual({
      attributes: { type: 'PL_Opportunity_Partner__c' },
      Opportunity__c: OPP,
      Partner__c: PARTNER_A,
      Role__c: 'referral',
      Link_Key__c: `${OPP}:${PARTNER_A}:referral`,
    });
    expect(junctionRecord(link, 25)).toMatchObject({ Split__c: 25 });
  });

  it('given a new deal, then the opportunity starts in the given stage with its key and a fallback close date', () => {
    const stage = firstOpenStage(STAGES);
    if (!stage) throw new Error('the fixture has an open stage');
    expect(
      opportunityForNewDeal(
        {
          name: 'Referral: Acme',
          amount: null,
          currency: 'EUR',
          closeDate: null,
          properties: { pl_cloud_status: 'aws:Submitted' },
          key: { property: 'pl_aws_opportunity_id', value: 'O1234' },
        },
        stage,
        { closeDateFallback: '2026-09-30', currencyField: 'CurrencyIsoCode' },
      ),
    ).toEqual({
      attributes: { type: 'Opportunity' },
      Name: 'Referral: Acme',
      StageName: 'Discovery',
      CloseDate: '2026-09-30',
      CurrencyIsoCode: 'EUR',
      PL_Cloud_Status__c: 'aws:Submitted',
      PL_Aws_Opportunity_Id__c: 'O1234',
    });
  });
});

describe('SOQL', () => {
  it.each([
    ['plain', "'plain'"],
    ["O'Brien", "'O\\'Brien'"],
    ["x' OR Name != '", "'x\\' OR Name != \\''"],
    ["\\' OR Id != null OR Id = '", "'\\\\\\' OR Id != null OR Id = \\''"],
    ['line\nbreak\ttab\r', "'line\\nbreak\\ttab\\r'"],
    ['say "hi"', '\'say \\"hi\\"\''],
    ['100% _match_', "'100% _match_'"],
    ['Ünïcødé – ok', "'Ünïcødé – ok'"],
  ])('given the value %j, then the literal is %s', (value, literal) => {
    expect(soqlString(value)).toBe(literal);
  });

  it.each([['nul\u0000'], ['bell\u0007'], ['esc\u001b[0m'], ['del\u007f']])(
    'given a control character in %j, then the literal is refused',
    (value) => {
      expect(() => soqlString(value)).toThrow('control characters');
    },
  );

  it.each([
    ['Name', true],
    ['Account.Name', true],
    ['Loss_Reason__c', true],
    ['ns__Region__c', true],
    ['Name FROM User --', false],
    ['Id,(SELECT Id FROM Contacts)', false],
    ["Name'", false],
    ['1Name', false],
    ['', false],
  ])('given the field name %j, then accepted is %s', (name, accepted) => {
    if (accepted) expect(soqlIdentifier(name)).toBe(name);
    else expect(() => soqlIdentifier(name)).toThrow('is not a Salesforce field name');
  });

  it('given a checkpoint and an overlap, then opportunities are read from the floored second, ordered by stamp then id', () => {
    expect(
      soqlForOpportunities({
        fields: ['Name', 'Id', 'StageName', 'name'],
        since: '2026-04-01T10:00:05.750Z',
        overlapMs: 5 * 60_000,
        until: Date.parse('2026-04-01T12:00:00.400Z'),
      }),
    ).toBe(
      'SELECT Id, SystemModstamp, Name, StageName FROM Opportunity WHERE SystemModstamp >= 2026-04-01T09:55:05Z AND SystemModstamp < 2026-04-01T12:00:00Z ORDER BY SystemModstamp, Id',
    );
    expect(modstampBounds({ since: '2026-04-01T10:00:05.750Z', overlapMs: 5 * 60_000 })).toEqual({
      from: Date.parse('2026-04-01T09:55:05Z'),
      to: undefined,
    });
  });

  it('given no checkpoint, then the read is full', () => {
    expect(soqlForOpportunities({ fields: ['Name'] })).toBe(
      'SELECT Id, SystemModstamp, Name FROM Opportunity ORDER BY SystemModstamp, Id',
    );
  });

  it.each<[string, () => string, string]>([
    [
      'an injected field',
      () => soqlForOpportunities({ fields: ['Name FROM User WHERE Id != null --'] }),
      'not a Salesforce field name',
    ],
    [
      'an injected id',
      () => soqlForOpportunities({ fields: [], ids: ["006' OR Id != '"] }),
      'not a Salesforce record id',
    ],
    [
      'an unparseable checkpoint',
      () => soqlForOpportunities({ fields: [], since: 'yesterday' }),
      'not a point in time',
    ],
    ['a negative overlap', () => soqlForOpportunities({ fields: [], since: 0, overlapMs: -1 }), 'overlapMs'],
    ['no ids', () => soqlForJunction({ opportunityIds: [] }), 'at least one id'],
    ['too many ids', () => soqlForJunction({ opportunityIds: Array.from({ length: 201 }, () => OPP) }), 'at most 200'],
  ])('given %s, then no query is built', (_, build, message) => {
    expect(build).toThrow(message);
  });

  it('given ids, then they are quoted, unique and combined with the window', () => {
    expect(soqlForJunction({ opportunityIds: [OPP, OPP, '006Hs00001AbCdE'], since: 0 })).toBe(
      `SELECT Id, SystemModstamp, Opportunity__c, Partner__c, Role__c, Split__c FROM PL_Opportunity_Partner__c WHERE SystemModstamp >= 1970-01-01T00:00:00Z AND Opportunity__c IN ('${OPP}', '006Hs00001AbCdE') ORDER BY SystemModstamp, Id`,
    );
  });

  it('given the partner roster read, then only flagged accounts are selected', () => {
    expect(
      soqlForAccounts({
        fields: accountReadFields({ regionField: 'Region__c' }, ['pl_partner_score']),
        partnersOnly: true,
      }),
    ).toBe(
      'SELECT Id, SystemModstamp, Name, Website, CreatedDate, PL_Is_Partner__c, PL_Partner_Type__c, Region__c, PL_Partner_Score__c FROM Account WHERE PL_Is_Partner__c = true ORDER BY SystemModstamp, Id',
    );
  });

  it('given a key lookup with an injection attempt, then the value stays one escaped literal', () => {
    expect(soqlForOpportunityByProperty('pl_aws_opportunity_id', "O-1' OR Name != '")).toBe(
      "SELECT Id FROM Opportunity WHERE PL_Aws_Opportunity_Id__c = 'O-1\\' OR Name != \\'' ORDER BY CreatedDate, Id LIMIT 1",
    );
    expect(() => soqlForOpportunityByProperty('Name', 'x')).toThrow();
  });

  it('given a time, then the literal is whole seconds in UTC', () => {
    expect(soqlDateTime(Date.parse('2026-04-01T10:00:05.999+02:00'))).toBe('2026-04-01T08:00:05Z');
  });
});

describe('domainOf', () => {
  it.each([
    ['https://www.Acme.com/about', 'acme.com'],
    ['acme.co.uk', 'acme.co.uk'],
    ['http://shop.acme.com:8080', 'shop.acme.com'],
    ['localhost', null],
    ['not a url at all', null],
    [null, null],
  ])('given the website %j, then the domain is %j', (website, domain) => {
    expect(domainOf(website)).toBe(domain);
  });
});

describe('account partners', () => {
  const customer = '0015L000000000aQAA';
  const other = '0015L000000000bQAA';
  const [p1, p2] = ['0015L0000000001QAA', '0015L0000000002QAA'];
  const roster = new Set([p1, p2]);

  it('given Partner rows in either direction, when read against the roster, then each customer account lists its partners once, sorted', () => {
    const rows = [
      { AccountFromId: customer, AccountToId: p2 },
      { AccountFromId: p1, AccountToId: customer },
      // Salesforce's reverse row of the first: the same pair again.
      { AccountFromId: p2, AccountToId: customer },
      { AccountFromId: other, AccountToId: p1 },
    ];
    expect(accountPartnersFromRows(rows, roster)).toEqual(
      new Map([
        [customer, [p1, p2]],
        [other, [p1]],
      ]),
    );
  });

  it('given rows between two partners, two customers or with a missing side, then they say nothing', () => {
    const rows = [
      { AccountFromId: p1, AccountToId: p2 },
      { AccountFromId: customer, AccountToId: other },
      { AccountFromId: customer },
    ];
    expect(accountPartnersFromRows(rows, roster)).toEqual(new Map());
  });

  it('given accounts, when the query is built, then it reads account-level rows of that side only', () => {
    expect(soqlForAccountPartners({ accountIds: [customer], side: 'AccountToId' })).toBe(
      `SELECT Id, SystemModstamp, AccountFromId, AccountToId FROM Partner WHERE OpportunityId = null AND AccountToId IN ('${customer}') ORDER BY SystemModstamp, Id`,
    );
  });
});
