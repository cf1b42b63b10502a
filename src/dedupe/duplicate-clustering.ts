import type { DuplicateKind } from '../model/dedupe.ts';
import type { DealFeatures } from './deal-features.ts';
import type { PairAssessment } from './pair-scoring.ts';
import { sortedJaccard, sortedOverlap } from './string-similarity.ts';

/** `duplicate` or `registration_conflict` (the model's `DUPLICATE_KINDS`). */
export type ClusterKind = DuplicateKind;

/** One set of records of the same buying event (SPEC §4.1 `dedupe` line). */
export interface DuplicateCluster {
  /** Record ids, in id order. */
  ids: string[];
  kind: ClusterKind;
  /** 0–1: the posterior probability of the weakest link holding the cluster together. */
  confidence: number;
  /** The record to keep: the oldest, then the most complete, then the smallest id. */
  survivor: string;
  reasons: string[];
}

export interface ClusteringSettings {
  /** Largest cluster; a merge that would exceed it is refused. */
  maxClusterSize: number;
  /** Mean posterior over every cross pair required to join two clusters (guards against chaining A~B~C). */
  clusterLinkThreshold: number;
}

export interface Edge {
  a: number;
  b: number;
  probability: number;
}

/**
 * Greedy agglomeration over accepted pairs, strongest first (union–find). Two clusters join only if no pair across
 * them is vetoed and their average cross-pair probability stays above `clusterLinkThreshold`: a re-entry that looks
 * like both this year's and last year's renewal cannot chain the two renewals together.
 */
export function clusterPairs(
  edges: readonly Edge[],
  features: readonly DealFeatures[],
  assess: (a: DealFeatures, b: DealFeatures) => PairAssessment,
  settings: ClusteringSettings,
): Array<{ members: number[]; confidence: number }> {
  const parent = new Map<number, number>();
  const members = new Map<number, number[]>();
  const weakest = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root) as number;
    let node = x;
    while (node !== root) {
      const next = parent.get(node) as number;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const membersOf = (root: number) => members.get(root) ?? [root];

  for (const edge of edges) {
    const rootA = find(edge.a);
    const rootB = find(edge.b);
    if (rootA === rootB) continue;
    const left = membersOf(rootA);
    const right = membersOf(rootB);
    if (left.length + right.length > settings.maxClusterSize) continue;
    if (left.length > 1 || right.length > 1) {
      let sum = 0;
      let vetoed = false;
      for (const x of left) {
        for (const y of right) {
          const assessment = assess(features[x] as DealFeatures, features[y] as DealFeatures);
          if (assessment.veto) {
            vetoed = true;
            break;
          }
          sum += assessment.probability;
        }
        if (vetoed) break;
      }
      if (vetoed || sum / (left.length * right.length) < settings.clusterLinkThreshold) continue;
    }
    const [root, child] = left.length >= right.length ? [rootA, rootB] : [rootB, rootA];
    parent.set(rootA, rootA);
    parent.set(child, root);
    members.set(root, [...left, ...right]);
    members.delete(child);
    const link = Math.min(edge.probability, weakest.get(rootA) ?? 1, weakest.get(rootB) ?? 1);
    weakest.set(root, link);
    weakest.delete(child);
  }
  return [...members.entries()].map(([root, list]) => ({ members: list, confidence: weakest.get(root) ?? 0 }));
}

/** Ids that are all digits compare as numbers; otherwise by code unit. */
export function compareIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function chooseSurvivor(records: readonly DealFeatures[]): DealFeatures {
  return [...records].sort(
    (x, y) => x.createdMs - y.createdMs || y.completeness - x.completeness || compareIds(x.id, y.id),
  )[0] as DealFeatures;
}

/** A registration conflict: two records each claimed by partners, with no partner in common. */
export function isRegistrationConflict(records: readonly DealFeatures[]): boolean {
  const claimed = records.filter((record) => record.registrants.length > 0);
  for (let i = 0; i < claimed.length; i += 1) {
    for (let j = i + 1; j < claimed.length; j += 1) {
      if (sortedOverlap((claimed[i] as DealFeatures).registrants, (claimed[j] as DealFeatures).registrants) === 0) {
        return true;
      }
    }
  }
  return false;
}

export function describeCluster(records: readonly DealFeatures[], confidence: number): DuplicateCluster {
  const ordered = [...records].sort((x, y) => compareIds(x.id, y.id));
  const conflict = isRegistrationConflict(ordered);
  return {
    ids: ordered.map((record) => record.id),
    kind: conflict ? 'registration_conflict' : 'duplicate',
    confidence,
    survivor: chooseSurvivor(ordered).id,
    reasons: clusterReasons(ordered, conflict),
  };
}

