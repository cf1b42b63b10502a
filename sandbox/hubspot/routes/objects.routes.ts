import express, { type Router } from 'express';
import { validationError } from '../errors.ts';
import type { StoredRecord } from '../portal/object-table.ts';
import type { ChangeActor } from '../portal/portal-changes.ts';
import type { SandboxPortal } from '../portal/sandbox-portal.ts';
import type { CrmObjectType } from '../properties.ts';
import { parseSearchRequest, runSearch } from '../search.ts';
import {
  body,
  flag,
  inputsOf,
  locals,
  nameList,
  objectTypeOf,
  propertiesOf,
  type RouteDeps,
  requireScope,
} from './crm-request.ts';
import { batchEnvelope, notFoundBatchError, type RenderOptions, renderRecord } from './crm-response.ts';

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

/**
 * `/crm/v3/objects/{type}/…` and `/crm/objects/2026-03/{type}/…`: list, read, create, update and archive records,
 * one at a time or in batches (with upsert), search, and merge.
 */
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
