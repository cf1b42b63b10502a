import type { SeededRandom } from '../../src/shared/seeded-random.ts';

/**
 * The labelled dedupe world's lists (labelled-deals.ts): countries with their currencies, legal forms and how people
 * misspell them, the words company names are made of, product families and editions, stages, loss reasons and lead
 * sources; and the text noise every record may carry (accents folded away, one keyboard slip).
 */

export interface Country {
  code: string;
  region: string;
  currency: string;
  tld: string;
  forms: readonly string[];
  accents: boolean;
  /** Units of the local currency per USD (prices are local). */
  rate: number;
}

export const COUNTRIES: ReadonlyArray<readonly [Country, number]> = [
  [
    { code: 'US', region: 'NA', currency: 'USD', tld: 'com', forms: ['Inc', 'LLC', 'Corp'], rate: 1, accents: false },
    44,
  ],
  [{ code: 'CA', region: 'NA', currency: 'CAD', tld: 'ca', forms: ['Inc', 'Ltd'], rate: 1.35, accents: false }, 5],
  [
    {
      code: 'GB',
      region: 'EMEA',
      currency: 'GBP',
      tld: 'co.uk',
      forms: ['Ltd', 'Limited', 'plc'],
      rate: 0.8,
      accents: false,
    },
    10,
  ],
  [{ code: 'DE', region: 'EMEA', currency: 'EUR', tld: 'de', forms: ['GmbH', 'AG'], rate: 0.92, accents: true }, 10],
  [{ code: 'FR', region: 'EMEA', currency: 'EUR', tld: 'fr', forms: ['SA', 'SAS'], rate: 0.92, accents: true }, 7],
  [{ code: 'NL', region: 'EMEA', currency: 'EUR', tld: 'nl', forms: ['B.V.', 'BV'], rate: 0.92, accents: false }, 5],
  [{ code: 'ES', region: 'EMEA', currency: 'EUR', tld: 'es', forms: ['S.L.', 'SA'], rate: 0.92, accents: true }, 4],
  [{ code: 'BR', region: 'LATAM', currency: 'BRL', tld: 'com.br', forms: ['Ltda'], rate: 5, accents: true }, 5],
  [{ code: 'JP', region: 'APAC', currency: 'JPY', tld: 'co.jp', forms: ['K.K.'], rate: 150, accents: false }, 4],
  [{ code: 'AU', region: 'APAC', currency: 'AUD', tld: 'com.au', forms: ['Pty Ltd'], rate: 1.5, accents: false }, 6],
];

/** Legal-form spellings people swap for one another (the noise, not a different company). */
export const FORM_VARIANTS: Readonly<Record<string, readonly string[]>> = {
  Inc: ['Inc.', ', Inc.', 'Incorporated', 'INC', 'LLC', 'Corp'],
  LLC: ['L.L.C.', 'Inc', 'llc'],
  Corp: ['Corp.', 'Corporation', 'Inc'],
  Ltd: ['Ltd.', 'Limited', 'LTD'],
  Limited: ['Ltd', 'Ltd.'],
  plc: ['PLC', 'Plc'],
  GmbH: ['Gmbh', 'GMBH'],
  AG: ['A.G.'],
  SA: ['S.A.', 'sa'],
  SAS: ['S.A.S.'],
  'B.V.': ['BV', 'B.V'],
  BV: ['B.V.'],
  'S.L.': ['SL'],
  Ltda: ['Ltda.', 'LTDA'],
  'K.K.': ['KK'],
  'Pty Ltd': ['Pty. Ltd.', 'PTY LTD', 'Pty Limited'],
};

