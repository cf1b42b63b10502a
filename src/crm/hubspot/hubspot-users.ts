import { z } from 'zod';
import type { HubSpotClient } from './hubspot-client.ts';

/** The date-versioned Settings (user provisioning) API; the SDK's numeric twin is `/settings/v3/users`. */
export const USERS_API = '/settings/users/2026-03';

/** What PartnerLoop needs to know about a HubSpot user to decide whether they administer the portal. */
export interface HubSpotUserRole {
  userId: string;
  /** HubSpot's "Super admin" flag. */
  superAdmin: boolean;
  /** The permission sets (roles) assigned to the user; ids only. */
  roleIds: string[];
}

// The reference types `superAdmin` as a boolean but its v3 example shows the string "false": accept both.
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);
const id = z.union([z.string(), z.number()]).transform(String);

const publicUserSchema = z.looseObject({
  id,
  superAdmin: flag.nullish(),
  roleId: id.nullish(),
  roleIds: z.array(id).nullish(),
});

/**
 * One user of the portal (`GET /settings/users/2026-03/{userId}`, scope `settings.users.read`), or undefined when the
 * portal has no such user (404). Only the role fields are kept; names and e-mail are not read into our store.
 */
export async function readUserRole(client: HubSpotClient, userId: string): Promise<HubSpotUserRole | undefined> {
  const body = await client.call<unknown>({
    method: 'GET',
    path: `${USERS_API}/${encodeURIComponent(userId)}`,
    qs: { idProperty: 'USER_ID' },
    idempotent: true,
    notFoundIsEmpty: true,
    operation: `read of HubSpot user ${userId}`,
  });
  if (body === undefined) return undefined;
  const user = publicUserSchema.parse(body);
  const roleIds = new Set(user.roleIds ?? []);
  if (user.roleId) roleIds.add(user.roleId);
  return { userId: user.id, superAdmin: user.superAdmin === true, roleIds: [...roleIds].sort() };
}

/**
 * Who administers a portal, decided once here: HubSpot's super admins. HubSpot has no other "admin" flag — permission
 * sets (`roleIds`) are portal-defined names we cannot interpret — so a user without the super-admin flag is not one.
 */
export function isPortalAdmin(user: HubSpotUserRole | undefined): boolean {
  return user?.superAdmin === true;
}
