import { type Hash, hash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { memoOn } from '../shared/memo-on.ts';
import type { Deal } from './deal.ts';

/** Where a deal's digest is kept on it (`memoOn`): a pass digests each deal it read once, whoever asks first. */
const DIGEST = Symbol('deal digest');

/**
 * A short digest of a deal's JSON (change detection, not security), taken once per deal object: deals are never
 * changed in place (an amended deal is a new object), so the mirror's row digest and a clustering's input digest
 * over the same deals share the work. `json` is the deal's `JSON.stringify` when the caller has it already.
 */
export function dealDigest(deal: Deal, json?: string): string {
  return memoOn(deal, DIGEST, () => hash('sha1', json ?? JSON.stringify(deal), 'base64url'));
}

/** Deals digested between two turns of the event loop (one not digested yet costs its JSON). */
const SLICE = 2_000;

/**
 * Feeds the digests of `deals`, in order, to `hash` (the input digest of a computation over them), a slice at a time,
 * so a thread serving requests is held only briefly by deals not digested yet (a pass from the mirror's rows).
 */
export async function hashDeals(hash: Hash, deals: readonly Deal[]): Promise<void> {
  for (let start = 0; start < deals.length; start += SLICE) {
    if (start > 0) await nextTurn();
    hash.update(
      `\n${deals
        .slice(start, start + SLICE)
        .map((deal) => dealDigest(deal))
        .join('\n')}`,
    );
  }
}
