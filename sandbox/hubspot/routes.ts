import express, { type Request, type Response, type Router } from 'express';
import type { Clock } from '../kit/clock.ts';
import type { SandboxLimits } from '../kit/limits.ts';
import { SandboxHttpError, validationError } from './errors.ts';
import type { AssociationTypeDefinition, ChangeActor, SandboxPortal, StoredRecord } from './portal.ts';
import {
  ALWAYS_RETURNED,
  type CrmObjectType,
  DEFAULT_RETURNED,
  defineProperty,
  type FieldType,
  groupToJson,
  OBJECT_TYPE_IDS,
  type PropertyDefinition,
  type PropertyOption,
  type PropertyType,
  propertyToJson,
} from './properties.ts';
import { parseSearchRequest, runSearch } from './search.ts';

/**
 * The CRM endpoints of the sandbox. Each router is mounted under both the date-versioned prefix of the 2026-03
 * reference (`/crm/objects/2026-03`, `/crm/properties/2026-03`, `/crm/associations/2026-03`) and the numeric one
 * `@hubspot/api-client` 13.5 calls (`/crm/v3/objects`, `/crm/v3/properties`, `/crm/v4/associations`). The request's
 * portal, scopes and actor come from the Bearer token (set on `res.locals` by the auth middleware).
 */

export interface RouteDeps {
  clock: Clock;
  limits: SandboxLimits;
}

interface Locals {
  portal: SandboxPortal;
  actor: ChangeActor;
  scopes: readonly string[];
}

function locals(res: Response): Locals {
  return res.locals as Locals;
}

const OBJECT_ALIASES: Readonly<Record<string, CrmObjectType>> = {
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
};

const SINGULAR: Readonly<Record<CrmObjectType, string>> = { deals: 'deal', companies: 'company' };

export function objectTypeOf(raw: unknown): CrmObjectType {
  const type = OBJECT_ALIASES[String(raw).toLowerCase()];
  if (!type) throw validationError(`Unable to infer object type from: ${String(raw)}`);
  return type;
}

type Access = 'read' | 'write' | 'schema-read' | 'schema-write';

/** 403 with HubSpot's MISSING_SCOPES body when the token lacks every scope that would allow the call. */
function requireScope(res: Response, type: CrmObjectType, access: Access): void {
  const granted = locals(res).scopes;
  const accepted =
    access === 'read'
      ? [`crm.objects.${type}.read`, `crm.objects.${type}.write`]
      : access === 'write'
        ? [`crm.objects.${type}.write`]
        : access === 'schema-read'
          ? [`crm.schemas.${type}.read`, `crm.schemas.${type}.write`, `crm.objects.${type}.read`]
          : [`crm.schemas.${type}.write`];
  if (accepted.some((scope) => granted.includes(scope))) return;
  throw new SandboxHttpError(403, {
    message:
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    category: 'MISSING_SCOPES',
    errors: [
      { message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: accepted } },
    ],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
  });
}

/** `a,b` or `a&a` query values → names. */
function nameList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return raw
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

function flag(value: unknown): boolean {
  return String(value ?? '').toLowerCase() === 'true';
}

function body(req: Request): Record<string, unknown> {
  const value = req.body as unknown;
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validationError('Invalid input JSON: expected an object');
  }
  return value as Record<string, unknown>;
}

function inputsOf(req: Request, max: number): Array<Record<string, unknown>> {
  const inputs = body(req).inputs;
  if (!Array.isArray(inputs)) throw validationError('inputs is required');
  if (inputs.length > max) {
    throw validationError(`Batch input size ${inputs.length} exceeds the limit of ${max} inputs per request.`, {
      context: { limit: [String(max)] },
    });
  }
  return inputs.map((input) => {
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw validationError('Each input must be an object');
    return input as Record<string, unknown>;
  });
}

function propertiesOf(input: Record<string, unknown>): Record<string, unknown> {
  const properties = input.properties;
  if (properties === undefined) return {};
  if (!properties || typeof properties !== 'object' || Array.isArray(properties)) {
    throw validationError('properties must be an object of property names to values');
  }
  return properties as Record<string, unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();

interface RenderOptions {
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

function batchEnvelope(deps: RouteDeps, startedAt: number, results: unknown[], errors: unknown[] = []) {
  return {
    status: 'COMPLETE',
    results,
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt: iso(startedAt),
    completedAt: iso(deps.clock.now()),
  };
}

function notFoundBatchError(type: CrmObjectType, ids: readonly string[]) {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids: [...ids] },
    errors: [],
    links: {},
  };
}

