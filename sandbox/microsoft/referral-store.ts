import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../src/shared/clock.ts';
import { applyPatch, type PatchOperation } from './json-patch.ts';
import {
  badRequest,
  conflict,
  type FieldProblem,
  notFound,
  type PartnerCenterHttpError,
  preconditionFailed,
} from './partner-center-errors.ts';
import { compareKeys, type FilterNode, matchesFilter, type OrderBy, sortKey } from './referral-query.ts';
import { decideStatusChange, type ReferralStatus, type ReferralSubstatus } from './referral-status.ts';

/**
 * The referrals of one partner organisation as Partner Center keeps them: create (validated), read, list (filter,
 * order, keyset pages), JSON-Patch updates with `If-Match`, the status table, and the Microsoft side's own moves
 * (a co-sell partner accepts, an incoming lead expires after 14 days unanswered). Time comes from the injected
 * clock; every successful write stamps `updatedDateTime` and a new `eTag`.
 */

export type ReferralType = 'Independent' | 'Shared';
export type ReferralDirection = 'Incoming' | 'Outgoing';
export type ReferralQualification = 'None' | 'Direct' | 'MarketingQualified' | 'SalesQualified';

export interface ReferralMember {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  phoneNumber?: string | null | undefined;
  contactPreference?: { locale?: string | null | undefined; disableNotifications?: boolean | null | undefined };
  [extra: string]: unknown;
}

export interface Referral {
  id: string;
  engagementId: string;
  name: string;
  organizationId: string;
  organizationName: string;
  externalReferenceId: string | null;
  createdDateTime: string;
  updatedDateTime: string;
  expirationDateTime: string | null;
  acceptedDateTime: string | null;
  closedDateTime: string | null;
  status: ReferralStatus;
  substatus: ReferralSubstatus;
  statusReason: string | null;
  qualification: ReferralQualification;
  type: ReferralType;
  direction: ReferralDirection;
  eTag: string;
  target: Array<{ type: string; id: string }>;
  customerProfile: {
    name: string;
    address: {
      addressLine1: string | null;
      addressLine2: string | null;
      city: string | null;
      state: string | null;
      postalCode: string | null;
      country: string;
      region: string | null;
    };
    size: string | null;
    team: ReferralMember[];
    ids: Array<{ profileType: string; id: string }>;
  };
  consent: {
    /** Spelled with the doubled "To": the docs' samples and real API responses both carry this key. */
    consentToToShareInfoWithOthers: boolean;
    consentToContact: boolean;
    consentToShareReferralWithMicrosoftSellers: boolean;
  };
  details: {
    notes: string | null;
    dealValue: number | null;
    currency: string | null;
    closingDateTime: string | null;
    requirements: {
      industries: Array<{ id: string }>;
      products: Array<{ id: string }>;
      services: Array<{ id: string }>;
      solutions: Array<{ id: string; name?: string | null; type?: string | null }>;
    };
  };
  team: ReferralMember[];
  inviteContext: { notes: string | null; invitedBy: { organizationId: string; organizationName: string } } | null;
}

/** Paths a partner may not PATCH: server-managed, or fixed at creation. */
const READ_ONLY_PATHS = [
  '/id',
  '/engagementId',
  '/organizationId',
  '/organizationName',
  '/createdDateTime',
  '/updatedDateTime',
  '/acceptedDateTime',
  '/closedDateTime',
  '/expirationDateTime',
  '/eTag',
  '/type',
  '/direction',
  '/links',
  '/inviteContext',
];

/** Top-level properties a PATCH may touch; anything else is not a referral property at all. */
const EDITABLE_ROOTS = new Set([
  'name',
  'externalReferenceId',
  'status',
  'substatus',
  'statusReason',
  'qualification',
  'target',
  'customerProfile',
  'consent',
  'details',
  'team',
]);

