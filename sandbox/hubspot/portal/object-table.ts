import { conflictError, notFoundError, validationError } from '../errors.ts';
import type { PropertySchema } from './property-schema.ts';

/** A record as the portal holds it: string property values (absent = empty), epoch-millisecond timestamps. */
export interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

/**
 * The records of one object type (deals or companies) and their schema: records by id, the ids in order for list
 * paging, the aliases merges leave behind, and lazily built indexes of the properties with unique values.
 */
export class ObjectTable {
  readonly records = new Map<string, StoredRecord>();
  /** Numeric ids in ascending order; list paging walks it with a binary search. Never shrinks (merged ids stay). */
  private readonly order: number[] = [];
  /** Merged-away id → survivor id. */
  private readonly aliases = new Map<string, string>();
  /** Lazily built value → id maps for properties with unique values. */
  private readonly uniqueIndexes = new Map<string, Map<string, string>>();

  constructor(
    public nextId: number,
    readonly schema: PropertySchema,
  ) {}

  add(record: StoredRecord): void {
    this.records.set(record.id, record);
    const numeric = Number(record.id);
    const last = this.order[this.order.length - 1];
    if (last === undefined || numeric > last) this.order.push(numeric);
    else this.order.splice(lowerBound(this.order, numeric), 0, numeric);
    if (numeric >= this.nextId) this.nextId = numeric + 1;
  }

  /** Follows merge aliases; undefined when the id never existed. Archived records are returned (callers decide). */
  resolve(id: string): StoredRecord | undefined {
    let current = id;
    for (let hops = 0; hops < 32; hops++) {
      const record = this.records.get(current);
      if (record) return record;
      const next = this.aliases.get(current);
      if (!next) return undefined;
      current = next;
    }
    return undefined;
  }

  /** A record by id or by a unique-value property, archived or live as asked; throws HubSpot's 404. */
  require(id: string, idProperty: string | undefined, archived: boolean): StoredRecord {
    const record = idProperty && idProperty !== 'hs_object_id' ? this.findByUnique(idProperty, id) : this.resolve(id);
    if (!record || record.archived !== archived) throw notFoundError('resource not found', { id: [id] });
    return record;
  }

  findByUnique(propertyName: string, value: string): StoredRecord | undefined {
    const definition = this.schema.definitions.get(propertyName);
    if (!definition || definition.archived) throw validationError(`Property ${propertyName} does not exist`);
    if (!definition.hasUniqueValue) {
      throw validationError(`Property ${propertyName} is not a unique value property and cannot be used as idProperty`);
    }
    if (propertyName === 'hs_object_id') return this.resolve(value);
    const id = this.uniqueIndex(propertyName).get(value);
    const record = id === undefined ? undefined : this.records.get(id);
    return record && !record.archived ? record : undefined;
  }

  /** One page of a list: ids ascending, `after` = the id to start from (HubSpot's list cursor is the next id). */
  listPage(
    after: string | undefined,
    limit: number,
    archived: boolean,
  ): { records: StoredRecord[]; nextAfter: string | undefined } {
    let index = 0;
    if (after !== undefined && after !== '') {
      const start = Number(after);
      if (!Number.isFinite(start)) throw validationError(`Invalid after value: ${after}`);
      index = lowerBound(this.order, start);
    }
    const records: StoredRecord[] = [];
    for (; index < this.order.length; index++) {
      const record = this.records.get(String(this.order[index]));
      if (!record || record.archived !== archived) continue;
      if (records.length === limit) return { records, nextAfter: record.id };
      records.push(record);
    }
    return { records, nextAfter: undefined };
  }

  /** 409 when a unique-value property would take a value another record holds. */
  checkUnique(values: Record<string, string | null>, selfId?: string): void {
    for (const [name, value] of Object.entries(values)) {
      if (value === null || name === 'hs_object_id') continue;
      if (!this.schema.definitions.get(name)?.hasUniqueValue) continue;
      const owner = this.uniqueIndex(name).get(value);
      if (owner !== undefined && owner !== selfId) {
        throw conflictError(
          `A record with the value '${value}' for the unique property '${name}' already exists (id ${owner}).`,
        );
      }
    }
  }

  /** Writes normalized values (null clears), keeping the unique indexes right; returns the names that changed. */
  writeValues(record: StoredRecord, values: Record<string, string | null>): string[] {
    const changed: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      const previous = record.properties[name];
      const index = this.uniqueIndexes.get(name);
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

  /** Indexes a new record's unique values (the calculated ones included). */
  indexUnique(record: StoredRecord): void {
    for (const [name, index] of this.uniqueIndexes) {
      const value = record.properties[name];
      if (value !== undefined) index.set(value, record.id);
    }
  }

  /** Drops a record from the unique indexes (archived, or merged away). */
  forgetUnique(id: string): void {
    for (const index of this.uniqueIndexes.values()) {
      for (const [value, owner] of index) if (owner === id) index.delete(value);
    }
  }

  /** Removes a merged-away record; its id keeps resolving to the survivor. */
  mergeAway(id: string, survivorId: string): void {
    this.records.delete(id);
    this.forgetUnique(id);
    this.aliases.set(id, survivorId);
  }

  private uniqueIndex(propertyName: string): Map<string, string> {
    let index = this.uniqueIndexes.get(propertyName);
    if (!index) {
      index = new Map();
      for (const record of this.records.values()) {
        const value = record.properties[propertyName];
        if (value !== undefined && !record.archived) index.set(value, record.id);
      }
      this.uniqueIndexes.set(propertyName, index);
    }
    return index;
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
