import express, { type Router } from 'express';
import { validationError } from '../errors.ts';
import { locals, objectTypeOf, type RouteDeps, requireScope, typeIdsOf } from './crm-request.ts';
import { associationTypesJson, batchEnvelope, labelsBetween } from './crm-response.ts';

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
        associationTypes: associationTypesJson(portal, fromType, toType, typeIds),
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