function checkNoDuplicates(ids: readonly string[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  if (duplicates.size > 0) {
    throw validationError(`Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]. IDs must be unique`);
  }
}

/** Associations given inline on create: `[{to: {id}, types: [{associationCategory, associationTypeId}]}]`. */
function createAssociations(
  portal: SandboxPortal,
  type: CrmObjectType,
  recordId: string,
  raw: unknown,
  actor: ChangeActor,
): void {
  if (!Array.isArray(raw)) return;
  for (const entry of raw as Array<Record<string, unknown>>) {
    const toId = String((entry.to as { id?: unknown } | undefined)?.id ?? '');
    const types = Array.isArray(entry.types) ? (entry.types as Array<Record<string, unknown>>) : [];
    const typeIds = types.map((spec) => Number(spec.associationTypeId));
    const toType: CrmObjectType = type === 'deals' ? 'companies' : 'deals';
    portal.associate(type, recordId, toType, toId, typeIds, actor);
  }
}

// --- /crm/{v3|2026-03}/objects --------------------------------------------------------------------------------

export function objectsRouter(deps: RouteDeps): Router {
  const router = express.Router({ mergeParams: true });

  router.get('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'read');
    const { portal } = locals(res);
    const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > deps.limits.listPageSize) {
      throw validationError(`limit must be an integer between 1 and ${deps.limits.listPageSize}`);
    }
    const after = req.query.after === undefined ? undefined : String(req.query.after);
    const page = portal.listPage(type, after, limit, flag(req.query.archived));
    const options: RenderOptions = {
      properties: nameList(req.query.properties),
      withHistory: nameList(req.query.propertiesWithHistory),
      associations: nameList(req.query.associations).map(objectTypeOf),
    };
    const json: Record<string, unknown> = {
      results: page.records.map((record) => renderRecord(portal, type, record, options)),
    };
    if (page.nextAfter !== undefined) {
      const link = new URL(`${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`);
      link.searchParams.set('after', page.nextAfter);
      json.paging = { next: { after: page.nextAfter, link: link.toString() } };
    }
    res.json(json);
  });

  router.post('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const input = body(req);
    const record = portal.create(type, propertiesOf(input), actor);
    createAssociations(portal, type, record.id, input.associations, actor);
    res.status(201).json(renderRecord(portal, type, record, { properties: Object.keys(record.properties) }));
  });

  router.post('/:objectType/search', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'read');
    const { portal } = locals(res);
    const request = parseSearchRequest(req.body, {
      maxPageSize: deps.limits.searchPageSize,
      maxResults: deps.limits.searchMaxResults,
      maxFilterGroups: 5,
      maxFiltersPerGroup: 6,
      maxFilters: 18,
    });
    const live = (function* () {
      for (const record of portal.records(type)) if (!record.archived) yield record;
    })();
    const page = runSearch(
      live,
      request,
      {
        objectType: type,
        definitions: portal.definitions(type),
        associatedIds: (id, toType) => portal.associatedIds(type, id, toType),
      },
      deps.limits.searchMaxResults,
    );
    res.json({
      total: page.total,
      results: page.results.map((record) => renderRecord(portal, type, record, { properties: request.properties })),
      ...(page.nextAfter !== undefined ? { paging: { next: { after: page.nextAfter } } } : {}),
    });
  });

  router.post('/:objectType/batch/read', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'read');
    const { portal } = locals(res);
    const startedAt = deps.clock.now();
    const inputs = inputsOf(req, deps.limits.batchInputs);
    const raw = body(req);
    const idProperty = typeof raw.idProperty === 'string' ? raw.idProperty : undefined;
    const archived = flag(req.query.archived);
    const found = new Map<string, StoredRecord>();
    const missing: string[] = [];
    for (const input of inputs) {
      const id = String(input.id ?? '');
      const record =
        idProperty && idProperty !== 'hs_object_id'
          ? portal.findByUnique(type, idProperty, id)
          : portal.resolve(type, id);
      if (!record || record.archived !== archived) missing.push(id);
      else found.set(record.id, record);
    }
    const options: RenderOptions = {
      properties: nameList(raw.properties),
      withHistory: nameList(raw.propertiesWithHistory),
    };
    const results = [...found.values()].map((record) => renderRecord(portal, type, record, options));
    const errors = missing.length > 0 ? [notFoundBatchError(type, missing)] : [];
    res.status(errors.length > 0 ? 207 : 200).json(batchEnvelope(deps, startedAt, results, errors));
  });

  router.post('/:objectType/batch/create', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    const inputs = inputsOf(req, deps.limits.batchInputs);
    // Validate every input before writing any: a bad input fails the whole batch with nothing written.
    for (const input of inputs) portal.normalizeProperties(type, propertiesOf(input), { creating: true });
    const results = inputs.map((input) => {
      const record = portal.create(type, propertiesOf(input), actor);
      createAssociations(portal, type, record.id, input.associations, actor);
      const json = renderRecord(portal, type, record, { properties: Object.keys(record.properties) });
      if (typeof input.objectWriteTraceId === 'string') json.objectWriteTraceId = input.objectWriteTraceId;
      return json;
    });
    res.status(201).json(batchEnvelope(deps, startedAt, results));
  });

  router.post('/:objectType/batch/update', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    const inputs = inputsOf(req, deps.limits.batchInputs);
    checkNoDuplicates(inputs.map((input) => `${String(input.idProperty ?? '')}:${String(input.id ?? '')}`));
    const missing: string[] = [];
    const targets: Array<{ record: StoredRecord; properties: Record<string, unknown>; trace: unknown }> = [];
    for (const input of inputs) {
      const id = String(input.id ?? '');
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      const record =
        idProperty && idProperty !== 'hs_object_id'
          ? portal.findByUnique(type, idProperty, id)
          : portal.resolve(type, id);
      if (!record || record.archived) {
        missing.push(id);
        continue;
      }
      const properties = propertiesOf(input);
      portal.normalizeProperties(type, properties, { current: record, creating: false });
      targets.push({ record, properties, trace: input.objectWriteTraceId });
    }
    const results = targets.map(({ record, properties, trace }) => {
      portal.update(type, record, properties, actor);
      const json = renderRecord(portal, type, record, { properties: Object.keys(properties) });
      if (typeof trace === 'string') json.objectWriteTraceId = trace;
      return json;
    });
    const errors = missing.length > 0 ? [notFoundBatchError(type, missing)] : [];
    res.status(errors.length > 0 ? 207 : 200).json(batchEnvelope(deps, startedAt, results, errors));
  });

  router.post('/:objectType/batch/upsert', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    const inputs = inputsOf(req, deps.limits.batchInputs);
    checkNoDuplicates(inputs.map((input) => `${String(input.idProperty ?? '')}:${String(input.id ?? '')}`));
    const plan = inputs.map((input) => {
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      if (!idProperty) throw validationError('idProperty is required for upsert');
      const id = String(input.id ?? '');
      const existing = portal.findByUnique(type, idProperty, id);
      const properties = { ...propertiesOf(input), ...(existing ? {} : { [idProperty]: id }) };
      portal.normalizeProperties(
        type,
        properties,
        existing ? { current: existing, creating: false } : { creating: true },
      );
      return { existing, properties };
    });
    const results = plan.map(({ existing, properties }) => {
      const record = existing
        ? portal.update(type, existing, properties, actor)
        : portal.create(type, properties, actor);
      return { ...renderRecord(portal, type, record, { properties: Object.keys(properties) }), new: !existing };
    });
    res.status(200).json(batchEnvelope(deps, startedAt, results));
  });

  router.post('/:objectType/batch/archive', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    for (const input of inputsOf(req, deps.limits.batchInputs)) {
      const record = portal.resolve(type, String(input.id ?? ''));
      // Unknown or already archived ids are ignored: archive answers 204 whatever the initial state.
      if (record && !record.archived) portal.archive(type, record, actor);
    }
    res.status(204).end();
  });

  router.post('/:objectType/merge', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const input = body(req);
    const primaryObjectId = input.primaryObjectId;
    const objectIdToMerge = input.objectIdToMerge;
    if (primaryObjectId === undefined || objectIdToMerge === undefined) {
      throw validationError('primaryObjectId and objectIdToMerge are required');
    }
    const survivor = portal.merge(type, String(primaryObjectId), String(objectIdToMerge), actor);
    res.json(renderRecord(portal, type, survivor, { properties: Object.keys(survivor.properties) }));
  });

  router.get('/:objectType/:objectId', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'read');
    const { portal } = locals(res);
    const idProperty = req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const record = portal.require(type, String(req.params.objectId), idProperty, flag(req.query.archived));
    res.json(
      renderRecord(portal, type, record, {
        properties: nameList(req.query.properties),
        withHistory: nameList(req.query.propertiesWithHistory),
        associations: nameList(req.query.associations).map(objectTypeOf),
      }),
    );
  });

  router.patch('/:objectType/:objectId', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const idProperty = req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const record = portal.require(type, String(req.params.objectId), idProperty);
    const properties = propertiesOf(body(req));
    portal.update(type, record, properties, actor);
    res.json(renderRecord(portal, type, record, { properties: Object.keys(properties) }));
  });

  router.delete('/:objectType/:objectId', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'write');
    const { portal, actor } = locals(res);
    const record = portal.resolve(type, String(req.params.objectId));
    if (record && !record.archived) portal.archive(type, record, actor);
    res.status(204).end();
  });

  return router;
}

