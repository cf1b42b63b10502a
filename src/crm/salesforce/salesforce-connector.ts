import type { CrmStageOrder } from '../../attribution/attribution-rules.ts';
import type { CanonicalDeal, CrmDealsRead, CrmPartnersRead, CrmSnapshot, CrmValues } from '../../model/crm-record.ts';
import type { PartnerRole } from '../../model/deal.ts';
import type { Partner } from '../../model/partner.ts';
import { type Clock, systemClock } from '../../shared/clock.ts';
import { AppError, NotFoundError } from '../../shared/errors.ts';
import type {
  CrmConnector,
  CrmObject,
  CrmProvisioningReport,
  CrmUser,
  NewDeal,
  PartnerLink,
  PropertyUpdate,
  RecordLinks,
  SnapshotReadOptions,
  WriteOutcome,
} from '../crm-connector.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import {
  type CollectionResult,
  isSalesforceForbidden,
  recordRefusal,
  SalesforceApiError,
} from './salesforce-errors.ts';
import {
  type DescribedObject,
  type DescribedSchema,
  diffSalesforceSchema,
  JUNCTION_FIELDS,
  JUNCTION_OBJECT,
  linkableRoles,
  provisioningReport,
  toolingCustomField,
  toolingCustomObject,
} from './salesforce-fields.ts';
import { salesforceRecordLinks } from './salesforce-links.ts';
import {
  type AccountMappingOptions,
  accountPartnersFromRows,
  accountReadFields,
  COLLECTION_LIMIT,
  canonicalDealFromOpportunity,
  canonicalValues,
  caseSafeId,
  firstOpenStage,
  junctionRecord,
  type OpportunityMappingOptions,
  type OpportunityStageRow,
  opportunityForNewDeal,
  opportunityReadFields,
  partnerFromAccount,
  partnerLinksFromJunction,
  recordsForUpdates,
  SOQL_IDS_PER_QUERY,
  type SoqlRecord,
  type StageMap,
  soqlForAccountPartners,
  soqlForAccounts,
  soqlForJunction,
  soqlForOpportunities,
  soqlForOpportunityByProperty,
  soqlForOpportunityStages,
  soqlString,
  stageMapFromOpportunityStages,
} from './salesforce-mapping.ts';

/** A record Salesforce refused in a write that otherwise went through (`allOrNone=false`): for the error inbox. */
export interface SalesforceRefusedRecord {
  /** The record written: `deals`, `partners`, or `links` (junction rows). */
  object: CrmObject | 'links';
  /** The record's id (for a refused link: its link key). */
  id: string;
  code: string;
  /** In words an operator can act on, with Salesforce's own message. */
  reason: string;
  fields: string[];
  /** Transient (a lock): the same write may go through later. */
  retryable: boolean;
  /** Every error Salesforce listed for the record. */
  details: ReadonlyArray<{ code: string; message: string; fields: string[] }>;
}

export interface SalesforceConnectorOptions {
  client: SalesforceClient;
  /** The org's instance URL (record links). */
  instanceUrl: string;
  /** Where the org keeps what the standard Opportunity lacks (region, loss reason, currency, registration…). */
  mapping?: Omit<OpportunityMappingOptions, 'partnerIds'>;
  accountMapping?: AccountMappingOptions;
  /**
   * Records refused by a write that went through for the others. The service puts them in the tenant's error inbox;
   * without a hook they wait in `takeRefused()`. Never thrown: one bad record must not stop 199 good ones.
   */
  onRefused?: (records: SalesforceRefusedRecord[]) => void | Promise<void>;
  /** Records a write went through for (their earlier refusals, if any, are resolved by the service). */
  onAccepted?: (object: SalesforceRefusedRecord['object'], ids: string[]) => void | Promise<void>;
  clock?: Clock;
}

/** How long the org's currency set-up (from describe) is trusted before it is read again. */
const MAPPING_TTL_MS = 60 * 60_000;

/** Merging is not offered for Salesforce Opportunities (SPEC §2.6: merge stays off for Salesforce tenants). */
export class SalesforceMergeUnsupportedError extends AppError {
  readonly code = 'crm_operation_unsupported';
  constructor() {
    super(
      'Merging deals is not supported for Salesforce: its REST API cannot merge Opportunities. Close the duplicate in Salesforce instead.',
    );
  }
}

