import {
  CHILD_TO_PARENT_COMPANY,
  COMPANY_TO_COMPANY_UNLABELED,
  COMPANY_TO_DEAL_PRIMARY,
  COMPANY_TO_DEAL_UNLABELED,
  DEAL_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY_UNLABELED,
  type DemoOwner,
  type DemoPipeline,
  type DemoPortal,
  demoCustomGroups,
  demoCustomProperties,
  PARENT_TO_CHILD_COMPANY,
  PARTNER_ROLE_LABELS,
} from '../demo/demo-portal.ts';
import type { Clock } from '../kit/clock.ts';
import {
  conflictError,
  notFoundError,
  type PropertyProblem,
  propertyValuesError,
  SandboxHttpError,
  validationError,
} from './errors.ts';
import {
  builtInCompanyProperties,
  builtInDealProperties,
  builtInGroups,
  type CrmObjectType,
  type PropertyDefinition,
  type PropertyGroupDefinition,
} from './properties.ts';
import { portalUsers, type SandboxUser } from './users.ts';

/**
 * One HubSpot account (portal) held in memory: records, property definitions, pipelines, owners, association labels
 * and associations. Every write goes through here, is validated the way HubSpot validates it, keeps the calculated
 * properties (`hs_lastmodifieddate`, `hs_is_closed*`, `hs_merged_object_ids`) right, and reports a change event
 * that the webhook dispatcher turns into HubSpot webhook batches.
 */

export interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

/** Who made a change, as webhooks report it (`changeSource`, `sourceId`). */
export interface ChangeActor {
  changeSource: string;
  sourceId: string;
}

export type PortalChange =
  | { kind: 'creation'; objectType: CrmObjectType; objectId: string; actor: ChangeActor; at: number }
  | { kind: 'deletion'; objectType: CrmObjectType; objectId: string; actor: ChangeActor; at: number }
  | {
      kind: 'propertyChange';
      objectType: CrmObjectType;
      objectId: string;
      propertyName: string;
      propertyValue: string;
      actor: ChangeActor;
      at: number;
    }
  | {
      kind: 'merge';
      objectType: CrmObjectType;
      primaryObjectId: string;
      mergedObjectIds: string[];
      newObjectId: string;
      numberOfPropertiesMoved: number;
      actor: ChangeActor;
      at: number;
    }
  | {
      kind: 'associationChange';
      fromType: CrmObjectType;
      fromId: string;
      toType: CrmObjectType;
      toId: string;
      typeId: number;
      category: AssociationCategory;
      removed: boolean;
      isPrimary: boolean;
      actor: ChangeActor;
      at: number;
    };

export type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED';

export interface AssociationTypeDefinition {
  fromType: CrmObjectType;
  toType: CrmObjectType;
  typeId: number;
  category: AssociationCategory;
  /** Null for the unlabeled default association. */
  label: string | null;
  name: string | null;
  inverseTypeId: number;
}

type PropertyInput = Readonly<Record<string, unknown>>;

class ObjectTable {
  readonly records = new Map<string, StoredRecord>();
  /** Numeric ids in ascending order; list paging walks it with a binary search. Never shrinks (merged ids stay). */
  readonly order: number[] = [];
  /** Merged-away id → survivor id. */
  readonly aliases = new Map<string, string>();
  readonly definitions = new Map<string, PropertyDefinition>();
  readonly groups = new Map<string, PropertyGroupDefinition>();
  /** Lazily built value → id maps for properties with unique values. */
  readonly uniqueIndexes = new Map<string, Map<string, string>>();

  constructor(public nextId: number) {}

  add(record: StoredRecord): void {
    this.records.set(record.id, record);
    const numeric = Number(record.id);
    const last = this.order[this.order.length - 1];
    if (last === undefined || numeric > last) this.order.push(numeric);
    else this.order.splice(lowerBound(this.order, numeric), 0, numeric);
    if (numeric >= this.nextId) this.nextId = numeric + 1;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] ?? 0) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

const pairKey = (from: CrmObjectType, to: CrmObjectType) => `${from}->${to}`;

export interface PortalOptions {
  portalId: number;
  hubDomain?: string;
  clock: Clock;
  /** Seed data; without it the portal starts empty (with HubSpot's built-in definitions only). */
  demo?: DemoPortal;
}

