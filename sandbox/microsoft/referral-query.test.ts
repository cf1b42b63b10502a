import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilter, parseOrderBy, parseTop, QueryError } from './referral-query.ts';

const referral = {
  id: 'a1',
  engagementId: '65edc0b5-3485-41b7-a17e-dfa9ef4706e2',
  externalReferenceId: null,
  status: 'New',
  substatus: 'Pending',
  type: 'Shared',
  direction: 'Incoming',
  qualification: 'SalesQualified',
  name: "O'Brien & Sons",
  updatedDateTime: '2026-06-30T12:00:00.0000000Z',
  createdDateTime: '2026-06-01T08:00:00.0000000Z',
  customerProfile: { address: { country: 'US' } },
  details: { dealValue: 10_000 },
};

describe('$filter', () => {
  it.each([
    ["status eq 'New'", true],
    ["status eq 'new'", false],
    ["status ne 'New'", false],
    ["status eq 'New' and qualification eq 'SalesQualified'", true],
    ["(type eq 'Shared' and direction eq 'Incoming')", true],
    ["customerProfile/address/country eq 'US' and direction eq 'Outgoing'", false],
    ["status eq 'Active' or substatus eq 'Pending'", true],
    ["not (status eq 'New')", false],
    ['engagementId eq 65edc0b5-3485-41b7-a17e-dfa9ef4706e2', true],
    ['updatedDateTime gt 2026-06-30T11:59:59Z', true],
    ['updatedDateTime gt 2026-06-30T12:00:00Z', false],
    ["updatedDateTime ge '2026-06-30T12:00:00.0000000Z'", true],
    ['createdDateTime lt 2026-06-30T00:00:00Z and updatedDateTime le 2026-07-01T00:00:00Z', true],
    ['externalReferenceId eq null', true],
    ["externalReferenceId eq 'hs-1'", false],
    ["externalReferenceId gt 'a'", false],
    ['details/dealValue ge 10000', true],
    ["name eq 'O''Brien & Sons'", true],
  ])('given %s, when it is applied to a New/Pending incoming referral, then it matches: %s', (expression, expected) => {
    expect(matchesFilter(parseFilter(expression), referral)).toBe(expected);
  });

  it.each([
    ["team/any(t:t/email eq 'x')", /lambda/],
    ["contains(name, 'x')", /functions/],
    ["colour eq 'blue'", /'colour' cannot be used/],
    ["status = 'New'", /expected eq/],
    ["status eq 'New", /unterminated/],
    ['status eq New', /not a valid literal/],
    ["(status eq 'New'", /parenthesis/],
    ["status eq 'New' extra", /unexpected text/],
    ["updatedDateTime gt 'yesterday'", /not a date-time/],
  ])('given %s, when it is parsed, then it is refused (%s)', (expression, message) => {
    expect(() => parseFilter(expression)).toThrow(message);
  });
});

describe('$orderby and $top', () => {
  it.each([
    [null, { field: 'createdDateTime', direction: 'asc' }],
    ['updatedDateTime', { field: 'updatedDateTime', direction: 'asc' }],
    ['createdDateTime desc', { field: 'createdDateTime', direction: 'desc' }],
    ['updatedDateTime DESC', { field: 'updatedDateTime', direction: 'desc' }],
  ])('given $orderby=%s, when parsed, then %o', (input, expected) => {
    expect(parseOrderBy(input)).toEqual(expected);
  });

  it.each(['name', 'createdDateTime sideways', 'createdDateTime,updatedDateTime'])(
    'given $orderby=%s, when parsed, then it is refused',
    (input) => {
      expect(() => parseOrderBy(input)).toThrow(QueryError);
    },
  );

  it.each([
    [null, undefined],
    ['10', 10],
  ])('given $top=%s, when parsed, then %s', (input, expected) => {
    expect(parseTop(input)).toBe(expected);
  });

  it.each(['0', '-1', 'ten', '1.5'])('given $top=%s, when parsed, then it is refused', (input) => {
    expect(() => parseTop(input)).toThrow(QueryError);
  });
});
