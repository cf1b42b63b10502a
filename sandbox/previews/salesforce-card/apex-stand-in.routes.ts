import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError, InvalidInputError, NotFoundError, parseInput } from '../../../src/shared/errors.ts';
import { SALESFORCE_ORG_HEADER, SALESFORCE_USER_HEADER } from '../../../sync/card/salesforce-card.guard.ts';
import { BODY_LIMIT } from '../../../sync/platform/http/app.ts';
import type { Logger } from '../../../sync/platform/log/logger.ts';
import type { CardKeysRepository } from '../../../sync/platform/store/card-keys.repo.ts';
import type { Tenant, TenantsRepository } from '../../../sync/platform/store/tenants.repo.ts';
import { IdMinter, KEY_PREFIXES } from '../../salesforce/salesforce-ids.ts';
import { servedHostCheck } from '../card-preview.routes.ts';
import {
  APEX_BASE_PATH,
  APEX_TIMEOUT_MS,
  type ApexCallout,
  apexCallout,
  apexMessageFor,
  isApexMethod,
  UNREACHABLE_MESSAGE,
} from './card-controller.mirror.ts';

/**
 * Header the page's Apex stand-in names its org in. Being a custom header, it also keeps other sites out: a
 * cross-origin POST carrying it needs a CORS preflight, which the service never grants.
 */
export const PREVIEW_ORG_HEADER = 'x-partnerloop-preview-org';

/**
 * Who the preview acts as: the stand-in org's demo admin, the user who installs PartnerLoop (`demoUser` of
 * sandbox/salesforce/salesforce.ts), so a change made from the preview is audit-logged as that user. The stand-in mints
 * it as the org's first User (seedDemoOrg: the demo's first seller; seedAdminOnly: the only one), hence its id.
 */
export const PREVIEW_SALESFORCE_USER_ID = new IdMinter().next(KEY_PREFIXES.User);

const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

export interface ApexStandInDeps {
  /** Where this service listens (loopback); the stand-in's callouts go there. */
  serviceUrl: string;
  /** The service's public origin: the stand-in answers on its host name and on loopback only. */
  publicUrl: string;
  tenants: Pick<TenantsRepository, 'find'>;
  /** Issues the org's card key (CardKeysRepository). */
  cardKeys: Pick<CardKeysRepository, 'issue'>;
  logger: Logger;
}

/** The stand-in's callout failed before an answer arrived (the service itself is unreachable, or timed out). */
export class ApexCalloutError extends AppError {
  readonly code = 'preview_upstream_unavailable';
}

const apexRequestSchema = z.strictObject({
  method: z.string().min(1).max(80),
  params: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * `POST /preview/salesforce/apex` `{method, params}`: the stand-in for PartnerLoopCardController that the card's
 * `@salesforce/apex` imports call in the preview. It checks the inputs as the class does (card-controller.mirror.ts)
 * and refuses a bad one with 400 `{message}` before anything is sent; otherwise it makes the class's one callout to
 * this service's `/api/salesforce/card/...` as the org's Named Credential would (the org's card key, the org id, the
 * acting user) and answers the service's JSON as the method's String, or the service's status with `{message}`.
 */
export function apexStandInRouter(deps: ApexStandInDeps): Router {
  const router = express.Router();
  const keys = sandboxCardKeys(deps.cardKeys);
  const checkHost = servedHostCheck(deps.publicUrl, 'the Salesforce card preview');

  router.post('/', express.json({ limit: BODY_LIMIT }), async (req, res) => {
    checkHost(req);
    res.set({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    let callout: ApexCallout;
    try {
      const call = parseInput(apexRequestSchema, req.body, { what: 'Apex call' });
      if (!isApexMethod(call.method)) {
        throw new InvalidInputError(`PartnerLoopCardController has no @AuraEnabled method "${call.method}"`);
      }
      callout = apexCallout(call.method, call.params);
    } catch (error) {
      // What the controller refuses reaches the card as an AuraHandledException: its message only.
      if (error instanceof InvalidInputError) {
        res.status(400).json({ message: error.message });
        return;
      }
      throw error;
    }
    const org = await namedOrg(deps.tenants, req.get(PREVIEW_ORG_HEADER) ?? '');
    let answer: { status: number; body: string };
    try {
      answer = await send(deps, org, await keys.keyOf(org.id), callout);
    } catch (error) {
      if (error instanceof ApexCalloutError) {
        res.status(502).json({ message: error.message });
        return;
      }
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) {
      // The method's String return value: the service's JSON, which the card parses itself.
      res.status(200).type('application/json').send(answer.body);
      return;
    }
    res.status(answer.status).json({ message: apexMessageFor(answer.status, answer.body) });
  });
  return router;
}

/**
 * The org's card key, as its External Credential holds it on the platform. In sandbox mode the preview issues one
 * per org, once per process, and keeps it in memory only. Issuing REPLACES the org's key: one pasted elsewhere (an
 * External Credential, a test's copy) stops working. That is fine for the sandbox's stand-in org, and the reason this
 * exists in the sandbox only.
 */
function sandboxCardKeys(repository: Pick<CardKeysRepository, 'issue'>) {
  const issued = new Map<string, Promise<string>>();
  return {
    keyOf(tenantId: string): Promise<string> {
      let key = issued.get(tenantId);
      if (!key) {
        key = repository.issue(tenantId);
        // A failed issue is not kept: the next call tries again.
        key.catch(() => issued.delete(tenantId));
        issued.set(tenantId, key);
      }
      return key;
    },
  };
}

/** The org a page's Apex call names, when it is an installed, active Salesforce tenant. */
async function namedOrg(tenants: Pick<TenantsRepository, 'find'>, orgId: string): Promise<Tenant> {
  if (!SALESFORCE_ID.test(orgId)) {
    throw new InvalidInputError(`the Apex call names no Salesforce org id (${PREVIEW_ORG_HEADER})`);
  }
  const tenant = await tenants.find(`salesforce:${orgId}`);
  if (tenant?.status !== 'active') throw new NotFoundError(`org ${orgId} is not an installed sandbox Salesforce org`);
  return tenant;
}

/**
 * The controller's one callout (`send`), as the Named Credential makes it: the org key as a Bearer token, the org and
 * the acting user named, JSON in and out, the controller's timeout.
 */
async function send(
  deps: Pick<ApexStandInDeps, 'serviceUrl' | 'logger'>,
  org: Tenant,
  key: string,
  callout: ApexCallout,
): Promise<{ status: number; body: string }> {
  try {
    const answer = await fetch(new URL(`${APEX_BASE_PATH}${callout.path}`, deps.serviceUrl), {
      method: callout.method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${key}`,
        [SALESFORCE_ORG_HEADER]: org.externalId,
        [SALESFORCE_USER_HEADER]: PREVIEW_SALESFORCE_USER_ID,
      },
      ...(callout.body === null ? {} : { body: JSON.stringify(callout.body) }),
      redirect: 'manual',
      signal: AbortSignal.timeout(APEX_TIMEOUT_MS),
    });
    return { status: answer.status, body: await answer.text() };
  } catch (cause) {
    // A timeout or refused connection: the controller's CalloutException, one sentence for the seller.
    deps.logger.warn({ err: cause, path: callout.path }, 'Salesforce card preview: the callout failed');
    throw new ApexCalloutError(UNREACHABLE_MESSAGE, { cause });
  }
}
