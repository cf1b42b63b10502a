import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Deal } from '../../../model/deal.ts';
import { EPOCH, isoInstant } from '../../../shared/iso-instant.ts';
import type { CloudOpportunity } from '../../cloud-reconciliation.ts';
import type { MotionState } from '../../motion-state-machine.ts';
// One path finder and one `pl_cloud_status` format for every programme: the AWS target owns them.
import { cloudStatusEntry, motionPath } from '../aws-ace/aws-opportunity.ts';

/**
 * The pure half of the Microsoft Partner Center referrals target: a CRM deal and its co-sell ask as a referral
 * (`POST /v1.0/engagements/referrals`), checked before anything is sent (each failure in words the seller can act on),
 * the external reference that lets a crashed create be found again, what a referral's status and substatus mean for
 * the motion, and the JSON Patch documents that keep a referral in step with its deal or close it. No I/O here:
 * `microsoft-referrals-client.ts` sends.
 *
 * Field rules follow the referrals pages (create-a-referral, referral-resources, patch-a-referral) and exactly what
 * the stand-in in `sandbox/microsoft/` enforces, so a rule we miss shows up as the API's own 400 field list.
 */

/** Referral statuses and the substatuses each allows, as Partner Center spells them (referral-resources). */
export const MICROSOFT_REFERRAL_STATUSES = ['New', 'Active', 'Closed'] as const;
export type MicrosoftReferralStatus = (typeof MICROSOFT_REFERRAL_STATUSES)[number];

export const MICROSOFT_REFERRAL_SUBSTATUSES = [
  'Pending',
  'Received',
  'Accepted',
  'Won',
  'Lost',
  'Declined',
  'Expired',
] as const;
export type MicrosoftReferralSubstatus = (typeof MICROSOFT_REFERRAL_SUBSTATUSES)[number];

/** Per-tenant settings that fill what a CRM deal does not carry. */
export interface MicrosoftReferralDefaults {
  /** ISO 3166-1 alpha-2 of the customer when the deal does not say (most tenants sell in one country). */
  countryCode: string | null;
  /** ISO 4217 when the deal has no currency. */
  currency: string | null;
  /** The partner's co-sell solution in Partner Center (`SOL-…`), sent as the referral's target; optional. */
  solutionId: string | null;
  /**
   * The customer's consents as the tenant recorded them: may Microsoft share the customer's details with other
   * partners, and may the customer be contacted. Sharing the referral with Microsoft sellers is what co-sell means,
   * so that one is always on.
   */
  consent: { shareInfoWithOthers: boolean; contact: boolean };
}

/** The customer's contact person, when the CRM has one (sent as the customer team). */
export interface MicrosoftCustomerContact {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  phoneNumber?: string | null | undefined;
}

/** What the CRM knows of the customer beyond the canonical deal (its company record). */
export interface MicrosoftCustomerDetails {
  /** ISO 3166-1 alpha-2; wins over the tenant's default country. */
  country?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  postalCode?: string | null | undefined;
  addressLine1?: string | null | undefined;
  /** Partner Center's size band, e.g. `51to250employees`, when known. */
  size?: string | null | undefined;
}

/** What one co-sell with Microsoft sends. */
export interface MicrosoftReferralSource {
  deal: Deal;
  /** The motion's ask: sent as the referral's notes (what the partner needs from Microsoft). */
  ask: string;
  /** The day the check is made (YYYY-MM-DD): Microsoft wants a close date after it. */
  today: string;
  /** `microsoftExternalReference(…)` of this motion and attempt. */
  externalReferenceId: string;
  contact?: MicrosoftCustomerContact | null | undefined;
  customer?: MicrosoftCustomerDetails | null | undefined;
}

/** One problem with a deal as Microsoft would see it: the referral field (dotted) and the seller's words. */
export interface MicrosoftFieldIssue {
  field: string;
  message: string;
}

export interface MicrosoftReferralMember {
  firstName?: string;
  lastName?: string;
  email?: string;
  phoneNumber?: string;
}

