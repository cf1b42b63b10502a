import type { Response } from 'express';
import type { Clock } from '../../../src/shared/clock.ts';
import type { ApiUsage } from '../api-usage.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';
import type { SalesforceOAuth, Session } from '../salesforce-oauth.ts';
import type { QueryCursors } from '../soql/query-cursors.ts';

/** What the Salesforce routes share: the org, OAuth, the clock, query cursors and the API allowance. */
export interface RouteContext {
  org: SalesforceOrg;
  oauth: SalesforceOAuth;
  clock: Clock;
  cursors: QueryCursors;
  usage: ApiUsage;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  baseUrl: () => string;
  /** API versions served, newest last (`62.0`). */
  apiVersions: readonly string[];
}

/** Set by the REST middleware for every `/services/data/vXX.X/…` call. */
export interface RestLocals {
  session: Session;
  /** `62.0` */
  version: string;
  /** The stats label of the call (`query`, `collections.create`, …). */
  operation?: string;
}

export function restLocals(res: Response): RestLocals {
  return res.locals as RestLocals;
}

/** `/services/data/v62.0` */
export function dataPath(version: string): string {
  return `/services/data/v${version}`;
}

/** A request body as a plain object (express.json leaves `undefined` for an empty body). */
export function bodyObject(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
