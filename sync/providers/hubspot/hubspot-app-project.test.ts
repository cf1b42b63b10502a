import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../../sandbox/hubspot/oauth.ts';
import { COMPANY_READ_PROPERTIES, DEAL_READ_PROPERTIES } from '../../../src/crm/hubspot/hubspot-mapping.ts';
import { ConfigError } from '../../../src/shared/errors.ts';
import {
  buildHubSpotAppProject,
  type HubSpotAppProjectFiles,
  hubSpotAppProjectPaths,
  loadHubSpotAppProject,
  readHubSpotAppProject,
  resolveProfileVariables,
} from './hubspot-app-project.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROFILES = ['local', 'production'] as const;

/** Deal properties we read but do not subscribe to, and why (docs/BEHAVIOR.md, "HubSpot developer project"). */
const DEAL_PROPERTIES_NOT_SUBSCRIBED: Readonly<Record<string, string>> = {
  hs_lastmodifieddate: 'moves on every write, ours included: subscribing would echo every write back',
  hs_is_closed: 'computed by HubSpot from dealstage, which is subscribed',
  hs_is_closed_won: 'computed by HubSpot from dealstage, which is subscribed',
  createdate: 'set when the deal is created; the creation event covers it',
};

/** Objects the app writes (records, properties, association labels); any other `.write` scope is too much. */
const WRITTEN_OBJECTS = new Set(['deals', 'companies']);

function rawFiles(profile = 'local'): HubSpotAppProjectFiles {
  const paths = hubSpotAppProjectPaths(profile);
  const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
  return { app: read(paths.app), webhooks: read(paths.webhooks), card: read(paths.card), profile: read(paths.profile) };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `${NAME}`, HubSpot's config-profile placeholder (built here so it is not mistaken for a template typo). */
const placeholder = (name: string): string => `\${${name}}`;

/** A deep copy of the real files with the value at a dotted path replaced (`undefined` deletes it). */
function edited(at: string, value: Json | undefined): HubSpotAppProjectFiles {
  const files = structuredClone(rawFiles()) as unknown as { [key: string]: Json };
  const keys = at.split('.');
  const last = keys.pop() ?? '';
  let node: Json | undefined = files;
  for (const key of keys) node = (node as { [key: string]: Json })[key];
  const parent = node as { [key: string]: Json };
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return files as unknown as HubSpotAppProjectFiles;
}

function behaviorSection(): string {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'BEHAVIOR.md'), 'utf8');
  const start = text.indexOf('## HubSpot developer project (extensions/)');
  expect(start).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next === -1 ? undefined : next);
}

describe('HubSpot developer project files', () => {
  it.each(PROFILES)(
    'given the %s profile, when the project is loaded, then every file parses against the documented shape',
    (profile) => {
      const project = loadHubSpotAppProject({ profile });
      expect(project.profile).toBe(profile);
      expect(project.distribution).toBe('marketplace');
      expect(project.resolved.app.config.auth.type).toBe('oauth');
      expect(project.card).toEqual({
        location: 'crm.record.tab',
        objectTypes: ['deals'],
        entrypoint: '/app/cards/PartnerCard.tsx',
      });
      expect(project.webhookMaxConcurrentRequests).toBeGreaterThan(0);
    },
  );

  it('given no profile name, when the project is loaded, then the local profile is used and the result is cached', () => {
    expect(loadHubSpotAppProject()).toBe(loadHubSpotAppProject({ profile: 'local' }));
  });

  describe('given a process started in another directory', () => {
    const cwd = process.cwd();
    afterEach(() => process.chdir(cwd));

    it('when the project is read, then the files are found relative to the module', () => {
      process.chdir(tmpdir());
      const project = readHubSpotAppProject('production');
      expect(project.uid).toBe('partnerloop_app');
      expect(hubSpotAppProjectPaths('production').srcDir).toBe(path.join(REPO_ROOT, 'extensions'));
    });
  });

  it.each<[string, string, Json | undefined, RegExp]>([
    ['distribution is not a documented value', 'app.config.distribution', 'public', /distribution/],
    ['auth type is not a documented value', 'app.config.auth.type', 'apikey', /auth\.type/],
    [
      'a marketplace app uses static auth',
      'app.config.auth.type',
      'static',
      /marketplace app must use auth.type "oauth"/,
    ],
    ['the card location is unknown', 'card.config.location', 'crm.record.footer', /location/],
    ['the card names an unsupported object type', 'card.config.objectTypes', ['leads'], /objectTypes/],
    ['the card entrypoint is outside app/cards', 'card.config.entrypoint', 'PartnerCard.tsx', /entrypoint/],
    ['a file has an undocumented top-level field', 'app.version', 2, /version|Unrecognized/],
    ['the app uid has a space', 'app.uid', 'partner loop', /uid/],
    ['two components share a uid', 'card.uid', 'partnerloop_app', /distinct/],
    [
      'a property change subscription has no property',
      'webhooks.config.subscriptions.crmObjects.4.propertyName',
      undefined,
      /propertyName/,
    ],
    [
      'a subscription names an object the way our code does, not HubSpot',
      'webhooks.config.subscriptions.crmObjects.0.objectType',
      'deals',
      /objectType/,
    ],
    ['the fetch origin has a path', 'app.config.permittedUrls.fetch', ['https://x.example.com/api'], /fetch/],
    ['the fetch origin is localhost', 'app.config.permittedUrls.fetch', ['https://localhost'], /fetch/],
    ['the webhook target is plain http', 'webhooks.config.settings.targetUrl', 'http://x.example.com/w', /targetUrl/],
    ['a placeholder names no profile variable', 'profile.variables', {}, /SERVICE_ORIGIN/],
    ['a profile variable is an object', 'profile.variables.SERVICE_ORIGIN', { a: 1 }, /variables/],
  ])('given %s, when the project is built, then it is rejected', (_name, at, value, message) => {
    expect(() => buildHubSpotAppProject(edited(at, value), 'local')).toThrow(ConfigError);
    expect(() => buildHubSpotAppProject(edited(at, value), 'local')).toThrow(message);
  });

  it('given the property change subscription the table edits, when reading it, then it is a property change', () => {
    const files = rawFiles() as unknown as { webhooks: { config: { subscriptions: { crmObjects: Json[] } } } };
    expect(files.webhooks.config.subscriptions.crmObjects[4]).toMatchObject({
      subscriptionType: 'object.propertyChange',
    });
  });
});

