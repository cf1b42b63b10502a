import { apiError, type SalesforceHttpError } from '../salesforce-errors.ts';
import { KEY_PREFIXES } from '../salesforce-ids.ts';
import type { SalesforceOrg, StoredRecord } from './salesforce-org.ts';
import { auditFields, type FieldDef, field, type PicklistEntry, SObjectDef, systemField } from './sobject-schema.ts';

/**
 * Provisioning through the Tooling API, the simplest path jsforce drives over REST
 * (`conn.tooling.sobject('CustomField').create({FullName, Metadata})`): CustomField and CustomObject records whose
 * `Metadata` is the Metadata API's CustomField / CustomObject (type, label, length, precision/scale, valueSet,
 * referenceTo, relationshipName, required, externalId, unique…). Creating one changes the org's schema at once, so
 * describe and SOQL see the new field or object. Also the read side provisioning checks with: tooling queries over
 * CustomField, CustomObject, EntityDefinition and FieldDefinition (virtual tables built from the schema).
 *
 * Errors follow the Tooling API's single-record create: HTTP 400 with `[{message, errorCode, fields}]` —
 * DUPLICATE_DEVELOPER_NAME for a name that exists, FIELD_INTEGRITY_EXCEPTION for metadata that cannot be saved,
 * REQUIRED_FIELD_MISSING for a missing FullName/Metadata/label.
 */

const NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;

function integrity(message: string, fields: string[] = []): SalesforceHttpError {
  return apiError(400, 'FIELD_INTEGRITY_EXCEPTION', message, fields);
}

