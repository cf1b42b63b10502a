import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from './node-flags.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}bin/partnerloop.js`;

describe('the V8 flags the CLI and the service run with', () => {
  it('given the bin and npm start, when read, then both pass exactly NODE_FLAGS to node', () => {
    const shebang = readFileSync(bin, 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(`node ${NODE_FLAGS.join(' ')} bin/partnerloop.js start --sandbox`);
  });

  it('given the bin run as a program (its shebang), when given a bad flag, then node accepts the V8 flags and the CLI answers with its one-line error', async () => {
    const result = await promisify(execFile)(bin, ['start', '--nope'], { cwd: root }).catch((error) => error);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('partnerloop start: Unknown option --nope\n');
  });
});
