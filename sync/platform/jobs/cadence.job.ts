import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { StoreSchema } from '../store/schema.ts';
import { defineJob } from './job-queue.ts';
import { CADENCE_JOB } from './schedules.ts';

export const cadencePayloadSchema = z.strictObject({ cadence: z.string().min(1), periodKey: z.string().min(1) });

/** Per-tenant work a cadence fans out to: job names that take `{tenantId, periodKey}`. */
export type CadenceTasks = Readonly<Record<string, readonly string[]>>;

export interface CadenceJobDeps {
  db: Kysely<StoreSchema>;
  cadenceTasks: CadenceTasks;
  activeTenantIds(): Promise<string[]>;
}

/**
 * One run of a cadence for one period: recorded in `cadence_runs` (unique per cadence and period, so a run that
 * already completed is never repeated), then one keyed job per active tenant and task.
 *
 * Leased per cadence and period: a run whose worker was killed is handed back within about 80 s (its lease goes
 * stale; job-leases.ts), not at its 15-minute expiry, so the tick's fan-out is late by a minute, never lost.
 */
export function cadenceJob(deps: CadenceJobDeps) {
  return defineJob({
    name: CADENCE_JOB,
    schema: cadencePayloadSchema,
    retryLimit: 5,
    // Also the wait before a killed run's retry (after its lease went stale): short, so a tick is at most ~80 s late.
    retryDelaySeconds: 10,
    expireInSeconds: 15 * 60,
    lease: ({ cadence, periodKey }) => `${CADENCE_JOB}:${cadence}:${periodKey}`,
    async handle({ cadence, periodKey }, context) {
      await sql`
        insert into cadence_runs (cadence, period_key, tenant_id, status)
        values (${cadence}, ${periodKey}, null, 'running')
        on conflict (cadence, period_key, coalesce(tenant_id, '')) do nothing`.execute(deps.db);
      const run = await deps.db
        .selectFrom('cadence_runs')
        .select(['id', 'status'])
        .where('cadence', '=', cadence)
        .where('period_key', '=', periodKey)
        .where('tenant_id', 'is', null)
        .executeTakeFirstOrThrow();
      if (run.status === 'completed') {
        context.logger.info({ cadence, periodKey }, 'cadence already ran for this period');
        return { skipped: true };
      }
      const tasks = deps.cadenceTasks[cadence] ?? [];
      const tenants = tasks.length > 0 ? await deps.activeTenantIds() : [];
      let enqueued = 0;
      for (const tenantId of tenants) {
        for (const task of tasks) {
          const id = await context.enqueue(task, { tenantId, periodKey }, { key: `${task}:${tenantId}:${periodKey}` });
          if (id !== null) enqueued += 1;
        }
      }
      const result = { tenants: tenants.length, tasks, enqueued };
      await deps.db
        .updateTable('cadence_runs')
        .set({ status: 'completed', result: JSON.stringify(result), finished_at: new Date() })
        .where('id', '=', run.id)
        .execute();
      return result;
    },
  });
}