// --- associations v4 / 2026-03 ------------------------------------------------------------------------------

function specJson(type: AssociationTypeDefinition) {
  return { category: type.category, typeId: type.typeId, label: type.label };
}

function toIdsOf(entry: Record<string, unknown>, key: 'from' | 'to'): string {
  const side = entry[key] as { id?: unknown } | undefined;
  if (!side || side.id === undefined) throw validationError(`${key}.id is required`);
  return String(side.id);
}

function typeIdsOf(raw: unknown): number[] {
  if (!Array.isArray(raw)) throw validationError('types is required');
  return (raw as Array<Record<string, unknown>>).map((spec) => {
    const typeId = Number(spec.associationTypeId);
    if (!Number.isInteger(typeId)) throw validationError('associationTypeId must be an integer');
    return typeId;
  });
}

/** `/crm/v4/objects/{type}/{id}/associations/…` and `/crm/objects/2026-03/{type}/{id}/associations/…`. */
export function recordAssociationsRouter(deps: RouteDeps): Router {
  const router = express.Router();

  router.get('/:objectType/:objectId/associations/:toObjectType', (req, res) => {
    const fromType = objectTypeOf(req.params.objectType);
    const toType = objectTypeOf(req.params.toObjectType);
    requireScope(res, fromType, 'read');
    const { portal } = locals(res);
    const from = portal.require(fromType, String(req.params.objectId));
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 500) || 500));
    const after = req.query.after === undefined ? 0 : Number(req.query.after);
    const entries = [...portal.associationsOf(fromType, from.id, toType)];
    const page = entries.slice(after, after + limit);
    res.json({
      results: page.map(([toId, typeIds]) => ({
        toObjectId: Number(toId),
        associationTypes: typeIds.map((typeId) => {
          const type = portal.associationType(fromType, toType, typeId);
          return type ? specJson(type) : { category: 'HUBSPOT_DEFINED', typeId, label: null };
        }),
      })),
      ...(after + limit < entries.length ? { paging: { next: { after: String(after + limit) } } } : {}),
    });
  });

  router.put('/:objectType/:objectId/associations/default/:toObjectType/:toObjectId', (req, res) => {
    const fromType = objectTypeOf(req.params.objectType);
    const toType = objectTypeOf(req.params.toObjectType);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    const typeId = portal.defaultTypeId(fromType, toType);
    const fromId = String(req.params.objectId);
    const toId = String(req.params.toObjectId);
    portal.associate(fromType, fromId, toType, toId, [typeId], actor);
    res.json(
      batchEnvelope(deps, startedAt, [
        {
          from: { id: fromId },
          to: { id: toId },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
        },
      ]),
    );
  });

  router.put('/:objectType/:objectId/associations/:toObjectType/:toObjectId', (req, res) => {
    const fromType = objectTypeOf(req.params.objectType);
    const toType = objectTypeOf(req.params.toObjectType);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    const specs = req.body as unknown;
    if (!Array.isArray(specs)) throw validationError('The body must be an array of association specs');
    const fromId = String(req.params.objectId);
    const toId = String(req.params.toObjectId);
    const typeIds = portal.associate(fromType, fromId, toType, toId, typeIdsOf(specs), actor);
    res.status(201).json(labelsBetween(portal, fromType, fromId, toType, toId, typeIds));
  });

  router.delete('/:objectType/:objectId/associations/:toObjectType/:toObjectId', (req, res) => {
    const fromType = objectTypeOf(req.params.objectType);
    const toType = objectTypeOf(req.params.toObjectType);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    portal.removeAll(fromType, String(req.params.objectId), toType, String(req.params.toObjectId), actor);
    res.status(204).end();
  });

  return router;
}