export class SandboxPortal {
  readonly portalId: number;
  readonly hubDomain: string;
  readonly pipelines: DemoPipeline[];
  readonly owners: DemoOwner[];
  /** Users of the portal (Settings API): the installing super admin, and the demo's sellers. Tests may add more. */
  readonly users: Map<string, SandboxUser>;
  private readonly tables: Record<CrmObjectType, ObjectTable>;
  private readonly associationTypes = new Map<string, Map<number, AssociationTypeDefinition>>();
  /** pairKey → fromId → toId → type ids. Both directions are stored. */
  private readonly associations = new Map<string, Map<string, Map<string, Set<number>>>>();
  private nextLabelTypeId = 1000;
  private readonly listeners = new Set<(change: PortalChange) => void>();

  constructor(private readonly options: PortalOptions) {
    this.portalId = options.portalId;
    this.hubDomain = options.hubDomain ?? `demo-${options.portalId}.hubspot.example`;
    this.tables = { deals: new ObjectTable(30_000_000_001), companies: new ObjectTable(20_000_000_001) };
    for (const definition of builtInDealProperties()) this.tables.deals.definitions.set(definition.name, definition);
    for (const definition of builtInCompanyProperties())
      this.tables.companies.definitions.set(definition.name, definition);
    for (const type of ['deals', 'companies'] as const) {
      for (const group of builtInGroups(type)) this.tables[type].groups.set(group.name, group);
    }
    this.defineAssociationType({
      fromType: 'deals',
      toType: 'companies',
      typeId: DEAL_TO_COMPANY_UNLABELED,
      category: 'HUBSPOT_DEFINED',
      label: null,
      name: null,
      inverseTypeId: COMPANY_TO_DEAL_UNLABELED,
    });
    this.defineAssociationType({
      fromType: 'deals',
      toType: 'companies',
      typeId: DEAL_TO_COMPANY_PRIMARY,
      category: 'HUBSPOT_DEFINED',
      label: 'Primary',
      name: 'deal_to_company',
      inverseTypeId: COMPANY_TO_DEAL_PRIMARY,
    });
    this.defineAssociationType({
      fromType: 'companies',
      toType: 'deals',
      typeId: COMPANY_TO_DEAL_UNLABELED,
      category: 'HUBSPOT_DEFINED',
      label: null,
      name: null,
      inverseTypeId: DEAL_TO_COMPANY_UNLABELED,
    });
    this.defineAssociationType({
      fromType: 'companies',
      toType: 'deals',
      typeId: COMPANY_TO_DEAL_PRIMARY,
      category: 'HUBSPOT_DEFINED',
      label: 'Primary',
      name: 'company_to_deal',
      inverseTypeId: DEAL_TO_COMPANY_PRIMARY,
    });
    // Company↔company: the unlabeled link (one id both ways) and the parent/child pair HubSpot defines.
    for (const [typeId, label, name, inverseTypeId] of [
      [COMPANY_TO_COMPANY_UNLABELED, null, null, COMPANY_TO_COMPANY_UNLABELED],
      [PARENT_TO_CHILD_COMPANY, 'Child Company', 'parent_to_child_company', CHILD_TO_PARENT_COMPANY],
      [CHILD_TO_PARENT_COMPANY, 'Parent Company', 'child_to_parent_company', PARENT_TO_CHILD_COMPANY],
    ] as const) {
      this.defineAssociationType({
        fromType: 'companies',
        toType: 'companies',
        typeId,
        category: 'HUBSPOT_DEFINED',
        label,
        name,
        inverseTypeId,
      });
    }

    const demo = options.demo;
    this.pipelines = demo ? demo.pipelines.map((pipeline) => ({ ...pipeline, stages: [...pipeline.stages] })) : [];
    this.owners = demo ? [...demo.owners] : [];
    this.users = portalUsers(this.owners);
    if (demo) this.loadDemo(demo);
  }

  private loadDemo(demo: DemoPortal): void {
    const custom = demoCustomProperties();
    const groups = demoCustomGroups();
    for (const type of ['deals', 'companies'] as const) {
      for (const group of groups[type]) this.tables[type].groups.set(group.name, group);
      for (const definition of custom[type]) this.tables[type].definitions.set(definition.name, definition);
    }
    for (const entry of PARTNER_ROLE_LABELS) {
      for (const [fromType, toType] of [
        ['deals', 'companies'],
        ['companies', 'deals'],
      ] as const) {
        this.defineAssociationType({
          fromType,
          toType,
          typeId: entry.typeId,
          category: 'USER_DEFINED',
          label: entry.label,
          name: entry.name,
          inverseTypeId: entry.typeId,
        });
      }
      this.nextLabelTypeId = Math.max(this.nextLabelTypeId, entry.typeId + 1);
    }
    // Seed records are adopted as they are (no copy): a 100k-deal portal loads in milliseconds.
    for (const record of demo.companies) this.tables.companies.add({ ...record, archived: false });
    for (const record of demo.deals) this.tables.deals.add({ ...record, archived: false });
    for (const association of demo.associations) {
      this.linkTypes('deals', association.dealId, 'companies', association.companyId, association.typeIds);
    }
  }

