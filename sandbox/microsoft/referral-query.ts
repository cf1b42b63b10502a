/**
 * The OData query subset of GET /v1.0/engagements/referrals, parsed into pure predicates and comparators.
 *
 * - `$filter`: comparisons `path eq|ne|gt|ge|lt|le literal` joined by `and`/`or`, `not`, parentheses; paths use `/`
 *   (`customerProfile/address/country`). Literals: `'text'` (`''` escapes a quote), numbers, `true`/`false`/`null`,
 *   and unquoted ISO date-times or GUIDs (the docs' related-referrals link writes `engagementId eq <guid>` unquoted).
 *   Date-time fields compare as instants whether the literal is quoted or not. Lambda operators (`team/any(…)`) and
 *   functions are refused with a 400, not ignored: a filter the stand-in cannot apply must not silently match all.
 * - `$orderby`: `createdDateTime` or `updatedDateTime`, `asc` (default) or `desc` — the two the docs list.
 * - `$top`: a positive integer, the total number of referrals to return across pages (OData semantics).
 */

export type FieldKind = 'string' | 'datetime' | 'number';

/** Filterable paths and how their values compare. Everything else is refused by name. */
export const FILTERABLE_FIELDS: Readonly<Record<string, FieldKind>> = {
  id: 'string',
  engagementId: 'string',
  externalReferenceId: 'string',
  name: 'string',
  status: 'string',
  substatus: 'string',
  qualification: 'string',
  type: 'string',
  direction: 'string',
  createdDateTime: 'datetime',
  updatedDateTime: 'datetime',
  expirationDateTime: 'datetime',
  acceptedDateTime: 'datetime',
  closedDateTime: 'datetime',
  'customerProfile/name': 'string',
  'customerProfile/address/country': 'string',
  'details/currency': 'string',
  'details/dealValue': 'number',
  'details/closingDateTime': 'datetime',
};

export const ORDERABLE_FIELDS = ['createdDateTime', 'updatedDateTime'] as const;
export type OrderField = (typeof ORDERABLE_FIELDS)[number];

export type Comparator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'compare'; path: string; fieldKind: FieldKind; op: Comparator; value: Literal }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode };

export class QueryError extends Error {
  constructor(
    readonly option: '$filter' | '$orderby' | '$top' | '$select' | '$skiptoken',
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

type Token =
  | { type: 'word'; text: string }
  | { type: 'string'; text: string }
  | { type: 'lparen' }
  | { type: 'rparen' }
  | { type: 'other'; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < input.length) {
    const char = input[at] as string;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    if (char === '(') {
      tokens.push({ type: 'lparen' });
      at++;
      continue;
    }
    if (char === ')') {
      tokens.push({ type: 'rparen' });
      at++;
      continue;
    }
    if (char === "'") {
      let text = '';
      at++;
      for (;;) {
        if (at >= input.length) throw new QueryError('$filter', 'unterminated string literal');
        const next = input[at] as string;
        if (next === "'") {
          if (input[at + 1] === "'") {
            text += "'";
            at += 2;
            continue;
          }
          at++;
          break;
        }
        text += next;
        at++;
      }
      tokens.push({ type: 'string', text });
      continue;
    }
    const word = /^[A-Za-z0-9_./:+\-$]+/.exec(input.slice(at));
    if (word) {
      tokens.push({ type: 'word', text: word[0] });
      at += word[0].length;
      continue;
    }
    tokens.push({ type: 'other', text: char });
    at++;
  }
  return tokens;
}

const COMPARATORS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses a `$filter` expression; throws QueryError naming what it cannot handle. */
export function parseFilter(input: string): FilterNode {
  const tokens = tokenize(input);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (token: Token | undefined, text: string) =>
    token?.type === 'word' && token.text.toLowerCase() === text;

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      position++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      position++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    if (isWord(peek(), 'not')) {
      position++;
      return { kind: 'not', operand: parseUnary() };
    }
    const token = peek();
    if (token?.type === 'lparen') {
      position++;
      const inner = parseOr();
      if (peek()?.type !== 'rparen') throw new QueryError('$filter', 'missing closing parenthesis');
      position++;
      return inner;
    }
    return parseComparison();
  };
  const parseComparison = (): FilterNode => {
    const pathToken = tokens[position++];
    if (pathToken?.type !== 'word') throw new QueryError('$filter', 'expected a property name');
    const path = pathToken.text;
    if (peek()?.type === 'lparen' || /\/(any|all)$/i.test(path)) {
      throw new QueryError('$filter', `functions and lambda operators are not supported (at '${path}')`);
    }
    const fieldKind = FILTERABLE_FIELDS[path];
    if (!fieldKind) throw new QueryError('$filter', `the property '${path}' cannot be used in $filter`);
    const opToken = tokens[position++];
    const op = opToken?.type === 'word' ? opToken.text.toLowerCase() : '';
    if (!COMPARATORS.has(op)) throw new QueryError('$filter', `expected eq, ne, gt, ge, lt or le after '${path}'`);
    const valueToken = tokens[position++];
    return { kind: 'compare', path, fieldKind, op: op as Comparator, value: literalOf(valueToken, path, fieldKind) };
  };

