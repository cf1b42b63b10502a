import express, { type Request, type Response, type Router } from 'express';
import { parsePatchDocument } from './json-patch.ts';
import { badRequest, PartnerCenterHttpError } from './partner-center-errors.ts';
import { parseFilter, parseOrderBy, parseTop, QueryError } from './referral-query.ts';
import type { Referral, ReferralStore } from './referral-store.ts';

/**
 * Partner Center's referrals REST resource, `/v1.0/engagements/referrals` (create, get, list, update pages):
 * - POST creates (201, the referral, `Location`), GET /{id} reads one, GET lists with `$filter`, `$orderby`, `$top`,
 *   `$select` and server-driven paging through `@odata.nextLink` (a `$skiptoken` the client follows verbatim),
 * - PATCH takes a JSON Patch array (`application/json` as in the docs' samples, or `application/json-patch+json`),
 *   answers 204 or, with `Prefer: return=representation`, 200 and the updated referral; `If-Match` is optional and,
 *   when sent, must equal the current eTag (412 otherwise), as the update page says.
 * Authentication and throttling run before these routes (microsoft-referrals.ts).
 */

export interface ReferralRoutesContext {
  store: ReferralStore;
  baseUrl: () => string;
  /** Referrals per page of a list (the docs: pages of 100, follow `@odata.nextLink`). */
  pageSize: number;
}

const COLLECTION = '/v1.0/engagements/referrals';
const SUPPORTED_OPTIONS = new Set(['$filter', '$orderby', '$top', '$select', '$skiptoken']);
const SELECTABLE = new Set<string>([
  'id',
  'engagementId',
  'name',
  'organizationId',
  'organizationName',
  'externalReferenceId',
  'createdDateTime',
  'updatedDateTime',
  'expirationDateTime',
  'acceptedDateTime',
  'closedDateTime',
  'status',
  'substatus',
  'statusReason',
  'qualification',
  'type',
  'direction',
  'eTag',
  'target',
  'customerProfile',
  'consent',
  'details',
  'team',
  'inviteContext',
  'links',
]);

const jsonBody = express.json({ limit: '1mb', type: ['application/json', 'application/json-patch+json'] });

function present(referral: Referral, baseUrl: string) {
  const collection = `${baseUrl}${COLLECTION}`;
  return {
    ...referral,
    links: {
      relatedReferrals: {
        uri: `${collection}?$filter=${encodeURIComponent(`engagementId eq '${referral.engagementId}'`)}`,
        method: 'GET',
      },
      self: { uri: `${collection}/${referral.id}`, method: 'GET' },
    },
  };
}

function requireJson(req: Request, types: string[]): void {
  if (req.is(types)) return;
  throw new PartnerCenterHttpError(
    415,
    'UnsupportedMediaType',
    `Content-Type must be ${types.join(' or ')}, got '${req.get('content-type') ?? 'none'}'.`,
  );
}

interface SkipToken {
  field: string;
  direction: string;
  after: [number, string];
}

function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify([token.field, token.direction, token.after[0], token.after[1]])).toString(
    'base64url',
  );
}

function decodeSkipToken(value: string): SkipToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 4 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      typeof parsed[2] === 'number' &&
      typeof parsed[3] === 'string'
    ) {
      return { field: parsed[0], direction: parsed[1], after: [parsed[2], parsed[3]] };
    }
  } catch {
    // fall through to the error below
  }
  throw new QueryError('$skiptoken', 'the $skiptoken is not valid; follow @odata.nextLink as given');
}

function query(params: URLSearchParams, name: string): string | null {
  const values = params.getAll(name);
  if (values.length > 1) throw new QueryError(name as QueryError['option'], `${name} is given more than once`);
  return values[0] ?? null;
}