function required(name: string): SalesforceHttpError {
  return apiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${name}]`, [name]);
}

function developerNameOk(name: string): boolean {
  return NAME.test(name) && !name.endsWith('_') && name.length <= 40;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function integer(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(number) ? number : undefined;
}

function bool(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Picklist values from `valueSet.valueSetDefinition.value[]` (or the older `picklist.picklistValues[]`). */
function picklistValues(metadata: Record<string, unknown>): { values: PicklistEntry[]; restricted: boolean } {
  const valueSet = metadata.valueSet as Record<string, unknown> | undefined;
  const definition = valueSet?.valueSetDefinition as Record<string, unknown> | undefined;
  const legacy = metadata.picklist as Record<string, unknown> | undefined;
  const raw = (definition?.value ?? legacy?.picklistValues) as unknown;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw integrity('Picklist fields need at least one value (valueSet.valueSetDefinition.value)', ['valueSet']);
  }
  const values = raw.map((entry): PicklistEntry => {
    const item = (entry ?? {}) as Record<string, unknown>;
    const value = text(item.fullName) ?? text(item.valueName);
    if (!value) throw integrity('Every picklist value needs a fullName', ['valueSet']);
    return {
      value,
      label: text(item.label) ?? value,
      active: item.isActive !== false,
      defaultValue: bool(item.default),
    };
  });
  const seen = new Set<string>();
  for (const entry of values) {
    if (seen.has(entry.value.toLowerCase())) {
      throw apiError(400, 'DUPLICATE_VALUE', `Duplicate picklist value: ${entry.value}`, ['valueSet']);
    }
    seen.add(entry.value.toLowerCase());
  }
  return { values, restricted: bool(valueSet?.restricted) };
}

/** The field a CustomField's Metadata describes (validated like the Metadata API would). */
export function fieldFromMetadata(
  org: SalesforceOrg,
  object: SObjectDef,
  name: string,
  metadata: Record<string, unknown>,
): FieldDef {
  const label = text(metadata.label);
  if (!label) throw required('Label');
  const type = text(metadata.type);
  if (!type) throw required('Type');
  const isRequired = bool(metadata.required);
  const common = {
    label,
    custom: true,
    nillable: !isRequired,
    externalId: bool(metadata.externalId),
    unique: bool(metadata.unique),
    description: text(metadata.description) ?? null,
    inlineHelpText: text(metadata.inlineHelpText) ?? null,
  };
  const numeric = (kind: 'double' | 'currency' | 'percent') => {
    const precision = integer(metadata.precision);
    const scale = integer(metadata.scale) ?? 0;
    if (precision === undefined || precision < 1 || precision > 18) {
      throw integrity(`Precision must be between 1 and 18 for ${type} fields`, ['precision']);
    }
    if (scale < 0 || scale > precision) throw integrity('Scale must be between 0 and the precision', ['scale']);
    return field(name, kind, { ...common, precision, scale });
  };
  switch (type) {
    case 'Text': {
      const length = integer(metadata.length);
      if (length === undefined || length < 1 || length > 255) {
        throw integrity('Length must be between 1 and 255 for Text fields', ['length']);
      }
      return field(name, 'string', { ...common, length });
    }
    case 'TextArea':
      return field(name, 'textarea', { ...common, length: 255 });
    case 'LongTextArea': {
      const length = integer(metadata.length);
      if (length === undefined || length < 256 || length > 131_072) {
        throw integrity('Length must be between 256 and 131,072 for Long Text Area fields', ['length']);
      }
      if (integer(metadata.visibleLines) === undefined) throw required('VisibleLines');
      return field(name, 'textarea', { ...common, length, nillable: true });
    }
    case 'Number':
      return numeric('double');
    case 'Currency':
      return numeric('currency');
    case 'Percent':
      return numeric('percent');
    case 'Checkbox': {
      if (metadata.defaultValue === undefined || metadata.defaultValue === null) {
        throw integrity("Must specify 'defaultValue' for a CustomField of type Checkbox", ['defaultValue']);
      }
      return field(name, 'boolean', {
        ...common,
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: bool(metadata.defaultValue),
      });
    }
    case 'Date':
      return field(name, 'date', common);
    case 'DateTime':
      return field(name, 'datetime', common);
    case 'Email':
      return field(name, 'email', { ...common, length: 80 });
    case 'Phone':
      return field(name, 'phone', { ...common, length: 40 });
    case 'Url':
      return field(name, 'url', { ...common, length: 255 });
    case 'Picklist':
    case 'MultiselectPicklist': {
      const { values, restricted } = picklistValues(metadata);
      if (type === 'MultiselectPicklist' && integer(metadata.visibleLines) === undefined) {
        throw required('VisibleLines');
      }
      const fallback = values.find((entry) => entry.defaultValue)?.value ?? null;
      return field(name, type === 'Picklist' ? 'picklist' : 'multipicklist', {
        ...common,
        picklistValues: values,
        restrictedPicklist: restricted,
        defaultedOnCreate: fallback !== null,
        defaultValue: fallback,
      });
    }
    case 'Lookup':
    case 'MasterDetail': {
      const targetName = text(metadata.referenceTo);
      if (!targetName) throw required('ReferenceTo');
      const target = org.object(targetName);
      if (!target)
        throw integrity(`referenceTo value of '${targetName}' does not resolve to a valid sObject type`, [
          'referenceTo',
        ]);
      const relationship = text(metadata.relationshipName);
      if (!relationship) throw required('RelationshipName');
      if (!developerNameOk(relationship)) {
        throw integrity(`Invalid relationship name: ${relationship}`, ['relationshipName']);
      }
      const relationshipName = `${relationship}__r`;
      if (object.relationship(relationshipName)) {
        throw apiError(
          400,
          'DUPLICATE_DEVELOPER_NAME',
          `There is already a relationship named ${relationship} on ${object.name}.`,
        );
      }
      if (type === 'Lookup') {
        return field(name, 'reference', { ...common, referenceTo: [target.name], relationshipName });
      }
      if (!object.custom)
        throw integrity('Master-Detail relationships can only be created on custom objects', ['type']);
      if (org.count(object.name) > 0) {
        throw integrity(
          'You cannot create a new Master-Detail relationship on an existing custom object if records already exist. You must first create a Lookup relationship, populate the lookup field with data in all records, and then change the relationship type to Master-Detail.',
        );
      }
      return field(name, 'reference', {
        ...common,
        nillable: false,
        referenceTo: [target.name],
        relationshipName,
        cascadeDelete: true,
        updateable: bool(metadata.reparentableMasterDetail),
      });
    }
    default:
      throw integrity(`The PartnerLoop Salesforce stand-in does not model CustomField type '${type}'`, ['type']);
  }
}

/** POST /tooling/sobjects/CustomField: `{FullName: 'Opportunity.PL_X__c', Metadata: {…}}` → the new field's id. */
export function createCustomField(org: SalesforceOrg, body: Record<string, unknown>): string {
  const fullName = text(body.FullName);
  if (!fullName) throw required('FullName');
  const metadata = body.Metadata;
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw required('Metadata');
  const [objectName, fieldName, ...rest] = fullName.split('.');
  if (!objectName || !fieldName || rest.length > 0) {
    throw integrity(`FullName must be Object.Field__c, got '${fullName}'`, ['FullName']);
  }
  const object = org.object(objectName);
  if (!object || object.tooling) {
    throw apiError(400, 'INVALID_CROSS_REFERENCE_KEY', `Cannot find an sObject named ${objectName}`, ['FullName']);
  }
  if (!fieldName.endsWith('__c') || !developerNameOk(fieldName.slice(0, -3))) {
    throw integrity(
      `The field name ${fieldName} is invalid: a custom field name ends in __c and otherwise uses letters, digits and single underscores, starting with a letter`,
      ['FullName'],
    );
  }
  if (object.field(fieldName)) {
    throw apiError(
      400,
      'DUPLICATE_DEVELOPER_NAME',
      `There is already a field named ${fieldName.slice(0, -3)} on ${object.name}.`,
      [],
    );
  }
  const definition = fieldFromMetadata(org, object, fieldName, metadata as Record<string, unknown>);
  definition.customFieldId = org.ids.next(KEY_PREFIXES.CustomField);
  definition.createdDate = org.clock.now();
  definition.metadata = { ...(metadata as Record<string, unknown>), fullName };
  org.addField(object.name, definition);
  if (definition.cascadeDelete) {
    // A detail record has no owner of its own: access follows the master.
    object.sharingModel = 'ControlledByParent';
    org.removeField(object.name, 'OwnerId');
  }
  return definition.customFieldId;
}

/** PATCH /tooling/sobjects/CustomField/<id>: new Metadata for an existing field (its type cannot change). */
export function updateCustomField(org: SalesforceOrg, id: string, body: Record<string, unknown>): void {
  const found = findCustomField(org, id);
  if (!found) throw apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const metadata = body.Metadata as Record<string, unknown> | undefined;
  if (!metadata || typeof metadata !== 'object') throw required('Metadata');
  const { object, definition } = found;
  const replacement = fieldFromMetadata(
    org,
    new SObjectDef(
      {
        name: object.name,
        label: object.label,
        labelPlural: object.labelPlural,
        keyPrefix: '000',
        custom: object.custom,
      },
      [],
    ),
    definition.name,
    {
      ...metadata,
      relationshipName: text(metadata.relationshipName) ?? definition.relationshipName?.replace(/__r$/, ''),
    },
  );
  if (replacement.type !== definition.type) {
    throw integrity(`The stand-in does not change a field's type (${definition.type} → ${replacement.type})`, ['type']);
  }
  Object.assign(definition, {
    label: replacement.label,
    length: replacement.length,
    precision: replacement.precision,
    scale: replacement.scale,
    picklistValues: replacement.picklistValues,
    restrictedPicklist: replacement.restrictedPicklist,
    nillable: replacement.nillable,
    description: replacement.description,
    inlineHelpText: replacement.inlineHelpText,
    externalId: replacement.externalId,
    unique: replacement.unique,
    metadata: { ...metadata, fullName: `${object.name}.${definition.name}` },
  });
}