function pathProblem(path: string): FieldProblem | undefined {
  if (READ_ONLY_PATHS.some((readOnly) => path === readOnly || path.startsWith(`${readOnly}/`))) {
    return { field: path, message: 'is read-only' };
  }
  const root = path.split('/')[1] ?? '';
  return EDITABLE_ROOTS.has(root) ? undefined : { field: path, message: 'is not a property of a referral' };
}

/** .NET writes seven fractional digits ("2020-10-30T21:03:00.0000000Z"); so does the stand-in. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export function newETag(): string {
  return `"${randomUUID()}"`;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const dealValue = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*$/, 'must be a number')
      .transform(Number),
  ])
  .pipe(z.number().min(0, 'must be zero or more').finite());
const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 currency code')
  .transform((code) => code.toUpperCase());
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 two-letter country code')
  .transform((code) => code.toUpperCase());
const dateTime = z.iso.datetime({ offset: true, message: 'must be a UTC date-time such as 2026-09-30T00:00:00Z' });
const member = z.looseObject({
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
  phoneNumber: z.string().nullish(),
});
const tagList = z.array(z.looseObject({ id: z.string() })).optional();

/** The body of POST /referrals. Unknown keys are dropped, as the real API's model binding does. */
export const createReferralSchema = z.object({
  name: nonEmpty,
  externalReferenceId: z.string().nullish(),
  engagementId: z.uuid().optional(),
  type: z.enum(['Independent', 'Shared']),
  qualification: z.enum(['None', 'Direct', 'MarketingQualified', 'SalesQualified']).optional(),
  statusReason: z.string().nullish(),
  target: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
  customerProfile: z.object({
    name: nonEmpty,
    address: z.object({
      addressLine1: z.string().nullish(),
      addressLine2: z.string().nullish(),
      city: z.string().nullish(),
      state: z.string().nullish(),
      postalCode: z.string().nullish(),
      country,
      region: z.string().nullish(),
    }),
    size: z.string().nullish(),
    team: z.array(member).optional(),
    ids: z.array(z.object({ profileType: z.string(), id: z.string() })).optional(),
  }),
  consent: z.object({
    consentToToShareInfoWithOthers: z.boolean().optional(),
    consentToShareInfoWithOthers: z.boolean().optional(),
    consentToContact: z.boolean().optional(),
    consentToShareReferralWithMicrosoftSellers: z.boolean().optional(),
  }),
  details: z.object({
    notes: z.string().nullish(),
    dealValue,
    currency,
    closingDateTime: dateTime,
    requirements: z
      .looseObject({
        industries: tagList,
        products: tagList,
        services: tagList,
        solutions: z.array(z.looseObject({ id: z.string() })).optional(),
      })
      .optional(),
  }),
  team: z.array(member).optional(),
});

/** What a patched referral must still satisfy (the same field rules as creation, null allowed where leads have none). */
const patchedReferralSchema = z.looseObject({
  name: nonEmpty,
  externalReferenceId: z.string().nullable(),
  statusReason: z.string().nullable(),
  qualification: z.enum(['None', 'Direct', 'MarketingQualified', 'SalesQualified']),
  customerProfile: z.looseObject({
    name: nonEmpty,
    address: z.looseObject({ country }),
    team: z.array(member),
  }),
  consent: z.looseObject({
    consentToToShareInfoWithOthers: z.boolean(),
    consentToContact: z.boolean(),
    consentToShareReferralWithMicrosoftSellers: z.boolean(),
  }),
  details: z.looseObject({
    notes: z.string().nullable(),
    dealValue: dealValue.nullable(),
    currency: currency.nullable(),
    closingDateTime: dateTime.nullable(),
  }),
  team: z.array(member),
});

const missingIsRequired = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : undefined);