function labelsBetween(
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

/** `/crm/v4/associations/{from}/{to}/…` and `/crm/associations/2026-03/{from}/{to}/…`. */
export function associationsRouter(deps: RouteDeps): Router {
  const router = express.Router();
  const pair = (req: Request) => ({
    fromType: objectTypeOf(req.params.fromObjectType),
    toType: objectTypeOf(req.params.toObjectType),
  });
  const dated = (req: Request) => req.baseUrl.includes('/2026-03');

  router.post('/:fromObjectType/:toObjectType/batch/read', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'read');
    const { portal } = locals(res);
    const startedAt = deps.clock.now();
    const results: unknown[] = [];
    const missing: string[] = [];
    const pageSize = deps.limits.associationsPerObjectPage;
    for (const input of inputsOf(req, deps.limits.associationBatchInputs)) {
      const id = String(input.id ?? '');
      const record = portal.resolve(fromType, id);
      const links = record && !record.archived ? portal.associationsOf(fromType, record.id, toType) : undefined;
      if (!links || links.size === 0) {
        missing.push(id);
        continue;
      }
      // One page of each record's associations; `paging.next.after` (with the id) asks for the next one.
      const offset = input.after === undefined ? 0 : Number(input.after);
      if (!Number.isInteger(offset) || offset < 0)
        throw validationError(`after must be a paging token, got ${input.after}`);
      const page = [...links].slice(offset, offset + pageSize);
      results.push({
        from: { id },
        to: page.map(([toId, typeIds]) => ({
          toObjectId: Number(toId),
          associationTypes: typeIds.map((typeId) => {
            const type = portal.associationType(fromType, toType, typeId);
            return type ? specJson(type) : { category: 'HUBSPOT_DEFINED', typeId, label: null };
          }),
        })),
        ...(offset + pageSize < links.size ? { paging: { next: { after: String(offset + pageSize) } } } : {}),
      });
    }
    const errors =
      missing.length > 0
        ? [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: `No ${SINGULAR[toType]} is associated with ${SINGULAR[fromType]} ${missing.join(', ')}.`,
              context: { fromObjectId: missing },
              errors: [],
              links: {},
            },
          ]
        : [];
    res.status(errors.length > 0 ? 207 : 200).json(batchEnvelope(deps, startedAt, results, errors));
  });

  router.post('/:fromObjectType/:toObjectType/batch/create', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    const inputs = inputsOf(req, deps.limits.associationBatchInputs);
    const plan = inputs.map((input) => ({
      fromId: toIdsOf(input, 'from'),
      toId: toIdsOf(input, 'to'),
      typeIds: typeIdsOf(input.types),
    }));
    for (const { fromId, toId, typeIds } of plan) {
      portal.require(fromType, fromId);
      portal.require(toType, toId);
      for (const typeId of typeIds) {
        if (!portal.associationType(fromType, toType, typeId)) {
          throw validationError(`${typeId} is not a valid association type id between ${fromType} and ${toType}`);
        }
      }
    }
    const results = plan.map(({ fromId, toId, typeIds }) => {
      const all = portal.associate(fromType, fromId, toType, toId, typeIds, actor);
      return labelsBetween(portal, fromType, fromId, toType, toId, all);
    });
    res.status(201).json(batchEnvelope(deps, startedAt, results));
  });

  router.post('/:fromObjectType/:toObjectType/batch/associate/default', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    const typeId = portal.defaultTypeId(fromType, toType);
    const results = inputsOf(req, deps.limits.associationBatchInputs).map((input) => {
      const fromId = toIdsOf(input, 'from');
      const toId = toIdsOf(input, 'to');
      portal.associate(fromType, fromId, toType, toId, [typeId], actor);
      return {
        from: { id: fromId },
        to: { id: toId },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
      };
    });
    res.json(batchEnvelope(deps, startedAt, results));
  });

  router.post('/:fromObjectType/:toObjectType/batch/archive', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    for (const input of inputsOf(req, deps.limits.associationBatchInputs)) {
      const fromId = toIdsOf(input, 'from');
      const targets = Array.isArray(input.to) ? (input.to as Array<{ id?: unknown }>) : [];
      for (const target of targets) portal.removeAll(fromType, fromId, toType, String(target.id ?? ''), actor);
    }
    // The v4 endpoint answers 204; the 2026-03 one a BatchResponseVoid (per their OpenAPI specs).
    if (dated(req)) res.json(batchEnvelope(deps, startedAt, []));
    else res.status(204).end();
  });

  router.post('/:fromObjectType/:toObjectType/batch/labels/archive', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'write');
    const { portal, actor } = locals(res);
    const startedAt = deps.clock.now();
    for (const input of inputsOf(req, deps.limits.associationBatchInputs)) {
      portal.removeTypes(fromType, toIdsOf(input, 'from'), toType, toIdsOf(input, 'to'), typeIdsOf(input.types), actor);
    }
    if (dated(req)) res.json(batchEnvelope(deps, startedAt, []));
    else res.status(204).end();
  });

  router.get('/:fromObjectType/:toObjectType/labels', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'read');
    const { portal } = locals(res);
    res.json({ results: portal.associationTypesOf(fromType, toType).map(specJson) });
  });

  router.post('/:fromObjectType/:toObjectType/labels', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'schema-write');
    const { portal } = locals(res);
    const input = body(req);
    if (typeof input.name !== 'string' || !input.name || typeof input.label !== 'string' || !input.label) {
      throw validationError('name and label are required');
    }
    const created = portal.createLabel(fromType, toType, {
      name: input.name,
      label: input.label,
      inverseLabel: typeof input.inverseLabel === 'string' ? input.inverseLabel : undefined,
    });
    res.json({ results: created.map(specJson) });
  });

  router.put('/:fromObjectType/:toObjectType/labels', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'schema-write');
    const input = body(req);
    const typeId = Number(input.associationTypeId);
    if (!Number.isInteger(typeId) || typeof input.label !== 'string')
      throw validationError('associationTypeId and label are required');
    locals(res).portal.updateLabel(
      fromType,
      toType,
      typeId,
      input.label,
      typeof input.inverseLabel === 'string' ? input.inverseLabel : undefined,
    );
    res.status(204).end();
  });

  router.delete('/:fromObjectType/:toObjectType/labels/:associationTypeId', (req, res) => {
    const { fromType, toType } = pair(req);
    requireScope(res, fromType, 'schema-write');
    locals(res).portal.deleteLabel(fromType, toType, Number(req.params.associationTypeId));
    res.status(204).end();
  });

  return router;
}

