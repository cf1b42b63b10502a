import {
  type CrmPropertyDefinition,
  type CrmPropertyKind,
  type CrmPropertyOption,
  crmPropertiesOf,
} from '../../model/crm-properties.ts';
import { PARTNER_ROLES, type PartnerRole } from '../../model/deal.ts';
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

/** HubSpot stores `bool` values as the strings `true` / `false` (what the scorer writes for `pl_dormant`). */
const YES_NO: readonly CrmPropertyOption[] = [
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
];

/** How each kind of the catalogue is stored in HubSpot (properties API guide, "type and fieldType"). */
const HUBSPOT_TYPES: Readonly<Record<CrmPropertyKind, Pick<PropertySpec, 'type' | 'fieldType'>>> = {
  text: { type: 'string', fieldType: 'text' },
  long_text: { type: 'string', fieldType: 'textarea' },
  number: { type: 'number', fieldType: 'number' },
  date: { type: 'date', fieldType: 'date' },
  choice: { type: 'enumeration', fieldType: 'select' },
  flag: { type: 'bool', fieldType: 'booleancheckbox' },
};

/** The HubSpot definition of one catalogue property, `displayOrder` its place among its object's properties. */
function propertySpec(property: CrmPropertyDefinition, displayOrder: number): PropertySpec {
  const options = property.kind === 'flag' ? YES_NO : property.options;
  return {
    name: property.name,
    label: property.label,
    description: property.description,
    ...HUBSPOT_TYPES[property.kind],
    ...(options ? { options: options.map((option, order) => ({ ...option, displayOrder: order })) } : {}),
    groupName: PARTNERLOOP_GROUP.name,
    displayOrder,
    formField: false,
  };
}

/** Deal properties (SPEC §4.5), from the catalogue (`src/model/crm-properties.ts`). */
export const DEAL_PROPERTIES: readonly PropertySpec[] = crmPropertiesOf('deal').map(propertySpec);

/** Company properties (SPEC §4.5): a partner is a company with `pl_is_partner = true`. */
export const COMPANY_PROPERTIES: readonly PropertySpec[] = crmPropertiesOf('partner').map(propertySpec);

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
