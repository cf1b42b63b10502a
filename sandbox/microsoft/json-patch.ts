import { z } from 'zod';

/**
 * The JSON Patch (RFC 6902) subset Partner Center's PATCH /referrals/{id} accepts: only `replace` and `add` ("The API
 * currently only supports the replace and add operations", update-a-referral page). Pointers follow RFC 6901 (`~1`
 * is `/`, `~0` is `~`, `-` appends to an array). Pure: the document is copied, never mutated.
 */

export type PatchOperation = { op: 'replace' | 'add'; path: string; value: unknown };

export type PatchResult = { ok: true; document: unknown } | { ok: false; path: string; message: string };

const operationSchema = z.looseObject({
  op: z.string(),
  path: z.string(),
  value: z.unknown().optional(),
});

export type ParsedPatch = { ok: true; operations: PatchOperation[] } | { ok: false; problems: PatchProblem[] };
export interface PatchProblem {
  field: string;
  message: string;
}

/** Reads a request body as a patch document: an array of `{op, path, value}` with supported ops and JSON pointers. */
export function parsePatchDocument(body: unknown): ParsedPatch {
  if (!Array.isArray(body)) {
    return { ok: false, problems: [{ field: '(root)', message: 'the body must be a JSON Patch array of operations' }] };
  }
  if (body.length === 0) return { ok: false, problems: [{ field: '(root)', message: 'the patch has no operations' }] };
  const problems: PatchProblem[] = [];
  const operations: PatchOperation[] = [];
  body.forEach((raw, index) => {
    const parsed = operationSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push({ field: `[${index}]`, message: 'each operation needs a string op and a string path' });
      return;
    }
    const { op, path } = parsed.data;
    if (op !== 'replace' && op !== 'add') {
      problems.push({ field: `[${index}].op`, message: `op '${op}' is not supported; only replace and add are` });
      return;
    }
    if (!path.startsWith('/')) {
      problems.push({ field: `[${index}].path`, message: `path '${path}' is not a JSON pointer` });
      return;
    }
    if (!('value' in parsed.data)) {
      problems.push({ field: `[${index}].value`, message: `${op} needs a value` });
      return;
    }
    operations.push({ op, path, value: parsed.data.value });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, operations };
}

export function pointerSegments(path: string): string[] {
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies the operations in order to a copy of `document`; the first failing one stops the whole patch. */
export function applyPatch(document: unknown, operations: readonly PatchOperation[]): PatchResult {
  const copy: unknown = structuredClone(document);
  for (const operation of operations) {
    const failure = applyOne(copy, operation);
    if (failure) return { ok: false, path: operation.path, message: failure };
  }
  return { ok: true, document: copy };
}

function applyOne(root: unknown, { op, path, value }: PatchOperation): string | undefined {
  const segments = pointerSegments(path);
  const last = segments.pop();
  if (last === undefined) return 'the document root cannot be replaced';
  let parent: unknown = root;
  for (const segment of segments) {
    parent = child(parent, segment);
    if (parent === undefined) return `path '${path}' does not exist`;
  }
  if (Array.isArray(parent)) {
    if (last === '-') {
      if (op === 'replace') return `'-' cannot be replaced`;
      parent.push(structuredClone(value));
      return undefined;
    }
    if (!/^(0|[1-9]\d*)$/.test(last)) return `'${last}' is not an array index`;
    const index = Number(last);
    if (op === 'add') {
      if (index > parent.length) return `index ${index} is past the end of the array`;
      parent.splice(index, 0, structuredClone(value));
      return undefined;
    }
    if (index >= parent.length) return `path '${path}' does not exist`;
    parent[index] = structuredClone(value);
    return undefined;
  }
  if (parent === null || typeof parent !== 'object') return `path '${path}' does not exist`;
  const record = parent as Record<string, unknown>;
  // RFC 6902 §4.3: the target of replace must exist; add creates or overwrites a member.
  if (op === 'replace' && !Object.hasOwn(record, last)) return `path '${path}' does not exist`;
  record[last] = structuredClone(value);
  return undefined;
}

function child(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) return /^(0|[1-9]\d*)$/.test(segment) ? node[Number(segment)] : undefined;
  if (node === null || typeof node !== 'object') return undefined;
  const value = (node as Record<string, unknown>)[segment];
  return value === null ? undefined : value;
}
