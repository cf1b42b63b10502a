import express, { type Router } from 'express';
import { SandboxHttpError } from '../errors.ts';
import type { SandboxPortal } from '../portal/sandbox-portal.ts';
import { locals, objectTypeOf, requireScope } from './crm-request.ts';
import { iso } from './crm-response.ts';

/** `/crm/v3/pipelines/{type}` and `/crm/pipelines/2026-03/{type}`: the demo's deal pipelines (read only). */
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
