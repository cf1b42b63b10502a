import express, { type Router } from 'express';
import { validationError } from '../errors.ts';
import {
  defineProperty,
  type FieldType,
  groupToJson,
  type PropertyDefinition,
  type PropertyOption,
  type PropertyType,
  propertyToJson,
} from '../properties.ts';
import { body, flag, inputsOf, locals, nameList, objectTypeOf, type RouteDeps, requireScope } from './crm-request.ts';
import { batchEnvelope } from './crm-response.ts';

/** `/crm/v3/properties/{type}/…` and `/crm/properties/2026-03/{type}/…`: property definitions and groups. */

const PROPERTY_TYPES: readonly PropertyType[] = [
  'string',
  'number',
  'date',
  'datetime',
  'enumeration',
  'bool',
  'phone_number',
];
const FIELD_TYPES: readonly FieldType[] = [
  'text',
  'textarea',
  'number',
  'date',
  'select',
  'radio',
  'checkbox',
  'booleancheckbox',
  'calculation_equation',
  'html',
  'file',
  'phonenumber',
];

function propertyFromInput(input: Record<string, unknown>, at: number): PropertyDefinition {
  const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
  const name = text('name');
  const label = text('label');
  const groupName = text('groupName');
  const type = text('type') as PropertyType | undefined;
  const fieldType = text('fieldType') as FieldType | undefined;
  const missing = [
    ['name', name],
    ['label', label],
    ['groupName', groupName],
    ['type', type],
    ['fieldType', fieldType],
  ]
    .filter(([, value]) => !value)
    .map(([key]) => key);
  if (missing.length > 0 || !name || !label || !groupName || !type || !fieldType) {
    throw validationError(`Missing required fields: ${missing.join(', ')}`);
  }
  if (!PROPERTY_TYPES.includes(type)) throw validationError(`Invalid property type: ${type}`);
  if (!FIELD_TYPES.includes(fieldType)) throw validationError(`Invalid fieldType: ${fieldType}`);
  const options = Array.isArray(input.options) ? (input.options as Array<Record<string, unknown>>) : [];
  if (type === 'enumeration' && options.length === 0 && fieldType !== 'booleancheckbox') {
    throw validationError(`Enumeration property ${name} requires options`);
  }
  return defineProperty(
    {
      name,
      label,
      groupName,
      type,
      fieldType,
      description: text('description') ?? '',
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      hasUniqueValue: input.hasUniqueValue === true,
      hidden: input.hidden === true,
      formField: input.formField === true,
      options: options.map(
        (option, index): PropertyOption => ({
          label: String(option.label ?? option.value ?? ''),
          value: String(option.value ?? ''),
          displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : index,
          hidden: option.hidden === true,
          ...(typeof option.description === 'string' ? { description: option.description } : {}),
        }),
      ),
    },
    at,
  );
}