/** The body of `POST /v1.0/engagements/referrals` we send (plain JSON, the API's camelCase names). */
export interface MicrosoftReferralBody {
  name: string;
  externalReferenceId: string;
  /** `Shared`: visible to the partner and Microsoft working together (a co-sell deal). */
  type: 'Shared';
  qualification: 'SalesQualified';
  /** A brand-new referral, as the create page sends it; Partner Center answers with the status it assigns. */
  status: 'New';
  substatus: 'Pending';
  customerProfile: {
    name: string;
    address: {
      country: string;
      addressLine1?: string;
      city?: string;
      state?: string;
      postalCode?: string;
    };
    size?: string;
    team: MicrosoftReferralMember[];
  };
  consent: {
    /** Spelled with the doubled "To", as the docs' samples and real responses carry it. */
    consentToToShareInfoWithOthers: boolean;
    consentToContact: boolean;
    consentToShareReferralWithMicrosoftSellers: true;
  };
  details: {
    notes: string;
    dealValue: number;
    currency: string;
    /** UTC midnight of the deal's close date. */
    closingDateTime: string;
  };
  target: Array<{ type: 'SolutionProfile'; id: string }>;
}

export type MicrosoftMapping = { ok: true; body: MicrosoftReferralBody } | { ok: false; issues: MicrosoftFieldIssue[] };

const COUNTRY = /^[A-Za-z]{2}$/;
const CURRENCY = /^[A-Za-z]{3}$/;

function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? undefined : trimmed;
}

