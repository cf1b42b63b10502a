import { describe, expect, it } from 'vitest';
import {
  dayNumber,
  dealNameIntent,
  normalizeAmount,
  normalizeCompanyName,
  normalizeDomain,
  normalizeText,
  parseDealName,
  productFamilies,
  productFamily,
  relativeDifference,
} from './deal-normalization.ts';

describe('normalizeText', () => {
  it.each([
    ['ACME  Robotics', 'acme robotics'],
    ['Société Générale', 'societe generale'],
    ['Müller & Söhne', 'muller and sohne'],
    ['Straße Ærø Łódź', 'strasse aero lodz'],
    ['O’Brien’s  (UK)', 'obriens uk'],
    ['  --  ', ''],
    ["O'Neil & Sons, Ltd.", 'oneil and sons ltd'],
    ['AT&T', 'at and t'],
    ['&Co', 'and co'],
    ['Data`Cloud\tFY2025\r\n', 'datacloud fy2025'],
    ['\u0001Acme\u007f', 'acme'],
    ['\u212Aelvin', 'kelvin'],
  ])('given "%s", when normalized, then it reads "%s"', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('given any ASCII text, then the one-scan path reads as the regular expressions do', () => {
    const byExpressions = (value: string) =>
      value
        .toLowerCase()
        .replace(/&/g, ' and ')
        .replace(/['`]/g, '')
        .replace(/[^a-z0-9]+/g, ' ')
        .trim();
    const alphabet = "aZ9 -&'`.,_/()\t\u0001~";
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let n = 0; n < 20_000; n += 1) {
      let text = '';
      for (let length = Math.floor(next() * 12); length > 0; length -= 1) {
        text += alphabet[Math.floor(next() * alphabet.length)];
      }
      expect(normalizeText(text), JSON.stringify(text)).toBe(byExpressions(text));
    }
  });
});

describe('normalizeCompanyName', () => {
  it.each([
    ['Acme Robotics, Inc.', 'acme robotics', 'us'],
    ['ACME ROBOTICS INC', 'acme robotics', 'us'],
    ['Acme Robotics Incorporated', 'acme robotics', 'us'],
    ['Acme Robotics LLC', 'acme robotics', 'us'],
    ['Acme Robotics L.L.C.', 'acme robotics', 'us'],
    ['Acme Robotics GmbH & Co. KG', 'acme robotics', 'de'],
    ['Acme Robotics Pty. Ltd.', 'acme robotics', 'au'],
    ['Société Générale S.A.', 'societe generale', 'fr'],
    ['Holland Data B.V.', 'holland data', 'nl'],
    ['The Acme Company', 'acme', 'us'],
    ['Acme Robotics', 'acme robotics', null],
    ['Inc', 'inc', null],
  ])('given "%s", when normalized, then the core is "%s" and the legal family %s', (input, core, family) => {
    const name = normalizeCompanyName(input);
    expect(name.core).toBe(core);
    expect(name.legalFamily).toBe(family);
  });
});

describe('normalizeDomain', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['WWW.Acme.COM', 'acme.com'],
    ['https://www.acme.com/about?x=1', 'acme.com'],
    ['http://acme.com:8080', 'acme.com'],
    ['sales@acme.co.uk', 'acme.co.uk'],
    ['eu.shop.acme.com.au', 'acme.com.au'],
    ['acme.com.', 'acme.com'],
    ['not a domain', null],
    ['', null],
    [null, null],
  ])('given %j, when normalized, then the registrable domain is %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });
});

describe('productFamily', () => {
  it.each([
    ['Analytics Pro', 'analytics'],
    ['analytics-enterprise (annual)', 'analytics'],
    ['Analytics Add-on Seats', 'analytics'],
    ['Data Platform Enterprise v2', 'data platform'],
    ['AI Assistant Professional', 'ai assistant'],
    ['Enterprise', 'enterprise'],
  ])('given "%s", when reduced to a family, then it is "%s"', (product, family) => {
    expect(productFamily(product)).toBe(family);
  });

  it('given an explicit family map, when a product is listed, then the map wins', () => {
    expect(productFamily('Insight 360', { 'insight 360': 'Analytics' })).toBe('analytics');
  });

  it('given several SKUs of two families, when grouped, then the families are unique and sorted', () => {
    expect(productFamilies(['Security Pro', 'Analytics Starter', 'Analytics Enterprise'])).toEqual([
      'analytics',
      'security',
    ]);
  });
});

describe('parseDealName', () => {
  it.each([
    ['Acme - Renewal 2025', 'renewal', 2025, null, null],
    ['Acme Analytics Renewal FY26', 'renewal', 2026, null, null],
    ["Acme renewal '24", 'renewal', 2024, null, null],
    ['Acme - Expansion Q3', 'expansion', null, 3, null],
    ['Acme Analytics Upsell 40 seats', 'expansion', null, null, 40],
    ['Acme: add 12 users', 'expansion', null, null, 12],
    ['Acme | Analytics | New Logo', 'new_business', null, null, null],
    ['Acme - Analytics', null, null, null, null],
  ])('given "%s", when parsed, then intent %s, year %s, quarter %s, units %s', (name, intent, year, quarter, units) => {
    const facts = parseDealName(name);
    expect([facts.intent, facts.year, facts.quarter, facts.units]).toEqual([intent, year, quarter, units]);
    expect(facts.text).toBe(normalizeText(name));
    // The intent alone (attribution's hygiene) is the same answer.
    expect(dealNameIntent(name)).toBe(intent);
  });
});

describe('amounts and dates', () => {
  it.each([
    [50_000, 50_000],
    [0, null],
    [-10, null],
    [null, null],
    [Number.NaN, null],
  ])('given amount %s, when normalized, then %s', (input, expected) => {
    expect(normalizeAmount(input)).toBe(expected);
  });

  it('given two amounts, when compared, then the difference is relative to the larger', () => {
    expect(relativeDifference(97, 100)).toBeCloseTo(0.03);
    expect(relativeDifference(null, 100)).toBeNull();
  });

  it.each([
    ['1970-01-02', 1],
    ['2025-06-30', 20_269],
    ['2025-06-30T23:59:59Z', 20_269],
    [null, null],
    ['garbage', null],
  ])('given %j, when turned into a day number, then %j', (input, expected) => {
    expect(dayNumber(input)).toBe(expected);
  });
});
