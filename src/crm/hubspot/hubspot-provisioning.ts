import { AGING_COSELL_STATUSES, COSELL_STATUS_VALUES, type CoSellStatus } from '../../cosell/motion-queue.ts';
import { PARTNER_ROLES, type PartnerRole } from '../../model/deal.ts';
import { PARTNER_TYPES } from '../../model/partner.ts';
import { ROSTER_ACTIONS } from '../../model/roster-action.ts';
import { PARTNER_TIERS } from '../../scoring/partner-tiers.ts';
import { chunks } from '../../shared/chunks.ts';
import { AppError } from '../../shared/errors.ts';
import type { HubSpotClient } from './hubspot-client.ts';
import { HubSpotApiError } from './hubspot-errors.ts';
import { ASSOCIATIONS_API, BATCH_LIMIT } from './hubspot-objects.ts';
import { roleFromLabel } from './hubspot-portal-reader.ts';

/**
 * Idempotent provisioning of a portal (SPEC §2.6, §4.5): the `partnerloop` property group on deals and companies,
 * every property PartnerLoop writes, and the deal→company association labels of the partner roles. Read first, then
 * create only what is missing; an existing property is never changed (a customer may own it), only compared and
 * reported. A second run makes no write at all. Quirks and sources: docs/BEHAVIOR.md ("Provisioning").
 */

export const PROPERTIES_API = '/crm/properties/2026-03';

export type ProvisionedObjectType = 'deals' | 'companies';
export const PROVISIONED_OBJECT_TYPES: readonly ProvisionedObjectType[] = ['deals', 'companies'];

/** HubSpot property `type` / `fieldType` values PartnerLoop uses (properties API guide, "type and fieldType"). */
export type PropertyType = 'string' | 'number' | 'date' | 'enumeration' | 'bool';
export type PropertyFieldType = 'text' | 'textarea' | 'number' | 'date' | 'select' | 'booleancheckbox';

export interface PropertyOptionSpec {
  value: string;
  label: string;
  displayOrder: number;
}

/** The body of one `PropertyCreate` (2026-03 properties spec). */
export interface PropertySpec {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: PropertyType;
  fieldType: PropertyFieldType;
  options?: PropertyOptionSpec[];
  displayOrder: number;
  /** Values are written by the service, not typed into forms. */
  formField: false;
}

export interface PropertyGroupSpec {
  name: string;
  label: string;
  displayOrder: number;
}

export interface RoleLabelSpec {
  role: PartnerRole;
  /** Internal name (HubSpot `name`); the visible `label` is what `roleFromLabel` reads back. */
  name: string;
  label: string;
}

export interface PortalDefinitions {
  groups: Readonly<Record<ProvisionedObjectType, readonly PropertyGroupSpec[]>>;
  properties: Readonly<Record<ProvisionedObjectType, readonly PropertySpec[]>>;
  roleLabels: readonly RoleLabelSpec[];
}

export const PARTNERLOOP_GROUP: PropertyGroupSpec = { name: 'partnerloop', label: 'PartnerLoop', displayOrder: -1 };

/** `pl_attribution_status` values (SPEC §2.1). */
export const ATTRIBUTION_STATUSES = [
  'complete',
  'missing_partner',
  'missing_role',
  'invalid_split',
  'conflict',
  'not_partner_involved',
] as const;

/** `pl_dedupe_status` values (SPEC §2.2). */
export const DEDUPE_STATUSES = ['unique', 'suspected', 'confirmed', 'not_duplicate'] as const;

/**
 * `pl_cosell_status` values: the co-sell motion's states (SPEC §2.4), each open state followed by its aging variant
 * (`requested_aging`: the motion has used up most of its SLA, or is past it). Aging is a judgement of time, so the
 * service re-writes it on every change, hourly for deals with open motions, and on the nightly reconcile.
 */
export const COSELL_STATUSES: readonly CoSellStatus[] = COSELL_STATUS_VALUES;

