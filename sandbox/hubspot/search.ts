import { validationError } from './errors.ts';
import type { CrmObjectType, PropertyDefinition } from './properties.ts';

/**
 * The CRM search semantics the sandbox emulates (POST /crm/objects/2026-03/{type}/search; guide: "Search the CRM",
 * developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm). Pure: a request and records in, a page out.
 */

export const SEARCH_OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type SearchOperator = (typeof SEARCH_OPERATORS)[number];

export interface SearchFilter {
  propertyName: string;
  operator: SearchOperator;
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchSort {
  propertyName: string;
  direction: 'ASCENDING' | 'DESCENDING';
}

export interface SearchRequest {
  filterGroups: Array<{ filters: SearchFilter[] }>;
  sorts: SearchSort[];
  query: string | undefined;
  properties: string[] | undefined;
  limit: number;
  offset: number;
}

export interface SearchLimits {
  maxPageSize: number;
  maxResults: number;
  maxFilterGroups: number;
  maxFiltersPerGroup: number;
  maxFilters: number;
}

/** Documented limits of the search endpoints (2026-03 search guide, "Limitations"). */
export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  maxPageSize: 200,
  maxResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFilters: 18,
};

export interface SearchableRecord {
  id: string;
  properties: Readonly<Record<string, string>>;
}

export interface SearchContext {
  objectType: CrmObjectType;
  definitions: ReadonlyMap<string, PropertyDefinition>;
  /** Ids of the records of `toType` associated with a record (for `associations.company` style filters). */
  associatedIds(recordId: string, toType: CrmObjectType): ReadonlySet<string>;
}

const scalar = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

/** Reads and checks a raw search body; throws HubSpot-style 400s for what HubSpot refuses. */
export function parseSearchRequest(raw: unknown, limits: SearchLimits = DEFAULT_SEARCH_LIMITS): SearchRequest {
  const body = (raw ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw validationError('Invalid input JSON on line 1');

  const limit = body.limit === undefined ? 10 : Number(body.limit);
  if (!Number.isInteger(limit) || limit < 0) throw validationError('limit must be a non-negative integer');
  if (limit > limits.maxPageSize) {
    throw validationError(`limit must be less than or equal to ${limits.maxPageSize}`);
  }
  const afterText = scalar(body.after);
  const offset = afterText === undefined || afterText === '' ? 0 : Number(afterText);
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`Invalid after value: ${afterText}`);
  if (offset >= limits.maxResults) {
    // The trap of the search endpoints: a cursor past 10,000 is an error, not an empty page.
    throw validationError(
      `Cannot page beyond the first ${limits.maxResults} results of a search; narrow the search with filters instead.`,
    );
  }

  const groups = Array.isArray(body.filterGroups) ? body.filterGroups : [];
  if (groups.length > limits.maxFilterGroups) {
    throw validationError(`Too many filter groups (${groups.length}); the maximum is ${limits.maxFilterGroups}`);
  }
  let total = 0;
  const filterGroups = groups.map((group) => {
    const filtersRaw = Array.isArray((group as { filters?: unknown })?.filters)
      ? ((group as { filters: unknown[] }).filters as unknown[])
      : [];
    if (filtersRaw.length > limits.maxFiltersPerGroup) {
      throw validationError(
        `Too many filters in a group (${filtersRaw.length}); the maximum is ${limits.maxFiltersPerGroup}`,
      );
    }
    total += filtersRaw.length;
    return { filters: filtersRaw.map(parseFilter) };
  });
  if (total > limits.maxFilters)
    throw validationError(`Too many filters (${total}); the maximum is ${limits.maxFilters}`);

  const sortsRaw = Array.isArray(body.sorts) ? body.sorts : [];
  const sorts = sortsRaw.map(parseSort);
  const query = scalar(body.query);
  if (query !== undefined && query.length > 3000) throw validationError('query must be at most 3000 characters');
  const properties = Array.isArray(body.properties)
    ? body.properties.map(scalar).filter((name): name is string => !!name)
    : undefined;
  return { filterGroups, sorts, query, properties, limit, offset };
}