// --- properties ---------------------------------------------------------------------------------------------

const PROPERTY_TYPES: readonly PropertyType[] = [
  'string',
  'number',
  'date',
  'datetime',
  'enumeration',
  'bool',
  'phone_number',
];
const FIELD_TYPES: readonly FieldType[] = [
  'text',
  'textarea',
  'number',
  'date',
  'select',
  'radio',
  'checkbox',
  'booleancheckbox',
  'calculation_equation',
  'html',
  'file',
  'phonenumber',
];

function propertyFromInput(input: Record<string, unknown>, at: number): PropertyDefinition {
  const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
  const name = text('name');
  const label = text('label');
  const groupName = text('groupName');
  const type = text('type') as PropertyType | undefined;
  const fieldType = text('fieldType') as FieldType | undefined;
  const missing = [
    ['name', name],
    ['label', label],
    ['groupName', groupName],
    ['type', type],
    ['fieldType', fieldType],
  ]
    .filter(([, value]) => !value)
    .map(([key]) => key);
  if (missing.length > 0 || !name || !label || !groupName || !type || !fieldType) {
    throw validationError(`Missing required fields: ${missing.join(', ')}`);
  }
  if (!PROPERTY_TYPES.includes(type)) throw validationError(`Invalid property type: ${type}`);
  if (!FIELD_TYPES.includes(fieldType)) throw validationError(`Invalid fieldType: ${fieldType}`);
  const options = Array.isArray(input.options) ? (input.options as Array<Record<string, unknown>>) : [];
  if (type === 'enumeration' && options.length === 0 && fieldType !== 'booleancheckbox') {
    throw validationError(`Enumeration property ${name} requires options`);
  }
  return defineProperty(
    {
      name,
      label,
      groupName,
      type,
      fieldType,
      description: text('description') ?? '',
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      hasUniqueValue: input.hasUniqueValue === true,
      hidden: input.hidden === true,
      formField: input.formField === true,
      options: options.map(
        (option, index): PropertyOption => ({
          label: String(option.label ?? option.value ?? ''),
          value: String(option.value ?? ''),
          displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : index,
          hidden: option.hidden === true,
          ...(typeof option.description === 'string' ? { description: option.description } : {}),
        }),
      ),
    },
    at,
  );
}

