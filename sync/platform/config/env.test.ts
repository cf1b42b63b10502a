import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/shared/errors.ts';
import { describeConfig, ENV_VARIABLES, loadConfig } from './env.ts';

const KEY = Buffer.alloc(32, 3).toString('base64');
const production = { HUBSPOT_CLIENT_ID: 'cid', HUBSPOT_CLIENT_SECRET: 'shh-secret', TOKEN_ENCRYPTION_KEY: KEY };

function problems(env: NodeJS.ProcessEnv, sandbox = false): string[] {
  try {
    loadConfig(env, { sandbox });
  } catch (error) {
    if (error instanceof ConfigError) return error.details as string[];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('given an empty environment in sandbox mode, then every default of SPEC §4.2 applies', () => {
    const config = loadConfig({}, { sandbox: true });
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      dataDir: './data',
      hubspot: { apiBaseUrl: 'https://api.hubapi.com' },
      salesforce: { loginUrl: 'https://login.salesforce.com' },
      tokenEncryptionKey: undefined,
      logLevel: 'info',
      sandbox: true,
    });
  });

  it('given PORT only, then PUBLIC_URL follows it; an explicit PUBLIC_URL loses its trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }, { sandbox: true }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://pl.example.com/' }, { sandbox: true }).publicUrl).toBe(
      'https://pl.example.com',
    );
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['PORT not a number', { PORT: 'abc' }, 'PORT must be an integer 0-65535'],
    ['PORT too large', { PORT: '70000' }, 'PORT must be an integer 0-65535'],
    ['PUBLIC_URL not a URL', { PUBLIC_URL: 'localhost' }, 'PUBLIC_URL must be an http(s) URL'],
    [
      'DATABASE_URL not postgres',
      { DATABASE_URL: 'mysql://x' },
      'DATABASE_URL must start with postgres:// or postgresql://',
    ],
    [
      'short key',
      { TOKEN_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') },
      'TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)',
    ],
    [
      'unknown log level',
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    ['API base not http', { HUBSPOT_API_BASE_URL: 'ftp://x' }, 'HUBSPOT_API_BASE_URL must be an http(s) URL'],
  ])('given %s, then loading fails with that message', (_name, env, message) => {
    expect(problems(env, true)).toEqual([message]);
  });

  it('given several bad variables, then one error lists every one of them in a single line', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', DATABASE_URL: 'x' }, { sandbox: true })).toThrow(
      /^invalid environment: PORT must be an integer 0-65535; DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/; LOG_LEVEL must be one of .*$/,
    );
  });

  it('given production mode without credentials, then the key, client id and secret are reported missing', () => {
    expect(problems({})).toEqual([
      'TOKEN_ENCRYPTION_KEY is required outside sandbox mode',
      'HUBSPOT_CLIENT_ID is required outside sandbox mode',
      'HUBSPOT_CLIENT_SECRET is required outside sandbox mode',
    ]);
    expect(loadConfig(production, { sandbox: false }).tokenEncryptionKey).toEqual(Buffer.alloc(32, 3));
  });

  it('given production mode with a Salesforce connected app and no HubSpot app, then it loads (a Salesforce-only service)', () => {
    const salesforceOnly = {
      TOKEN_ENCRYPTION_KEY: KEY,
      SALESFORCE_CLIENT_ID: 'sf-id',
      SALESFORCE_CLIENT_SECRET: 'sf-secret',
    };
    expect(problems(salesforceOnly)).toEqual([]);
    expect(problems({ ...salesforceOnly, SALESFORCE_CLIENT_SECRET: undefined })).toEqual([
      'HUBSPOT_CLIENT_ID is required outside sandbox mode',
      'HUBSPOT_CLIENT_SECRET is required outside sandbox mode',
    ]);
  });

  it('given secrets, when the config is described for logs, then none of them appear', () => {
    const config = loadConfig(
      { ...production, DATABASE_URL: 'postgres://app:pg-password@db:5432/pl', SALESFORCE_CLIENT_SECRET: 'sf-secret' },
      { sandbox: false },
    );
    const shown = JSON.stringify(describeConfig(config));
    for (const secret of ['shh-secret', 'pg-password', 'sf-secret', KEY]) expect(shown).not.toContain(secret);
    expect(describeConfig(config)).toMatchObject({
      hubspotClientSecret: '***',
      tokenEncryptionKey: '***',
      database: 'postgres://app:***@db:5432/pl',
    });
  });

  it('given the documented variables, then they are exactly those of SPEC §4.2 plus DATA_DIR and the programme identities', () => {
    expect(Object.keys(ENV_VARIABLES).sort()).toEqual(
      [
        'PORT',
        'PUBLIC_URL',
        'DATABASE_URL',
        'DATA_DIR',
        'HUBSPOT_CLIENT_ID',
        'HUBSPOT_CLIENT_SECRET',
        'HUBSPOT_APP_ID',
        'HUBSPOT_API_BASE_URL',
        'SALESFORCE_CLIENT_ID',
        'SALESFORCE_CLIENT_SECRET',
        'SALESFORCE_LOGIN_URL',
        'TOKEN_ENCRYPTION_KEY',
        'LOG_LEVEL',
        // PartnerLoop's own identities at the cloud programmes (SPEC §2.7), all optional.
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'MICROSOFT_CLIENT_ID',
        'MICROSOFT_CLIENT_SECRET',
      ].sort(),
    );
  });
});
