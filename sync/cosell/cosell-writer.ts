import {
  type CoSellStatus,
  DEFAULT_MOTION_QUEUE_POLICY,
  type MotionQueuePolicy,
} from '../../src/cosell/motion-queue.ts';
import { crmPropertyNameOf } from '../../src/model/crm-properties.ts';
import type { DealWriter, DealWriterInput } from '../crm/tenant-sync.ts';
import type { CoSellMotionsRepository } from './motions.repo.ts';

/** `pl_cosell_status` (src/model/crm-properties.ts). */
export const COSELL_STATUS_PROPERTY = crmPropertyNameOf('cosell');

export interface DealCoSellValue {
  dealId: string;
  /** What the CRM holds now (null/'' = unset). */
  current: string | null | undefined;
}

/**
 * The `pl_cosell_status` values to want, pure: a deal with motions gets its most relevant motion's state, or that
 * state's aging variant (motion-queue.ts `cosellStatusValue`); a deal without motions gets no entry — unless the CRM still holds a value
 * (a stale one, or one typed in by hand into a property PartnerLoop owns), which is cleared with ''.
 */
export function cosellStatusValues(
  deals: readonly DealCoSellValue[],
  statuses: ReadonlyMap<string, CoSellStatus>,
): Map<string, Record<string, string>> {
  const desired = new Map<string, Record<string, string>>();
  for (const { dealId, current } of deals) {
    const status = statuses.get(dealId);
    if (status !== undefined) desired.set(dealId, { [COSELL_STATUS_PROPERTY]: status });
    else if ((current ?? '') !== '') desired.set(dealId, { [COSELL_STATUS_PROPERTY]: '' });
  }
  return desired;
}

export interface CoSellStatusWriterOptions {
  /** The clock aging is judged against. */
  now?: () => Date;
  policy?: MotionQueuePolicy;
}

/**
 * Writes `pl_cosell_status` (SPEC §4.5) with the aging flag as of the write; the tenant sync writes only values
 * HubSpot does not already hold, so re-running it as time passes writes just the deals whose flag flipped.
 */
export class CoSellStatusWriter implements DealWriter {
  readonly name = 'cosell';
  readonly properties = [COSELL_STATUS_PROPERTY] as const;
  readonly #now: () => Date;
  readonly #policy: MotionQueuePolicy;

  constructor(
    private readonly motions: Pick<CoSellMotionsRepository, 'statusesForDeals'>,
    options: CoSellStatusWriterOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#policy = options.policy ?? DEFAULT_MOTION_QUEUE_POLICY;
  }

  async desired({ tenantId, deals, full }: DealWriterInput): Promise<ReadonlyMap<string, Record<string, string>>> {
    if (deals.length === 0) return new Map();
    // A full reconcile reads every motion of the tenant at once rather than 100k ids in chunks.
    const statuses = await this.motions.statusesForDeals(
      tenantId,
      full ? 'all' : deals.map((entry) => entry.deal.id),
      this.#now(),
      this.#policy,
    );
    return cosellStatusValues(
      deals.map((entry) => ({ dealId: entry.deal.id, current: entry.properties[COSELL_STATUS_PROPERTY] })),
      statuses,
    );
  }
}
