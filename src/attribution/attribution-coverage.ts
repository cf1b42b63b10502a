import { ATTRIBUTION_STATUSES, type AttributionResult, type AttributionStatus } from './attribution-model.ts';

export interface AttributionCoverage {
  /** Deals that are partner-involved. */
  partnerInvolved: number;
  /** Partner-involved deals whose attribution is complete. */
  complete: number;
  /** complete / partnerInvolved (0–1); null when no deal is partner-involved (no share to speak of). */
  coverage: number | null;
  /** Every status, zero included, so reports have stable columns. */
  byStatus: Record<AttributionStatus, number>;
}

/** The coverage metric of SPEC §2.1: the share of partner-involved deals that are fully tagged. */
export function attributionCoverage(
  results: Iterable<Pick<AttributionResult, 'status' | 'partnerInvolved'>>,
): AttributionCoverage {
  const byStatus = Object.fromEntries(ATTRIBUTION_STATUSES.map((s) => [s, 0])) as Record<AttributionStatus, number>;
  let partnerInvolved = 0;
  let complete = 0;
  for (const result of results) {
    byStatus[result.status] += 1;
    if (!result.partnerInvolved) continue;
    partnerInvolved += 1;
    if (result.status === 'complete') complete += 1;
  }
  return { partnerInvolved, complete, coverage: partnerInvolved === 0 ? null : complete / partnerInvolved, byStatus };
}
