import express, { type Router } from 'express';
import type { Kysely } from 'kysely';
import { InvalidInputError } from '../../../src/shared/errors.ts';
import type { Logger } from '../../../sync/platform/log/logger.ts';
import { CardKeysRepository } from '../../../sync/platform/store/card-keys.repo.ts';
import type { StoreSchema } from '../../../sync/platform/store/schema.ts';
import type { Tenant, TenantsRepository } from '../../../sync/platform/store/tenants.repo.ts';
import { sendHtml, serveBundle } from '../card-preview.routes.ts';
import { PreviewDealsRepository } from '../preview-deals.repo.ts';
import { apexStandInRouter, PREVIEW_ORG_HEADER } from './apex-stand-in.routes.ts';
import { salesforceCardBundle } from './salesforce-card.bundle.ts';
import { indexPage, noOrgPage, opportunityPage } from './salesforce-preview.pages.ts';

/** Open opportunities listed on the index. */
export const SALESFORCE_PREVIEW_INDEX_LIMIT = 50;

const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

export interface SalesforcePreviewDeps {
  /** Where this service listens (loopback); the Apex stand-in's callouts go there. */
  serviceUrl: string;
  /** The service's public origin: the Apex stand-in answers on its host name and on loopback only. */
  publicUrl: string;
  tenants: Pick<TenantsRepository, 'find' | 'listActive'>;
  db: Kysely<StoreSchema>;
  logger: Logger;
}

/**
 * The local preview of the Salesforce card, mounted at `/preview/salesforce` in sandbox mode only (sync/service.ts):
 * the installed org's open opportunities, a page per opportunity that mounts the real partnerCard LWC, its bundle, and
 * `POST /apex`, the stand-in for PartnerLoopCardController that the card's `@salesforce/apex` imports call.
 */
export function salesforceCardPreviewRouter(deps: SalesforcePreviewDeps): Router {
  const router = express.Router();
  const opportunities = new PreviewDealsRepository(deps.db);

  router.get('/', async (req, res) => {
    const org = await installedOrg(deps.tenants);
    if (!org) {
      sendHtml(res, noOrgPage(req.baseUrl));
      return;
    }
    const page = await opportunities.open(org.id, SALESFORCE_PREVIEW_INDEX_LIMIT);
    sendHtml(
      res,
      indexPage({
        base: req.baseUrl,
        orgId: org.externalId,
        opportunities: page.deals,
        total: page.total,
        limit: SALESFORCE_PREVIEW_INDEX_LIMIT,
      }),
    );
  });

  serveBundle(router, 'card', salesforceCardBundle);

  router.get('/opportunities/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!SALESFORCE_ID.test(id)) {
      throw new InvalidInputError('an opportunity id is a Salesforce record id (15 or 18 letters and digits)');
    }
    const org = await installedOrg(deps.tenants);
    if (!org) {
      res.status(404);
      sendHtml(res, noOrgPage(req.baseUrl));
      return;
    }
    sendHtml(
      res,
      opportunityPage({
        base: req.baseUrl,
        orgId: org.externalId,
        opportunityId: id,
        opportunity: await opportunities.find(org.id, id),
        orgHeader: PREVIEW_ORG_HEADER,
      }),
    );
  });

  router.use('/apex', apexStandInRouter({ ...deps, cardKeys: new CardKeysRepository(deps.db) }));
  return router;
}

/** The Salesforce org the pages show: the sandbox's installed one (the first, should there be several). */
async function installedOrg(tenants: Pick<TenantsRepository, 'listActive'>): Promise<Tenant | undefined> {
  return (await tenants.listActive('salesforce'))[0];
}
