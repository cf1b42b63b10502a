import { cloudStatusEntry } from '../../src/cosell/targets/aws-ace/aws-opportunity.ts';
import { crmPropertyNamesOf } from '../../src/model/crm-properties.ts';
import type { DealWriter, DealWriterInput } from '../crm/tenant-sync.ts';
import { type CloudOpportunitiesRepository, type CloudOpportunityRow, cloudView } from './cloud-opportunities.repo.ts';

const [CLOUD_STATUS, AWS_ID, MICROSOFT_ID] = crmPropertyNamesOf('cloud') as [string, string, string];

/**
 * The deal's cloud values from its programme rows, pure: the newest row per programme gives `pl_cloud_status`
 * (`aws:Approved/Prospect; microsoft:Active/Accepted`) and the programme ids. A deal without rows gets its stale values
 * cleared (only when the CRM holds one).
 */
export function cloudValues(
  deals: ReadonlyArray<{ dealId: string; current: Readonly<Record<string, string | null | undefined>> }>,
  rows: readonly CloudOpportunityRow[],
): Map<string, Record<string, string>> {
  const newest = new Map<string, Map<string, CloudOpportunityRow>>();
  for (const row of rows) {
    const perDeal = newest.get(row.deal_id) ?? new Map<string, CloudOpportunityRow>();
    const seen = perDeal.get(row.programme);
    if (!seen || row.created_at > seen.created_at) perDeal.set(row.programme, row);
    newest.set(row.deal_id, perDeal);
  }
  const desired = new Map<string, Record<string, string>>();
  for (const { dealId, current } of deals) {
    const perDeal = newest.get(dealId);
    const aws = perDeal?.get('aws_ace');
    const microsoft = perDeal?.get('microsoft_referrals');
    const status = [
      aws ? cloudStatusEntry('aws', cloudView(aws).status, aws.stage) : null,
      microsoft ? cloudStatusEntry('microsoft', cloudView(microsoft).status, microsoft.stage) : null,
    ]
      .filter((entry): entry is string => entry !== null)
      .join('; ');
    const values = {
      [CLOUD_STATUS]: status,
      [AWS_ID]: aws?.external_id ?? '',
      [MICROSOFT_ID]: microsoft?.external_id ?? '',
    };
    const holds = Object.keys(values).some((name) => (current[name] ?? '') !== '');
    if (perDeal || holds) desired.set(dealId, values);
  }
  return desired;
}

/** Writes `pl_cloud_status`, `pl_aws_opportunity_id` and `pl_microsoft_referral_id` (SPEC §4.5). */
export class CloudStatusWriter implements DealWriter {
  readonly name = 'cloud';
  readonly properties = [CLOUD_STATUS, AWS_ID, MICROSOFT_ID] as const;

  constructor(private readonly opportunities: Pick<CloudOpportunitiesRepository, 'forDeals'>) {}

  async desired({ tenantId, deals, full }: DealWriterInput): Promise<ReadonlyMap<string, Record<string, string>>> {
    if (deals.length === 0) return new Map();
    const rows = await this.opportunities.forDeals(tenantId, full ? 'all' : deals.map((entry) => entry.deal.id));
    return cloudValues(
      deals.map((entry) => ({ dealId: entry.deal.id, current: entry.properties })),
      rows,
    );
  }
}
