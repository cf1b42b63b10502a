import { describe, expect, it } from 'vitest';
import { dedupeSettingsSchema, dedupeValues } from './dedupe-writer.ts';

describe('dedupeValues: the three CRM properties of one deal', () => {
  it.each([
    [
      'no cluster, never decided',
      undefined,
      false,
      { pl_duplicate_of: '', pl_duplicate_confidence: '', pl_dedupe_status: 'unique' },
    ],
    [
      'no cluster, kept apart by a seller',
      undefined,
      true,
      { pl_duplicate_of: '', pl_duplicate_confidence: '', pl_dedupe_status: 'not_duplicate' },
    ],
    [
      'a copy below the threshold',
      { survivorId: 's1', confidence: 0.93 },
      false,
      { pl_duplicate_of: 's1', pl_duplicate_confidence: '0.93', pl_dedupe_status: 'suspected' },
    ],
    [
      'a copy at the threshold',
      { survivorId: 's1', confidence: 0.99 },
      false,
      { pl_duplicate_of: 's1', pl_duplicate_confidence: '0.99', pl_dedupe_status: 'confirmed' },
    ],
    [
      'the survivor itself',
      { survivorId: 'd1', confidence: 0.97 },
      false,
      { pl_duplicate_of: '', pl_duplicate_confidence: '0.97', pl_dedupe_status: 'suspected' },
    ],
    [
      'in a cluster with a third deal although kept apart from another',
      { survivorId: 's2', confidence: 0.95 },
      true,
      { pl_duplicate_of: 's2', pl_duplicate_confidence: '0.95', pl_dedupe_status: 'suspected' },
    ],
  ])('%s', (_name, cluster, decided, expected) => {
    expect(dedupeValues('d1', cluster, decided, 0.99)).toEqual(expected);
  });
});

describe('dedupe settings', () => {
  it('defaults: merge off, confirmed/merge threshold 0.99, 100 merges per run', () => {
    expect(dedupeSettingsSchema.parse({})).toEqual({ merge: { enabled: false, minConfidence: 0.99, maxPerRun: 100 } });
  });

  it.each([
    [{ merge: { enabled: 'yes' } }, 'merge.enabled'],
    [{ merge: { enabled: true, minConfidence: 0.2 } }, 'merge.minConfidence'],
    [{ matchThreshold: 2 }, 'matchThreshold'],
    [{ mergeEverything: true }, ''],
  ])('rejects %j (naming %s)', (input, path) => {
    const parsed = dedupeSettingsSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe(path);
  });
});
