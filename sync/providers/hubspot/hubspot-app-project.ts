import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../../src/shared/errors.ts';

/**
 * The HubSpot developer project (platform 2026.03) as the service sees it: `hsproject.json` → `srcDir` →
 * `app/app-hsmeta.json`, `app/webhooks/webhooks-hsmeta.json`, `app/cards/partner-card-hsmeta.json`, plus the config
 * profile `hsprofile.<name>.json` whose variables fill the `${…}` placeholders. Everything HubSpot is told at
 * `hs project upload` time (scopes, redirect URL, permitted fetch origin, webhook target and subscriptions) lives in
 * those files only; the OAuth install route reads `requiredScopes` from here so the two cannot drift.
 * Quirks and sources: docs/BEHAVIOR.md, "HubSpot developer project (extensions/)".
 */

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const DEFAULT_PROFILE = 'local';

export type SubscribedObjectType = 'deals' | 'companies';
export type SubscribedEventType = 'creation' | 'deletion' | 'propertyChange' | 'merge' | 'associationChange';

export interface HubSpotAppSubscription {
  objectType: SubscribedObjectType;
  eventType: SubscribedEventType;
  propertyName?: string;
}

// --- schemas (the documented shape; strict so a typo fails here instead of at upload) -------------------------

/** uid: ≤ 64 characters of letters, digits, `_`, `-`, `.` (app configuration reference; project-parsing-lib `uid.js`). */
const uidSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'uid: 1–64 characters of A–Z a–z 0–9 _ - .');

/** Profile variables may be strings, numbers or booleans (project-parsing-lib `profiles.js`). */
const profileSchema = z.strictObject({
  accountId: z.number().int().nonnegative(),
  variables: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type HubSpotProfileFile = z.infer<typeof profileSchema>;

const hsprojectSchema = z.object({
  name: z.string().min(1),
  srcDir: z.string().min(1),
  platformVersion: z.string().min(1),
});

const httpsUrl = z.url({ protocol: /^https$/ });
/** HubSpot accepts http://localhost redirect URLs for development; everything else must be https. */
const redirectUrl = z.url({ protocol: /^https?$/ }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || url.hostname === 'localhost';
}, 'redirect URLs must be https (http only for localhost)');
/** permittedUrls.fetch: an https origin, never localhost (fetching-data guide, "Specify URLs to fetch from"). */
const fetchOrigin = httpsUrl.refine((value) => {
  const url = new URL(value);
  return url.hostname !== 'localhost' && value === url.origin;
}, 'permittedUrls.fetch entries must be https origins (no path, no localhost)');
const scope = z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'scope names are lower-case dotted identifiers');

export const appFileSchema = z.strictObject({
  uid: uidSchema,
  type: z.literal('app'),
  config: z.strictObject({
    name: z
      .string()
      .min(1)
      .max(200)
      .refine((value) => value.trim() === value, 'name must not start or end with whitespace'),
    description: z.string().min(1).max(8192),
    distribution: z.enum(['marketplace', 'private']),
    auth: z.strictObject({
      type: z.enum(['oauth', 'static']),
      redirectUrls: z.array(redirectUrl).min(1),
      requiredScopes: z.array(scope).min(1),
      optionalScopes: z.array(scope),
      conditionallyRequiredScopes: z.array(scope),
    }),
    permittedUrls: z.strictObject({
      fetch: z.array(fetchOrigin),
      iframe: z.array(httpsUrl),
      img: z.array(httpsUrl),
    }),
    support: z.strictObject({
      supportEmail: z.email(),
      documentationUrl: httpsUrl,
      supportUrl: httpsUrl.optional(),
      supportPhone: z.string().optional(),
    }),
  }),
});
export type AppFile = z.infer<typeof appFileSchema>;

/** HubSpot's singular object names in `crmObjects[].objectType` → the plural names the rest of the service uses. */
const OBJECT_TYPES = { deal: 'deals', company: 'companies' } as const satisfies Record<string, SubscribedObjectType>;

const crmObjectSubscription = z
  .strictObject({
    subscriptionType: z.enum([
      'object.creation',
      'object.deletion',
      'object.propertyChange',
      'object.merge',
      'object.associationChange',
    ]),
    objectType: z.enum(['deal', 'company']),
    propertyName: z.string().min(1).optional(),
    active: z.boolean(),
  })
  .refine(
    (subscription) =>
      (subscription.subscriptionType === 'object.propertyChange') === (subscription.propertyName !== undefined),
    'propertyName is required for object.propertyChange and only allowed there',
  );