/** DELETE /tooling/sobjects/CustomField/<id>: the field and its values go. */
export function deleteCustomField(org: SalesforceOrg, id: string): void {
  const found = findCustomField(org, id);
  if (!found) throw apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  org.removeField(found.object.name, found.definition.name);
}

export function findCustomField(
  org: SalesforceOrg,
  id: string,
): { object: SObjectDef; definition: FieldDef } | undefined {
  for (const object of org.objects()) {
    const definition = object.fields.find(
      (candidate) => candidate.customFieldId && sameId(candidate.customFieldId, id),
    );
    if (definition) return { object, definition };
  }
  return undefined;
}

function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/**
 * POST /tooling/sobjects/CustomObject: `{FullName: 'PL_Opportunity_Partner__c', Metadata: {label, pluralLabel,
 * nameField: {type: 'Text'|'AutoNumber', label, displayFormat?}, deploymentStatus, sharingModel}}`. The object gets
 * the system fields, an owner and its Name field; more fields come as CustomFields.
 */
export function createCustomObject(org: SalesforceOrg, body: Record<string, unknown>, keyPrefix: string): string {
  const fullName = text(body.FullName);
  if (!fullName) throw required('FullName');
  const metadata = body.Metadata as Record<string, unknown> | undefined;
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw required('Metadata');
  if (!fullName.endsWith('__c') || !developerNameOk(fullName.slice(0, -3))) {
    throw integrity(
      `The object name ${fullName} is invalid: a custom object name ends in __c and otherwise uses letters, digits and single underscores, starting with a letter`,
      ['FullName'],
    );
  }
  if (org.object(fullName)) {
    throw apiError(400, 'DUPLICATE_DEVELOPER_NAME', `There is already an object named ${fullName.slice(0, -3)}.`, []);
  }
  const label = text(metadata.label);
  if (!label) throw required('Label');
  const pluralLabel = text(metadata.pluralLabel);
  if (!pluralLabel) throw required('PluralLabel');
  const nameField = (metadata.nameField ?? {}) as Record<string, unknown>;
  const nameType = text(nameField.type) ?? 'Text';
  if (nameType !== 'Text' && nameType !== 'AutoNumber') {
    throw integrity(`nameField.type must be Text or AutoNumber, got '${nameType}'`, ['nameField']);
  }
  const nameLabel = text(nameField.label) ?? `${label} Name`;
  const displayFormat = text(nameField.displayFormat);
  if (nameType === 'AutoNumber' && !displayFormat) throw required('DisplayFormat');
  const name =
    nameType === 'Text'
      ? field('Name', 'string', {
          label: nameLabel,
          length: 80,
          nameField: true,
          custom: false,
          defaultedOnCreate: false,
        })
      : systemField('Name', 'string', {
          label: nameLabel,
          length: 80,
          nameField: true,
          custom: false,
          autoNumber: true,
          ...(displayFormat ? { displayFormat } : {}),
        });
  const now = org.clock.now();
  const id = org.ids.next(KEY_PREFIXES.CustomObject);
  const def = new SObjectDef(
    {
      name: fullName,
      label,
      labelPlural: pluralLabel,
      keyPrefix,
      custom: true,
      sharingModel: text(metadata.sharingModel) ?? 'ReadWrite',
      customObjectId: id,
      createdDate: now,
      description: text(metadata.description) ?? null,
    },
    [...auditFields(), name],
  );
  org.addObject(def);
  return id;
}

