import type { Clock } from '../../../src/shared/clock.ts';
import { apiError, type RecordError, RecordWriteError, recordError } from '../salesforce-errors.ts';
import { IdMinter, normalizeId } from '../salesforce-ids.ts';
import { coerceValue, formatDateTime, formatValue, type StoredValue } from './field-values.ts';
import {
  DEFAULT_PICKLISTS,
  type FieldDef,
  type SObjectDef,
  type StageSpec,
  type StandardPicklists,
  standardObjects,
} from './sobject-schema.ts';

/**
 * One Salesforce org held in memory: the schema, the records of every object, the org's users and stages, its
 * validation rules and locked rows. Every write — the REST routes', the collections', the test handle's — goes
 * through `save`, which validates the way Salesforce does (field types, restricted picklists, required fields,
 * lookups, unique values, then active validation rules), keeps the calculated fields right (IsClosed/IsWon from the
 * stage, audit fields, SystemModstamp from the clock) and honours allOrNone.
 */

export type StoredRecord = Record<string, StoredValue> & { Id: string };

/** A record as the REST API shows it (datetimes as strings), for tests and validation rules. */
export type RestRecord = Readonly<Record<string, unknown>>;

export interface ValidationRule {
  /** Unique per object; `setValidationRule` with the same name replaces the rule. */
  name: string;
  object: string;
  active: boolean;
  /** True = the record breaks the rule and is refused (Salesforce's "error condition formula"). */
  condition: (record: RestRecord, previous: RestRecord | undefined) => boolean;
  message: string;
  /** The field the error is shown at (`fields` of the error); none = top of page. */
  errorDisplayField?: string;
}

/** A rule an admin might have: an Opportunity over 1,000,000 must say its next step. */
export const OPPORTUNITY_OVER_1M_NEEDS_NEXT_STEP: ValidationRule = {
  name: 'Large_Deal_Needs_Next_Step',
  object: 'Opportunity',
  active: false,
  condition: (record) =>
    typeof record.Amount === 'number' &&
    record.Amount > 1_000_000 &&
    (record.NextStep === null || record.NextStep === undefined || record.NextStep === ''),
  message: 'Opportunities over 1,000,000 need a Next Step.',
  errorDisplayField: 'NextStep',
};

export type SaveOperation = 'create' | 'update' | 'upsert';

export interface SaveRequest {
  operation: SaveOperation;
  /** The sObject type (`attributes.type` or the URL's). */
  object: string;
  /** update: the record id; upsert: the external id value. */
  id?: string;
  /** upsert: the external id field. */
  externalIdField?: string;
  fields: Record<string, unknown>;
}

export interface SaveResult {
  id?: string;
  success: boolean;
  errors: RecordError[];
  /** upsert only */
  created?: boolean;
}

interface Table {
  def: SObjectDef;
  byId: Map<string, StoredRecord>;
  /** Every record in creation order (the deleted ones too, with IsDeleted = true). */
  rows: StoredRecord[];
  deleted: Array<{ id: string; deletedDate: number }>;
}

interface PreparedWrite {
  table: Table;
  create: boolean;
  previous: StoredRecord | undefined;
  next: Record<string, StoredValue>;
  explicit: Set<string>;
}

const AUDIT_FIELDS = new Set(['id', 'isdeleted', 'createddate', 'createdbyid', 'lastmodifieddate', 'lastmodifiedbyid']);

const ALL_OR_NONE_ROLLED_BACK = recordError(
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'Record rolled back because not all records were valid and the request was using AllOrNone header',
);

export interface OrgOptions {
  clock: Clock;
  orgId: string;
  orgName: string;
  picklists?: StandardPicklists;
  /** When the org was created (audit dates of its built-in rows). */
  createdAt?: number;
}

