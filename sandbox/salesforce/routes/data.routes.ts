import express, { type Request, type Response, type Router } from 'express';
import { describeObject, globalEntry } from '../org/describe.ts';
import { formatDateTime, formatValue, parseDateTime } from '../org/field-values.ts';
import type { SaveRequest, StoredRecord } from '../org/salesforce-org.ts';
import type { SObjectDef } from '../org/sobject-schema.ts';
import { apiError, errors, RecordWriteError } from '../salesforce-errors.ts';
import { batchSizeFrom } from '../soql/query-cursors.ts';
import { compileSoql, type QuerySource } from '../soql/soql-executor.ts';
import { bodyObject, dataPath, type RouteContext, restLocals } from './route-context.ts';

/**
 * The REST data resources under `/services/data/vXX.X` (REST API Developer Guide, "Resources"): the resource list,
 * `limits`, `query` / `queryAll` with `nextRecordsUrl` paging, `sobjects` (describe global), an object's basic info
 * and describe, get-updated / get-deleted, and single-record create / retrieve / update / delete / upsert by external
 * id. Authentication, the API allowance and `Sforce-Limit-Info` happen before these (salesforce.ts).
 */

export function dataSource(context: RouteContext): QuerySource {
  const { org } = context;
  return {
    object: (name) => {
      const def = org.object(name);
      return def && !def.tooling ? def : undefined;
    },
    rows: (def) => org.rows(def.name),
    lookup: (id) => org.getById(id),
    now: () => context.clock.now(),
  };
}

export function dataObject(context: RouteContext, name: string): SObjectDef {
  const def = context.org.object(name);
  if (!def) throw errors.invalidType(name);
  return def;
}

