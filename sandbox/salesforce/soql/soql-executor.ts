import { formatValue, type StoredValue } from '../org/field-values.ts';
import type { StoredRecord } from '../org/salesforce-org.ts';
import type { FieldDef, FieldType, SObjectDef } from '../org/sobject-schema.ts';
import { normalizeId } from '../salesforce-ids.ts';
import { type Condition, type FieldPath, type Literal, parseSoql, SoqlError, type SoqlQuery } from './soql-parser.ts';

/**
 * Runs a parsed query against the org (or the tooling API's virtual tables): resolves field paths against the schema
 * (with Salesforce's INVALID_FIELD / INVALID_TYPE errors), type-checks each filter value against its field the way
 * SOQL does (a quoted date, an unquoted string are errors), compiles WHERE into one predicate, sorts once, and
 * renders rows with `attributes` and nested relationship objects. String comparisons are case-insensitive, as in SOQL;
 * `!=` matches records without a value; date literals are whole UTC days (the stand-in org's time zone is GMT).
 */

export interface QuerySource {
  object(name: string): SObjectDef | undefined;
  rows(def: SObjectDef): readonly StoredRecord[];
  lookup(id: string): { def: SObjectDef; record: StoredRecord } | undefined;
  now(): number;
}

export interface CompiledQuery {
  query: SoqlQuery;
  def: SObjectDef;
  count: boolean;
  run(options: { includeDeleted: boolean }): StoredRecord[];
  /** A row in the REST form; `urlBase` is `/services/data/vXX.X` (or `…/tooling`). */
  render(row: StoredRecord, urlBase: string): Record<string, unknown>;
}

type ValueKind = 'text' | 'id' | 'number' | 'boolean' | 'date' | 'datetime';

