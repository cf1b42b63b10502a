// The SFDX project's metadata, checked without an org: every XML file is well-formed with the Metadata API root
// element and namespace its suffix calls for; the custom fields are exactly the service's catalogue
// (src/crm/salesforce/salesforce-fields.ts); every Apex class has its meta file; every LWC bundle is complete; the
// permission sets, credentials and the card's meta file fit together.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  JUNCTION_FIELDS,
  JUNCTION_OBJECT,
  JUNCTION_OBJECT_DEFINITION,
  PARTNERLOOP_SCHEMA,
  type SalesforceFieldDefinition,
} from '../../src/crm/salesforce/salesforce-fields.ts';

const PROJECT_DIR = dirname(fileURLToPath(import.meta.url));
const FORCE_APP = join(PROJECT_DIR, 'force-app');
const DEFAULT_DIR = join(FORCE_APP, 'main', 'default');
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';
const API_VERSION = '62.0';

/** The documented root element of each source-format suffix (Metadata API Developer Guide, one type per suffix). */
const ROOT_OF_SUFFIX: ReadonlyArray<[string, string]> = [
  ['.field-meta.xml', 'CustomField'],
  ['.object-meta.xml', 'CustomObject'],
  ['.cls-meta.xml', 'ApexClass'],
  ['.js-meta.xml', 'LightningComponentBundle'],
  ['.permissionset-meta.xml', 'PermissionSet'],
  ['.flexipage-meta.xml', 'FlexiPage'],
  ['.externalCredential-meta.xml', 'ExternalCredential'],
  ['.namedCredential-meta.xml', 'NamedCredential'],
];

// --- a small XML reader: enough for metadata files (elements, attributes, text, entities, comments, CDATA) ------

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, where: string): string {
  return text.replace(/&([^;\s&]*);?/g, (match, name: string) => {
    if (!match.endsWith(';')) throw new Error(`${where}: bare "&" (write &amp;)`);
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`${where}: unknown entity &${name};`);
    return value;
  });
}

