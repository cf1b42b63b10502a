import { describe, expect, it } from 'vitest';
import { SandboxHttpError } from './errors.ts';
import { defineProperty, options } from './properties.ts';
import { parseSearchRequest, runSearch, type SearchableRecord } from './search.ts';

const definitions = new Map(
  [
    defineProperty({ name: 'dealname', label: 'Name', type: 'string', fieldType: 'text', groupName: 'g' }),
    defineProperty({ name: 'amount', label: 'Amount', type: 'number', fieldType: 'number', groupName: 'g' }),
    defineProperty({ name: 'closedate', label: 'Close', type: 'datetime', fieldType: 'date', groupName: 'g' }),
    defineProperty({
      name: 'products',
      label: 'Products',
      type: 'enumeration',
      fieldType: 'checkbox',
      groupName: 'g',
      options: options([
        ['analytics', 'Analytics'],
        ['core', 'Core'],
      ]),
    }),
    defineProperty({ name: 'lead_source', label: 'Source', type: 'enumeration', fieldType: 'select', groupName: 'g' }),
  ].map((definition) => [definition.name, definition]),
);

const records: SearchableRecord[] = [
  {
    id: '1',
    properties: {
      dealname: 'Acme Corp - Analytics',
      amount: '900',
      closedate: '2026-01-15T00:00:00.000Z',
      products: 'analytics',
      lead_source: 'partner',
    },
  },
  {
    id: '2',
    properties: {
      dealname: 'Globex renewal 2026',
      amount: '15000',
      closedate: '2026-03-01T00:00:00.000Z',
      products: 'core;analytics',
      lead_source: 'inbound',
    },
  },
  { id: '3', properties: { dealname: 'Initech expansion', amount: '40000', products: 'core' } },
  { id: '4', properties: { dealname: 'acme-labs pilot', amount: '', lead_source: 'Partner' } },
];

const context = {
  objectType: 'deals' as const,
  definitions,
  associatedIds: (id: string) => new Set(id === '2' ? ['77'] : []),
};

function ids(filters: unknown[], extra: Record<string, unknown> = {}): string[] {
  const request = parseSearchRequest({ filterGroups: [{ filters }], ...extra });
  return runSearch(records, request, context).results.map((record) => record.id);
}

