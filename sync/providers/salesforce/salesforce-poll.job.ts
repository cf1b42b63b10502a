import { z } from 'zod';
import { fullPassLeaseKey } from '../../crm/tenant-leases.ts';
import type { CrmTenantSync } from '../../crm/tenant-sync.ts';
import type { JobContext } from '../../platform/jobs/job-queue.ts';
import { defineTenantJob } from '../../platform/jobs/tenant-job.ts';
import type { CheckpointsRepository } from '../../platform/store/checkpoints.repo.ts';
import type { TenantsRepository } from '../../platform/store/tenants.repo.ts';
import type { SalesforceConnections } from './salesforce-connections.ts';

export const SALESFORCE_POLL_JOB = 'salesforce.poll';
const STREAM = 'salesforce.changes';
/** Read again from a minute before the checkpoint: `SystemModstamp` has second precision and commits land late. */
export const SALESFORCE_POLL_OVERLAP_MS = 60_000;

const checkpointSchema = z.strictObject({ modstamp: z.iso.datetime() });

/**
 * The incremental sync of a Salesforce org (SPEC §2.6: polling by `SystemModstamp` as the baseline): what changed
 * since the checkpoint (minus an overlap) is read again by id and applied like a HubSpot webhook batch — mirror,
 * writers, changed values only. The checkpoint moves only forward and never past the window read; the first poll
 * after an install starts from its reconcile (which read everything) instead of reading everything again.
 */
export function salesforcePollJob(deps: {
  tenants: TenantsRepository;
  connections: SalesforceConnections;
  checkpoints: CheckpointsRepository;
  sync: CrmTenantSync;
  afterChanges: (tenantId: string, context: Pick<JobContext, 'enqueue'>) => Promise<void>;
  now?: () => Date;
}) {
  return defineTenantJob(deps.tenants, {
    name: SALESFORCE_POLL_JOB,
    schema: z.strictObject({ tenantId: z.string().min(1), periodKey: z.string().min(1) }),
    retryLimit: 3,
    retryDelaySeconds: 60,
    expireInSeconds: 30 * 60,
    // Never beside a reconcile of the same org: the reconcile covers what this would read.
    lease: ({ tenantId }) => fullPassLeaseKey(tenantId),
    async handle({ tenantId }, context) {
      if (!tenantId.startsWith('salesforce:')) return { provider: 'not salesforce' };
      const until = new Date(Math.floor((deps.now?.() ?? new Date()).getTime() / 1000) * 1000);
      const stored = await deps.checkpoints.load(tenantId, STREAM, checkpointSchema);
      if (!stored) {
        await deps.checkpoints.save(tenantId, STREAM, checkpointSchema, { modstamp: until.toISOString() });
        return { started: until.toISOString() };
      }
      const since = new Date(stored.modstamp);
      // Forward only, and never past what this poll's window covered.
      const advance = (to: Date | null) =>
        to && to > since
          ? deps.checkpoints.save(tenantId, STREAM, checkpointSchema, {
              modstamp: (to > until ? until : to).toISOString(),
            })
          : Promise.resolve();
      let written = 0;
      const changes = await deps.connections
        .connector(tenantId)
        .changes({ since, until, overlapMs: SALESFORCE_POLL_OVERLAP_MS }, async (batch) => {
          context.signal?.throwIfAborted();
          const applied = await deps.sync.applyWebhookWork(tenantId, {
            deals: batch.deals,
            companies: batch.partners,
            aliases: [],
          });
          written += applied.calls;
          // A checkpoint per page: a poll stopped half-way resumes after the last page it applied.
          await advance(batch.checkpoint);
        });
      if (changes.deals + changes.partners > 0) await deps.afterChanges(tenantId, context);
      const next = changes.newest && changes.newest > since ? changes.newest : since;
      await advance(next);
      const result = {
        deals: changes.deals,
        partners: changes.partners,
        readCalls: changes.calls,
        written,
        checkpoint: (next > until ? until : next).toISOString(),
      };
      context.logger.info({ tenantId, ...result }, 'Salesforce changes polled');
      return result;
    },
  });
}