function parseFilter(raw: unknown): SearchFilter {
  const filter = (raw ?? {}) as Record<string, unknown>;
  const propertyName = scalar(filter.propertyName);
  if (!propertyName) throw validationError('A filter is missing its propertyName');
  const operator = scalar(filter.operator) as SearchOperator | undefined;
  if (!operator || !SEARCH_OPERATORS.includes(operator)) {
    throw validationError(`Invalid operator "${String(filter.operator)}" for property ${propertyName}`);
  }
  const value = scalar(filter.value);
  const highValue = scalar(filter.highValue);
  const values = Array.isArray(filter.values)
    ? filter.values.map(scalar).filter((v): v is string => v !== undefined)
    : undefined;
  const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(operator);
  if (needsValue && value === undefined)
    throw validationError(`Operator ${operator} on ${propertyName} requires a value`);
  if ((operator === 'IN' || operator === 'NOT_IN') && (!values || values.length === 0)) {
    throw validationError(`Operator ${operator} on ${propertyName} requires values`);
  }
  if (operator === 'BETWEEN' && highValue === undefined)
    throw validationError(`BETWEEN on ${propertyName} requires a highValue`);
  return {
    propertyName,
    operator,
    ...(value === undefined ? {} : { value }),
    ...(highValue === undefined ? {} : { highValue }),
    ...(values === undefined ? {} : { values }),
  };
}

function parseSort(raw: unknown): SearchSort {
  // The v3 SDK types sorts as strings ("createdate" / "-createdate"); the docs send objects. Accept both.
  if (typeof raw === 'string') {
    return raw.startsWith('-')
      ? { propertyName: raw.slice(1), direction: 'DESCENDING' }
      : { propertyName: raw, direction: 'ASCENDING' };
  }
  const sort = (raw ?? {}) as Record<string, unknown>;
  const propertyName = scalar(sort.propertyName);
  if (!propertyName) throw validationError('A sort is missing its propertyName');
  const direction = scalar(sort.direction) === 'DESCENDING' ? 'DESCENDING' : 'ASCENDING';
  return { propertyName, direction };
}

type Comparable = number | string;

function comparable(definition: PropertyDefinition | undefined, raw: string): Comparable {
  switch (definition?.type) {
    case 'number': {
      const number = Number(raw);
      return Number.isNaN(number) ? raw.toLowerCase() : number;
    }
    case 'date':
    case 'datetime': {
      // Search accepts epoch milliseconds or ISO dates for date properties.
      const number = /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
      return Number.isNaN(number) ? raw.toLowerCase() : number;
    }
    default:
      return raw.toLowerCase();
  }
}

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s\-_.,;:@/()[\]{}!?"'|+&]+/)
    .filter(Boolean);
}

function tokenMatcher(pattern: string): (token: string) => boolean {
  const escaped = pattern
    .toLowerCase()
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  const regex = new RegExp(`^${escaped}$`);
  return (token) => regex.test(token);
}

type RecordPredicate = (record: SearchableRecord) => boolean;