export function referralsRouter(context: ReferralRoutesContext): Router {
  const router = express.Router();
  const { store } = context;

  router.post(COLLECTION, (req: Request, res: Response, next) => {
    requireJson(req, ['application/json']);
    jsonBody(req, res, next);
  });
  router.post(COLLECTION, (req: Request, res: Response) => {
    const referral = present(store.create(req.body), context.baseUrl());
    res.setHeader('Location', referral.links.self.uri);
    res.setHeader('ETag', referral.eTag);
    res.status(201).json(referral);
  });

  router.get(COLLECTION, (req: Request, res: Response) => {
    const baseUrl = context.baseUrl();
    try {
      const params = new URL(req.originalUrl, baseUrl).searchParams;
      for (const name of params.keys()) {
        if (name.startsWith('$') && !SUPPORTED_OPTIONS.has(name)) {
          throw new QueryError('$filter', `the query option ${name} is not supported`);
        }
      }
      const filterText = query(params, '$filter');
      const filter = filterText === null ? undefined : parseFilter(filterText);
      const orderByText = query(params, '$orderby');
      const orderBy = parseOrderBy(orderByText);
      const top = parseTop(query(params, '$top'));
      const selectText = query(params, '$select');
      const select = selectText === null ? undefined : parseSelect(selectText);
      const skipTokenText = query(params, '$skiptoken');
      const skipToken = skipTokenText === null ? undefined : decodeSkipToken(skipTokenText);
      if (skipToken && (skipToken.field !== orderBy.field || skipToken.direction !== orderBy.direction)) {
        throw new QueryError(
          '$skiptoken',
          'the $skiptoken belongs to another $orderby; follow @odata.nextLink as given',
        );
      }

      const page = store.list({
        filter,
        orderBy,
        remaining: top,
        after: skipToken?.after,
        pageSize: context.pageSize,
      });
      const value = page.referrals.map((referral) => {
        const full = present(referral, baseUrl);
        return select ? Object.fromEntries(Object.entries(full).filter(([key]) => select.has(key))) : full;
      });
      const body: Record<string, unknown> = {
        '@odata.context': `${baseUrl}/v1.0/$metadata#Referrals`,
        // The docs' samples put the page's size here (100 on a page followed by a nextLink), not a total.
        '@odata.count': value.length,
        value,
      };
      if (page.nextAfter) {
        const next: string[] = [];
        if (filterText !== null) next.push(`$filter=${encodeURIComponent(filterText)}`);
        next.push(`$orderby=${encodeURIComponent(`${orderBy.field} ${orderBy.direction}`)}`);
        if (top !== undefined) next.push(`$top=${top - value.length}`);
        if (selectText !== null) next.push(`$select=${encodeURIComponent(selectText)}`);
        next.push(
          `$skiptoken=${encodeSkipToken({ field: orderBy.field, direction: orderBy.direction, after: page.nextAfter })}`,
        );
        body['@odata.nextLink'] = `${baseUrl}${COLLECTION}?${next.join('&')}`;
      }
      res.json(body);
    } catch (error) {
      if (error instanceof QueryError)
        throw badRequest(error.message, [{ field: error.option, message: error.message }]);
      throw error;
    }
  });

  router.get(`${COLLECTION}/:id`, (req: Request, res: Response) => {
    const id = String(req.params.id);
    const referral = store.get(id);
    if (!referral) throw new PartnerCenterHttpError(404, 'NotFound', `Referral '${id}' was not found.`);
    res.setHeader('ETag', referral.eTag);
    res.json({
      '@odata.context': `${context.baseUrl()}/v1.0/$metadata#Referrals/$entity`,
      ...present(referral, context.baseUrl()),
    });
  });

  router.patch(`${COLLECTION}/:id`, (req: Request, res: Response, next) => {
    requireJson(req, ['application/json', 'application/json-patch+json']);
    jsonBody(req, res, next);
  });
  router.patch(`${COLLECTION}/:id`, (req: Request, res: Response) => {
    const parsed = parsePatchDocument(req.body);
    if (!parsed.ok) {
      const summary = parsed.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
      throw badRequest(`The patch is not valid: ${summary}`, parsed.problems);
    }
    const updated = store.patch(String(req.params.id), parsed.operations, req.get('if-match'));
    res.setHeader('ETag', updated.eTag);
    const prefer = (req.get('prefer') ?? '').toLowerCase();
    if (/(^|[\s,;])return=representation($|[\s,;])/.test(prefer)) {
      res.setHeader('Preference-Applied', 'return=representation');
      res.status(200).json(present(updated, context.baseUrl()));
      return;
    }
    res.status(204).end();
  });

  const notAllowed = (allow: string) => (req: Request) => {
    throw new PartnerCenterHttpError(
      405,
      'MethodNotAllowed',
      `${req.method} is not allowed here; allowed: ${allow}.`,
      [],
      { Allow: allow },
    );
  };
  router.all(COLLECTION, notAllowed('GET, POST'));
  router.all(`${COLLECTION}/:id`, notAllowed('GET, PATCH'));

  return router;
}

function parseSelect(text: string): Set<string> {
  const fields = text
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  const unknown = fields.filter((field) => !SELECTABLE.has(field));
  if (fields.length === 0 || unknown.length > 0) {
    throw new QueryError('$select', `cannot $select ${unknown.join(', ') || 'nothing'}`);
  }
  return new Set(fields);
}