function problemsOf(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  return issues.map((issue) => ({
    field: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function invalid(what: string, problems: readonly FieldProblem[]): PartnerCenterHttpError {
  const summary = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  return badRequest(`${what} is not valid: ${summary}`, problems);
}

export interface IncomingReferralInput {
  name: string;
  customerName: string;
  country?: string;
  type?: ReferralType;
  qualification?: ReferralQualification;
  substatus?: 'Pending' | 'Received';
  dealValue?: number;
  currency?: string;
  closingDateTime?: string;
  notes?: string;
  engagementId?: string;
  solutionId?: string;
  invitedBy?: { organizationId: string; organizationName: string };
  /** Days the partner has to answer before it expires (Partner Center: 14). */
  expiresInDays?: number;
}

export interface ListQuery {
  filter: FilterNode | undefined;
  orderBy: OrderBy;
  /** Referrals still wanted in total (what is left of `$top`), undefined = all. */
  remaining: number | undefined;
  /** Resume after this sort key (from a skiptoken). */
  after: [number, string] | undefined;
  pageSize: number;
}

export interface ListPage {
  referrals: Referral[];
  /** Sort key of the last referral served, when more match. */
  nextAfter: [number, string] | undefined;
}

export class ReferralStore {
  private readonly byId = new Map<string, Referral>();

  constructor(
    private readonly clock: Clock,
    readonly organization: { id: string; name: string },
  ) {}

  private now(): string {
    return formatDateTime(this.clock.now());
  }

  get(id: string): Referral | undefined {
    this.expireDue();
    const referral = this.byId.get(id);
    return referral ? structuredClone(referral) : undefined;
  }

  all(): Referral[] {
    this.expireDue();
    return [...this.byId.values()].map((referral) => structuredClone(referral));
  }

  /** POST /referrals: the partner's own (outgoing) referral. */
  create(body: unknown): Referral {
    this.expireDue();
    const parsed = createReferralSchema.safeParse(body, { error: missingIsRequired });
    if (!parsed.success) throw invalid('The referral', problemsOf(parsed.error.issues));
    const input = parsed.data;
    const now = this.now();
    const consent = input.consent;
    // The create page's sample sends status New/Pending and gets back Active/Accepted: a partner's own referral
    // starts accepted ("acceptedDateTime: for outgoing referrals, same as creation", referral-resources).
    const referral: Referral = {
      id: randomUUID(),
      engagementId: input.engagementId ?? randomUUID(),
      name: input.name,
      organizationId: this.organization.id,
      organizationName: this.organization.name,
      externalReferenceId: input.externalReferenceId ?? null,
      createdDateTime: now,
      updatedDateTime: now,
      expirationDateTime: null,
      acceptedDateTime: now,
      closedDateTime: null,
      status: 'Active',
      substatus: 'Accepted',
      statusReason: input.statusReason ?? null,
      qualification: input.qualification ?? 'None',
      type: input.type,
      direction: 'Outgoing',
      eTag: newETag(),
      target: input.target ?? [],
      customerProfile: {
        name: input.customerProfile.name,
        address: {
          addressLine1: input.customerProfile.address.addressLine1 ?? null,
          addressLine2: input.customerProfile.address.addressLine2 ?? null,
          city: input.customerProfile.address.city ?? null,
          state: input.customerProfile.address.state ?? null,
          postalCode: input.customerProfile.address.postalCode ?? null,
          country: input.customerProfile.address.country,
          region: input.customerProfile.address.region ?? null,
        },
        size: input.customerProfile.size ?? null,
        team: input.customerProfile.team ?? [],
        ids: input.customerProfile.ids ?? [],
      },
      consent: {
        consentToToShareInfoWithOthers:
          consent.consentToToShareInfoWithOthers ?? consent.consentToShareInfoWithOthers ?? false,
        consentToContact: consent.consentToContact ?? false,
        consentToShareReferralWithMicrosoftSellers: consent.consentToShareReferralWithMicrosoftSellers ?? false,
      },
      details: {
        notes: input.details.notes ?? null,
        dealValue: input.details.dealValue,
        currency: input.details.currency,
        closingDateTime: input.details.closingDateTime,
        requirements: {
          industries: input.details.requirements?.industries ?? [],
          products: input.details.requirements?.products ?? [],
          services: input.details.requirements?.services ?? [],
          solutions: input.details.requirements?.solutions ?? [],
        },
      },
      team: input.team ?? [],
      inviteContext: null,
    };
    this.byId.set(referral.id, referral);
    return structuredClone(referral);
  }

  /**
   * PATCH /referrals/{id}: `If-Match` (when sent) must equal the current eTag; a Closed referral is read-only; the
   * patched document must still be valid and its status move allowed by the table. All or nothing.
   */
  patch(id: string, operations: readonly PatchOperation[], ifMatch: string | undefined): Referral {
    this.expireDue();
    const current = this.byId.get(id);
    if (!current) throw notFound(`Referral '${id}' was not found.`);
    if (ifMatch !== undefined && ifMatch.trim() !== '*' && !etagMatches(ifMatch, current.eTag)) {
      throw preconditionFailed(
        `The If-Match value ${ifMatch} does not match the referral's current eTag ${current.eTag}.`,
      );
    }
    if (current.status === 'Closed') {
      throw conflict(`Referral '${id}' is Closed (${current.substatus}) and can no longer be updated.`);
    }
    const pathProblems = operations.flatMap((operation) => pathProblem(operation.path) ?? []);
    if (pathProblems.length > 0) throw invalid('The patch', pathProblems);

    const applied = applyPatch(current, operations);
    if (!applied.ok) throw invalid('The patch', [{ field: applied.path, message: applied.message }]);
    const parsed = patchedReferralSchema.safeParse(applied.document);
    if (!parsed.success) throw invalid('The patched referral', problemsOf(parsed.error.issues));
    const patched = applied.document as Referral;
    const decision = decideStatusChange(current, { status: patched.status, substatus: patched.substatus });
    if (!decision.allowed) throw invalid('The patch', [{ field: decision.field, message: decision.message }]);

    const next: Referral = {
      ...patched,
      // Normalised values (a dealValue sent as "10000" is stored as 10000, currency upper-cased).
      details: { ...patched.details, ...pick(parsed.data.details, ['dealValue', 'currency']) },
      customerProfile: {
        ...patched.customerProfile,
        address: { ...patched.customerProfile.address, country: parsed.data.customerProfile.address.country },
      },
    };
    this.stampStatusTimes(current, next);
    next.updatedDateTime = this.now();
    next.eTag = newETag();
    this.byId.set(id, next);
    return structuredClone(next);
  }

  /** The Microsoft side moves a referral (the co-sell partner accepts, Microsoft closes it); same status table. */
  setStatus(id: string, status: ReferralStatus, substatus: ReferralSubstatus, reason?: string): Referral {
    this.expireDue();
    const current = this.byId.get(id);
    if (!current) throw new Error(`no referral ${id}`);
    const decision = decideStatusChange(current, { status, substatus });
    if (!decision.allowed) throw new Error(decision.message);
    const next: Referral = {
      ...structuredClone(current),
      ...decision.to,
      statusReason: reason ?? current.statusReason,
    };
    this.stampStatusTimes(current, next);
    next.updatedDateTime = this.now();
    next.eTag = newETag();
    this.byId.set(id, next);
    return structuredClone(next);
  }

  /** A lead or co-sell invitation from Microsoft or another partner: New, waiting for this partner's answer. */
  addIncoming(input: IncomingReferralInput, id: string = randomUUID()): Referral {
    this.expireDue();
    const nowMs = this.clock.now();
    const now = formatDateTime(nowMs);
    const invitedBy = input.invitedBy ?? { organizationId: 'msft', organizationName: 'Microsoft' };
    const referral: Referral = {
      id,
      engagementId: input.engagementId ?? randomUUID(),
      name: input.name,
      organizationId: this.organization.id,
      organizationName: this.organization.name,
      externalReferenceId: null,
      createdDateTime: now,
      updatedDateTime: now,
      expirationDateTime: formatDateTime(nowMs + (input.expiresInDays ?? 14) * 86_400_000),
      acceptedDateTime: null,
      closedDateTime: null,
      status: 'New',
      substatus: input.substatus ?? 'Pending',
      statusReason: null,
      qualification: input.qualification ?? 'SalesQualified',
      type: input.type ?? 'Shared',
      direction: 'Incoming',
      eTag: newETag(),
      target: input.solutionId ? [{ type: 'SolutionProfile', id: input.solutionId }] : [],
      customerProfile: {
        name: input.customerName,
        address: {
          addressLine1: null,
          addressLine2: null,
          city: null,
          state: null,
          postalCode: null,
          country: (input.country ?? 'US').toUpperCase(),
          region: null,
        },
        size: null,
        team: [],
        ids: [],
      },
      consent: {
        consentToToShareInfoWithOthers: true,
        consentToContact: true,
        consentToShareReferralWithMicrosoftSellers: true,
      },
      details: {
        notes: input.notes ?? null,
        dealValue: input.dealValue ?? null,
        currency: input.currency ?? (input.dealValue === undefined ? null : 'USD'),
        closingDateTime: input.closingDateTime ?? null,
        requirements: {
          industries: [],
          products: [],
          services: [],
          solutions: input.solutionId ? [{ id: input.solutionId }] : [],
        },
      },
      team: [],
      inviteContext: { notes: null, invitedBy },
    };
    if (this.byId.has(referral.id)) throw new Error(`referral ${referral.id} already exists`);
    this.byId.set(referral.id, referral);
    return structuredClone(referral);
  }

  /** One page of the filtered, ordered referrals after `after`. */
  list(query: ListQuery): ListPage {
    this.expireDue();
    const { field, direction } = query.orderBy;
    const matching = [...this.byId.values()]
      .filter((referral) => (query.filter ? matchesFilter(query.filter, referral) : true))
      .map((referral) => ({ referral, key: sortKey(referral, field) }))
      .sort((a, b) => compareKeys(a.key, b.key, direction))
      .filter(({ key }) => (query.after ? compareKeys(key, query.after, direction) > 0 : true));
    const size = Math.min(query.pageSize, query.remaining ?? Number.POSITIVE_INFINITY);
    const page = matching.slice(0, size);
    const more = matching.length > page.length && (query.remaining === undefined || query.remaining > page.length);
    const last = page[page.length - 1];
    return {
      referrals: page.map(({ referral }) => structuredClone(referral)),
      nextAfter: more && last ? last.key : undefined,
    };
  }

  /** Incoming referrals left unanswered past their expiration close as Expired (Partner Center: after 14 days). */
  expireDue(): void {
    const nowMs = this.clock.now();
    for (const referral of this.byId.values()) {
      if (referral.status !== 'New' || referral.expirationDateTime === null) continue;
      if (Date.parse(referral.expirationDateTime) > nowMs) continue;
      referral.status = 'Closed';
      referral.substatus = 'Expired';
      referral.closedDateTime = referral.expirationDateTime;
      referral.updatedDateTime = formatDateTime(nowMs);
      referral.eTag = newETag();
    }
  }

  private stampStatusTimes(before: Referral, after: Referral): void {
    if (before.status === after.status) return;
    if (after.status === 'Active') after.acceptedDateTime = this.now();
    if (after.status === 'Closed') after.closedDateTime = this.now();
  }
}

/** `If-Match` carries the eTag as served (`"…"`); a weak `W/` prefix or missing quotes still compare equal. */
function etagMatches(header: string, eTag: string): boolean {
  const bare = (value: string) => value.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return header.split(',').some((candidate) => bare(candidate) === bare(eTag));
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = value[key];
  return out;
}
