import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatchDocument } from './json-patch.ts';

describe('JSON Patch', () => {
  const document = { details: { dealValue: 1, notes: null }, team: [{ email: 'a' }] };
  it.each([
    [[{ op: 'replace', path: '/details/dealValue', value: 2 }], { details: { dealValue: 2, notes: null } }],
    [[{ op: 'replace', path: '/details/notes', value: 'n' }], { details: { dealValue: 1, notes: 'n' } }],
    [[{ op: 'add', path: '/team/-', value: { email: 'b' } }], { team: [{ email: 'a' }, { email: 'b' }] }],
    [[{ op: 'add', path: '/team/0', value: { email: 'z' } }], { team: [{ email: 'z' }, { email: 'a' }] }],
    [
      [{ op: 'add', path: '/details/currency', value: 'EUR' }],
      { details: { dealValue: 1, notes: null, currency: 'EUR' } },
    ],
  ])('given %o, when applied, then the document contains %o', (operations, expected) => {
    const parsed = parsePatchDocument(operations);
    if (!parsed.ok) throw new Error('patch did not parse');
    const result = applyPatch(document, parsed.operations);
    expect(result).toMatchObject({ ok: true, document: expected });
    expect(document.team).toHaveLength(1);
  });

  it.each([
    [[{ op: 'replace', path: '/details/missing', value: 1 }], /does not exist/],
    [[{ op: 'replace', path: '/team/5', value: 1 }], /does not exist/],
    [[{ op: 'add', path: '/team/7', value: 1 }], /past the end/],
    [[{ op: 'add', path: '/details/notes/x', value: 1 }], /does not exist/],
  ])('given %o, when applied, then it fails (%s)', (operations, message) => {
    const parsed = parsePatchDocument(operations);
    if (!parsed.ok) throw new Error('patch did not parse');
    const result = applyPatch(document, parsed.operations);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it.each([
    [{ op: 'replace', path: '/a', value: 1 }, 'an object instead of an array'],
    [[], 'no operations'],
    [[{ op: 'move', from: '/a', path: '/b' }], "'move' is not supported"],
    [[{ op: 'test', path: '/a', value: 1 }], "'test' is not supported"],
    [[{ op: 'replace', path: 'details/dealValue', value: 1 }], 'not a JSON pointer'],
    [[{ op: 'replace', path: '/a' }], 'needs a value'],
  ])('given %o (%s), when parsed, then it is refused', (body, message) => {
    const parsed = parsePatchDocument(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems.map((problem) => problem.message).join(' ')).toContain(
      message === 'an object instead of an array' ? 'JSON Patch array' : message,
    );
  });
});
