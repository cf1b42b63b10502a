import { describe, expect, it } from 'vitest';
import { salesforceRecordLinks } from './salesforce-links.ts';

describe('salesforceRecordLinks', () => {
  it.each([
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/', 'https://acme.my.salesforce.com'],
    ['https://acme--dev.sandbox.my.salesforce.com/services/data', 'https://acme--dev.sandbox.my.salesforce.com'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])(
    'given the instance URL %s, then deals and partners open as Lightning record pages on %s',
    (instanceUrl, origin) => {
      const links = salesforceRecordLinks(instanceUrl);
      expect(links.deal('006Hs00001AbCdEIAV')).toBe(`${origin}/lightning/r/Opportunity/006Hs00001AbCdEIAV/view`);
      expect(links.partner('001Hs00003PaRtNIAA')).toBe(`${origin}/lightning/r/Account/001Hs00003PaRtNIAA/view`);
    },
  );

  it('given an id with URL syntax in it, then it stays one path segment', () => {
    expect(salesforceRecordLinks('https://acme.my.salesforce.com').deal('../x?y#z')).toBe(
      'https://acme.my.salesforce.com/lightning/r/Opportunity/..%2Fx%3Fy%23z/view',
    );
  });

  it.each([['acme.my.salesforce.com'], ['javascript:alert(1)'], ['']])(
    'given %j, then it is refused as an instance URL',
    (instanceUrl) => {
      expect(() => salesforceRecordLinks(instanceUrl)).toThrow('is not a Salesforce instance URL');
    },
  );
});