describe('scopes', () => {
  const project = loadHubSpotAppProject();
  const all = [...project.requiredScopes, ...project.optionalScopes];

  it('given the app config, when listing required scopes, then they are exactly the minimal set', () => {
    expect([...project.requiredScopes].sort()).toEqual(
      [
        'crm.objects.companies.read',
        'crm.objects.companies.write',
        'crm.objects.deals.read',
        'crm.objects.deals.write',
        'crm.schemas.companies.write',
        'crm.schemas.deals.write',
        'oauth',
        'settings.users.read',
      ].sort(),
    );
    expect(project.optionalScopes).toEqual(['crm.objects.owners.read']);
  });

  it.each([
    ['contacts', (scope: string) => /contacts/.test(scope)],
    ['tickets', (scope: string) => /tickets/.test(scope)],
    [
      'a write scope on an object we never write',
      (scope: string) => {
        const match = /^crm\.(objects|schemas)\.([a-z_]+)\.write$/.exec(scope);
        return match !== null && !WRITTEN_OBJECTS.has(match[2] ?? '');
      },
    ],
    [
      'a schema read scope (object read scopes already cover property and label reads)',
      (s: string) => /^crm\.schemas\..*\.read$/.test(s),
    ],
    ['a sensitive-data scope', (scope: string) => /sensitive/.test(scope)],
  ])('given the requested scopes, when looking for %s, then there is none', (_name, forbidden) => {
    expect(all.filter(forbidden)).toEqual([]);
  });

  it('given each requested scope, when reading docs/BEHAVIOR.md, then the scope is justified there', () => {
    const section = behaviorSection();
    for (const scope of all) expect(section, scope).toContain(`\`${scope}\``);
  });

  it('given the sandbox, when it grants default scopes, then they are the app scopes (one source of truth)', () => {
    expect([...DEFAULT_SCOPES].sort()).toEqual([...all].sort());
  });
});

describe('URLs', () => {
  it.each(PROFILES)(
    'given the %s profile, when reading URLs, then they all point at the profile service origin',
    (profile) => {
      const project = loadHubSpotAppProject({ profile });
      const origin = String(project.variables.SERVICE_ORIGIN);
      expect(new URL(origin).origin).toBe(origin);

      expect(project.redirectUrls).toHaveLength(1);
      const redirect = new URL(project.redirectUrls[0] ?? '');
      expect(redirect.origin).toBe(origin);
      expect(redirect.pathname).toBe('/oauth/hubspot/callback');

      const target = new URL(project.webhookTargetUrl);
      expect(target.origin).toBe(origin);
      expect(target.pathname).toBe('/webhooks/hubspot');

      expect(project.permittedFetchUrls).toContain(origin);
    },
  );

  it('given the raw files, when reading them, then the origin is a profile placeholder, not a literal', () => {
    const { raw } = loadHubSpotAppProject();
    expect(JSON.stringify(raw.app)).toContain(`${placeholder('SERVICE_ORIGIN')}/oauth/hubspot/callback`);
    expect(JSON.stringify(raw.webhooks)).toContain(`${placeholder('SERVICE_ORIGIN')}/webhooks/hubspot`);
  });

  it('given the production profile, when reading the origin, then it is the documented production origin', () => {
    expect(loadHubSpotAppProject({ profile: 'production' }).variables.SERVICE_ORIGIN).toBe(
      'https://partnerloop.example.com',
    );
  });
});

