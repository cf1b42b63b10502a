// CardViews for the card's tests and the local card preview: one deal (id 9001) in the states a seller meets.
// Each is a complete, valid answer of GET /api/card/deals/{dealId} (or of a mutation that ends in that state).

import type { CardMotion, CardPartner, CardView, RosterPartner } from '../card-api.ts';

export const FIXTURE_DEAL_ID = '9001';
export const FIXTURE_PORTAL_ID = 123;

const deal: CardView['deal'] = {
  id: FIXTURE_DEAL_ID,
  name: 'Globex – data platform expansion',
  stage: 'qualifiedtobuy',
  amount: 48_000,
  currency: 'USD',
  isClosed: false,
};

export const acmeSourced: CardPartner = {
  partnerId: 'p-acme',
  name: 'Acme Cloud Partners',
  role: 'sourced',
  splitPct: 100,
  tier: 'strategic',
  score: 87,
};

export const birchInfluenced: CardPartner = {
  partnerId: 'p-birch',
  name: 'Birch Consulting',
  role: 'influenced',
  splitPct: null,
  tier: 'core',
  score: 64.4,
};

export const cedarSuggestion: NonNullable<CardView['nextBestPartner']> = {
  partnerId: 'p-cedar',
  name: 'Cedar Systems',
  fitScore: 72,
  reason: 'Wins most mid-market EMEA data-platform deals.',
};

export const rosterPartners: RosterPartner[] = [
  { id: 'p-acme', name: 'Acme Cloud Partners', type: 'named', tier: 'strategic', score: 87 },
  { id: 'p-acorn', name: 'Acorn Resellers', type: 'self_serve', tier: 'long_tail', score: 31 },
];

/** Fully tagged: a sourced and an influenced partner, no duplicates, a suggestion. */
export const completeView: CardView = {
  deal,
  attribution: {
    status: 'complete',
    issues: [],
    partners: [acmeSourced, birchInfluenced],
    frozen: false,
    suggestedFix: null,
  },
  dedupe: { status: 'unique', duplicates: [] },
  nextBestPartner: cedarSuggestion,
  motions: [],
};

/** Partner-involved (a registration exists) but nobody tagged; the registration gives an unambiguous fix. */
export const missingAttributionView: CardView = {
  deal,
  attribution: {
    status: 'missing_partner',
    issues: ['A sourced partner is required from stage “Qualified to buy” on partner-involved deals.'],
    partners: [],
    frozen: false,
    suggestedFix: {
      partnerId: 'p-acme',
      name: 'Acme Cloud Partners',
      role: 'sourced',
      reason: 'Acme Cloud Partners holds the approved registration for this deal.',
    },
  },
  dedupe: { status: 'unique', duplicates: [] },
  nextBestPartner: null,
  motions: [],
};

/** What the service answers after the suggested fix was applied to `missingAttributionView`. */
export const fixedAttributionView: CardView = {
  ...missingAttributionView,
  attribution: {
    status: 'complete',
    issues: [],
    partners: [{ ...acmeSourced }],
    frozen: false,
    suggestedFix: null,
  },
};

/** Another seller entered the same buying event. */
export const suspectedDuplicateView: CardView = {
  ...completeView,
  dedupe: {
    status: 'suspected',
    duplicates: [
      {
        otherDealId: '7777',
        otherDealName: 'Globex data platform',
        kind: 'duplicate',
        confidence: 0.934,
        reasons: ['Same account (globex.com) and amount within 2%', 'Created 3 days apart by different owners'],
        url: `https://app.hubspot.com/contacts/${FIXTURE_PORTAL_ID}/record/0-3/7777`,
      },
    ],
  },
};

/** After "Not a duplicate" on `suspectedDuplicateView`. */
export const notDuplicateView: CardView = {
  ...completeView,
  dedupe: { status: 'not_duplicate', duplicates: [] },
};

