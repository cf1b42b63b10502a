import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/testing/manual-clock.ts';
import { SalesforceOrg } from './org/salesforce-org.ts';
import { compileSoql, type QuerySource } from './soql/soql-executor.ts';
import { parseSoql, SoqlError } from './soql/soql-parser.ts';

/** The SOQL subset as a table: what parses, what each filter matches, and what Salesforce would refuse. */

function orgWithAccounts() {
  const clock = new ManualClock(Date.UTC(2026, 5, 30, 12));
  const org = new SalesforceOrg({ clock, orgId: '00D5L0000001PLSUA2', orgName: 'Test' });
  org.adminUserId = '0055L0000000001QAA';
  const ids = {
    acme: org.insert('Account', { Name: 'Acme Corp', Industry: 'Technology', Website: 'acme.example' }),
    globex: org.insert('Account', { Name: 'Globex', Industry: 'Retail' }),
    initech: org.insert('Account', { Name: 'Initech 50%', Industry: null }),
  };
  clock.advance(86_400_000);
  org.update('Account', ids.globex, { Website: 'globex.example' });
  const source: QuerySource = {
    object: (name) => org.object(name),
    rows: (def) => org.rows(def.name),
    lookup: (id) => org.getById(id),
    now: () => clock.now(),
  };
  const names = (soql: string) =>
    compileSoql(soql, source)
      .run({ includeDeleted: false })
      .map((row) => row.Name);
  return { org, clock, ids, source, names };
}

describe('parseSoql', () => {
  it.each([
    ['SELECT Id, Name FROM Account', 2],
    ["select id from account where name = 'x' order by name desc nulls last limit 5 offset 2", 1],
    ['SELECT Account.Owner.Name FROM Opportunity', 1],
  ])('given %s, when parsed, then it has %i selected field(s)', (soql, fields) => {
    const query = parseSoql(soql);
    expect(query.select === 'count' ? 0 : query.select.length).toBe(fields);
  });

  it('given COUNT(), when parsed, then the query counts', () => {
    expect(parseSoql('SELECT COUNT() FROM Account').select).toBe('count');
  });

  it.each([
    ['SELECT Id FROM Account WHERE', 'unexpected token: <EOF>'],
    ["SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", 'unexpected token: OR'],
    ['SELECT Id, (SELECT Id FROM Contacts) FROM Account', 'A relationship subquery is not supported'],
    ['SELECT COUNT(Id) FROM Account', 'COUNT(…) is not supported'],
    ['SELECT Id FROM Account GROUP BY Name', 'GROUP BY is not supported'],
    ['SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)', 'A semi-join subquery is not supported'],
    ['SELECT Id FROM Account WHERE Name = :name', 'A bind variable is not supported'],
    ['SELECT Id FROM Account WHERE CreatedDate = THIS_QUARTER', 'The date literal THIS_QUARTER is not supported'],
  ])('given %s, when parsed, then MALFORMED_QUERY says %s', (soql, reason) => {
    const error = (() => {
      try {
        parseSoql(soql);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SoqlError);
    expect((error as SoqlError).errorCode).toBe('MALFORMED_QUERY');
    expect((error as SoqlError).message).toContain(reason);
    expect((error as SoqlError).message).toMatch(/ERROR at Row:1:Column:\d+/);
  });
});

describe('compileSoql', () => {
  it.each([
    ["SELECT Name FROM Account WHERE Name = 'acme corp'", ['Acme Corp']],
    ["SELECT Name FROM Account WHERE Name != 'Acme Corp' ORDER BY Name", ['Globex', 'Initech 50%']],
    ["SELECT Name FROM Account WHERE Industry != 'Retail' ORDER BY Name", ['Acme Corp', 'Initech 50%']],
    ['SELECT Name FROM Account WHERE Industry = null', ['Initech 50%']],
    ["SELECT Name FROM Account WHERE Industry IN ('Retail', 'Technology') ORDER BY Name DESC", ['Globex', 'Acme Corp']],
    ["SELECT Name FROM Account WHERE NOT Name LIKE 'G%' ORDER BY Name", ['Acme Corp', 'Initech 50%']],
    ["SELECT Name FROM Account WHERE Name LIKE '%\\%'", ['Initech 50%']],
    ["SELECT Name FROM Account WHERE (Industry = 'Retail' OR Industry = null) AND Name LIKE 'g%'", ['Globex']],
    ['SELECT Name FROM Account WHERE SystemModstamp > 2026-06-30T12:00:00Z', ['Globex']],
    ['SELECT Name FROM Account WHERE LastModifiedDate = TODAY', ['Globex']],
    ['SELECT Name FROM Account WHERE CreatedDate = YESTERDAY ORDER BY Name LIMIT 2', ['Acme Corp', 'Globex']],
    ['SELECT Name FROM Account ORDER BY Website NULLS LAST, Name', ['Acme Corp', 'Globex', 'Initech 50%']],
    ['SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1', ['Globex']],
  ])('given %s, when run, then it returns %j', (soql, expected) => {
    const { names } = orgWithAccounts();
    expect(names(soql)).toEqual(expected);
  });

  it('given a 15-character id, when filtered on Id, then the 18-character record matches', () => {
    const { names, ids } = orgWithAccounts();
    expect(names(`SELECT Name FROM Account WHERE Id = '${ids.acme.slice(0, 15)}'`)).toEqual(['Acme Corp']);
  });

  it.each([
    ['SELECT Nme FROM Account', 'INVALID_FIELD', "No such column 'Nme' on entity 'Account'"],
    ['SELECT Id FROM Acount', 'INVALID_TYPE', "sObject type 'Acount' is not supported"],
    ['SELECT Parent.Name FROM Account', 'INVALID_FIELD', "Didn't understand relationship 'Parent'"],
    ["SELECT Id FROM Account WHERE CreatedDate > '2026-01-01'", 'INVALID_FIELD', 'must be of type dateTime'],
    ['SELECT Id FROM Account WHERE CreatedDate > 2026-01-01', 'INVALID_FIELD', 'must be of type dateTime'],
    ['SELECT Id FROM Account WHERE Name = 5', 'INVALID_FIELD', 'must be of type string'],
    ["SELECT Id FROM Account WHERE Id = 'nope'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: nope'],
    ['SELECT Id, Name, name FROM Account', 'MALFORMED_QUERY', 'duplicate field selected: Name'],
    ['SELECT Id FROM Account OFFSET 2001', 'NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000'],
  ])('given %s, when compiled, then Salesforce would answer %s', (soql, code, reason) => {
    const { source } = orgWithAccounts();
    expect(() => compileSoql(soql, source)).toThrow(expect.objectContaining({ errorCode: code }));
    expect(() => compileSoql(soql, source)).toThrow(reason);
  });

  it('given relationship fields, when rendered, then they nest under the relationship with attributes', () => {
    const { org, source, ids } = orgWithAccounts();
    org.load('User', [
      { Id: '0055L0000000001QAA', Username: 'a@x.example', LastName: 'Admin', Name: 'Ada Admin', Email: 'a@x.example' },
    ]);
    const compiled = compileSoql(`SELECT Name, Owner.Name, Owner.Email FROM Account WHERE Id = '${ids.acme}'`, source);
    const [row] = compiled.run({ includeDeleted: false });
    expect(row && compiled.render(row, '/services/data/v62.0')).toEqual({
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${ids.acme}` },
      Name: 'Acme Corp',
      Owner: {
        attributes: { type: 'User', url: '/services/data/v62.0/sobjects/User/0055L0000000001QAA' },
        Name: 'Ada Admin',
        Email: 'a@x.example',
      },
    });
  });
});