  const node = parseOr();
  if (position < tokens.length) throw new QueryError('$filter', 'unexpected text after the expression');
  return node;
}

function literalOf(token: Token | undefined, path: string, fieldKind: FieldKind): Literal {
  if (token?.type === 'string') {
    if (fieldKind === 'datetime' && Number.isNaN(Date.parse(token.text))) {
      throw new QueryError('$filter', `'${token.text}' is not a date-time for '${path}'`);
    }
    return token.text;
  }
  if (token?.type !== 'word') throw new QueryError('$filter', `expected a value after the operator on '${path}'`);
  const text = token.text;
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (ISO_DATETIME.test(text) && !Number.isNaN(Date.parse(text))) return text;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text;
  throw new QueryError('$filter', `'${text}' is not a valid literal; quote strings with '…'`);
}

function valueAt(record: unknown, path: string): unknown {
  let node = record;
  for (const segment of path.split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function comparable(value: unknown, kind: FieldKind): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (kind === 'datetime') {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    return Number.isNaN(ms) ? null : ms;
  }
  if (kind === 'number') return typeof value === 'number' ? value : Number(value);
  return typeof value === 'string' || typeof value === 'boolean' ? value : String(value);
}

/** Does one referral (as served) match the filter? Comparisons with null are false except `eq null`/`ne null`. */
export function matchesFilter(node: FilterNode, record: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, record) && matchesFilter(node.right, record);
    case 'or':
      return matchesFilter(node.left, record) || matchesFilter(node.right, record);
    case 'not':
      return !matchesFilter(node.operand, record);
    case 'compare': {
      const left = comparable(valueAt(record, node.path), node.fieldKind);
      const right = comparable(node.value, node.fieldKind);
      if (node.op === 'eq') return left === right;
      if (node.op === 'ne') return left !== right;
      if (left === null || right === null) return false;
      if (node.op === 'gt') return left > right;
      if (node.op === 'ge') return left >= right;
      if (node.op === 'lt') return left < right;
      return left <= right;
    }
  }
}

export interface OrderBy {
  field: OrderField;
  direction: 'asc' | 'desc';
}

export function parseOrderBy(input: string | null): OrderBy {
  if (input === null || input.trim() === '') return { field: 'createdDateTime', direction: 'asc' };
  const parts = input.trim().split(/\s+/);
  const [field, direction = 'asc', ...rest] = parts;
  if (rest.length > 0 || input.includes(','))
    throw new QueryError('$orderby', 'only one $orderby property is supported');
  if (!(ORDERABLE_FIELDS as readonly string[]).includes(field ?? '')) {
    throw new QueryError(
      '$orderby',
      `the property '${field}' cannot be used in $orderby; use ${ORDERABLE_FIELDS.join(' or ')}`,
    );
  }
  const normalized = direction.toLowerCase();
  if (normalized !== 'asc' && normalized !== 'desc') {
    throw new QueryError('$orderby', `'${direction}' is not asc or desc`);
  }
  return { field: field as OrderField, direction: normalized };
}

export function parseTop(input: string | null): number | undefined {
  if (input === null) return undefined;
  if (!/^[1-9]\d*$/.test(input.trim())) throw new QueryError('$top', `$top must be a positive integer, got '${input}'`);
  return Number(input.trim());
}

/** Sort key of one referral: the order field as an instant, ties broken by id so pages never overlap. */
export function sortKey(record: { id: string } & Record<OrderField, string>, field: OrderField): [number, string] {
  return [Date.parse(record[field]), record.id];
}

export function compareKeys(a: [number, string], b: [number, string], direction: 'asc' | 'desc'): number {
  const order = a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  return direction === 'asc' ? order : -order;
}
