import type { Kysely } from 'kysely';
import { provisionPortal } from '../../src/crm/hubspot/hubspot-provisioning.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { HubSpotConnections } from '../providers/hubspot/hubspot-connections.ts';
import type { HubSpotTenantSync } from '../crm/tenant-sync.ts';
import type { AppDeps } from '../http/app.ts';
import type { SignedRoutesOptions } from '../http/hubspot-signature.middleware.ts';
import type { JobContext } from '../jobs/job-queue.ts';
import type { Logger } from '../log/logger.ts';
import { operatorBundle } from '../preview/operator-home.bundle.ts';
import {
  operatorHomePreviewRouter,
  operatorHomeRootRouter,
  statusPageRouter,
} from '../preview/operator-home.routes.ts';
import type { AuditLogRepository } from '../store/audit-log.repo.ts';
import type { StoreSchema } from '../store/schema.ts';
import type { TenantsRepository } from '../store/tenants.repo.ts';
import { OPERATOR_LOOPS } from './loop-results.repo.ts';
import { OperatorHomeRepository } from './operator-home.repo.ts';
import { operatorHomeRouter } from './operator-home.routes.ts';
import { LOOP_JOBS } from './operator-loop.job.ts';
import { ExportLinkSigner, reportExportsRouter } from './report-exports.ts';
import type { ReportsModule } from './reports.module.ts';
import { RosterActionsService } from './roster-actions.ts';

// The operator home's wiring (issue #14), kept out of the composition root: its API next to the operator API, the
// pre-signed CSV exports, the local page in sandbox mode, and the status page at `/` otherwise.

type Route = NonNullable<AppDeps['routes']>[number];

export interface OperatorHomeWiring {
  /** Signature options of the signed API (secret, PUBLIC_URL, clock, throttle). */
  signing: SignedRoutesOptions;
  tenants: TenantsRepository;
  db: Kysely<StoreSchema>;
  reports: Pick<ReportsModule, 'results'>;
  mirror: CrmMirrorRepository;
  sync: HubSpotTenantSync;
  connections: HubSpotConnections;
  audit: AuditLogRepository;
  logger: Logger;
  /** Where this service listens (loopback), for requests it signs to itself. */
  serviceUrl: string;
  appId: string | undefined;
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
    provision: (tenantId) => provisionPortal(wiring.connections.client(tenantId)),
  });
  return [
    {
      path: '/api/reports/home',
      ownBody: true,
      handler: operatorHomeRouter({
        ...wiring.signing,
        tenants: wiring.tenants,
        results: wiring.reports.results,
        home: new OperatorHomeRepository(wiring.db),
        exports,
        roster,
      }),
    },
    {
      path: '/exports',
      handler: reportExportsRouter({
        signer: exports,
        signing: selfSigning(wiring),
        tenants: wiring.tenants,
        logger: wiring.logger,
      }),
    },
  ];
}

/** Sandbox mode only: the real operator home at `/` and `/operator`, through a signing proxy (like `/preview`). */
export function operatorHomeLocalRoutes(wiring: OperatorHomeWiring): Route[] {
  const deps = { ...selfSigning(wiring), tenants: wiring.tenants, logger: wiring.logger };
  // Built in the background now, so the first page load does not wait ~2 s for esbuild (a failure is retried then).
  operatorBundle().catch((error: unknown) =>
    wiring.logger.warn({ err: error }, 'operator home bundle: the first build failed; it is retried on request'),
  );
  return [
    { path: '/operator', ownBody: true, handler: operatorHomePreviewRouter(deps) },
    { path: '/', handler: operatorHomeRootRouter(deps) },
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

function selfSigning(wiring: OperatorHomeWiring) {
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