export const webhooksFileSchema = z.strictObject({
  uid: uidSchema,
  type: z.literal('webhooks'),
  config: z.strictObject({
    settings: z.strictObject({
      targetUrl: httpsUrl,
      maxConcurrentRequests: z.number().int().positive(),
    }),
    subscriptions: z.strictObject({
      crmObjects: z.array(crmObjectSubscription).min(1),
      legacyCrmObjects: z.array(z.unknown()).max(0).optional(),
      hubEvents: z.array(z.unknown()).max(0).optional(),
    }),
  }),
});
export type WebhooksFile = z.infer<typeof webhooksFileSchema>;

export const cardFileSchema = z.strictObject({
  uid: uidSchema,
  type: z.literal('card'),
  config: z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    location: z.enum(['crm.record.tab', 'crm.record.sidebar', 'crm.preview', 'helpdesk.sidebar']),
    entrypoint: z.string().regex(/^\/app\/cards\/[^/]+\.(jsx|tsx)$/, 'entrypoint: /app/cards/<Component>.jsx|tsx'),
    objectTypes: z.array(z.enum(['contacts', 'companies', 'deals', 'tickets'])).min(1),
  }),
});
export type CardFile = z.infer<typeof cardFileSchema>;

/** Before variables are resolved the files are JSON with `uid`/`type`/`config`; HubSpot allows nothing else at the top. */
const rawFileSchema = z.strictObject({ uid: z.string(), type: z.string(), config: z.unknown() });
type RawFile = z.infer<typeof rawFileSchema>;

// --- config-profile variables ---------------------------------------------------------------------------------

export type ProfileVariables = Readonly<Record<string, string | number | boolean>>;

const PLACEHOLDER = /\$\{(.*?)\}/g;
const SINGLE_PLACEHOLDER = /^\$\{([^}]+)\}$/;

function variable(variables: ProfileVariables, name: string, where: string): string | number | boolean {
  const value = variables[name];
  if (value === undefined) throw new ConfigError(`${where}: profile variable \${${name}} is not defined`);
  return value;
}

/**
 * Fills `${NAME}` placeholders the way the HubSpot CLI does at build time (project-parsing-lib `profiles.js`): a
 * string that is exactly one placeholder takes the variable's own type; otherwise every placeholder is interpolated
 * as text; arrays and objects are walked; other values are kept. An undefined variable is an error, as in the CLI.
 */
export function resolveProfileVariables(value: unknown, variables: ProfileVariables, where: string): unknown {
  if (typeof value === 'string') {
    const single = SINGLE_PLACEHOLDER.exec(value);
    if (single?.[1] !== undefined) return variable(variables, single[1], where);
    return value.replace(PLACEHOLDER, (_match, name: string) => String(variable(variables, name, where)));
  }
  if (Array.isArray(value)) return value.map((item) => resolveProfileVariables(item, variables, where));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveProfileVariables(item, variables, where)]),
    );
  }
  return value;
}

/** Only `uid` and `config` are templated; `type` is taken literally (as the CLI does). */
function resolveFile(raw: RawFile, variables: ProfileVariables, where: string): unknown {
  return {
    uid: String(resolveProfileVariables(raw.uid, variables, where)),
    type: raw.type,
    config: resolveProfileVariables(raw.config, variables, where),
  };
}

// --- the typed view -------------------------------------------------------------------------------------------

export interface HubSpotAppProjectFiles {
  app: unknown;
  webhooks: unknown;
  card: unknown;
  profile: unknown;
}

export interface HubSpotAppProject {
  profile: string;
  /** The profile's target HubSpot account (0 = not configured yet; the CLI refuses to upload with it). */
  profileAccountId: number;
  variables: ProfileVariables;
  uid: string;
  distribution: AppFile['config']['distribution'];
  requiredScopes: string[];
  optionalScopes: string[];
  redirectUrls: string[];
  permittedFetchUrls: string[];
  webhookTargetUrl: string;
  webhookMaxConcurrentRequests: number;
  subscriptions: HubSpotAppSubscription[];
  card: {
    location: CardFile['config']['location'];
    objectTypes: CardFile['config']['objectTypes'];
    entrypoint: string;
  };
  /** The files as written (placeholders unresolved), for tooling and tests. */
  raw: { app: RawFile; webhooks: RawFile; card: RawFile; profile: HubSpotProfileFile };
  /** The files with the profile applied, parsed against the documented shape. */
  resolved: { app: AppFile; webhooks: WebhooksFile; card: CardFile };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`${where} is invalid: ${problems.join('; ')}`, { cause: result.error, details: problems });
}

