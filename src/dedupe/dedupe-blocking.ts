import type { DealFeatures } from './deal-features.ts';

/**
 * Blocking: only deals that share a key are compared, so the number of compared pairs grows with the number of
 * deals, not its square. Keys: account id, registrable domain, normalized account name, normalized deal name, amount
 * with close date (copies keep both), and MinHash/LSH buckets of the account name's character trigrams (catches typos when the duplicate sits on another company record without a
 * domain). A block larger than `maxBlockSize` is not compared all-pairs: its deals are sorted by close date and each is
 * compared with its `windowSize` neighbours (a sorted neighbourhood), since one buying event closes within weeks.
 */
export interface BlockingSettings {
  maxBlockSize: number;
  windowSize: number;
  lshBands: number;
  lshRows: number;
  /** An LSH bucket holding more distinct names than this is a common-word collision and is skipped. */
  maxNamesPerBucket: number;
}

export const DEFAULT_BLOCKING_SETTINGS: BlockingSettings = {
  maxBlockSize: 200,
  windowSize: 12,
  lshBands: 8,
  lshRows: 3,
  maxNamesPerBucket: 24,
};

export interface BlockingStats {
  blocks: number;
  windowedBlocks: number;
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

function timeOf(feature: DealFeatures): number {
  return feature.closeDay ?? feature.createdDay ?? 0;
}

export function candidatePairs(
  features: readonly DealFeatures[],
  settings: BlockingSettings = DEFAULT_BLOCKING_SETTINGS,
): CandidatePairs {
  const n = features.length;
  const buffer = new PairBuffer(n);
  const stats: BlockingStats = { blocks: 0, windowedBlocks: 0, skippedBuckets: 0, candidatePairs: 0 };

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
    for (const members of blocks.values()) emitBlock(members, features, settings, buffer, stats);
  }

  // Fuzzy key: LSH buckets over distinct account names; pairs only between deals of different names (same-name pairs
  // came from the name block already).
  const names = [...byName.keys()];
  const buckets = new Map<number, number[]>();
  const signature = new Uint32Array(settings.lshBands * settings.lshRows);
  names.forEach((name, nameIndex) => {
    minHashSignature(name, signature);
    for (let band = 0; band < settings.lshBands; band += 1) {
      let hash = 0x811c9dc5 ^ band;
      for (let row = 0; row < settings.lshRows; row += 1) {
        hash = Math.imul(hash ^ (signature[band * settings.lshRows + row] as number), 0x01000193) >>> 0;
      }
      add(buckets, band * 0x100000000 + hash, nameIndex);
    }
  });
  for (const nameIndices of buckets.values()) {
    if (nameIndices.length < 2) continue;
    if (nameIndices.length > settings.maxNamesPerBucket) {
      stats.skippedBuckets += 1;
      continue;
    }
    const groups = nameIndices.map((nameIndex) => byName.get(names[nameIndex] as string) as number[]);
    const total = groups.reduce((sum, group) => sum + group.length, 0);
    stats.blocks += 1;
    if (total > settings.maxBlockSize) {
      emitWindowed(groups.flat(), features, settings.windowSize, buffer);
      stats.windowedBlocks += 1;
      continue;
    }
    for (let g = 0; g < groups.length; g += 1) {
      for (let h = g + 1; h < groups.length; h += 1) {
        for (const i of groups[g] as number[]) for (const j of groups[h] as number[]) buffer.push(i, j);
      }
    }
  }
  const keys = buffer.finish();
  stats.candidatePairs = keys.length;
  return { keys, stats };
}

function add<K>(map: Map<K, number[]>, key: K, value: number): void {
  const members = map.get(key);
  if (members) members.push(value);
  else map.set(key, [value]);
}

function emitBlock(
  members: number[],
  features: readonly DealFeatures[],
  settings: BlockingSettings,
  buffer: PairBuffer,
  stats: BlockingStats,
): void {
  if (members.length < 2) return;
  stats.blocks += 1;
  if (members.length > settings.maxBlockSize) {
    stats.windowedBlocks += 1;
    emitWindowed(members, features, settings.windowSize, buffer);
    return;
  }
  for (let a = 0; a < members.length; a += 1) {
    for (let b = a + 1; b < members.length; b += 1) buffer.push(members[a] as number, members[b] as number);
  }
}

function emitWindowed(members: number[], features: readonly DealFeatures[], window: number, buffer: PairBuffer): void {
  const sorted = [...members].sort(
    (x, y) => timeOf(features[x] as DealFeatures) - timeOf(features[y] as DealFeatures) || x - y,
  );
  for (let a = 0; a < sorted.length; a += 1) {
    const limit = Math.min(sorted.length, a + window + 1);
    for (let b = a + 1; b < limit; b += 1) buffer.push(sorted[a] as number, sorted[b] as number);
  }
}

// MinHash: one seeded 32-bit mixer per hash function over FNV-1a hashes of the name's character trigrams.
const MAX_HASHES = 64;
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
