import type { z } from 'zod';
import type { Tenant, TenantsRepository } from '../store/tenants.repo.ts';
import { defineJob, type JobContext, type JobDefinition } from './job-queue.ts';

/** The payload every per-tenant job carries. */
type TenantPayload = { tenantId: string };

export interface TenantJobDefinition<S extends z.ZodType<TenantPayload>> extends Omit<JobDefinition<S>, 'handle'> {
  /** Runs for an active tenant only; `tenant` is the row read when the job started. */
  handle(data: z.infer<S>, context: JobContext, tenant: Tenant): Promise<unknown>;
}

/**
 * A job that works on one tenant: a tenant that disconnected (or was removed) after the job was queued is skipped,
 * logged, and answered `{ skipped: true }` — never an error, which pg-boss would retry for nothing.
 */
export function defineTenantJob<S extends z.ZodType<TenantPayload>>(
  tenants: Pick<TenantsRepository, 'find'>,
  definition: TenantJobDefinition<S>,
): JobDefinition<S> {
  return defineJob({
    ...definition,
    async handle(data, context) {
      const tenant = await tenants.find(data.tenantId);
      if (tenant?.status !== 'active') {
        context.logger.info({ tenantId: data.tenantId, job: definition.name }, 'tenant is not active; job skipped');
        return { skipped: true };
      }
      return definition.handle(data, context, tenant);
    },
  });
}