/** `fields=Name,Amount` → the object's field definitions (INVALID_FIELD for an unknown one). */
function selectedFields(def: SObjectDef, raw: unknown) {
  if (typeof raw !== 'string' || raw.trim() === '') return def.fields;
  return raw.split(',').map((name) => {
    const definition = def.field(name.trim());
    if (!definition) {
      throw apiError(
        400,
        'INVALID_FIELD',
        `No such column '${name.trim()}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return definition;
  });
}

export function renderRecord(
  def: SObjectDef,
  record: StoredRecord,
  version: string,
  fields = def.fields,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: def.name, url: `${dataPath(version)}/sobjects/${def.name}/${record.Id}` },
  };
  for (const definition of fields) out[definition.name] = formatValue(definition, record[definition.name] ?? null);
  return out;
}

/** A live record of `def` by id, or 404 (deleted records answer ENTITY_IS_DELETED). */
function liveRecord(context: RouteContext, def: SObjectDef, id: string): StoredRecord {
  const record = context.org.get(def.name, id);
  if (!record) throw errors.notFound();
  if (record.IsDeleted === true) throw apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  return record;
}

/** A single-record save: 400 with `[{message, errorCode, fields}]` when the record is refused. */
export function saveOne(context: RouteContext, res: Response, request: SaveRequest) {
  const [result] = context.org.save([request], { allOrNone: true, actorId: restLocals(res).session.userId });
  if (!result) throw new Error('no save result');
  if (!result.success) {
    throw new RecordWriteError(
      result.errors.filter((error) => error.statusCode !== 'ALL_OR_NONE_OPERATION_ROLLED_BACK'),
    );
  }
  return result;
}

export function dataRouter(context: RouteContext): Router {
  const router = express.Router({ mergeParams: true });
  const { org, clock } = context;
  const source = dataSource(context);
  const operation = (res: Response, name: string) => {
    restLocals(res).operation = name;
  };

  router.get('/', (_req, res) => {
    operation(res, 'resources');
    const base = dataPath(restLocals(res).version);
    const names = [
      'tooling',
      'metadata',
      'composite',
      'query',
      'queryAll',
      'sobjects',
      'limits',
      'search',
      'recent',
      'tabs',
      'theme',
    ];
    res.json({
      ...Object.fromEntries(names.map((name) => [name, `${base}/${name}`])),
      identity: context.oauth.identityUrl(restLocals(res).session.userId),
    });
  });

  router.get('/limits', (_req, res) => {
    operation(res, 'limits');
    const now = clock.now();
    const used = context.usage.used(now);
    const fixed = (max: number, remaining = max) => ({ Max: max, Remaining: remaining });
    res.json({
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: fixed(context.usage.max, Math.max(0, context.usage.max - used)),
      DailyAsyncApexExecutions: fixed(250_000),
      DailyBulkApiBatches: fixed(15_000),
      DailyBulkV2QueryFileStorageMB: fixed(976_562),
      DailyBulkV2QueryJobs: fixed(10_000),
      DataStorageMB: fixed(1_024, 1_000),
      FileStorageMB: fixed(1_024, 1_024),
      HourlyODataCallout: fixed(10_000),
      SingleEmail: fixed(5_000),
    });
  });

  const runQuery = (includeDeleted: boolean) => (req: Request, res: Response) => {
    operation(res, includeDeleted ? 'queryAll' : 'query');
    const soql = req.query.q;
    if (typeof soql !== 'string' || soql.trim() === '') {
      throw errors.malformedQuery('A query string has to be specified');
    }
    const compiled = compileSoql(soql, source);
    const rows = compiled.run({ includeDeleted });
    if (compiled.count) {
      res.json({ totalSize: rows.length, done: true, records: [] });
      return;
    }
    const base = dataPath(restLocals(res).version);
    res.json(
      context.cursors.first(rows, (row) => compiled.render(row, base), {
        batchSize: batchSizeFrom(req.get('sforce-query-options')),
        basePath: base,
        now: clock.now(),
      }),
    );
  };
  const more = (name: string) => (req: Request, res: Response) => {
    operation(res, name);
    res.json(context.cursors.more(String(req.params.locator), clock.now()));
  };
  router.get('/query', runQuery(false));
  router.get('/queryAll', runQuery(true));
  router.get('/query/:locator', more('queryMore'));
  router.get('/queryAll/:locator', more('queryMore'));

  router.get('/sobjects', (_req, res) => {
    operation(res, 'describeGlobal');
    const base = dataPath(restLocals(res).version);
    res.json({
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: org
        .objects()
        .filter((def) => !def.tooling)
        .map((def) => globalEntry(def, base)),
    });
  });

  router.get('/sobjects/:type/describe', (req, res) => {
    operation(res, 'describe');
    const def = dataObject(context, String(req.params.type));
    res.json(describeObject(def, org.objects(), dataPath(restLocals(res).version)));
  });

  router.get('/sobjects/:type/updated', (req, res) => {
    operation(res, 'getUpdated');
    const def = dataObject(context, String(req.params.type));
    const [start, end] = replicationWindow(req);
    const ids = org
      .rows(def.name)
      .filter((row) => {
        const stamp = row.SystemModstamp;
        return row.IsDeleted !== true && typeof stamp === 'number' && stamp >= start && stamp < end;
      })
      .map((row) => row.Id);
    res.json({ ids, latestDateCovered: formatDateTime(Math.min(end, clock.now())) });
  });

  router.get('/sobjects/:type/deleted', (req, res) => {
    operation(res, 'getDeleted');
    const def = dataObject(context, String(req.params.type));
    const [start, end] = replicationWindow(req);
    res.json({
      deletedRecords: org
        .deletedSince(def.name, start, end)
        .map((entry) => ({ id: entry.id, deletedDate: formatDateTime(entry.deletedDate) })),
      earliestDateAvailable: formatDateTime(clock.now() - 15 * 86_400_000),
      latestDateCovered: formatDateTime(Math.min(end, clock.now())),
    });
  });

  router.get('/sobjects/:type', (req, res) => {
    operation(res, 'sobject.info');
    const def = dataObject(context, String(req.params.type));
    res.json({ objectDescribe: globalEntry(def, dataPath(restLocals(res).version)), recentItems: [] });
  });

  router.post('/sobjects/:type', (req, res) => {
    operation(res, 'sobject.create');
    const def = dataObject(context, String(req.params.type));
    const result = saveOne(context, res, { operation: 'create', object: def.name, fields: bodyObject(req.body) });
    res.status(201).json({ id: result.id, success: true, errors: [] });
  });

  router.get('/sobjects/:type/:id', (req, res) => {
    operation(res, 'sobject.retrieve');
    const def = dataObject(context, String(req.params.type));
    const record = liveRecord(context, def, String(req.params.id));
    res.json(renderRecord(def, record, restLocals(res).version, selectedFields(def, req.query.fields)));
  });

  router.patch('/sobjects/:type/:id', (req, res) => {
    operation(res, 'sobject.update');
    const def = dataObject(context, String(req.params.type));
    liveRecord(context, def, String(req.params.id));
    saveOne(context, res, {
      operation: 'update',
      object: def.name,
      id: String(req.params.id),
      fields: bodyObject(req.body),
    });
    res.status(204).end();
  });

  router.delete('/sobjects/:type/:id', (req, res) => {
    operation(res, 'sobject.delete');
    const def = dataObject(context, String(req.params.type));
    const record = liveRecord(context, def, String(req.params.id));
    const [result] = org.delete([record.Id], { allOrNone: true, actorId: restLocals(res).session.userId });
    if (!result?.success) throw new RecordWriteError(result?.errors ?? []);
    res.status(204).end();
  });

  // Upsert by external id (or Id): 201 when created, 200 when an existing record was updated (API 46.0+).
  router.patch('/sobjects/:type/:field/:value', (req, res) => {
    operation(res, 'sobject.upsert');
    const def = dataObject(context, String(req.params.type));
    const result = saveOne(context, res, {
      operation: 'upsert',
      object: def.name,
      externalIdField: String(req.params.field),
      id: String(req.params.value),
      fields: bodyObject(req.body),
    });
    res.status(result.created ? 201 : 200).json({ id: result.id, success: true, errors: [], created: result.created });
  });

  router.get('/sobjects/:type/:field/:value', (req, res) => {
    operation(res, 'sobject.retrieveByExternalId');
    const def = dataObject(context, String(req.params.type));
    const keyField = def.field(String(req.params.field));
    if (!keyField?.externalId) {
      throw apiError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${req.params.field}`,
      );
    }
    const value = String(req.params.value).toLowerCase();
    const record = org
      .rows(def.name)
      .find((row) => row.IsDeleted !== true && String(row[keyField.name] ?? '').toLowerCase() === value);
    if (!record) throw errors.notFound();
    res.json(renderRecord(def, record, restLocals(res).version, selectedFields(def, req.query.fields)));
  });

  return router;
}

/** `start` / `end` of getUpdated / getDeleted (ISO datetimes); Salesforce wants both. */
function replicationWindow(req: Request): [number, number] {
  const start = typeof req.query.start === 'string' ? parseDateTime(req.query.start) : undefined;
  const end = typeof req.query.end === 'string' ? parseDateTime(req.query.end) : undefined;
  if (start === undefined || end === undefined || end <= start) {
    throw apiError(400, 'INVALID_REPLICATION_DATE', 'start and end must be datetimes, with start before end');
  }
  return [start, end];
}
