import express, { type Router } from 'express';
import { SandboxHttpError } from '../errors.ts';
import type { SandboxPortal } from '../portal/sandbox-portal.ts';
import { locals } from './crm-request.ts';
import { iso } from './crm-response.ts';

/** `/crm/v3/owners` and `/crm/owners/2026-03`: the demo's sellers as HubSpot owners (read only). */
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