const NAME = '[A-Za-z_][\\w.-]*(?::[A-Za-z_][\\w.-]*)?';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`, 'y');

/** Parses a whole document; throws with the offset on anything that is not well-formed. */
function parseXml(source: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const fail = (message: string): never => {
    throw new Error(`offset ${pos}: ${message}`);
  };
  if (source.startsWith('\uFEFF')) pos = 1;
  if (source.startsWith('<?xml', pos)) {
    const end = source.indexOf('?>', pos);
    if (end < 0) fail('unterminated XML declaration');
    pos = end + 2;
  }
  while (pos < source.length) {
    const open = source.indexOf('<', pos);
    const text = source.slice(pos, open < 0 ? source.length : open);
    const current = stack.at(-1);
    if (current) current.text += decode(text, `offset ${pos}`);
    else if (text.trim() !== '') fail('text outside the root element');
    if (open < 0) break;
    pos = open;
    if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos + 4);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
    } else if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos);
      if (end < 0 || !current) fail('CDATA outside an element or unterminated');
      if (current) current.text += source.slice(pos + 9, end);
      pos = end + 3;
    } else if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos);
      if (end < 0) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (source.startsWith('</', pos)) {
      const match = new RegExp(`</(${NAME})\\s*>`, 'y');
      match.lastIndex = pos;
      const closing = match.exec(source);
      if (!closing) fail('malformed closing tag');
      const element = stack.pop();
      if (!element || element.name !== closing?.[1]) fail(`</${closing?.[1]}> does not close <${element?.name}>`);
      pos = match.lastIndex;
    } else {
      const tag = new RegExp(`<(${NAME})`, 'y');
      tag.lastIndex = pos + 0;
      const start = tag.exec(source);
      if (!start) fail('malformed tag');
      const element: XmlElement = { name: start?.[1] ?? '', attributes: {}, children: [], text: '' };
      pos = tag.lastIndex;
      for (;;) {
        ATTRIBUTE.lastIndex = pos;
        const attribute = ATTRIBUTE.exec(source);
        if (!attribute) break;
        const [, name = '', quoted = ''] = attribute;
        if (name in element.attributes) fail(`duplicate attribute ${name}`);
        element.attributes[name] = decode(quoted.slice(1, -1), `offset ${pos}`);
        pos = ATTRIBUTE.lastIndex;
      }
      const end = /\s*(\/?)>/y;
      end.lastIndex = pos;
      const closed = end.exec(source);
      if (!closed) fail(`malformed start tag <${element.name}>`);
      pos = end.lastIndex;
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else if (root) fail('a second root element');
      else root = element;
      if (closed?.[1] !== '/') stack.push(element);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

function textOf(element: XmlElement, name: string): string | undefined {
  return children(element, name)[0]?.text.trim();
}

// --- the project's files ------------------------------------------------------------------------------------

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(FORCE_APP);
const xmlFiles = files.filter((file) => file.endsWith('.xml'));
const read = (path: string) => readFileSync(path, 'utf8');
const parse = (path: string) => parseXml(read(path));
const rel = (path: string) => relative(PROJECT_DIR, path);

describe('the XML reader', () => {
  it.each([
    ['<a><b></a></b>', 'does not close'],
    ['<a>x &nbsp; y</a>', 'unknown entity'],
    ['<a>Tom & Jerry</a>', 'bare "&"'],
    ['<a></a><b></b>', 'second root'],
    ['<a><b></b>', 'unclosed <a>'],
    ['<a x="1" x="2"></a>', 'duplicate attribute'],
  ])('given %s, when parsed, then it is refused (%s)', (source, problem) => {
    expect(() => parseXml(source)).toThrow(problem);
  });

  it('given a well-formed document, when parsed, then elements, attributes and decoded text come back', () => {
    const root = parseXml('<?xml version="1.0"?>\n<a xmlns="urn:x"><!-- c --><b k=\'v\'>1 &amp; 2</b><c/></a>');
    expect(root.attributes).toEqual({ xmlns: 'urn:x' });
    expect(root.children.map((child) => child.name)).toEqual(['b', 'c']);
    expect(textOf(root, 'b')).toBe('1 & 2');
  });
});

describe('every XML file under force-app', () => {
  it('given the project, when listed, then it holds metadata XML', () => {
    expect(xmlFiles.length).toBeGreaterThanOrEqual(PARTNERLOOP_SCHEMA.fields.length + 8);
  });

  it.each(xmlFiles.map((file) => [rel(file), file]))(
    'given %s, when parsed, then it is well-formed with the documented root and the metadata namespace',
    (_name, file) => {
      const suffix = ROOT_OF_SUFFIX.find(([ending]) => file.endsWith(ending));
      expect(suffix, `no documented root element known for ${rel(file)}`).toBeDefined();
      const root = parse(file);
      expect(root.name).toBe(suffix?.[1]);
      expect(root.attributes.xmlns).toBe(METADATA_NS);
    },
  );
});

describe('custom fields: the service catalogue (src/crm/salesforce/salesforce-fields.ts)', () => {
  const fieldFiles = xmlFiles.filter((file) => file.endsWith('.field-meta.xml'));
  const fieldPath = (field: SalesforceFieldDefinition) =>
    join(DEFAULT_DIR, 'objects', field.object, 'fields', `${field.apiName}.field-meta.xml`);

  it('given the field files, when compared with the catalogue, then there is one file per catalogue field and no other', () => {
    expect(fieldFiles.map(rel).sort()).toEqual(PARTNERLOOP_SCHEMA.fields.map(fieldPath).map(rel).sort());
  });

  it.each(PARTNERLOOP_SCHEMA.fields.map((field) => [field.fullName, field]))(
    'given %s, when read, then its api name, type, size and values are the catalogue’s',
    (_name, field) => {
      const root = parse(fieldPath(field));
      const wanted = field.metadata;
      expect(textOf(root, 'fullName')).toBe(field.apiName);
      expect(textOf(root, 'type')).toBe(wanted.type);
      expect(textOf(root, 'label')).toBe(wanted.label);
      expect(textOf(root, 'description')).toBe(wanted.description);
      const optional: ReadonlyArray<[string, string | number | boolean | undefined]> = [
        ['length', wanted.length],
        ['visibleLines', wanted.visibleLines],
        ['precision', wanted.precision],
        ['scale', wanted.scale],
        ['defaultValue', wanted.defaultValue],
        ['referenceTo', wanted.referenceTo],
        ['relationshipName', wanted.relationshipName],
        ['deleteConstraint', wanted.deleteConstraint],
        ['unique', wanted.unique],
        ['caseSensitive', wanted.caseSensitive],
      ];
      for (const [element, value] of optional) {
        if (value !== undefined) expect(textOf(root, element), element).toBe(String(value));
      }
      expect(textOf(root, 'externalId') === 'true', 'externalId').toBe(wanted.externalId === true);
      const valueSet = children(root, 'valueSet')[0];
      if (wanted.valueSet) {
        expect(valueSet, 'valueSet').toBeDefined();
        if (!valueSet) return;
        expect(textOf(valueSet, 'restricted')).toBe(String(wanted.valueSet.restricted));
        const values = children(children(valueSet, 'valueSetDefinition')[0] ?? valueSet, 'value').map((value) => ({
          fullName: textOf(value, 'fullName'),
          label: textOf(value, 'label'),
          default: textOf(value, 'default') === 'true',
        }));
        expect(values).toEqual(wanted.valueSet.valueSetDefinition.value);
      } else {
        expect(valueSet, 'no valueSet expected').toBeUndefined();
      }
    },
  );

  it('given the junction object, when read, then it is the catalogue’s object, controlled by its opportunity', () => {
    const root = parse(join(DEFAULT_DIR, 'objects', JUNCTION_OBJECT, `${JUNCTION_OBJECT}.object-meta.xml`));
    const wanted = JUNCTION_OBJECT_DEFINITION.metadata;
    expect(textOf(root, 'label')).toBe(wanted.label);
    expect(textOf(root, 'pluralLabel')).toBe(wanted.pluralLabel);
    expect(textOf(root, 'sharingModel')).toBe(wanted.sharingModel);
    expect(textOf(root, 'deploymentStatus')).toBe(wanted.deploymentStatus);
    const nameField = children(root, 'nameField')[0];
    expect(nameField && textOf(nameField, 'type')).toBe(wanted.nameField.type);
    expect(nameField && textOf(nameField, 'displayFormat')).toBe(wanted.nameField.displayFormat);
  });
});

describe('Apex and LWC bundles', () => {
  const classesDir = join(DEFAULT_DIR, 'classes');
  const lwcDir = join(DEFAULT_DIR, 'lwc');

  it('given the Apex classes, when listed, then every class has its meta file (API 62.0) and every meta file its class', () => {
    const entries = readdirSync(classesDir);
    const classes = entries.filter((entry) => entry.endsWith('.cls'));
    const metas = entries.filter((entry) => entry.endsWith('.cls-meta.xml'));
    expect(classes.sort()).toEqual(['PartnerLoopCardController.cls', 'PartnerLoopCardControllerTest.cls']);
    expect(metas.sort()).toEqual(classes.map((name) => `${name}-meta.xml`).sort());
    for (const meta of metas) {
      const root = parse(join(classesDir, meta));
      expect(textOf(root, 'apiVersion'), meta).toBe(API_VERSION);
      expect(textOf(root, 'status'), meta).toBe('Active');
    }
  });

  it('given the LWC bundles, when listed, then each has its js and meta file, and each UI component its template', () => {
    const bundles = readdirSync(lwcDir).filter((entry) => statSync(join(lwcDir, entry)).isDirectory());
    expect(bundles.sort()).toEqual([
      'coSellForm',
      'motionTimeline',
      'partnerCard',
      'partnerLoopFormat',
      'partnerPicker',
    ]);
    for (const bundle of bundles) {
      const path = (ending: string) => join(lwcDir, bundle, `${bundle}${ending}`);
      expect(existsSync(path('.js')), `${bundle}.js`).toBe(true);
      expect(existsSync(path('.js-meta.xml')), `${bundle}.js-meta.xml`).toBe(true);
      expect(textOf(parse(path('.js-meta.xml')), 'apiVersion'), bundle).toBe(API_VERSION);
      // A service component (shared functions, no template) is the only bundle without html.
      if (/extends LightningElement/.test(read(path('.js')))) {
        expect(existsSync(path('.html')), `${bundle}.html`).toBe(true);
      }
    }
  });

  it('given the partner card, when its meta file is read, then it is exposed on Opportunity record pages only', () => {
    const root = parse(join(lwcDir, 'partnerCard', 'partnerCard.js-meta.xml'));
    expect(textOf(root, 'isExposed')).toBe('true');
    const targets = children(children(root, 'targets')[0] ?? root, 'target').map((target) => target.text.trim());
    expect(targets).toEqual(['lightning__RecordPage']);
    const config = children(children(root, 'targetConfigs')[0] ?? root, 'targetConfig')[0];
    expect(config?.attributes.targets).toBe('lightning__RecordPage');
    const objects = children(children(config ?? root, 'objects')[0] ?? root, 'object').map((o) => o.text.trim());
    expect(objects).toEqual(['Opportunity']);
  });

  it('given sfdx-project.json, when read, then force-app is the default package directory at API 62.0', () => {
    const project = JSON.parse(read(join(PROJECT_DIR, 'sfdx-project.json'))) as {
      packageDirectories: { path: string; default: boolean }[];
      sourceApiVersion: string;
    };
    expect(project.sourceApiVersion).toBe(API_VERSION);
    expect(project.packageDirectories).toContainEqual(expect.objectContaining({ path: 'force-app', default: true }));
  });
});

describe('credentials and permission sets', () => {
  const externalCredential = parse(join(DEFAULT_DIR, 'externalCredentials', 'PartnerLoop.externalCredential-meta.xml'));
  const namedCredential = parse(join(DEFAULT_DIR, 'namedCredentials', 'PartnerLoop.namedCredential-meta.xml'));
  const parameters = children(externalCredential, 'externalCredentialParameters');
  const principal = parameters.find((parameter) => textOf(parameter, 'parameterType') === 'NamedPrincipal');
  const principalName = principal ? textOf(principal, 'parameterName') : undefined;

  it('given the External Credential, when read, then it is Custom with a principal and an Authorization header from OrgKey', () => {
    expect(textOf(externalCredential, 'authenticationProtocol')).toBe('Custom');
    expect(principalName).toBe('PartnerLoopOrg');
    const header = parameters.find((parameter) => textOf(parameter, 'parameterType') === 'AuthHeader');
    expect(header && textOf(header, 'parameterName')).toBe('Authorization');
    expect(header && textOf(header, 'parameterValue')).toBe("{!'Bearer ' & $Credential.PartnerLoop.OrgKey}");
  });

  it('given the Named Credential, when read, then it is a secured endpoint on the External Credential with a placeholder URL', () => {
    expect(textOf(namedCredential, 'namedCredentialType')).toBe('SecuredEndpoint');
    const parametersOf = children(namedCredential, 'namedCredentialParameters');
    const url = parametersOf.find((parameter) => textOf(parameter, 'parameterType') === 'Url');
    expect(url && textOf(url, 'parameterValue')).toBe('https://partnerloop.example.com');
    const auth = parametersOf.find((parameter) => textOf(parameter, 'parameterType') === 'Authentication');
    expect(auth && textOf(auth, 'externalCredential')).toBe('PartnerLoop');
    // The name Apex calls: `callout:PartnerLoop/...`.
    expect(read(join(DEFAULT_DIR, 'classes', 'PartnerLoopCardController.cls'))).toContain(
      "'callout:PartnerLoop/api/salesforce/card'",
    );
  });

  const catalogueFields = PARTNERLOOP_SCHEMA.fields.filter((field) => field.object !== JUNCTION_OBJECT);
  // The master-detail is always readable and editable with its object; the Metadata API refuses FLS on it.
  const junctionFields = PARTNERLOOP_SCHEMA.fields.filter(
    (field) => field.object === JUNCTION_OBJECT && field.apiName !== JUNCTION_FIELDS.opportunity,
  );

  it.each([
    ['PartnerLoop_Seller', false],
    ['PartnerLoop_Admin', true],
  ] as const)(
    'given %s, when read, then it grants the class, the principal, the junction and the PL fields',
    (name, edits) => {
      const root = parse(join(DEFAULT_DIR, 'permissionsets', `${name}.permissionset-meta.xml`));
      const classAccess = children(root, 'classAccesses').map((access) => [
        textOf(access, 'apexClass'),
        textOf(access, 'enabled'),
      ]);
      expect(classAccess).toEqual([['PartnerLoopCardController', 'true']]);
      const principals = children(root, 'externalCredentialPrincipalAccesses').map((access) => [
        textOf(access, 'externalCredentialPrincipal'),
        textOf(access, 'enabled'),
      ]);
      expect(principals).toEqual([[`PartnerLoop-${principalName}`, 'true']]);
      const objects = children(root, 'objectPermissions').map((permission) =>
        Object.fromEntries(permission.children.map((child) => [child.name, child.text.trim()])),
      );
      expect(objects).toEqual([
        {
          allowCreate: 'true',
          allowDelete: 'true',
          allowEdit: 'true',
          allowRead: 'true',
          modifyAllRecords: 'false',
          object: JUNCTION_OBJECT,
          viewAllRecords: 'false',
        },
      ]);
      const fields = new Map(
        children(root, 'fieldPermissions').map((permission) => [
          textOf(permission, 'field'),
          { readable: textOf(permission, 'readable'), editable: textOf(permission, 'editable') },
        ]),
      );
      const expected = new Map([
        ...catalogueFields.map((field) => [field.fullName, { readable: 'true', editable: String(edits) }] as const),
        ...junctionFields.map((field) => [field.fullName, { readable: 'true', editable: 'true' }] as const),
      ]);
      expect(Object.fromEntries(fields)).toEqual(Object.fromEntries(expected));
    },
  );

  it('given the FlexiPage, when read, then it is an Opportunity record page holding the partner card', () => {
    const flexiPage = xmlFiles.filter((file) => file.endsWith('.flexipage-meta.xml'));
    expect(flexiPage.map((file) => basename(file))).toEqual(['PartnerLoop_Opportunity_Record_Page.flexipage-meta.xml']);
    const root = parse(flexiPage[0] ?? '');
    expect(textOf(root, 'type')).toBe('RecordPage');
    expect(textOf(root, 'sobjectType')).toBe('Opportunity');
    const components = children(root, 'flexiPageRegions').flatMap((region) =>
      children(region, 'itemInstances').flatMap((item) =>
        children(item, 'componentInstance').map((instance) => textOf(instance, 'componentName')),
      ),
    );
    expect(components).toContain('partnerCard');
  });
});
