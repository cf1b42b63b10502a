import type { FieldDef, SObjectDef } from './sobject-schema.ts';

/**
 * Describe answers (REST API "Describe Global" and "sObject Describe"): the global list with each object's flags and
 * URLs, and an object's full describe with every field's properties, picklist values ({value, label, active,
 * defaultValue, validFor}), lookups (referenceTo, relationshipName) and child relationships. Property names follow
 * the DescribeSObjectResult / Field types (the ones jsforce 3 declares in lib/types/common.d.ts).
 */

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  currency: 'xsd:double',
  double: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  complexvalue: 'urn:JunctionIdListNames',
};

export function objectUrls(def: SObjectDef, urlBase: string): Record<string, string> {
  const sobject = `${urlBase}/sobjects/${def.name}`;
  return { sobject, describe: `${sobject}/describe`, rowTemplate: `${sobject}/{ID}` };
}

export function globalEntry(def: SObjectDef, urlBase: string) {
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: def.createable,
    custom: def.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: def.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: !def.tooling,
    mergeable: def.name === 'Account',
    mruEnabled: !def.tooling,
    name: def.name,
    queryable: def.queryable,
    replicateable: !def.tooling,
    retrieveable: true,
    searchable: !def.tooling,
    triggerable: !def.tooling,
    undeletable: def.deletable && !def.tooling,
    updateable: def.updateable,
    urls: objectUrls(def, urlBase),
  };
}

export function describeField(definition: FieldDef) {
  const text = definition.type === 'string' || definition.type === 'textarea' || definition.type === 'picklist';
  return {
    aggregatable: definition.type !== 'textarea',
    aiPredictionField: false,
    autoNumber: definition.autoNumber,
    byteLength: definition.length * 3,
    calculated: definition.calculated,
    calculatedFormula: null,
    cascadeDelete: definition.cascadeDelete,
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: definition.createable,
    custom: definition.custom,
    defaultValue:
      definition.defaultValue === null || definition.type === 'picklist' || definition.type === 'multipicklist'
        ? null
        : definition.defaultValue,
    defaultValueFormula: null,
    defaultedOnCreate: definition.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: definition.digits,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: definition.externalId,
    extraTypeInfo: definition.type === 'textarea' ? (definition.length > 255 ? 'plaintextarea' : null) : null,
    filterable: definition.type !== 'textarea' || definition.length <= 255,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: text || definition.type === 'boolean' || definition.type === 'date' || definition.type === 'reference',
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: definition.type === 'id' || definition.externalId || definition.name === 'Username',
    inlineHelpText: definition.inlineHelpText,
    label: definition.label,
    length: definition.length,
    mask: null,
    maskType: null,
    name: definition.name,
    nameField: definition.nameField,
    namePointing: false,
    nillable: definition.nillable,
    permissionable: definition.custom && definition.nillable,
    picklistValues: definition.picklistValues.map((entry) => ({
      active: entry.active,
      defaultValue: entry.defaultValue,
      label: entry.label,
      validFor: null,
      value: entry.value,
    })),
    polymorphicForeignKey: false,
    precision: definition.type === 'int' ? 0 : definition.precision,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: [...definition.referenceTo],
    relationshipName: definition.relationshipName,
    relationshipOrder: definition.cascadeDelete ? 0 : null,
    restrictedDelete: false,
    restrictedPicklist: definition.restrictedPicklist,
    scale: definition.scale,
    searchPrefilterable: definition.type === 'reference',
    soapType: SOAP_TYPES[definition.type] ?? 'xsd:string',
    sortable: definition.type !== 'textarea' || definition.length <= 255,
    type: definition.type,
    unique: definition.unique,
    updateable: definition.updateable,
    writeRequiresMasterRead: false,
  };
}

export function describeObject(def: SObjectDef, all: readonly SObjectDef[], urlBase: string) {
  const childRelationships = all.flatMap((other) =>
    other.fields
      .filter((definition) => definition.type === 'reference' && definition.referenceTo.includes(def.name))
      .map((definition) => ({
        cascadeDelete: definition.cascadeDelete,
        childSObject: other.name,
        deprecatedAndHidden: false,
        field: definition.name,
        junctionIdListNames: [],
        junctionReferenceTo: [],
        relationshipName: definition.custom
          ? `${other.labelPlural.replace(/[^A-Za-z0-9]/g, '')}__r`
          : other.name === 'Opportunity'
            ? 'Opportunities'
            : null,
        restrictedDelete: false,
      })),
  );
  return {
    ...globalEntry(def, urlBase),
    actionOverrides: [],
    childRelationships,
    compactLayoutable: !def.tooling,
    fields: def.fields.map(describeField),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    searchLayoutable: !def.tooling,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [{ label: 'All', name: 'everything' }],
    urls: {
      ...objectUrls(def, urlBase),
      ...(def.tooling
        ? {}
        : {
            compactLayouts: `${urlBase}/sobjects/${def.name}/describe/compactLayouts`,
            layouts: `${urlBase}/sobjects/${def.name}/describe/layouts`,
          }),
    },
  };
}