export class SalesforceOrg {
  readonly orgId: string;
  readonly orgName: string;
  readonly ids = new IdMinter();
  readonly clock: Clock;
  readonly #tables = new Map<string, Table>();
  readonly #byPrefix = new Map<string, Table>();
  readonly #rules = new Map<string, ValidationRule>();
  readonly #locks = new Map<string, number>();
  readonly #uniqueIndexes = new Map<string, Map<string, string>>();
  readonly #autoNumbers = new Map<string, number>();
  #customObjects = 0;
  #stages: StageSpec[] = [];
  /** The System Administrator who installs apps and acts in the "UI" (the demo user). */
  adminUserId = '';

  constructor(options: OrgOptions) {
    this.clock = options.clock;
    this.orgId = options.orgId;
    this.orgName = options.orgName;
    const lists = options.picklists ?? DEFAULT_PICKLISTS;
    for (const def of standardObjects(lists)) this.addObject(def);
    this.#stages = [...lists.stages];
    const at = toSeconds(options.createdAt ?? this.clock.now());
    this.load('Organization', [
      {
        Id: this.orgId,
        Name: this.orgName,
        OrganizationType: 'Enterprise Edition',
        IsSandbox: false,
        InstanceName: 'LOCAL1',
        DefaultLocaleSidKey: 'en_US',
        TimeZoneSidKey: 'GMT',
        LanguageLocaleKey: 'en_US',
      },
    ]);
    this.loadStages(at);
    this.setValidationRule({ ...OPPORTUNITY_OVER_1M_NEEDS_NEXT_STEP });
  }

  // --- schema --------------------------------------------------------------------------------------------------

  object(name: string): SObjectDef | undefined {
    return this.#tables.get(name.toLowerCase())?.def;
  }

