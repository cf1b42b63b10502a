import type { AssociationTypeDefinition } from '../portal/association-types.ts';
import type { StoredRecord } from '../portal/object-table.ts';
import type { SandboxPortal } from '../portal/sandbox-portal.ts';
import { ALWAYS_RETURNED, type CrmObjectType, DEFAULT_RETURNED, OBJECT_TYPE_IDS } from '../properties.ts';
import type { RouteDeps } from './crm-request.ts';

/**
 * The response side of the sandbox's CRM endpoints: records, batch envelopes, batch errors and association types in
 * the JSON shapes HubSpot returns.
 */

export const SINGULAR: Readonly<Record<CrmObjectType, string>> = { deals: 'deal', companies: 'company' };

export const iso = (ms: number) => new Date(ms).toISOString();

export interface RenderOptions {
  properties?: readonly string[] | undefined;
  resolvedNames?: readonly string[];
  withHistory?: readonly string[] | undefined;
  associations?: readonly CrmObjectType[] | undefined;
}

function associationTypeName(
  type: AssociationTypeDefinition | undefined,
  from: CrmObjectType,
  to: CrmObjectType,
): string {
  const base = `${SINGULAR[from]}_to_${SINGULAR[to]}`;
  if (!type || (type.category === 'HUBSPOT_DEFINED' && type.label === null)) return `${base}_unlabeled`;
  if (type.category === 'HUBSPOT_DEFINED') return base;
  return type.name ?? base;
}

/** A record as HubSpot returns it: string properties (null when asked for but empty), ISO timestamps. */
export function renderRecord(
  portal: SandboxPortal,
  type: CrmObjectType,
  record: StoredRecord,
  options: RenderOptions = {},
) {
  const definitions = portal.definitions(type);
  // Resolved once per request (the options object is shared by every record of a page).
  if (!options.resolvedNames) {
    const asked = options.properties && options.properties.length > 0 ? options.properties : undefined;
    const names = asked ? [...new Set([...asked, ...ALWAYS_RETURNED[type]])] : DEFAULT_RETURNED[type];
    options.resolvedNames = names.filter((name) => definitions.has(name));
  }
  const properties: Record<string, string | null> = {};
  for (const name of options.resolvedNames) properties[name] = record.properties[name] ?? null;
  const json: Record<string, unknown> = {
    id: record.id,
    properties,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    archived: record.archived,
  };
  if (record.archivedAt !== undefined) json.archivedAt = iso(record.archivedAt);
  if (options.withHistory && options.withHistory.length > 0) {
    const history: Record<string, unknown[]> = {};
    for (const name of options.withHistory) {
      const value = record.properties[name];
      if (!definitions.has(name) || value === undefined) continue;
      history[name] = [{ value, timestamp: iso(record.updatedAt), sourceType: 'API' }];
    }
    json.propertiesWithHistory = history;
  }
  if (options.associations && options.associations.length > 0) {
    const associations: Record<string, unknown> = {};
    for (const toType of options.associations) {
      const results: Array<{ id: string; type: string }> = [];
      for (const [toId, typeIds] of portal.associationsOf(type, record.id, toType)) {
        for (const typeId of typeIds) {
          results.push({
            id: toId,
            type: associationTypeName(portal.associationType(type, toType, typeId), type, toType),
          });
        }
      }
      if (results.length > 0) associations[toType] = { results };
    }
    json.associations = associations;
  }
  return json;
}

export function batchEnvelope(deps: RouteDeps, startedAt: number, results: unknown[], errors: unknown[] = []) {
  return {
    status: 'COMPLETE',
    results,
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt: iso(startedAt),
    completedAt: iso(deps.clock.now()),
  };
}

export function notFoundBatchError(type: CrmObjectType, ids: readonly string[]) {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids: [...ids] },
    errors: [],
    links: {},
  };
}

export function specJson(type: AssociationTypeDefinition) {
  return { category: type.category, typeId: type.typeId, label: type.label };
}

/** The types of one association as the v4 read endpoints list them (an unknown id reads as unlabeled HubSpot). */
export function associationTypesJson(
  portal: SandboxPortal,
  fromType: CrmObjectType,
  toType: CrmObjectType,
  typeIds: readonly number[],
) {
  return typeIds.map((typeId) => {
    const type = portal.associationType(fromType, toType, typeId);
    return type ? specJson(type) : { category: 'HUBSPOT_DEFINED', typeId, label: null };
  });
}

export function labelsBetween(
  portal: SandboxPortal,
  fromType: CrmObjectType,
  fromId: string,
  toType: CrmObjectType,
  toId: string,
  typeIds: readonly number[],
) {
  return {
    fromObjectTypeId: OBJECT_TYPE_IDS[fromType],
    fromObjectId: Number(fromId),
    toObjectTypeId: OBJECT_TYPE_IDS[toType],
    toObjectId: Number(toId),
    labels: typeIds
      .map((typeId) => portal.associationType(fromType, toType, typeId)?.label)
      .filter((label): label is string => typeof label === 'string'),
  };
}
