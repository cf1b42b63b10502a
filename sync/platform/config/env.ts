import { z } from 'zod';
import { ConfigError } from '../../../src/shared/errors.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const urlText = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), `${what} must be an http(s) URL`)
    .transform((v) => v.replace(/\/+$/, ''));

/**
 * The whole environment of SPEC §4.2, each variable described. Parsed once at start by `loadConfig`.
 * `secret: true` marks values that are masked whenever the config is shown or logged.
 */
export const ENV_VARIABLES = {
  PORT: { description: 'HTTP port of the service', default: '3000', secret: false },
  PUBLIC_URL: {
    description: 'Origin HubSpot signs requests against (signature v3 URI)',
    default: 'http://localhost:$PORT',
    secret: false,
  },
  DATABASE_URL: {
    description: 'postgres://… for a real Postgres; unset = embedded PGlite under DATA_DIR',
    default: '(unset)',
    secret: true,
  },
  DATA_DIR: { description: 'Where embedded data (PGlite, sandbox dev key) lives', default: './data', secret: false },
  HUBSPOT_CLIENT_ID: { description: 'HubSpot app OAuth client id', default: '(unset)', secret: false },
  HUBSPOT_CLIENT_SECRET: {
    description: 'HubSpot app client secret; also the webhook/request signature key',
    default: '(unset)',
    secret: true,
  },
  HUBSPOT_APP_ID: { description: 'HubSpot app id', default: '(unset)', secret: false },
  HUBSPOT_API_BASE_URL: {
    description: 'HubSpot API origin; the sandbox and tests point it at loopback',
    default: 'https://api.hubapi.com',
    secret: false,
  },
  SALESFORCE_CLIENT_ID: { description: 'Salesforce connected-app consumer key', default: '(unset)', secret: false },
  SALESFORCE_CLIENT_SECRET: {
    description: 'Salesforce connected-app consumer secret',
    default: '(unset)',
    secret: true,
  },
  SALESFORCE_LOGIN_URL: {
    description: 'Salesforce login origin',
    default: 'https://login.salesforce.com',
    secret: false,
  },
  AWS_ACCESS_KEY_ID: {
    description:
      "PartnerLoop's own AWS identity, used only to assume customers' Partner Central roles (STS AssumeRole); unset = the AWS SDK's default chain (instance or task role)",
    default: '(unset)',
    secret: false,
  },
  AWS_SECRET_ACCESS_KEY: { description: 'Secret of AWS_ACCESS_KEY_ID', default: '(unset)', secret: true },
  MICROSOFT_CLIENT_ID: {
    description:
      "PartnerLoop's Entra ID app (multi-tenant) that signs in to a partner's tenant for Partner Center referrals",
    default: '(unset)',
    secret: false,
  },
  MICROSOFT_CLIENT_SECRET: { description: 'Client secret of MICROSOFT_CLIENT_ID', default: '(unset)', secret: true },
  TOKEN_ENCRYPTION_KEY: {
    description: '32 random bytes, base64; encrypts CRM tokens at rest (required outside sandbox mode)',
    default: '(unset; sandbox mode keeps a generated dev key in DATA_DIR)',
    secret: true,
  },
  LOG_LEVEL: { description: `One of ${LOG_LEVELS.join(', ')}`, default: 'info', secret: false },
} as const satisfies Record<string, { description: string; default: string; secret: boolean }>;

export type EnvName = keyof typeof ENV_VARIABLES;

const envSchema = z.object({
  PORT: z.coerce
    .number({ message: 'PORT must be an integer 0-65535' })
    .int('PORT must be an integer 0-65535')
    .min(0, 'PORT must be an integer 0-65535')
    .max(65535, 'PORT must be an integer 0-65535')
    .default(3000),
  PUBLIC_URL: urlText('PUBLIC_URL').optional(),
  DATABASE_URL: optionalText.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    'DATABASE_URL must start with postgres:// or postgresql://',
  ),
  DATA_DIR: optionalText.transform((v) => v ?? './data'),
  HUBSPOT_CLIENT_ID: optionalText,
  HUBSPOT_CLIENT_SECRET: optionalText,
  HUBSPOT_APP_ID: optionalText,
  HUBSPOT_API_BASE_URL: urlText('HUBSPOT_API_BASE_URL').default('https://api.hubapi.com'),
  SALESFORCE_CLIENT_ID: optionalText,
  SALESFORCE_CLIENT_SECRET: optionalText,
  SALESFORCE_LOGIN_URL: urlText('SALESFORCE_LOGIN_URL').default('https://login.salesforce.com'),
  AWS_ACCESS_KEY_ID: optionalText,
  AWS_SECRET_ACCESS_KEY: optionalText,
  MICROSOFT_CLIENT_ID: optionalText,
  MICROSOFT_CLIENT_SECRET: optionalText,
  TOKEN_ENCRYPTION_KEY: optionalText.refine(
    (v) => v === undefined || (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32),
    'TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export interface Config {
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  hubspot: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    appId: string | undefined;
    apiBaseUrl: string;
  };
  salesforce: { clientId: string | undefined; clientSecret: string | undefined; loginUrl: string };
  /** PartnerLoop's own AWS identity for assuming customer roles; undefined = the SDK's default chain. */
  aws: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** PartnerLoop's Entra app for Microsoft Partner Center; undefined = Microsoft cannot be connected (but in sandbox). */
  microsoft: { clientId: string; clientSecret: string } | undefined;
  /** Decoded TOKEN_ENCRYPTION_KEY; undefined only in sandbox mode (a dev key is then kept in DATA_DIR). */
  tokenEncryptionKey: Buffer | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  sandbox: boolean;
}

