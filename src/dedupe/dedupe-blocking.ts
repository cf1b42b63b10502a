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

  // Exact keys. Grouping goes through dense ids and a counting sort rather than one array per key: at 200k deals the
  // garbage of a million small arrays costs more than the comparisons.
  const accountIds = new KeyIds<string>(n);
  const domainIds = new KeyIds<string>(n);
  const nameIds = new KeyIds<string>(n);
  const dealNameIds = new KeyIds<string>(n);
  const amountCloseIds = new KeyIds<number>(n);
  for (const feature of features) {
    const i = feature.index;
    accountIds.set(i, feature.accountId);
    if (feature.domain !== null) domainIds.set(i, feature.domain);
    nameIds.set(i, feature.accountCore);
    // Copies made by imports keep the deal name, amount and close date even when the company record is new and its
    // name mistyped.
    dealNameIds.set(i, feature.name);
    if (feature.amount !== null && feature.closeDay !== null) {
      amountCloseIds.set(i, (Math.round(feature.amount * 100) % 2 ** 37) * 32_768 + (feature.closeDay & 32_767));
    }
  }
  for (const keyIds of [accountIds, domainIds, nameIds, dealNameIds, amountCloseIds]) {
    keyIds.forEachGroup((members) => emitter.emit(members));
  }

  // Fuzzy keys work on "units": one account name in one currency (a buying event is priced in one currency, and
  // without it the buckets of common name fragments grow with the data). Pairs only between deals of different
  // names: same-name pairs came from the name block already.
  const currencyIds = new Map<string, number>();
  const unitIds = new KeyIds<number>(n);
  for (const feature of features) {
    const currency = feature.currency ?? '';
    let currencyId = currencyIds.get(currency);
    if (currencyId === undefined) {
      currencyId = currencyIds.size;
      currencyIds.set(currency, currencyId);
    }
    unitIds.set(feature.index, (nameIds.idOf(feature.index) as number) * 4096 + (currencyId % 4096));
  }
  const units = unitIds.groups();
  const unitCount = units.count;
  if (unitCount >= 2 ** 21) throw new RangeError('too many distinct account names for the fuzzy keys');
  const unitFirst = (unit: number) => features[units.members(unit)[0] as number] as DealFeatures;

  // MinHash/LSH over the name's character trigrams; and, for short edit distances that MinHash catches only by chance
  // on short names, each name with one letter deleted (names one or two edits apart share one of those:
  // "robotics"/"robotcis" share "robotis"). Both become 32-bit bucket hashes packed with the unit and sorted.
  const packed: number[] = [];
  const signature = new Uint32Array(settings.lshBands * settings.lshRows);
  for (let unit = 0; unit < unitCount; unit += 1) {
    const first = unitFirst(unit);
    const currency = stringHash(first.currency ?? '');
    minHashSignature(first.accountCore, signature);
    for (let band = 0; band < settings.lshBands; band += 1) {
      let hash = (0x811c9dc5 ^ Math.imul(band + 1, 0x9e3779b1) ^ currency) >>> 0;
      for (let row = 0; row < settings.lshRows; row += 1) {
        hash = Math.imul(hash ^ (signature[band * settings.lshRows + row] as number), 0x01000193) >>> 0;
      }
      packed.push(hash * 2 ** 21 + unit);
    }
    const letters = first.accountCore.replace(/ /g, '');
    if (letters.length >= 5) {
      for (let at = 0; at < letters.length; at += 1) {
        let hash = (0x050c5d1f ^ currency) >>> 0;
        for (let c = 0; c < letters.length; c += 1) {
          if (c !== at) hash = Math.imul(hash ^ letters.charCodeAt(c), 0x01000193);
        }
        packed.push((hash >>> 0) * 2 ** 21 + unit);
      }
    }
  }
  const sortedBuckets = Float64Array.from(packed).sort();
  packed.length = 0;
  const sameName = (i: number, j: number) => nameIds.idOf(i) === nameIds.idOf(j);
  const bucketMembers: number[] = [];
  for (let start = 0; start < sortedBuckets.length; ) {
    const bucket = Math.floor((sortedBuckets[start] as number) / 2 ** 21);
    let end = start + 1;
    while (end < sortedBuckets.length && Math.floor((sortedBuckets[end] as number) / 2 ** 21) === bucket) end += 1;
    const size = end - start;
    if (size > settings.maxNamesPerBucket) {
      stats.skippedBuckets += 1;
    } else if (size >= 2) {
      bucketMembers.length = 0;
      let previous = -1;
      for (let k = start; k < end; k += 1) {
        const unit = (sortedBuckets[k] as number) % 2 ** 21;
        if (unit === previous) continue; // one name can land twice in a bucket through two deletions
        previous = unit;
        for (const member of units.members(unit)) bucketMembers.push(member);
      }
      emitter.emit(bucketMembers, sameName);
    }
    start = end;
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

/** Dense ids for the keys of n items (-1 = no key), and their groups by a counting sort. */
class KeyIds<K> {
  private readonly ids = new Map<K, number>();
  private readonly idOfItem: Int32Array;

  constructor(n: number) {
    this.idOfItem = new Int32Array(n).fill(-1);
  }

  set(item: number, key: K): void {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    this.idOfItem[item] = id;
  }

  idOf(item: number): number | undefined {
    const id = this.idOfItem[item] as number;
    return id < 0 ? undefined : id;
  }

  groups(): { count: number; members: (group: number) => Int32Array } {
    const count = this.ids.size;
    const starts = new Int32Array(count + 1);
    for (const id of this.idOfItem) if (id >= 0) starts[id + 1] = (starts[id + 1] as number) + 1;
    for (let g = 0; g < count; g += 1) starts[g + 1] = (starts[g + 1] as number) + (starts[g] as number);
    const order = new Int32Array(starts[count] as number);
    const next = starts.slice(0, count);
    this.idOfItem.forEach((id, item) => {
      if (id < 0) return;
      order[next[id] as number] = item;
      next[id] = (next[id] as number) + 1;
    });
    return { count, members: (group) => order.subarray(starts[group] as number, starts[group + 1] as number) };
  }

  forEachGroup(visit: (members: Int32Array) => void): void {
    const { count, members } = this.groups();
    for (let group = 0; group < count; group += 1) {
      const list = members(group);
      if (list.length >= 2) visit(list);
    }
  }
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
  emit(members: ArrayLike<number>, skip?: (i: number, j: number) => boolean): void {
    if (members.length < 2) return;
    this.stats.blocks += 1;
    const { timeRadiusDays, maxNeighbours, maxBlockSize, windowSize } = this.settings;
    const dated: number[] = [];
    const undated: number[] = [];
    for (let k = 0; k < members.length; k += 1) {
      const member = members[k] as number;
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
          for (let k = 0; k < members.length; k += 1) {
            const j = members[k] as number;
            if (i !== j && !skip?.(i, j)) this.buffer.push(i, j);
          }
        }
      } else {
        // Without a close date, creation time orders the block; compare with the nearest records either side.
        capped = true;
        const created = (index: number) => (this.features[index] as DealFeatures).createdDay ?? 0;
        const ordered = Array.from(members).sort((x, y) => created(x) - created(y) || x - y);
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