export const SYLLABLES = (
  'ka lo vi ne tra dor mex zen qua ri sol ta ven ix ar bel cor den fa gal hel ion jun kor lum mar nor ' +
  'ob pax quin ros sar tel ul vor wex xen yar zo bra cel dra el fin gro har is ja kel lin mo nu'
).split(' ');
export const FIRST_WORDS = (
  'Apex Summit Blue North River Pine Cedar Atlas Nova Orion Vertex Pioneer Harbor Silver Golden Iron ' +
  'Granite Crescent Falcon Eagle Maple Oak Redwood Sierra Coastal Prairie Meridian Beacon Bright Clear ' +
  'Delta Echo Frontier Global Horizon Keystone Liberty Lighthouse Mosaic Northstar Pacific Peak ' +
  'Pinnacle Quantum Radiant Sapphire Sterling Stonebridge Sunrise Trinity Unity Vanguard Westfield ' +
  'Willow Zenith Alpine Aurora Bayside Canyon Cobalt Copper Crown Evergreen Fairway Glacier Highland ' +
  'Ivory Juniper Lakeside Lumen Magnolia Metro Midland Noble Oasis Onyx Paragon Polar Prime Raven Ridge ' +
  'Sable Seaside Signal Spruce Starlight Tidewater Titan Union Valley Vista Whitestone Bluebird Birch ' +
  'Compass Harvest Legacy Orchard Riverbend'
).split(' ');
export const INDUSTRY_WORDS = (
  'Systems Solutions Technologies Labs Health Logistics Analytics Foods Energy Capital Robotics ' +
  'Software Networks Biotech Partners Industries Media Consulting Dynamics Manufacturing Retail ' +
  'Insurance Pharma Motors Hospitality Security Cloud Data Digital Engineering Financial Group ' +
  'Interactive Medical Materials Marine Brewing Apparel Telecom Utilities Ventures Works Supply ' +
  'Aerospace Education Realty Freight Textiles Chemicals'
).split(' ');
export const SUBSIDIARY_QUALIFIERS = (
  'Europe|UK|Germany|Health|Financial Services|Labs|Americas|Asia Pacific|Japan|Services|Government|' +
  'Federal|Nordics|Iberia|Benelux|Canada|Retail|Logistics|Ventures|Research'
).split('|');
export const FAMILIES = [
  { name: 'Analytics', unitPrice: 420 },
  { name: 'Security', unitPrice: 610 },
  { name: 'Data Platform', unitPrice: 880 },
  { name: 'Integrations', unitPrice: 240 },
  { name: 'Observability', unitPrice: 530 },
  { name: 'Collaboration', unitPrice: 180 },
  { name: 'Payments', unitPrice: 350 },
  { name: 'Identity', unitPrice: 300 },
  { name: 'Backup', unitPrice: 150 },
  { name: 'Workflow', unitPrice: 270 },
  { name: 'AI Assistant', unitPrice: 720 },
  { name: 'Field Service', unitPrice: 390 },
] as const;
export const EDITIONS = ['Starter', 'Pro', 'Enterprise', 'Professional'];
export const OPEN_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
];
export const LOSS_REASONS = ['Price', 'Chose a competitor', 'No budget', 'Timing', 'No decision'];
export const LEAD_SOURCES = ['Partner', 'Inbound', 'Outbound', 'Event', 'Referral'];
const KEYBOARD = 'qwertyuiopasdfghjklzxcvbnm';

export type Intent = 'new_business' | 'expansion' | 'renewal';

export const DAY_MS = 86_400_000;
export const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

/** Lower-case ASCII fold used for keys and domains (and, with keepCase, to strip accents the way exports do). */
export function fold(value: string, keepCase = false): string {
  const ascii = value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return keepCase ? ascii : ascii.toLowerCase();
}

/** One keyboard slip in a word of four letters or more: drop, double, swap or replace a letter. */
export function typo(random: SeededRandom, text: string): string {
  const words = [...text.matchAll(/[A-Za-z]{4,}/g)];
  if (words.length === 0) return text;
  const word = random.pick(words);
  const start = (word.index ?? 0) + 1;
  const at = random.int(start, start + (word[0]?.length ?? 2) - 2);
  const kind = random.int(0, 3);
  if (kind === 0) return text.slice(0, at) + text.slice(at + 1);
  if (kind === 1) return text.slice(0, at) + text.charAt(at) + text.slice(at);
  if (kind === 2) return text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
  return text.slice(0, at) + random.pick([...KEYBOARD]) + text.slice(at + 1);
}