/** Two partners registered the same deal (channel conflict); attribution is in conflict too. */
export const registrationConflictView: CardView = {
  ...completeView,
  attribution: {
    ...completeView.attribution,
    status: 'conflict',
    issues: ['Acme Cloud Partners and Birch Consulting both hold an approved registration.'],
  },
  dedupe: {
    status: 'suspected',
    duplicates: [
      {
        otherDealId: '8123',
        otherDealName: null,
        kind: 'registration_conflict',
        confidence: 0.81,
        reasons: ['Registered by Birch Consulting for the same account and product'],
        url: null,
      },
    ],
  },
};

/** No partner signal at all. */
export const notPartnerInvolvedView: CardView = {
  deal,
  attribution: { status: 'not_partner_involved', issues: [], partners: [], frozen: false, suggestedFix: null },
  dedupe: { status: 'unique', duplicates: [] },
  nextBestPartner: cedarSuggestion,
  motions: [],
};

/** After tagging Acorn as a reseller with a 40 % split from `notPartnerInvolvedView`. */
export const taggedFromPickerView: CardView = {
  ...notPartnerInvolvedView,
  attribution: {
    status: 'complete',
    issues: [],
    partners: [
      { partnerId: 'p-acorn', name: 'Acorn Resellers', role: 'reseller', splitPct: 40, tier: 'long_tail', score: 31 },
    ],
    frozen: false,
    suggestedFix: null,
  },
};

/** Closed won: attribution is frozen. */
export const closedFrozenView: CardView = {
  ...completeView,
  deal: { ...deal, stage: 'closedwon', isClosed: true },
  attribution: { ...completeView.attribution, frozen: true },
  nextBestPartner: null,
};

export const requestedMotion: CardMotion = {
  id: 'm-1',
  state: 'requested',
  partnerId: 'p-acme',
  partnerName: 'Acme Cloud Partners',
  programme: null,
  ask: 'Joint discovery call with the Globex data team before 15 March.',
  ownerId: 'u-77',
  slaDueAt: '2026-03-10T17:00:00.000Z',
  aging: false,
  allowedTransitions: ['accepted', 'rejected', 'withdrawn'],
  history: [
    { at: '2026-03-03T09:30:00.000Z', from: null, to: 'draft', actor: 'Dana Seller', note: null },
    { at: '2026-03-03T09:30:00.000Z', from: 'draft', to: 'requested', actor: 'Dana Seller', note: null },
  ],
  cloud: null,
};
/** A motion to AWS that AWS would refuse: what the seller must fix, in words. */
export const awsMotionNeedingFixes: CardMotion = {
  ...requestedMotion,
  id: 'm-aws',
  partnerId: null,
  partnerName: null,
  programme: 'AWS ACE',
  cloud: {
    programme: 'aws_ace',
    status: 'Needs fixes',
    stage: null,
    externalId: null,
    issues: [
      {
        field: 'Customer.Account.WebsiteUrl',
        message: 'Customer website is required by AWS: give Globex a domain in the CRM.',
      },
    ],
    lastError: null,
  },
};

/** After "Start co-sell" with Acme Cloud Partners on `completeView`. */
export const coSellStartedView: CardView = { ...completeView, motions: [requestedMotion] };

/** A motion that waited past its SLA and is now active. */
export const agingMotionView: CardView = {
  ...completeView,
  motions: [
    {
      ...requestedMotion,
      state: 'active',
      aging: true,
      allowedTransitions: ['won', 'lost', 'withdrawn'],
      history: [
        ...requestedMotion.history,
        { at: '2026-03-12T11:00:00.000Z', from: 'requested', to: 'accepted', actor: 'Acme Cloud Partners', note: null },
        {
          at: '2026-03-12T11:05:00.000Z',
          from: 'accepted',
          to: 'active',
          actor: 'Dana Seller',
          note: 'Kick-off booked',
        },
      ],
    },
  ],
};

/** A `hubspot.fetch`-style answer with a JSON body. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** The service's error envelope. */
export function errorResponse(status: number, code: string, message: string, details: unknown[] = []): Response {
  return jsonResponse({ error: { code, message, details } }, status);
}