/** Pure: validates the four files (already JSON-parsed) and builds the typed view for one profile. */
export function buildHubSpotAppProject(files: HubSpotAppProjectFiles, profileName: string): HubSpotAppProject {
  const profile = parse(profileSchema, files.profile, `hsprofile.${profileName}.json`);
  const raw = {
    app: parse(rawFileSchema, files.app, 'app-hsmeta.json'),
    webhooks: parse(rawFileSchema, files.webhooks, 'webhooks-hsmeta.json'),
    card: parse(rawFileSchema, files.card, 'partner-card-hsmeta.json'),
    profile,
  };
  const app = parse(appFileSchema, resolveFile(raw.app, profile.variables, 'app-hsmeta.json'), 'app-hsmeta.json');
  const webhooks = parse(
    webhooksFileSchema,
    resolveFile(raw.webhooks, profile.variables, 'webhooks-hsmeta.json'),
    'webhooks-hsmeta.json',
  );
  const card = parse(
    cardFileSchema,
    resolveFile(raw.card, profile.variables, 'partner-card-hsmeta.json'),
    'partner-card-hsmeta.json',
  );

  const uids = [app.uid, webhooks.uid, card.uid];
  if (new Set(uids).size !== uids.length) throw new ConfigError(`component uids must be distinct: ${uids.join(', ')}`);
  if (app.config.distribution === 'marketplace' && app.config.auth.type !== 'oauth') {
    throw new ConfigError('app-hsmeta.json: a marketplace app must use auth.type "oauth"');
  }

  const subscriptions = webhooks.config.subscriptions.crmObjects
    .filter((subscription) => subscription.active)
    .map((subscription): HubSpotAppSubscription => {
      const base = {
        objectType: OBJECT_TYPES[subscription.objectType],
        eventType: subscription.subscriptionType.slice('object.'.length) as SubscribedEventType,
      };
      return subscription.propertyName === undefined ? base : { ...base, propertyName: subscription.propertyName };
    });

  return {
    profile: profileName,
    profileAccountId: profile.accountId,
    variables: profile.variables,
    uid: app.uid,
    distribution: app.config.distribution,
    requiredScopes: [...app.config.auth.requiredScopes],
    optionalScopes: [...app.config.auth.optionalScopes],
    redirectUrls: [...app.config.auth.redirectUrls],
    permittedFetchUrls: [...app.config.permittedUrls.fetch],
    webhookTargetUrl: webhooks.config.settings.targetUrl,
    webhookMaxConcurrentRequests: webhooks.config.settings.maxConcurrentRequests,
    subscriptions,
    card: {
      location: card.config.location,
      objectTypes: [...card.config.objectTypes],
      entrypoint: card.config.entrypoint,
    },
    raw,
    resolved: { app, webhooks, card },
  };
}

// --- loading from the repository ------------------------------------------------------------------------------

export interface HubSpotAppProjectPaths {
  projectRoot: string;
  srcDir: string;
  app: string;
  webhooks: string;
  card: string;
  profile: string;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read ${file}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${file} is not valid JSON`, { cause });
  }
}

/** Where the files are, from `hsproject.json` at the repository root (resolved from this module, not the cwd). */
export function hubSpotAppProjectPaths(profileName: string, projectRoot = REPO_ROOT): HubSpotAppProjectPaths {
  if (!/^[^./\\]+$/.test(profileName)) throw new ConfigError(`invalid profile name: ${profileName}`);
  const hsproject = parse(hsprojectSchema, readJson(path.join(projectRoot, 'hsproject.json')), 'hsproject.json');
  const srcDir = path.join(projectRoot, hsproject.srcDir);
  return {
    projectRoot,
    srcDir,
    app: path.join(srcDir, 'app', 'app-hsmeta.json'),
    webhooks: path.join(srcDir, 'app', 'webhooks', 'webhooks-hsmeta.json'),
    card: path.join(srcDir, 'app', 'cards', 'partner-card-hsmeta.json'),
    // Profiles live at the top of srcDir (HubSpot CLI `hs project profile add`, project-parsing-lib `files.js`).
    profile: path.join(srcDir, `hsprofile.${profileName}.json`),
  };
}

const cache = new Map<string, HubSpotAppProject>();

/** Reads and validates the project for one profile, uncached. */
export function readHubSpotAppProject(profileName: string, projectRoot = REPO_ROOT): HubSpotAppProject {
  const paths = hubSpotAppProjectPaths(profileName, projectRoot);
  if (!existsSync(paths.profile)) throw new ConfigError(`no config profile ${paths.profile}`);
  return buildHubSpotAppProject(
    {
      app: readJson(paths.app),
      webhooks: readJson(paths.webhooks),
      card: readJson(paths.card),
      profile: readJson(paths.profile),
    },
    profileName,
  );
}

/**
 * The project for one config profile (default `local`), read and validated once per process. Synchronous so
 * module-level constants (the sandbox's default scopes) can use it.
 */
export function loadHubSpotAppProject(options: { profile?: string } = {}): HubSpotAppProject {
  const profileName = options.profile ?? DEFAULT_PROFILE;
  let project = cache.get(profileName);
  if (!project) {
    project = readHubSpotAppProject(profileName);
    cache.set(profileName, project);
  }
  return project;
}
