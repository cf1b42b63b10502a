/**
 * Salesforce record ids as the stand-in mints them: a three-character key prefix naming the object (`006` for
 * Opportunity), a fixed "pod" pair, a base-62 counter, then the three-character case-safe suffix Salesforce appends to
 * the 15-character id (each suffix character encodes which of five id characters are upper case). The API accepts
 * both forms and always answers with 18 characters; so does the stand-in.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$/;

/** Key prefixes of the objects the stand-in knows (standard ones are Salesforce's). */
export const KEY_PREFIXES = {
  Account: '001',
  Opportunity: '006',
  User: '005',
  Profile: '00e',
  Organization: '00D',
  OpportunityStage: '01J',
  CustomField: '00N',
  CustomObject: '01I',
  QueryLocator: '0r8',
} as const;

/** The case-safe 18-character form of a 15-character id. */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let position = 0; position < 5; position++) {
      const char = id15.charAt(chunk * 5 + position);
      if (char >= 'A' && char <= 'Z') flags |= 1 << position;
    }
    suffix += SUFFIX_ALPHABET.charAt(flags);
  }
  return id15 + suffix;
}

/** A well-formed id (15 or 18 characters) → its 18-character form; anything else → undefined. */
export function normalizeId(value: string): string | undefined {
  if (!ID_PATTERN.test(value)) return undefined;
  const id15 = value.slice(0, 15);
  const id18 = to18(id15);
  // An 18-character id whose suffix does not match its first 15 characters is malformed.
  if (value.length === 18 && value.slice(15).toUpperCase() !== id18.slice(15)) return undefined;
  return id18;
}

/** Mints ids per key prefix: `<prefix>5L` + a 10-character base-62 counter, made case-safe. */
export class IdMinter {
  private readonly counters = new Map<string, number>();

  next(prefix: string): string {
    const count = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, count);
    let digits = '';
    let rest = count;
    for (let i = 0; i < 10; i++) {
      digits = BASE62.charAt(rest % 62) + digits;
      rest = Math.floor(rest / 62);
    }
    return to18(`${prefix}5L${digits}`);
  }
}