export function propertiesRouter(deps: RouteDeps): Router {
  const router = express.Router();

  router.get('/:objectType/groups', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    const groups = [...locals(res).portal.groups(type).values()].filter((group) => !group.archived);
    res.json({ results: groups.map(groupToJson) });
  });

  router.post('/:objectType/groups', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const input = body(req);
    if (typeof input.name !== 'string' || typeof input.label !== 'string')
      throw validationError('name and label are required');
    const group = locals(res).portal.createGroup(type, {
      name: input.name,
      label: input.label,
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      archived: false,
    });
    res.status(201).json(groupToJson(group));
  });

  router.get('/:objectType/groups/:groupName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    res.json(groupToJson(locals(res).portal.requireGroup(type, String(req.params.groupName))));
  });

  router.patch('/:objectType/groups/:groupName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const input = body(req);
    const group = locals(res).portal.updateGroup(type, String(req.params.groupName), {
      ...(typeof input.label === 'string' ? { label: input.label } : {}),
      ...(typeof input.displayOrder === 'number' ? { displayOrder: input.displayOrder } : {}),
    });
    res.json(groupToJson(group));
  });

  router.delete('/:objectType/groups/:groupName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    locals(res).portal.archiveGroup(type, String(req.params.groupName));
    res.status(204).end();
  });

  router.get('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    const archived = flag(req.query.archived);
    const wanted = new Set(nameList(req.query.properties));
    const definitions = [...locals(res).portal.definitions(type).values()].filter(
      (definition) => definition.archived === archived && (wanted.size === 0 || wanted.has(definition.name)),
    );
    res.json({ results: definitions.map(propertyToJson) });
  });

  router.post('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const definition = locals(res).portal.createProperty(type, propertyFromInput(body(req), deps.clock.now()));
    res.status(201).json(propertyToJson(definition));
  });

  router.post('/:objectType/batch/read', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    const startedAt = deps.clock.now();
    const { portal } = locals(res);
    const names = inputsOf(req, deps.limits.batchInputs).map((input) => String(input.name ?? ''));
    const results = names
      .map((name) => portal.definitions(type).get(name))
      .filter((definition): definition is PropertyDefinition => !!definition && !definition.archived)
      .map(propertyToJson);
    res.json(batchEnvelope(deps, startedAt, results));
  });

  router.post('/:objectType/batch/create', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const startedAt = deps.clock.now();
    const { portal } = locals(res);
    const definitions = inputsOf(req, deps.limits.batchInputs).map((input) =>
      propertyFromInput(input, deps.clock.now()),
    );
    // A name that already exists fails alone (207 with an error per input, as the spec's BatchResponsePropertyWithErrors
    // allows) instead of aborting the batch halfway; the others are created.
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const definition of definitions) {
      const existing = portal.definitions(type).get(definition.name);
      if (existing && !existing.archived) {
        errors.push({
          status: 'error',
          category: 'OBJECT_ALREADY_EXISTS',
          message: `A property named '${definition.name}' already exists.`,
          context: { name: [definition.name] },
          errors: [],
          links: {},
        });
        continue;
      }
      results.push(propertyToJson(portal.createProperty(type, definition)));
    }
    res.status(errors.length > 0 ? 207 : 201).json(batchEnvelope(deps, startedAt, results, errors));
  });

  router.post('/:objectType/batch/archive', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const { portal } = locals(res);
    for (const input of inputsOf(req, deps.limits.batchInputs)) {
      const definition = portal.definitions(type).get(String(input.name ?? ''));
      if (definition && !definition.archived && !definition.hubspotDefined)
        portal.archiveProperty(type, definition.name);
    }
    res.status(204).end();
  });

  router.get('/:objectType/:propertyName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    res.json(propertyToJson(locals(res).portal.requireProperty(type, String(req.params.propertyName))));
  });

  router.patch('/:objectType/:propertyName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const input = body(req);
    const patch: Partial<PropertyDefinition> = {};
    if (typeof input.label === 'string') patch.label = input.label;
    if (typeof input.description === 'string') patch.description = input.description;
    if (typeof input.groupName === 'string') patch.groupName = input.groupName;
    if (typeof input.displayOrder === 'number') patch.displayOrder = input.displayOrder;
    if (typeof input.hidden === 'boolean') patch.hidden = input.hidden;
    if (Array.isArray(input.options))
      patch.options = propertyFromInput(
        { ...input, name: 'x', label: 'x', groupName: 'x', type: 'enumeration', fieldType: 'select' },
        0,
      ).options;
    res.json(propertyToJson(locals(res).portal.updateProperty(type, String(req.params.propertyName), patch)));
  });

  router.delete('/:objectType/:propertyName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    locals(res).portal.archiveProperty(type, String(req.params.propertyName));
    res.status(204).end();
  });

  return router;
}