describe('runSearch', () => {
  it.each([
    ['EQ is case-insensitive', [{ propertyName: 'lead_source', operator: 'EQ', value: 'PARTNER' }], ['1', '4']],
    [
      'NEQ keeps records without the value',
      [{ propertyName: 'lead_source', operator: 'NEQ', value: 'partner' }],
      ['2', '3'],
    ],
    ['GT compares numbers, not text', [{ propertyName: 'amount', operator: 'GT', value: '1000' }], ['2', '3']],
    ['LTE', [{ propertyName: 'amount', operator: 'LTE', value: '15000' }], ['1', '2']],
    [
      'BETWEEN is inclusive',
      [{ propertyName: 'amount', operator: 'BETWEEN', value: '900', highValue: '15000' }],
      ['1', '2'],
    ],
    [
      'IN on a multi-select matches any selected option',
      [{ propertyName: 'products', operator: 'IN', values: ['core'] }],
      ['2', '3'],
    ],
    ['NOT_IN', [{ propertyName: 'lead_source', operator: 'NOT_IN', values: ['inbound'] }], ['1', '3', '4']],
    ['HAS_PROPERTY ignores empty strings', [{ propertyName: 'amount', operator: 'HAS_PROPERTY' }], ['1', '2', '3']],
    ['NOT_HAS_PROPERTY', [{ propertyName: 'closedate', operator: 'NOT_HAS_PROPERTY' }], ['3', '4']],
    [
      'CONTAINS_TOKEN matches whole tokens',
      [{ propertyName: 'dealname', operator: 'CONTAINS_TOKEN', value: 'acme' }],
      ['1', '4'],
    ],
    [
      'CONTAINS_TOKEN with a wildcard',
      [{ propertyName: 'dealname', operator: 'CONTAINS_TOKEN', value: 'expan*' }],
      ['3'],
    ],
    ['NOT_CONTAINS_TOKEN', [{ propertyName: 'dealname', operator: 'NOT_CONTAINS_TOKEN', value: 'acme' }], ['2', '3']],
    [
      'dates accept epoch milliseconds',
      [{ propertyName: 'closedate', operator: 'GTE', value: String(Date.UTC(2026, 1, 1)) }],
      ['2'],
    ],
    ['dates accept ISO dates', [{ propertyName: 'closedate', operator: 'LT', value: '2026-02-01' }], ['1']],
    [
      'associations.company filters by associated id',
      [{ propertyName: 'associations.company', operator: 'EQ', value: '77' }],
      ['2'],
    ],
    [
      'filters of one group are ANDed',
      [
        { propertyName: 'lead_source', operator: 'EQ', value: 'partner' },
        { propertyName: 'amount', operator: 'HAS_PROPERTY' },
      ],
      ['1'],
    ],
  ])('given %s, when searching, then it matches %j', (_name, filters, expected) => {
    expect(ids(filters)).toEqual(expected);
  });

  it('given two filter groups, when searching, then they are ORed', () => {
    const request = parseSearchRequest({
      filterGroups: [
        { filters: [{ propertyName: 'amount', operator: 'LT', value: '1000' }] },
        { filters: [{ propertyName: 'amount', operator: 'GT', value: '20000' }] },
      ],
    });
    expect(runSearch(records, request, context).results.map((record) => record.id)).toEqual(['1', '3']);
  });

  it('given a descending sort, when searching, then records without the value come last', () => {
    expect(ids([], { sorts: [{ propertyName: 'amount', direction: 'DESCENDING' }] })).toEqual(['3', '2', '1', '4']);
    expect(ids([], { sorts: ['-amount'] })).toEqual(['3', '2', '1', '4']);
    expect(ids([], { sorts: ['amount'] })).toEqual(['1', '2', '3', '4']);
  });

  it('given a free-text query, when searching, then name tokens match by prefix', () => {
    expect(ids([], { query: 'glob' })).toEqual(['2']);
  });

  it('given a page size, when paging, then after is the next offset and the total is all matches', () => {
    const first = runSearch(records, parseSearchRequest({ limit: 3 }), context);
    expect(first.total).toBe(4);
    expect(first.nextAfter).toBe('3');
    const second = runSearch(records, parseSearchRequest({ limit: 3, after: first.nextAfter }), context);
    expect(second.results.map((record) => record.id)).toEqual(['4']);
    expect(second.nextAfter).toBeUndefined();
  });

  it('given a result cap, when the last page below it is read, then it still points at the cap, which then fails', () => {
    const capped = { ...limits, maxResults: 3 };
    const page = runSearch(records, parseSearchRequest({ limit: 2, after: '1' }, capped), context, 3);
    expect(page.results.map((record) => record.id)).toEqual(['2', '3']);
    expect(page.nextAfter).toBe('3');
    expect(() => parseSearchRequest({ limit: 2, after: page.nextAfter }, capped)).toThrow(SandboxHttpError);
    const crossing = runSearch(records, parseSearchRequest({ limit: 5, after: '1' }, capped), context, 3);
    expect(crossing.results.map((record) => record.id)).toEqual(['2', '3']);
  });
});

const limits = { maxPageSize: 200, maxResults: 10_000, maxFilterGroups: 5, maxFiltersPerGroup: 6, maxFilters: 18 };

describe('parseSearchRequest', () => {
  const filter = { propertyName: 'amount', operator: 'HAS_PROPERTY' };
  it.each([
    ['a limit over 200', { limit: 201 }, 'limit'],
    ['a cursor at 10,000', { after: '10000' }, '10000'],
    ['six filter groups', { filterGroups: Array.from({ length: 6 }, () => ({ filters: [filter] })) }, 'filter groups'],
    [
      'seven filters in a group',
      { filterGroups: [{ filters: Array.from({ length: 7 }, () => filter) }] },
      'filters in a group',
    ],
    [
      'nineteen filters in all',
      { filterGroups: [1, 2, 3, 4].map((n) => ({ filters: Array.from({ length: n === 4 ? 1 : 6 }, () => filter) })) },
      'Too many filters (19)',
    ],
    [
      'an unknown operator',
      { filterGroups: [{ filters: [{ propertyName: 'a', operator: 'LIKE', value: 'x' }] }] },
      'Invalid operator',
    ],
    [
      'EQ without a value',
      { filterGroups: [{ filters: [{ propertyName: 'a', operator: 'EQ' }] }] },
      'requires a value',
    ],
    ['IN without values', { filterGroups: [{ filters: [{ propertyName: 'a', operator: 'IN' }] }] }, 'requires values'],
  ])('given %s, when parsed, then it is a 400 mentioning %s', (_name, body, fragment) => {
    let caught: unknown;
    try {
      parseSearchRequest(body, limits);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SandboxHttpError);
    expect((caught as SandboxHttpError).status).toBe(400);
    expect((caught as SandboxHttpError).body.message).toContain(fragment);
  });
});