/** Salesforce's answer to a single-record create. */
interface SaveResult {
  id?: string;
  success: boolean;
  errors?: unknown[];
}

interface DescribeAnswer {
  name: string;
  fields: DescribedObject['fields'];
}

/**
 * The CRM port on one Salesforce org: deals are Opportunities, partners are Accounts flagged `PL_Is_Partner__c`, a
 * partner's role on a deal is a row of the junction `PL_Opportunity_Partner__c` (upserted by its `Link_Key__c`).
 * Reads are SOQL paged by hand; writes are sObject Collections (≤ 200 records, `allOrNone=false`), with the records
 * Salesforce refused handed to `onRefused`.
 */
export class SalesforceConnector implements CrmConnector {
  readonly provider = 'salesforce';
  readonly links: RecordLinks;
  readonly #options: SalesforceConnectorOptions;
  readonly #client: SalesforceClient;
  readonly #clock: Clock;
  #stages: StageMap | undefined;
  #refused: SalesforceRefusedRecord[] = [];
  #mappingRead: { at: number; mapping: Omit<OpportunityMappingOptions, 'partnerIds'> } | undefined;

  constructor(options: SalesforceConnectorOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#clock = options.clock ?? systemClock;
    this.links = salesforceRecordLinks(options.instanceUrl);
  }

  /** Refusals no `onRefused` hook took, oldest first; the list is emptied. */
  takeRefused(): SalesforceRefusedRecord[] {
    const taken = this.#refused;
    this.#refused = [];
    return taken;
  }

  // --- reads ---------------------------------------------------------------------------------------------------------

  async readSnapshot(options: SnapshotReadOptions): Promise<CrmSnapshot> {
    let readCalls = 0;
    const stages = await this.#readStages();
    readCalls += stages.calls;

    const partners: Partner[] = [];
    const partnerProperties = new Map<string, CrmValues>();
    readCalls += await this.#client.query<SoqlRecord>(
      soqlForAccounts({
        fields: accountReadFields(this.#options.accountMapping ?? {}, options.partnerProperties),
        partnersOnly: true,
      }),
      (page) => {
        for (const record of page.records) {
          const partner = partnerFromAccount(record, this.#options.accountMapping);
          if (!partner) continue;
          partners.push(partner);
          partnerProperties.set(partner.id, canonicalValues(record, 'partner'));
        }
      },
      { operation: 'the read of partner accounts' },
    );
    options.onPartners?.(partners, partnerProperties);

    const junction = await this.#readJunction(soqlForJunction());
    readCalls += junction.calls;
    const links = partnerLinksFromJunction(junction.records);

    const roster = new Set(partners.map((partner) => partner.id));
    const accountRows = await this.#readOptional(soqlForAccountPartners(), 'the read of account partners');
    readCalls += accountRows.calls;
    const accountPartners = accountPartnersFromRows(accountRows.records, roster);
    const configured = await this.#mapping();
    readCalls += configured.calls;
    const mapping = { ...configured.mapping, partnerIds: roster };
    const deals: CanonicalDeal[] = [];
    readCalls += await this.#client.query<SoqlRecord>(
      soqlForOpportunities({ fields: opportunityReadFields(mapping, options.dealProperties) }),
      (page) => {
        const completed = page.records.map((record) =>
          withAccountPartners(
            canonicalDealFromOpportunity(record, links.get(String(record.Id)) ?? [], stages.map, mapping),
            accountPartners,
          ),
        );
        deals.push(...completed);
        options.onProgress?.(deals.length);
        if (completed.length > 0) options.onDeals?.(completed);
      },
      { operation: 'the read of opportunities' },
    );
    return { partners, partnerProperties, deals, readCalls };
  }

