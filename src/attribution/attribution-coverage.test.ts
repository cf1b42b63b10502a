import { describe, expect, it } from 'vitest';
import { attributionCoverage } from './attribution-coverage.ts';
import type { AttributionStatus } from './attribution-model.ts';

const result = (status: AttributionStatus) => ({ status, partnerInvolved: status !== 'not_partner_involved' });

describe('attributionCoverage', () => {
  it('given no deals, when measured, then coverage is null and every status counts zero', () => {
    expect(attributionCoverage([])).toEqual({
      partnerInvolved: 0,
      complete: 0,
      coverage: null,
      byStatus: {
        complete: 0,
        missing_partner: 0,
        missing_role: 0,
        invalid_split: 0,
        conflict: 0,
        not_partner_involved: 0,
      },
    });
  });

  it('given only deals that are not partner-involved, when measured, then coverage is null', () => {
    const coverage = attributionCoverage([result('not_partner_involved'), result('not_partner_involved')]);
    expect(coverage).toMatchObject({ partnerInvolved: 0, complete: 0, coverage: null });
    expect(coverage.byStatus.not_partner_involved).toBe(2);
  });

  it('given a mix of statuses, when measured, then coverage is complete over partner-involved deals', () => {
    const statuses: AttributionStatus[] = [
      'complete',
      'complete',
      'complete',
      'missing_partner',
      'missing_role',
      'invalid_split',
      'conflict',
      'complete',
      'not_partner_involved',
      'not_partner_involved',
    ];
    expect(attributionCoverage(statuses.map(result))).toEqual({
      partnerInvolved: 8,
      complete: 4,
      coverage: 0.5,
      byStatus: {
        complete: 4,
        missing_partner: 1,
        missing_role: 1,
        invalid_split: 1,
        conflict: 1,
        not_partner_involved: 2,
      },
    });
  });

  it('given every involved deal complete, when measured, then coverage is 1', () => {
    expect(attributionCoverage([result('complete'), result('not_partner_involved')]).coverage).toBe(1);
  });
});
