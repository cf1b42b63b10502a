import express, { type Response, type Router } from 'express';
import type { DemoOwner } from '../demo/demo-portal.ts';
import { notFoundError, SandboxHttpError, validationError } from './errors.ts';
import type { SandboxPortal } from './portal/sandbox-portal.ts';

/**
 * The user-provisioning subset of HubSpot's Settings API the service reads to check a user's role:
 * `GET /settings/users/2026-03/{userId}` and the SDK's `GET /settings/v3/users/{userId}` (same handler), with
 * `idProperty=USER_ID|EMAIL`, scope `settings.users.read` (or `.write`). Sources in docs/BEHAVIOR.md.
 */

export interface SandboxUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  superAdmin: boolean;
  /** Permission sets; ids are portal-defined (sandbox: `SALES_ROLE_ID` for the demo's sellers). */
  roleIds: string[];
  primaryTeamId?: string;
}

/** The user who installs the app in every sandbox portal (and acts in the card preview): a super admin. */
export const SANDBOX_ADMIN_USER_ID = 9_000_001;
/** A permission set the demo's sellers share (_sandbox choice_ of id). */
export const SALES_ROLE_ID = '5000101';

/**
 * A portal's users: the installing super admin (9000001) and, in a demo portal, every seller (owner) as a plain user
 * with the sales permission set. The demo's first seller is user 9000001, so there the admin is that seller.
 */
export function portalUsers(owners: readonly DemoOwner[]): Map<string, SandboxUser> {
  const users = new Map<string, SandboxUser>();
  for (const owner of owners) {
    users.set(String(owner.userId), {
      id: String(owner.userId),
      email: owner.email,
      firstName: owner.firstName,
      lastName: owner.lastName,
      superAdmin: false,
      roleIds: [SALES_ROLE_ID],
      primaryTeamId: `team-${owner.region.toLowerCase()}`,
    });
  }
  const admin = users.get(String(SANDBOX_ADMIN_USER_ID));
  users.set(String(SANDBOX_ADMIN_USER_ID), {
    id: String(SANDBOX_ADMIN_USER_ID),
    email: admin?.email ?? 'admin@demo-vendor.example',
    firstName: admin?.firstName ?? 'Avery',
    lastName: admin?.lastName ?? 'Admin',
    superAdmin: true,
    roleIds: [],
    ...(admin?.primaryTeamId ? { primaryTeamId: admin.primaryTeamId } : {}),
  });
  return users;
}

function render(user: SandboxUser) {
  return {
    id: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    ...(user.roleIds[0] ? { roleId: user.roleIds[0] } : {}),
    roleIds: [...user.roleIds],
    ...(user.primaryTeamId ? { primaryTeamId: user.primaryTeamId } : {}),
    secondaryTeamIds: [],
    superAdmin: user.superAdmin,
    sendWelcomeEmail: false,
  };
}

/** Mounted at `/settings/users/2026-03` and `/settings/v3/users`, behind the sandbox's Bearer auth and rate limits. */
export function usersRouter(): Router {
  const router = express.Router();
  router.get('/:userId', (req, res: Response) => {
    const { portal, scopes } = res.locals as { portal: SandboxPortal; scopes: readonly string[] };
    const accepted = ['settings.users.read', 'settings.users.write'];
    if (!accepted.some((scope) => scopes.includes(scope))) {
      throw new SandboxHttpError(403, {
        message:
          "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        category: 'MISSING_SCOPES',
        errors: [
          {
            message: 'One or more of the following scopes are required.',
            context: { requiredGranularScopes: accepted },
          },
        ],
      });
    }
    const idProperty = String(req.query.idProperty ?? 'USER_ID');
    if (idProperty !== 'USER_ID' && idProperty !== 'EMAIL') {
      throw validationError(`idProperty must be one of USER_ID, EMAIL; got ${idProperty}`);
    }
    const key = String(req.params.userId);
    const user =
      idProperty === 'EMAIL'
        ? [...portal.users.values()].find((candidate) => candidate.email.toLowerCase() === key.toLowerCase())
        : portal.users.get(key);
    if (!user) throw notFoundError(`Could not find user ${key}`);
    res.json(render(user));
  });
  return router;
}
