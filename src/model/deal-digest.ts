import { hash } from 'node:crypto';
import type { Deal } from './deal.ts';

/** Digests already taken, by deal object: a pass digests each deal it read once, whoever asks first. */
const digests = new WeakMap<Deal, string>();

/**
 * A short digest of a deal's JSON (change detection, not security), taken once per deal object: deals are never
 * changed in place (an amended deal is a new object), so the mirror's row digest and a clustering's input digest
 * over the same deals share the work. `json` is the deal's `JSON.stringify` when the caller has it already.
 */
export function dealDigest(deal: Deal, json?: string): string {
  let digest = digests.get(deal);
  if (digest === undefined) {
    digest = hash('sha1', json ?? JSON.stringify(deal), 'base64url');
    digests.set(deal, digest);
  }
  return digest;
}