/** Only the fields that have a value: Partner Center stores empty strings as given, which reads worse than nothing. */
function member(contact: MicrosoftCustomerContact): MicrosoftReferralMember | undefined {
  const entries = (['firstName', 'lastName', 'email', 'phoneNumber'] as const)
    .map((key) => [key, text(contact[key])] as const)
    .filter((entry): entry is readonly [(typeof entry)[0], string] => entry[1] !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/**
 * The deal as a Partner Center co-sell referral, or every reason Microsoft would refuse it, in the seller's words.
 * The deal amount is the referral's deal value (Microsoft asks for the deal's total, unlike AWS's monthly spend).
 */
export function microsoftReferralFromDeal(
  source: MicrosoftReferralSource,
  defaults: MicrosoftReferralDefaults,
): MicrosoftMapping {
  const { deal } = source;
  const issues: MicrosoftFieldIssue[] = [];
  const name = deal.name.trim();
  if (name === '') issues.push({ field: 'name', message: 'The deal needs a name: it becomes the referral name.' });
  const companyName = deal.account.name.trim();
  if (companyName === '') {
    issues.push({ field: 'customerProfile.name', message: 'Customer company name is required by Microsoft.' });
  }
  const country = (text(source.customer?.country) ?? text(defaults.countryCode) ?? '').toUpperCase();
  if (!COUNTRY.test(country)) {
    issues.push({
      field: 'customerProfile.address.country',
      message:
        'Customer country is required by Microsoft: set the default country in the Microsoft programme settings.',
    });
  }
  const notes = source.ask.trim();
  if (notes === '') {
    issues.push({
      field: 'details.notes',
      message: 'Describe what you need from Microsoft: the co-sell ask is sent as the referral notes.',
    });
  }
  if (deal.amount === null) {
    issues.push({
      field: 'details.dealValue',
      message: 'Deal value is required by Microsoft: give the deal an amount.',
    });
  } else if (!Number.isFinite(deal.amount) || deal.amount < 0) {
    issues.push({ field: 'details.dealValue', message: 'Microsoft takes a deal value of zero or more.' });
  }
  const currency = (deal.currency ?? text(defaults.currency) ?? '').toUpperCase();
  if (!CURRENCY.test(currency)) {
    issues.push({
      field: 'details.currency',
      message:
        'Currency is required by Microsoft: give the deal a currency or set the default in the Microsoft programme settings.',
    });
  }
  if (deal.closeDate === null) {
    issues.push({
      field: 'details.closingDateTime',
      message: 'A close date is required by Microsoft: give the deal one.',
    });
  } else if (!deal.isClosed && deal.closeDate <= source.today) {
    // Sent as UTC midnight: a close date of today is already in the past when Microsoft reads it.
    issues.push({
      field: 'details.closingDateTime',
      message: `Close date must be in the future for Microsoft; the deal's close date is ${deal.closeDate}.`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };

  const customer = source.customer ?? {};
  const optional = (key: 'addressLine1' | 'city' | 'state' | 'postalCode') => {
    const value = text(customer[key]);
    return value === undefined ? {} : { [key]: value };
  };
  const size = text(customer.size);
  const contact = source.contact ? member(source.contact) : undefined;
  const solutionId = text(defaults.solutionId);
  return {
    ok: true,
    body: {
      name,
      externalReferenceId: source.externalReferenceId,
      type: 'Shared',
      qualification: 'SalesQualified',
      status: 'New',
      substatus: 'Pending',
      customerProfile: {
        name: companyName,
        address: {
          country,
          ...optional('addressLine1'),
          ...optional('city'),
          ...optional('state'),
          ...optional('postalCode'),
        },
        ...(size === undefined ? {} : { size }),
        team: contact ? [contact] : [],
      },
      consent: {
        consentToToShareInfoWithOthers: defaults.consent.shareInfoWithOthers,
        consentToContact: defaults.consent.contact,
        consentToShareReferralWithMicrosoftSellers: true,
      },
      details: {
        notes,
        dealValue: deal.amount as number,
        currency,
        closingDateTime: `${deal.closeDate as string}T00:00:00Z`,
      },
      target: solutionId === undefined ? [] : [{ type: 'SolutionProfile', id: solutionId }],
    },
  };
}

const REFERENCE_PREFIX = 'pl-';
const REFERENCE_DIGEST = 20;
/** Deal ids that read safely inside the reference (and an OData string literal); others are left out of it. */
const READABLE_DEAL_ID = /^[A-Za-z0-9_.]{1,64}$/;

/**
 * The `externalReferenceId` of one motion's referral: derived from tenant, deal, motion and attempt, so a run that
 * crashed after Partner Center created the referral (and before we stored its id) finds it again by this value
 * instead of creating a second one — the referrals API has no idempotency key. `attempt` moves on only when Microsoft
 * refused the previous body for good. The CRM deal id leads (`pl-<deal>-<digest>`) because Partner Center shows the
 * field as "your own lead or opportunity id" and the weekly reconciliation reads the deal back from it.
 */
export function microsoftExternalReference(input: {
  tenantId: string;
  dealId: string;
  motionId: string;
  attempt: number;
}): string {
  const digest = createHash('sha256')
    .update(`${input.tenantId}\u0000${input.dealId}\u0000${input.motionId}\u0000${input.attempt}`)
    .digest('hex')
    .slice(0, REFERENCE_DIGEST);
  return READABLE_DEAL_ID.test(input.dealId)
    ? `${REFERENCE_PREFIX}${input.dealId}-${digest}`
    : `${REFERENCE_PREFIX}${digest}`;
}

/** The CRM deal id inside one of our external references; null for a reference we did not write. */
export function dealIdFromExternalReference(reference: string | null | undefined): string | null {
  const match = new RegExp(`^${REFERENCE_PREFIX}([A-Za-z0-9_.]{1,64})-[0-9a-f]{${REFERENCE_DIGEST}}$`).exec(
    reference ?? '',
  );
  return match?.[1] ?? null;
}

/** One row of the status table: what a referral's (status, substatus) means for the motion, and why. */
export interface MicrosoftMotionRow {
  status: MicrosoftReferralStatus;
  substatus: MicrosoftReferralSubstatus;
  motion: MotionState;
  meaning: string;
}

/**
 * Partner Center's status → the motion's state (README prints this table). A partner's own co-sell referral is
 * Active/Accepted from the moment Partner Center takes it (`acceptedDateTime` = creation for outgoing referrals) and
 * has no separate "being worked" status, so Active/Accepted is the motion's `accepted`; `active` is the seller's step
 * (or passed through by `motionPath` on the way to won or lost). Closed is final either way: won, lost, or the ask
 * went nowhere (declined, or expired unanswered), which for the motion is the programme saying no.
 */
export const MICROSOFT_MOTION_TABLE: readonly MicrosoftMotionRow[] = [
  { status: 'New', substatus: 'Pending', motion: 'requested', meaning: 'waiting for an answer' },
  { status: 'New', substatus: 'Received', motion: 'requested', meaning: 'seen, not yet answered' },
  { status: 'Active', substatus: 'Accepted', motion: 'accepted', meaning: 'accepted, being worked' },
  { status: 'Closed', substatus: 'Won', motion: 'won', meaning: 'closed as won' },
  { status: 'Closed', substatus: 'Lost', motion: 'lost', meaning: 'closed as lost' },
  { status: 'Closed', substatus: 'Declined', motion: 'rejected', meaning: 'declined' },
  { status: 'Closed', substatus: 'Expired', motion: 'rejected', meaning: 'expired unanswered' },
];

/**
 * The motion state a referral's status and substatus put it in (`MICROSOFT_MOTION_TABLE`). A substatus the table
 * does not know falls back on its status: Closed → rejected (final, and not a win or loss we can vouch for), Active →
 * accepted, anything else → requested (the motion stays where it waits).
 */
export function motionStateForMicrosoft(status: string | null, substatus: string | null): MotionState {
  const row = MICROSOFT_MOTION_TABLE.find((entry) => entry.status === status && entry.substatus === substatus);
  if (row) return row.motion;
  if (status === 'Closed') return 'rejected';
  if (status === 'Active') return 'accepted';
  return 'requested';
}

/**
 * The moves that bring a motion from `from` to where the referral's status puts it, along the motion's machine
 * (requested → won passes accepted and active); [] when it is there already or cannot get there (a closed motion).
 */
export function motionMovesForMicrosoft(
  from: MotionState,
  status: string | null,
  substatus: string | null,
): MotionState[] {
  return motionPath(from, motionStateForMicrosoft(status, substatus));
}

/** The referral's entry of `pl_cloud_status`: `microsoft:Active/Accepted`. */
export function microsoftCloudStatus(referral: { status: string; substatus?: string | null | undefined }): string {
  return cloudStatusEntry('microsoft', referral.status, referral.substatus ?? null);
}

/** A Closed referral is read-only: Partner Center refuses every update (409), so none is sent. */
export function isReadOnly(status: string | null): boolean {
  return status === 'Closed';
}

/** The fields of a referral we keep in step with its deal (the rest is Microsoft's or the seller's in Partner Center). */
export interface MicrosoftTrackedFields {
  name: string;
  customerName: string;
  dealValue: string;
  currency: string;
  closingDateTime: string;
}

/** Where each tracked field lives in a referral (JSON Pointer), and how its stored text goes back on the wire. */
const TRACKED_PATHS: Readonly<
  Record<keyof MicrosoftTrackedFields, { path: string; value: (text: string) => unknown }>
> = {
  name: { path: '/name', value: (value) => value },
  customerName: { path: '/customerProfile/name', value: (value) => value },
  dealValue: { path: '/details/dealValue', value: (value) => Number(value) },
  currency: { path: '/details/currency', value: (value) => value },
  closingDateTime: { path: '/details/closingDateTime', value: (value) => value },
};

/** As text, so the sync side can store and compare them like AWS's (`sent_fields`). */
export function microsoftTrackedFields(body: MicrosoftReferralBody): MicrosoftTrackedFields {
  return {
    name: body.name,
    customerName: body.customerProfile.name,
    dealValue: String(body.details.dealValue),
    currency: body.details.currency,
    closingDateTime: body.details.closingDateTime,
  };
}

/** RFC 6902 operations as Partner Center takes them: `replace` and `add` only (patch-a-referral). */
export type MicrosoftPatchOperation = { op: 'replace' | 'add'; path: string; value: unknown };

/**
 * The patch that brings a referral from what we last sent (`previous`) to what the deal says now (`next`): one
 * operation per tracked field that changed, none when nothing did. A field never sent is `add`ed (add creates or
 * overwrites a member; replace needs it to exist), every other change is a `replace`.
 */
export function referralPatch(
  previous: Readonly<Partial<MicrosoftTrackedFields>>,
  next: MicrosoftTrackedFields,
): MicrosoftPatchOperation[] {
  return (Object.keys(TRACKED_PATHS) as Array<keyof MicrosoftTrackedFields>).flatMap((key) => {
    const before = previous[key];
    if (before === next[key]) return [];
    const { path, value } = TRACKED_PATHS[key];
    return [{ op: before === undefined ? ('add' as const) : ('replace' as const), path, value: value(next[key]) }];
  });
}

/** How our side ends a referral: the deal's outcome, or the motion withdrawn (Partner Center's Declined). */
export type MicrosoftCloseOutcome = 'won' | 'lost' | 'withdrawn';

const CLOSE_SUBSTATUS: Readonly<Record<MicrosoftCloseOutcome, MicrosoftReferralSubstatus>> = {
  won: 'Won',
  lost: 'Lost',
  // Partner Center has no "withdrawn": the partner declining to pursue it is the closest substatus it offers.
  withdrawn: 'Declined',
};

const CLOSE_REASON: Readonly<Record<MicrosoftCloseOutcome, string>> = {
  won: 'Won in the CRM',
  lost: 'Lost in the CRM',
  withdrawn: 'Co-sell withdrawn by the partner',
};

/**
 * The patch that closes a referral (Active → Closed is allowed; Closed is final, so send it once). `reason` (the
 * deal's loss reason, say) becomes the status reason Microsoft reads.
 */
export function closeReferralPatch(outcome: MicrosoftCloseOutcome, reason?: string | null): MicrosoftPatchOperation[] {
  return [
    { op: 'replace', path: '/status', value: 'Closed' },
    { op: 'replace', path: '/substatus', value: CLOSE_SUBSTATUS[outcome] },
    { op: 'replace', path: '/statusReason', value: text(reason ?? undefined) ?? CLOSE_REASON[outcome] },
  ];
}

/**
 * A referral as the API answers it (create, get, list), checked at the edge. Loose on purpose: Microsoft adds fields
 * over time, and statuses are read as text so an unknown one reaches `motionStateForMicrosoft` instead of failing
 * the whole page.
 */
export const microsoftReferralSchema = z.looseObject({
  id: z.string().min(1),
  engagementId: z.string().nullish(),
  name: z.string().nullish(),
  externalReferenceId: z.string().nullish(),
  createdDateTime: z.string().nullish(),
  updatedDateTime: z.string().min(1),
  closedDateTime: z.string().nullish(),
  status: z.string().min(1),
  substatus: z.string().nullish(),
  statusReason: z.string().nullish(),
  type: z.string().nullish(),
  qualification: z.string().nullish(),
  direction: z.string().nullish(),
  eTag: z.string().nullish(),
  customerProfile: z
    .looseObject({
      name: z.string().nullish(),
      address: z.looseObject({ country: z.string().nullish() }).nullish(),
    })
    .nullish(),
  details: z
    .looseObject({
      notes: z.string().nullish(),
      // The docs' samples send it as a string ("10000"); responses carry a number.
      dealValue: z.union([z.number(), z.string()]).nullish(),
      currency: z.string().nullish(),
      closingDateTime: z.string().nullish(),
    })
    .nullish(),
});
export type MicrosoftReferral = z.output<typeof microsoftReferralSchema>;

/** `New/Pending` — the programme's own status text, for `pl_cloud_status` and display. */
export function microsoftStatusText(referral: Pick<MicrosoftReferral, 'status' | 'substatus'>): string {
  return referral.substatus ? `${referral.status}/${referral.substatus}` : referral.status;
}

/**
 * A referral in the reconciliation's neutral form. The deal id is read back from our external reference (a
 * referral someone else created keeps whatever reference it has); Microsoft holds no customer website.
 */
export function cloudOpportunityFromMicrosoft(referral: MicrosoftReferral): CloudOpportunity {
  const dealValue = referral.details?.dealValue;
  const amount = dealValue === null || dealValue === undefined || dealValue === '' ? Number.NaN : Number(dealValue);
  const closing = isoInstant(referral.details?.closingDateTime);
  const outcome = referral.status !== 'Closed' ? 'open' : referral.substatus === 'Won' ? 'won' : 'lost';
  return {
    programme: 'microsoft_referrals',
    id: referral.id,
    crmDealId:
      dealIdFromExternalReference(referral.externalReferenceId) ?? (text(referral.externalReferenceId) || null),
    customerName: referral.customerProfile?.name ?? '',
    customerDomain: null,
    title: text(referral.name) ?? referral.customerProfile?.name ?? referral.id,
    amount: Number.isFinite(amount) ? amount : null,
    currency: referral.details?.currency ?? null,
    closeDate: closing === null ? null : closing.slice(0, 10),
    outcome,
    stage: microsoftStatusText(referral),
    createdAt: isoInstant(referral.createdDateTime),
    lastModifiedAt: isoInstant(referral.updatedDateTime) ?? EPOCH,
  };
}

/** What the seller reads for a field Microsoft refused (the API names fields as dotted paths or JSON Pointers). */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  name: 'the referral name (the deal name)',
  externalReferenceId: 'the external reference',
  type: 'the referral type',
  qualification: 'the qualification',
  'customerProfile.name': 'the customer company name',
  'customerProfile.address.country': 'the customer country',
  'customerProfile.size': 'the customer size',
  'customerProfile.team': 'the customer contact',
  consent: 'the consent flags',
  'details.notes': 'the notes (the co-sell ask)',
  'details.dealValue': 'the deal value (the deal amount)',
  'details.currency': 'the currency',
  'details.closingDateTime': 'the close date',
  status: 'the status',
  substatus: 'the substatus',
};

/** `/details/dealValue` or `details.dealValue` → `details.dealValue`. */
export function normalizeMicrosoftField(field: string): string {
  return field.startsWith('/') ? field.slice(1).split('/').join('.') : field;
}

/** Microsoft's `{field, message}` as an issue the seller can act on. */
export function microsoftFieldIssue(field: string, message: string): MicrosoftFieldIssue {
  const normalized = normalizeMicrosoftField(field);
  const words = FIELD_WORDS[normalized] ?? FIELD_WORDS[normalized.split('.').slice(0, 2).join('.')] ?? normalized;
  const detail = message.trim().replace(/\.$/, '');
  return { field: normalized, message: `Microsoft refused ${words}: ${detail || 'invalid value'}.` };
}
