import express, { type Response, type Router } from 'express';
import { describeObject, globalEntry } from '../org/describe.ts';
import { formatValue } from '../org/field-values.ts';
import type { StoredRecord } from '../org/salesforce-org.ts';
import type { SObjectDef } from '../org/sobject-schema.ts';
import {
  createCustomField,
  createCustomObject,
  deleteCustomField,
  findCustomField,
  TOOLING_OBJECTS,
  toolingRows,
  updateCustomField,
} from '../org/tooling-metadata.ts';
import { apiError, errors } from '../salesforce-errors.ts';
import { batchSizeFrom } from '../soql/query-cursors.ts';
import { compileSoql, type QuerySource } from '../soql/soql-executor.ts';
import { bodyObject, dataPath, type RouteContext, restLocals } from './route-context.ts';

/**
 * The Tooling API subset provisioning uses, under `/services/data/vXX.X/tooling` (Tooling API Developer Guide):
 * `POST sobjects/CustomField` and `POST sobjects/CustomObject` with `{FullName, Metadata}` (201 `{id, success,
 * errors, warnings, infos}`), GET / PATCH / DELETE of a CustomField by id, `query` over CustomField, CustomObject,
 * EntityDefinition and FieldDefinition, and describe of those types. A query that selects `Metadata` or `FullName`
 * must resolve to one row, as on Salesforce.
 */

function toolingObject(name: string): SObjectDef | undefined {
  return TOOLING_OBJECTS.find((def) => def.name.toLowerCase() === name.toLowerCase());
}

function toolingSource(context: RouteContext): QuerySource {
  const cache = new Map<string, StoredRecord[]>();
  const rows = (def: SObjectDef) => {
    let list = cache.get(def.name);
    if (!list) {
      list = toolingRows(context.org, def.name);
      cache.set(def.name, list);
    }
    return list;
  };
  return {
    object: toolingObject,
    rows,
    lookup: (id) => {
      for (const def of TOOLING_OBJECTS) {
        const record = rows(def).find((row) => row.Id === id || row.Id.slice(0, 15) === id.slice(0, 15));
        if (record) return { def, record };
      }
      return undefined;
    },
    now: () => context.clock.now(),
  };
}

export function toolingRouter(context: RouteContext): Router {
  const router = express.Router({ mergeParams: true });
  const { org } = context;
  const operation = (res: Response, name: string) => {
    restLocals(res).operation = name;
  };
  const base = (res: Response) => `${dataPath(restLocals(res).version)}/tooling`;

  router.get('/tooling/query', (req, res) => {
    operation(res, 'tooling.query');
    const soql = req.query.q;
    if (typeof soql !== 'string' || soql.trim() === '') {
      throw errors.malformedQuery('A query string has to be specified');
    }
    const compiled = compileSoql(soql, toolingSource(context));
    const rows = compiled.run({ includeDeleted: false });
    const select = compiled.query.select;
    const heavy =
      select !== 'count' &&
      (compiled.def.name === 'CustomField' || compiled.def.name === 'CustomObject') &&
      select.some((path) => /^(?:metadata|fullname)$/i.test(path.parts[path.parts.length - 1] ?? ''));
    if (heavy && rows.length > 1) {
      throw errors.malformedQuery(
        `When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval. Result size: ${rows.length}`,
      );
    }
    if (compiled.count) {
      res.json({
        size: rows.length,
        totalSize: rows.length,
        done: true,
        records: [],
        entityTypeName: compiled.def.name,
      });
      return;
    }
    const page = context.cursors.first(rows, (row) => compiled.render(row, base(res)), {
      batchSize: batchSizeFrom(req.get('sforce-query-options')),
      basePath: base(res),
      now: context.clock.now(),
    });
    res.json({ size: page.records.length, ...page, entityTypeName: compiled.def.name, queryLocator: null });
  });

  router.get('/tooling/query/:locator', (req, res) => {
    operation(res, 'tooling.queryMore');
    res.json(context.cursors.more(String(req.params.locator), context.clock.now()));
  });

  router.get('/tooling/sobjects', (_req, res) => {
    operation(res, 'tooling.describeGlobal');
    res.json({
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: TOOLING_OBJECTS.map((def) => globalEntry(def, base(res))),
    });
  });

  router.get('/tooling/sobjects/:type/describe', (req, res) => {
    operation(res, 'tooling.describe');
    const def = toolingObject(String(req.params.type));
    if (!def) throw errors.invalidType(String(req.params.type));
    res.json(describeObject(def, TOOLING_OBJECTS, base(res)));
  });

  router.post('/tooling/sobjects/:type', (req, res) => {
    operation(res, 'tooling.create');
    const type = String(req.params.type).toLowerCase();
    const body = bodyObject(req.body);
    let id: string;
    if (type === 'customfield') id = createCustomField(org, body);
    else if (type === 'customobject') id = createCustomObject(org, body, org.nextCustomKeyPrefix());
    else if (toolingObject(type)) throw errors.methodNotAllowed('POST', ['GET']);
    else throw errors.invalidType(String(req.params.type));
    res.status(201).json({ id, success: true, errors: [], warnings: [], infos: [] });
  });

  router.get('/tooling/sobjects/:type/:id', (req, res) => {
    operation(res, 'tooling.retrieve');
    const def = toolingObject(String(req.params.type));
    if (!def) throw errors.invalidType(String(req.params.type));
    const id = String(req.params.id);
    const record = toolingRows(org, def.name).find((row) => row.Id.slice(0, 15) === id.slice(0, 15));
    if (!record) throw errors.notFound();
    const out: Record<string, unknown> = {
      attributes: { type: def.name, url: `${base(res)}/sobjects/${def.name}/${record.Id}` },
    };
    for (const definition of def.fields)
      out[definition.name] = formatValue(definition, record[definition.name] ?? null);
    res.json(out);
  });

  router.patch('/tooling/sobjects/:type/:id', (req, res) => {
    operation(res, 'tooling.update');
    if (String(req.params.type).toLowerCase() !== 'customfield') {
      throw apiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'The PartnerLoop Salesforce stand-in only updates CustomField');
    }
    updateCustomField(org, String(req.params.id), bodyObject(req.body));
    res.status(204).end();
  });

  router.delete('/tooling/sobjects/:type/:id', (req, res) => {
    operation(res, 'tooling.delete');
    if (String(req.params.type).toLowerCase() !== 'customfield' || !findCustomField(org, String(req.params.id))) {
      throw errors.notFound();
    }
    deleteCustomField(org, String(req.params.id));
    res.status(204).end();
  });

  return router;
}