function kindOf(type: FieldType): ValueKind {
  switch (type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'currency':
    case 'double':
    case 'percent':
    case 'int':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}

interface ResolvedPath {
  field: FieldDef;
  hops: FieldDef[];
  get(row: StoredRecord): StoredValue;
}

type RenderNode =
  | { kind: 'field'; key: string; field: FieldDef }
  | { kind: 'rel'; key: string; reference: FieldDef; children: RenderNode[] };

const DAY_MS = 86_400_000;

export function compileSoql(text: string, source: QuerySource): CompiledQuery {
  const query = parseSoql(text);
  const def = source.object(query.from.name);
  if (!def?.queryable) {
    throw new SoqlError(
      'INVALID_TYPE',
      `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      query.from.at,
      text,
    );
  }

  const resolve = (path: FieldPath): ResolvedPath => {
    let parts = path.parts;
    if (parts.length > 1 && parts[0]?.toLowerCase() === def.name.toLowerCase() && !def.relationship(parts[0] ?? '')) {
      parts = parts.slice(1);
    }
    let current = def;
    const hops: FieldDef[] = [];
    for (let index = 0; index < parts.length - 1; index++) {
      const name = parts[index] ?? '';
      const reference = current.relationship(name);
      const target = reference ? source.object(reference.referenceTo[0] ?? '') : undefined;
      if (!reference || !target) {
        throw new SoqlError(
          'INVALID_FIELD',
          `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
          path.at,
          text,
        );
      }
      hops.push(reference);
      current = target;
    }
    const last = parts[parts.length - 1] ?? '';
    const field = current.field(last);
    if (!field) {
      throw new SoqlError(
        'INVALID_FIELD',
        `No such column '${last}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        path.at,
        text,
      );
    }
    const name = field.name;
    if (hops.length === 0) return { field, hops, get: (row) => row[name] ?? null };
    return {
      field,
      hops,
      get: (row) => {
        let record: StoredRecord | undefined = row;
        for (const hop of hops) {
          const id: StoredValue | undefined = record[hop.name];
          if (typeof id !== 'string') return null;
          record = source.lookup(id)?.record;
          if (!record || record.IsDeleted === true) return null;
        }
        return record[name] ?? null;
      },
    };
  };

  const count = query.select === 'count';
  const tree: RenderNode[] = [];
  if (query.select !== 'count') {
    const seen = new Set<string>();
    for (const path of query.select) {
      const resolved = resolve(path);
      const key = [...resolved.hops.map((hop) => hop.relationshipName ?? hop.name), resolved.field.name].join('.');
      if (seen.has(key.toLowerCase())) {
        throw new SoqlError('MALFORMED_QUERY', `duplicate field selected: ${key}`, path.at, text);
      }
      seen.add(key.toLowerCase());
      let level = tree;
      for (const hop of resolved.hops) {
        const relKey = hop.relationshipName ?? hop.name;
        let node = level.find(
          (candidate): candidate is Extract<RenderNode, { kind: 'rel' }> =>
            candidate.kind === 'rel' && candidate.key.toLowerCase() === relKey.toLowerCase(),
        );
        if (!node) {
          node = { kind: 'rel', key: relKey, reference: hop, children: [] };
          level.push(node);
        }
        level = node.children;
      }
      level.push({ kind: 'field', key: resolved.field.name, field: resolved.field });
    }
  }

  const predicate = query.where ? compileCondition(query.where, resolve, source, text) : () => true;

  const sorters = query.orderBy.map((item) => {
    const resolved = resolve(item.path);
    const kind = kindOf(resolved.field.type);
    return {
      get: kind === 'text' ? (row: StoredRecord) => lower(resolved.get(row)) : resolved.get,
      descending: item.descending,
      nullsLast: item.nullsLast,
    };
  });

  if (query.offset !== undefined && query.offset > 2000) {
    throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000', query.from.at, text);
  }

  return {
    query,
    def,
    count,
    run: ({ includeDeleted }) => {
      const hasDeleted = def.field('IsDeleted') !== undefined;
      let rows: StoredRecord[] = [];
      for (const row of source.rows(def)) {
        if (hasDeleted && !includeDeleted && row.IsDeleted === true) continue;
        if (predicate(row)) rows.push(row);
      }
      if (sorters.length > 0) rows = sortRows(rows, sorters);
      const start = query.offset ?? 0;
      const end = query.limit === undefined ? undefined : start + query.limit;
      return start > 0 || end !== undefined ? rows.slice(start, end) : rows;
    },
    render: (row, urlBase) => renderNodes(def, row, tree, urlBase, source),
  };
}

function renderNodes(
  def: SObjectDef,
  row: StoredRecord,
  nodes: readonly RenderNode[],
  urlBase: string,
  source: QuerySource,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: def.name, url: `${urlBase}/sobjects/${def.name}/${row.Id}` },
  };
  for (const node of nodes) {
    if (node.kind === 'field') {
      out[node.key] = formatValue(node.field, row[node.field.name] ?? null);
      continue;
    }
    const id = row[node.reference.name];
    const target = typeof id === 'string' ? source.lookup(id) : undefined;
    out[node.key] =
      target && target.record.IsDeleted !== true
        ? renderNodes(target.def, target.record, node.children, urlBase, source)
        : null;
  }
  return out;
}

function lower(value: StoredValue): StoredValue {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function sortRows(
  rows: StoredRecord[],
  sorters: Array<{ get: (row: StoredRecord) => StoredValue; descending: boolean; nullsLast: boolean }>,
): StoredRecord[] {
  // Decorate once (keys computed per row, not per comparison), sort stably, undecorate.
  const decorated = rows.map((row, index) => ({ row, index, keys: sorters.map((sorter) => sorter.get(row)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < sorters.length; i++) {
      const sorter = sorters[i] as (typeof sorters)[number];
      const x = a.keys[i] ?? null;
      const y = b.keys[i] ?? null;
      if (x === y) continue;
      if (x === null) return sorter.nullsLast ? 1 : -1;
      if (y === null) return sorter.nullsLast ? -1 : 1;
      const order = x < y ? -1 : x > y ? 1 : 0;
      if (order !== 0) return sorter.descending ? -order : order;
    }
    return a.index - b.index;
  });
  return decorated.map((entry) => entry.row);
}

/** A literal, checked against the field's type, in the stored form it compares with. */
function literalValue(
  literal: Literal,
  field: FieldDef,
  at: number,
  text: string,
): StoredValue | { range: [number, number] } {
  const kind = kindOf(field.type);
  const wrongType = (expected: string, quoted: boolean): never => {
    throw new SoqlError(
      'INVALID_FIELD',
      `value of filter criterion for field '${field.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      at,
      text,
    );
  };
  if (literal.kind === 'null') return null;
  switch (kind) {
    case 'text':
      return literal.kind === 'string' ? literal.value.toLowerCase() : wrongType('string', true);
    case 'id': {
      if (literal.kind !== 'string') return wrongType('id', true);
      const id = normalizeId(literal.value);
      if (!id) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${literal.value}`, at, text);
      return id;
    }
    case 'number':
      return literal.kind === 'number' ? literal.value : wrongType('double', false);
    case 'boolean':
      return literal.kind === 'boolean' ? literal.value : wrongType('boolean', false);
    case 'date':
      if (literal.kind === 'date') return literal.value;
      if (literal.kind === 'dateLiteral') return { range: [0, 0] };
      return wrongType('date', false);
    case 'datetime':
      if (literal.kind === 'datetime') return literal.value;
      if (literal.kind === 'dateLiteral') return { range: [0, 0] };
      return wrongType('dateTime', false);
  }
}

/** [start, end) of a date literal, in UTC milliseconds. */
function dateRange(literal: Extract<Literal, { kind: 'dateLiteral' }>, now: number): [number, number] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const n = literal.n ?? 0;
  switch (literal.name) {
    case 'TODAY':
      return [today, today + DAY_MS];
    case 'YESTERDAY':
      return [today - DAY_MS, today];
    case 'TOMORROW':
      return [today + DAY_MS, today + 2 * DAY_MS];
    case 'LAST_N_DAYS':
      return [today - n * DAY_MS, today + DAY_MS];
    case 'NEXT_N_DAYS':
      return [today + DAY_MS, today + (n + 1) * DAY_MS];
    default:
      // N_DAYS_AGO
      return [today - n * DAY_MS, today - (n - 1) * DAY_MS];
  }
}

function compileCondition(
  condition: Condition,
  resolve: (path: FieldPath) => ResolvedPath,
  source: QuerySource,
  text: string,
): (row: StoredRecord) => boolean {
  switch (condition.kind) {
    case 'and': {
      const items = condition.items.map((item) => compileCondition(item, resolve, source, text));
      return (row) => items.every((item) => item(row));
    }
    case 'or': {
      const items = condition.items.map((item) => compileCondition(item, resolve, source, text));
      return (row) => items.some((item) => item(row));
    }
    case 'not': {
      const item = compileCondition(condition.item, resolve, source, text);
      return (row) => !item(row);
    }
    case 'like': {
      const resolved = resolve(condition.path);
      if (kindOf(resolved.field.type) !== 'text') {
        throw new SoqlError(
          'INVALID_FIELD',
          `invalid operator on field '${resolved.field.name}': LIKE`,
          condition.at,
          text,
        );
      }
      const regex = likeToRegExp(condition.pattern);
      return (row) => {
        const value = resolved.get(row);
        return typeof value === 'string' && regex.test(value);
      };
    }
    case 'includes': {
      const resolved = resolve(condition.path);
      if (resolved.field.type !== 'multipicklist') {
        throw new SoqlError(
          'INVALID_FIELD',
          'includes or excludes operator only valid on multipicklist field',
          condition.at,
          text,
        );
      }
      const wanted = condition.values.map((value) =>
        value
          .toLowerCase()
          .split(';')
          .map((entry) => entry.trim()),
      );
      const test = (row: StoredRecord) => {
        const value = resolved.get(row);
        if (typeof value !== 'string') return false;
        const present = new Set(value.toLowerCase().split(';'));
        return wanted.some((all) => all.every((entry) => present.has(entry)));
      };
      return condition.negated ? (row) => !test(row) : test;
    }
    case 'in': {
      const resolved = resolve(condition.path);
      const values = new Set<StoredValue>();
      for (const literal of condition.values) {
        const value = literalValue(literal, resolved.field, condition.at, text);
        if (value !== null && typeof value === 'object') {
          throw new SoqlError('MALFORMED_QUERY', 'date literals are not allowed in IN (…)', condition.at, text);
        }
        values.add(value);
      }
      const text_ = kindOf(resolved.field.type) === 'text';
      const test = (row: StoredRecord) => values.has(text_ ? lower(resolved.get(row)) : resolved.get(row));
      return condition.negated ? (row) => !test(row) : test;
    }
    case 'compare': {
      const resolved = resolve(condition.path);
      const kind = kindOf(resolved.field.type);
      const literal = literalValue(condition.value, resolved.field, condition.at, text);
      const get = kind === 'text' ? (row: StoredRecord) => lower(resolved.get(row)) : resolved.get;
      const { op } = condition;
      if (literal !== null && typeof literal === 'object') {
        if (condition.value.kind !== 'dateLiteral') throw new Error('unreachable');
        const [start, end] = dateRange(condition.value, source.now());
        const asDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
        const [low, high]: [number | string, number | string] =
          kind === 'date' ? [asDay(start), asDay(end)] : [start, end];
        return (row) => {
          const value = get(row);
          if (value === null) return op === '!=';
          const v = value as number | string;
          switch (op) {
            case '=':
              return v >= low && v < high;
            case '!=':
              return !(v >= low && v < high);
            case '<':
              return v < low;
            case '<=':
              return v < high;
            case '>':
              return v >= high;
            case '>=':
              return v >= low;
          }
        };
      }
      if (literal === null) {
        if (op === '=') return (row) => get(row) === null;
        if (op === '!=') return (row) => get(row) !== null;
        return () => false;
      }
      switch (op) {
        case '=':
          return (row) => get(row) === literal;
        case '!=':
          return (row) => get(row) !== literal;
        case '<':
          return (row) => {
            const value = get(row);
            return value !== null && value < literal;
          };
        case '<=':
          return (row) => {
            const value = get(row);
            return value !== null && value <= literal;
          };
        case '>':
          return (row) => {
            const value = get(row);
            return value !== null && value > literal;
          };
        case '>=':
          return (row) => {
            const value = get(row);
            return value !== null && value >= literal;
          };
      }
    }
  }
}

/** SOQL LIKE: `%` any run, `_` one character, `\%` / `\_` literal; case-insensitive. */
function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '\\' && i + 1 < pattern.length) {
      source += pattern.charAt(i + 1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    } else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}