// --- tooling virtual tables ----------------------------------------------------------------------------------------

const CUSTOM_FIELD = new SObjectDef(
  {
    name: 'CustomField',
    label: 'Custom Field',
    labelPlural: 'Custom Fields',
    keyPrefix: '00N',
    tooling: true,
    custom: false,
  },
  [
    systemField('Id', 'id'),
    field('DeveloperName', 'string', { nillable: false }),
    field('NamespacePrefix', 'string'),
    field('TableEnumOrId', 'string', { nillable: false }),
    field('FullName', 'string'),
    field('Description', 'string'),
    field('Metadata', 'complexvalue'),
    systemField('CreatedDate', 'datetime'),
    systemField('LastModifiedDate', 'datetime'),
  ],
);

const CUSTOM_OBJECT = new SObjectDef(
  {
    name: 'CustomObject',
    label: 'Custom Object',
    labelPlural: 'Custom Objects',
    keyPrefix: '01I',
    tooling: true,
    custom: false,
  },
  [
    systemField('Id', 'id'),
    field('DeveloperName', 'string', { nillable: false }),
    field('NamespacePrefix', 'string'),
    field('Description', 'string'),
    field('SharingModel', 'string'),
    field('FullName', 'string'),
    field('Metadata', 'complexvalue'),
    systemField('CreatedDate', 'datetime'),
    systemField('LastModifiedDate', 'datetime'),
  ],
);

const ENTITY_DEFINITION = new SObjectDef(
  {
    name: 'EntityDefinition',
    label: 'Entity Definition',
    labelPlural: 'Entity Definitions',
    keyPrefix: '4ie',
    tooling: true,
    custom: false,
  },
  [
    systemField('Id', 'string'),
    field('DurableId', 'string'),
    field('QualifiedApiName', 'string'),
    field('DeveloperName', 'string'),
    field('NamespacePrefix', 'string'),
    field('Label', 'string'),
    field('PluralLabel', 'string'),
    field('KeyPrefix', 'string'),
    field('IsCustomizable', 'boolean'),
    field('IsQueryable', 'boolean'),
    field('IsCustomSetting', 'boolean'),
  ],
);

const FIELD_DEFINITION = new SObjectDef(
  {
    name: 'FieldDefinition',
    label: 'Field Definition',
    labelPlural: 'Field Definitions',
    keyPrefix: '4if',
    tooling: true,
    custom: false,
  },
  [
    systemField('Id', 'string'),
    field('DurableId', 'string'),
    field('QualifiedApiName', 'string'),
    field('DeveloperName', 'string'),
    field('NamespacePrefix', 'string'),
    field('Label', 'string'),
    field('DataType', 'string'),
    field('Length', 'int'),
    field('Precision', 'int'),
    field('Scale', 'int'),
    field('IsNillable', 'boolean'),
    field('IsCalculated', 'boolean'),
    field('EntityDefinitionId', 'string', {
      referenceTo: ['EntityDefinition'],
      relationshipName: 'EntityDefinition',
    }),
  ],
);

