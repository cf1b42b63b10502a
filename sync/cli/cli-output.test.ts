import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeLines } from './cli-output.ts';

const io = (stdout: NodeJS.WritableStream) => ({ stdout, stderr: new PassThrough(), env: {} });

describe('writeLines', () => {
  it('given a reader that closes the pipe early, when writing to stdout, then writing stops quietly', async () => {
    let accepted = 0;
    const stdout = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        accepted += 1;
        if (accepted === 2) {
          callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
          return;
        }
        callback();
      },
    });
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    await expect(writeLines(undefined, lines, io(stdout))).resolves.toBeUndefined();
    expect(accepted).toBeLessThan(10);
  });

  it('given a generator that fails midway, when writing a file, then no file (and no partial file) is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-out-'));
    async function* failing() {
      yield 'one';
      throw new Error('bad record');
    }
    await expect(writeLines(join(dir, 'out.jsonl'), failing(), io(new PassThrough()))).rejects.toThrow('bad record');
    expect(readdirSync(dir)).toEqual([]);
    await writeLines(join(dir, 'out.jsonl'), ['a', 'b'], io(new PassThrough()));
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe('a\nb\n');
  });
});
