import type { Kysely } from 'kysely';
import { createPartnerWebhookTarget, type MotionTarget } from '../../src/cosell/motion-targets.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { CrmTenantSync } from '../crm/tenant-sync.ts';
import type { FeatureModule } from '../feature-module.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import type { TokenCipher } from '../platform/store/token-cipher.ts';
import { coSellOperatorRouter } from './cosell.routes.ts';
import type { PartnerEndpointPolicy } from './cosell-requests.ts';
import { CoSellService, type CoSellServiceDeps } from './cosell-service.ts';
import { COSELL_SWEEP_JOB, cosellSweepJob } from './cosell-sweep.job.ts';
import { CoSellStatusWriter } from './cosell-writer.ts';
import { CoSellMotionsRepository } from './motions.repo.ts';
import { OutboundDeliveriesRepository } from './outbound-deliveries.repo.ts';
import { PartnerEndpointsRepository } from './partner-endpoints.repo.ts';
import { partnerNotifyJob } from './partner-notify.job.ts';

/**
 * The co-sell store side, built before the tenant sync: the sync needs the status writer, and attribution needs to
 * know which deals have motions.
 */
export interface CoSellStore {
  motions: CoSellMotionsRepository;
  endpoints: PartnerEndpointsRepository;
  /** What endpoint URLs the operator API accepts (plain http only in the sandbox and on loopback). */
  endpointPolicy: PartnerEndpointPolicy;
  deliveries: OutboundDeliveriesRepository;
  /** The `pl_cosell_status` deal writer (runs on every drain and reconcile, after attribution). */
  writer: CoSellStatusWriter;
  /** For the attribution writer: a deal with a co-sell motion is partner-involved. */
  dealsWithMotions(tenantId: string, dealIds: readonly string[]): Promise<ReadonlySet<string>>;
}

export function createCoSellStore(
  db: Kysely<StoreSchema>,
  cipher: TokenCipher,
  options: { allowInsecureHttp?: boolean } = {},
): CoSellStore {
  const motions = new CoSellMotionsRepository(db);
  return {
    motions,
    endpoints: new PartnerEndpointsRepository(db, cipher),
    endpointPolicy: options.allowInsecureHttp === undefined ? {} : { allowInsecureHttp: options.allowInsecureHttp },
    deliveries: new OutboundDeliveriesRepository(db),
    writer: new CoSellStatusWriter(motions),
    dealsWithMotions: (tenantId, dealIds) => motions.dealsWithMotions(tenantId, dealIds),
  };
}

/** Deals whose CRM values changed, and the batch calls it took. */
export interface StatusWriteResult {
  deals: number;
  calls: number;
}

export interface CoSellModule extends CoSellStore, FeatureModule {
  service: CoSellService;
  /** Where motion changes are told: the partner's signed webhook and the connected cloud programmes. */
  targets: readonly MotionTarget[];
  /** Runs the deal writers over these deals as the mirror holds them: only values HubSpot lacks are written. */
  writeStatus(tenantId: string, dealIds: readonly string[]): Promise<StatusWriteResult>;
}

export interface CoSellModuleDeps {
  /** The job queue's keyed enqueue (partner notifications are queued). */
  enqueue: JobQueue['enqueue'];
  tenants: Pick<TenantsRepository, 'find'>;
  mirror: CrmMirrorRepository;
  sync: CrmTenantSync;
  logger: Logger;
  fetch?: typeof fetch;
  /** The co-sell programmes' targets (AWS ACE, Microsoft referrals): sync/cloud. */
  programmeTargets?: readonly MotionTarget[];
  /** Programme motions' records at their programme, for the card. */
  cloudViews?: CoSellServiceDeps['cloudViews'];
}

/**
 * Co-sell (SPEC §2.4): motions, their delivery to the motion targets, the hourly sweep (stranded deliveries, aging
 * flags) and the operator's queue and partner-endpoint API.
 */
export function createCoSellModule(store: CoSellStore, deps: CoSellModuleDeps): CoSellModule {
  const writeStatus = async (tenantId: string, dealIds: readonly string[]): Promise<StatusWriteResult> => {
    const deals: CanonicalDeal[] = [];
    for (const dealId of new Set(dealIds)) {
      const deal = await deps.mirror.findDeal(tenantId, dealId);
      if (deal && !deal.deletedAt) deals.push(deal);
    }
    if (deals.length === 0) return { deals: 0, calls: 0 };
    const { deals: written, calls } = await deps.sync.writeBack(
      tenantId,
      deals,
      await deps.mirror.livePartners(tenantId),
      false,
    );
    return { deals: written, calls };
  };
  const service = new CoSellService({
    motions: store.motions,
    deliveries: store.deliveries,
    enqueue: deps.enqueue,
    logger: deps.logger,
    ...(deps.cloudViews ? { cloudViews: deps.cloudViews } : {}),
    // The seller sees the new status in HubSpot at once; a failure here is logged and the sweep or the next reconcile
    // writes it (the motion change itself is committed either way).
    onMotionChanged: async (tenantId, dealId) => {
      await writeStatus(tenantId, [dealId]);
    },
  });
  const targets: MotionTarget[] = [
    createPartnerWebhookTarget({
      endpointFor: (tenantId, partnerId) => store.endpoints.get(tenantId, partnerId),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
    ...(deps.programmeTargets ?? []),
  ];
  return {
    ...store,
    service,
    targets,
    writeStatus,
    jobs: [
      partnerNotifyJob({ deliveries: store.deliveries, targets }),
      cosellSweepJob({ tenants: deps.tenants, service, motions: store.motions, writeStatus }),
    ],
    cadence: { hourly: [COSELL_SWEEP_JOB] },
    routes: ({ signing }) => [
      {
        path: '/api/cosell',
        ownBody: true,
        handler: coSellOperatorRouter({
          ...signing,
          mirror: deps.mirror,
          cosell: service,
          endpoints: store.endpoints,
          endpointPolicy: store.endpointPolicy,
        }),
      },
    ],
  };
}
