import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.ts';

describe('SeededRandom', () => {
  it('given seed 42, when drawing, then the first numbers are the ones every generated portal and world starts from', () => {
    const random = new SeededRandom(42);
    expect(Array.from({ length: 4 }, () => random.next())).toEqual([
      0.4698481587693095, 0.23181642964482307, 0.7771014254540205, 0.47037786594592035,
    ]);
  });

  it('given the same seed twice, then the same sequence; given the neighbouring seed, then another', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 50 }, () => random.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
    expect(draw(7).every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('given next handed on as a plain function, when called, then it keeps drawing from its generator', () => {
    const next = new SeededRandom(42).next;
    expect(next()).toBe(0.4698481587693095);
    expect(next()).toBe(0.23181642964482307);
  });

  it('given int(1, 3) drawn many times, then every value from 1 to 3 comes up and nothing else', () => {
    const random = new SeededRandom(5);
    const seen = new Set(Array.from({ length: 300 }, () => random.int(1, 3)));
    expect(seen).toEqual(new Set([1, 2, 3]));
  });

  it('given a weighted pick with a zero weight, then that value never comes up', () => {
    const random = new SeededRandom(9);
    const picks = new Set(
      Array.from({ length: 500 }, () =>
        random.weighted([
          ['a', 1],
          ['never', 0],
          ['b', 2],
        ] as const),
      ),
    );
    expect(picks).toEqual(new Set(['a', 'b']));
  });

  it.each([
    ['pick', (random: SeededRandom) => random.pick([])],
    ['weighted', (random: SeededRandom) => random.weighted([])],
  ])('given an empty list, when %s is asked, then it refuses', (_name, draw) => {
    expect(() => draw(new SeededRandom(1))).toThrow(RangeError);
  });
});
