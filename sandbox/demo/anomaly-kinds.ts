/**
 * The anomalies the generators plant, named once. The demo portal (demo-portal.ts) and the labelled dedupe world
 * (labelled-deals.ts) write their truth in these words, and the pairwise metrics (pairwise-metrics.ts) report by them.
 */

/**
 * How one buying event comes to be recorded more than once (SPEC §2.2): `reentry` (another seller enters it again),
 * `double_registration` (its partner registers it a second time), `registration_conflict` (a rival partner registers
 * it), `import_copy` (an import or a sync copies the record).
 */
export const DUPLICATE_MECHANISMS = ['reentry', 'double_registration', 'registration_conflict', 'import_copy'] as const;
export type DuplicateMechanism = (typeof DUPLICATE_MECHANISMS)[number];

/**
 * Different buying events that look alike and must stay apart (the hard negatives of SPEC §2.2): the same product
 * renewed in another year, other products bought at the same time, repeated expansions, a company of the same name
 * (abroad or on another domain), a subsidiary with its own domain.
 */
export const HARD_NEGATIVE_TYPES = [
  'renewal_other_year',
  'concurrent_products',
  'repeat_expansion',
  'namesake',
  'subsidiary',
] as const;
export type HardNegativeType = (typeof HARD_NEGATIVE_TYPES)[number];

/** Attribution the seller left out: a partner-led deal without its partner, or a partner without its role label. */
export const ATTRIBUTION_GAP_KINDS = ['missing_partner', 'missing_role'] as const;
export type AttributionGapKind = (typeof ATTRIBUTION_GAP_KINDS)[number];
