import type { AppDeps } from './platform/http/app.ts';
import type { SignedApiDeps } from './platform/http/hubspot-signature.middleware.ts';
import type { CadenceTasks } from './platform/jobs/cadence.job.ts';
import type { JobDefinition, JobQueue } from './platform/jobs/job-queue.ts';
import type { AdminRoles } from './roles/admin-roles.ts';

/** A router mounted on the service's app (`ownBody`: it reads its raw body itself, for signatures). */
export type Route = NonNullable<AppDeps['routes']>[number];

/** What every signed `/api` router is built from: the signature check, the tenants, admin roles and the queue. */
export interface SignedApiContext {
  signing: SignedApiDeps & { roles: AdminRoles };
  queue: Pick<JobQueue, 'enqueue' | 'jobState'>;
  /** Where this service listens on loopback, for requests it signs to itself (CSV exports, local pages). */
  serviceUrl: string;
  /** The CRM app's id, sent with self-signed requests like the CRM sends it. */
  appId: string | undefined;
}

/**
 * What a feature module (`sync/<feature>/<feature>.module.ts`) gives the composition root: the job kinds it works,
 * the per-tenant tasks of each cadence, and its signed API routes. Its deal and company writers are built first
 * (`<feature>Writers`), because the tenant sync runs them and the rest of the feature uses the sync.
 */
export interface FeatureModule {
  readonly jobs: readonly JobDefinition[];
  readonly cadence?: CadenceTasks;
  routes(api: SignedApiContext): Route[];
}

/** The cadence tasks of several modules, per cadence in module order. */
export function mergeCadences(modules: readonly FeatureModule[]): CadenceTasks {
  const merged: Record<string, string[]> = {};
  for (const module of modules) {
    for (const [cadence, tasks] of Object.entries(module.cadence ?? {})) {
      merged[cadence] = [...(merged[cadence] ?? []), ...tasks];
    }
  }
  return merged;
}
