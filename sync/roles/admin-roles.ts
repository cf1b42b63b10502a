import type { RequestHandler } from 'express';
import type { CrmUser } from '../../src/crm/crm-connector.ts';
import { AppError } from '../../src/shared/errors.ts';
import { tenantOf, userIdOf } from '../platform/http/hubspot-signature.middleware.ts';

/** How long a user's role is trusted before HubSpot is asked again (SPEC §2.6: admin-only actions check the role). */
export const ADMIN_ROLE_TTL_MS = 5 * 60_000;
/** Cached users per process; the oldest entry goes first beyond it. */
const MAX_CACHED_USERS = 10_000;

/** A signed user who is not an admin of the portal asked for an admin-only action (403; nothing was written). */
export class AdminRequiredError extends AppError {
  readonly code = 'admin_required';
}

export interface AdminRolesOptions {
  /** The user as the tenant's CRM reports it (undefined: no such user); the adapter decides who is an admin. */
  lookup(tenantId: string, userId: string): Promise<CrmUser | undefined>;
  /** Whether a lookup failure means the CRM refused to tell (a missing scope): the role is then unverifiable. */
  isForbidden?(tenantId: string, error: unknown): boolean;
  ttlMs?: number;
  now?: () => number;
  maxEntries?: number;
}

/**
 * Whether a signed user administers the tenant's portal, from HubSpot's Settings API, cached per tenant and user for
 * `ADMIN_ROLE_TTL_MS` in this process (see README "Roles": a replica asks HubSpot at most once per user per TTL;
 * a demoted admin keeps the role for at most the TTL). Lookups are single-flight; failures are never cached.
 */
export class AdminRoles {
  readonly #cache = new Map<string, { admin: boolean; expiresAt: number }>();
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(private readonly options: AdminRolesOptions) {
    this.#ttlMs = options.ttlMs ?? ADMIN_ROLE_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? MAX_CACHED_USERS;
  }

  async isAdmin(tenantId: string, userId: string): Promise<boolean> {
    const key = `${tenantId}\u0000${userId}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > this.#now()) return cached.admin;
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = this.options
        .lookup(tenantId, userId)
        .then((user) => {
          const admin = user?.admin === true;
          this.#cache.delete(key);
          this.#cache.set(key, { admin, expiresAt: this.#now() + this.#ttlMs });
          if (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value as string);
          return admin;
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, flight);
    }
    return flight;
  }

  /**
   * Throws AdminRequiredError unless `userId` administers the tenant's portal or org. `action` names what was refused, for
   * the message the card or settings page shows.
   */
  async assertAdmin(tenantId: string, userId: string | undefined, action: string): Promise<void> {
    const {
      admin: who,
      crm,
      place,
    } = tenantId.startsWith('salesforce:')
      ? { admin: 'a Salesforce administrator', crm: 'Salesforce', place: 'org' }
      : { admin: 'a HubSpot super admin', crm: 'HubSpot', place: 'portal' };
    if (!userId) {
      throw new AdminRequiredError(`only ${who} can ${action}; the request names no ${crm} user`, {
        details: ['user_id'],
      });
    }
    let admin: boolean;
    try {
      admin = await this.isAdmin(tenantId, userId);
    } catch (error) {
      // Without the users scope (an install that predates it) the role cannot be read: refuse, never assume.
      if (this.options.isForbidden?.(tenantId, error)) {
        throw new AdminRequiredError(
          `only ${who} can ${action}; PartnerLoop cannot read ${crm} user roles in this ${place} — ` +
            'reinstall the app to grant it',
          { cause: error, details: ['role_unverifiable'] },
        );
      }
      throw error;
    }
    if (!admin) {
      throw new AdminRequiredError(`only ${who} can ${action}`, { details: [`user:${userId}`] });
    }
  }

  /** Forgets a tenant's cached roles (after a disconnect or reinstall). */
  forgetTenant(tenantId: string): void {
    for (const key of this.#cache.keys()) if (key.startsWith(`${tenantId}\u0000`)) this.#cache.delete(key);
  }
}

/**
 * Route guard for admin-only endpoints (mount after `signedApi`): the signed user must administer the signed tenant's
 * portal, or the request ends in 403 `admin_required` before its handler runs.
 */
export function requireAdmin(roles: AdminRoles, action: string): RequestHandler {
  return async (_req, res, next) => {
    try {
      await roles.assertAdmin(tenantOf(res).id, userIdOf(res), action);
      next();
    } catch (error) {
      next(error);
    }
  };
}
