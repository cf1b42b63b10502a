import type { DealFeatures } from './deal-features.ts';

/**
 * Blocking: only deals that share a key are compared, so the number of compared pairs grows with the number of
 * deals, not its square. Keys: account id, registrable domain, normalized account name, normalized deal name, amount
 * with close date (copies keep both), and MinHash/LSH buckets of the account name's character trigrams (catches typos when the duplicate sits on another company record without a
 * domain). Inside a block only records whose close dates lie within `timeRadiusDays` are paired (one buying event
 * closes within weeks), so the cost follows the density of deals in time, not the length of an account's history.
 */
export interface BlockingSettings {
  /** Blocks up to this size compare records without a close date with every member; larger ones use a window. */
  maxBlockSize: number;
  /** Neighbours (by creation time) of a record without a close date in a large block. */
  windowSize: number;
  /**
   * Records whose close dates are further apart than this are never compared (the far-apart veto would reject them
   * anyway), so an account with years of history costs what its busiest quarter costs.
   */
  timeRadiusDays: number;
  /** At most this many later neighbours per record inside one block (a guard for pathological blocks). */
  maxNeighbours: number;
  lshBands: number;
  lshRows: number;
  /** An LSH bucket holding more distinct names than this is a common-word collision and is skipped. */
  maxNamesPerBucket: number;
}

export const DEFAULT_BLOCKING_SETTINGS: BlockingSettings = {
  maxBlockSize: 200,
  windowSize: 12,
  timeRadiusDays: 120,
  maxNeighbours: 60,
  // 16 bands of 4 rows: a name one typo away (trigram Jaccard ≈ 0.6) shares a bucket with probability ≈ 0.9, an
  // unrelated name sharing one common word (≈ 0.25) with ≈ 0.06.
  lshBands: 16,
  lshRows: 4,
  maxNamesPerBucket: 6,
};

export interface BlockingStats {
  blocks: number;
  /** Blocks where the neighbour cap or the creation-time window cut comparisons. */
  cappedBlocks: number;
  skippedBuckets: number;
  candidatePairs: number;
}

/** Candidate pairs as sorted, unique numbers `i * n + j` with i < j (indices into `features`). */
export interface CandidatePairs {
  keys: Float64Array;
  stats: BlockingStats;
}

class PairBuffer {
  keys = new Float64Array(1 << 16);
  length = 0;
  constructor(private readonly n: number) {}

  push(i: number, j: number): void {
    if (i === j) return;
    if (this.length === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.length] = i < j ? i * this.n + j : j * this.n + i;
    this.length += 1;
  }

  /** Sorted, duplicate-free keys. */
  finish(): Float64Array {
    const used = this.keys.subarray(0, this.length).sort();
    let unique = 0;
    for (let k = 0; k < used.length; k += 1) {
      const key = used[k] as number;
      if (unique === 0 || used[unique - 1] !== key) {
        used[unique] = key;
        unique += 1;
      }
    }
    return used.slice(0, unique);
  }
}

export function candidatePairs(
  features: readonly DealFeatures[],
  settings: BlockingSettings = DEFAULT_BLOCKING_SETTINGS,
): CandidatePairs {
  const n = features.length;
  const buffer = new PairBuffer(n);
  const stats: BlockingStats = { blocks: 0, cappedBlocks: 0, skippedBuckets: 0, candidatePairs: 0 };
  const emitter = new BlockEmitter(features, settings, buffer, stats);

  const byAccount = new Map<string, number[]>();
  const byDomain = new Map<string, number[]>();
  const byName = new Map<string, number[]>();
  const byDealName = new Map<string, number[]>();
  const byAmountAndClose = new Map<string, number[]>();
  for (const feature of features) {
    add(byAccount, feature.accountId, feature.index);
    if (feature.domain !== null) add(byDomain, feature.domain, feature.index);
    add(byName, feature.accountCore, feature.index);
    // Copies made by imports keep the deal name, amount and close date even when the company record is new and its
    // name mistyped.
    add(byDealName, feature.name, feature.index);
    if (feature.amount !== null && feature.closeDay !== null) {
      add(byAmountAndClose, `${feature.amount}|${feature.closeDay}`, feature.index);
    }
  }
  for (const blocks of [byAccount, byDomain, byName, byDealName, byAmountAndClose]) {
    for (const members of blocks.values()) emitter.emit(members);
  }

  // Fuzzy key: LSH buckets over distinct account names within one currency (a buying event is priced in one
  // currency, and without it the buckets of common name fragments grow with the data). Pairs only between deals of
  // different names: same-name pairs came from the name block already.
  const names = [...byName.keys()];
  const nameOf = new Int32Array(n);
  const units = new Map<string, number[]>();
  names.forEach((name, nameIndex) => {
    for (const member of byName.get(name) as number[]) {
      nameOf[member] = nameIndex;
      add(units, `${(features[member] as DealFeatures).currency ?? ''}\u0000${name}`, member);
    }
  });
  const unitMembers = [...units.values()];
  const buckets = new Map<number, number[]>();
  const signature = new Uint32Array(settings.lshBands * settings.lshRows);
  unitMembers.forEach((members, unit) => {
    const first = features[members[0] as number] as DealFeatures;
    minHashSignature(first.accountCore, signature);
    const currency = stringHash(first.currency ?? '');
    for (let band = 0; band < settings.lshBands; band += 1) {
      let hash = (0x811c9dc5 ^ band ^ currency) >>> 0;
      for (let row = 0; row < settings.lshRows; row += 1) {
        hash = Math.imul(hash ^ (signature[band * settings.lshRows + row] as number), 0x01000193) >>> 0;
      }
      add(buckets, band * 0x100000000 + hash, unit);
    }
  });
  // A second fuzzy key for short edit distances, which MinHash catches only by chance on short names: each name with
  // one letter deleted (names one or two edits apart share one of them, "robotics"/"robotcis" share "robotis").
  const deletions = new Map<string, number[]>();
  unitMembers.forEach((members, unit) => {
    const first = features[members[0] as number] as DealFeatures;
    const letters = first.accountCore.replace(/ /g, '');
    if (letters.length < 5) return;
    const currency = first.currency ?? '';
    for (let at = 0; at < letters.length; at += 1) {
      add(deletions, `${currency}|${letters.slice(0, at)}${letters.slice(at + 1)}`, unit);
    }
  });
  const sameName = (i: number, j: number) => nameOf[i] === nameOf[j];
  for (const bucket of [...buckets.values(), ...deletions.values()]) {
    if (bucket.length < 2) continue;
    if (bucket.length > settings.maxNamesPerBucket) {
      stats.skippedBuckets += 1;
      continue;
    }
    emitter.emit(
      bucket.flatMap((unit) => unitMembers[unit] as number[]),
      sameName,
    );
  }
  const keys = buffer.finish();
  stats.candidatePairs = keys.length;
  return { keys, stats };
}