function compileFilter(filter: SearchFilter, context: SearchContext): RecordPredicate {
  const association = /^associations\.(\w+)$/.exec(filter.propertyName);
  if (association) {
    const toType: CrmObjectType = association[1]?.startsWith('compan') ? 'companies' : 'deals';
    const wanted = new Set(filter.operator === 'IN' || filter.operator === 'NOT_IN' ? filter.values : [filter.value]);
    const negate = filter.operator === 'NEQ' || filter.operator === 'NOT_IN';
    return (record) => {
      const ids = context.associatedIds(record.id, toType);
      let hit = false;
      for (const id of ids) if (wanted.has(id)) hit = true;
      return negate ? !hit : hit;
    };
  }

  const definition = context.definitions.get(filter.propertyName);
  const multi = definition?.fieldType === 'checkbox';
  const read = (record: SearchableRecord): string | undefined => {
    const value = record.properties[filter.propertyName];
    return value === undefined || value === '' ? undefined : value;
  };
  const valuesOf = (raw: string): string[] => (multi ? raw.split(';') : [raw]);
  const target = filter.value === undefined ? undefined : comparable(definition, filter.value);

  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return (record) => read(record) !== undefined;
    case 'NOT_HAS_PROPERTY':
      return (record) => read(record) === undefined;
    case 'EQ':
    case 'NEQ': {
      const negate = filter.operator === 'NEQ';
      return (record) => {
        const raw = read(record);
        const hit =
          raw !== undefined &&
          target !== undefined &&
          valuesOf(raw).some((v) => compare(comparable(definition, v), target) === 0);
        return negate ? !hit : hit;
      };
    }
    case 'IN':
    case 'NOT_IN': {
      const wanted = (filter.values ?? []).map((value) => comparable(definition, value));
      const negate = filter.operator === 'NOT_IN';
      return (record) => {
        const raw = read(record);
        const hit =
          raw !== undefined &&
          valuesOf(raw).some((v) => {
            const value = comparable(definition, v);
            return wanted.some((w) => compare(value, w) === 0);
          });
        return negate ? !hit : hit;
      };
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      const op = filter.operator;
      return (record) => {
        const raw = read(record);
        if (raw === undefined || target === undefined) return false;
        const order = compare(comparable(definition, raw), target);
        return op === 'LT' ? order < 0 : op === 'LTE' ? order <= 0 : op === 'GT' ? order > 0 : order >= 0;
      };
    }
    case 'BETWEEN': {
      const high = comparable(definition, filter.highValue ?? '');
      return (record) => {
        const raw = read(record);
        if (raw === undefined || target === undefined) return false;
        const value = comparable(definition, raw);
        return compare(value, target) >= 0 && compare(value, high) <= 0;
      };
    }
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const patterns = tokens(filter.value ?? '').map(tokenMatcher);
      const negate = filter.operator === 'NOT_CONTAINS_TOKEN';
      return (record) => {
        const raw = read(record);
        const recordTokens = raw === undefined ? [] : tokens(raw);
        const hit = patterns.length > 0 && patterns.every((matches) => recordTokens.some(matches));
        return negate ? !hit : hit;
      };
    }
  }
}

/** Properties the free-text `query` looks in, per object (the documented "default searchable properties"). */
const QUERY_PROPERTIES: Readonly<Record<CrmObjectType, readonly string[]>> = {
  deals: ['dealname'],
  companies: ['name', 'domain', 'website', 'phone'],
};

function compileQuery(query: string, objectType: CrmObjectType): RecordPredicate {
  const words = tokens(query);
  const fields = QUERY_PROPERTIES[objectType];
  return (record) => {
    const haystack = fields.flatMap((field) => tokens(record.properties[field] ?? ''));
    return words.every((word) => haystack.some((token) => token.startsWith(word)));
  };
}

export interface SearchPage<T extends SearchableRecord> {
  results: T[];
  total: number;
  /** Offset of the next page, when there is one (may point past the 10,000 cap, as HubSpot's does). */
  nextAfter: string | undefined;
}

/** Filters (OR of AND-groups), free text, one sort (ties by id), then the requested page. */
export function runSearch<T extends SearchableRecord>(
  records: Iterable<T>,
  request: SearchRequest,
  context: SearchContext,
  maxResults = DEFAULT_SEARCH_LIMITS.maxResults,
): SearchPage<T> {
  const groups = request.filterGroups
    .filter((group) => group.filters.length > 0)
    .map((group) => group.filters.map((filter) => compileFilter(filter, context)));
  const query = request.query?.trim() ? compileQuery(request.query, context.objectType) : undefined;
  const matches: T[] = [];
  for (const record of records) {
    if (groups.length > 0 && !groups.some((group) => group.every((predicate) => predicate(record)))) continue;
    if (query && !query(record)) continue;
    matches.push(record);
  }

  const sort = request.sorts[0];
  const byId = (a: T, b: T) => Number(a.id) - Number(b.id);
  if (sort) {
    const definition = context.definitions.get(sort.propertyName);
    const sign = sort.direction === 'DESCENDING' ? -1 : 1;
    matches.sort((a, b) => {
      const left = a.properties[sort.propertyName];
      const right = b.properties[sort.propertyName];
      if (left === undefined || right === undefined || left === '' || right === '') {
        // Records without a value go last whatever the direction.
        const missing = Number(left === undefined || left === '') - Number(right === undefined || right === '');
        return missing !== 0 ? missing : byId(a, b);
      }
      const order = compare(comparable(definition, left), comparable(definition, right));
      return order !== 0 ? sign * order : byId(a, b);
    });
  } else {
    matches.sort(byId);
  }

  const end = Math.min(request.offset + request.limit, maxResults);
  const results = matches.slice(request.offset, end);
  const next = request.offset + request.limit;
  return { results, total: matches.length, nextAfter: next < matches.length ? String(next) : undefined };
}
