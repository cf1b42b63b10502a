// The Salesforce card speaks the HubSpot card's contract (extensions/app/cards/card-api.ts). An LWC bundle cannot
// import TypeScript from outside force-app, so this checks what was copied: the Jest fixtures are exact CardViews,
// and the lists and labels in the LWC and the Apex class are src/model's and the HubSpot card's.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ATTRIBUTION_STATUSES } from '../../src/model/attribution.ts';
import { MOTION_STATES } from '../../src/model/cosell.ts';
import { PARTNER_ROLES } from '../../src/model/deal.ts';
import { DEDUPE_STATUSES } from '../../src/model/dedupe.ts';
import { PARTNER_TYPES } from '../../src/model/partner.ts';
import { type CardView, type PartnerSearchResponse, SPLIT_PCT_MAX, SPLIT_PCT_MIN } from '../app/cards/card-api.ts';
import * as hubspotConfig from '../app/cards/card-config.ts';
import * as hubspotFormat from '../app/cards/card-format.ts';

const PROJECT_DIR = dirname(fileURLToPath(import.meta.url));
const DEFAULT_DIR = join(PROJECT_DIR, 'force-app', 'main', 'default');
const DATA_DIR = join(DEFAULT_DIR, 'lwc', 'partnerCard', '__tests__', 'data');

// --- CardView, strictly: every key the contract has and no other ----------------------------------------------

const nullableNumber = z.number().nullable();
const partnerRole = z.enum(PARTNER_ROLES);
const motionState = z.enum(MOTION_STATES);

const cardViewSchema: z.ZodType<CardView> = z.strictObject({
  deal: z.strictObject({
    id: z.string().regex(/^006[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, 'a Salesforce Opportunity id'),
    name: z.string(),
    stage: z.string(),
    amount: nullableNumber,
    currency: z.string().nullable(),
    isClosed: z.boolean(),
  }),
  attribution: z.strictObject({
    status: z.enum(ATTRIBUTION_STATUSES),
    issues: z.array(z.string()),
    partners: z.array(
      z.strictObject({
        partnerId: z.string(),
        name: z.string(),
        role: partnerRole,
        splitPct: nullableNumber,
        tier: z.string().nullable(),
        score: nullableNumber,
      }),
    ),
    frozen: z.boolean(),
    suggestedFix: z
      .strictObject({ partnerId: z.string(), name: z.string(), role: partnerRole, reason: z.string() })
      .nullable(),
  }),
  dedupe: z.strictObject({
    status: z.enum(DEDUPE_STATUSES),
    duplicates: z.array(
      z.strictObject({
        otherDealId: z.string(),
        otherDealName: z.string().nullable(),
        kind: z.enum(['duplicate', 'registration_conflict']),
        confidence: z.number().min(0).max(1),
        reasons: z.array(z.string()),
        url: z.string().nullable(),
      }),
    ),
  }),
  nextBestPartner: z
    .strictObject({ partnerId: z.string(), name: z.string(), fitScore: z.number(), reason: z.string() })
    .nullable(),
  motions: z.array(
    z.strictObject({
      id: z.string(),
      state: motionState,
      partnerId: z.string().nullable(),
      partnerName: z.string().nullable(),
      programme: z.string().nullable(),
      ask: z.string(),
      ownerId: z.string().nullable(),
      slaDueAt: z.string().nullable(),
      aging: z.boolean(),
      allowedTransitions: z.array(motionState),
      history: z.array(
        z.strictObject({
          at: z.string(),
          from: motionState.nullable(),
          to: motionState,
          actor: z.string(),
          note: z.string().nullable(),
        }),
      ),
      cloud: z
        .strictObject({
          programme: z.enum(['aws_ace', 'microsoft_referrals']),
          status: z.string(),
          stage: z.string().nullable(),
          externalId: z.string().nullable(),
          issues: z.array(z.strictObject({ field: z.string(), message: z.string() })),
          lastError: z.string().nullable(),
        })
        .nullable(),
    }),
  ),
});

const rosterSchema: z.ZodType<PartnerSearchResponse> = z.strictObject({
  partners: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      type: z.enum(PARTNER_TYPES),
      tier: z.string().nullable(),
      score: nullableNumber,
    }),
  ),
});

const fixtures = readdirSync(DATA_DIR).filter((file) => file.endsWith('.json'));