function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function add<K>(map: Map<K, number[]>, key: K, value: number): void {
  const members = map.get(key);
  if (members) members.push(value);
  else map.set(key, [value]);
}

class BlockEmitter {
  constructor(
    private readonly features: readonly DealFeatures[],
    private readonly settings: BlockingSettings,
    private readonly buffer: PairBuffer,
    private readonly stats: BlockingStats,
  ) {}

  private closeOf(index: number): number {
    return (this.features[index] as DealFeatures).closeDay as number;
  }

  /** Pairs of one block: dated records within the time radius, undated records with everyone (or their window). */
  emit(members: readonly number[], skip?: (i: number, j: number) => boolean): void {
    if (members.length < 2) return;
    this.stats.blocks += 1;
    const { timeRadiusDays, maxNeighbours, maxBlockSize, windowSize } = this.settings;
    const dated: number[] = [];
    const undated: number[] = [];
    for (const member of members) {
      if ((this.features[member] as DealFeatures).closeDay === null) undated.push(member);
      else dated.push(member);
    }
    dated.sort((x, y) => this.closeOf(x) - this.closeOf(y) || x - y);
    let capped = false;
    for (let a = 0; a < dated.length; a += 1) {
      const i = dated[a] as number;
      const until = this.closeOf(i) + timeRadiusDays;
      let taken = 0;
      for (let b = a + 1; b < dated.length; b += 1) {
        const j = dated[b] as number;
        if (this.closeOf(j) > until) break;
        if (skip?.(i, j)) continue;
        if (taken === maxNeighbours) {
          capped = true;
          break;
        }
        this.buffer.push(i, j);
        taken += 1;
      }
    }
    if (undated.length > 0) {
      if (members.length <= maxBlockSize) {
        for (const i of undated) {
          for (const j of members) if (i !== j && !skip?.(i, j)) this.buffer.push(i, j);
        }
      } else {
        // Without a close date, creation time orders the block; compare with the nearest records either side.
        capped = true;
        const created = (index: number) => (this.features[index] as DealFeatures).createdDay ?? 0;
        const ordered = [...members].sort((x, y) => created(x) - created(y) || x - y);
        ordered.forEach((i, position) => {
          if ((this.features[i] as DealFeatures).closeDay !== null) return;
          const from = Math.max(0, position - windowSize);
          const to = Math.min(ordered.length - 1, position + windowSize);
          for (let p = from; p <= to; p += 1) {
            const j = ordered[p] as number;
            if (j !== i && !skip?.(i, j)) this.buffer.push(i, j);
          }
        });
      }
    }
    if (capped) this.stats.cappedBlocks += 1;
  }
}

// MinHash: one seeded 32-bit mixer per hash function over FNV-1a hashes of the name's character trigrams.
const MAX_HASHES = 128;
const SEEDS = Array.from({ length: MAX_HASHES }, (_, k) => fmix32(0x9e3779b9 + Math.imul(k + 1, 0x85ebca6b)));

function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fills `out` with the MinHash signature of the name's character trigrams (spaces ignored). */
export function minHashSignature(name: string, out: Uint32Array): void {
  if (out.length > MAX_HASHES) throw new RangeError(`at most ${MAX_HASHES} hashes`);
  out.fill(0xffffffff);
  const padded = ` ${name.replace(/ /g, '')} `;
  for (let i = 0; i + 3 <= padded.length; i += 1) {
    let shingle = 0x811c9dc5;
    for (let c = i; c < i + 3; c += 1) shingle = Math.imul(shingle ^ padded.charCodeAt(c), 0x01000193);
    for (let k = 0; k < out.length; k += 1) {
      const value = fmix32(shingle ^ (SEEDS[k] as number));
      if (value < (out[k] as number)) out[k] = value;
    }
  }
}
