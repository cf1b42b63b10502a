import express, { type Request, type Response, type Router } from 'express';
import { type EntraStandIn, entraOpenIdConfiguration } from './entra-tokens.ts';

/**
 * Entra ID's v2.0 endpoints under `/{tenant}/…` (the tenant id, `common` or `organizations`):
 * `oauth2/v2.0/authorize`, `oauth2/v2.0/token` (form-encoded), the OpenID discovery document and an empty key set.
 * Errors are thrown as EntraHttpError and written by the stand-in's error middleware.
 */
export function entraRouter(entra: EntraStandIn, baseUrl: () => string): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.get('/:tenant/v2.0/.well-known/openid-configuration', (req: Request, res: Response) => {
    entra.checkTenant(String(req.params.tenant));
    // Named by tenant id even when asked through `common`/`organizations` (Entra would write `{tenantid}` there).
    res.json(entraOpenIdConfiguration(baseUrl(), entra.app.tenantId));
  });

  router.get('/:tenant/discovery/v2.0/keys', (req: Request, res: Response) => {
    entra.checkTenant(String(req.params.tenant));
    res.json({ keys: [] });
  });

  router.get('/:tenant/oauth2/v2.0/authorize', (req: Request, res: Response) => {
    entra.checkTenant(String(req.params.tenant));
    const query: Record<string, string | undefined> = {};
    for (const [name, value] of new URL(req.originalUrl, baseUrl()).searchParams) query[name] = value;
    res.redirect(302, entra.authorize(query).redirect);
  });

  router.post('/:tenant/oauth2/v2.0/token', form, (req: Request, res: Response) => {
    entra.checkTenant(String(req.params.tenant));
    const tokens = entra.token((req.body ?? {}) as Record<string, unknown>, req.get('authorization'));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.json(tokens);
  });

  return router;
}