  // --- change events ------------------------------------------------------------------------------------------

  onChange(listener: (change: PortalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: PortalChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private now(): number {
    return this.options.clock.now();
  }

  // --- definitions --------------------------------------------------------------------------------------------

  definitions(type: CrmObjectType): ReadonlyMap<string, PropertyDefinition> {
    return this.tables[type].definitions;
  }

  groups(type: CrmObjectType): ReadonlyMap<string, PropertyGroupDefinition> {
    return this.tables[type].groups;
  }

  createProperty(type: CrmObjectType, definition: PropertyDefinition): PropertyDefinition {
    const table = this.tables[type];
    const existing = table.definitions.get(definition.name);
    if (existing && !existing.archived) {
      throw new SandboxHttpError(409, {
        message: `A property named '${definition.name}' already exists.`,
        category: 'OBJECT_ALREADY_EXISTS',
        context: { name: [definition.name] },
      });
    }
    if (!table.groups.has(definition.groupName)) {
      throw validationError(`Property group '${definition.groupName}' does not exist.`);
    }
    if (!/^[a-z][a-z0-9_]*$/.test(definition.name)) {
      throw validationError(
        `Property name '${definition.name}' must start with a letter and contain only lower-case letters, digits and underscores.`,
      );
    }
    table.definitions.set(definition.name, definition);
    return definition;
  }

  updateProperty(type: CrmObjectType, name: string, patch: Partial<PropertyDefinition>): PropertyDefinition {
    const definition = this.requireProperty(type, name);
    if (definition.hubspotDefined && (patch.type || patch.fieldType)) {
      throw validationError(`Property '${name}' is defined by HubSpot; its type cannot change.`);
    }
    Object.assign(definition, patch, { updatedAt: this.now() });
    return definition;
  }

  archiveProperty(type: CrmObjectType, name: string): void {
    const definition = this.requireProperty(type, name);
    if (definition.hubspotDefined)
      throw validationError(`Property '${name}' is defined by HubSpot and cannot be archived.`);
    definition.archived = true;
    definition.updatedAt = this.now();
  }

  requireProperty(type: CrmObjectType, name: string): PropertyDefinition {
    const definition = this.tables[type].definitions.get(name);
    if (!definition || definition.archived) throw notFoundError(`Unable to find property ${name}`, { name: [name] });
    return definition;
  }

  createGroup(type: CrmObjectType, group: PropertyGroupDefinition): PropertyGroupDefinition {
    const table = this.tables[type];
    const existing = table.groups.get(group.name);
    if (existing && !existing.archived) {
      throw new SandboxHttpError(409, {
        message: `A property group named '${group.name}' already exists.`,
        category: 'OBJECT_ALREADY_EXISTS',
      });
    }
    table.groups.set(group.name, group);
    return group;
  }

  updateGroup(type: CrmObjectType, name: string, patch: Partial<PropertyGroupDefinition>): PropertyGroupDefinition {
    const group = this.requireGroup(type, name);
    if (patch.label !== undefined) group.label = patch.label;
    if (patch.displayOrder !== undefined) group.displayOrder = patch.displayOrder;
    return group;
  }

  archiveGroup(type: CrmObjectType, name: string): void {
    this.requireGroup(type, name).archived = true;
  }

  requireGroup(type: CrmObjectType, name: string): PropertyGroupDefinition {
    const group = this.tables[type].groups.get(name);
    if (!group || group.archived) throw notFoundError(`Unable to find property group ${name}`);
    return group;
  }

  // --- records ------------------------------------------------------------------------------------------------

  /** Follows merge aliases; undefined when the id never existed. Archived records are returned (callers decide). */
  resolve(type: CrmObjectType, id: string): StoredRecord | undefined {
    const table = this.tables[type];
    let current = id;
    for (let hops = 0; hops < 32; hops++) {
      const record = table.records.get(current);
      if (record) return record;
      const next = table.aliases.get(current);
      if (!next) return undefined;
      current = next;
    }
    return undefined;
  }

  /** A live (not archived) record by id or by a unique-value property; throws HubSpot's 404. */
  require(type: CrmObjectType, id: string, idProperty?: string, archived = false): StoredRecord {
    const record =
      idProperty && idProperty !== 'hs_object_id' ? this.findByUnique(type, idProperty, id) : this.resolve(type, id);
    if (!record || record.archived !== archived) throw notFoundError('resource not found', { id: [id] });
    return record;
  }

  findByUnique(type: CrmObjectType, propertyName: string, value: string): StoredRecord | undefined {
    const definition = this.tables[type].definitions.get(propertyName);
    if (!definition || definition.archived) throw validationError(`Property ${propertyName} does not exist`);
    if (!definition.hasUniqueValue) {
      throw validationError(`Property ${propertyName} is not a unique value property and cannot be used as idProperty`);
    }
    if (propertyName === 'hs_object_id') return this.resolve(type, value);
    const id = this.uniqueIndex(type, propertyName).get(value);
    const record = id === undefined ? undefined : this.tables[type].records.get(id);
    return record && !record.archived ? record : undefined;
  }

  private uniqueIndex(type: CrmObjectType, propertyName: string): Map<string, string> {
    const table = this.tables[type];
    let index = table.uniqueIndexes.get(propertyName);
    if (!index) {
      index = new Map();
      for (const record of table.records.values()) {
        const value = record.properties[propertyName];
        if (value !== undefined && !record.archived) index.set(value, record.id);
      }
      table.uniqueIndexes.set(propertyName, index);
    }
    return index;
  }

  records(type: CrmObjectType): IterableIterator<StoredRecord> {
    return this.tables[type].records.values();
  }

  count(type: CrmObjectType): number {
    return this.tables[type].records.size;
  }

  /** One page of a list: ids ascending, `after` = the id to start from (HubSpot's list cursor is the next id). */
  listPage(
    type: CrmObjectType,
    after: string | undefined,
    limit: number,
    archived: boolean,
  ): { records: StoredRecord[]; nextAfter: string | undefined } {
    const table = this.tables[type];
    let index = 0;
    if (after !== undefined && after !== '') {
      const start = Number(after);
      if (!Number.isFinite(start)) throw validationError(`Invalid after value: ${after}`);
      index = lowerBound(table.order, start);
    }
    const records: StoredRecord[] = [];
    for (; index < table.order.length; index++) {
      const record = table.records.get(String(table.order[index]));
      if (!record || record.archived !== archived) continue;
      if (records.length === limit) return { records, nextAfter: record.id };
      records.push(record);
    }
    return { records, nextAfter: undefined };
  }

  /**
   * Checks and converts input values the way HubSpot does (strings; empty string clears; unknown, read-only or
   * invalid values are refused all together with one 400 listing each problem).
   */
  normalizeProperties(
    type: CrmObjectType,
    input: PropertyInput,
    context: { current?: StoredRecord; creating: boolean },
  ): Record<string, string | null> {
    const table = this.tables[type];
    const problems: PropertyProblem[] = [];
    const output: Record<string, string | null> = {};
    for (const [name, raw] of Object.entries(input)) {
      const definition = table.definitions.get(name);
      if (!definition || definition.archived) {
        problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
        continue;
      }
      if (definition.readOnlyValue && !(context.creating && name === 'createdate')) {
        problems.push({
          name,
          error: 'READ_ONLY_VALUE',
          message: `${name} is a read only property; its value cannot be set.`,
        });
        continue;
      }
      if (raw === null || raw === '') {
        output[name] = null;
        continue;
      }
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
        problems.push({ name, error: 'INVALID_PROPERTY_VALUE', message: `Property "${name}" must be a string value` });
        continue;
      }
      const value = String(raw);
      const problem = this.checkValue(type, definition, value, input, context.current);
      if (typeof problem === 'object') problems.push(problem);
      else output[name] = problem;
    }
    if (problems.length > 0) throw propertyValuesError(problems);
    return output;
  }

  /** Returns the normalized value, or the problem. */
  private checkValue(
    type: CrmObjectType,
    definition: PropertyDefinition,
    value: string,
    input: PropertyInput,
    current?: StoredRecord,
  ): string | PropertyProblem {
    const name = definition.name;
    switch (definition.type) {
      case 'number': {
        const number = Number(value);
        if (value.trim() === '' || !Number.isFinite(number)) {
          return { name, error: 'INVALID_FLOAT', message: `${value} was not a valid number.` };
        }
        return value.trim();
      }
      case 'bool':
        if (!['true', 'false'].includes(value.toLowerCase())) {
          return { name, error: 'INVALID_BOOLEAN', message: `${value} was not a valid boolean (true or false).` };
        }
        return value.toLowerCase();
      case 'date':
      case 'datetime': {
        const ms = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
        if (Number.isNaN(ms))
          return { name, error: 'INVALID_DATE', message: `${value} was not a valid date or timestamp.` };
        if (definition.type === 'date') {
          if (ms % 86_400_000 !== 0 && /^-?\d+$/.test(value)) {
            return {
              name,
              error: 'INVALID_DATE',
              message: `${value} is not midnight UTC; date properties take whole days.`,
            };
          }
          return new Date(ms).toISOString().slice(0, 10);
        }
        return new Date(ms).toISOString();
      }
      case 'enumeration': {
        if (type === 'deals' && name === 'dealstage') return this.checkStage(value, input, current);
        if (type === 'deals' && name === 'pipeline') {
          return this.pipelines.length === 0 || this.pipelines.some((pipeline) => pipeline.id === value)
            ? value
            : { name, error: 'INVALID_OPTION', message: `${value} is not a valid pipeline.` };
        }
        if (definition.options.length === 0) return value;
        const allowed = new Set(definition.options.map((option) => option.value));
        const parts = definition.fieldType === 'checkbox' ? value.split(';').filter(Boolean) : [value];
        const bad = parts.find((part) => !allowed.has(part));
        if (bad !== undefined) {
          return {
            name,
            error: 'INVALID_OPTION',
            message: `${bad} was not one of the allowed options: ${[...allowed].map((option) => `label: "${option}"`).join(', ')}`,
          };
        }
        return parts.join(';');
      }
      default:
        if (value.length > 65_536)
          return { name, error: 'INVALID_PROPERTY_VALUE', message: `${name} is longer than 65536 characters.` };
        return value;
    }
  }

  private checkStage(stage: string, input: PropertyInput, current?: StoredRecord): string | PropertyProblem {
    if (this.pipelines.length === 0) return stage;
    const pipelineId = String(input.pipeline ?? current?.properties.pipeline ?? 'default');
    const pipeline = this.pipelines.find((candidate) => candidate.id === pipelineId);
    if (!pipeline?.stages.some((candidate) => candidate.id === stage)) {
      return {
        name: 'dealstage',
        error: 'INVALID_OPTION',
        message: `${stage} is not a valid stage of pipeline ${pipelineId}.`,
      };
    }
    return stage;
  }

  private applyCalculated(type: CrmObjectType, record: StoredRecord, at: number): void {
    record.properties.hs_lastmodifieddate = new Date(at).toISOString();
    record.updatedAt = at;
    if (type !== 'deals') return;
    const pipeline = this.pipelines.find((candidate) => candidate.id === (record.properties.pipeline ?? 'default'));
    const stage = pipeline?.stages.find((candidate) => candidate.id === record.properties.dealstage);
    if (stage) {
      record.properties.hs_is_closed = String(stage.isClosed);
      record.properties.hs_is_closed_won = String(stage.isWon);
    }
  }

  private checkUnique(type: CrmObjectType, values: Record<string, string | null>, selfId?: string): void {
    for (const [name, value] of Object.entries(values)) {
      if (value === null || name === 'hs_object_id') continue;
      if (!this.tables[type].definitions.get(name)?.hasUniqueValue) continue;
      const owner = this.uniqueIndex(type, name).get(value);
      if (owner !== undefined && owner !== selfId) {
        throw conflictError(
          `A record with the value '${value}' for the unique property '${name}' already exists (id ${owner}).`,
        );
      }
    }
  }

  private writeValues(type: CrmObjectType, record: StoredRecord, values: Record<string, string | null>): string[] {
    const changed: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const previous = record.properties[name];
      const index = this.tables[type].uniqueIndexes.get(name);
      if (value === null) {
        if (previous === undefined) continue;
        delete record.properties[name];
        if (index && index.get(previous) === record.id) index.delete(previous);
      } else {
        if (previous === value) continue;
        record.properties[name] = value;
        if (index) {
          if (previous !== undefined && index.get(previous) === record.id) index.delete(previous);
          index.set(value, record.id);
        }
      }
      changed.push(name);
    }
    return changed;
  }

