import express, { type Router } from 'express';
import type { FaultInjector, FaultRule } from './faults.ts';

/**
 * The stand-ins' own controls (not the provider's API), for demos and tests driven from another process: read and
 * reset the call statistics, add and clear fault rules.
 */
export function controlRoutes(controls: { stats(): unknown; resetStats(): void; faults: FaultInjector }): Router {
  const router = express.Router();
  router.get('/_sandbox/stats', (_req, res) => {
    res.json(controls.stats());
  });
  router.post('/_sandbox/stats/reset', (_req, res) => {
    controls.resetStats();
    res.status(204).end();
  });
  router.post('/_sandbox/faults', express.json(), (req, res) => {
    const rules = Array.isArray(req.body) ? (req.body as FaultRule[]) : [req.body as FaultRule];
    for (const rule of rules) controls.faults.add(rule);
    res.status(204).end();
  });
  router.delete('/_sandbox/faults', (_req, res) => {
    controls.faults.clear();
    res.status(204).end();
  });
  return router;
}
