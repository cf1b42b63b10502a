/**
 * A value computed once per object and kept on the object itself, under `key` as a non-enumerable symbol property:
 * invisible to `Object.keys`, `for…in`, JSON, spreads (a `{ ...deal }` copy computes its own) and structured clones.
 * For objects never changed in place (deals, a read's raw values). Not a `WeakMap`: V8 processes every entry of one
 * (an ephemeron) at each collection, and 200k entries — a 100k-deal pass keeps two per deal — cost ~0.4 s of garbage
 * collection, against ~0.1 s this way (docs/PERFORMANCE.md). A frozen or sealed object gets its value computed each
 * time.
 */
export function memoOn<T>(object: object, key: symbol, compute: () => T): T {
  const kept = (object as Record<symbol, T | undefined>)[key];
  if (kept !== undefined) return kept;
  const value = compute();
  if (Object.isExtensible(object)) Object.defineProperty(object, key, { value });
  return value;
}