describe('the LWC Jest fixtures', () => {
  it('given the data folder, when listed, then it holds the card states the suites use', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    expect(fixtures).toContain('roster.json');
  });

  it.each(fixtures)('given %s, when checked against card-api.ts, then it is exactly the contract’s shape', (file) => {
    const value: unknown = JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8'));
    const result = (file === 'roster.json' ? rosterSchema : cardViewSchema).safeParse(value);
    expect(result.success, result.success ? '' : z.prettifyError(result.error)).toBe(true);
  });
});

// --- what the LWC and the Apex class copied ---------------------------------------------------------------------

interface LwcFormat {
  PARTNER_ROLES: string[];
  MOTION_STATES: string[];
  ROLE_LABELS: Record<string, string>;
  ATTRIBUTION_STATUS: Record<string, unknown>;
  DEDUPE_STATUS: Record<string, unknown>;
  MOTION_STATE: Record<string, unknown>;
  TRANSITION_ACTIONS: Record<string, unknown>;
  SLA_DAYS_MIN: number;
  SLA_DAYS_MAX: number;
  COSELL_ASK_MAX_CHARS: number;
  PARTNER_SEARCH_MIN_CHARS: number;
  SPLIT_PCT_MIN: number;
  SPLIT_PCT_MAX: number;
}

async function lwcFormat(): Promise<LwcFormat> {
  // Plain ESM without imports, so Node loads it as is; a variable path keeps tsc from resolving a .js module.
  const path = join(DEFAULT_DIR, 'lwc', 'partnerLoopFormat', 'partnerLoopFormat.js');
  return (await import(path)) as LwcFormat;
}

const apexSource = readFileSync(join(DEFAULT_DIR, 'classes', 'PartnerLoopCardController.cls'), 'utf8');

/** The string literals of an Apex `Set<String>{ … }` constant. */
function apexSet(name: string): string[] {
  const match = new RegExp(`${name} = new Set<String>\\{([^}]*)\\}`).exec(apexSource);
  return [...(match?.[1] ?? '').matchAll(/'([^']*)'/g)].map((literal) => literal[1] ?? '');
}

describe('lists and labels copied into the Salesforce card', () => {
  it('given the LWC format module, when compared, then its lists are src/model’s', async () => {
    const format = await lwcFormat();
    expect(format.PARTNER_ROLES).toEqual([...PARTNER_ROLES]);
    expect(format.MOTION_STATES).toEqual([...MOTION_STATES]);
    expect(Object.keys(format.ATTRIBUTION_STATUS)).toEqual([...ATTRIBUTION_STATUSES]);
    expect(Object.keys(format.DEDUPE_STATUS)).toEqual([...DEDUPE_STATUSES]);
  });

  it('given the LWC format module, when compared, then its words and bounds are the HubSpot card’s', async () => {
    const format = await lwcFormat();
    expect(format.ROLE_LABELS).toEqual(hubspotFormat.ROLE_LABELS);
    expect(format.ATTRIBUTION_STATUS).toEqual(hubspotFormat.ATTRIBUTION_STATUS);
    expect(format.DEDUPE_STATUS).toEqual(hubspotFormat.DEDUPE_STATUS);
    expect(format.MOTION_STATE).toEqual(hubspotFormat.MOTION_STATE);
    expect(format.TRANSITION_ACTIONS).toEqual(hubspotFormat.TRANSITION_ACTIONS);
    expect({
      search: format.PARTNER_SEARCH_MIN_CHARS,
      slaMin: format.SLA_DAYS_MIN,
      slaMax: format.SLA_DAYS_MAX,
      ask: format.COSELL_ASK_MAX_CHARS,
      splitMin: format.SPLIT_PCT_MIN,
      splitMax: format.SPLIT_PCT_MAX,
    }).toEqual({
      search: hubspotConfig.PARTNER_SEARCH_MIN_CHARS,
      slaMin: hubspotConfig.SLA_DAYS_MIN,
      slaMax: hubspotConfig.SLA_DAYS_MAX,
      ask: hubspotConfig.COSELL_ASK_MAX_CHARS,
      splitMin: SPLIT_PCT_MIN,
      splitMax: SPLIT_PCT_MAX,
    });
  });

  it('given the Apex class, when read, then its roles, states and timeout are the contract’s', () => {
    expect(apexSet('PARTNER_ROLES')).toEqual([...PARTNER_ROLES]);
    expect(apexSet('MOTION_STATES')).toEqual([...MOTION_STATES]);
    expect(apexSource).toContain(`TIMEOUT_MS = ${hubspotConfig.REQUEST_TIMEOUT_MS};`);
  });
});
