import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import type { CrmUser } from '../../src/crm/crm-connector.ts';
import { HubSpotApiError, isHubSpotForbidden } from '../../src/crm/hubspot/hubspot-errors.ts';
import { httpStatusOf } from '../platform/http/error-envelope.ts';
import { signedUserId } from '../platform/http/hubspot-signature.middleware.ts';
import { ADMIN_ROLE_TTL_MS, AdminRequiredError, AdminRoles } from './admin-roles.ts';

const TENANT = 'hubspot:48151623';
const admin: CrmUser = { userId: '9000001', admin: true };
const seller: CrmUser = { userId: '9000002', admin: false };

/** AdminRoles over a scripted HubSpot: `users` answers lookups, `calls` counts them, the clock is moved by hand. */
function rolesWith(users: Record<string, CrmUser | Error | undefined>) {
  const clock = { now: 1_800_000_000_000 };
  const calls: string[] = [];
  const roles = new AdminRoles({
    now: () => clock.now,
    isForbidden: (_tenantId, error) => isHubSpotForbidden(error),
    lookup: async (tenantId, userId) => {
      calls.push(`${tenantId}/${userId}`);
      const user = users[userId];
      if (user instanceof Error) throw user;
      return user;
    },
  });
  return { clock, calls, roles, users };
}

describe('who is an admin', () => {
  it.each([
    { query: { userId: '9000001' }, expected: '9000001' },
    { query: { userId: ['9000001', '9000002'] }, expected: undefined },
    { query: { userId: '9000001 or 1=1' }, expected: undefined },
    { query: {}, expected: undefined },
  ])('given the signed query $query, then the acting user is $expected', ({ query, expected }) => {
    expect(signedUserId({ query } as unknown as Request)).toBe(expected);
  });
});

describe('role cache', () => {
  it('given an admin, when asked twice within the TTL, then HubSpot is asked once', async () => {
    const { roles, calls, clock } = rolesWith({ '9000001': admin });
    expect(await roles.isAdmin(TENANT, '9000001')).toBe(true);
    clock.now += ADMIN_ROLE_TTL_MS - 1;
    expect(await roles.isAdmin(TENANT, '9000001')).toBe(true);
    expect(calls).toEqual([`${TENANT}/9000001`]);
  });

  it('given a cached admin demoted in HubSpot, when the TTL has passed, then the new role applies', async () => {
    const { roles, calls, clock, users } = rolesWith({ '9000001': admin });
    await roles.isAdmin(TENANT, '9000001');
    users['9000001'] = { ...admin, admin: false };
    expect(await roles.isAdmin(TENANT, '9000001')).toBe(true); // still cached
    clock.now += ADMIN_ROLE_TTL_MS;
    expect(await roles.isAdmin(TENANT, '9000001')).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('given the same user in two portals, then each portal is asked (the cache key is tenant and user)', async () => {
    const { roles, calls } = rolesWith({ '9000001': admin });
    await roles.isAdmin('hubspot:1', '9000001');
    await roles.isAdmin('hubspot:2', '9000001');
    expect(calls).toEqual(['hubspot:1/9000001', 'hubspot:2/9000001']);
  });

  it('given concurrent checks of one user, then one lookup serves them all', async () => {
    const { roles, calls } = rolesWith({ '9000002': seller });
    const answers = await Promise.all(Array.from({ length: 5 }, () => roles.isAdmin(TENANT, '9000002')));
    expect(answers).toEqual([false, false, false, false, false]);
    expect(calls).toHaveLength(1);
  });

  it('given HubSpot failing, then the failure is not cached and the next check asks again', async () => {
    const { roles, calls, users } = rolesWith({ '9000001': new Error('socket hang up') });
    await expect(roles.isAdmin(TENANT, '9000001')).rejects.toThrow('socket hang up');
    users['9000001'] = admin;
    expect(await roles.isAdmin(TENANT, '9000001')).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('given a forgotten tenant, then its users are asked again', async () => {
    const { roles, calls } = rolesWith({ '9000001': admin });
    await roles.isAdmin(TENANT, '9000001');
    roles.forgetTenant(TENANT);
    await roles.isAdmin(TENANT, '9000001');
    expect(calls).toHaveLength(2);
  });

  it('given more users than the cache holds, then the oldest entry is dropped first', async () => {
    const clock = { now: 0 };
    const calls: string[] = [];
    const roles = new AdminRoles({
      now: () => clock.now,
      maxEntries: 2,
      lookup: async (_tenant, userId) => {
        calls.push(userId);
        return seller;
      },
    });
    for (const id of ['1', '2', '3', '3', '2', '1']) await roles.isAdmin(TENANT, id);
    expect(calls).toEqual(['1', '2', '3', '1']);
  });
});

describe('assertAdmin', () => {
  it.each([
    { case: 'a super admin', userId: '9000001', error: undefined },
    { case: 'a plain user', userId: '9000002', error: 'user:9000002' },
    { case: 'a user the portal does not have', userId: '1', error: 'user:1' },
    { case: 'no signed user', userId: undefined, error: 'user_id' },
  ])('given $case, then the check answers with $error', async ({ userId, error }) => {
    const { roles } = rolesWith({ '9000001': admin, '9000002': seller });
    const outcome = roles.assertAdmin(TENANT, userId, 'change the rules');
    if (error === undefined) {
      await expect(outcome).resolves.toBeUndefined();
      return;
    }
    const refused = await outcome.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AdminRequiredError);
    expect(refused).toMatchObject({
      code: 'admin_required',
      message: expect.stringContaining('change the rules'),
      details: [error],
    });
    expect(httpStatusOf(refused)).toBe(403);
  });

  it('given an install without the users scope (HubSpot 403), then the action is refused as unverifiable', async () => {
    const { roles } = rolesWith({
      '9000001': new HubSpotApiError(403, 'read of HubSpot user', 'MISSING_SCOPES', undefined),
    });
    await expect(roles.assertAdmin(TENANT, '9000001', 'disconnect')).rejects.toMatchObject({
      code: 'admin_required',
      details: ['role_unverifiable'],
    });
  });

  it('given HubSpot down (5xx after retries), then the error propagates (502), never an assumed role', async () => {
    const { roles } = rolesWith({ '9000001': new HubSpotApiError(503, 'read of HubSpot user', 'down', undefined) });
    const failure = roles.assertAdmin(TENANT, '9000001', 'disconnect');
    await expect(failure).rejects.toMatchObject({ code: 'crm_request_failed' });
    expect(httpStatusOf(await failure.catch((e: unknown) => e))).toBe(502);
  });
});