// --- pipelines and owners -----------------------------------------------------------------------------------

export function pipelinesRouter(): Router {
  const router = express.Router();
  const created = iso(Date.UTC(2020, 0, 1));
  const render = (portal: SandboxPortal) =>
    portal.pipelines.map((pipeline) => ({
      id: pipeline.id,
      label: pipeline.label,
      displayOrder: pipeline.displayOrder,
      archived: false,
      createdAt: created,
      updatedAt: created,
      stages: pipeline.stages.map((stage) => ({
        id: stage.id,
        label: stage.label,
        displayOrder: stage.displayOrder,
        archived: false,
        createdAt: created,
        updatedAt: created,
        metadata: { isClosed: String(stage.isClosed), probability: stage.probability.toFixed(1) },
      })),
    }));
  router.get('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'read');
    res.json({ results: type === 'deals' ? render(locals(res).portal) : [] });
  });
  router.get('/:objectType/:pipelineId', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'read');
    const pipeline = (type === 'deals' ? render(locals(res).portal) : []).find(
      (candidate) => candidate.id === req.params.pipelineId,
    );
    if (!pipeline)
      throw new SandboxHttpError(404, {
        message: `Pipeline ${req.params.pipelineId} not found`,
        category: 'OBJECT_NOT_FOUND',
      });
    res.json(pipeline);
  });
  return router;
}