export function propertiesRouter(deps: RouteDeps): Router {
  const router = express.Router();

  router.get('/:objectType/groups', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    const groups = [...locals(res).portal.groups(type).values()].filter((group) => !group.archived);
    res.json({ results: groups.map(groupToJson) });
  });

  router.post('/:objectType/groups', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const input = body(req);
    if (typeof input.name !== 'string' || typeof input.label !== 'string')
      throw validationError('name and label are required');
    const group = locals(res).portal.createGroup(type, {
      name: input.name,
      label: input.label,
      displayOrder: typeof input.displayOrder === 'number' ? input.displayOrder : -1,
      archived: false,
    });
    res.status(201).json(groupToJson(group));
  });

  router.get('/:objectType/groups/:groupName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    res.json(groupToJson(locals(res).portal.requireGroup(type, String(req.params.groupName))));
  });

  router.patch('/:objectType/groups/:groupName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const input = body(req);
    const group = locals(res).portal.updateGroup(type, String(req.params.groupName), {
      ...(typeof input.label === 'string' ? { label: input.label } : {}),
      ...(typeof input.displayOrder === 'number' ? { displayOrder: input.displayOrder } : {}),
    });
    res.json(groupToJson(group));
  });

  router.delete('/:objectType/groups/:groupName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    locals(res).portal.archiveGroup(type, String(req.params.groupName));
    res.status(204).end();
  });

  router.get('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    const archived = flag(req.query.archived);
    const wanted = new Set(nameList(req.query.properties));
    const definitions = [...locals(res).portal.definitions(type).values()].filter(
      (definition) => definition.archived === archived && (wanted.size === 0 || wanted.has(definition.name)),
    );
    res.json({ results: definitions.map(propertyToJson) });
  });

  router.post('/:objectType', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const definition = locals(res).portal.createProperty(type, propertyFromInput(body(req), deps.clock.now()));
    res.status(201).json(propertyToJson(definition));
  });

  router.post('/:objectType/batch/read', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    const startedAt = deps.clock.now();
    const { portal } = locals(res);
    const names = inputsOf(req, deps.limits.batchInputs).map((input) => String(input.name ?? ''));
    const results = names
      .map((name) => portal.definitions(type).get(name))
      .filter((definition): definition is PropertyDefinition => !!definition && !definition.archived)
      .map(propertyToJson);
    res.json(batchEnvelope(deps, startedAt, results));
  });

  router.post('/:objectType/batch/create', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const startedAt = deps.clock.now();
    const { portal } = locals(res);
    const definitions = inputsOf(req, deps.limits.batchInputs).map((input) =>
      propertyFromInput(input, deps.clock.now()),
    );
    // A name that already exists fails alone (207 with an error per input, as the spec's BatchResponsePropertyWithErrors
    // allows) instead of aborting the batch halfway; the others are created.
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const definition of definitions) {
      const existing = portal.definitions(type).get(definition.name);
      if (existing && !existing.archived) {
        errors.push({
          status: 'error',
          category: 'OBJECT_ALREADY_EXISTS',
          message: `A property named '${definition.name}' already exists.`,
          context: { name: [definition.name] },
          errors: [],
          links: {},
        });
        continue;
      }
      results.push(propertyToJson(portal.createProperty(type, definition)));
    }
    res.status(errors.length > 0 ? 207 : 201).json(batchEnvelope(deps, startedAt, results, errors));
  });

  router.post('/:objectType/batch/archive', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const { portal } = locals(res);
    for (const input of inputsOf(req, deps.limits.batchInputs)) {
      const definition = portal.definitions(type).get(String(input.name ?? ''));
      if (definition && !definition.archived && !definition.hubspotDefined)
        portal.archiveProperty(type, definition.name);
    }
    res.status(204).end();
  });

  router.get('/:objectType/:propertyName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-read');
    res.json(propertyToJson(locals(res).portal.requireProperty(type, String(req.params.propertyName))));
  });

  router.patch('/:objectType/:propertyName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    const input = body(req);
    const patch: Partial<PropertyDefinition> = {};
    if (typeof input.label === 'string') patch.label = input.label;
    if (typeof input.description === 'string') patch.description = input.description;
    if (typeof input.groupName === 'string') patch.groupName = input.groupName;
    if (typeof input.displayOrder === 'number') patch.displayOrder = input.displayOrder;
    if (typeof input.hidden === 'boolean') patch.hidden = input.hidden;
    if (Array.isArray(input.options))
      patch.options = propertyFromInput(
        { ...input, name: 'x', label: 'x', groupName: 'x', type: 'enumeration', fieldType: 'select' },
        0,
      ).options;
    res.json(propertyToJson(locals(res).portal.updateProperty(type, String(req.params.propertyName), patch)));
  });

  router.delete('/:objectType/:propertyName', (req, res) => {
    const type = objectTypeOf(req.params.objectType);
    requireScope(res, type, 'schema-write');
    locals(res).portal.archiveProperty(type, String(req.params.propertyName));
    res.status(204).end();
  });

  return router;
}
