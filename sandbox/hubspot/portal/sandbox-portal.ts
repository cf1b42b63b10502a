import type { Clock } from '../../../src/shared/clock.ts';
import {
  type DemoOwner,
  type DemoPipeline,
  type DemoPortal,
  demoCustomGroups,
  demoCustomProperties,
  PARTNER_ROLE_LABELS,
} from '../../demo/demo-portal.ts';
import { validationError } from '../errors.ts';
import {
  builtInCompanyProperties,
  builtInDealProperties,
  builtInGroups,
  type CrmObjectType,
  type PropertyDefinition,
  type PropertyGroupDefinition,
} from '../properties.ts';
import { portalUsers, type SandboxUser } from '../users.ts';
import { AssociationLinks } from './association-links.ts';
import { type AssociationTypeDefinition, AssociationTypes } from './association-types.ts';
import { ObjectTable, type StoredRecord } from './object-table.ts';
import type { ChangeActor, PortalChange } from './portal-changes.ts';
import { PropertySchema } from './property-schema.ts';
import { applyCalculated, normalizeProperties, type PropertyInput } from './property-values.ts';

/**
 * One HubSpot account (portal) held in memory: records, property definitions, pipelines, owners, association labels
 * and associations. Every write goes through here, is validated the way HubSpot validates it, keeps the calculated
 * properties (`hs_lastmodifieddate`, `hs_is_closed*`, `hs_merged_object_ids`) right, and reports a change event
 * that the webhook dispatcher turns into HubSpot webhook batches.
 *
 * The parts beside this file: object-table (records, paging, unique values), property-schema (definitions and
 * groups), property-values (validation and calculated properties), association-types and association-links.
 */

export interface PortalOptions {
  portalId: number;
  hubDomain?: string;
  clock: Clock;
  /** Seed data; without it the portal starts empty (with HubSpot's built-in definitions only). */
  demo?: DemoPortal;
}

