/**
 * Normalization for opportunity de-duplication: turns the free text people type into CRMs (company names with legal
 * suffixes, domains with protocols, deal names carrying intent and years, product SKUs) into comparable keys.
 * Everything here is pure and deterministic.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;
/** Letters NFKD does not decompose into an ASCII base letter. */
const SPECIAL_LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};
const SPECIAL_LETTER_PATTERN = /[ßæœøłđðþı]/g;
/** Lower case, accents folded to ASCII, `&` spelled out, punctuation to spaces, whitespace collapsed. */
export function normalizeText(value: string): string {
  return asciiNormalized(value) ?? unicodeNormalized(value);
}

/** `normalizeText` by regular expressions, for any text. */
function unicodeNormalized(value: string): string {
  return value
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(SPECIAL_LETTER_PATTERN, (letter) => SPECIAL_LETTERS[letter] ?? letter)
    .replace(/&/g, ' and ')
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * `normalizeText` in one scan for ASCII text (most CRM text; NFKD leaves it as it is), about three times faster than
 * the regular expressions (a 100k-deal clustering normalises some 300k names); undefined for any other text. Runs of
 * letters and digits are kept, one space between two runs where anything else stood; `'` and `` ` `` join what they
 * stand between ("O'Neil" is "oneil"); `&` is the word "and".
 */
function asciiNormalized(value: string): string | undefined {
  const lower = value.toLowerCase();
  let out = '';
  let wordStart = -1;
  let gap = false;
  for (let index = 0; index <= lower.length; index += 1) {
    // One position past the end: a separator, ending the last run. The text's own character decides whether it is
    // ASCII (a sign that lower-cases to ASCII, like the Kelvin sign, takes the long way).
    const raw = index < value.length ? value.charCodeAt(index) : 32;
    if (raw >= 128) return undefined;
    const code = raw >= 65 && raw <= 90 ? raw + 32 : raw;
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (wordStart < 0) wordStart = index;
      continue;
    }
    if (wordStart >= 0) {
      out += gap && out !== '' ? ` ${lower.slice(wordStart, index)}` : lower.slice(wordStart, index);
      wordStart = -1;
      gap = false;
    }
    if (code === 39 || code === 96) continue;
    gap = true;
    if (code === 38) out += out === '' ? 'and' : ' and';
  }
  return out;
}

/**
 * Legal-form suffixes by jurisdiction family. A suffix says little about identity (people write "Acme", "Acme Inc."
 * and "ACME, Inc" for one company) but a GmbH and an Inc of the same name are usually two companies.
 */
const LEGAL_FORMS: Readonly<Record<string, string>> = {
  inc: 'us',
  incorporated: 'us',
  corp: 'us',
  corporation: 'us',
  llc: 'us',
  lp: 'us',
  llp: 'uk',
  co: 'us',
  company: 'us',
  ltd: 'uk',
  limited: 'uk',
  plc: 'uk',
  gmbh: 'de',
  ag: 'de',
  kg: 'de',
  ug: 'de',
  mbh: 'de',
  sa: 'fr',
  sas: 'fr',
  sarl: 'fr',
  sasu: 'fr',
  bv: 'nl',
  nv: 'nl',
  vof: 'nl',
  sl: 'es',
  slu: 'es',
  spa: 'it',
  srl: 'it',
  ltda: 'br',
  kk: 'jp',
  pty: 'au',
  pte: 'sg',
  oy: 'fi',
  oyj: 'fi',
  ab: 'se',
  aps: 'dk',
  as: 'no',
  asa: 'no',
  sro: 'cz',
  bhd: 'my',
  sdn: 'my',
};
/** Words that may sit between the name and the legal form ("Acme Holdings Ltd" is still Acme). */
const NAME_NOISE_WORDS = new Set(['the', 'and', 'co', 'of']);

export interface CompanyName {
  /** Normalized name without legal form and filler words: the identity key. */
  core: string;
  tokens: readonly string[];
  /** Jurisdiction family of the trailing legal form(s), e.g. `us`, `de`; null when there is none. */
  legalFamily: string | null;
}

/** `ACME Robotics, Inc.` → core `acme robotics`, legal family `us`; `Société Générale S.A.` → `societe generale`, `fr`. */
export function normalizeCompanyName(value: string): CompanyName {
  // Dotted abbreviations (S.A., B.V., Inc.) collapse before punctuation becomes spaces.
  const undotted = value.replace(/\b([A-Za-z])\.(?=[A-Za-z]\b\.?)/g, '$1').replace(/\.(?=\s|,|$)/g, ' ');
  const tokens = normalizeText(undotted).split(' ').filter(Boolean);
  let legalFamily: string | null = null;
  // Strip trailing legal forms ("GmbH & Co. KG", "Pty Ltd") but never the whole name.
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1] as string;
    const family = LEGAL_FORMS[last];
    if (family !== undefined) {
      legalFamily = family; // the leftmost form names the jurisdiction ("Pty Ltd", "GmbH & Co. KG")
      tokens.pop();
    } else if (NAME_NOISE_WORDS.has(last)) {
      tokens.pop();
    } else {
      break;
    }
  }
  while (tokens.length > 1 && tokens[0] === 'the') tokens.shift();
  return { core: tokens.join(' '), tokens, legalFamily };
}

/** Second-level labels under which a country TLD registers names (`acme.co.uk`, `acme.com.au`). */
const SECOND_LEVEL_LABELS = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ne', 'or', 'gv']);

/**
 * Registrable domain from whatever was typed: `https://WWW.Acme.com/about` → `acme.com`, `sales@acme.co.uk` →
 * `acme.co.uk`, `eu.acme.com` → `acme.com`. Null when nothing domain-like remains.
 */
export function normalizeDomain(value: string | null | undefined): string | null {
  if (!value) return null;
  let host = value.trim().toLowerCase();
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#\s]/)[0] ?? '';
  host = host.replace(/:\d+$/, '').replace(/\.+$/, '');
  const labels = host.split('.').filter(Boolean);
  if (labels.length < 2 || labels.some((label) => !/^[a-z0-9-]+$/.test(label))) return null;
  const tld = labels[labels.length - 1] as string;
  const second = labels[labels.length - 2] as string;
  const keep = tld.length === 2 && SECOND_LEVEL_LABELS.has(second) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** Whole days since 1970-01-01 for `YYYY-MM-DD` or an ISO date-time; null when absent or unreadable. */
export function dayNumber(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isFinite(ms) ? Math.floor(ms / 86_400_000) : null;
}

/** A positive finite amount, or null (zero and negative amounts carry no matching signal). */
export function normalizeAmount(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** |a − b| / max(a, b); null when either is missing. */
export function relativeDifference(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  return Math.abs(a - b) / Math.max(a, b);
}

/** Edition, packaging and licensing words that do not change what was bought. */
const PRODUCT_NOISE_WORDS = new Set([
  'pro',
  'professional',
  'enterprise',
  'standard',
  'std',
  'plus',
  'premium',
  'basic',
  'starter',
  'essentials',
  'advanced',
  'ultimate',
  'edition',
  'tier',
  'plan',
  'license',
  'licenses',
  'licence',
  'licences',
  'seat',
  'seats',
  'user',
  'users',
  'subscription',
  'annual',
  'monthly',
  'addon',
  'add',
  'on',
  'module',
  'suite',
  'sku',
  'the',
  'and',
]);

/**
 * Product family of a product name: edition/licensing words, versions and numbers dropped. `Analytics Pro`,
 * `analytics-enterprise (annual)` and `Analytics Add-on Seats` are all `analytics`. An explicit map wins.
 */
export function productFamily(product: string, families?: Readonly<Record<string, string>>): string {
  const text = normalizeText(product);
  const mapped = families?.[text] ?? families?.[product];
  if (mapped !== undefined) return normalizeText(mapped);
  const words = text
    .split(' ')
    .filter((word) => word !== '' && !PRODUCT_NOISE_WORDS.has(word) && !/^v?\d+$/.test(word));
  return words.length > 0 ? words.join(' ') : text;
}

export function productFamilies(products: readonly string[], families?: Readonly<Record<string, string>>): string[] {
  return [...new Set(products.map((product) => productFamily(product, families)))].sort();
}

export type DealIntent = 'new_business' | 'expansion' | 'renewal' | 'churn';

export interface DealNameFacts {
  /** Intent stated in the name, if any. */
  intent: DealIntent | null;
  /** Year named in the name (`2025`, `FY25`, `FY2025`, `'25`). */
  year: number | null;
  /** Quarter named in the name (`Q3`). */
  quarter: number | null;
  /** Seat / user / license count named in the name. */
  units: number | null;
  /** The name as `normalizeText` reads it. */
  text: string;
  /** Normalized name tokens. */
  tokens: readonly string[];
}

const INTENT_WORDS: ReadonlyArray<readonly [RegExp, DealIntent]> = [
  [/\b(renewal|renewals|renew|renewing|rnwl|re new)\b/, 'renewal'],
  [/\b(churn|churned|cancellation|cancel|downgrade)\b/, 'churn'],
  [/\b(expansion|expand|upsell|up sell|upgrade|cross sell|add on|addon|additional|more seats|add \d+)\b/, 'expansion'],
  [/\b(new logo|new business|net new|newbiz|new biz|initial|land)\b/, 'new_business'],
];

/** The intent a normalised deal name states, if any (the first of renewal, churn, expansion, new business). */
function intentIn(text: string): DealIntent | null {
  for (const [pattern, value] of INTENT_WORDS) if (pattern.test(text)) return value;
  return null;
}

/** The intent a deal name states: `parseDealName(name).intent` without the other facts (attribution's hygiene). */
export function dealNameIntent(name: string): DealIntent | null {
  return intentIn(normalizeText(name));
}

/** What a deal name says about the buying event: intent, year, quarter and seat count. */
export function parseDealName(name: string): DealNameFacts {
  const text = normalizeText(name);
  return {
    intent: intentIn(text),
    year: yearIn(name, text),
    quarter: quarterIn(text),
    units: unitsIn(text),
    text,
    tokens: text.split(' ').filter(Boolean),
  };
}

function yearIn(raw: string, text: string): number | null {
  const full = /\b(?:fy|cy)?\s?(20\d{2})\b/.exec(text);
  if (full) return Number(full[1]);
  const fiscal = /\b(?:fy|cy)\s?(\d{2})\b/.exec(text);
  if (fiscal) return 2000 + Number(fiscal[1]);
  const apostrophe = /['’](\d{2})\b/.exec(raw);
  if (apostrophe) return 2000 + Number(apostrophe[1]);
  return null;
}

function quarterIn(text: string): number | null {
  const match = /\bq([1-4])\b/.exec(text);
  return match ? Number(match[1]) : null;
}

function unitsIn(text: string): number | null {
  const match = /\b(\d{1,6})\s?(?:x\s)?(?:seats?|users?|licen[cs]es?|nodes?|hosts?)\b/.exec(text);
  return match ? Number(match[1]) : null;
}
