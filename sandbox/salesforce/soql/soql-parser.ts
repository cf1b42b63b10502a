import { parseDate, parseDateTime } from '../org/field-values.ts';

/**
 * The SOQL subset the stand-in understands (SOQL and SOSL Reference): one object in FROM; a field list with
 * relationship paths (`Account.Name`, `Owner.Profile.Name`) or `COUNT()`; WHERE with AND / OR / NOT and parentheses
 * (mixing AND and OR without parentheses is an error, as in SOQL), `= != <> < <= > >=`, `[NOT] IN (…)`, `LIKE`,
 * `INCLUDES`/`EXCLUDES`, string / number / boolean / null / date / datetime literals and the date literals TODAY,
 * YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n, N_DAYS_AGO:n; ORDER BY with ASC/DESC and NULLS FIRST/LAST;
 * LIMIT; OFFSET. Anything else (subqueries, aggregates, GROUP BY, TYPEOF, WITH, FOR UPDATE, bind variables) is refused
 * with MALFORMED_QUERY, saying it is the stand-in that does not support it.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'dateLiteral'; name: string; n: number | undefined };

export interface FieldPath {
  parts: string[];
  /** Offset in the query text (for error positions). */
  at: number;
}

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: FieldPath; op: CompareOp; value: Literal; at: number }
  | { kind: 'in'; path: FieldPath; negated: boolean; values: Literal[]; at: number }
  | { kind: 'like'; path: FieldPath; pattern: string; at: number }
  | { kind: 'includes'; path: FieldPath; negated: boolean; values: string[]; at: number };

export interface OrderItem {
  path: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  text: string;
  /** `count` for `SELECT COUNT() FROM …`. */
  select: FieldPath[] | 'count';
  from: { name: string; at: number };
  where: Condition | undefined;
  orderBy: OrderItem[];
  limit: number | undefined;
  offset: number | undefined;
}

/** A query the stand-in refuses; the route renders it as Salesforce's 400 with the position marked. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    readonly reason: string,
    readonly at: number,
    readonly text: string,
  ) {
    super(formatSoqlError(text, at, reason));
    this.name = 'SoqlError';
  }
}

/** Salesforce's layout: the offending line, a caret under the column, `ERROR at Row:r:Column:c`, then the reason. */
export function formatSoqlError(text: string, at: number, reason: string): string {
  const before = text.slice(0, Math.max(0, Math.min(at, text.length)));
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = at - lineStart + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return `\n${line}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:${row}:Column:${column}\n${reason}`;
}

type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | '(' | ')' | ',' | ':' | 'bind' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  at: number;
  value?: string | number;
}

const DATETIME_TOKEN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE_TOKEN = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER_TOKEN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)/;
const IDENT_TOKEN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    if (char === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new SoqlError('MALFORMED_QUERY', 'unexpected token: <EOF>', text.length, text);
        const c = text.charAt(j);
        if (c === '\\') {
          const next = text.charAt(j + 1);
          // `\%` and `\_` stay escaped for LIKE; the other escapes become their characters.
          value += next === '%' || next === '_' ? `\\${next}` : (ESCAPES[next] ?? next);
          j += 2;
          continue;
        }
        if (c === "'") break;
        value += c;
        j++;
      }
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), at: i, value });
      i = j + 1;
      continue;
    }
    const datetime = DATETIME_TOKEN.exec(rest);
    if (datetime) {
      tokens.push({ kind: 'datetime', text: datetime[0], at: i });
      i += datetime[0].length;
      continue;
    }
    const date = DATE_TOKEN.exec(rest);
    if (date) {
      tokens.push({ kind: 'date', text: date[0], at: i });
      i += date[0].length;
      continue;
    }
    const number = /^[+-]?[\d.]/.test(rest) ? NUMBER_TOKEN.exec(rest) : null;
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i, value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = IDENT_TOKEN.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    const op = /^(?:!=|<>|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[0] === '<>' ? '!=' : op[0], at: i });
      i += op[0].length;
      continue;
    }
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: char, text: char, at: i });
      i++;
      continue;
    }
    if (char === ':') {
      const bind = /^:[A-Za-z_]\w*/.exec(rest);
      tokens.push(bind ? { kind: 'bind', text: bind[0], at: i } : { kind: ':', text: ':', at: i });
      i += bind ? bind[0].length : 1;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${char}'`, i, text);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', at: text.length });
  return tokens;
}

const DATE_LITERALS = new Set(['TODAY', 'YESTERDAY', 'TOMORROW']);
const DATE_LITERALS_N = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO']);
const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'INCLUDES',
  'EXCLUDES',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'USING',
  'NULLS',
  'ASC',
  'DESC',
]);

