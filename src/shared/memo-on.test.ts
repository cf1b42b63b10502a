import { describe, expect, it } from 'vitest';
import { memoOn } from './memo-on.ts';

describe('a value kept on its object (memoOn)', () => {
  const KEY = Symbol('test value');

  it('given an object, then the value is computed once and is invisible to keys, JSON, spreads and clones', () => {
    const object = { id: '1', name: 'Acme' };
    let computed = 0;
    const compute = () => {
      computed += 1;
      return `value ${computed}`;
    };
    expect(memoOn(object, KEY, compute)).toBe('value 1');
    expect(memoOn(object, KEY, compute)).toBe('value 1');
    expect(computed).toBe(1);
    expect(Object.keys(object)).toEqual(['id', 'name']);
    expect(JSON.stringify(object)).toBe('{"id":"1","name":"Acme"}');
    // A copy is a new object: it computes its own value.
    expect(memoOn({ ...object }, KEY, compute)).toBe('value 2');
    expect(memoOn(structuredClone(object), KEY, compute)).toBe('value 3');
    expect(object).toEqual({ id: '1', name: 'Acme' });
  });

  it('given a frozen object, then the value is computed each time and the object is left alone', () => {
    const object = Object.freeze({ id: '1' });
    let computed = 0;
    expect(memoOn(object, KEY, () => ++computed)).toBe(1);
    expect(memoOn(object, KEY, () => ++computed)).toBe(2);
  });
});
