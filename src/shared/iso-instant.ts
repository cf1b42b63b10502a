/** The start of the epoch in `toISOString`'s form: where a record without a readable creation time is placed. */
export const EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * An instant in `toISOString`'s form, or Salesforce's (`+0000` for `Z`), on a day every month has: parsing and
 * re-formatting it only gives it back (with `Z`), so it is taken as it is — a read maps one or two per record. A 29th
 * to 31st takes the long way: `Date.parse` rolls days a month lacks over (`2026-02-30` is 2 March).
 */
const CANONICAL_INSTANT =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}(?:Z|\+0000)$/;

/**
 * A timestamp `Date.parse` reads (ISO-8601, Salesforce's `…+0000`, .NET's seven fraction digits), as an ISO-8601
 * instant in UTC; else null.
 */
export function isoInstant(value: string | null | undefined): string | null {
  if (!value) return null;
  if (CANONICAL_INSTANT.test(value)) return value.endsWith('Z') ? value : `${value.slice(0, 23)}Z`;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