  create(type: CrmObjectType, input: PropertyInput, actor: ChangeActor): StoredRecord {
    const values = this.normalizeProperties(type, input, { creating: true });
    this.checkUnique(type, values);
    const at = this.now();
    const table = this.tables[type];
    const id = String(table.nextId);
    const record: StoredRecord = { id, properties: {}, createdAt: at, updatedAt: at, archived: false };
    this.writeValues(type, record, values);
    if (type === 'deals') {
      record.properties.pipeline ??= this.pipelines[0]?.id ?? 'default';
    }
    record.properties.createdate ??= new Date(at).toISOString();
    record.properties.hs_object_id = id;
    this.applyCalculated(type, record, at);
    table.add(record);
    for (const [name, index] of table.uniqueIndexes) {
      const value = record.properties[name];
      if (value !== undefined) index.set(value, id);
    }
    this.emit({ kind: 'creation', objectType: type, objectId: id, actor, at });
    return record;
  }

  update(type: CrmObjectType, record: StoredRecord, input: PropertyInput, actor: ChangeActor): StoredRecord {
    const values = this.normalizeProperties(type, input, { current: record, creating: false });
    this.checkUnique(type, values, record.id);
    const at = this.now();
    const changed = this.writeValues(type, record, values);
    // HubSpot bumps the modification date on every accepted write, even one that changes nothing.
    this.applyCalculated(type, record, at);
    for (const propertyName of changed) {
      this.emit({
        kind: 'propertyChange',
        objectType: type,
        objectId: record.id,
        propertyName,
        propertyValue: record.properties[propertyName] ?? '',
        actor,
        at,
      });
    }
    return record;
  }

