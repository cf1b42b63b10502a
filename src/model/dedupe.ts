/** `pl_dedupe_status` values (SPEC §2.2, §4.5). `not_duplicate` is a person's decision, remembered for the pair. */
export const DEDUPE_STATUSES = ['unique', 'suspected', 'confirmed', 'not_duplicate'] as const;
export type DedupeStatus = (typeof DEDUPE_STATUSES)[number];

export function isDedupeStatus(value: unknown): value is DedupeStatus {
  return typeof value === 'string' && (DEDUPE_STATUSES as readonly string[]).includes(value);
}

/**
 * What a cluster of deals is (SPEC §4.1 `dedupe` output `kind`): the same opportunity entered twice, or two partners
 * registering the same opportunity (a channel conflict to settle, not a record to merge).
 */
export const DUPLICATE_KINDS = ['duplicate', 'registration_conflict'] as const;
export type DuplicateKind = (typeof DUPLICATE_KINDS)[number];

/** Another deal of a deal's cluster, as the deal card shows it (card-api.ts `CardDuplicate`). */
export interface DuplicateView {
  otherDealId: string;
  otherDealName: string | null;
  kind: DuplicateKind;
  confidence: number;
  reasons: string[];
  /** The other deal's record in the CRM. */
  url: string | null;
}