  /**
   * What changed in `[since − overlap, until)` by `SystemModstamp` (Salesforce has no webhooks for a connected app;
   * polling is the baseline), handed to `onBatch` as it is read so the caller applies and checkpoints as it goes:
   * first the changed partner accounts and the opportunities of changed junction rows (`checkpoint: null` — the
   * opportunities of the window are still to come), then each page of changed opportunities in `SystemModstamp`
   * order with the newest stamp read so far (`checkpoint`: everything before it has been handed over).
   */
  async changes(
    window: { since: Date | null; until: Date; overlapMs: number },
    onBatch: (batch: { deals: string[]; partners: string[]; checkpoint: Date | null }) => Promise<void>,
  ): Promise<{ deals: number; partners: number; newest: Date | null; calls: number }> {
    const bounds = {
      ...(window.since ? { since: window.since.getTime() } : {}),
      until: window.until.getTime(),
      overlapMs: window.overlapMs,
    };
    let newest: number | null = null;
    const seen = (record: SoqlRecord) => {
      const stamp = Date.parse(String(record.SystemModstamp ?? ''));
      if (Number.isFinite(stamp) && (newest === null || stamp > newest)) newest = stamp;
    };
    const partners = new Set<string>();
    const linked = new Set<string>();
    let calls = await this.#client.query<SoqlRecord>(
      soqlForAccounts({ fields: [], partnersOnly: true, ...bounds }),
      (page) => {
        for (const record of page.records) {
          partners.add(String(record.Id));
          seen(record);
        }
      },
      { operation: 'the read of changed partner accounts' },
    );
    const junction = await this.#readJunction(soqlForJunction(bounds));
    calls += junction.calls;
    for (const record of junction.records) {
      const opportunity = record[JUNCTION_FIELDS.opportunity];
      if (typeof opportunity === 'string') linked.add(opportunity);
      seen(record);
    }
    // An account's partners changed: its opportunities are read again (their auto-tag candidates moved).
    const accountRows = await this.#readOptional(
      soqlForAccountPartners(bounds),
      'the read of changed account partners',
    );
    calls += accountRows.calls;
    const touched = new Set<string>();
    for (const row of accountRows.records) {
      for (const id of [row.AccountFromId, row.AccountToId]) if (typeof id === 'string') touched.add(id);
      seen(row);
    }
    for (const chunk of chunks([...touched], SOQL_IDS_PER_QUERY)) {
      const read = await this.#client.queryRecords<SoqlRecord>(
        soqlForOpportunities({ fields: [], accountIds: chunk }),
        'the read of the opportunities of changed accounts',
      );
      calls += read.calls;
      for (const record of read.records) linked.add(String(record.Id));
    }
    if (partners.size + linked.size > 0) {
      await onBatch({ deals: [...linked], partners: [...partners], checkpoint: null });
    }
    let deals = linked.size;
    // Pages in SystemModstamp order: once a page is applied, nothing older than its newest stamp is left to read.
    let pageNewest: number | null = null;
    calls += await this.#client.query<SoqlRecord>(
      soqlForOpportunities({ fields: [], ...bounds }),
      async (page) => {
        const ids = page.records.map((record) => String(record.Id));
        for (const record of page.records) {
          const stamp = Date.parse(String(record.SystemModstamp ?? ''));
          if (Number.isFinite(stamp) && (pageNewest === null || stamp > pageNewest)) pageNewest = stamp;
          seen(record);
        }
        deals += ids.length;
        if (ids.length > 0) {
          await onBatch({ deals: ids, partners: [], checkpoint: pageNewest === null ? null : new Date(pageNewest) });
        }
      },
      { operation: 'the read of changed opportunities' },
    );
    return { deals, partners: partners.size, newest: newest === null ? null : new Date(newest), calls };
  }

  async readDeals(
    ids: readonly string[],
    options: { dealProperties: readonly string[]; partnerIds: ReadonlySet<string> },
  ): Promise<CrmDealsRead> {
    if (ids.length === 0) return { deals: [], partners: [], missing: [] };
    const { map: stages } = await this.#readStages();
    const records: SoqlRecord[] = [];
    const { mapping: configured } = await this.#mapping();
    const fields = opportunityReadFields(configured, options.dealProperties);
    for (const chunk of chunks(queryIds(ids), SOQL_IDS_PER_QUERY)) {
      const read = await this.#client.queryRecords<SoqlRecord>(
        soqlForOpportunities({ fields, ids: chunk }),
        'the read of opportunities by id',
      );
      records.push(...read.records);
    }
    const found = new Set(records.map((record) => caseSafeId(String(record.Id))));
    const missing = ids.filter((id) => {
      try {
        return !found.has(normalizedId(id));
      } catch {
        return true;
      }
    });

    const junctionRows: SoqlRecord[] = [];
    for (const chunk of chunks([...found], SOQL_IDS_PER_QUERY)) {
      junctionRows.push(...(await this.#readJunction(soqlForJunction({ opportunityIds: chunk }))).records);
    }
    const links = partnerLinksFromJunction(junctionRows);

    // Partners linked that the roster does not know yet: read them, and keep those flagged as partners.
    const unknown = [...new Set([...links.values()].flat().map((link) => link.partnerId))].filter(
      (id) => !options.partnerIds.has(id),
    );
    const partners = unknown.length === 0 ? [] : (await this.readPartners(unknown, [])).partners;
    const roster = new Set([...options.partnerIds, ...partners.map((partner) => partner.id)]);
    const mapping = { ...configured, partnerIds: roster };
    // The partners of the deals' accounts, from either side of the Partner rows (account-based auto-tag).
    const accounts = [
      ...new Set(records.map((record) => record.AccountId).filter((id): id is string => typeof id === 'string')),
    ];
    const accountRows: SoqlRecord[] = [];
    for (const chunk of chunks(accounts, SOQL_IDS_PER_QUERY)) {
      for (const side of ['AccountFromId', 'AccountToId'] as const) {
        const read = await this.#readOptional(
          soqlForAccountPartners({ accountIds: chunk, side }),
          'the read of account partners',
        );
        accountRows.push(...read.records);
      }
    }
    const accountPartners = accountPartnersFromRows(accountRows, roster);
    const deals = records.map((record) =>
      withAccountPartners(
        canonicalDealFromOpportunity(record, links.get(String(record.Id)) ?? [], stages, mapping),
        accountPartners,
      ),
    );
    return { deals, partners, missing };
  }

  async readPartners(ids: readonly string[], properties: readonly string[]): Promise<CrmPartnersRead> {
    const partners: Partner[] = [];
    const values = new Map<string, CrmValues>();
    let read = 0;
    const fields = accountReadFields(this.#options.accountMapping ?? {}, properties);
    for (const chunk of chunks(queryIds(ids), SOQL_IDS_PER_QUERY)) {
      const { records } = await this.#client.queryRecords<SoqlRecord>(
        soqlForAccounts({ fields, ids: chunk }),
        'the read of accounts by id',
      );
      read += records.length;
      for (const record of records) {
        values.set(String(record.Id), canonicalValues(record, 'partner'));
        const partner = partnerFromAccount(record, this.#options.accountMapping);
        if (partner) partners.push(partner);
      }
    }
    return { partners, properties: values, read };
  }

  // --- writes --------------------------------------------------------------------------------------------------------

  /**
   * PATCH `/composite/sobjects`, ≤ 200 records per call, `allOrNone=false`: each record stands alone, so a validation
   * rule refusing one leaves the others written. Refusals go to `onRefused`; answers the number of calls.
   */
  async writeProperties(object: CrmObject, updates: readonly PropertyUpdate[]): Promise<WriteOutcome> {
    const records = recordsForUpdates(object, updates);
    let calls = 0;
    const refused: string[] = [];
    for (const batch of chunks(records, COLLECTION_LIMIT)) {
      const results = await this.#client.request<CollectionResult[]>({
        method: 'PATCH',
        path: '/composite/sobjects',
        body: { allOrNone: false, records: batch },
        // An update by id sets the same values again: safe to repeat.
        idempotent: true,
        operation: `the update of ${object}`,
      });
      calls += 1;
      const ids = batch.map((record) => String(record.Id));
      refused.push(...(await this.#collectRefusals(object, ids, results ?? [])));
    }
    return { calls, refused };
  }

  /** The roles the junction's `Role__c` picklist holds (active values), from describe; none before provisioning. */
  async linkableRoles(): Promise<ReadonlySet<PartnerRole>> {
    const junction = await this.#describe(JUNCTION_OBJECT);
    const empty: DescribedObject = { name: '', fields: [] };
    return linkableRoles({ Opportunity: empty, Account: empty, [JUNCTION_OBJECT]: junction });
  }

  /** Upserts junction rows by `Link_Key__c` (deal:partner:role), so a repeated link finds its row. */
  async linkPartners(links: readonly PartnerLink[]): Promise<void> {
    if (links.length === 0) return;
    const roles = await this.linkableRoles();
    for (const link of links) {
      if (!roles.has(link.role)) {
        throw new NotFoundError(
          `the ${link.role} role is not in this org's ${JUNCTION_OBJECT}.${JUNCTION_FIELDS.role} picklist yet; run provisioning`,
        );
      }
    }
    const records = links.map((link) => junctionRecord(link));
    for (const batch of chunks(records, COLLECTION_LIMIT)) {
      const results = await this.#client.request<CollectionResult[]>({
        method: 'PATCH',
        path: `/composite/sobjects/${JUNCTION_OBJECT}/${JUNCTION_FIELDS.linkKey}`,
        body: { allOrNone: false, records: batch },
        // An upsert by external id finds the row a lost answer created.
        idempotent: true,
        operation: 'the link of partners to deals',
      });
      await this.#collectRefusals(
        'links',
        batch.map((record) => String(record[JUNCTION_FIELDS.linkKey])),
        results ?? [],
      );
    }
  }

  /**
   * Deletes the junction rows of the link: found by opportunity, partner and role rather than by `Link_Key__c`, so a
   * row a user added in Salesforce (no key) goes too. A row already gone is not an error.
   */
  async unlinkPartner(link: PartnerLink): Promise<void> {
    const { records } = await this.#client.queryRecords<SoqlRecord>(
      `SELECT Id FROM ${JUNCTION_OBJECT} WHERE ${JUNCTION_FIELDS.opportunity} = ${soqlString(caseSafeId(link.dealId))}` +
        ` AND ${JUNCTION_FIELDS.partner} = ${soqlString(caseSafeId(link.partnerId))}` +
        ` AND ${JUNCTION_FIELDS.role} = ${soqlString(link.role)}`,
      'the read of a partner link',
    );
    for (const record of records) {
      await this.#client.request({
        method: 'DELETE',
        path: `/sobjects/${JUNCTION_OBJECT}/${String(record.Id)}`,
        idempotent: true,
        notFoundIsEmpty: true,
        operation: 'the unlink of a partner',
      });
    }
  }

  async createDeal(input: NewDeal): Promise<{ id: string; created: boolean }> {
    const existing = await this.#findByKey(input);
    if (existing) return { id: existing, created: false };
    const { map: stages } = await this.#readStages();
    const stage = firstOpenStage(stages);
    if (!stage) throw new NotFoundError('this Salesforce org has no active open opportunity stage');
    const { currencyField } = (await this.#mapping()).mapping;
    const record = opportunityForNewDeal(input, stage, {
      closeDateFallback: endOfQuarter(this.#clock.now()),
      ...(currencyField ? { currencyField } : {}),
    });
    const { attributes: _type, ...fields } = record;
    const result = await this.#client.request<SaveResult>({
      method: 'POST',
      path: '/sobjects/Opportunity',
      body: fields,
      // A create repeated after a lost answer would make a second deal; the caller's retry finds it by key instead.
      idempotent: false,
      operation: 'the creation of a deal',
    });
    if (!result?.success || !result.id) {
      const refusal = recordRefusal({ success: false, errors: result?.errors ?? [] });
      throw new SalesforceApiError('the creation of a deal', refusal?.code, refusal?.reason);
    }
    return { id: result.id, created: true };
  }

  async mergeDeals(_primaryId: string, _mergedId: string): Promise<{ survivorId: string }> {
    throw new SalesforceMergeUnsupportedError();
  }

  /**
   * Describe first (Opportunity, Account, the junction if it exists), then create through the Tooling API only what the
   * diff says is missing: the object first, then the fields. An existing field is never changed, only reported.
   */
  async provision(): Promise<CrmProvisioningReport> {
    const described: DescribedSchema = {
      Opportunity: await this.#describeRequired('Opportunity'),
      Account: await this.#describeRequired('Account'),
      [JUNCTION_OBJECT]: await this.#describe(JUNCTION_OBJECT),
    };
    const diff = diffSalesforceSchema(described);
    const created: string[] = [];
    const warnings: string[] = [];
    const create = async (type: 'CustomObject' | 'CustomField', fullName: string, body: unknown) => {
      try {
        await this.#client.request({
          method: 'POST',
          path: `/tooling/sobjects/${type}`,
          body,
          idempotent: false,
          operation: `the creation of ${fullName}`,
        });
        created.push(fullName);
      } catch (error) {
        if (error instanceof SalesforceApiError && error.salesforceCode === 'DUPLICATE_DEVELOPER_NAME') {
          // Describe did not list it, yet it exists: field-level security hides it from PartnerLoop's user.
          warnings.push(`${fullName} exists but PartnerLoop's Salesforce user cannot see it; grant it access`);
          return;
        }
        throw error;
      }
    };
    for (const object of diff.missing.objects) {
      await create('CustomObject', object.fullName, toolingCustomObject(object));
    }
    for (const field of diff.missing.fields) {
      await create('CustomField', field.fullName, toolingCustomField(field));
    }
    return provisioningReport(diff, created, warnings);
  }

  /** A Salesforce user; admin = their profile may modify all data (System Administrator and the like). */
  async user(userId: string): Promise<CrmUser | undefined> {
    let id: string;
    try {
      id = normalizedId(userId);
    } catch {
      return undefined;
    }
    const { records } = await this.#client.queryRecords<SoqlRecord>(
      `SELECT Id, IsActive, Profile.PermissionsModifyAllData FROM User WHERE Id = ${soqlString(id)}`,
      'the read of a user',
    );
    const [record] = records;
    if (!record) return undefined;
    const profile = record.Profile as { PermissionsModifyAllData?: unknown } | null | undefined;
    return {
      userId: String(record.Id),
      admin: record.IsActive !== false && profile?.PermissionsModifyAllData === true,
    };
  }

  isForbidden(error: unknown): boolean {
    return isSalesforceForbidden(error);
  }

  // --- helpers -------------------------------------------------------------------------------------------------------

  /** The org's stages, read once per connector (a stage added later falls back to the record's IsClosed/IsWon). */
  /** The org's active stages by SortOrder, open ones first (the attribution defaults follow them). */
  async stageOrder(): Promise<CrmStageOrder> {
    const { map } = await this.#readStages();
    const stages = [...new Map([...map.values()].map((stage) => [stage.name, stage])).values()]
      .filter((stage) => stage.active)
      .sort((a, b) => a.sortOrder - b.sortOrder);
    return {
      open: stages.filter((stage) => !stage.closed).map((stage) => stage.name),
      closed: stages.filter((stage) => stage.closed).map((stage) => stage.name),
    };
  }

  async #readStages(): Promise<{ map: StageMap; calls: number }> {
    if (this.#stages) return { map: this.#stages, calls: 0 };
    const { records, calls } = await this.#client.queryRecords<OpportunityStageRow>(
      soqlForOpportunityStages(),
      'the read of opportunity stages',
    );
    this.#stages = stageMapFromOpportunityStages(records);
    return { map: this.#stages, calls };
  }

  /** A query of an object the org may not have (the standard Partner object is off when Partners is disabled). */
  async #readOptional(soql: string, operation: string): Promise<{ records: SoqlRecord[]; calls: number }> {
    try {
      return await this.#client.queryRecords<SoqlRecord>(soql, operation);
    } catch (error) {
      if (error instanceof SalesforceApiError && error.salesforceCode === 'INVALID_TYPE')
        return { records: [], calls: 1 };
      throw error;
    }
  }

  /** Junction rows; before provisioning created the object there are none. */
  async #readJunction(soql: string): Promise<{ records: SoqlRecord[]; calls: number }> {
    try {
      return await this.#client.queryRecords<SoqlRecord>(soql, 'the read of partner links');
    } catch (error) {
      if (error instanceof SalesforceApiError && error.salesforceCode === 'INVALID_TYPE') {
        return { records: [], calls: 1 };
      }
      throw error;
    }
  }

  async #findByKey(input: NewDeal): Promise<string | undefined> {
    const { records } = await this.#client.queryRecords<SoqlRecord>(
      soqlForOpportunityByProperty(input.key.property, input.key.value),
      'the search for a deal by key',
    );
    const id = records[0]?.Id;
    return typeof id === 'string' ? id : undefined;
  }

  /**
   * The configured mapping, with the deal currency from the org when not configured: `CurrencyIsoCode` where the org
   * is multi-currency (describe lists it), otherwise the configured org currency. Re-read hourly (one describe).
   */
  async #mapping(): Promise<{ mapping: Omit<OpportunityMappingOptions, 'partnerIds'>; calls: number }> {
    const configured = this.#options.mapping ?? {};
    if (configured.currencyField !== undefined) return { mapping: configured, calls: 0 };
    const now = this.#clock.now();
    if (this.#mappingRead && now - this.#mappingRead.at < MAPPING_TTL_MS) {
      return { mapping: this.#mappingRead.mapping, calls: 0 };
    }
    const described = await this.#describe('Opportunity');
    const multiCurrency = described?.fields.some((field) => field.name === 'CurrencyIsoCode') ?? false;
    const mapping = { ...configured, currencyField: multiCurrency ? 'CurrencyIsoCode' : null };
    this.#mappingRead = { at: now, mapping };
    return { mapping, calls: 1 };
  }

  async #describe(object: string): Promise<DescribedObject | undefined> {
    const answer = await this.#client.request<DescribeAnswer>({
      method: 'GET',
      path: `/sobjects/${object}/describe`,
      idempotent: true,
      notFoundIsEmpty: true,
      operation: `the describe of ${object}`,
    });
    return answer && { name: answer.name, fields: answer.fields };
  }

  async #describeRequired(object: 'Opportunity' | 'Account'): Promise<DescribedObject> {
    const described = await this.#describe(object);
    if (!described) throw new NotFoundError(`this Salesforce org does not show ${object} to PartnerLoop's user`);
    return described;
  }

  async #collectRefusals(
    object: SalesforceRefusedRecord['object'],
    ids: readonly string[],
    results: readonly CollectionResult[],
  ): Promise<string[]> {
    const refused: SalesforceRefusedRecord[] = [];
    const accepted: string[] = [];
    const refusedIds: string[] = [];
    results.forEach((result, index) => {
      const id = ids[index] ?? '';
      const refusal = recordRefusal(result, id);
      if (!refusal) {
        accepted.push(id);
        return;
      }
      refusedIds.push(id);
      refused.push({
        object,
        // A refused upsert answers no id: the link key names the row.
        id: object === 'links' ? id : (refusal.recordId ?? id),
        code: refusal.code,
        reason: refusal.reason,
        fields: refusal.fields,
        retryable: refusal.retryable,
        details: refusal.details,
      });
    });
    if (accepted.length > 0) await this.#options.onAccepted?.(object, accepted);
    if (refused.length === 0) return refusedIds;
    if (this.#options.onRefused) await this.#options.onRefused(refused);
    else this.#refused.push(...refused);
    return refusedIds;
  }
}

