import express, { type Request, type Response, type Router } from 'express';
import type { SaveRequest } from '../org/salesforce-org.ts';
import { apiError } from '../salesforce-errors.ts';
import { normalizeId } from '../salesforce-ids.ts';
import { dataObject, renderRecord } from './data.routes.ts';
import { bodyObject, type RouteContext, restLocals } from './route-context.ts';

/**
 * sObject Collections under `/services/data/vXX.X/composite/sobjects` (REST API, "sObject Collections"): create
 * (POST), update (PATCH), delete (DELETE ?ids=) and upsert by external id (PATCH /<Type>/<Field>) of up to 200
 * records, retrieve (GET ?ids=&fields= or POST {ids, fields}) of up to 2,000. Records are processed in order and the
 * answer is one SaveResult per record — `{id, success, errors: [{statusCode, message, fields}]}` — with HTTP 200 even
 * when records fail; `allOrNone: true` rolls the whole call back when one fails. More than 200 records is refused
 * whole (400 EXCEEDED_ID_LIMIT). The call counts once against the API allowance, however many records it carries.
 */

const MAX_WRITE = 200;
const MAX_RETRIEVE = 2_000;

function exceeded(max: number) {
  return apiError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${max} records in this operation`,
  );
}

function recordsOf(body: Record<string, unknown>): Array<Record<string, unknown>> {
  const records = body.records;
  if (!Array.isArray(records)) {
    throw apiError(400, 'JSON_PARSER_ERROR', 'The request body must be {"allOrNone": boolean, "records": [...]}');
  }
  if (records.length > MAX_WRITE) throw exceeded(MAX_WRITE);
  return records.map((record, index) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw apiError(400, 'JSON_PARSER_ERROR', `Record ${index} is not an object`);
    }
    return record as Record<string, unknown>;
  });
}

function typeOf(record: Record<string, unknown>, index: number): string {
  const attributes = record.attributes as { type?: unknown } | undefined;
  if (typeof attributes?.type !== 'string' || attributes.type === '') {
    throw apiError(400, 'INVALID_TYPE', `Record ${index}: each record needs an attributes map with its sObject type`);
  }
  return attributes.type;
}

function allOrNone(value: unknown): boolean {
  return value === true || value === 'true';
}

export function collectionsRouter(context: RouteContext): Router {
  const router = express.Router({ mergeParams: true });
  const { org } = context;
  const operation = (res: Response, name: string) => {
    restLocals(res).operation = name;
  };
  const actor = (res: Response) => restLocals(res).session.userId;

  router.post('/composite/sobjects', (req, res) => {
    operation(res, 'collections.create');
    const body = bodyObject(req.body);
    const requests: SaveRequest[] = recordsOf(body).map((record, index) => ({
      operation: 'create',
      object: typeOf(record, index),
      fields: record,
    }));
    res.json(org.save(requests, { allOrNone: allOrNone(body.allOrNone), actorId: actor(res) }));
  });

  router.patch('/composite/sobjects', (req, res) => {
    operation(res, 'collections.update');
    const body = bodyObject(req.body);
    const requests: SaveRequest[] = recordsOf(body).map((record, index) => {
      const { id, Id, ...fields } = record;
      const recordId = typeof id === 'string' ? id : typeof Id === 'string' ? Id : undefined;
      return {
        operation: 'update',
        object: typeOf(record, index),
        ...(recordId === undefined ? {} : { id: recordId }),
        fields,
      };
    });
    res.json(org.save(requests, { allOrNone: allOrNone(body.allOrNone), actorId: actor(res) }));
  });

  router.delete('/composite/sobjects', (req, res) => {
    operation(res, 'collections.delete');
    const ids = String(req.query.ids ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) throw apiError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > MAX_WRITE) throw exceeded(MAX_WRITE);
    res.json(org.delete(ids, { allOrNone: allOrNone(req.query.allOrNone), actorId: actor(res) }));
  });

  const retrieve = (req: Request, res: Response, ids: string[], fieldNames: string[]) => {
    operation(res, 'collections.retrieve');
    const def = dataObject(context, String(req.params.type));
    if (ids.length === 0) throw apiError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > MAX_RETRIEVE) throw exceeded(MAX_RETRIEVE);
    if (fieldNames.length === 0) throw apiError(400, 'MISSING_ARGUMENT', 'fields parameter is required');
    const fields = fieldNames.map((name) => {
      const definition = def.field(name);
      if (!definition) {
        throw apiError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'.`);
      }
      return definition;
    });
    const version = restLocals(res).version;
    res.json(
      ids.map((raw) => {
        const id = normalizeId(raw);
        const record = id ? org.get(def.name, id) : undefined;
        return record && record.IsDeleted !== true ? renderRecord(def, record, version, fields) : null;
      }),
    );
  };
  const list = (value: unknown) =>
    (Array.isArray(value) ? value.map(String) : String(value ?? '').split(','))
      .map((entry) => entry.trim())
      .filter(Boolean);

  router.get('/composite/sobjects/:type', (req, res) => {
    retrieve(req, res, list(req.query.ids), list(req.query.fields));
  });
  router.post('/composite/sobjects/:type', (req, res) => {
    const body = bodyObject(req.body);
    retrieve(req, res, list(body.ids), list(body.fields));
  });

  router.patch('/composite/sobjects/:type/:field', (req, res) => {
    operation(res, 'collections.upsert');
    const def = dataObject(context, String(req.params.type));
    const keyField = def.field(String(req.params.field));
    if (!keyField || (!keyField.externalId && keyField.type !== 'id')) {
      throw apiError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${String(req.params.field)}`,
      );
    }
    const body = bodyObject(req.body);
    const requests: SaveRequest[] = recordsOf(body).map((record, index) => {
      const type = typeOf(record, index);
      if (type.toLowerCase() !== def.name.toLowerCase()) {
        throw apiError(400, 'INVALID_TYPE', `Record ${index} is a ${type}, not a ${def.name}`);
      }
      const value = record[keyField.name];
      return {
        operation: 'upsert',
        object: def.name,
        externalIdField: keyField.name,
        ...(value === undefined || value === null ? {} : { id: String(value) }),
        fields: record,
      };
    });
    res.json(org.save(requests, { allOrNone: allOrNone(body.allOrNone), actorId: actor(res) }));
  });

  return router;
}