/**
 * Validates the environment once. Every bad variable is reported in one ConfigError message, e.g.
 * `invalid environment: PORT must be an integer 0-65535; TOKEN_ENCRYPTION_KEY is required outside sandbox mode`.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: { sandbox: boolean }): Config {
  const known: Record<string, string | undefined> = {};
  for (const name of Object.keys(ENV_VARIABLES)) known[name] = env[name] === '' ? undefined : env[name];
  const parsed = envSchema.safeParse(known);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
      });
  if (parsed.success && !options.sandbox) {
    const data = parsed.data;
    if (!data.TOKEN_ENCRYPTION_KEY) problems.push('TOKEN_ENCRYPTION_KEY is required outside sandbox mode');
    // One CRM app at least: HubSpot's, unless a Salesforce connected app is configured (a Salesforce-only service).
    const salesforceOnly = Boolean(data.SALESFORCE_CLIENT_ID && data.SALESFORCE_CLIENT_SECRET);
    if (!salesforceOnly) {
      if (!data.HUBSPOT_CLIENT_ID) problems.push('HUBSPOT_CLIENT_ID is required outside sandbox mode');
      if (!data.HUBSPOT_CLIENT_SECRET) problems.push('HUBSPOT_CLIENT_SECRET is required outside sandbox mode');
    }
  }
  if (
    parsed.success &&
    (parsed.data.AWS_ACCESS_KEY_ID === undefined) !== (parsed.data.AWS_SECRET_ACCESS_KEY === undefined)
  ) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together');
  }
  if (
    parsed.success &&
    (parsed.data.MICROSOFT_CLIENT_ID === undefined) !== (parsed.data.MICROSOFT_CLIENT_SECRET === undefined)
  ) {
    problems.push('MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET go together');
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`, { details: problems });
  }
  const data = parsed.data;
  return {
    port: data.PORT,
    publicUrl: data.PUBLIC_URL ?? `http://localhost:${data.PORT}`,
    databaseUrl: data.DATABASE_URL,
    dataDir: data.DATA_DIR,
    hubspot: {
      clientId: data.HUBSPOT_CLIENT_ID,
      clientSecret: data.HUBSPOT_CLIENT_SECRET,
      appId: data.HUBSPOT_APP_ID,
      apiBaseUrl: data.HUBSPOT_API_BASE_URL,
    },
    salesforce: {
      clientId: data.SALESFORCE_CLIENT_ID,
      clientSecret: data.SALESFORCE_CLIENT_SECRET,
      loginUrl: data.SALESFORCE_LOGIN_URL,
    },
    aws:
      data.AWS_ACCESS_KEY_ID && data.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: data.AWS_ACCESS_KEY_ID, secretAccessKey: data.AWS_SECRET_ACCESS_KEY }
        : undefined,
    microsoft:
      data.MICROSOFT_CLIENT_ID && data.MICROSOFT_CLIENT_SECRET
        ? { clientId: data.MICROSOFT_CLIENT_ID, clientSecret: data.MICROSOFT_CLIENT_SECRET }
        : undefined,
    tokenEncryptionKey: data.TOKEN_ENCRYPTION_KEY ? Buffer.from(data.TOKEN_ENCRYPTION_KEY, 'base64') : undefined,
    logLevel: data.LOG_LEVEL,
    sandbox: options.sandbox,
  };
}

/** A loggable view of the config: secrets replaced by `***` (or `(unset)`), URLs stripped of credentials. */
export function describeConfig(config: Config): Record<string, string | number | boolean> {
  const mask = (value: unknown) => (value === undefined ? '(unset)' : '***');
  return {
    port: config.port,
    publicUrl: config.publicUrl,
    database: config.databaseUrl ? maskUrl(config.databaseUrl) : `pglite:${config.dataDir}`,
    hubspotClientId: config.hubspot.clientId ?? '(unset)',
    hubspotClientSecret: mask(config.hubspot.clientSecret),
    hubspotAppId: config.hubspot.appId ?? '(unset)',
    hubspotApiBaseUrl: config.hubspot.apiBaseUrl,
    salesforceClientId: config.salesforce.clientId ?? '(unset)',
    salesforceClientSecret: mask(config.salesforce.clientSecret),
    salesforceLoginUrl: config.salesforce.loginUrl,
    awsAccessKeyId: config.aws?.accessKeyId ?? '(default chain)',
    awsSecretAccessKey: mask(config.aws?.secretAccessKey),
    microsoftClientId: config.microsoft?.clientId ?? '(unset)',
    microsoftClientSecret: mask(config.microsoft?.clientSecret),
    tokenEncryptionKey: mask(config.tokenEncryptionKey),
    logLevel: config.logLevel,
    sandbox: config.sandbox,
  };
}

export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '***';
  }
}
