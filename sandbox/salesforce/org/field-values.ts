import { errors, type RecordError, recordError } from '../salesforce-errors.ts';
import { normalizeId } from '../salesforce-ids.ts';
import type { FieldDef } from './sobject-schema.ts';

/**
 * Field values between the wire and the store. Stored forms: datetimes as epoch milliseconds (they are compared and
 * sorted on every incremental query), dates as `YYYY-MM-DD` strings (compare as text), numbers, booleans, ids in
 * their 18-character form, everything else as strings; `null` = no value.
 *
 * What Salesforce does with a bad value decides where the error goes: a value the JSON deserializer cannot turn into
 * the field's type fails the whole request (`JSON_PARSER_ERROR`, HTTP 400); a value of the right type that breaks a
 * field rule (too long, not in a restricted picklist, a lookup to nowhere) fails that record only.
 */

export type StoredValue = string | number | boolean | null;

/** A stored datetime the way the REST API writes it: `2026-06-30T12:00:00.000+0000`. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** The REST form of a stored value. */
export function formatValue(definition: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (definition.type === 'datetime' && typeof value === 'number') return formatDateTime(value);
  if (definition.type === 'complexvalue' && typeof value === 'string') return JSON.parse(value) as unknown;
  return value;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseDate(text: string): string | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? text : undefined;
}

export function parseDateTime(text: string): number | undefined {
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  let zone = match[8] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}${match[7] ?? ''}${zone}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function cannotDeserialize(kind: string, value: unknown): never {
  const shown = typeof value === 'string' ? `VALUE_STRING value ${value}` : `${typeof value} value ${String(value)}`;
  throw errors.jsonParser(
    `Cannot deserialize instance of ${kind} from ${shown} or request may be missing a required field`,
  );
}

export type Coerced = { ok: true; value: StoredValue } | { ok: false; error: RecordError };

/**
 * A JSON value for a field → its stored form, or the record's error. Throws (whole request) when the JSON value
 * cannot be deserialized into the field's type. Lookups are only checked for their form here; the org checks the
 * record they point at.
 */
export function coerceValue(definition: FieldDef, value: unknown): Coerced {
  if (value === null || value === undefined || value === '') {
    // An empty string clears a field; a checkbox cannot be empty and becomes false.
    return { ok: true, value: definition.type === 'boolean' ? false : null };
  }
  if (typeof value === 'object') cannotDeserialize(definition.type, '[object]');
  const label = definition.label;
  switch (definition.type) {
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return cannotDeserialize('boolean', value);
    }
    case 'currency':
    case 'double':
    case 'percent':
    case 'int': {
      const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
      if (typeof value === 'boolean' || !Number.isFinite(number)) {
        return cannotDeserialize(definition.type === 'int' ? 'int' : 'double', value);
      }
      if (definition.type === 'int' && !Number.isInteger(number)) return cannotDeserialize('int', value);
      const scale = definition.type === 'int' ? 0 : definition.scale;
      const rounded = Math.round(number * 10 ** scale) / 10 ** scale;
      const integerDigits = Math.trunc(Math.abs(rounded)).toString().length;
      const allowed = definition.type === 'int' ? definition.digits || 9 : definition.precision - definition.scale;
      if (allowed > 0 && integerDigits > allowed) {
        return {
          ok: false,
          error: recordError(
            'NUMBER_OUTSIDE_VALID_RANGE',
            `${label}: value outside of valid range on numeric field: ${number}`,
            [definition.name],
          ),
        };
      }
      return { ok: true, value: rounded };
    }
    case 'date': {
      const parsed = typeof value === 'string' ? parseDate(value) : undefined;
      return parsed === undefined ? cannotDeserialize('date', value) : { ok: true, value: parsed };
    }
    case 'datetime': {
      const parsed = typeof value === 'string' ? parseDateTime(value) : undefined;
      // Stored to the second, like every Salesforce datetime.
      return parsed === undefined
        ? cannotDeserialize('datetime', value)
        : { ok: true, value: Math.floor(parsed / 1000) * 1000 };
    }
    case 'reference':
    case 'id': {
      const text = String(value);
      const id = normalizeId(text);
      if (!id) {
        return {
          ok: false,
          error: recordError('MALFORMED_ID', `${label}: id value of incorrect type: ${text}`, [definition.name]),
        };
      }
      return { ok: true, value: id };
    }
    default: {
      const text = String(value);
      if (definition.length > 0 && text.length > definition.length) {
        const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
        return {
          ok: false,
          error: recordError(
            'STRING_TOO_LONG',
            `${label}: data value too large: ${shown} (max length=${definition.length})`,
            [definition.name],
          ),
        };
      }
      if (definition.type === 'email' && !EMAIL.test(text)) {
        return {
          ok: false,
          error: recordError('INVALID_EMAIL_ADDRESS', `${label}: invalid email address: ${text}`, [definition.name]),
        };
      }
      if (definition.type === 'picklist' && definition.restrictedPicklist && !activeValue(definition, text)) {
        return { ok: false, error: badPicklistValue(definition, text) };
      }
      if (definition.type === 'multipicklist') {
        const values = text
          .split(';')
          .map((entry) => entry.trim())
          .filter(Boolean);
        if (definition.restrictedPicklist) {
          const bad = values.find((entry) => !activeValue(definition, entry));
          if (bad !== undefined) return { ok: false, error: badPicklistValue(definition, bad) };
        }
        return { ok: true, value: values.length === 0 ? null : values.join(';') };
      }
      return { ok: true, value: text };
    }
  }
}

function activeValue(definition: FieldDef, value: string): boolean {
  return definition.picklistValues.some((entry) => entry.active && entry.value === value);
}

function badPicklistValue(definition: FieldDef, value: string): RecordError {
  return recordError(
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    `${definition.label}: bad value for restricted picklist field: ${value}`,
    [definition.name],
  );
}
