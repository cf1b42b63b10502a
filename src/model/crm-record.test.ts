import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.ts';
import { changedProperties, crmRecordIdSchema, requestedDealId } from './crm-record.ts';

describe('the write-back diff (changedProperties)', () => {
  it('given current and desired values, then only real changes are written (empty equals unset)', () => {
    expect(changedProperties({ a: 'x', b: '', c: null }, { a: 'x', b: '', c: '' })).toBeUndefined();
    expect(changedProperties({ a: 'x' }, { a: 'y', d: '1' })).toEqual({ a: 'y', d: '1' });
  });

  type Current = Record<string, string | null | undefined>;
  it.each<[string, Current, Record<string, string>, Record<string, string> | undefined]>([
    ['nothing desired', { pl_attribution_status: 'complete' }, {}, undefined],
    ['the same value', { pl_attribution_status: 'complete' }, { pl_attribution_status: 'complete' }, undefined],
    // HubSpot reads an empty string back as unset: null, '', undefined and a missing key are one value.
    ['null vs empty', { pl_sourced_partner: null }, { pl_sourced_partner: '' }, undefined],
    ['undefined vs empty', { pl_sourced_partner: undefined }, { pl_sourced_partner: '' }, undefined],
    ['a missing key vs empty', {}, { pl_sourced_partner: '' }, undefined],
    ['a missing key vs a value', {}, { pl_sourced_partner: '55' }, { pl_sourced_partner: '55' }],
    ['null vs a value', { pl_sourced_partner: null }, { pl_sourced_partner: '55' }, { pl_sourced_partner: '55' }],
    ['a value cleared', { pl_duplicate_of: '301' }, { pl_duplicate_of: '' }, { pl_duplicate_of: '' }],
    [
      'a value changed',
      { pl_attribution_status: 'missing_partner' },
      { pl_attribution_status: 'complete' },
      { pl_attribution_status: 'complete' },
    ],
    // Values are compared as the strings HubSpot holds: formatting a number differently is a change to write.
    [
      'a number formatted differently',
      { pl_duplicate_confidence: '0.9' },
      { pl_duplicate_confidence: '0.90' },
      { pl_duplicate_confidence: '0.90' },
    ],
    ['a number with the same digits', { pl_partner_score: '72' }, { pl_partner_score: '72' }, undefined],
    ['an integer vs its decimal form', { amount: '48000' }, { amount: '48000.00' }, { amount: '48000.00' }],
    // Comparison is exact: case and surrounding blanks are not normalised away.
    [
      'a different case',
      { pl_dedupe_status: 'Unique' },
      { pl_dedupe_status: 'unique' },
      { pl_dedupe_status: 'unique' },
    ],
    [
      'a trailing blank',
      { pl_dedupe_status: 'unique ' },
      { pl_dedupe_status: 'unique' },
      { pl_dedupe_status: 'unique' },
    ],
    // Only desired keys are looked at: other current values are neither written nor cleared.
    [
      'other current keys',
      { amount: '1', dealname: 'x', pl_dedupe_status: 'unique' },
      { pl_dedupe_status: 'unique' },
      undefined,
    ],
    [
      'some changed, some not',
      { pl_attribution_status: 'complete', pl_sourced_partner: '55', pl_duplicate_of: null },
      { pl_attribution_status: 'complete', pl_sourced_partner: '56', pl_duplicate_of: '', pl_dedupe_status: 'unique' },
      { pl_sourced_partner: '56', pl_dedupe_status: 'unique' },
    ],
  ])('given %s (current %j), when %j is desired, then the write is %j', (_case, current, desired, expected) => {
    expect(changedProperties(current, desired)).toStrictEqual(expected);
  });

  it('given a diff, when computed, then neither input is modified and the result is a new object', () => {
    const current = Object.freeze({ pl_attribution_status: 'missing_partner' });
    const desired = Object.freeze({ pl_attribution_status: 'complete' });
    const changed = changedProperties(current, desired);
    expect(changed).toStrictEqual({ pl_attribution_status: 'complete' });
    expect(changed).not.toBe(desired);
    expect(current).toStrictEqual({ pl_attribution_status: 'missing_partner' });
  });
});

describe('record ids a request names', () => {
  it.each([
    ['a HubSpot id on a HubSpot tenant', 'hubspot:1', '4815162342', true],
    ['a Salesforce id on a HubSpot tenant', 'hubspot:1', '006Hs00001AbCdEIAV', false],
    ['a Salesforce 18-character id on a Salesforce tenant', 'salesforce:00D', '006Hs00001AbCdEIAV', true],
    ['a Salesforce 15-character id on a Salesforce tenant', 'salesforce:00D', '006Hs00001AbCdE', true],
    ['a 16-character id on a Salesforce tenant', 'salesforce:00D', '006Hs00001AbCdEI', false],
    ['an injection attempt', 'hubspot:1', "1' or '1'='1", false],
    ['a path traversal', 'salesforce:00D', '../tenants', false],
    ['empty', 'hubspot:1', '', false],
    ['over 20 digits', 'hubspot:1', '1'.repeat(21), false],
  ])('given %s, then it is accepted: %s', (_case, tenantId, raw, accepted) => {
    if (accepted) expect(requestedDealId(tenantId, raw)).toBe(raw);
    else expect(() => requestedDealId(tenantId, raw)).toThrow(InvalidInputError);
  });

  it.each([
    ['a HubSpot id', '4815162342', true],
    ['a Salesforce id', '006Hs00001AbCdEIAV', true],
    ['an injection attempt', "1' or '1'='1", false],
    ['over 40 characters', 'a'.repeat(41), false],
  ])('given %s in a body, then the schema accepts it: %s', (_case, raw, accepted) => {
    expect(crmRecordIdSchema('partnerId', 'partner').safeParse(raw).success).toBe(accepted);
  });

  it('given a HubSpot tenant, then the refusal names the form it expected', () => {
    expect(() => requestedDealId('hubspot:1', 'abc')).toThrow('"abc" is not a HubSpot deal id');
  });
});