const COSELL_STATUS_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(AGING_COSELL_STATUSES).map(([state, aging]) => [aging, `${humanize(state)} (aging)`]),
);

function humanize(value: string): string {
  const words = value.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function optionsOf(values: readonly string[], labels: Readonly<Record<string, string>> = {}): PropertyOptionSpec[] {
  return values.map((value, displayOrder) => ({ value, label: labels[value] ?? humanize(value), displayOrder }));
}

/** HubSpot stores `bool` values as the strings `true` / `false` (what the scorer writes for `pl_dormant`). */
const YES_NO = optionsOf(['true', 'false'], { true: 'Yes', false: 'No' });

type SpecInput = Omit<PropertySpec, 'groupName' | 'displayOrder' | 'formField'>;

function inGroup(inputs: readonly SpecInput[]): PropertySpec[] {
  return inputs.map((input, displayOrder) => ({
    ...input,
    groupName: PARTNERLOOP_GROUP.name,
    displayOrder,
    formField: false,
  }));
}

const text = (name: string, label: string, description: string): SpecInput => ({
  name,
  label,
  description,
  type: 'string',
  fieldType: 'text',
});
const numeric = (name: string, label: string, description: string): SpecInput => ({
  name,
  label,
  description,
  type: 'number',
  fieldType: 'number',
});
const choice = (name: string, label: string, description: string, options: PropertyOptionSpec[]): SpecInput => ({
  name,
  label,
  description,
  type: 'enumeration',
  fieldType: 'select',
  options,
});
const flag = (name: string, label: string, description: string): SpecInput => ({
  name,
  label,
  description,
  type: 'bool',
  fieldType: 'booleancheckbox',
  options: YES_NO,
});

/** Deal properties (SPEC §4.5), in the formats the engines write. */
export const DEAL_PROPERTIES: readonly PropertySpec[] = inGroup([
  choice(
    'pl_attribution_status',
    'Attribution status',
    'Whether partner attribution on this deal is complete (PartnerLoop).',
    optionsOf(ATTRIBUTION_STATUSES, { not_partner_involved: 'Not partner-involved' }),
  ),
  {
    name: 'pl_attribution_issues',
    label: 'Attribution issues',
    description: 'What is missing or wrong in this deal’s partner attribution (PartnerLoop).',
    type: 'string',
    fieldType: 'textarea',
  },
  text('pl_sourced_partner', 'Sourced partner', 'Company record id of the partner that sourced this deal.'),
  text(
    'pl_influence_partners',
    'Influencing partners',
    'Company record ids of the partners that influenced this deal, separated by semicolons.',
  ),
  text('pl_duplicate_of', 'Duplicate of', 'Record id of the deal this one duplicates (the surviving record).'),
  numeric('pl_duplicate_confidence', 'Duplicate confidence', 'Confidence (0–1) that this deal is a duplicate.'),
  choice(
    'pl_dedupe_status',
    'Duplicate status',
    'Whether PartnerLoop sees this deal as a duplicate.',
    optionsOf(DEDUPE_STATUSES, { not_duplicate: 'Not a duplicate' }),
  ),
  numeric('pl_partner_fit_score', 'Partner fit score', 'Fit (0–100) of the best partner for this deal.'),
  text('pl_next_best_partner', 'Next best partner', 'Company record id of the partner most likely to win this deal.'),
  choice(
    'pl_cosell_status',
    'Co-sell status',
    'State of the deal’s co-sell motion, flagged “aging” when it waits past most of its SLA (PartnerLoop).',
    optionsOf(COSELL_STATUSES, COSELL_STATUS_LABELS),
  ),
]);

/** Company properties (SPEC §4.5): a partner is a company with `pl_is_partner = true`. */
export const COMPANY_PROPERTIES: readonly PropertySpec[] = inGroup([
  flag('pl_is_partner', 'Is partner', 'Whether this company is a partner (PartnerLoop).'),
  choice(
    'pl_partner_type',
    'Partner type',
    'Named or self-serve partner.',
    optionsOf(PARTNER_TYPES, { self_serve: 'Self-serve' }),
  ),
  numeric('pl_partner_score', 'Partner score', 'Partner yield score, 0–100.'),
  choice(
    'pl_partner_tier',
    'Partner tier',
    'Tier from the partner score and track record.',
    optionsOf(PARTNER_TIERS, { long_tail: 'Long tail' }),
  ),
  numeric('pl_win_rate', 'Partner win rate', 'Win rate corrected for small samples, as a fraction (0–1).'),
  numeric('pl_won_revenue', 'Partner won revenue', 'Revenue of won deals with this partner.'),
  numeric('pl_avg_deal_size', 'Partner average deal size', 'Average amount of won deals with this partner.'),
  numeric('pl_open_pipeline', 'Partner open pipeline', 'Amount of open deals with this partner.'),
  {
    name: 'pl_last_opportunity_date',
    label: 'Partner last opportunity',
    description: 'Day of the partner’s latest opportunity.',
    type: 'date',
    fieldType: 'date',
  },
  flag(
    'pl_dormant',
    'Dormant partner',
    'No new opportunity within the dormancy window (decay is reported by the service).',
  ),
  choice(
    'pl_roster_action',
    'Roster action',
    'What the partnership operator decided for this partner in the PartnerLoop operator home: re-engage or archive.',
    optionsOf(ROSTER_ACTIONS, { reengage: 'Re-engage' }),
  ),
]);

const ROLE_LABEL_TEXT: Readonly<Record<PartnerRole, string>> = {
  sourced: 'Sourced',
  influenced: 'Influenced',
  cosell: 'Co-sell',
  reseller: 'Reseller',
  referral: 'Referral',
};

/** Deal→company labels, one per partner role; `roleFromLabel` maps each label back to its role. */
export const ROLE_LABELS: readonly RoleLabelSpec[] = PARTNER_ROLES.map((role) => ({
  role,
  name: `pl_${role}`,
  label: ROLE_LABEL_TEXT[role],
}));

export const PARTNERLOOP_DEFINITIONS: PortalDefinitions = {
  groups: { deals: [PARTNERLOOP_GROUP], companies: [PARTNERLOOP_GROUP] },
  properties: { deals: DEAL_PROPERTIES, companies: COMPANY_PROPERTIES },
  roleLabels: ROLE_LABELS,
};

// --- what the portal holds ------------------------------------------------------------------------------------

/** A property as the properties API returns it (the fields we compare). */
export interface ExistingProperty {
  name: string;
  type: string;
  fieldType: string;
  groupName?: string;
  options?: ExistingOption[];
}

/** An enumeration option as the properties endpoint returns it (kept whole: an options update replaces the list). */
export interface ExistingOption {
  value: string;
  label?: string;
  displayOrder?: number;
  hidden?: boolean;
  description?: string;
}

/** One deal→company association type as the labels endpoint returns it. */
export interface ExistingLabel {
  category: string;
  typeId: number;
  label: string | null;
}

export interface PortalSchema {
  groups: Record<ProvisionedObjectType, ReadonlySet<string>>;
  properties: Record<ProvisionedObjectType, ReadonlyMap<string, ExistingProperty>>;
  labels: readonly ExistingLabel[];
}

/** `deals.pl_dedupe_status` — how the report names a group or property. */
export type QualifiedName = `${ProvisionedObjectType}.${string}`;

export interface ProvisioningReport {
  /** What this run created (or found created after an ambiguous failure of its own create). */
  created: { groups: QualifiedName[]; properties: QualifiedName[]; labels: PartnerRole[] };
  /** What was there already and was left as it is. */
  existing: { groups: QualifiedName[]; properties: QualifiedName[]; labels: PartnerRole[] };
  /** Our enumerations that lacked options this release writes, and the options added (existing ones kept). */
  extendedOptions: string[];
  /** Existing definitions that differ from ours in ways we do not change, and ambiguous labels. */
  warnings: string[];
  /** The deal→company association type id to use for each role. */
  roleLabels: Record<PartnerRole, number>;
}

export interface ProvisioningPlan {
  createGroups: Record<ProvisionedObjectType, PropertyGroupSpec[]>;
  createProperties: Record<ProvisionedObjectType, PropertySpec[]>;
  createLabels: RoleLabelSpec[];
  /** Our enumeration properties that exist but lack options we now write: the full option list to set. */
  extendOptions: Record<ProvisionedObjectType, Array<{ name: string; options: ExistingOption[]; added: string[] }>>;
  existing: ProvisioningReport['existing'];
  warnings: string[];
  /** Roles already labelled, with the type id to use. */
  roleLabels: Partial<Record<PartnerRole, number>>;
}

/**
 * How an existing property differs from our definition in ways that break our writes or its meaning: another data
 * type, another field type (a `checkbox` enumeration is multi-select, `select` is not), or missing enumeration
 * options (writing a value that is not an option fails with INVALID_OPTION). Labels, descriptions, groups and extra
 * options are the customer's business.
 */
export function definitionMismatches(spec: PropertySpec, existing: ExistingProperty): string[] {
  const problems: string[] = [];
  if (existing.type !== spec.type) problems.push(`type is ${existing.type}, expected ${spec.type}`);
  if (existing.fieldType !== spec.fieldType) {
    problems.push(`fieldType is ${existing.fieldType}, expected ${spec.fieldType}`);
  }
  if (spec.type === 'enumeration' && existing.type === 'enumeration') {
    const have = new Set((existing.options ?? []).map((option) => option.value));
    const missing = (spec.options ?? []).map((option) => option.value).filter((value) => !have.has(value));
    if (missing.length > 0) problems.push(`options lack ${missing.join(', ')}`);
  }
  return problems;
}

function mismatchWarning(type: ProvisionedObjectType, spec: PropertySpec, existing: ExistingProperty) {
  const problems = definitionMismatches(spec, existing);
  return problems.length === 0
    ? undefined
    : `${type} property ${spec.name} exists with another definition (${problems.join('; ')}); left unchanged — PartnerLoop's writes to it may fail`;
}

/**
 * An enumeration of ours that only lacks options (a portal provisioned by an older release): the option list to set
 * — every existing option, untouched, then ours that are missing — so our new values can be written. Undefined when
 * nothing is missing or the property differs in a way an options update cannot fix.
 */
export function optionsExtension(
  spec: PropertySpec,
  existing: ExistingProperty,
): { options: ExistingOption[]; added: string[] } | undefined {
  if (spec.type !== 'enumeration' || existing.type !== spec.type || existing.fieldType !== spec.fieldType) {
    return undefined;
  }
  const have = existing.options ?? [];
  const values = new Set(have.map((option) => option.value));
  const missing = (spec.options ?? []).filter((option) => !values.has(option.value));
  if (missing.length === 0) return undefined;
  const after = Math.max(-1, ...have.map((option) => option.displayOrder ?? -1));
  return {
    options: [
      ...have,
      ...missing.map((option, index) => ({ ...option, displayOrder: after + 1 + index, hidden: false })),
    ],
    added: missing.map((option) => option.value),
  };
}

/** Role → the association type ids whose label names it, ascending. */
export function labelsByRole(labels: readonly ExistingLabel[]): Map<PartnerRole, number[]> {
  const byRole = new Map<PartnerRole, number[]>();
  for (const label of labels) {
    const role = typeof label.label === 'string' ? roleFromLabel(label.label) : undefined;
    if (!role) continue;
    byRole.set(
      role,
      [...(byRole.get(role) ?? []), label.typeId].sort((a, b) => a - b),
    );
  }
  return byRole;
}

/** The pure decision: what to create, what exists, what to warn about. */
export function planProvisioning(definitions: PortalDefinitions, schema: PortalSchema): ProvisioningPlan {
  const plan: ProvisioningPlan = {
    createGroups: { deals: [], companies: [] },
    createProperties: { deals: [], companies: [] },
    createLabels: [],
    extendOptions: { deals: [], companies: [] },
    existing: { groups: [], properties: [], labels: [] },
    warnings: [],
    roleLabels: {},
  };
  for (const type of PROVISIONED_OBJECT_TYPES) {
    for (const group of definitions.groups[type]) {
      if (schema.groups[type].has(group.name)) plan.existing.groups.push(`${type}.${group.name}`);
      else plan.createGroups[type].push(group);
    }
    for (const spec of definitions.properties[type]) {
      const existing = schema.properties[type].get(spec.name);
      if (!existing) {
        plan.createProperties[type].push(spec);
        continue;
      }
      plan.existing.properties.push(`${type}.${spec.name}`);
      const extension = optionsExtension(spec, existing);
      if (extension) {
        plan.extendOptions[type].push({ name: spec.name, ...extension });
        continue;
      }
      const warning = mismatchWarning(type, spec, existing);
      if (warning) plan.warnings.push(warning);
    }
  }
  const byRole = labelsByRole(schema.labels);
  for (const spec of definitions.roleLabels) {
    const [typeId, ...others] = byRole.get(spec.role) ?? [];
    if (typeId === undefined) {
      plan.createLabels.push(spec);
      continue;
    }
    plan.existing.labels.push(spec.role);
    plan.roleLabels[spec.role] = typeId;
    if (others.length > 0) {
      plan.warnings.push(
        `several deal→company labels mean the ${spec.role} role (type ids ${[typeId, ...others].join(', ')}); PartnerLoop tags with ${typeId} and reads all of them`,
      );
    }
  }
  return plan;
}

// --- I/O ------------------------------------------------------------------------------------------------------

/** Provisioning could not finish: something we need is still missing after creating it. */
export class HubSpotProvisioningError extends AppError {
  readonly code = 'crm_provisioning_failed';
  readonly httpStatus = 502;
}

export interface ProvisioningOptions {
  /** What to provision (default: PartnerLoop's group, properties and role labels). */
  definitions?: PortalDefinitions;
}

const LABELS_PATH = `${ASSOCIATIONS_API}/deals/companies/labels`;
/** Creates of a label are verified by reading before being sent again (see `createLabel`). */
const LABEL_CREATE_ATTEMPTS = 3;
/** Rounds of "create the missing properties, re-read after a conflict". */
const PROPERTY_CREATE_ROUNDS = 2;

interface PropertyGroupJson {
  name: string;
}

interface BatchPropertyResponse {
  results?: ExistingProperty[];
  errors?: Array<{ message?: string; category?: string }>;
}

function isConflict(error: unknown): boolean {
  return error instanceof HubSpotApiError && error.status === 409;
}

/** An ambiguous failure: the request may have been applied (5xx after processing, connection lost). */
function isAmbiguous(error: unknown): boolean {
  return error instanceof HubSpotApiError && (error.status === undefined || error.status >= 500);
}

async function readGroups(client: HubSpotClient, type: ProvisionedObjectType): Promise<Set<string>> {
  const response = await client.call<{ results: PropertyGroupJson[] }>({
    method: 'GET',
    path: `${PROPERTIES_API}/${type}/groups`,
    idempotent: true,
    operation: `read of ${type} property groups`,
  });
  return new Set((response?.results ?? []).map((group) => group.name));
}

/** Every (unarchived) property of a type in one call: the list endpoint is not paged. */
async function readProperties(
  client: HubSpotClient,
  type: ProvisionedObjectType,
): Promise<Map<string, ExistingProperty>> {
  const response = await client.call<{ results: ExistingProperty[] }>({
    method: 'GET',
    path: `${PROPERTIES_API}/${type}`,
    qs: { archived: 'false' },
    idempotent: true,
    operation: `read of ${type} properties`,
  });
  return new Map((response?.results ?? []).map((property) => [property.name, property]));
}

async function readLabels(client: HubSpotClient): Promise<ExistingLabel[]> {
  const response = await client.call<{ results: ExistingLabel[] }>({
    method: 'GET',
    path: LABELS_PATH,
    idempotent: true,
    operation: 'read of deal→company association labels',
  });
  return response?.results ?? [];
}

/** Reads what the portal holds: 2 group lists + 2 property lists + 1 label list. */
export async function readPortalSchema(client: HubSpotClient): Promise<PortalSchema> {
  const [dealGroups, companyGroups, dealProperties, companyProperties, labels] = await Promise.all([
    readGroups(client, 'deals'),
    readGroups(client, 'companies'),
    readProperties(client, 'deals'),
    readProperties(client, 'companies'),
    readLabels(client),
  ]);
  return {
    groups: { deals: dealGroups, companies: companyGroups },
    properties: { deals: dealProperties, companies: companyProperties },
    labels,
  };
}

/** Creates a group; `false` when it turned out to exist (a concurrent run, or our own retried create). */
async function createGroup(client: HubSpotClient, type: ProvisionedObjectType, group: PropertyGroupSpec) {
  try {
    await client.call<PropertyGroupJson>({
      method: 'POST',
      path: `${PROPERTIES_API}/${type}/groups`,
      body: group,
      // Group names are unique: a repeat cannot create a second group, it gets a 409, handled here.
      idempotent: true,
      operation: `creation of the ${type} property group ${group.name}`,
    });
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/**
 * Creates the missing properties of one type, 100 per batch. Property names are unique, so a repeated batch cannot
 * duplicate anything; a conflict (409, or a 207 with errors) means some already exist — from a concurrent run or an
 * earlier attempt of our own that was applied before it failed — so the type is re-read and only what is still
 * missing is sent again.
 */
async function createProperties(
  client: HubSpotClient,
  type: ProvisionedObjectType,
  specs: readonly PropertySpec[],
  report: ProvisioningReport,
): Promise<void> {
  let missing = [...specs];
  for (let round = 1; missing.length > 0; round += 1) {
    let conflicted = false;
    const problems: string[] = [];
    for (const batch of chunks(missing, BATCH_LIMIT)) {
      try {
        const response = await client.call<BatchPropertyResponse>({
          method: 'POST',
          path: `${PROPERTIES_API}/${type}/batch/create`,
          body: { inputs: batch },
          idempotent: true,
          operation: `creation of ${type} properties`,
        });
        for (const created of response?.results ?? []) report.created.properties.push(`${type}.${created.name}`);
        if ((response?.errors ?? []).length > 0) {
          conflicted = true;
          for (const error of response?.errors ?? []) problems.push(error.message ?? error.category ?? 'unknown error');
        }
      } catch (error) {
        if (!isConflict(error)) throw error;
        conflicted = true;
        problems.push((error as HubSpotApiError).providerMessage ?? 'conflict');
      }
    }
    if (!conflicted) return;
    const now = await readProperties(client, type);
    const done = new Set(report.created.properties);
    const stillMissing: PropertySpec[] = [];
    for (const spec of missing) {
      const existing = now.get(spec.name);
      if (!existing) {
        stillMissing.push(spec);
        continue;
      }
      if (done.has(`${type}.${spec.name}`)) continue;
      // Someone (perhaps our own applied-then-failed attempt) created it; compare it like any existing property.
      report.existing.properties.push(`${type}.${spec.name}`);
      const warning = mismatchWarning(type, spec, existing);
      if (warning) report.warnings.push(warning);
    }
    missing = stillMissing;
    if (missing.length > 0 && round >= PROPERTY_CREATE_ROUNDS) {
      throw new HubSpotProvisioningError(
        `HubSpot did not create the ${type} properties ${missing.map((spec) => spec.name).join(', ')} (an archived property of the same name must be restored in HubSpot)`,
        { details: problems },
      );
    }
  }
}

/**
 * Creates a role label and returns its type id. HubSpot does not document that label names are unique, so a label
 * create is not blindly repeated: after an ambiguous failure the labels are read again and the create is sent again
 * only if the label is still absent.
 */
async function createLabel(client: HubSpotClient, spec: RoleLabelSpec): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    let conflict = false;
    try {
      const response = await client.call<{ results: ExistingLabel[] }>({
        method: 'POST',
        path: LABELS_PATH,
        body: { name: spec.name, label: spec.label },
        idempotent: false, // the client retries only 429s (never processed); the rest is decided here
        operation: `creation of the ${spec.label} association label`,
      });
      const created = response?.results.find((type) => roleFromLabel(type.label ?? '') === spec.role);
      if (created) return created.typeId;
    } catch (error) {
      conflict = isConflict(error);
      if (!conflict && !isAmbiguous(error)) throw error;
      if (!conflict && attempt >= LABEL_CREATE_ATTEMPTS) throw error;
    }
    const [found] = labelsByRole(await readLabels(client)).get(spec.role) ?? [];
    if (found !== undefined) return found;
    if (conflict) {
      throw new HubSpotProvisioningError(
        `a deal→company association label named ${spec.name} exists but its label does not name the ${spec.role} role; rename it to "${spec.label}" in HubSpot`,
      );
    }
    if (attempt >= LABEL_CREATE_ATTEMPTS) {
      throw new HubSpotProvisioningError(`HubSpot did not create the ${spec.label} association label`);
    }
  }
}

/**
 * Provisions one portal: reads groups, properties (one list per object type) and labels, then creates only what is
 * missing — groups first (properties need them), properties in batches of 100, then the role labels one by one (the
 * labels API has no batch create). Every call goes through `HubSpotClient.call` (pacing, retries, token refresh).
 * On a provisioned portal it costs 5 reads and no write.
 */
export async function provisionPortal(
  client: HubSpotClient,
  options: ProvisioningOptions = {},
): Promise<ProvisioningReport> {
  const definitions = options.definitions ?? PARTNERLOOP_DEFINITIONS;
  const plan = planProvisioning(definitions, await readPortalSchema(client));
  const report: ProvisioningReport = {
    created: { groups: [], properties: [], labels: [] },
    existing: plan.existing,
    extendedOptions: [],
    warnings: plan.warnings,
    roleLabels: {} as Record<PartnerRole, number>,
  };
  for (const type of PROVISIONED_OBJECT_TYPES) {
    for (const group of plan.createGroups[type]) {
      if (await createGroup(client, type, group)) report.created.groups.push(`${type}.${group.name}`);
      else report.existing.groups.push(`${type}.${group.name}`);
    }
    await createProperties(client, type, plan.createProperties[type], report);
    for (const extension of plan.extendOptions[type]) {
      await client.call<ExistingProperty>({
        method: 'PATCH',
        path: `${PROPERTIES_API}/${type}/${extension.name}`,
        body: { options: extension.options },
        // Setting the same full list twice gives the same property.
        idempotent: true,
        operation: `options update of the ${type} property ${extension.name}`,
      });
      report.extendedOptions.push(`${type}.${extension.name}: ${extension.added.join(', ')}`);
    }
  }
  const roleLabels: Partial<Record<PartnerRole, number>> = { ...plan.roleLabels };
  for (const spec of plan.createLabels) {
    roleLabels[spec.role] = await createLabel(client, spec);
    report.created.labels.push(spec.role);
  }
  for (const role of PARTNER_ROLES) {
    const typeId = roleLabels[role];
    if (typeId === undefined) {
      throw new HubSpotProvisioningError(`no deal→company association label for the ${role} role`);
    }
    report.roleLabels[role] = typeId;
  }
  return report;
}
