import express, { type RequestHandler } from 'express';
import { caseSafeId } from '../../src/crm/salesforce/salesforce-mapping.ts';
import { InvalidSignatureError, NotFoundError } from '../../src/shared/errors.ts';
import { BODY_LIMIT } from '../platform/http/app.ts';
import { tenantOf } from '../platform/http/hubspot-signature.middleware.ts';
import { type TenantThrottle, throttleBy } from '../platform/http/tenant-throttle.ts';
import type { CardKeysRepository } from '../platform/store/card-keys.repo.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';

/** Set by the org's Apex (server-side, never the browser): who acts, and which org it believes it is. */
export const SALESFORCE_USER_HEADER = 'x-partnerloop-user-id';
export const SALESFORCE_ORG_HEADER = 'x-partnerloop-org-id';

const USER_ID = /^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

export interface SalesforceCardGuardDeps {
  tenants: TenantsRepository;
  keys: CardKeysRepository;
  throttle?: TenantThrottle | undefined;
}

/**
 * The guard of the Salesforce card API (`/api/salesforce/card`), the counterpart of HubSpot's signature check: the
 * org's Apex calls through its Named Credential, whose External Credential adds `Authorization: Bearer <card key>`
 * (issued at install, kept encrypted by Salesforce, never in Apex or the browser). The tenant comes from the key alone;
 * the org id the Apex names must agree with it; the user is the one that org's Apex names (`UserInfo.getUserId()`).
 * Then the org's request budget, then JSON bodies. Every refusal happens before anything is read or written.
 */
export function salesforceCardGuard(deps: SalesforceCardGuardDeps): RequestHandler[] {
  const verify: RequestHandler = async (req, res, next) => {
    try {
      const match = /^Bearer\s+(\S+)$/.exec(req.get('authorization') ?? '');
      if (!match?.[1]) {
        throw new InvalidSignatureError(
          'the Authorization header is missing: calls come through the PartnerLoop Named Credential',
          { details: ['missing_key'] },
        );
      }
      const tenantId = await deps.keys.tenantOf(match[1]);
      if (!tenantId) {
        throw new InvalidSignatureError(
          'the org key is not valid (a newer install replaced it, or it was never issued): paste the current key into the PartnerLoop External Credential',
          { details: ['invalid_key'] },
        );
      }
      const tenant = await deps.tenants.findRecent(tenantId);
      if (tenant?.status !== 'active') {
        throw new NotFoundError(`Salesforce org ${tenantId.replace(/^salesforce:/, '')} has disconnected PartnerLoop`);
      }
      const claimedOrg = req.get(SALESFORCE_ORG_HEADER);
      if (claimedOrg !== undefined && !sameSalesforceId(claimedOrg, tenant.externalId)) {
        throw new InvalidSignatureError('the org key belongs to another Salesforce org', { details: ['org_mismatch'] });
      }
      const userId = req.get(SALESFORCE_USER_HEADER);
      res.locals.tenant = tenant;
      res.locals.userId = userId !== undefined && USER_ID.test(userId) ? userId : undefined;
      next();
    } catch (error) {
      next(error);
    }
  };
  return [
    verify,
    ...(deps.throttle ? [throttleBy(deps.throttle, 'Salesforce org', (_req, res) => tenantOf(res).id)] : []),
    express.json({ limit: BODY_LIMIT }),
  ];
}

/** Two Salesforce ids of the same record (15 or 18 characters, as the connector compares them). */
function sameSalesforceId(a: string, b: string): boolean {
  try {
    return caseSafeId(a) === caseSafeId(b);
  } catch {
    return false;
  }
}