class Parser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as Token;
  }

  private advance(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'ident' && token.text.toUpperCase() === word;
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.unexpected();
    return this.advance();
  }

  private unexpected(token = this.peek()): never {
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${token.text}`, token.at, this.text);
  }

  private unsupported(what: string, at: number): never {
    throw new SoqlError(
      'MALFORMED_QUERY',
      `${what} is not supported by the PartnerLoop Salesforce stand-in (valid SOQL, outside the subset it models)`,
      at,
      this.text,
    );
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const select = this.selectList();
    this.expectKeyword('FROM');
    const fromToken = this.peek();
    if (fromToken.kind !== 'ident' || fromToken.text.includes('.')) this.unexpected();
    this.advance();
    if (this.peek().kind === ',') this.unsupported('Selecting from more than one object', this.peek().at);
    let where: Condition | undefined;
    let limit: number | undefined;
    let offset: number | undefined;
    const orderBy: OrderItem[] = [];
    if (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text.toUpperCase())) {
      this.unsupported('An object alias', this.peek().at);
    }
    if (this.isKeyword('USING')) this.unsupported('USING SCOPE', this.peek().at);
    if (this.isKeyword('WHERE')) {
      this.advance();
      where = this.orCondition();
    }
    if (this.isKeyword('WITH')) this.unsupported('WITH', this.peek().at);
    if (this.isKeyword('GROUP')) this.unsupported('GROUP BY', this.peek().at);
    if (this.isKeyword('ORDER')) {
      this.advance();
      this.expectKeyword('BY');
      do {
        if (orderBy.length > 0) this.advance();
        orderBy.push(this.orderItem());
      } while (this.peek().kind === ',');
    }
    if (this.isKeyword('LIMIT')) {
      this.advance();
      limit = this.integer();
    }
    if (this.isKeyword('OFFSET')) {
      this.advance();
      offset = this.integer();
    }
    if (this.isKeyword('FOR')) this.unsupported('FOR VIEW / FOR REFERENCE / FOR UPDATE', this.peek().at);
    if (this.isKeyword('ALL') && this.isKeyword('ROWS', 1)) this.unsupported('ALL ROWS', this.peek().at);
    if (this.peek().kind !== 'eof') this.unexpected();
    return {
      text: this.text,
      select,
      from: { name: fromToken.text, at: fromToken.at },
      where,
      orderBy,
      limit,
      offset,
    };
  }

  private selectList(): FieldPath[] | 'count' {
    const fields: FieldPath[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === '(') this.unsupported('A relationship subquery', token.at);
      if (token.kind !== 'ident' || RESERVED.has(token.text.toUpperCase())) this.unexpected();
      if (token.text.toUpperCase() === 'TYPEOF') this.unsupported('TYPEOF', token.at);
      this.advance();
      if (this.peek().kind === '(') {
        const name = token.text.toUpperCase();
        if (name === 'COUNT' && this.peek(1).kind === ')' && fields.length === 0) {
          this.advance();
          this.advance();
          if (this.peek().kind === ',') this.unsupported('COUNT() with other fields', this.peek().at);
          return 'count';
        }
        this.unsupported(`${name}(…)`, token.at);
      }
      fields.push({ parts: token.text.split('.'), at: token.at });
      if (this.peek().kind !== ',') break;
      this.advance();
    }
    return fields;
  }

  private orderItem(): OrderItem {
    const token = this.peek();
    if (token.kind !== 'ident' || RESERVED.has(token.text.toUpperCase())) this.unexpected();
    this.advance();
    if (this.peek().kind === '(') this.unsupported('Ordering by a function', token.at);
    let descending = false;
    if (this.isKeyword('ASC')) this.advance();
    else if (this.isKeyword('DESC')) {
      this.advance();
      descending = true;
    }
    let nullsLast = descending;
    if (this.isKeyword('NULLS')) {
      this.advance();
      if (this.isKeyword('FIRST')) nullsLast = false;
      else if (this.isKeyword('LAST')) nullsLast = true;
      else this.unexpected();
      this.advance();
    }
    return { path: { parts: token.text.split('.'), at: token.at }, descending, nullsLast };
  }

  private integer(): number {
    const token = this.peek();
    if (token.kind === 'bind') this.unsupported('A bind variable', token.at);
    if (token.kind !== 'number' || !Number.isInteger(token.value) || (token.value as number) < 0) this.unexpected();
    this.advance();
    return token.value as number;
  }

  /** OR of ANDs; SOQL refuses `a AND b OR c` without parentheses, and so does this. */
  private orCondition(): Condition {
    const first = this.unary();
    const connector = this.isKeyword('AND') ? 'and' : this.isKeyword('OR') ? 'or' : undefined;
    if (!connector) return first;
    const items = [first];
    while (this.isKeyword(connector.toUpperCase())) {
      this.advance();
      items.push(this.unary());
    }
    if (this.isKeyword(connector === 'and' ? 'OR' : 'AND')) this.unexpected();
    return { kind: connector, items };
  }

  private unary(): Condition {
    if (this.isKeyword('NOT')) {
      this.advance();
      return { kind: 'not', item: this.unary() };
    }
    if (this.peek().kind === '(') {
      const open = this.advance();
      if (this.isKeyword('SELECT')) this.unsupported('A semi-join subquery', open.at);
      const inner = this.orCondition();
      if (this.peek().kind !== ')') this.unexpected();
      this.advance();
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const token = this.peek();
    if (token.kind !== 'ident' || RESERVED.has(token.text.toUpperCase())) this.unexpected();
    this.advance();
    if (this.peek().kind === '(') this.unsupported(`${token.text.toUpperCase()}(…) in WHERE`, token.at);
    const path: FieldPath = { parts: token.text.split('.'), at: token.at };
    const operator = this.peek();
    if (operator.kind === 'op') {
      this.advance();
      return { kind: 'compare', path, op: operator.text as CompareOp, value: this.literal(), at: operator.at };
    }
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.advance();
      this.advance();
      return { kind: 'in', path, negated: true, values: this.literalList(), at: operator.at };
    }
    if (this.isKeyword('IN')) {
      this.advance();
      return { kind: 'in', path, negated: false, values: this.literalList(), at: operator.at };
    }
    if (this.isKeyword('LIKE')) {
      this.advance();
      const pattern = this.literal();
      if (pattern.kind !== 'string') this.unexpected(this.tokens[this.position - 1]);
      return { kind: 'like', path, pattern: pattern.value, at: operator.at };
    }
    if (this.isKeyword('INCLUDES') || this.isKeyword('EXCLUDES')) {
      const negated = this.isKeyword('EXCLUDES');
      this.advance();
      const values = this.literalList().map((value) => {
        if (value.kind !== 'string') this.unexpected(this.tokens[this.position - 1]);
        return value.value;
      });
      return { kind: 'includes', path, negated, values, at: operator.at };
    }
    return this.unexpected();
  }

  private literalList(): Literal[] {
    if (this.peek().kind !== '(') this.unexpected();
    const open = this.advance();
    if (this.isKeyword('SELECT')) this.unsupported('A semi-join subquery', open.at);
    const values: Literal[] = [];
    for (;;) {
      values.push(this.literal());
      if (this.peek().kind === ')') {
        this.advance();
        return values;
      }
      if (this.peek().kind !== ',') this.unexpected();
      this.advance();
    }
  }

  private literal(): Literal {
    const token = this.advance();
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: String(token.value) };
      case 'number':
        return { kind: 'number', value: token.value as number };
      case 'date': {
        const value = parseDate(token.text);
        if (value === undefined)
          throw new SoqlError('MALFORMED_QUERY', `invalid date: ${token.text}`, token.at, this.text);
        return { kind: 'date', value };
      }
      case 'datetime': {
        const value = parseDateTime(token.text);
        if (value === undefined) {
          throw new SoqlError('MALFORMED_QUERY', `invalid datetime: ${token.text}`, token.at, this.text);
        }
        return { kind: 'datetime', value };
      }
      case 'bind':
        return this.unsupported('A bind variable', token.at);
      case 'ident': {
        const word = token.text.toUpperCase();
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE' };
        if (word === 'NULL') return { kind: 'null' };
        if (DATE_LITERALS.has(word)) return { kind: 'dateLiteral', name: word, n: undefined };
        if (DATE_LITERALS_N.has(word)) {
          if (this.peek().kind !== ':') this.unexpected();
          this.advance();
          const n = this.integer();
          return { kind: 'dateLiteral', name: word, n };
        }
        if (/^(?:THIS|LAST|NEXT)_|_N_/.test(word)) this.unsupported(`The date literal ${word}`, token.at);
        return this.unexpected(token);
      }
      default:
        return this.unexpected(token);
    }
  }
}

export function parseSoql(text: string): SoqlQuery {
  const trimmed = text.trim();
  if (trimmed === '') throw new SoqlError('MALFORMED_QUERY', 'unexpected token: <EOF>', 0, text);
  return new Parser(text, tokenize(text)).parse();
}
