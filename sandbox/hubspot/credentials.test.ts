import { describe, expect, it } from 'vitest';
import { sandboxCredentialsNotice } from './credentials.ts';

const APP = {
  clientId: 'sandbox-client-id-0000',
  clientSecret: 'sandbox-client-secret-0000',
  appId: 4_242_424,
  redirectUris: [],
};

describe('sandbox mode replacing the HubSpot app from the environment', () => {
  it.each([
    { case: 'no HubSpot app variables', env: {}, names: undefined },
    { case: 'empty values', env: { HUBSPOT_CLIENT_ID: ' ', HUBSPOT_CLIENT_SECRET: '' }, names: undefined },
    {
      case: 'a client id and secret',
      env: { HUBSPOT_CLIENT_ID: 'real-id', HUBSPOT_CLIENT_SECRET: 's3cr3t-value' },
      names: 'HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET from the environment are ignored',
    },
    {
      case: 'the API base URL only',
      env: { HUBSPOT_API_BASE_URL: 'https://api.hubapi.com' },
      names: 'HUBSPOT_API_BASE_URL from the environment is ignored',
    },
  ])('given $case, when starting in sandbox mode, then the notice is $names', ({ env, names }) => {
    const notice = sandboxCredentialsNotice(env, APP);
    if (names === undefined) {
      expect(notice).toBeUndefined();
      return;
    }
    expect(notice).toContain(names);
    expect(notice).toContain('client id sandbox-client-id-0000');
    expect(notice).not.toContain('\n');
    // The secret's name is shown, never its value.
    expect(notice).not.toContain('s3cr3t-value');
  });
});