  /** Every data object (not the tooling ones), in the order they were added. */
  objects(): SObjectDef[] {
    return [...this.#tables.values()].map((table) => table.def);
  }

  addObject(def: SObjectDef): void {
    const key = def.name.toLowerCase();
    if (this.#tables.has(key)) throw new Error(`${def.name} already exists`);
    const table: Table = { def, byId: new Map(), rows: [], deleted: [] };
    this.#tables.set(key, table);
    this.#byPrefix.set(def.keyPrefix, table);
  }

  /** A new field on an object: checkboxes read false on the records that exist (Salesforce backfills them). */
  addField(objectName: string, definition: FieldDef): void {
    const table = this.#table(objectName);
    table.def.addField(definition);
    if (definition.type === 'boolean') {
      for (const row of table.rows) row[definition.name] = Boolean(definition.defaultValue);
    }
  }

  removeField(objectName: string, fieldName: string): void {
    const table = this.#table(objectName);
    const definition = table.def.field(fieldName);
    if (!definition) return;
    table.def.removeField(definition.name);
    for (const row of table.rows) delete row[definition.name];
    this.#uniqueIndexes.delete(`${table.def.name.toLowerCase()}.${definition.name.toLowerCase()}`);
  }

  /** Key prefixes for custom objects: a00, a01, … (Salesforce hands out `a0…` prefixes the same way). */
  nextCustomKeyPrefix(): string {
    const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const n = this.#customObjects++;
    return `a${digits.charAt(Math.floor(n / 62) % 62)}${digits.charAt(n % 62)}`;
  }

  /** The object an id belongs to, by its key prefix. */
  objectOfId(id: string): SObjectDef | undefined {
    return this.#byPrefix.get(id.slice(0, 3))?.def;
  }

  count(objectName: string): number {
    return this.#table(objectName).byId.size;
  }

  // --- stages --------------------------------------------------------------------------------------------------

  stages(): readonly StageSpec[] {
    return this.#stages;
  }

  stage(label: string): StageSpec | undefined {
    return this.#stages.find((stage) => stage.label === label);
  }

  private loadStages(at: number): void {
    this.load(
      'OpportunityStage',
      this.#stages.map((stage, index) => ({
        Id: this.ids.next('01J'),
        MasterLabel: stage.label,
        ApiName: stage.label,
        IsActive: true,
        IsClosed: stage.isClosed,
        IsWon: stage.isWon,
        SortOrder: index + 1,
        DefaultProbability: stage.probability,
        ForecastCategoryName: stage.forecastCategory,
        Description: null,
        CreatedDate: at,
        LastModifiedDate: at,
        SystemModstamp: at,
      })),
    );
  }

  // --- reads ---------------------------------------------------------------------------------------------------

  /** A stored record by id (15 or 18 characters), deleted ones included; undefined when it never existed. */
  get(objectName: string, id: string): StoredRecord | undefined {
    const id18 = normalizeId(id);
    return id18 ? this.#tables.get(objectName.toLowerCase())?.byId.get(id18) : undefined;
  }

  /** Any stored record by id, whatever its object. */
  getById(id: string): { def: SObjectDef; record: StoredRecord } | undefined {
    const id18 = normalizeId(id);
    if (!id18) return undefined;
    const table = this.#byPrefix.get(id18.slice(0, 3));
    const record = table?.byId.get(id18);
    return table && record ? { def: table.def, record } : undefined;
  }

  /** The stored rows of an object in creation order (deleted ones too: check IsDeleted). */
  rows(objectName: string): readonly StoredRecord[] {
    return this.#table(objectName).rows;
  }

  deletedSince(objectName: string, start: number, end: number): Array<{ id: string; deletedDate: number }> {
    return this.#table(objectName).deleted.filter((entry) => entry.deletedDate >= start && entry.deletedDate < end);
  }

  /** A record in its REST form (datetimes as strings), all fields in schema order. */
  render(objectName: string, record: StoredRecord): Record<string, unknown> {
    const def = this.#table(objectName).def;
    const out: Record<string, unknown> = {};
    for (const definition of def.fields) out[definition.name] = formatValue(definition, record[definition.name]);
    return out;
  }

  // --- the test handle: reads and writes as a person in the Salesforce UI would ----------------------------------

  /** The live (not deleted) records of an object in their REST form, in creation order. */
  records(objectName: string): Array<Record<string, unknown>> {
    return this.rows(objectName)
      .filter((row) => row.IsDeleted !== true)
      .map((row) => this.render(objectName, row));
  }

  /** One live record in its REST form, or undefined. */
  record(objectName: string, id: string): Record<string, unknown> | undefined {
    const row = this.get(objectName, id);
    return row && row.IsDeleted !== true ? this.render(objectName, row) : undefined;
  }

  /** Creates a record through the same validation as the API (throws RecordWriteError when refused). */
  insert(objectName: string, fields: Record<string, unknown>, options: { asUserId?: string } = {}): string {
    const [result] = this.save([{ operation: 'create', object: objectName, fields }], {
      allOrNone: true,
      actorId: options.asUserId ?? this.adminUserId,
    });
    return throwOnFailure(result);
  }

  /** Changes a record as a user would (SystemModstamp and LastModifiedDate move); throws RecordWriteError if refused. */
  update(objectName: string, id: string, fields: Record<string, unknown>, options: { asUserId?: string } = {}): void {
    const [result] = this.save([{ operation: 'update', object: objectName, id, fields }], {
      allOrNone: true,
      actorId: options.asUserId ?? this.adminUserId,
    });
    throwOnFailure(result);
  }

  /** Deletes a record (to the recycle bin). */
  remove(id: string, options: { asUserId?: string } = {}): void {
    const [result] = this.delete([id], { allOrNone: true, actorId: options.asUserId ?? this.adminUserId });
    throwOnFailure(result);
  }

  // --- validation rules and locks ------------------------------------------------------------------------------

  setValidationRule(rule: ValidationRule): void {
    if (!this.object(rule.object)) throw new Error(`validation rule ${rule.name}: no object ${rule.object}`);
    this.#rules.set(`${rule.object.toLowerCase()}.${rule.name.toLowerCase()}`, rule);
  }

  setValidationRuleActive(name: string, active: boolean): void {
    const rule = [...this.#rules.values()].find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!rule) throw new Error(`no validation rule named ${name}`);
    rule.active = active;
  }

  validationRules(): readonly ValidationRule[] {
    return [...this.#rules.values()];
  }

  /** The next `times` writes (update, delete) of these records fail with UNABLE_TO_LOCK_ROW. */
  lockRows(ids: readonly string[], times = Number.POSITIVE_INFINITY): void {
    for (const id of ids) {
      const id18 = normalizeId(id);
      if (id18) this.#locks.set(id18, times);
    }
  }

  unlockRows(ids?: readonly string[]): void {
    if (!ids) {
      this.#locks.clear();
      return;
    }
    for (const id of ids) {
      const id18 = normalizeId(id);
      if (id18) this.#locks.delete(id18);
    }
  }

  /** Consumes one lock of the record, if it has one. */
  #locked(id: string): boolean {
    const remaining = this.#locks.get(id);
    if (remaining === undefined) return false;
    if (remaining <= 1) this.#locks.delete(id);
    else this.#locks.set(id, remaining - 1);
    return true;
  }

  // --- writes --------------------------------------------------------------------------------------------------

  /**
   * Saves records in order. Every request is validated first; with `allOrNone`, one failure rolls back the rest (they
   * answer ALL_OR_NONE_OPERATION_ROLLED_BACK), without it the valid ones are saved. Whole-request problems (a field
   * the object does not have, a value JSON cannot turn into the field's type) throw a SalesforceHttpError.
   */
  save(requests: readonly SaveRequest[], options: { allOrNone: boolean; actorId: string }): SaveResult[] {
    const prepared: Array<PreparedWrite | RecordError[]> = [];
    const claimed = new Map<string, string>();
    const updating = new Set<string>();
    for (const request of requests) {
      const id = request.operation === 'update' ? normalizeId(request.id ?? '') : undefined;
      if (id && updating.has(id)) {
        prepared.push([duplicateId(id)]);
        continue;
      }
      if (id) updating.add(id);
      prepared.push(this.#prepare(request, options.actorId, claimed));
    }
    const failed = prepared.some((entry) => Array.isArray(entry));
    if (options.allOrNone && failed) {
      return prepared.map((entry, index) => {
        const upsert = requests[index]?.operation === 'upsert';
        if (Array.isArray(entry)) return { success: false, errors: entry, ...(upsert ? { created: false } : {}) };
        const id = entry.previous?.Id;
        return {
          ...(id ? { id } : {}),
          success: false,
          errors: [{ ...ALL_OR_NONE_ROLLED_BACK }],
          ...(upsert ? { created: false } : {}),
        };
      });
    }
    const now = toSeconds(this.clock.now());
    return prepared.map((entry, index) => {
      const request = requests[index];
      const upsert = request?.operation === 'upsert';
      if (Array.isArray(entry)) {
        const id = request?.operation === 'update' && request.id ? normalizeId(request.id) : undefined;
        return { ...(id ? { id } : {}), success: false, errors: entry, ...(upsert ? { created: false } : {}) };
      }
      const id = this.#commit(entry, now, options.actorId);
      return { id, success: true, errors: [], ...(upsert ? { created: entry.create } : {}) };
    });
  }

  /** Soft-deletes records (IsDeleted = true, kept for queryAll and getDeleted); master-detail children go too. */
  delete(ids: readonly string[], options: { allOrNone: boolean; actorId: string }): SaveResult[] {
    const seen = new Set<string>();
    const checked = ids.map((raw): { id: string; table: Table } | SaveResult => {
      const id = normalizeId(raw);
      if (!id) return { success: false, errors: [recordError('MALFORMED_ID', `malformed id ${raw}`)] };
      if (seen.has(id)) return { id, success: false, errors: [duplicateId(id)] };
      seen.add(id);
      const table = this.#byPrefix.get(id.slice(0, 3));
      const record = table?.byId.get(id);
      if (!table || !record) {
        return {
          id,
          success: false,
          errors: [recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')],
        };
      }
      if (record.IsDeleted === true) {
        return { id, success: false, errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
      }
      if (!table.def.deletable) {
        return {
          id,
          success: false,
          errors: [recordError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')],
        };
      }
      if (this.#locked(id)) return { id, success: false, errors: [lockError(id)] };
      return { id, table };
    });
    const failed = checked.some((entry) => 'success' in entry);
    if (options.allOrNone && failed) {
      return checked.map((entry) =>
        'success' in entry ? entry : { id: entry.id, success: false, errors: [{ ...ALL_OR_NONE_ROLLED_BACK }] },
      );
    }
    const now = toSeconds(this.clock.now());
    this.#softDelete(
      checked.filter((entry): entry is { id: string; table: Table } => !('success' in entry)),
      now,
      options.actorId,
    );
    return checked.map((entry) => ('success' in entry ? entry : { id: entry.id, success: true, errors: [] }));
  }

  /** A system change (a trigger, a recalculation): SystemModstamp moves, nothing else does. */
  touch(objectName: string, id: string): string {
    const record = this.get(objectName, id);
    if (!record || record.IsDeleted === true) throw new Error(`no ${objectName} ${id}`);
    record.SystemModstamp = toSeconds(this.clock.now());
    return formatDateTime(record.SystemModstamp);
  }

  /**
   * Rows adopted as they are, without validation or audit defaults beyond the obvious (seeding): the caller gives
   * datetimes as epoch ms. Missing audit fields are filled from the clock.
   */
  load(objectName: string, rows: ReadonlyArray<Record<string, StoredValue>>): void {
    const table = this.#table(objectName);
    const now = toSeconds(this.clock.now());
    const def = table.def;
    const hasOwner = def.field('OwnerId') !== undefined;
    const hasDeleted = def.field('IsDeleted') !== undefined;
    for (const row of rows) {
      const id = typeof row.Id === 'string' ? normalizeId(row.Id) : undefined;
      const record = { ...row, Id: id ?? this.ids.next(def.keyPrefix) } as StoredRecord;
      record.CreatedDate ??= now;
      record.LastModifiedDate ??= record.CreatedDate;
      record.SystemModstamp ??= record.LastModifiedDate;
      record.CreatedById ??= this.adminUserId || null;
      record.LastModifiedById ??= record.CreatedById;
      if (hasOwner) record.OwnerId ??= this.adminUserId || null;
      if (hasDeleted) record.IsDeleted ??= false;
      table.byId.set(record.Id, record);
      table.rows.push(record);
    }
  }

  #table(objectName: string): Table {
    const table = this.#tables.get(objectName.toLowerCase());
    if (!table) throw new Error(`no sObject ${objectName} in the org`);
    return table;
  }

  #prepare(request: SaveRequest, actorId: string, claimed: Map<string, string>): PreparedWrite | RecordError[] {
    const table = this.#tables.get(request.object.toLowerCase());
    if (!table) {
      throw apiError(
        400,
        'INVALID_TYPE',
        `sObject type '${request.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    const def = table.def;
    let previous: StoredRecord | undefined;
    let create = request.operation === 'create';
    const fields = { ...request.fields };
    delete fields.attributes;
    if (request.operation === 'update') {
      const id = normalizeId(request.id ?? '');
      if (!request.id) return [recordError('MISSING_ARGUMENT', 'Id not specified in an update call')];
      if (!id) return [recordError('MALFORMED_ID', `malformed id ${request.id}`)];
      previous = table.byId.get(id);
      if (!previous) return [recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')];
      if (previous.IsDeleted === true) return [recordError('ENTITY_IS_DELETED', 'entity is deleted')];
      if (!def.updateable)
        return [recordError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')];
      delete fields.Id;
      delete fields.id;
    } else if (request.operation === 'upsert') {
      const keyField = def.field(request.externalIdField ?? '');
      if (!keyField || (!keyField.externalId && keyField.type !== 'id')) {
        throw apiError(
          404,
          'NOT_FOUND',
          `Provided external ID field does not exist or is not accessible: ${request.externalIdField}`,
        );
      }
      const value = request.id ?? fields[keyField.name];
      if (value === undefined || value === null || value === '') {
        return [recordError('MISSING_ARGUMENT', `${keyField.name} not specified`, [keyField.name])];
      }
      const existing =
        keyField.type === 'id'
          ? table.byId.get(normalizeId(String(value)) ?? '')
          : this.#findUnique(table, keyField, String(value));
      delete fields[keyField.name];
      if (existing && existing.IsDeleted !== true) {
        previous = existing;
        create = false;
      } else {
        create = true;
        if (keyField.type !== 'id') fields[keyField.name] = value;
      }
    } else {
      if (!def.createable)
        return [recordError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')];
      if (fields.Id !== undefined || fields.id !== undefined) {
        return [recordError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id'])];
      }
    }

    const recordErrors: RecordError[] = [];
    const next: Record<string, StoredValue> = previous ? { ...previous } : {};
    const explicit = new Set<string>();
    const readOnly: string[] = [];
    for (const [key, value] of Object.entries(fields)) {
      const definition = def.field(key);
      if (!definition) {
        throw apiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`);
      }
      if (create ? !definition.createable : !definition.updateable) {
        readOnly.push(definition.name);
        continue;
      }
      const coerced = coerceValue(definition, value);
      if (!coerced.ok) {
        recordErrors.push(coerced.error);
        continue;
      }
      next[definition.name] = coerced.value;
      explicit.add(definition.name);
    }
    if (readOnly.length > 0) {
      recordErrors.push(
        recordError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          readOnly,
        ),
      );
    }
    if (recordErrors.length > 0) return recordErrors;

    if (create) {
      for (const definition of def.fields) {
        if (
          next[definition.name] === undefined &&
          definition.defaultedOnCreate &&
          !AUDIT_FIELDS.has(definition.name.toLowerCase())
        ) {
          if (definition.name === 'OwnerId') next.OwnerId = actorId;
          else if (definition.defaultValue !== null && definition.defaultValue !== undefined) {
            next[definition.name] = definition.defaultValue as StoredValue;
          }
        }
      }
    }
    this.#calculate(def, next, explicit);

    const missing = def.fields
      .filter(
        (definition) =>
          !definition.nillable &&
          (create ? definition.createable : definition.updateable) &&
          !definition.defaultedOnCreate &&
          (next[definition.name] === null || next[definition.name] === undefined),
      )
      .map((definition) => definition.name);
    if (missing.length > 0) {
      return [recordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)];
    }

    for (const name of explicit) {
      const definition = def.field(name);
      const value = next[name];
      if (!definition || value === null || value === undefined) continue;
      if (definition.type === 'reference') {
        const problem = this.#checkReference(definition, String(value));
        if (problem) recordErrors.push(problem);
      }
      if (definition.unique || definition.externalId) {
        const problem = this.#checkUnique(table, definition, String(value), previous?.Id, claimed);
        if (problem) recordErrors.push(problem);
      }
    }
    if (recordErrors.length > 0) return recordErrors;

    const view = this.#view(def, next);
    const before = previous ? this.#view(def, previous) : undefined;
    for (const rule of this.#rules.values()) {
      if (!rule.active || rule.object.toLowerCase() !== def.name.toLowerCase()) continue;
      if (rule.condition(view, before)) {
        recordErrors.push(
          recordError(
            'FIELD_CUSTOM_VALIDATION_EXCEPTION',
            rule.message,
            rule.errorDisplayField ? [rule.errorDisplayField] : [],
          ),
        );
      }
    }
    if (recordErrors.length > 0) return recordErrors;
    if (previous && this.#locked(previous.Id)) return [lockError(previous.Id)];
    return { table, create, previous, next, explicit };
  }

  #commit(write: PreparedWrite, now: number, actorId: string): string {
    const { table, next } = write;
    if (write.create) {
      const id = this.ids.next(table.def.keyPrefix);
      const record = { ...next, Id: id } as StoredRecord;
      if (table.def.field('IsDeleted')) record.IsDeleted = false;
      record.CreatedDate = now;
      record.CreatedById = actorId;
      record.LastModifiedDate = now;
      record.LastModifiedById = actorId;
      record.SystemModstamp = now;
      for (const definition of table.def.fields) {
        if (definition.autoNumber) record[definition.name] = this.#nextAutoNumber(table.def, definition);
      }
      table.byId.set(id, record);
      table.rows.push(record);
      this.#indexUnique(table, record, undefined);
      return id;
    }
    const record = write.previous as StoredRecord;
    const before = { ...record };
    Object.assign(record, next);
    record.LastModifiedDate = now;
    record.LastModifiedById = actorId;
    record.SystemModstamp = now;
    this.#indexUnique(table, record, before);
    return record.Id;
  }

  /** Marks records deleted, then their master-detail children, one pass per child object and level. */
  #softDelete(entries: ReadonlyArray<{ table: Table; id: string }>, now: number, actorId: string): void {
    let level = new Map<string, Set<string>>();
    const mark = (table: Table, id: string) => {
      const record = table.byId.get(id);
      if (!record || record.IsDeleted === true) return;
      record.IsDeleted = true;
      record.SystemModstamp = now;
      record.LastModifiedById = actorId;
      table.deleted.push({ id, deletedDate: now });
      const ids = level.get(table.def.name) ?? new Set<string>();
      ids.add(id);
      level.set(table.def.name, ids);
    };
    for (const entry of entries) mark(entry.table, entry.id);
    while (level.size > 0) {
      const parents = level;
      level = new Map();
      for (const other of this.#tables.values()) {
        for (const definition of other.def.fields) {
          if (!definition.cascadeDelete) continue;
          const ids = parents.get(definition.referenceTo[0] ?? '');
          if (!ids) continue;
          for (const child of other.rows) {
            const parent = child[definition.name];
            if (child.IsDeleted !== true && typeof parent === 'string' && ids.has(parent)) mark(other, child.Id);
          }
        }
      }
    }
  }

  /** IsClosed/IsWon/forecast/probability follow the stage; a user's Name is first + last. */
  #calculate(def: SObjectDef, next: Record<string, StoredValue>, explicit: Set<string>): void {
    if (def.name === 'Opportunity' && explicit.has('StageName')) {
      const stage = this.stage(String(next.StageName));
      if (stage) {
        next.IsClosed = stage.isClosed;
        next.IsWon = stage.isWon;
        if (!explicit.has('ForecastCategoryName')) next.ForecastCategoryName = stage.forecastCategory;
        if (!explicit.has('Probability')) next.Probability = stage.probability;
      }
    }
    if (def.name === 'User' && (explicit.has('FirstName') || explicit.has('LastName'))) {
      next.Name = [next.FirstName, next.LastName].filter((part) => typeof part === 'string' && part !== '').join(' ');
    }
  }

  /** `PLOP-{0000}` → `PLOP-0001`, `PLOP-0002`, … per object and field. */
  #nextAutoNumber(def: SObjectDef, definition: FieldDef): string {
    const key = `${def.name}.${definition.name}`;
    const next = (this.#autoNumbers.get(key) ?? 0) + 1;
    this.#autoNumbers.set(key, next);
    const format = definition.displayFormat ?? '{0}';
    return format.replace(/\{(0+)\}/, (_match, zeros: string) => String(next).padStart(zeros.length, '0'));
  }

  #checkReference(definition: FieldDef, id: string): RecordError | undefined {
    const target = this.#byPrefix.get(id.slice(0, 3));
    if (!target || !definition.referenceTo.includes(target.def.name)) {
      return recordError('FIELD_INTEGRITY_EXCEPTION', `${definition.label}: id value of incorrect type: ${id}`, [
        definition.name,
      ]);
    }
    const record = target.byId.get(id);
    if (!record) return recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [definition.name]);
    if (record.IsDeleted === true) return recordError('ENTITY_IS_DELETED', 'entity is deleted', [definition.name]);
    return undefined;
  }

  #uniqueIndex(table: Table, definition: FieldDef): Map<string, string> {
    const key = `${table.def.name.toLowerCase()}.${definition.name.toLowerCase()}`;
    let index = this.#uniqueIndexes.get(key);
    if (!index) {
      index = new Map();
      for (const row of table.rows) {
        const value = row[definition.name];
        if (row.IsDeleted !== true && value !== null && value !== undefined)
          index.set(String(value).toLowerCase(), row.Id);
      }
      this.#uniqueIndexes.set(key, index);
    }
    return index;
  }

  #findUnique(table: Table, definition: FieldDef, value: string): StoredRecord | undefined {
    const id = this.#uniqueIndex(table, definition).get(value.toLowerCase());
    return id ? table.byId.get(id) : undefined;
  }

  #checkUnique(
    table: Table,
    definition: FieldDef,
    value: string,
    selfId: string | undefined,
    claimed: Map<string, string>,
  ): RecordError | undefined {
    if (!definition.unique) return undefined;
    const owner = this.#uniqueIndex(table, definition).get(value.toLowerCase());
    const claimKey = `${table.def.name}.${definition.name}.${value.toLowerCase()}`;
    const claimedBy = claimed.get(claimKey);
    if ((owner && owner !== selfId) || (claimedBy !== undefined && claimedBy !== (selfId ?? ''))) {
      return recordError(
        'DUPLICATE_VALUE',
        `duplicate value found: ${definition.name} duplicates value on record with id: ${owner ?? 'this request'}`,
        [definition.name],
      );
    }
    claimed.set(claimKey, selfId ?? '');
    return undefined;
  }

  #indexUnique(table: Table, record: StoredRecord, before: StoredRecord | undefined): void {
    for (const definition of table.def.fields) {
      if (!definition.unique && !definition.externalId) continue;
      const index = this.#uniqueIndexes.get(`${table.def.name.toLowerCase()}.${definition.name.toLowerCase()}`);
      if (!index) continue;
      const old = before?.[definition.name];
      if (old !== null && old !== undefined) index.delete(String(old).toLowerCase());
      const value = record[definition.name];
      if (value !== null && value !== undefined) index.set(String(value).toLowerCase(), record.Id);
    }
  }

  #view(def: SObjectDef, record: Record<string, StoredValue>): RestRecord {
    const out: Record<string, unknown> = {};
    for (const definition of def.fields)
      out[definition.name] = formatValue(definition, record[definition.name] ?? null);
    return out;
  }
}

/**
 * Salesforce keeps datetimes to the second (the API always answers `.000`), so two writes in one second share a
 * SystemModstamp — the reason an incremental read needs an overlap (`>=` the checkpoint, or a margin).
 */
export function toSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** The same record twice in one call (sandbox wording; Salesforce refuses duplicate ids in a DML list). */
function duplicateId(id: string): RecordError {
  return recordError('INVALID_ID_FIELD', `Duplicate id in list: ${id}`);
}

function lockError(id: string): RecordError {
  return recordError('UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or 1 records: ${id}`);
}

/** Throws the record's errors (the test handle's writes). */
export function throwOnFailure(result: SaveResult | undefined): string {
  if (!result) throw new Error('no save result');
  if (!result.success || !result.id) throw new RecordWriteError(result.errors);
  return result.id;
}