describe('card', () => {
  it('given the card config, when resolving its entrypoint against srcDir, then it is PartnerCard.tsx and exists', () => {
    const project = loadHubSpotAppProject();
    expect(path.basename(project.card.entrypoint)).toBe('PartnerCard.tsx');
    const { srcDir } = hubSpotAppProjectPaths('local');
    expect(existsSync(path.join(srcDir, project.card.entrypoint))).toBe(true);
  });

  it('given the cards directory, when HubSpot builds it, then a package.json pins the card dependencies', () => {
    const { srcDir } = hubSpotAppProjectPaths('local');
    const pkg = JSON.parse(readFileSync(path.join(srcDir, 'app', 'cards', 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({ '@hubspot/ui-extensions': '0.17.0', react: '18.3.1' });
  });
});

describe('webhook subscriptions', () => {
  const { subscriptions } = loadHubSpotAppProject();
  const propertyNames = (objectType: string) =>
    subscriptions
      .filter((s) => s.objectType === objectType && s.eventType === 'propertyChange')
      .map((s) => s.propertyName);
  const events = (objectType: string) =>
    subscriptions
      .filter((s) => s.objectType === objectType && s.eventType !== 'propertyChange')
      .map((s) => s.eventType);

  it.each([
    ['deals', DEAL_READ_PROPERTIES as readonly string[]],
    ['companies', COMPANY_READ_PROPERTIES as readonly string[]],
  ])(
    'given the %s property subscriptions, when compared with what we read, then each names a property we read',
    (objectType, read) => {
      for (const name of propertyNames(objectType)) expect(read, String(name)).toContain(name);
    },
  );

  it('given the deal properties we read, when one can change, then it is subscribed', () => {
    const subscribed = new Set(propertyNames('deals'));
    const expected = DEAL_READ_PROPERTIES.filter((name) => !(name in DEAL_PROPERTIES_NOT_SUBSCRIBED));
    expect(expected.filter((name) => !subscribed.has(name))).toEqual([]);
  });

  it.each(Object.entries(DEAL_PROPERTIES_NOT_SUBSCRIBED))(
    'given %s, when listing deal subscriptions, then it is not subscribed (%s)',
    (name) => {
      expect(DEAL_READ_PROPERTIES as readonly string[]).toContain(name);
      expect(propertyNames('deals')).not.toContain(name);
    },
  );

  it('given the company subscriptions, when listing property changes, then exactly the partner-relevant ones are there', () => {
    expect(propertyNames('companies').sort()).toEqual(['domain', 'name', 'pl_is_partner', 'pl_partner_type', 'region']);
  });

  it.each([
    ['deals', ['creation', 'deletion', 'merge', 'associationChange']],
    ['companies', ['creation', 'deletion', 'merge']],
  ])('given the %s subscriptions, when listing lifecycle events, then they are %j', (objectType, expected) => {
    expect(events(objectType).sort()).toEqual([...expected].sort());
  });

  it('given all subscriptions, when looking for duplicates, then each is listed once', () => {
    const keys = subscriptions.map((s) => `${s.objectType}.${s.eventType}.${s.propertyName ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('resolveProfileVariables', () => {
  const variables = { ORIGIN: 'https://a.example.com', PORT: 8443, ON: true };

  it.each<[string, Json, Json]>([
    ['a whole-string placeholder keeps the variable type', placeholder('PORT'), 8443],
    ['a boolean placeholder stays boolean', placeholder('ON'), true],
    [
      'placeholders inside text are interpolated',
      `${placeholder('ORIGIN')}:${placeholder('PORT')}/x`,
      'https://a.example.com:8443/x',
    ],
    ['text without placeholders is unchanged', 'plain', 'plain'],
    ['arrays are walked', [placeholder('ORIGIN'), 'x'], ['https://a.example.com', 'x']],
    ['objects are walked', { a: { b: `${placeholder('ORIGIN')}/cb` } }, { a: { b: 'https://a.example.com/cb' } }],
    ['numbers and null pass through', [1, null], [1, null]],
  ])('given %s, when resolved, then the value is filled', (_name, input, expected) => {
    expect(resolveProfileVariables(input, variables, 'test')).toEqual(expected);
  });

  it('given a placeholder with no variable, when resolved, then it fails naming the variable', () => {
    expect(() => resolveProfileVariables(`${placeholder('MISSING')}/x`, variables, 'test.json')).toThrow(/MISSING/);
  });
});
