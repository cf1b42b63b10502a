import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SALES_ROLE_ID, SANDBOX_ADMIN_USER_ID } from '../sandbox/hubspot/users.ts';
import { type Sandbox, startSandbox } from '../sandbox/server.ts';
import { HubSpotClient } from '../src/crm/hubspot/hubspot-client.ts';
import { HubSpotApiError } from '../src/crm/hubspot/hubspot-errors.ts';
import { HubSpotObjects } from '../src/crm/hubspot/hubspot-objects.ts';
import { type HubSpotUserRole, isPortalAdmin, readUserRole, USERS_API } from '../src/crm/hubspot/hubspot-users.ts';
import { memoryCredentials } from '../src/crm/hubspot/testing/memory-credentials.ts';

/*
 * The Settings API's user read behind the admin checks, and company↔company associations with per-record paging,
 * against the CRM sandbox with the real client (and, for the path the SDK knows, the real SDK).
 */

describe('who is an admin', () => {
  const admin: HubSpotUserRole = { userId: '9000001', superAdmin: true, roleIds: [] };
  const seller: HubSpotUserRole = { userId: '9000002', superAdmin: false, roleIds: ['5000101'] };
  it.each([
    { case: 'a super admin', user: admin, expected: true },
    { case: 'a user with permission sets only', user: seller, expected: false },
    { case: 'no such user in the portal', user: undefined, expected: false },
  ])('given $case, then isPortalAdmin is $expected', ({ user, expected }) => {
    expect(isPortalAdmin(user)).toBe(expected);
  });
});

describe('HubSpot users and company associations against the sandbox', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ deals: 40, seed: 3, limits: { associationsPerObjectPage: 2 } });
  });
  afterAll(async () => sandbox.close());
  beforeEach(() => {
    sandbox.faults.clear();
    sandbox.resetStats();
  });

  const clientFor = (scopes?: string[]) => {
    const tokens = sandbox.issueToken(scopes ? { scopes } : {});
    return new HubSpotClient({
      baseUrl: sandbox.url,
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      credentials: memoryCredentials({ ...tokens, scopes: scopes ?? [] }).store,
      maxAttempts: 1,
    });
  };

  it.each([
    {
      case: 'the installing super admin',
      userId: String(SANDBOX_ADMIN_USER_ID),
      expected: { userId: '9000001', superAdmin: true, roleIds: [] },
    },
    {
      case: 'a seller (the demo’s second owner)',
      userId: '9000002',
      expected: { userId: '9000002', superAdmin: false, roleIds: [SALES_ROLE_ID] },
    },
    { case: 'a user the portal does not have', userId: '1', expected: undefined },
  ])('given $case, when read, then the role is $expected', async ({ userId, expected }) => {
    expect(await readUserRole(clientFor(), userId)).toEqual(expected);
    expect(sandbox.stats().routes[`GET ${USERS_API}/:id`]?.calls).toBe(1);
  });

  it('given the SDK, when it reads a user on its v3 path, then the sandbox answers the PublicUser shape', async () => {
    const sdk = new Client({ accessToken: sandbox.issueToken().accessToken, basePath: sandbox.url });
    const user = await sdk.settings.users.usersApi.getById(String(SANDBOX_ADMIN_USER_ID), 'USER_ID');
    expect(user).toMatchObject({ id: '9000001', superAdmin: true, roleIds: [], sendWelcomeEmail: false });
    const byEmail = await sdk.settings.users.usersApi.getById(user.email, 'EMAIL');
    expect(byEmail.id).toBe('9000001');
  });

  it('given a token without the users scope, when a user is read, then HubSpot refuses it (403) and no role is assumed', async () => {
    const error = await readUserRole(clientFor(['crm.objects.deals.read']), '9000001').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({ status: 403 });
  });

  it('given the v3 example’s string flag ("superAdmin": "true"), when read, then it is understood', async () => {
    sandbox.faults.add({
      route: `GET ${USERS_API}/*`,
      script: [{ type: 'status', status: 200, body: { id: 7, email: 'x@y.z', superAdmin: 'true', roleId: '12' } }],
    });
    expect(await readUserRole(clientFor(), '7')).toEqual({ userId: '7', superAdmin: true, roleIds: ['12'] });
  });

  it('given a partner linked to more accounts than one page holds, when the partners’ links are batch-read, then every link comes back with extra calls only for the records that page', async () => {
    const portal = sandbox.portal;
    const [partner, quiet] = [...portal.records('companies')].filter((c) => c.properties.pl_is_partner === 'true');
    const accounts = [...portal.records('companies')].filter((c) => c.properties.pl_is_partner !== 'true');
    for (const account of accounts.slice(0, 5)) {
      portal.associate('companies', partner!.id, 'companies', account.id, [450], sandbox.userActor());
    }
    portal.associate('companies', quiet!.id, 'companies', accounts[9]!.id, [13], sandbox.userActor());
    sandbox.resetStats();
    const stats = { calls: 0 };
    const links = await new HubSpotObjects(clientFor()).batchReadAssociations(
      'companies',
      'companies',
      [partner!.id, quiet!.id],
      stats,
    );
    expect(
      links
        .get(partner!.id)
        ?.map((link) => link.toId)
        .sort(),
    ).toEqual(
      accounts
        .slice(0, 5)
        .map((a) => a.id)
        .sort(),
    );
    // A labelled link always carries the unlabeled one too (HubSpot's rule).
    expect(links.get(quiet!.id)).toEqual([{ toId: accounts[9]!.id, typeIds: [13, 450], labels: ['Child Company'] }]);
    // 5 links at 2 per page: pages at 0, 2, 4 for one record; the other fits in the first call.
    expect(stats.calls).toBe(3);
    expect(sandbox.stats().calls).toBe(3);
    // Seen from the account: the inverse type (child → parent).
    expect(portal.associationsOf('companies', accounts[9]!.id, 'companies').get(quiet!.id)).toEqual([14, 450]);
  });
});