export const TOOLING_OBJECTS: readonly SObjectDef[] = [
  CUSTOM_FIELD,
  CUSTOM_OBJECT,
  ENTITY_DEFINITION,
  FIELD_DEFINITION,
];

/** The Metadata API's name for a field's type (FieldDefinition.DataType shows e.g. `Text(255)`). */
function dataType(definition: FieldDef): string {
  switch (definition.type) {
    case 'string':
      return definition.autoNumber ? 'Auto Number' : `Text(${definition.length})`;
    case 'textarea':
      return definition.length > 255 ? `Long Text Area(${definition.length})` : 'Text Area(255)';
    case 'picklist':
      return 'Picklist';
    case 'multipicklist':
      return 'Picklist (Multi-Select)';
    case 'boolean':
      return 'Checkbox';
    case 'currency':
      return `Currency(${definition.precision - definition.scale}, ${definition.scale})`;
    case 'percent':
      return `Percent(${definition.precision - definition.scale}, ${definition.scale})`;
    case 'double':
      return `Number(${definition.precision - definition.scale}, ${definition.scale})`;
    case 'int':
      return 'Number(9, 0)';
    case 'date':
      return 'Date';
    case 'datetime':
      return 'Date/Time';
    case 'reference':
      return definition.cascadeDelete
        ? `Master-Detail(${definition.referenceTo[0]})`
        : `Lookup(${definition.referenceTo[0]})`;
    case 'id':
      return 'Lookup()';
    case 'email':
      return 'Email';
    case 'phone':
      return 'Phone';
    case 'url':
      return 'URL(255)';
    default:
      return definition.type;
  }
}

/** The rows of a tooling virtual table, built from the org's current schema. */
export function toolingRows(org: SalesforceOrg, name: string): StoredRecord[] {
  const objects = org.objects();
  const entityId = (object: SObjectDef) => (object.custom ? (object.customObjectId ?? object.name) : object.name);
  switch (name.toLowerCase()) {
    case 'customfield':
      return objects.flatMap((object) =>
        object.fields
          .filter((definition) => definition.customFieldId)
          .map(
            (definition): StoredRecord => ({
              Id: definition.customFieldId as string,
              DeveloperName: definition.name.replace(/__c$/, ''),
              NamespacePrefix: null,
              TableEnumOrId: object.custom ? (object.customObjectId ?? object.name) : object.name,
              FullName: `${object.name}.${definition.name}`,
              Description: definition.description,
              Metadata: JSON.stringify(definition.metadata ?? {}),
              CreatedDate: definition.createdDate ?? null,
              LastModifiedDate: definition.createdDate ?? null,
            }),
          ),
      );
    case 'customobject':
      return objects
        .filter((object) => object.custom && object.customObjectId)
        .map(
          (object): StoredRecord => ({
            Id: object.customObjectId as string,
            DeveloperName: object.name.replace(/__c$/, ''),
            NamespacePrefix: null,
            Description: object.description,
            SharingModel: object.sharingModel,
            FullName: object.name,
            Metadata: JSON.stringify({
              label: object.label,
              pluralLabel: object.labelPlural,
              sharingModel: object.sharingModel,
              deploymentStatus: 'Deployed',
            }),
            CreatedDate: object.createdDate ?? null,
            LastModifiedDate: object.createdDate ?? null,
          }),
        );
    case 'entitydefinition':
      return objects.map(
        (object): StoredRecord => ({
          Id: entityId(object),
          DurableId: entityId(object),
          QualifiedApiName: object.name,
          DeveloperName: object.name.replace(/__c$/, ''),
          NamespacePrefix: null,
          Label: object.label,
          PluralLabel: object.labelPlural,
          KeyPrefix: object.keyPrefix,
          IsCustomizable: object.createable,
          IsQueryable: object.queryable,
          IsCustomSetting: false,
        }),
      );
    case 'fielddefinition':
      return objects.flatMap((object) =>
        object.fields.map(
          (definition): StoredRecord => ({
            Id: `${entityId(object)}.${definition.customFieldId ?? definition.name}`,
            DurableId: `${entityId(object)}.${definition.customFieldId ?? definition.name}`,
            QualifiedApiName: definition.name,
            DeveloperName: definition.name.replace(/__c$/, ''),
            NamespacePrefix: null,
            Label: definition.label,
            DataType: dataType(definition),
            Length: definition.length,
            Precision: definition.precision,
            Scale: definition.scale,
            IsNillable: definition.nillable,
            IsCalculated: definition.calculated,
            EntityDefinitionId: entityId(object),
          }),
        ),
      );
    default:
      return [];
  }
}