/**
 * An id as the API answers it: 18 characters with the suffix recomputed from the first 15. Salesforce refuses a whole
 * query over one id whose suffix does not match (INVALID_QUERY_FILTER_OPERATOR), so one mistyped id must not spoil a
 * batch of 200. Throws InvalidInputError for something that is no id at all.
 */
function normalizedId(id: string): string {
  return caseSafeId(caseSafeId(id).slice(0, 15));
}

/** The ids to query, normalised, without repeats; ids that are no Salesforce id at all are left out (reported missing). */
function queryIds(ids: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    try {
      out.add(normalizedId(id));
    } catch {
      // Not an id: the CRM cannot hold it, so it comes back in `missing`.
    }
  }
  return [...out];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The last day of the quarter `ms` falls in (UTC): a new deal's close date when the referral gave none. */
export function endOfQuarter(ms: number): string {
  const date = new Date(ms);
  const lastMonth = Math.floor(date.getUTCMonth() / 3) * 3 + 3;
  return new Date(Date.UTC(date.getUTCFullYear(), lastMonth, 0)).toISOString().slice(0, 10);
}

/** The deal with its account's partners (the candidates of account-based auto-tagging). */
function withAccountPartners(entry: CanonicalDeal, byAccount: ReadonlyMap<string, string[]>): CanonicalDeal {
  const account = entry.deal.account?.id;
  return { ...entry, accountPartnerIds: account ? (byAccount.get(caseSafeId(account)) ?? []) : [] };
}
