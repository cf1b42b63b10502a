/**
 * `pl_attribution_status` values (SPEC §2.1, §4.5), in display order. The engine's precedence between them is a rule
 * and lives with the rules (`src/attribution/attribution-model.ts` `STATUS_PRECEDENCE`).
 */
export const ATTRIBUTION_STATUSES = [
  'complete',
  'missing_partner',
  'missing_role',
  'invalid_split',
  'conflict',
  'not_partner_involved',
] as const;
export type AttributionStatus = (typeof ATTRIBUTION_STATUSES)[number];