export function ownersRouter(): Router {
  const router = express.Router();
  const created = iso(Date.UTC(2021, 0, 1));
  const render = (owner: SandboxPortal['owners'][number]) => ({
    id: owner.id,
    email: owner.email,
    firstName: owner.firstName,
    lastName: owner.lastName,
    userId: owner.userId,
    archived: false,
    createdAt: created,
    updatedAt: created,
    teams: [{ id: `team-${owner.region.toLowerCase()}`, name: owner.region, primary: true }],
  });
  router.get('/', (req, res) => {
    const { portal, scopes } = locals(res);
    if (!scopes.includes('crm.objects.owners.read')) {
      throw new SandboxHttpError(403, { message: 'crm.objects.owners.read is required', category: 'MISSING_SCOPES' });
    }
    const email = req.query.email === undefined ? undefined : String(req.query.email).toLowerCase();
    const owners = portal.owners.filter((owner) => !email || owner.email.toLowerCase() === email);
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const after = req.query.after === undefined ? 0 : Number(req.query.after);
    const page = owners.slice(after, after + limit);
    res.json({
      results: page.map(render),
      ...(after + limit < owners.length ? { paging: { next: { after: String(after + limit) } } } : {}),
    });
  });
  router.get('/:ownerId', (req, res) => {
    const owner = locals(res).portal.owners.find((candidate) => candidate.id === req.params.ownerId);
    if (!owner)
      throw new SandboxHttpError(404, {
        message: `Owner ${req.params.ownerId} not found`,
        category: 'OBJECT_NOT_FOUND',
      });
    res.json(render(owner));
  });
  return router;
}
