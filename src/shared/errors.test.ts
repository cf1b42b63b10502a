import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError, parseInput } from './errors.ts';

const settings = z.strictObject({
  name: z.string().min(1),
  rules: z.array(z.strictObject({ weight: z.number().min(0) })).default([]),
});
const batch = z.array(z.object({ id: z.string() })).min(1);
const target = z
  .strictObject({ partnerId: z.string().optional(), programme: z.string().optional() })
  .refine((value) => value.partnerId !== undefined || value.programme !== undefined, {
    message: 'Choose a partner or name a programme.',
    path: ['partnerId'],
  });

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('parseInput', () => {
  it('given a valid input, then the parsed value (defaults applied)', () => {
    expect(parseInput(settings, { name: 'x' })).toEqual({ name: 'x', rules: [] });
  });

  it.each([
    {
      case: 'a nested array element',
      schema: settings,
      value: { name: 'x', rules: [{ weight: -1 }] },
      details: ['rules.0.weight: Too small: expected number to be >=0'],
    },
    {
      case: 'two unknown keys',
      schema: settings,
      value: { name: 'x', typo: 1, other: 2 },
      details: ['typo: unknown key', 'other: unknown key'],
    },
    {
      case: 'an unknown key in a nested object',
      schema: settings,
      value: { name: 'x', rules: [{ weight: 1, wieght: 2 }] },
      details: ['rules.0.wieght: unknown key'],
    },
    {
      case: 'the input as a whole',
      schema: settings,
      value: null,
      details: ['(root): Invalid input: expected object, received null'],
    },
    {
      case: 'an element of an input that is an array',
      schema: batch,
      value: [{ id: 1 }],
      details: ['[0].id: Invalid input: expected string, received number'],
    },
  ])('given $case, then every problem is one "path: message" line', ({ schema, value, details }) => {
    const error = refusal(() => parseInput(schema, value));
    expect(error.code).toBe('invalid_input');
    expect(error.details).toEqual(details);
    expect(error.message).toBe(
      `invalid request (${details.length === 1 ? '1 problem' : `${details.length} problems`}): ${details[0]}`,
    );
  });

  it('given what the input is, then the message names it', () => {
    expect(refusal(() => parseInput(settings, {}, { what: 'scoring config' })).message).toBe(
      'invalid scoring config (1 problem): name: Invalid input: expected string, received undefined',
    );
  });

  it('given sentence refinements, when a refinement is the only problem, then its sentence is the message', () => {
    const sentence = refusal(() => parseInput(target, {}, { what: 'co-sell request', sentenceRefinements: true }));
    expect(sentence.message).toBe('Choose a partner or name a programme.');
    expect(sentence.details).toEqual(['partnerId: Choose a partner or name a programme.']);
    const plain = refusal(() => parseInput(target, {}, { what: 'co-sell request' }));
    expect(plain.message).toBe('invalid co-sell request (1 problem): partnerId: Choose a partner or name a programme.');
    const typed = refusal(() => parseInput(target, { partnerId: 1 }, { sentenceRefinements: true }));
    expect(typed.message).toMatch(/^invalid request \(1 problem\): partnerId: /);
  });
});
