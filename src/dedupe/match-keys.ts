import type { Deal } from '../model/deal.ts';
import { normalizeCompanyName, normalizeDomain } from './deal-normalization.ts';

/**
 * Coarse keys under which a deal's possible duplicates are looked up incrementally (a webhook pass compares a changed
 * deal only with the stored deals sharing one): the account id, the account's registrable domain and its normalized
 * name. The nightly full pass needs none of this: it blocks over every deal, fuzzy names included.
 */
export function dealMatchKeys(deal: Deal): string[] {
  const keys = new Set<string>();
  if (deal.account.id) keys.add(`a:${deal.account.id}`);
  const domain = normalizeDomain(deal.account.domain);
  if (domain) keys.add(`d:${domain}`);
  const name = normalizeCompanyName(deal.account.name);
  if (name.core) keys.add(`n:${name.core}`);
  return [...keys].sort();
}