/** Properties a merge never copies from the merged record. */
const NOT_MERGED = ['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'hs_merged_object_ids'];

export class SandboxPortal {
  readonly portalId: number;
  readonly hubDomain: string;
  readonly pipelines: DemoPipeline[];
  readonly owners: DemoOwner[];
  /** Users of the portal (Settings API): the installing super admin, and the demo's sellers. Tests may add more. */
  readonly users: Map<string, SandboxUser>;
  private readonly tables: Record<CrmObjectType, ObjectTable>;
  private readonly associationTypes = new AssociationTypes();
  private readonly links: AssociationLinks;
  private readonly listeners = new Set<(change: PortalChange) => void>();

  constructor(private readonly options: PortalOptions) {
    this.portalId = options.portalId;
    this.hubDomain = options.hubDomain ?? `demo-${options.portalId}.hubspot.example`;
    this.tables = {
      deals: new ObjectTable(30_000_000_001, new PropertySchema(builtInDealProperties(), builtInGroups('deals'))),
      companies: new ObjectTable(
        20_000_000_001,
        new PropertySchema(builtInCompanyProperties(), builtInGroups('companies')),
      ),
    };
    this.links = new AssociationLinks(this.associationTypes, (change) => this.emit(change));
    const demo = options.demo;
    this.pipelines = demo ? demo.pipelines.map((pipeline) => ({ ...pipeline, stages: [...pipeline.stages] })) : [];
    this.owners = demo ? [...demo.owners] : [];
    this.users = portalUsers(this.owners);
    if (demo) this.loadDemo(demo);
  }

  private loadDemo(demo: DemoPortal): void {
    const custom = demoCustomProperties();
    const groups = demoCustomGroups();
    for (const type of ['deals', 'companies'] as const) this.tables[type].schema.define(custom[type], groups[type]);
    for (const entry of PARTNER_ROLE_LABELS) {
      for (const [fromType, toType] of [
        ['deals', 'companies'],
        ['companies', 'deals'],
      ] as const) {
        this.associationTypes.define({
          fromType,
          toType,
          typeId: entry.typeId,
          category: 'USER_DEFINED',
          label: entry.label,
          name: entry.name,
          inverseTypeId: entry.typeId,
        });
      }
    }
    // Seed records are adopted as they are (no copy): a 100k-deal portal loads in milliseconds.
    for (const record of demo.companies) this.tables.companies.add({ ...record, archived: false });
    for (const record of demo.deals) this.tables.deals.add({ ...record, archived: false });
    for (const association of demo.associations) {
      this.links.link('deals', association.dealId, 'companies', association.companyId, association.typeIds);
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
    return this.tables[type].schema.definitions;
  }

  groups(type: CrmObjectType): ReadonlyMap<string, PropertyGroupDefinition> {
    return this.tables[type].schema.groups;
  }

  createProperty(type: CrmObjectType, definition: PropertyDefinition): PropertyDefinition {
    return this.tables[type].schema.createProperty(definition);
  }

  updateProperty(type: CrmObjectType, name: string, patch: Partial<PropertyDefinition>): PropertyDefinition {
    return this.tables[type].schema.updateProperty(name, patch, this.now());
  }

  archiveProperty(type: CrmObjectType, name: string): void {
    this.tables[type].schema.archiveProperty(name, this.now());
  }

  requireProperty(type: CrmObjectType, name: string): PropertyDefinition {
    return this.tables[type].schema.requireProperty(name);
  }

  createGroup(type: CrmObjectType, group: PropertyGroupDefinition): PropertyGroupDefinition {
    return this.tables[type].schema.createGroup(group);
  }

  updateGroup(type: CrmObjectType, name: string, patch: Partial<PropertyGroupDefinition>): PropertyGroupDefinition {
    return this.tables[type].schema.updateGroup(name, patch);
  }

  archiveGroup(type: CrmObjectType, name: string): void {
    this.tables[type].schema.archiveGroup(name);
  }

  requireGroup(type: CrmObjectType, name: string): PropertyGroupDefinition {
    return this.tables[type].schema.requireGroup(name);
  }

  // --- records ------------------------------------------------------------------------------------------------

  /** Follows merge aliases; undefined when the id never existed. Archived records are returned (callers decide). */
  resolve(type: CrmObjectType, id: string): StoredRecord | undefined {
    return this.tables[type].resolve(id);
  }

  /** A live (not archived) record by id or by a unique-value property; throws HubSpot's 404. */
  require(type: CrmObjectType, id: string, idProperty?: string, archived = false): StoredRecord {
    return this.tables[type].require(id, idProperty, archived);
  }

  findByUnique(type: CrmObjectType, propertyName: string, value: string): StoredRecord | undefined {
    return this.tables[type].findByUnique(propertyName, value);
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
    return this.tables[type].listPage(after, limit, archived);
  }

  /** Checks and converts input values the way HubSpot does (see property-values.ts); throws one 400 for all. */
  normalizeProperties(
    type: CrmObjectType,
    input: PropertyInput,
    context: { current?: StoredRecord; creating: boolean },
  ): Record<string, string | null> {
    return normalizeProperties(
      { type, definitions: this.tables[type].schema.definitions, pipelines: this.pipelines },
      input,
      context,
    );
  }

  create(type: CrmObjectType, input: PropertyInput, actor: ChangeActor): StoredRecord {
    const table = this.tables[type];
    const values = this.normalizeProperties(type, input, { creating: true });
    table.checkUnique(values);
    const at = this.now();
    const id = String(table.nextId);
    const record: StoredRecord = { id, properties: {}, createdAt: at, updatedAt: at, archived: false };
    table.writeValues(record, values);
    if (type === 'deals') {
      record.properties.pipeline ??= this.pipelines[0]?.id ?? 'default';
    }
    record.properties.createdate ??= new Date(at).toISOString();
    record.properties.hs_object_id = id;
    applyCalculated(type, this.pipelines, record, at);
    table.add(record);
    table.indexUnique(record);
    this.emit({ kind: 'creation', objectType: type, objectId: id, actor, at });
    return record;
  }

  update(type: CrmObjectType, record: StoredRecord, input: PropertyInput, actor: ChangeActor): StoredRecord {
    const table = this.tables[type];
    const values = this.normalizeProperties(type, input, { current: record, creating: false });
    table.checkUnique(values, record.id);
    const at = this.now();
    const changed = table.writeValues(record, values);
    // HubSpot bumps the modification date on every accepted write, even one that changes nothing.
    applyCalculated(type, this.pipelines, record, at);
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
    this.tables[type].forgetUnique(record.id);
    this.emit({ kind: 'deletion', objectType: type, objectId: record.id, actor, at });
  }

  /** Merges `mergedId` into `primaryId`: the primary keeps its id, fills its blanks, takes the associations. */
  merge(type: CrmObjectType, primaryId: string, mergedId: string, actor: ChangeActor): StoredRecord {
    const primary = this.require(type, primaryId);
    const merged = this.require(type, mergedId);
    if (primary.id === merged.id) throw validationError('Cannot merge an object with itself.');
    const at = this.now();
    let moved = 0;
    for (const [name, value] of Object.entries(merged.properties)) {
      if (NOT_MERGED.includes(name)) continue;
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
    applyCalculated(type, this.pipelines, primary, at);
    this.links.moveAll(type, merged.id, primary.id);
    this.tables[type].mergeAway(merged.id, primary.id);
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

  associationTypesOf(fromType: CrmObjectType, toType: CrmObjectType): AssociationTypeDefinition[] {
    return this.associationTypes.of(fromType, toType);
  }

  associationType(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    typeId: number,
  ): AssociationTypeDefinition | undefined {
    return this.associationTypes.get(fromType, toType, typeId);
  }

  /** The unlabeled default type for a pair (341 deal→company, 342 company→deal). */
  defaultTypeId(fromType: CrmObjectType, toType: CrmObjectType): number {
    return this.associationTypes.defaultTypeId(fromType, toType);
  }

  createLabel(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    input: { name: string; label: string; inverseLabel?: string | undefined },
  ): AssociationTypeDefinition[] {
    return this.associationTypes.createLabel(fromType, toType, input);
  }

  updateLabel(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    typeId: number,
    label: string,
    inverseLabel?: string,
  ): void {
    this.associationTypes.updateLabel(fromType, toType, typeId, label, inverseLabel);
  }

  deleteLabel(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): void {
    const deleted = this.associationTypes.deleteLabel(fromType, toType, typeId);
    this.links.dropType(fromType, toType, typeId, deleted.inverseTypeId);
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
    return this.links.associate(fromType, from.id, toType, to.id, typeIds, actor, this.now());
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
    this.links.removeTypes(fromType, fromId, toType, toId, typeIds, actor, at);
  }

  removeAll(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    actor: ChangeActor,
    at = this.now(),
  ): void {
    this.links.removeAll(fromType, fromId, toType, toId, actor, at);
  }

  /** Live associations of a record to `toType`: toId → type ids (archived targets hidden). */
  associationsOf(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): Map<string, number[]> {
    const result = new Map<string, number[]>();
    for (const [toId, typeIds] of this.links.targetsOf(fromType, fromId, toType)) {
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
