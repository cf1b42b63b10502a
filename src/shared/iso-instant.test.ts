import { describe, expect, it } from 'vitest';
import { EPOCH, isoInstant } from './iso-instant.ts';

describe('a CRM timestamp as an ISO instant (isoInstant)', () => {
  it.each([
    // Taken as they are (toISOString's form, Salesforce's +0000, a day every month has).
    ['2026-03-28T23:59:59.999Z', '2026-03-28T23:59:59.999Z'],
    ['2026-01-02T09:30:00.000+0000', '2026-01-02T09:30:00.000Z'],
    ['0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z'],
    // The long way: Date.parse rolls a day the month lacks over, and reads other forms.
    ['2026-02-30T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
    ['2027-02-29T12:00:00.000+0000', '2027-03-01T12:00:00.000Z'],
    ['2028-02-29T12:00:00.000Z', '2028-02-29T12:00:00.000Z'],
    ['2026-04-31T00:00:00.000Z', '2026-05-01T00:00:00.000Z'],
    ['2026-01-31T24:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    ['2026-03-31T00:00:00Z', '2026-03-31T00:00:00.000Z'],
    ['2026-03-10T10:00:00+02:00', '2026-03-10T08:00:00.000Z'],
    ['2026-03-10T10:00:00.000+0200', '2026-03-10T08:00:00.000Z'],
    ['2026-03-10', '2026-03-10T00:00:00.000Z'],
    ['2026-09-30T00:00:00.0000000Z', '2026-09-30T00:00:00.000Z'],
  ])('given %j, then %s, as Date.parse reads it', (value, expected) => {
    expect(isoInstant(value)).toBe(expected);
    expect(isoInstant(value)).toBe(new Date(Date.parse(value)).toISOString());
  });

  it('given text that is no timestamp, then null; the epoch is toISOString of 0', () => {
    expect(isoInstant('not a date')).toBeNull();
    expect(isoInstant('')).toBeNull();
    expect(isoInstant(null)).toBeNull();
    expect(isoInstant(undefined)).toBeNull();
    expect(EPOCH).toBe(new Date(0).toISOString());
  });
});