  archive(type: CrmObjectType, record: StoredRecord, actor: ChangeActor): void {
    if (record.archived) return;
    const at = this.now();
    record.archived = true;
    record.archivedAt = at;
    record.updatedAt = at;
    for (const index of this.tables[type].uniqueIndexes.values()) {
      for (const [value, id] of index) if (id === record.id) index.delete(value);
    }
    this.emit({ kind: 'deletion', objectType: type, objectId: record.id, actor, at });
  }

  /** Merges `mergedId` into `primaryId`: the primary keeps its id, fills its blanks, takes the associations. */
  merge(type: CrmObjectType, primaryId: string, mergedId: string, actor: ChangeActor): StoredRecord {
    const primary = this.require(type, primaryId);
    const merged = this.require(type, mergedId);
    if (primary.id === merged.id) throw validationError('Cannot merge an object with itself.');
    const at = this.now();
    const table = this.tables[type];
    let moved = 0;
    for (const [name, value] of Object.entries(merged.properties)) {
      if (['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'hs_merged_object_ids'].includes(name)) continue;
      if (primary.properties[name] === undefined || primary.properties[name] === '') {
        primary.properties[name] = value;
        moved++;
      }
    }
    const mergedIds = new Set((primary.properties.hs_merged_object_ids ?? '').split(';').filter(Boolean));
    for (const id of (merged.properties.hs_merged_object_ids ?? '').split(';').filter(Boolean)) mergedIds.add(id);
    mergedIds.add(merged.id);
    primary.properties.hs_merged_object_ids = [...mergedIds].join(';');
    // Older records win on the create date: the merged record keeps the earliest one.
    if (merged.createdAt < primary.createdAt) {
      primary.createdAt = merged.createdAt;
      primary.properties.createdate = new Date(merged.createdAt).toISOString();
    }
    this.applyCalculated(type, primary, at);

    for (const toType of ['deals', 'companies'] as const) {
      const links = this.associations.get(pairKey(type, toType))?.get(merged.id);
      if (!links) continue;
      for (const [toId, typeIds] of [...links]) {
        this.unlinkAll(type, merged.id, toType, toId);
        if (toId === primary.id) continue;
        const keep = [...typeIds].filter(
          (typeId) => !this.isPrimaryType(type, toType, typeId) || !this.hasPrimary(type, primary.id, toType),
        );
        this.linkTypes(type, primary.id, toType, toId, keep);
      }
    }
    table.records.delete(merged.id);
    for (const index of table.uniqueIndexes.values()) {
      for (const [value, id] of index) if (id === merged.id) index.delete(value);
    }
    table.aliases.set(merged.id, primary.id);
    this.emit({
      kind: 'merge',
      objectType: type,
      primaryObjectId: primary.id,
      mergedObjectIds: [merged.id],
      newObjectId: primary.id,
      numberOfPropertiesMoved: moved,
      actor,
      at,
    });
    return primary;
  }

  // --- associations ------------------------------------------------------------------------------------------

  private defineAssociationType(definition: AssociationTypeDefinition): void {
    const key = pairKey(definition.fromType, definition.toType);
    let types = this.associationTypes.get(key);
    if (!types) {
      types = new Map();
      this.associationTypes.set(key, types);
    }
    types.set(definition.typeId, definition);
  }

  associationTypesOf(fromType: CrmObjectType, toType: CrmObjectType): AssociationTypeDefinition[] {
    return [...(this.associationTypes.get(pairKey(fromType, toType))?.values() ?? [])];
  }

  associationType(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    typeId: number,
  ): AssociationTypeDefinition | undefined {
    return this.associationTypes.get(pairKey(fromType, toType))?.get(typeId);
  }

  /** The unlabeled default type for a pair (341 deal→company, 342 company→deal). */
  defaultTypeId(fromType: CrmObjectType, toType: CrmObjectType): number {
    const unlabeled = this.associationTypesOf(fromType, toType).find(
      (type) => type.category === 'HUBSPOT_DEFINED' && type.label === null,
    );
    if (!unlabeled) throw validationError(`No association type exists between ${fromType} and ${toType}`);
    return unlabeled.typeId;
  }

  createLabel(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    input: { name: string; label: string; inverseLabel?: string | undefined },
  ): AssociationTypeDefinition[] {
    const existing = this.associationTypesOf(fromType, toType).find((type) => type.name === input.name);
    if (existing) throw conflictError(`An association label named '${input.name}' already exists.`);
    const typeId = this.nextLabelTypeId++;
    if (input.inverseLabel === undefined) {
      const created: AssociationTypeDefinition = {
        fromType,
        toType,
        typeId,
        category: 'USER_DEFINED',
        label: input.label,
        name: input.name,
        inverseTypeId: typeId,
      };
      this.defineAssociationType(created);
      if (fromType !== toType) this.defineAssociationType({ ...created, fromType: toType, toType: fromType });
      return [created];
    }
    const inverseTypeId = this.nextLabelTypeId++;
    const forward: AssociationTypeDefinition = {
      fromType,
      toType,
      typeId,
      category: 'USER_DEFINED',
      label: input.label,
      name: input.name,
      inverseTypeId,
    };
    const backward: AssociationTypeDefinition = {
      fromType: toType,
      toType: fromType,
      typeId: inverseTypeId,
      category: 'USER_DEFINED',
      label: input.inverseLabel,
      name: `${input.name}_inverse`,
      inverseTypeId: typeId,
    };
    this.defineAssociationType(forward);
    this.defineAssociationType(backward);
    return [forward, backward];
  }

  updateLabel(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    typeId: number,
    label: string,
    inverseLabel?: string,
  ): void {
    const type = this.associationType(fromType, toType, typeId);
    if (type?.category !== 'USER_DEFINED') throw notFoundError(`Association type ${typeId} not found`);
    type.label = label;
    const inverse = this.associationType(toType, fromType, type.inverseTypeId);
    if (inverse) inverse.label = inverseLabel ?? (inverse.typeId === typeId ? label : inverse.label);
  }

  deleteLabel(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): void {
    const type = this.associationType(fromType, toType, typeId);
    if (type?.category !== 'USER_DEFINED') throw notFoundError(`Association type ${typeId} not found`);
    for (const [key, types] of this.associationTypes) {
      if (key === pairKey(fromType, toType)) types.delete(typeId);
      if (key === pairKey(toType, fromType)) types.delete(type.inverseTypeId);
    }
    for (const links of [
      this.associations.get(pairKey(fromType, toType)),
      this.associations.get(pairKey(toType, fromType)),
    ]) {
      for (const targets of links?.values() ?? []) {
        for (const typeIds of targets.values()) {
          typeIds.delete(typeId);
          typeIds.delete(type.inverseTypeId);
        }
      }
    }
  }

  private isPrimaryType(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): boolean {
    const type = this.associationType(fromType, toType, typeId);
    return type?.category === 'HUBSPOT_DEFINED' && type.label === 'Primary';
  }

  private hasPrimary(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): boolean {
    for (const typeIds of this.associations.get(pairKey(fromType, toType))?.get(fromId)?.values() ?? []) {
      for (const typeId of typeIds) if (this.isPrimaryType(fromType, toType, typeId)) return true;
    }
    return false;
  }

  private targets(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    create: true,
  ): Map<string, Set<number>>;
  private targets(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    create: false,
  ): Map<string, Set<number>> | undefined;
  private targets(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, create: boolean) {
    const key = pairKey(fromType, toType);
    let byFrom = this.associations.get(key);
    if (!byFrom) {
      if (!create) return undefined;
      byFrom = new Map();
      this.associations.set(key, byFrom);
    }
    let targets = byFrom.get(fromId);
    if (!targets && create) {
      targets = new Map();
      byFrom.set(fromId, targets);
    }
    return targets;
  }

  /** Adds type ids in both directions without events (seeding, merges). Labeled types imply the unlabeled one. */
  private linkTypes(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeIds: readonly number[],
  ): number[] {
    const added: number[] = [];
    const forward = this.targets(fromType, fromId, toType, true);
    const backward = this.targets(toType, toId, fromType, true);
    let forwardSet = forward.get(toId);
    if (!forwardSet) {
      forwardSet = new Set();
      forward.set(toId, forwardSet);
    }
    let backwardSet = backward.get(fromId);
    if (!backwardSet) {
      backwardSet = new Set();
      backward.set(fromId, backwardSet);
    }
    const all = new Set(typeIds);
    if (typeIds.length > 0) all.add(this.defaultTypeId(fromType, toType));
    for (const typeId of all) {
      if (forwardSet.has(typeId)) continue;
      const type = this.associationType(fromType, toType, typeId);
      forwardSet.add(typeId);
      if (type) backwardSet.add(type.inverseTypeId);
      added.push(typeId);
    }
    return added;
  }

  private unlinkAll(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): number[] {
    const forward = this.targets(fromType, fromId, toType, false);
    const removed = [...(forward?.get(toId) ?? [])];
    forward?.delete(toId);
    this.targets(toType, toId, fromType, false)?.delete(fromId);
    return removed;
  }

  /** Associates two live records with the given types (checked), moving the primary flag when needed. */
  associate(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeIds: readonly number[],
    actor: ChangeActor,
  ): number[] {
    const from = this.require(fromType, fromId);
    const to = this.require(toType, toId);
    if (fromType === toType && from.id === to.id) throw validationError('A record cannot be associated with itself.');
    for (const typeId of typeIds) {
      if (!this.associationType(fromType, toType, typeId)) {
        throw validationError(`${typeId} is not a valid association type id between ${fromType} and ${toType}`);
      }
    }
    const at = this.now();
    for (const typeId of typeIds) {
      if (!this.isPrimaryType(fromType, toType, typeId)) continue;
      // One primary company per deal (and the inverse): the previous primary loses the flag.
      for (const [otherId, otherTypes] of this.targets(fromType, from.id, toType, true)) {
        if (otherId === to.id || !otherTypes.has(typeId)) continue;
        this.removeTypes(fromType, from.id, toType, otherId, [typeId], actor, at);
      }
    }
    const added = this.linkTypes(fromType, from.id, toType, to.id, typeIds);
    for (const typeId of added) this.emitAssociation(fromType, from.id, toType, to.id, typeId, false, actor, at);
    return [...(this.targets(fromType, from.id, toType, true).get(to.id) ?? [])];
  }

  /** Removes some types; removing the unlabeled default removes the whole association (HubSpot's rule). */
  removeTypes(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeIds: readonly number[],
    actor: ChangeActor,
    at = this.now(),
  ): void {
    const defaultId = this.defaultTypeId(fromType, toType);
    if (typeIds.includes(defaultId)) {
      this.removeAll(fromType, fromId, toType, toId, actor, at);
      return;
    }
    const forward = this.targets(fromType, fromId, toType, false)?.get(toId);
    const backward = this.targets(toType, toId, fromType, false)?.get(fromId);
    for (const typeId of typeIds) {
      if (!forward?.delete(typeId)) continue;
      const type = this.associationType(fromType, toType, typeId);
      if (type) backward?.delete(type.inverseTypeId);
      this.emitAssociation(fromType, fromId, toType, toId, typeId, true, actor, at);
    }
  }

  removeAll(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    actor: ChangeActor,
    at = this.now(),
  ): void {
    for (const typeId of this.unlinkAll(fromType, fromId, toType, toId)) {
      this.emitAssociation(fromType, fromId, toType, toId, typeId, true, actor, at);
    }
  }

  /** One event per direction: subscribers to either object hear about it (each from its own side). */
  private emitAssociation(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeId: number,
    removed: boolean,
    actor: ChangeActor,
    at: number,
  ): void {
    const type = this.associationType(fromType, toType, typeId);
    const category = type?.category ?? 'HUBSPOT_DEFINED';
    const isPrimary = this.isPrimaryType(fromType, toType, typeId);
    this.emit({
      kind: 'associationChange',
      fromType,
      fromId,
      toType,
      toId,
      typeId,
      category,
      removed,
      isPrimary,
      actor,
      at,
    });
    if (!type) return;
    this.emit({
      kind: 'associationChange',
      fromType: toType,
      fromId: toId,
      toType: fromType,
      toId: fromId,
      typeId: type.inverseTypeId,
      category,
      removed,
      isPrimary,
      actor,
      at,
    });
  }

  /** Live associations of a record to `toType`: toId → type ids (archived targets hidden). */
  associationsOf(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): Map<string, number[]> {
    const result = new Map<string, number[]>();
    for (const [toId, typeIds] of this.targets(fromType, fromId, toType, false) ?? []) {
      const target = this.tables[toType].records.get(toId);
      if (!target || target.archived || typeIds.size === 0) continue;
      result.set(
        toId,
        [...typeIds].sort((a, b) => a - b),
      );
    }
    return result;
  }

  associatedIds(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): ReadonlySet<string> {
    return new Set(this.associationsOf(fromType, fromId, toType).keys());
  }
}
