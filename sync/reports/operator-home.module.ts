import type { Kysely } from 'kysely';
import type { CrmConnectors } from '../../src/crm/crm-connector.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import type { Route, SignedApiContext } from '../feature-module.ts';
import { statusPageRouter } from '../platform/http/status-page.ts';
import type { JobContext } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { LoopResultsRepository } from './loop-results.repo.ts';
import { OPERATOR_LOOPS } from './loop-results.repo.ts';
import { OperatorHomeRepository } from './operator-home.repo.ts';
import { operatorHomeRouter } from './operator-home.routes.ts';
import { LOOP_JOBS } from './operator-loop.job.ts';
import { ExportLinkSigner, reportExportsRouter } from './report-exports.ts';
import { RosterActionsService } from './roster-actions.ts';

// The operator home's wiring (issue #14), kept out of the composition root: its API next to the operator API, the
// pre-signed CSV exports, and the status page at `/` outside sandbox mode. In sandbox mode `/` is the local operator
// home instead (sandbox/previews/local-routes.ts, loaded through import() by sync/service.ts).

/** What the operator home's routes are built from (the signed API context, plus the reports' stores). */
export interface OperatorHomeWiring extends SignedApiContext {
  db: Kysely<StoreSchema>;
  results: LoopResultsRepository;
  mirror: CrmMirrorRepository;
  sync: CrmTenantSync;
  crm: CrmConnectors;
  audit: AuditLogRepository;
  logger: Logger;
}

/** `/api/reports/home` (mount it before `/api/reports`, which would answer 404 for it) and `/exports/{token}`. */
export function operatorHomeApiRoutes(wiring: OperatorHomeWiring): Route[] {
  const exports = new ExportLinkSigner({
    clientSecret: wiring.signing.clientSecret,
    publicUrl: wiring.signing.publicUrl,
    ...(wiring.signing.now ? { now: wiring.signing.now } : {}),
  });
  const roster = new RosterActionsService({
    mirror: wiring.mirror,
    sync: wiring.sync,
    audit: wiring.audit,
    logger: wiring.logger,
    provision: (tenantId) => wiring.crm.connector(tenantId).provision(),
  });
  return [
    {
      path: '/api/reports/home',
      ownBody: true,
      handler: operatorHomeRouter({
        ...wiring.signing,
        results: wiring.results,
        home: new OperatorHomeRepository(wiring.db),
        exports,
        roster,
        links: (tenantId) => wiring.crm.connector(tenantId).links,
      }),
    },
    {
      path: '/exports',
      handler: reportExportsRouter({
        signer: exports,
        signing: selfSigning(wiring),
        tenants: wiring.signing.tenants,
        logger: wiring.logger,
      }),
    },
  ];
}

/** Outside sandbox mode: `/` is a small status page (never a JSON 404 for a browser). */
export function statusPageRoute(options: {
  publicUrl: string;
  database: string;
  tenants: TenantsRepository | undefined;
  hubspotConfigured: boolean;
}): Route {
  return { path: '/', handler: statusPageRouter(options) };
}

function selfSigning(wiring: SignedApiContext) {
  return {
    serviceUrl: wiring.serviceUrl,
    publicUrl: wiring.signing.publicUrl,
    clientSecret: wiring.signing.clientSecret,
    appId: wiring.appId,
    ...(wiring.signing.now ? { now: wiring.signing.now } : {}),
  };
}

/**
 * Sandbox mode: right after an install's first reconcile (the reconcile job's payload names it `install:…`), queue the
 * four operator loops once, so `npm start` shows a filled operator home at once instead of waiting for the cron ticks.
 * Keyed by the reconcile's period key: a retried reconcile queues nothing twice. Each first run also backfills its
 * history (6 quarters, 6 months, 8 weeks), which is why it must follow the reconcile: on an empty mirror the backfilled
 * periods would be stored empty.
 */
export async function runLoopsAfterInstall(
  run: { tenantId: string; periodKey: string },
  context: Pick<JobContext, 'enqueue'>,
): Promise<void> {
  if (!run.periodKey.startsWith('install:')) return;
  const asOf = new Date().toISOString().slice(0, 10);
  for (const loop of OPERATOR_LOOPS) {
    await context.enqueue(
      LOOP_JOBS[loop],
      { tenantId: run.tenantId, periodKey: `after-${run.periodKey}`, asOf, reason: 'sandbox: first run after install' },
      { key: `${LOOP_JOBS[loop]}:${run.tenantId}:after-${run.periodKey}` },
    );
  }
}
