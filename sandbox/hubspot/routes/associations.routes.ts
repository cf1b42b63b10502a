import express, { type Request, type Router } from 'express';
import { validationError } from '../errors.ts';
import {
  body,
  inputsOf,
  locals,
  objectTypeOf,
  type RouteDeps,
  requireScope,
  toIdsOf,
  typeIdsOf,
} from './crm-request.ts';
import { associationTypesJson, batchEnvelope, labelsBetween, SINGULAR, specJson } from './crm-response.ts';

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
          associationTypes: associationTypesJson(portal, fromType, toType, typeIds),
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