const distinct = <T>(values: readonly T[]) => [...new Set(values)];

/** Human-readable evidence, most telling first. */
export function clusterReasons(records: readonly DealFeatures[], conflict: boolean): string[] {
  const reasons: string[] = [];
  const accountIds = distinct(records.map((r) => r.accountId));
  const domains = distinct(records.map((r) => r.domain).filter((d): d is string => d !== null));
  const withDomain = records.filter((r) => r.domain !== null).length;
  if (domains.length === 1 && withDomain >= 2) reasons.push(`same account domain ${domains[0]}`);
  if (accountIds.length === 1) {
    reasons.push(`same account id ${accountIds[0]}`);
  } else {
    const cores = distinct(records.map((r) => r.accountCore));
    reasons.push(
      cores.length === 1
        ? `same company name "${cores[0]}"`
        : `similar company names (${cores.map((c) => `"${c}"`).join(', ')})`,
    );
    reasons.push(`on ${accountIds.length} company records (${accountIds.join(', ')})`);
  }

  const names = distinct(records.map((r) => r.name));
  if (names.length === 1) reasons.push('same deal name');
  else if (everyPair(records, (x, y) => sortedJaccard(x.descriptor, y.descriptor) >= 0.6)) {
    reasons.push('similar deal names');
  }

  const currencies = distinct(records.map((r) => r.currency));
  const amounts = records.map((r) => r.amount);
  if (currencies.length === 1 && amounts.every((a): a is number => a !== null && a > 0)) {
    const high = Math.max(...amounts);
    const low = Math.min(...amounts);
    const currency = currencies[0] === null ? '' : ` ${currencies[0]}`;
    if (high === low) reasons.push(`same amount ${formatAmount(high)}${currency}`);
    else reasons.push(`amounts within ${Math.max(1, Math.ceil(((high - low) / high) * 100))}%`);
  }

  const closeDays = records.map((r) => r.closeDay);
  if (closeDays.every((d): d is number => d !== null)) {
    const spread = Math.max(...closeDays) - Math.min(...closeDays);
    if (spread === 0) reasons.push(`same close date ${isoDay(closeDays[0] as number)}`);
    else reasons.push(`close dates ${spread} day${spread === 1 ? '' : 's'} apart`);
  }

  const families = distinct(records.map((r) => r.families.join(', ')));
  if (families.length === 1 && families[0] !== '') reasons.push(`same products: ${families[0]}`);

  const intents = distinct(records.map((r) => r.intent));
  const intent = intents.length === 1 ? intents[0] : null;
  if (intent) {
    const years = distinct(records.map((r) => r.nameYear).filter((y) => y !== null));
    reasons.push(`same intent: ${intent.replace('_', ' ')}${years.length === 1 ? ` ${years[0]}` : ''}`);
  }

  if (conflict) {
    const partners = distinct(records.flatMap((r) => r.registrants)).sort(compareIds);
    reasons.push(`registered by different partners: ${partners.join(', ')}`);
  } else {
    const claimed = records.filter((r) => r.registrants.length > 0);
    const shared = claimed.length >= 2 ? distinct(claimed.flatMap((r) => r.registrants)) : [];
    if (shared.length >= 1 && claimed.length >= 2) {
      const times = claimed.length === 2 ? 'twice' : `${claimed.length} times`;
      reasons.push(`registered ${times} by partner ${shared.sort(compareIds).join(', ')}`);
    }
  }

  const owners = distinct(records.map((r) => r.ownerId).filter((o): o is string => o !== null));
  if (owners.length > 1) reasons.push(`entered by different owners (${owners.sort(compareIds).join(', ')})`);
  const created = records.map((r) => r.createdDay).filter((d): d is number => d !== null);
  if (created.length === records.length && names.length === 1) {
    const gap = Math.max(...created) - Math.min(...created);
    if (gap > 30) reasons.push(`copy created ${gap} days after the first record`);
  }
  return reasons;
}

function everyPair(records: readonly DealFeatures[], test: (x: DealFeatures, y: DealFeatures) => boolean): boolean {
  for (let i = 0; i < records.length; i += 1) {
    for (let j = i + 1; j < records.length; j += 1) {
      if (!test(records[i] as DealFeatures, records[j] as DealFeatures)) return false;
    }
  }
  return true;
}

function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
